//! What a new administrator found trying the console, each through keys: `Esc` cancels
//! a bulk job from every screen, the members view of a deleted group, the Groups
//! pane's selection after a filter and an add, `-` on a subgroup's member and with
//! marks, and the user picker's `Space` and narrow rows.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::app::{App, JOB_RUNNING, Modal};
use xusers::tui::session::StatusKind;

const SIZE: (u16, u16) = (100, 30);

/// The status line's text and kind.
fn status(app: &App) -> (String, StatusKind) {
    let s = app.session.status.as_ref().expect("a status");
    (s.text.clone(), s.kind)
}

fn users(app: &App) -> u64 {
    let application = app.session.application.id;
    app.session.store.scope_counts(application).unwrap().all
}

/// Marks every user and starts deleting them, the job held at the gate.
fn start_delete_all(app: &mut App, gate: &Gate) {
    keys(app, "*d");
    assert!(
        matches!(&app.modal, Some(Modal::Confirm(_))),
        "the dialog asks"
    );
    gate.shut();
    press(app, KeyCode::Char('y'), KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    assert!(app.job.is_some(), "the job runs");
}

/// `Esc` in front of `pane` cancels the job held at the gate; the job's outcome shows
/// there.
fn esc_cancels_the_job_in(pane: char) {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    start_delete_all(&mut app, &gate);
    press(&mut app, KeyCode::Char(pane), KeyModifiers::NONE);
    assert!(app.job_over(), "the job's keys lie over pane {pane}");
    assert!(screen(&app).contains("Esc cancel job"), "{}", screen(&app));
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.job.as_ref().unwrap().cancelling(), "Esc cancelled it");
    gate.open();
    finish_background(&mut app);
    assert!(app.job.is_none());
    assert_eq!(users(&app), 60, "rolled back");
    let outcome = (
        "Cancelled: nothing was changed".to_string(),
        StatusKind::Error,
    );
    assert_eq!(status(&app), outcome);
    assert!(screen(&app).contains("Cancelled: nothing was changed"));
}

#[test]
fn esc_cancels_a_bulk_job_from_the_groups_pane() {
    esc_cancels_the_job_in('4');
}

#[test]
fn esc_cancels_a_bulk_job_from_the_audit_log() {
    esc_cancels_the_job_in('5');
}

#[test]
fn the_groups_pane_shows_a_refusal_during_a_job_and_then_its_outcome() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    start_delete_all(&mut app, &gate);
    // The tree is read (`a` adds under the selected group: it waits for the tree)
    // while the job stays held.
    gate.hold_only("xusers-bulk");
    press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
    background_until(&mut app, |app| app.groups.as_ref().unwrap().loaded);
    assert!(app.job.is_some(), "the job is still held");
    press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
    let groups = app.groups.as_ref().expect("the Groups pane");
    assert!(groups.popup.is_none(), "no form opens");
    assert_eq!(status(&app), (JOB_RUNNING.into(), StatusKind::Error));
    assert!(screen(&app).contains("press Esc to cancel it"));
    gate.open();
    finish_background(&mut app);
    assert_eq!(users(&app), 0, "the job ran to its end");
    assert!(app.groups.is_some(), "still in front");
    let (text, kind) = status(&app);
    assert!(text.starts_with("Deleted 60 users"), "{text}");
    assert_eq!(kind, StatusKind::Info);
    assert!(screen(&app).contains("Deleted 60 users"));
    assert!(!app.job_over(), "no job, no job keys");
    key(&mut app, KeyCode::Esc);
    assert!(app.groups.is_some(), "Esc stays in the pane without a job");
}

/// Selects group `name` in the Groups pane (4), through its filter (kept).
fn select_group(app: &mut App, name: &str) {
    keys(app, "4/");
    type_text(app, name);
    key(app, KeyCode::Enter);
    let groups = app.groups.as_ref().expect("the Groups pane");
    let selected = groups.selected_group().map(|g| g.group.name.as_str());
    assert_eq!(selected, Some(name), "the first match is selected");
}

