//! The add / edit form: snapshots of what it shows, and what saving does.

mod common;

use common::assert_snapshot;
use common::backend::Backend;
use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use xusers::demo::DEMO_PASSWORD;
use xusers::domain::UserDraft;
use xusers::tui::action::Action;
use xusers::tui::app::{App, Modal};
use xusers::tui::pane::Pane;
use xusers::tui::screens::form::{FormButton, FormFocus, TagColumn};

const SIZE: (u16, u16) = (120, 30);

fn ctrl(app: &mut App, c: char) {
    key_with(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn tab(app: &mut App, times: usize) {
    for _ in 0..times {
        key(app, KeyCode::Tab);
    }
}

/// Types a tag into the current row (`Enter` keeps the typed key) and its value.
fn tag(app: &mut App, key_text: &str, value: &str) {
    type_text(app, key_text);
    key(app, KeyCode::Enter);
    type_text(app, value);
}

fn focus(app: &App) -> FormFocus {
    app.form.as_ref().expect("form open").focus
}

/// Opens the edit form on the first user with exactly these many groups.
fn edit_user_with_groups(app: &mut App, n: usize) -> String {
    while app.browse.list.selected_row().unwrap().groups.len() != n {
        keys(app, "j");
    }
    keys(app, "e");
    selected_email(app)
}

#[rstest]
fn empty_add_form(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "a");
    assert_eq!(focus(&app), FormFocus::Email, "opens on Email");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn filled_edit_form(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    edit_user_with_groups(&mut app, 2);
    assert_snapshot!(screen(&app));
}

#[rstest]
fn change_password_off_then_on(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "e");
    tab(&mut app, 1);
    assert_eq!(focus(&app), FormFocus::ChangePassword);
    let off = screen(&app);
    assert!(!off.contains("Password*"), "hidden until ticked");
    key(&mut app, KeyCode::Char(' '));
    tab(&mut app, 1);
    assert_eq!(focus(&app), FormFocus::Password);
    type_text(&mut app, "new secret");
    let on = screen(&app);
    assert!(!on.contains("new secret"), "the password is masked");
    assert_snapshot!("change_password_off", off);
    assert_snapshot!("change_password_on", on);
}

#[rstest]
fn groups_tree_with_a_nested_selection_and_its_devices(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "a");
    tab(&mut app, 4);
    assert_eq!(focus(&app), FormFocus::Groups);
    // Berlin office sits under Acme › Sales › EMEA; tick it and Mobile (Enter ticks).
    type_text(&mut app, "berlin");
    key(&mut app, KeyCode::Enter);
    for _ in 0..6 {
        key(&mut app, KeyCode::Backspace);
    }
    for _ in 0..2 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.groups.ticked_names(), ["Mobile", "Berlin office"]);
    let devices: Vec<&str> = form.devices.iter().map(|d| d.device.as_str()).collect();
    assert_eq!(
        devices,
        [
            "Berlin printer",
            "Build server",
            "Demo kiosk",
            "HQ front door",
            "Test iPhone 15"
        ],
        "the ticked groups' devices and their ancestors'"
    );
    assert_snapshot!(screen(&app));
}

