//! A group's members in the console: the members view (the user list with a group's
//! scope), `-` to remove a member, `+` and the user picker to add users; each change
//! written, audited and refused when read-only.

mod common;

use common::assert_snapshot;
use common::backend::Backend;
use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use xusers::demo::DEMO_PASSWORD;
use xusers::domain::UserDraft;
use xusers::store::{AuditEntry, AuditPage, AuditQuery, Scope, Store, UserQuery};
use xusers::tui::app::App;
use xusers::tui::app::Modal;

const SIZE: (u16, u16) = (100, 50);
const SMALL: (u16, u16) = (40, 12);

/// Selects group `name` in the Groups pane (4), through its filter.
fn select_group(app: &mut App, name: &str) {
    keys(app, "4/");
    type_text(app, name);
    key(app, KeyCode::Enter);
    for _ in 0..20 {
        let groups = app.groups.as_ref().expect("the Groups pane");
        if groups
            .selected_group()
            .is_some_and(|g| g.group.name == name)
        {
            return;
        }
        keys(app, "j");
    }
    panic!("{name} not found in the tree");
}

/// Opens the members view of `name` (with its subgroups'): Enter on it in the tree.
fn members_of(app: &mut App, name: &str) {
    select_group(app, name);
    key(app, KeyCode::Enter);
    assert!(app.groups.is_none(), "the members view is in front");
    assert_eq!(app.browse.members.as_ref().unwrap().name, name);
}

fn shown_emails(app: &App) -> Vec<String> {
    app.browse
        .list
        .rows
        .iter()
        .map(|r| r.email.clone())
        .collect()
}

fn status(app: &App) -> String {
    app.session
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn newest(store: &Store) -> AuditEntry {
    store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()
        .remove(0)
}

/// `xusers users list --group NAME` on the console's database, as emails.
fn cli_emails(dir: &tempfile::TempDir, args: &[&str]) -> Vec<String> {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("xusers"))
        .env_remove("XUSERS_DB")
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("HOME", dir.path())
        .arg("--db")
        .arg(dir.path().join("demo.db"))
        .args(["users", "list", "--format", "json", "--limit", "1000"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_members_view_and_users_list_group_agree_with_and_without_subgroups() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    let with_subgroups = shown_emails(&app);
    assert!(!with_subgroups.is_empty());
    assert_eq!(with_subgroups, cli_emails(&dir, &["--group", "Sales"]));
    assert_eq!(app.browse.matches, Some(with_subgroups.len() as u64));
    assert!(screen(&app).contains(&format!("{} members", with_subgroups.len())));
    keys(&mut app, "t");
    let direct = shown_emails(&app);
    assert_eq!(direct, cli_emails(&dir, &["--group", "Sales", "--direct"]));
    assert!(
        direct.len() < with_subgroups.len(),
        "Sales has subgroups with members"
    );
    assert!(screen(&app).contains("Direct members of Sales"));
    keys(&mut app, "t");
    assert_eq!(shown_emails(&app), with_subgroups);
    assert!(screen(&app).contains("Members of Sales and its subgroups"));
}

/// A sort changes the order, not who is listed: it reads rows, never the counts again
/// (a large group's count took the cores from the page the key asked for), and the
/// count shown stays.
#[test]
fn a_sort_keeps_the_count_and_asks_for_no_new_one() {
    let (_d, mut app) = console(60, SIZE);
    members_of(&mut app, "Acme");
    keys(&mut app, "/a");
    key(&mut app, KeyCode::Enter);
    let matches = app.browse.matches.expect("the filtered members counted");
    assert!(matches > 0);
    for sort in ['s', 'S', 's'] {
        press(&mut app, KeyCode::Char(sort), KeyModifiers::NONE);
        assert!(app.browse.stale(), "{sort} reads rows");
        assert_eq!(app.browse.count_pending, None, "{sort} asks for no count");
        assert_eq!(app.browse.matches, Some(matches), "{sort} keeps the count");
        finish_background(&mut app);
    }
    assert_eq!(app.browse.matches, Some(matches));
}

/// How many users `scope` holds, as another connection counts them.
fn counted(dir: &tempfile::TempDir, app: &App, scope: Scope) -> u64 {
    let query = UserQuery {
        scope,
        ..Default::default()
    };
    (other_store(dir).count_users(app.session.application.id, &query)).unwrap()
}

#[test]
fn the_unfiltered_members_count_is_the_trees_and_shows_without_the_counter() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    select_group(&mut app, "Acme");
    let acme = app
        .groups
        .as_ref()
        .unwrap()
        .selected_group()
        .unwrap()
        .group
        .id;
    let (all, direct) = (
        counted(&dir, &app, Scope::GroupTree(acme)),
        counted(&dir, &app, Scope::Group(acme)),
    );
    assert!(0 < direct && direct < all, "{direct} direct of {all}");
    gate.hold_only("xusers-counter");
    gate.shut();
    let shown = |app: &App| app.browse.members.is_some() && !app.browse.stale();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    background_until(&mut app, shown);
    assert_eq!(
        app.browse.matches,
        Some(all),
        "the tree's count, counter held"
    );
    // A filter's matches wait for the counter; clearing it shows the count again.
    for c in ['/', 'a'] {
        tap(&mut app, c);
    }
    background_until(&mut app, shown);
    assert_eq!(app.browse.matches, None, "the filter is being counted");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.browse.filter.value(), "");
    assert_eq!(app.browse.matches, Some(all), "cleared: the known count");
    tap(&mut app, 't');
    assert_eq!(
        app.browse.matches,
        Some(direct),
        "direct members: the kept count"
    );
    gate.open();
    finish_background(&mut app);
    assert_eq!(app.browse.matches, Some(direct));
    tap(&mut app, 't');
    finish_background(&mut app);
    assert_eq!(app.browse.matches, Some(all));
}