/// Opens the members view of `name`: Enter on it in the tree.
fn members_of(app: &mut App, name: &str) {
    select_group(app, name);
    key(app, KeyCode::Enter);
    assert_eq!(app.browse.members.as_ref().unwrap().name, name);
}

fn delete_group_elsewhere(dir: &tempfile::TempDir, app: &App, name: &str) {
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    other
        .delete_group(app.session.application.id, name)
        .unwrap();
}

/// After someone else deleted the group, `key` in its members view says so and goes
/// back to the tree.
fn in_a_deleted_groups_members_view(press_key: char) -> App {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Mobile");
    delete_group_elsewhere(&dir, &app, "Mobile");
    key(&mut app, KeyCode::Char(press_key));
    assert_eq!(
        status(&app),
        (
            "Group Mobile was deleted (by someone else)".into(),
            StatusKind::Error
        )
    );
    assert!(app.browse.members.is_none(), "the members view went");
    assert!(
        app.picker.is_none() && app.modal.is_none(),
        "nothing opened"
    );
    let groups = app.groups.as_ref().expect("back in the tree");
    assert!(
        !groups.tree.groups.iter().any(|g| g.group.name == "Mobile"),
        "the tree was read again"
    );
    app
}

#[test]
fn r_in_the_members_view_of_a_group_someone_deleted_says_so_and_goes_back() {
    in_a_deleted_groups_members_view('r');
}

#[test]
fn plus_in_the_members_view_of_a_group_someone_deleted_opens_no_picker() {
    in_a_deleted_groups_members_view('+');
}

#[test]
fn minus_in_the_members_view_of_a_group_someone_deleted_asks_nothing() {
    let app = in_a_deleted_groups_members_view('-');
    assert!(screen(&app).contains("Group Mobile was deleted (by someone else)"));
}

#[test]
fn esc_after_a_filter_matching_nothing_selects_the_group_again() {
    let (_d, mut app) = console(60, SIZE);
    select_group(&mut app, "Sales");
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "/zzz");
    let groups = app.groups.as_ref().unwrap();
    assert!(groups.rows().is_empty(), "nothing matches");
    key(&mut app, KeyCode::Esc);
    let groups = app.groups.as_ref().unwrap();
    assert!(!groups.rows().is_empty());
    let selected = groups.selected_group().map(|g| g.group.name.clone());
    assert_eq!(selected.as_deref(), Some("Sales"), "the selection before");
    assert!(screen(&app).contains("▶ "), "{}", screen(&app));
    assert!(screen(&app).contains("Demo kiosk"), "Sales's devices show");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.browse.members.as_ref().unwrap().name, "Sales");
}

/// The group a filter found stays selected when the filter goes, its parents opened
/// (Berlin office sits under Sales › EMEA, which are closed at first).
#[test]
fn esc_after_a_filter_keeps_the_group_it_found_and_opens_its_parents() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "4/berl");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    let groups = app.groups.as_ref().unwrap();
    assert!(groups.filter.value().is_empty());
    let selected = groups.selected_group().map(|g| g.group.name.clone());
    assert_eq!(selected.as_deref(), Some("Berlin office"));
    assert!(groups.selected_index().is_some(), "it shows in the tree");
}

/// A group added while a filter it does not match is on shows, selected: the filter
/// goes rather than hide it.
#[test]
fn a_group_added_under_a_filter_it_does_not_match_shows_selected() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "4/berl");
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "a");
    type_text(&mut app, "Zed");
    key(&mut app, KeyCode::Enter);
    let groups = app.groups.as_ref().unwrap();
    let selected = groups.selected_group().map(|g| g.group.name.clone());
    assert_eq!(selected.as_deref(), Some("Zed"), "{:?}", app.session.status);
    assert!(groups.selected_index().is_some(), "it shows in the tree");
    assert!(groups.filter.value().is_empty());
}