#[rstest]
fn tag_editor_suggests_keys_with_highlighted_matches(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "a");
    tab(&mut app, 5);
    assert_eq!(focus(&app), FormFocus::Tags);
    type_text(&mut app, "pe");
    let form = app.form.as_ref().unwrap();
    let keys_offered: Vec<&str> = form
        .tags
        .suggestions
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert!(keys_offered.len() >= 2, "{keys_offered:?}");
    assert!(keys_offered.contains(&"phone"), "{keys_offered:?}");
    let phone = form
        .tags
        .suggestions
        .iter()
        .find(|s| s.key == "phone")
        .unwrap();
    assert_eq!(phone.matched, [0, 4]);
    let term = render(&app);
    // In "phone" the matched p and e carry the highlight style; h, o, n do not.
    let buf = term.backend().buffer();
    let text = screen(&app);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("│phone"))
        .unwrap();
    let chars: Vec<char> = line.chars().collect();
    let col = (0..chars.len())
        .find(|&i| chars[i..].starts_with(&['│', 'p', 'h', 'o', 'n', 'e']))
        .unwrap() as u16; // the snapshot line's opening quote offsets the border: this is 'p'
    let matched = app.session.theme.matched.fg.unwrap();
    let fg = |dx: u16| buf[(col + dx, row as u16)].fg;
    assert_eq!(fg(0), matched, "p");
    assert_ne!(fg(1), matched, "h");
    assert_ne!(fg(3), matched, "n");
    assert_eq!(fg(4), matched, "e");
    assert_snapshot!(text);
    // Tab accepts the chosen suggestion and moves to the value.
    key(&mut app, KeyCode::Down);
    let second = app.form.as_ref().unwrap().tags.suggestions[1].key.clone();
    key(&mut app, KeyCode::Tab);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.tags.rows[0].key.value(), second);
    assert_eq!(form.tags.column, TagColumn::Value);
}

#[test]
fn typing_on_ignores_a_suggestion() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    tab(&mut app, 5);
    type_text(&mut app, "pho");
    assert!(!app.form.as_ref().unwrap().tags.suggestions.is_empty());
    type_text(&mut app, "ne_work");
    key(&mut app, KeyCode::Enter);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.tags.rows[0].key.value(), "phone_work");
    assert_eq!(form.tags.column, TagColumn::Value);
}

#[rstest]
fn every_inline_error_at_once(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    app.session
        .store
        .set_user_limit(app.session.application.id, Some(60))
        .unwrap();
    let taken = app.browse.list.rows[0].email.to_uppercase();
    keys(&mut app, "a");
    type_text(&mut app, &taken);
    tab(&mut app, 1);
    type_text(&mut app, "short");
    tab(&mut app, 4);
    tag(&mut app, "bad key", "x");
    key(&mut app, KeyCode::Enter);
    tag(&mut app, "plan", "a");
    ctrl(&mut app, 'n');
    tag(&mut app, "plan", "b");
    ctrl(&mut app, 's');
    finish_background(&mut app);
    assert!(app.form.is_some(), "still open");
    assert_eq!(
        app.session
            .store
            .scope_counts(app.session.application.id)
            .unwrap()
            .all,
        60,
        "nothing written"
    );
    let all = screen(&app);
    for problem in [
        "✗ already used by another user of this application",
        "✗ must be at least 8 characters (has 5)",
        "key may only hold",
        "'plan' is already on row 2",
        "✗ the application's user limit of 60 is reached",
    ] {
        assert!(all.contains(problem), "{problem}\n{all}");
    }
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        "5 problem(s) to fix before saving"
    );
    assert_snapshot!("inline_errors_all_at_once", all);

    // The other email error: not an address at all.
    let form = app.form.as_mut().unwrap();
    form.email = "not-an-email".into();
    form.focus = FormFocus::Email;
    ctrl(&mut app, 's');
    let invalid = screen(&app);
    assert!(
        invalid.contains("✗ must look like name@example.com"),
        "{invalid}"
    );
    assert_snapshot!("inline_error_invalid_email", invalid);
    assert_eq!(
        app.session
            .store
            .scope_counts(app.session.application.id)
            .unwrap()
            .all,
        60
    );
}