#[test]
fn another_administrators_change_is_counted_when_a_filter_is_cleared() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    members_of(&mut app, "Acme");
    let before = app.browse.matches.expect("counted");
    keys(&mut app, "/a");
    key(&mut app, KeyCode::Enter);
    let draft = UserDraft {
        groups: vec!["Acme".into()],
        ..common::draft("joined-meanwhile@example.org")
    };
    common::add(&mut other_store(&dir), application, draft);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.browse.filter.value(), "");
    assert_eq!(
        app.browse.matches,
        Some(before + 1),
        "counted again, not kept"
    );
    keys(&mut app, "t");
    let direct = app.browse.matches.expect("direct members counted");
    common::add(
        &mut other_store(&dir),
        application,
        UserDraft {
            groups: vec!["Acme".into()],
            ..common::draft("joined-later@example.org")
        },
    );
    keys(&mut app, "tt");
    assert_eq!(app.browse.matches, Some(direct + 1));
}

#[test]
fn a_known_members_count_is_counted_again_after_a_change() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    members_of(&mut app, "Acme");
    let acme = app.browse.members.as_ref().unwrap().id;
    let before = app.browse.matches.expect("counted");
    let draft = UserDraft {
        groups: vec!["Acme".into()],
        ..common::draft("joined-meanwhile@example.org")
    };
    common::add(&mut other_store(&dir), application, draft);
    keys(&mut app, "r");
    assert_eq!(app.browse.matches, Some(before + 1), "r counts again");
    assert_eq!(counted(&dir, &app, Scope::GroupTree(acme)), before + 1);
    // A change made here: the member removed is no longer counted, filter or not.
    keys(&mut app, "t");
    let direct = app.browse.matches.expect("direct members counted");
    keys(&mut app, "-y");
    assert_eq!(app.browse.matches, Some(direct - 1), "{}", status(&app));
    keys(&mut app, "/a");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.browse.filter.value(), "");
    assert!(app.browse.members.is_some(), "still the members view");
    assert_eq!(app.browse.matches, Some(direct - 1));
    assert_eq!(counted(&dir, &app, Scope::Group(acme)), direct - 1);
    // A user added here (the form ticks Acme): saved, shown in the view, counted again.
    keys(&mut app, "a");
    type_text(&mut app, "added-here@example.org");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "a long enough password");
    assert_eq!(app.form.as_ref().unwrap().groups.ticked_names(), ["Acme"]);
    key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{}", status(&app));
    assert!(app.browse.members.is_some(), "still the members view");
    assert_eq!(selected_email(&app), "added-here@example.org");
    assert_eq!(app.browse.matches, Some(direct), "{}", status(&app));
    assert_eq!(counted(&dir, &app, Scope::Group(acme)), direct);
}