#[test]
fn a_filter_matching_nothing_from_the_start_then_esc_selects_the_first_group() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "4/zzz");
    key(&mut app, KeyCode::Esc);
    let groups = app.groups.as_ref().unwrap();
    let selected = groups.selected_group().map(|g| g.group.name.clone());
    assert_eq!(selected.as_deref(), Some("Acme"));
}

#[test]
fn a_group_just_added_is_selected_and_scrolled_to_at_40x12() {
    let size = (40, 12);
    let (_d, mut app) = console(60, size);
    // Under the last group, Support: below the first screen.
    keys(&mut app, "4Ga");
    type_text(&mut app, "Zeta");
    key(&mut app, KeyCode::Enter);
    let groups = app.groups.as_ref().unwrap();
    let selected = groups.selected_group().map(|g| g.group.name.clone());
    assert_eq!(
        selected.as_deref(),
        Some("Zeta"),
        "{:?}",
        app.session.status
    );
    let at = groups.selected_index().expect("it shows in the tree");
    let height = xusers::tui::screens::groups::view::tree_rows(size);
    assert!(at >= height, "the test needs it below the first screen");
    assert!(
        (groups.top..groups.top + height).contains(&at),
        "row {at} on screen (top {})",
        groups.top
    );
    let shown = screen(&app);
    let row = shown
        .lines()
        .find(|l| l.contains("Zeta "))
        .expect("Zeta's row");
    assert!(row.contains('▶'), "{shown}");
}

/// A user with a long email, in a new subgroup `sub` of a new group `top` only.
fn member_through_a_subgroup(dir: &tempfile::TempDir, app: &App, top: &str, sub: &str) -> String {
    let email = "a.very.long.local.part.for.someone@acme.io";
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let application = app.session.application.id;
    other.create_group(application, top, None).unwrap();
    let group = other.create_group(application, sub, Some(top)).unwrap();
    let user = common::add(&mut other, application, common::draft(email));
    other.add_members(application, group.id, &[user]).unwrap();
    email.to_string()
}

#[test]
fn minus_on_a_subgroups_member_names_the_subgroup_within_80_columns() {
    let (dir, mut app) = console(60, (80, 24));
    let email = member_through_a_subgroup(&dir, &app, "Northwind", "Sales EMEA");
    members_of(&mut app, "Northwind");
    assert_eq!(selected_email(&app), email);
    key(&mut app, KeyCode::Char('-'));
    assert!(app.modal.is_none(), "no dialog");
    let (text, kind) = status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(
        text.ends_with(" is in Northwind only through Sales EMEA: remove them there"),
        "{text}"
    );
    assert!(text.starts_with("a.very.lon…@acme.io is in"), "{text}");
    assert!(text.chars().count() <= 78, "{text}");
    let shown = screen(&app);
    assert!(shown.contains(": remove them there"), "{shown}");
}

#[test]
fn minus_on_a_subgroups_member_cuts_long_group_names() {
    let (dir, mut app) = console(60, (80, 24));
    let top = "Sales and Marketing Worldwide Division";
    let sub = "Sales EMEA and the Middle East region";
    member_through_a_subgroup(&dir, &app, top, sub);
    members_of(&mut app, top);
    key(&mut app, KeyCode::Char('-'));
    let (text, _) = status(&app);
    assert!(text.chars().count() <= 78, "{text}");
    assert_eq!(
        text,
        "a.ver…@acme.io is in Sales and M… only through Sales EMEA …: remove them there"
    );
}

#[test]
fn a_read_only_console_refuses_minus_on_a_subgroups_member_as_read_only() {
    let (dir, seeded) = console(60, SIZE);
    member_through_a_subgroup(&dir, &seeded, "Northwind", "Sales EMEA");
    drop(seeded);
    let store = xusers::store::Store::open_read_only(&dir.path().join("demo.db")).unwrap();
    let application = store.existing_application("default").unwrap();
    let theme = xusers::tui::theme::Theme::color();
    let mut app = App::new(store, application, "demo.db".into(), SIZE, NOW, theme).unwrap();
    finish_background(&mut app);
    members_of(&mut app, "Northwind");
    key(&mut app, KeyCode::Char('-'));
    let (text, kind) = status(&app);
    assert!(
        text.starts_with("Read-only: nothing can be changed"),
        "{text}"
    );
    assert_eq!(kind, StatusKind::Error);
}