#[test]
fn adding_a_user_saves_everything_and_selects_it() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "3"); // In no group: the new user will be in a group
    keys(&mut app, "a");
    type_text(&mut app, "  New.Person@Acme.io ");
    tab(&mut app, 1);
    act(&mut app, Action::Paste("pässwörd-long".into()));
    tab(&mut app, 1);
    type_text(&mut app, "Nova");
    tab(&mut app, 2);
    type_text(&mut app, "support");
    key(&mut app, KeyCode::Enter);
    tab(&mut app, 1);
    tag(&mut app, "plan", "pro");
    press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(
        app.form.as_ref().unwrap().saving,
        "hashing runs off the UI thread"
    );
    assert!(screen(&app).contains("Saving…"));
    finish_background(&mut app);
    assert!(app.form.is_none());
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        "Added New.Person@Acme.io"
    );
    assert_eq!(
        app.browse.pane,
        Pane::All,
        "switched to a pane that holds the user"
    );
    assert_eq!(selected_email(&app), "New.Person@Acme.io");
    let id = app
        .session
        .store
        .find_user(app.session.application.id, "new.person@acme.io")
        .unwrap();
    let user = app.session.store.user(id).unwrap();
    assert_eq!(user.first_name.as_deref(), Some("Nova"));
    assert_eq!(user.last_name, None);
    assert_eq!(user.groups, ["Support"]);
    assert_eq!(user.tags["plan"], "pro");
    assert!(
        app.session
            .store
            .login(
                app.session.application.id,
                "new.person@acme.io",
                "pässwörd-long"
            )
            .is_ok()
    );
    assert_eq!(app.browse.counts.all, 61);
}

#[test]
fn editing_keeps_the_password_unless_asked() {
    let (_d, mut app) = console(60, SIZE);
    let id = app.session.application.id;
    let email = selected_email(&app);
    let token = app.session.store.login(id, &email, DEMO_PASSWORD).unwrap();
    keys(&mut app, "e");
    tab(&mut app, 2);
    assert_eq!(focus(&app), FormFocus::FirstName);
    ctrl(&mut app, 'u');
    type_text(&mut app, "Alicia");
    ctrl(&mut app, 's');
    assert!(!app.busy(), "no password, nothing to hash");
    assert!(app.form.is_none());
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("Saved {email}")
    );
    assert_eq!(app.browse.list.selected_row().unwrap().first_name, "Alicia");
    assert!(
        app.session.store.authenticate(id, &token).is_ok(),
        "sessions survive"
    );
    assert!(app.session.store.login(id, &email, DEMO_PASSWORD).is_ok());

    // Now change it: old sessions end, the new password works.
    keys(&mut app, "e");
    tab(&mut app, 1);
    key(&mut app, KeyCode::Char(' '));
    tab(&mut app, 1);
    type_text(&mut app, "another-pass");
    ctrl(&mut app, 's');
    finish_background(&mut app);
    assert!(app.form.is_none());
    assert!(app.session.store.authenticate(id, &token).is_err());
    assert!(app.session.store.login(id, &email, "another-pass").is_ok());
}

#[rstest]
fn escape_with_edits_asks_to_discard(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "e");
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "no edits: closes at once");
    keys(&mut app, "e");
    tab(&mut app, 2);
    type_text(&mut app, "zz");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    assert_snapshot!(screen(&app));
    keys(&mut app, "n");
    assert!(app.form.is_some(), "keep editing");
    assert!(
        app.form
            .as_ref()
            .unwrap()
            .first_name
            .value()
            .ends_with("zz")
    );
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "y");
    assert!(app.form.is_none());
    assert!(
        !app.browse.list.rows[0].first_name.ends_with("zz"),
        "nothing saved"
    );
}

#[test]
fn footer_buttons_invalidate_and_delete_through_the_same_dialogs() {
    let (_d, mut app) = console(60, SIZE);
    let id = app.session.application.id;
    let email = edit_user_with_groups(&mut app, 2);
    let token = app.session.store.login(id, &email, DEMO_PASSWORD).unwrap();
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(focus(&app), FormFocus::Actions);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    match &app.modal {
        Some(Modal::Confirm(c)) => assert_eq!(c.title, "Invalidate tokens"),
        other => panic!("{other:?}"),
    }
    keys(&mut app, "y");
    assert!(app.session.store.authenticate(id, &token).is_err());
    assert!(app.form.is_some(), "the form stays open");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    match &app.modal {
        Some(Modal::Confirm(c)) => assert!(c.message.contains("They leave 2 groups.")),
        other => panic!("{other:?}"),
    }
    keys(&mut app, "y");
    assert!(app.form.is_none());
    assert!(app.session.store.find_user(id, &email).is_err());
}