#[test]
fn the_members_view_filters_sorts_and_edits_like_the_user_list() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Acme");
    let all = shown_emails(&app);
    keys(&mut app, "/acme");
    key(&mut app, KeyCode::Enter);
    let filtered = shown_emails(&app);
    assert!(!filtered.is_empty() && filtered.len() < all.len());
    assert!(filtered.iter().all(|e| e.contains("acme")));
    assert_eq!(
        filtered,
        cli_emails(&dir, &["--group", "Acme", "--filter", "acme"])
    );
    // Esc first clears the filter, and stays in the members view.
    key(&mut app, KeyCode::Esc);
    assert_eq!(shown_emails(&app), all);
    assert!(app.browse.members.is_some());
    keys(&mut app, "S");
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(shown_emails(&app), reversed, "S flips the order");
    // e edits the selected member, and Ctrl-S saves the edit.
    let email = selected_email(&app);
    keys(&mut app, "e");
    let form = app.form.as_ref().expect("e edits the selected member");
    assert!(matches!(
        form.mode,
        xusers::tui::screens::form::FormMode::Edit { .. }
    ));
    for _ in 0..2 {
        key(&mut app, KeyCode::Tab);
    }
    key_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "Renamed");
    key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{}", status(&app));
    assert_eq!(status(&app), format!("Saved {email}"));
    let store = other_store(&dir);
    let id = store.find_user(app.session.application.id, &email).unwrap();
    assert_eq!(
        store.user(id).unwrap().first_name.as_deref(),
        Some("Renamed")
    );
    let entry = newest(&store);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("user.update", email.as_str())
    );
    assert!(app.browse.members.is_some(), "still the members view");
    assert_eq!(
        app.browse.list.selected_row().unwrap().first_name,
        "Renamed"
    );
    keys(&mut app, "m");
    assert!(matches!(app.modal, Some(Modal::Menu(_))), "the row menu");
    key(&mut app, KeyCode::Esc);
    // With the filter clear, Esc leaves the members view.
    key(&mut app, KeyCode::Esc);
    assert!(app.browse.members.is_none());
    assert!(app.groups.is_some(), "back in the tree");
}

#[test]
fn the_members_view_invalidates_and_deletes_a_single_member() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    members_of(&mut app, "Sales");
    let email = selected_email(&app);
    let other = app.browse.list.rows[1].email.clone();
    let mut store = other_store(&dir);
    let token = store.login(application, &email, DEMO_PASSWORD).unwrap();
    let other_token = store.login(application, &other, DEMO_PASSWORD).unwrap();
    keys(&mut app, "i");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    keys(&mut app, "y");
    assert!(store.authenticate(application, &token).is_err());
    assert!(store.authenticate(application, &other_token).is_ok());
    let entry = newest(&store);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("tokens.invalidate", email.as_str())
    );
    let count = shown_emails(&app).len();
    keys(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    keys(&mut app, "y");
    assert!(store.find_user(application, &email).is_err(), "deleted");
    assert!(store.find_user(application, &other).is_ok(), "only them");
    let entry = newest(&store);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("user.delete", email.as_str())
    );
    assert!(app.browse.members.is_some(), "still the members view");
    assert_eq!(shown_emails(&app).len(), count - 1);
    assert!(!shown_emails(&app).contains(&email));
}

#[test]
fn esc_returns_to_the_tree_at_the_same_place_with_the_same_groups_open() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "4");
    let name_of = |app: &App| {
        let groups = app.groups.as_ref().unwrap();
        groups.selected_group().unwrap().group.name.clone()
    };
    // Open Acme, then Sales inside it, and stop on EMEA.
    assert_eq!(name_of(&app), "Acme");
    keys(&mut app, "l");
    while name_of(&app) != "Sales" {
        keys(&mut app, "j");
    }
    keys(&mut app, "l");
    while name_of(&app) != "EMEA" {
        keys(&mut app, "j");
    }
    let rows = app.groups.as_ref().unwrap().rows();
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("Members of EMEA and its subgroups"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(name_of(&app), "EMEA");
    assert_eq!(
        app.groups.as_ref().unwrap().rows(),
        rows,
        "the same groups open"
    );
}