#[test]
fn minus_with_marks_removes_every_marked_user_from_the_group() {
    let (_d, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    keys(&mut app, "t"); // direct members only: each is in Sales itself
    let rows = app.browse.list.rows.clone();
    assert!(rows.len() >= 3, "Sales has members");
    let (marked, kept) = (&rows[..2], &rows[2]);
    keys(&mut app, "  ");
    keys(&mut app, "-");
    let message = match &app.modal {
        Some(Modal::Confirm(c)) => c.message.clone(),
        other => panic!("no dialog: {other:?}"),
    };
    assert!(message.contains(" from Sales?"), "{message}");
    assert!(
        message.contains("2 "),
        "it states the marked count: {message}"
    );
    assert!(message.contains(&marked[0].email), "{message}");
    keys(&mut app, "y");
    for row in marked {
        let user = app.session.store.user(row.id).unwrap();
        assert!(!user.groups.contains(&"Sales".to_string()), "{}", row.email);
    }
    let user = app.session.store.user(kept.id).unwrap();
    assert!(
        user.groups.contains(&"Sales".to_string()),
        "the unmarked stays"
    );
    assert!(!app.browse.marks.any(), "the marks went with the change");
}

#[test]
fn minus_without_marks_still_asks_about_the_selected_member_alone() {
    let (_d, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    keys(&mut app, "t");
    let email = selected_email(&app);
    keys(&mut app, "-");
    let message = match &app.modal {
        Some(Modal::Confirm(c)) => c.message.clone(),
        other => panic!("no dialog: {other:?}"),
    };
    assert!(
        message.starts_with(&format!("Remove {email} from Sales?")),
        "{message}"
    );
}

#[test]
fn space_on_a_member_already_in_the_picker_says_so_and_moves_down() {
    let (_d, mut app) = console(60, SIZE);
    members_of(&mut app, "Support");
    keys(&mut app, "t");
    let member = selected_email(&app);
    keys(&mut app, "+");
    type_text(&mut app, &member);
    let picker = app.picker.as_ref().expect("the picker");
    assert!(picker.is_member(picker.list.selected_row().unwrap()));
    // Widen the search to every user so that there is a row below the member.
    for _ in member.chars() {
        key(&mut app, KeyCode::Backspace);
    }
    let picker = app.picker.as_ref().unwrap();
    let at = (picker.list.rows.iter())
        .position(|r| r.email == member)
        .expect("the member is listed");
    while app.picker.as_ref().unwrap().list.selected < at {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    let picker = app.picker.as_ref().unwrap();
    assert_eq!(picker.list.selected, at + 1, "moved down");
    assert!(picker.picked.is_empty(), "the member is not picked");
    let (text, _) = status(&app);
    assert_eq!(text, format!("{member} is in Support already"));
}

#[test]
fn at_40_columns_the_picker_keeps_emails_and_cuts_names() {
    let (dir, mut app) = console(60, (40, 14));
    let email = "someone.with.a.long.address@example-company.com";
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let mut draft = common::draft(email);
    draft.first_name = "Bartholomew".into();
    common::add(&mut other, app.session.application.id, draft);
    keys(&mut app, "4+");
    type_text(&mut app, "someone.with");
    let shown = screen(&app);
    let row = (shown.lines())
        .find(|l| l.contains("[ ]"))
        .expect("the user's row");
    assert!(row.contains("…@example-company.com"), "{shown}");
    assert!(row.contains("someone.w"), "{shown}");
    assert!(
        !row.contains("Bartholomew"),
        "the name is cut first: {shown}"
    );
}