#[test]
fn saving_over_someone_elses_change_offers_a_reload() {
    let (dir, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    keys(&mut app, "e");
    tab(&mut app, 2);
    type_text(&mut app, "-mine");
    // Another xusers process edits the same user meanwhile.
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let app_id = other.application("default").unwrap().id;
    let id = other.find_user(app_id, &email).unwrap();
    let theirs = UserDraft {
        email: email.clone(),
        first_name: "Theirs".into(),
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    other.update_user(app_id, id, &theirs, None, None).unwrap();
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Someone else changed this user"), "{text}");
    assert_eq!(
        app.session.store.user(id).unwrap().first_name.as_deref(),
        Some("Theirs"),
        "not overwritten"
    );
    ctrl(&mut app, 'r');
    assert_eq!(app.form.as_ref().unwrap().first_name.value(), "Theirs");
    ctrl(&mut app, 's');
    assert!(app.form.is_none(), "saves once reloaded");
    // Deleted elsewhere.
    keys(&mut app, "e");
    other.delete_user(id).unwrap();
    tab(&mut app, 2);
    type_text(&mut app, "x");
    ctrl(&mut app, 's');
    assert!(screen(&app).contains("Someone else deleted this user"));
    ctrl(&mut app, 'r');
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("no such user: {email} (someone else deleted it)"),
        "named by email, never by id"
    );
    // The form's Delete button on the vanished user says the same.
    let form = app.form.as_mut().expect("the form stays open");
    form.focus = FormFocus::Actions;
    form.button = 3;
    assert_eq!(form.buttons()[3], FormButton::Delete);
    app.session.status = None;
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.session.status.as_ref().map(|s| s.text.clone()),
        Some(format!("no such user: {email} (someone else deleted it)"))
    );
}

#[rstest]
fn form_at_80x24(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
        return;
    };
    edit_user_with_groups(&mut app, 2);
    tab(&mut app, 5);
    type_text(&mut app, "x");
    assert_snapshot!(screen(&app));
}

#[test]
fn editing_keys_work_like_a_shell_line() {
    let (_d, mut app) = console(5, SIZE);
    keys(&mut app, "a");
    type_text(&mut app, "ann smith");
    ctrl(&mut app, 'w');
    assert_eq!(app.form.as_ref().unwrap().email.value(), "ann ");
    ctrl(&mut app, 'a');
    key(&mut app, KeyCode::Delete);
    ctrl(&mut app, 'e');
    type_text(&mut app, "b@acme.io");
    assert_eq!(app.form.as_ref().unwrap().email.value(), "nn b@acme.io");
    // Ctrl-Left jumps back over a word; Ctrl-K cuts to the end.
    key_with(&mut app, KeyCode::Left, KeyModifiers::CONTROL);
    ctrl(&mut app, 'k');
    assert_eq!(app.form.as_ref().unwrap().email.value(), "nn b@");
    act(&mut app, Action::Paste("x@y.io\n".into()));
    assert_eq!(app.form.as_ref().unwrap().email.value(), "nn b@x@y.io ");
}

#[test]
fn a_busy_database_keeps_the_edit_for_a_retry() {
    let (dir, mut app) = console(60, SIZE);
    app.session
        .store
        .set_busy_timeout(std::time::Duration::from_millis(100))
        .unwrap();
    keys(&mut app, "a");
    type_text(&mut app, "retry@acme.io");
    tab(&mut app, 1);
    type_text(&mut app, "long enough");
    let other = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    ctrl(&mut app, 's');
    finish_background(&mut app);
    assert!(
        app.session
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("database is busy")
    );
    let form = app.form.as_ref().expect("the form stays open");
    assert_eq!(form.email.value(), "retry@acme.io", "the edit is kept");
    other.execute_batch("ROLLBACK").unwrap();
    ctrl(&mut app, 's');
    finish_background(&mut app);
    assert!(app.form.is_none());
    assert_eq!(selected_email(&app), "retry@acme.io");
}