#[test]
fn plus_on_the_tree_adds_to_the_selected_group_and_its_counts_catch_up() {
    let (dir, mut app) = console(60, SIZE);
    select_group(&mut app, "Support");
    let members = |app: &App| {
        app.groups
            .as_ref()
            .unwrap()
            .selected_group()
            .unwrap()
            .members
    };
    let before = members(&app);
    keys(&mut app, "+");
    let picker = app.picker.as_ref().expect("the picker");
    assert_eq!(picker.name, "Support");
    let row = (picker.list.rows.iter())
        .find(|r| !r.groups.contains(&"Support".to_string()))
        .unwrap()
        .clone();
    type_text(&mut app, &row.email);
    key(&mut app, KeyCode::Enter);
    assert_eq!(status(&app), format!("Added {} to Support", row.email));
    assert_eq!(members(&app), before + 1, "the tree's count caught up");
    let store = other_store(&dir);
    let groups = store.user(row.id).unwrap().groups;
    assert!(groups.contains(&"Support".to_string()), "{groups:?}");
}

#[test]
fn minus_removes_the_member_from_the_group_behind_a_confirm_and_keeps_the_user() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    keys(&mut app, "t");
    let email = selected_email(&app);
    let before = shown_emails(&app).len();
    keys(&mut app, "-");
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirm dialog")
    };
    assert_eq!(
        confirm.message,
        format!("Remove {email} from Sales? The user is not deleted.")
    );
    assert!(!confirm.ok_focused, "focus starts on Cancel");
    keys(&mut app, "y");
    assert_eq!(
        status(&app),
        format!("Removed {email} from Sales (the user stays)")
    );
    assert_eq!(shown_emails(&app).len(), before - 1);
    assert!(!shown_emails(&app).contains(&email));
    let store = other_store(&dir);
    let app_id = app.session.application.id;
    let user = store
        .user(store.find_user(app_id, &email).unwrap())
        .unwrap();
    assert!(
        !user.groups.contains(&"Sales".to_string()),
        "{:?}",
        user.groups
    );
    let entry = &store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()[0];
    assert_eq!(
        (entry.op.as_str(), entry.source.as_str()),
        ("user.update", "console")
    );
    assert_eq!(entry.target.label, email);
    let [groups_before, groups_after] = entry.changes.get("groups").unwrap();
    assert!(groups_before.as_array().unwrap().contains(&"Sales".into()));
    assert!(!groups_after.as_array().unwrap().contains(&"Sales".into()));
}

#[test]
fn minus_on_a_subgroups_member_says_where_they_are_and_changes_nothing() {
    let (_d, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    let row = (app.browse.list.rows.iter())
        .find(|r| !r.groups.contains(&"Sales".to_string()))
        .expect("a member of a subgroup only")
        .clone();
    while selected_email(&app) != row.email {
        keys(&mut app, "j");
    }
    let footer = |app: &App| screen(app).lines().last().unwrap().to_string();
    assert!(!footer(&app).contains("- remove"), "{}", footer(&app));
    keys(&mut app, "-");
    assert!(app.modal.is_none(), "no dialog");
    let subgroups = ["EMEA", "Berlin office", "Americas"];
    let through = (row.groups.iter())
        .find(|g| subgroups.contains(&g.as_str()))
        .expect("in a subgroup of Sales");
    assert_eq!(
        status(&app),
        format!(
            "{} is in Sales only through {through}: remove them there",
            row.email
        )
    );
    assert!(shown_emails(&app).contains(&row.email));
    // On a member of Sales itself, the footer offers `-`.
    keys(&mut app, "g");
    while !(app.browse.list.selected_row().unwrap().groups).contains(&"Sales".to_string()) {
        keys(&mut app, "j");
    }
    assert!(footer(&app).contains("- remove"), "{}", footer(&app));
}

#[test]
fn a_member_someone_else_removed_meanwhile_is_said_so_and_the_list_catches_up() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Sales");
    keys(&mut app, "t");
    let email = selected_email(&app);
    let app_id = app.session.application.id;
    let mut other = other_store(&dir);
    let sales = other.group_named(app_id, "Sales").unwrap();
    let id = other.find_user(app_id, &email).unwrap();
    other.remove_member(app_id, sales, id).unwrap();
    let entries = other
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap();
    keys(&mut app, "-y");
    assert_eq!(
        status(&app),
        format!("{email} is no longer in Sales: someone else removed them meanwhile")
    );
    assert!(!shown_emails(&app).contains(&email), "the list caught up");
    let after = other
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap();
    assert_eq!(after[0].seq, entries[0].seq, "nothing written");
}

#[test]
fn plus_picks_several_users_by_search_and_adds_them_in_one_audit_batch() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Support");
    keys(&mut app, "t");
    let members_before = shown_emails(&app);
    keys(&mut app, "+");
    assert!(app.picker.is_some());
    keys(&mut app, "ali");
    let picker = app.picker.as_ref().unwrap();
    let found: Vec<String> = picker.list.rows.iter().map(|r| r.email.clone()).collect();
    assert!(!found.is_empty());
    assert!(
        picker.list.rows.iter().all(|r| {
            let hay = format!("{} {} {}", r.email, r.first_name, r.last_name).to_lowercase();
            hay.contains("ali")
        }),
        "{found:?}"
    );
    // Pick the first two who are not in Support yet.
    let candidates: Vec<usize> = (picker.list.rows.iter().enumerate())
        .filter(|(_, r)| !r.groups.contains(&"Support".to_string()))
        .map(|(i, _)| i)
        .take(2)
        .collect();
    assert_eq!(candidates.len(), 2, "{found:?}");
    let mut picked = Vec::new();
    for i in candidates {
        while app.picker.as_ref().unwrap().list.selected < i {
            key(&mut app, KeyCode::Down);
        }
        picked.push(
            app.picker
                .as_ref()
                .unwrap()
                .list
                .selected_row()
                .unwrap()
                .email
                .clone(),
        );
        key(&mut app, KeyCode::Char(' '));
    }
    assert_eq!(
        app.picker
            .as_ref()
            .unwrap()
            .picked
            .iter()
            .map(|(_, e)| e.clone())
            .collect::<Vec<_>>(),
        picked
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.picker.is_none(), "Enter adds and closes the picker");
    assert_eq!(status(&app), "Added 2 users to Support");
    let shown = shown_emails(&app);
    assert_eq!(shown.len(), members_before.len() + 2);
    assert!(picked.iter().all(|e| shown.contains(e)));
    let store = other_store(&dir);
    let entries = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(3))
        .unwrap();
    assert_eq!(entries[0].op, "group.add_members");
    assert_eq!(entries[0].target.label, "Support");
    let batch = entries[0].batch.expect("one batch");
    let mut labels: Vec<String> = entries[1..]
        .iter()
        .map(|e| e.target.label.clone())
        .collect();
    labels.sort();
    picked.sort();
    assert_eq!(labels, picked);
    assert!(
        entries[1..]
            .iter()
            .all(|e| e.op == "user.update" && e.batch == Some(batch))
    );
}

#[test]
fn the_picker_shows_members_as_such_never_adds_them_twice_and_esc_adds_nobody() {
    let (dir, mut app) = console(60, SIZE);
    members_of(&mut app, "Support");
    keys(&mut app, "t");
    let member = selected_email(&app);
    keys(&mut app, "+");
    type_text(&mut app, &member);
    let picker = app.picker.as_ref().unwrap();
    assert_eq!(picker.list.selected_row().unwrap().email, member);
    assert!(screen(&app).contains("in Support"));
    key(&mut app, KeyCode::Char(' '));
    assert!(app.picker.as_ref().unwrap().picked.is_empty());
    assert_eq!(status(&app), format!("{member} is in Support already"));
    key(&mut app, KeyCode::Enter);
    assert!(app.picker.is_some(), "nothing to add: the picker stays");
    let seq = |store: &Store| {
        store
            .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
            .unwrap()[0]
            .seq
    };
    let before = seq(&other_store(&dir));
    key(&mut app, KeyCode::Esc);
    assert!(app.picker.is_none());
    assert_eq!(seq(&other_store(&dir)), before, "Esc adds nobody");
}

#[test]
fn a_read_only_console_refuses_plus_and_minus() {
    let (dir, seeded) = console(60, SIZE);
    drop(seeded);
    let store = Store::open_read_only(&dir.path().join("demo.db")).unwrap();
    let application = store.existing_application("default").unwrap();
    let mut app = console_over(store, application, SIZE, None);
    finish_background(&mut app);
    members_of(&mut app, "Sales");
    keys(&mut app, "t");
    let members = shown_emails(&app);
    for key_pressed in ["+", "-"] {
        app.session.status = None;
        keys(&mut app, key_pressed);
        assert!(
            status(&app).starts_with("Read-only: nothing can be changed"),
            "{key_pressed}: {}",
            status(&app)
        );
        assert!(app.picker.is_none() && app.modal.is_none(), "{key_pressed}");
    }
    keys(&mut app, "r");
    assert_eq!(shown_emails(&app), members);
}