#[rstest]
fn devices_pane_tells_no_tick_from_ticks_that_reach_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    app.session
        .store
        .create_group(app.session.application.id, "Lab", None)
        .unwrap();
    keys(&mut app, "a");
    tab(&mut app, 4);
    assert!(screen(&app).contains("None — tick a group"));
    type_text(&mut app, "lab");
    key(&mut app, KeyCode::Enter);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.groups.ticked_names(), ["Lab"]);
    assert!(form.devices.is_empty());
    let text = screen(&app);
    assert!(text.contains("No device reaches the ticked"), "{text}");
    assert!(!text.contains("tick a group"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn groups_box_filters_by_a_name_with_spaces_and_enter_ticks() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    tab(&mut app, 4);
    assert_eq!(focus(&app), FormFocus::Groups);
    let footer = screen(&app).lines().last().unwrap().to_string();
    assert!(footer.contains("Enter tick"), "{footer}");
    assert!(!footer.contains("Space"), "{footer}");
    type_text(&mut app, "Berlin office");
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.groups.filter.value(), "Berlin office");
    let shown: Vec<&str> = form
        .groups
        .visible()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(shown, ["Berlin office"]);
    assert!(form.groups.ticked.is_empty(), "typing never ticks");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.form.as_ref().unwrap().groups.ticked_names(),
        ["Berlin office"]
    );
    key(&mut app, KeyCode::Enter);
    assert!(
        app.form.as_ref().unwrap().groups.ticked.is_empty(),
        "untick"
    );
}

#[test]
fn tag_key_keeps_what_was_typed_unless_a_suggestion_was_chosen() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    tab(&mut app, 5);
    type_text(&mut app, "st");
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.tags.suggestions[0].key, "stripe_id");
    assert!(screen(&app).contains("Tab takes · Enter keeps typed"));
    key(&mut app, KeyCode::Enter);
    let form = app.form.as_ref().unwrap();
    assert_eq!(
        form.tags.rows[0].key.value(),
        "st",
        "Enter keeps the typed key"
    );
    assert_eq!(form.tags.column, TagColumn::Value);

    // ↑↓ pick a suggestion: then Enter takes it, as the popup's title says.
    ctrl(&mut app, 'n');
    type_text(&mut app, "p");
    key(&mut app, KeyCode::Down);
    let picked = app.form.as_ref().unwrap().tags.suggestions[1].key.clone();
    assert!(screen(&app).contains("Tab/Enter take it"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.form.as_ref().unwrap().tags.rows[1].key.value(), picked);

    // Tab takes the highlighted one without any picking.
    ctrl(&mut app, 'n');
    type_text(&mut app, "st");
    key(&mut app, KeyCode::Tab);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.tags.rows[2].key.value(), "stripe_id");
    assert_eq!(form.tags.column, TagColumn::Value);
}

#[rstest]
fn ctrl_c_with_unsaved_edits_asks_and_a_second_ctrl_c_quits(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "e");
    ctrl(&mut app, 'c');
    assert!(app.quit, "nothing unsaved: quits at once");

    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "e");
    tab(&mut app, 2);
    type_text(&mut app, "zz");
    ctrl(&mut app, 'c');
    assert!(!app.quit);
    match &app.modal {
        Some(Modal::Confirm(c)) => assert_eq!(c.title, "Discard changes and quit?"),
        other => panic!("{other:?}"),
    }
    assert_snapshot!(screen(&app));
    keys(&mut app, "n");
    assert!(!app.quit);
    assert!(
        app.form
            .as_ref()
            .unwrap()
            .first_name
            .value()
            .ends_with("zz")
    );
    ctrl(&mut app, 'c');
    ctrl(&mut app, 'c');
    assert!(app.quit, "a second Ctrl-C quits");

    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "a");
    type_text(&mut app, "x");
    ctrl(&mut app, 'c');
    keys(&mut app, "y");
    assert!(app.quit, "y quits too");
}

#[test]
fn the_list_catches_up_when_the_form_learns_its_user_was_deleted() {
    let (dir, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let id = other.find_user(app.session.application.id, &email).unwrap();

    // Learned on Save.
    keys(&mut app, "e");
    other.delete_user(id).unwrap();
    tab(&mut app, 2);
    type_text(&mut app, "x");
    ctrl(&mut app, 's');
    assert!(screen(&app).contains("Someone else deleted this user"));
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("no such user: {email} (someone else deleted it)")
    );
    assert_eq!(app.browse.counts.all, 59, "counts refreshed without r");
    assert!(!app.browse.list.rows.is_empty());
    assert!(
        app.browse.list.rows.iter().all(|r| r.email != email),
        "row gone"
    );

    key(&mut app, KeyCode::Esc);
    keys(&mut app, "y");
    assert!(app.form.is_none());

    // Learned on the Delete button.
    let email = selected_email(&app);
    let id = other.find_user(app.session.application.id, &email).unwrap();
    keys(&mut app, "e");
    other.delete_user(id).unwrap();
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    key(&mut app, KeyCode::Left);
    // Save on an untouched form learns the same: make sure Delete is what is pressed.
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.focus, FormFocus::Actions);
    assert_eq!(form.buttons()[form.button], FormButton::Delete);
    key(&mut app, KeyCode::Enter);
    assert!(app.modal.is_none(), "nothing left to confirm");
    assert!(screen(&app).contains("Someone else deleted this user"));
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("no such user: {email} (someone else deleted it)")
    );
    assert_eq!(app.browse.counts.all, 58);
    assert!(!app.browse.list.rows.is_empty());
    assert!(app.browse.list.rows.iter().all(|r| r.email != email));
}

/// The screen line the cursor is on, after checking it is inside the form's border
/// (the form covers rows 0..8 of a 40×10 screen).
fn cursor_line(app: &App) -> String {
    let mut term = render(app);
    let at = term.get_cursor_position().unwrap();
    assert!(
        (1..39).contains(&at.x) && (1..7).contains(&at.y),
        "cursor {at:?} outside the form\n{}",
        screen(app)
    );
    screen(app).lines().nth(at.y as usize).unwrap().to_string()
}

#[rstest]
fn form_scrolls_to_keep_the_focus_and_cursor_in_view_at_40x10(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 10)) else {
        return;
    };
    edit_user_with_groups(&mut app, 2);
    tab(&mut app, 1);
    key(&mut app, KeyCode::Char(' ')); // Change password? shows one more field
    let mut seen = Vec::new();
    for _ in 0..app.form.as_ref().unwrap().focus_order().len() {
        let text = screen(&app);
        assert!(!text.contains("Acmee"), "no stray character\n{text}");
        let label = match focus(&app) {
            FormFocus::Email => Some("Email*"),
            FormFocus::Password => Some("Password*"),
            FormFocus::FirstName => Some("First name"),
            FormFocus::LastName => Some("Last name"),
            FormFocus::Tags => Some("locale"),
            FormFocus::ChangePassword => {
                assert!(text.contains("Change password?  [x]"), "{text}");
                None
            }
            FormFocus::Groups => {
                assert!(
                    text.contains("Groups (2)") && text.contains("[ ] Acme"),
                    "{text}"
                );
                None
            }
            FormFocus::Actions => {
                assert!(
                    text.contains("[ Save ]") && text.contains("[ Delete ]"),
                    "{text}"
                );
                None
            }
        };
        if let Some(label) = label {
            let line = cursor_line(&app);
            assert!(line.contains(label), "{:?}: {line}", focus(&app));
        }
        seen.push(focus(&app));
        tab(&mut app, 1);
    }
    // One Tab per stop: each stop seen once means Tab reached them all.
    let order = app.form.as_ref().unwrap().focus_order();
    assert_eq!(order.len(), 8, "{order:?}");
    for stop in &order {
        assert_eq!(
            seen.iter().filter(|s| *s == stop).count(),
            1,
            "{stop:?} visited once: {seen:?}"
        );
    }

    // Typing into First name shows the text where the cursor is.
    while focus(&app) != FormFocus::FirstName {
        tab(&mut app, 1);
    }
    type_text(&mut app, "xyz");
    assert!(cursor_line(&app).contains("Björnxyz"));
    assert_snapshot!("form_40x10_first_name", screen(&app));
    tab(&mut app, 2);
    assert_eq!(focus(&app), FormFocus::Groups);
    assert_snapshot!("form_40x10_groups", screen(&app));

    // In Tags the rows scroll too: the cursor stays on the row being typed.
    tab(&mut app, 1);
    for i in 0..6 {
        ctrl(&mut app, 'n');
        type_text(&mut app, &format!("k{i}"));
        assert!(cursor_line(&app).contains(&format!("k{i}")), "row {i}");
    }
    assert_snapshot!("form_40x10_tags", screen(&app));
    tab(&mut app, 1);
    assert_eq!(focus(&app), FormFocus::Actions);
    assert_snapshot!("form_40x10_buttons", screen(&app));
}