#[rstest]
fn snapshot_members_view(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (100, 24)) else {
        return;
    };
    members_of(&mut app, "Sales");
    assert_snapshot!(screen(&app));
    keys(&mut app, "t");
    assert_snapshot!("members_view_direct", screen(&app));
}

#[rstest]
fn snapshot_members_view_small(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SMALL) else {
        return;
    };
    members_of(&mut app, "Berlin office");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn snapshot_picker_with_picks(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (100, 24)) else {
        return;
    };
    members_of(&mut app, "Support");
    keys(&mut app, "t+");
    keys(&mut app, "ad");
    for _ in 0..2 {
        while app
            .picker
            .as_ref()
            .unwrap()
            .list
            .selected_row()
            .is_some_and(|r| r.groups.contains(&"Support".to_string()))
        {
            key(&mut app, KeyCode::Down);
        }
        key(&mut app, KeyCode::Char(' '));
    }
    assert_eq!(app.picker.as_ref().unwrap().picked.len(), 2);
    assert_snapshot!(screen(&app));
    app.session.size = SMALL;
    assert_snapshot!("picker_with_picks_small", screen(&app));
}

#[rstest]
fn snapshot_remove_dialog(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (100, 24)) else {
        return;
    };
    members_of(&mut app, "Sales");
    keys(&mut app, "t-");
    assert_snapshot!(screen(&app));
    app.session.size = SMALL;
    assert_snapshot!("remove_dialog_small", screen(&app));
    key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
}

#[test]
fn the_mouse_wheel_scrolls_the_picker() {
    let (_d, mut app) = console(60, SIZE);
    select_group(&mut app, "Support");
    keys(&mut app, "+");
    let selected = |app: &App| app.picker.as_ref().unwrap().list.selected;
    assert_eq!(selected(&app), 0);
    act(&mut app, xusers::tui::action::Action::ScrollDown);
    assert_eq!(selected(&app), 3);
    act(&mut app, xusers::tui::action::Action::ScrollUp);
    assert_eq!(selected(&app), 0);
}

#[test]
fn a_picked_user_someone_deleted_meanwhile_adds_nobody_and_says_so() {
    let (dir, mut app) = console(60, SIZE);
    select_group(&mut app, "Support");
    keys(&mut app, "+");
    let rows: Vec<(String, bool)> = (app.picker.as_ref().unwrap().list.rows.iter())
        .map(|r| (r.email.clone(), r.groups.contains(&"Support".to_string())))
        .collect();
    let mut picked = Vec::new();
    for (email, member) in rows {
        if picked.len() == 2 {
            break;
        }
        if !member {
            picked.push(email);
            key(&mut app, KeyCode::Char(' '));
        } else {
            key(&mut app, KeyCode::Down);
        }
    }
    assert_eq!(app.picker.as_ref().unwrap().picked.len(), 2);
    let mut other = other_store(&dir);
    let app_id = app.session.application.id;
    let gone = other.find_user(app_id, &picked[1]).unwrap();
    other.delete_user(gone).unwrap();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        format!(
            "no such user: {} (someone else deleted it); nobody was added",
            picked[1]
        )
    );
    let first = other
        .user(other.find_user(app_id, &picked[0]).unwrap())
        .unwrap();
    assert!(
        !first.groups.contains(&"Support".to_string()),
        "all or nothing"
    );
}

/// Picks the first user the picker shows who is not in `group` yet; their email.
fn pick_a_non_member(app: &mut App, group: &str) -> String {
    while (app.picker.as_ref().unwrap().list.selected_row())
        .is_some_and(|r| r.groups.contains(&group.to_string()))
    {
        key(app, KeyCode::Down);
    }
    let email = (app.picker.as_ref().unwrap().list.selected_row())
        .expect("a user not in the group")
        .email
        .clone();
    key(app, KeyCode::Char(' '));
    email
}