#[rstest]
fn suggestions_at_40x10_leave_the_key_in_view_and_scroll_to_the_chosen_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 10)) else {
        return;
    };
    keys(&mut app, "a");
    tab(&mut app, 5);
    type_text(&mut app, "p");
    let line = cursor_line(&app);
    assert!(line.contains("p") && line.contains('='), "{line}");
    let offered = app.form.as_ref().unwrap().tags.suggestions.len();
    assert!(offered >= 5, "{offered}");
    for _ in 0..4 {
        key(&mut app, KeyCode::Down);
    }
    let chosen = app.form.as_ref().unwrap().tags.suggestions[4].key.clone();
    let text = screen(&app);
    assert!(
        text.contains(&format!("│{chosen} ")),
        "{chosen} in view\n{text}"
    );
    assert!(
        cursor_line(&app).contains('='),
        "the key row is still in view"
    );
    assert_snapshot!(text);
}

#[test]
fn a_title_too_long_for_the_border_drops_the_email_rather_than_cut_it() {
    let (_d, mut app) = console(60, (40, 10));
    while app
        .browse
        .list
        .selected_row()
        .unwrap()
        .email
        .chars()
        .count()
        <= 27
    {
        keys(&mut app, "j");
    }
    keys(&mut app, "e");
    let top = screen(&app).lines().next().unwrap().to_string();
    assert!(top.starts_with("\"┌ Edit user ──"), "{top}");
    assert!(!top.contains('@') && !top.contains("required"), "{top}");
}

/// The form's text, each screen line's inside joined by a space: a wrapped message
/// reads as one.
fn form_text(screen: &str) -> String {
    let lines: Vec<String> = screen
        .lines()
        .map(|l| {
            l.trim_matches('"')
                .trim_matches(['│', '▲', '▼'])
                .trim()
                .to_string()
        })
        .collect();
    lines.join(" ")
}

#[rstest]
fn field_errors_show_whole_and_the_focus_goes_to_the_first_problem(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    for (size, name) in [
        ((80, 24), "field_errors_80x24"),
        ((40, 12), "field_errors_40x12"),
    ] {
        let Some((_d, mut app)) = console_on_backend(backend, 60, size) else {
            return;
        };
        keys(&mut app, "a");
        tab(&mut app, 1);
        type_text(&mut app, "short");
        tab(&mut app, 2);
        ctrl(&mut app, 's');
        assert_eq!(
            focus(&app),
            FormFocus::Email,
            "{size:?}: to the first problem"
        );
        let text = screen(&app);
        let joined = form_text(&text);
        assert!(joined.contains("✗ is required"), "{size:?}\n{text}");
        assert!(!text.contains("✗ is re "), "{size:?}\n{text}");
        // Whole at both sizes: beside the field at 80x24, wrapped under it at 40x12.
        assert!(
            joined.contains("✗ must be at least 8 characters (has 5)"),
            "{size:?}\n{text}"
        );
        assert_snapshot!(name, text);
    }
}

#[test]
fn the_problem_count_goes_once_every_problem_is_fixed() {
    let (_d, mut app) = console(60, (80, 24));
    keys(&mut app, "a");
    tab(&mut app, 1);
    type_text(&mut app, "short");
    ctrl(&mut app, 's');
    let status = |app: &App| app.session.status.as_ref().map(|s| s.text.clone());
    assert_eq!(
        status(&app).as_deref(),
        Some("2 problem(s) to fix before saving")
    );
    type_text(&mut app, "ann@x.io");
    assert_eq!(
        status(&app).as_deref(),
        Some("2 problem(s) to fix before saving"),
        "the password is still to fix"
    );
    tab(&mut app, 1);
    type_text(&mut app, "-and-longer");
    assert_eq!(status(&app), None, "nothing left to fix");
    assert!(app.form.as_ref().unwrap().errors.is_empty());
}

#[rstest]
fn tag_suggestions_at_40x12_leave_the_status_and_footer_whole_and_cut_with_an_ellipsis(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    let application = app.session.application.id;
    let long_key = "region-of-the-customer-account-manager";
    common::add(
        &mut app.session.store,
        application,
        UserDraft {
            tags: vec![(long_key.into(), "x".into())],
            ..common::draft("long@x.io")
        },
    );
    keys(&mut app, "a");
    tab(&mut app, 5);
    type_text(&mut app, "re");
    let form = app.form.as_ref().unwrap();
    assert!(
        form.tags.suggestions.iter().any(|s| s.key == long_key),
        "the long key is offered"
    );
    let text = screen(&app);
    let lines: Vec<&str> = text.lines().collect();
    let footer = lines[11];
    assert!(!footer.contains('└') && !footer.contains('│'), "{text}");
    assert!(footer.starts_with("\" Enter next"), "{text}");
    assert!(text.contains("region-of-the-customer-a… 1 user"), "{text}");
    assert!(!text.contains(long_key), "{text}");
    assert_snapshot!(text);
}

#[rstest]
fn groups_box_escape_clears_its_filter_first_and_end_jumps_to_the_last_group(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    let application = app.session.application.id;
    let long = "Regional offices of the northern hemisphere";
    app.session
        .store
        .create_group(application, long, Some("Acme"))
        .unwrap();
    keys(&mut app, "a");
    tab(&mut app, 4);
    assert_eq!(focus(&app), FormFocus::Groups);
    let groups = |app: &App| app.form.as_ref().unwrap().groups.clone();
    key(&mut app, KeyCode::End);
    let last = groups(&app).visible().len() - 1;
    assert_eq!(groups(&app).cursor, last, "End: the last group");
    key(&mut app, KeyCode::Home);
    assert_eq!(groups(&app).cursor, 0, "Home: the first group");

    type_text(&mut app, "northern hemisphere");
    let text = screen(&app);
    assert!(
        text.contains("┌ Groups matching 'northern hemisphe…┐"),
        "{text}"
    );
    assert!(
        text.contains("[ ] Regional offices of the north…│"),
        "{text}"
    );
    assert_snapshot!("groups_box_40x12_filtered", text);
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_some(), "Esc first clears the filter");
    assert_eq!(groups(&app).filter.value(), "");
    assert_eq!(
        groups(&app).visible()[groups(&app).cursor].name,
        long,
        "the cursor stays on the group it was on"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "then Esc closes the form");

    keys(&mut app, "a");
    tab(&mut app, 4);
    type_text(&mut app, "sales");
    tab(&mut app, 1);
    assert_eq!(groups(&app).filter.value(), "", "leaving the box clears it");
    assert_eq!(groups(&app).visible().len(), groups(&app).items.len());
}