#[test]
fn plus_on_a_group_renamed_meanwhile_adds_to_it_and_names_it_as_it_is_now() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    select_group(&mut app, "Support");
    keys(&mut app, "+");
    let email = pick_a_non_member(&mut app, "Support");
    let mut other = other_store(&dir);
    other
        .rename_group(application, "Support", "Help desk")
        .unwrap();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        format!("Added {email} to Help desk (renamed from Support meanwhile)")
    );
    let id = other.find_user(application, &email).unwrap();
    assert!(
        other
            .user(id)
            .unwrap()
            .groups
            .contains(&"Help desk".to_string())
    );
    let tree = app.groups.as_ref().unwrap();
    assert!(
        tree.tree.groups.iter().any(|g| g.group.name == "Help desk"),
        "the tree was read again"
    );
}

#[test]
fn plus_on_a_group_deleted_meanwhile_adds_nobody_and_says_so() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    select_group(&mut app, "Support");
    keys(&mut app, "+");
    let email = pick_a_non_member(&mut app, "Support");
    let mut other = other_store(&dir);
    other.delete_group(application, "Support").unwrap();
    let before = newest(&other).seq;
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        "no such group: Support (someone else deleted it)"
    );
    assert_eq!(newest(&other).seq, before, "nothing written");
    let id = other.find_user(application, &email).unwrap();
    assert!(
        other
            .user(id)
            .unwrap()
            .groups
            .iter()
            .all(|g| g != "Support")
    );
}

#[test]
fn the_picker_finds_a_user_by_name_alone() {
    let (dir, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    let draft = UserDraft {
        first_name: "Zebulon".into(),
        last_name: "Quartermaine".into(),
        ..common::draft("zq7@example.org")
    };
    common::add(&mut other_store(&dir), application, draft);
    select_group(&mut app, "Support");
    // Neither is in the email.
    for typed in ["zebul", "quarterm"] {
        keys(&mut app, "+");
        type_text(&mut app, typed);
        let found: Vec<String> = (app.picker.as_ref().unwrap().list.rows.iter())
            .map(|r| r.email.clone())
            .collect();
        assert_eq!(found, ["zq7@example.org"], "{typed}");
        key(&mut app, KeyCode::Esc);
    }
}

/// `?` in the members view lists its own keys and the user list's, with its own `Esc`.
#[test]
fn help_in_the_members_view_lists_its_keys_and_the_lists() {
    let (_d, mut app) = console(60, (120, 50));
    members_of(&mut app, "Sales");
    keys(&mut app, "?");
    assert!(matches!(app.modal, Some(Modal::Help(_))));
    let text = screen(&app);
    for (key, help) in [
        ("+", "Add users to the group (picker)"),
        ("-", "Remove member / marked from group"),
        ("t", "Only direct members (toggle)"),
        ("Esc", "Clear the filter, else to the tree"),
        ("/", "Filter (text, tag:k=v)"),
        ("d", "Delete"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("{key} ")) && l.contains(help)),
            "{key} {help}: {text}"
        );
    }
    assert!(
        !text
            .lines()
            .any(|l| l.contains("Esc") && l.ends_with("Clear the filter")),
        "the list's own Esc is not offered: {text}"
    );
}

/// The picker takes `?` as search text; its keys show in the footer, from the keymap.
#[test]
fn the_pickers_keys_show_in_its_footer_and_question_mark_is_searched() {
    let (_d, mut app) = console(60, (120, 30));
    select_group(&mut app, "Support");
    keys(&mut app, "+");
    let text = screen(&app);
    let footer = text.lines().last().unwrap();
    for hint in ["Space pick", "Enter add", "Esc cancel"] {
        assert!(footer.contains(hint), "{hint}: {footer}");
    }
    keys(&mut app, "?");
    assert!(app.modal.is_none(), "no help over the picker");
    assert_eq!(app.picker.as_ref().unwrap().search.value(), "?");
}

/// `a` in a group's members view adds a user who starts in that group (so the new user
/// shows in the list being looked at); elsewhere the form starts in no group. Leaving
/// it untouched asks nothing: the group is where it started, not an edit.
#[test]
fn a_in_the_members_view_starts_the_new_user_in_its_group() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    assert!(app.form.as_ref().unwrap().groups.ticked_names().is_empty());
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_none());
    members_of(&mut app, "Support");
    keys(&mut app, "a");
    let form = app.form.as_ref().expect("the add form");
    assert_eq!(form.groups.ticked_names(), ["Support"]);
    key(&mut app, KeyCode::Esc);
    assert!(
        app.form.is_none() && app.modal.is_none(),
        "nothing to discard"
    );
}
