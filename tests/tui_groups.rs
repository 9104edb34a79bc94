//! The Groups pane (4): the tree with its counts, moving, expanding, filtering, and
//! changing the tree and its devices through keys — each change written by the
//! console's writer, audited, refused in read-only mode, and refused when someone else
//! changed the group meanwhile.

mod common;

use common::assert_snapshot;
use common::backend::Backend;
use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use xusers::store::{
    Actor, AuditEntry, AuditPage, AuditQuery, Device, GroupSummary, Page, Scope, Source, Store,
    UserQuery, UserRow,
};
use xusers::tui::app::{App, Modal};
use xusers::tui::keymap::Context;
use xusers::tui::screens::dialog::Pending;

const SIZE: (u16, u16) = (100, 24);

/// A console over the 60 demo users on `backend`, showing the Groups pane; `None`
/// where the backend cannot run here.
fn groups_console(backend: Backend, size: (u16, u16)) -> Option<(Option<tempfile::TempDir>, App)> {
    let (dir, mut app) = console_on_backend(backend, 60, size)?;
    keys(&mut app, "4");
    Some((dir, app))
}

fn selected(app: &App) -> String {
    let pane = app.groups.as_ref().expect("the Groups pane");
    pane.selected_group().unwrap().group.name.clone()
}

/// Moves the selection to group `name`, opening groups on the way.
fn select(app: &mut App, name: &str) {
    key(app, KeyCode::Home);
    for _ in 0..100 {
        if selected(app) == name {
            return;
        }
        let pane = app.groups.as_ref().unwrap();
        let row = pane.rows()[pane.selected_index().unwrap()];
        if row.has_children && !row.open {
            keys(app, "l");
        } else {
            keys(app, "j");
        }
    }
    panic!("group {name} not found");
}

fn summaries(app: &App) -> Vec<GroupSummary> {
    let store = &app.session.store;
    store.group_summaries(app.session.application.id).unwrap()
}

fn summary(app: &App, name: &str) -> Option<GroupSummary> {
    summaries(app).into_iter().find(|g| g.group.name == name)
}

fn newest(app: &App) -> AuditEntry {
    let store = &app.session.store;
    store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()
        .remove(0)
}

/// The application's devices, each with its groups.
fn devices(app: &App) -> Vec<Device> {
    let store = &app.session.store;
    store.devices(app.session.application.id).unwrap()
}

fn device_groups(app: &App, name: &str) -> Option<Vec<String>> {
    devices(app)
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.groups)
}

/// The direct members of group `id`, each with their groups.
fn direct_members(app: &App, id: i64) -> Vec<UserRow> {
    let query = UserQuery {
        scope: Scope::Group(id),
        ..Default::default()
    };
    let store = &app.session.store;
    let application = app.session.application.id;
    store
        .list_users(application, &query, &Page::First(1000))
        .unwrap()
}

fn status(app: &App) -> String {
    app.session
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Another administrator, on a connection of their own.
fn other_admin(app: &App) -> Store {
    let mut store = Store::open(app.session.store.location().unwrap()).unwrap();
    store.set_actor(Actor::named("other@test", Source::Cli).unwrap());
    store
}

#[test]
fn tab_reaches_the_groups_pane_between_no_group_and_the_audit_log() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "3");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.context(), Context::Groups);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.context(), Context::Audit);
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.context(), Context::Groups);
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.context(), Context::List);
    assert_eq!(app.browse.pane, xusers::tui::pane::Pane::Ungrouped);
    keys(&mut app, "4");
    assert!(app.groups.is_some());
    keys(&mut app, "1");
    assert!(app.groups.is_none() && app.context() == Context::List);
}

#[rstest]
fn the_tree_shows_kept_member_counts_members_with_subgroups_and_devices(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, app)) = groups_console(backend, SIZE) else {
        return;
    };
    let groups = summaries(&app);
    assert_eq!(groups.len(), 11);
    // Both kept counts checked against plain SQL over the memberships: SQLite's here,
    // PostgreSQL's in tests/store_backends.rs.
    if let Some(path) = app.session.store.path() {
        let sql = rusqlite::Connection::open(path).unwrap();
        let count =
            |query: &str, id: i64| -> u64 { sql.query_row(query, [id], |r| r.get(0)).unwrap() };
        for g in &groups {
            let with_subgroups = count(
                "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL
                     SELECT g.id FROM groups g JOIN sub ON g.parent_id = sub.id)
                 SELECT count(DISTINCT user_id) FROM memberships WHERE group_id IN sub",
                g.group.id,
            );
            let name = &g.group.name;
            assert_eq!(g.with_subgroups, with_subgroups, "{name}");
            let direct = count(
                "SELECT count(*) FROM memberships WHERE group_id = ?1",
                g.group.id,
            );
            assert_eq!(g.members, direct, "{name}");
        }
    }
    let acme = summary(&app, "Acme").unwrap();
    assert!(acme.with_subgroups > acme.members);
    assert_snapshot!("groups_tree_with_counts", screen(&app));
}

/// Leaving the pane for another and coming back finds the tree as it was left: the
/// same groups open, the same group selected (from the tryout).
#[test]
fn the_tree_is_as_it_was_left_after_another_pane() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    keys(&mut app, "jl");
    assert!(screen(&app).contains("Platform"), "Engineering opened");
    keys(&mut app, "jj");
    assert_eq!(selected(&app), "Platform");
    for other in ["1", "5"] {
        keys(&mut app, other);
        assert!(app.groups.is_none());
        keys(&mut app, "4");
        finish_background(&mut app);
        assert_eq!(selected(&app), "Platform", "after {other}");
        assert!(
            screen(&app).contains("Mobile"),
            "Engineering still open after {other}"
        );
    }
}

#[test]
fn keys_move_expand_and_collapse_the_tree() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    assert_eq!(selected(&app), "Acme");
    keys(&mut app, "j");
    assert_eq!(selected(&app), "Engineering");
    // → opens a closed group, and steps into an open one.
    keys(&mut app, "l");
    assert!(screen(&app).contains("Platform"));
    assert_eq!(selected(&app), "Engineering");
    keys(&mut app, "l");
    assert_eq!(selected(&app), "Mobile", "children sorted by name");
    // ← steps out to the parent, then closes it.
    keys(&mut app, "h");
    assert_eq!(selected(&app), "Engineering");
    keys(&mut app, "h");
    assert!(!screen(&app).contains("Platform"));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Left);
    assert!(!screen(&app).contains("Platform"));
    keys(&mut app, "G");
    assert_eq!(selected(&app), "Support");
    keys(&mut app, "g");
    assert_eq!(selected(&app), "Acme");
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(selected(&app), "Acme");
    key(&mut app, KeyCode::PageDown);
    assert_eq!(selected(&app), "Support");
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Down);
    assert_eq!(selected(&app), "Engineering");
    // Collapsing the top closes its branch; the selection stays on a shown group.
    keys(&mut app, "gh");
    assert_eq!(selected(&app), "Acme");
    assert!(!screen(&app).contains("Engineering"));
}

#[rstest]
fn the_filter_keeps_the_ancestors_of_each_match(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = groups_console(backend, SIZE) else {
        return;
    };
    keys(&mut app, "/berl");
    let text = screen(&app);
    for shown in ["Acme", "Sales", "EMEA", "Berlin office"] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    for hidden in ["Engineering", "Partners", "Support", "Americas"] {
        assert!(!text.contains(hidden), "{hidden}: {text}");
    }
    assert_snapshot!("groups_filtered_tree", text);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Groups);
    key(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("Support"));
}

#[test]
fn opening_and_browsing_the_pane_runs_no_sql_on_the_ui_thread() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    let before = gate.ui_steps();
    keys(&mut app, "4");
    keys(&mut app, "jjlhG/sal");
    let filtered = screen(&app);
    assert!(filtered.contains("Sales") && !filtered.contains("Engineering"));
    assert_eq!(selected(&app), "Sales", "the first match is selected");
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "r");
    finish_background(&mut app);
    assert_eq!(gate.ui_steps(), before, "no SQL on the UI thread");
    let text = screen(&app);
    assert!(
        text.contains("Engineering") && text.contains("Support"),
        "{text}"
    );
    assert_eq!(
        selected(&app),
        "Sales",
        "the selection stays after a reload"
    );
}

#[test]
fn the_previous_tree_stays_while_a_new_one_loads() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    keys(&mut app, "4");
    gate.shut();
    press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    assert!(app.groups.as_ref().unwrap().loading());
    assert!(screen(&app).contains("Engineering"), "the old tree shows");
    gate.open();
    finish_background(&mut app);
    assert!(screen(&app).contains("Engineering"));
}

#[rstest]
fn a_adds_a_group_under_the_selected_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = groups_console(backend, SIZE) else {
        return;
    };
    select(&mut app, "Sales");
    keys(&mut app, "a");
    assert_eq!(app.context(), Context::GroupForm);
    assert_snapshot!("groups_add_form", screen(&app));
    keys(&mut app, "Nordics");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Groups, "{}", status(&app));
    assert_eq!(status(&app), "Added group Nordics");
    let sales = summary(&app, "Sales").unwrap();
    let nordics = summary(&app, "Nordics").unwrap();
    assert_eq!(nordics.group.parent_id, Some(sales.group.id));
    assert_eq!(selected(&app), "Nordics", "the new group is selected");
    let entry = newest(&app);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("group.create", "Nordics")
    );
    assert_eq!(entry.source, "console");
}

/// The parent picked in the form (`↑↓`), not the selected group.
#[test]
fn a_adds_a_group_under_a_parent_picked_in_the_form() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    select(&mut app, "Sales");
    keys(&mut app, "a");
    let parent = |app: &App| match &app.groups.as_ref().unwrap().popup {
        Some(xusers::tui::screens::groups::Popup::Form(f)) => f.choices[f.parent].name.clone(),
        _ => panic!("the form"),
    };
    assert_eq!(parent(&app), "Sales", "the selected group by default");
    assert!(
        !screen(&app).contains("/ filter by group name"),
        "/ types here"
    );
    for _ in 0..20 {
        if parent(&app) == "Engineering" {
            break;
        }
        key(&mut app, KeyCode::Up);
    }
    assert_eq!(parent(&app), "Engineering");
    keys(&mut app, "Data");
    key(&mut app, KeyCode::Enter);
    assert_eq!(status(&app), "Added group Data");
    let engineering = summary(&app, "Engineering").unwrap().group.id;
    assert_eq!(
        summary(&app, "Data").unwrap().group.parent_id,
        Some(engineering)
    );
    let entry = newest(&app);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("group.create", "Data")
    );
}

/// Another administrator links or unlinks the same device while the picker or the
/// confirm dialog is open: the console says so, writes nothing, and reads the tree
/// again.
#[test]
fn a_link_or_unlink_someone_else_made_meanwhile_is_detected() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    let application = app.session.application.id;
    select(&mut app, "Support");
    keys(&mut app, "t");
    keys(&mut app, "printer");
    other_admin(&app)
        .link_device(application, "Berlin printer", "Support", true)
        .unwrap();
    let before = newest(&app).seq;
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        "Berlin printer was linked to Support already (someone else linked it) — reloaded"
    );
    assert_eq!(newest(&app).seq, before, "nothing written");
    assert!(screen(&app).contains("Devices of Support (2)"), "reloaded");

    keys(&mut app, "u");
    keys(&mut app, "printer");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    other_admin(&app)
        .link_device(application, "Berlin printer", "Support", false)
        .unwrap();
    let before = newest(&app).seq;
    keys(&mut app, "y");
    assert_eq!(
        status(&app),
        "Berlin printer was no longer linked to Support (someone else unlinked it) — reloaded"
    );
    assert_eq!(newest(&app).seq, before, "nothing written");
    assert!(screen(&app).contains("Devices of Support (1)"), "reloaded");
    assert_eq!(
        device_groups(&app, "Berlin printer").unwrap(),
        ["Berlin office"]
    );
}

#[test]
fn a_bad_name_is_refused_at_its_field_and_nothing_is_written() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    let before = newest(&app).seq;
    keys(&mut app, "a");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("Name is required"),
        "{}",
        screen(&app)
    );
    keys(&mut app, "Sales");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("a group named 'Sales' already exists"),
        "{text}"
    );
    assert_eq!(app.context(), Context::GroupForm, "the form stays");
    assert_eq!(newest(&app).seq, before, "nothing written");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Dialog, "the typed name is an edit");
    keys(&mut app, "y");
    assert_eq!(app.context(), Context::Groups);
}

#[rstest]
fn e_renames_and_moves_a_group_and_refuses_a_cycle_inline(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = groups_console(backend, SIZE) else {
        return;
    };
    let before = newest(&app).seq;
    select(&mut app, "Sales");
    keys(&mut app, "e");
    // Down the parents to EMEA, Sales's own child: a cycle.
    while {
        let pane = app.groups.as_ref().unwrap();
        match &pane.popup {
            Some(xusers::tui::screens::groups::Popup::Form(f)) => {
                f.choices[f.parent].name != "EMEA"
            }
            _ => panic!("the form"),
        }
    } {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    let Some(xusers::tui::screens::groups::Popup::Form(form)) = &app.groups.as_ref().unwrap().popup
    else {
        panic!("the form stays")
    };
    assert_eq!(
        form.parent_error.as_deref(),
        Some("'EMEA' is one of the subgroups of 'Sales': that would make a cycle")
    );
    assert!(
        text.contains("'EMEA' is one of the subgroups of 'Sales'"),
        "{text}"
    );
    assert_snapshot!("groups_form_refuses_a_cycle", text);
    assert_eq!(newest(&app).seq, before, "nothing written");
    assert_eq!(
        summary(&app, "Sales").unwrap().group.parent_id,
        summary(&app, "Acme").map(|g| g.group.id)
    );
    // To the top, renamed.
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::PageUp);
    for _ in 0..5 {
        key_with(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    }
    keys(&mut app, "Revenue");
    key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(status(&app), "Saved group Revenue");
    let revenue = summary(&app, "Revenue").unwrap();
    assert_eq!((revenue.group.parent_id, revenue.version), (None, 3));
    assert!(summary(&app, "Sales").is_none());
    let entries = app
        .session
        .store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(2))
        .unwrap();
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["group.move", "group.rename"]);
    let (moved, renamed) = (&entries[0], &entries[1]);
    assert_eq!(
        moved.changes.get("parent"),
        Some(&[serde_json::json!("Acme"), serde_json::Value::Null])
    );
    assert_eq!(
        renamed.changes.get("name"),
        Some(&[serde_json::json!("Sales"), serde_json::json!("Revenue")])
    );
    for entry in &entries {
        assert_eq!(entry.target.id, Some(revenue.group.id), "{}", entry.op);
    }
    assert_eq!(selected(&app), "Revenue");
}

/// As in the user form: Esc or Ctrl-C with unsaved edits asks first.
#[test]
fn esc_or_ctrl_c_in_the_group_form_with_edits_asks_before_dropping_them() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    let before = newest(&app).seq;
    select(&mut app, "Sales");
    keys(&mut app, "e");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Groups, "no edits: closes at once");
    let pending = |app: &App| match &app.modal {
        Some(Modal::Confirm(c)) => Some(c.pending.clone()),
        _ => None,
    };
    keys(&mut app, "e");
    keys(&mut app, "x");
    key(&mut app, KeyCode::Esc);
    assert_eq!(pending(&app), Some(Pending::Discard));
    keys(&mut app, "n");
    assert_eq!(app.context(), Context::GroupForm, "keep editing");
    let form = |app: &App| match &app.groups.as_ref().unwrap().popup {
        Some(xusers::tui::screens::groups::Popup::Form(f)) => f.name.value().to_string(),
        _ => panic!("the form"),
    };
    assert_eq!(form(&app), "Salesx");
    // A parent changed is an edit too.
    key_with(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    key(&mut app, KeyCode::Down);
    key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(pending(&app), Some(Pending::Quit));
    keys(&mut app, "n");
    assert!(!app.quit);
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "y");
    assert_eq!(app.context(), Context::Groups, "discarded");
    assert!(app.groups.as_ref().unwrap().popup.is_none());
    assert_eq!(newest(&app).seq, before, "nothing written");
    assert_eq!(
        summary(&app, "Sales").unwrap().group.parent_id,
        summary(&app, "Acme").map(|g| g.group.id)
    );
    keys(&mut app, "a");
    keys(&mut app, "New");
    key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.quit, "a second Ctrl-C quits");
}

#[rstest]
fn d_states_what_deleting_does_and_deletes_as_it_says(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = groups_console(backend, SIZE) else {
        return;
    };
    select(&mut app, "Sales");
    let sales = summary(&app, "Sales").unwrap();
    keys(&mut app, "d");
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirm dialog")
    };
    assert_eq!(
        confirm.message,
        format!(
            "Delete group Sales? Its {} members stay (they only leave this group); its 2 child \
             groups move up to Acme; its 1 device stays, unlinked from it.",
            sales.members
        )
    );
    assert_snapshot!("groups_delete_dialog", screen(&app));
    let members = direct_members(&app, sales.group.id);
    assert_eq!(members.len() as u64, sales.members);
    assert!(!members.is_empty());
    let sales_devices: Vec<Device> = (devices(&app).into_iter())
        .filter(|d| d.groups.iter().any(|g| g == "Sales"))
        .collect();
    assert_eq!(sales_devices.len(), 1);
    keys(&mut app, "y");
    assert_eq!(status(&app), "Deleted group Sales");
    assert!(summary(&app, "Sales").is_none());
    // The members stay, in their other groups; the device stays, unlinked.
    for member in &members {
        let user = app.session.store.user(member.id).unwrap();
        let others: Vec<&String> = member.groups.iter().filter(|g| *g != "Sales").collect();
        assert_eq!(
            user.groups.iter().collect::<Vec<_>>(),
            others,
            "{}",
            member.email
        );
    }
    for device in &sales_devices {
        let others: Vec<String> = (device.groups.iter())
            .filter(|g| *g != "Sales")
            .cloned()
            .collect();
        assert_eq!(
            device_groups(&app, &device.name),
            Some(others),
            "{}",
            device.name
        );
    }
    let acme = summary(&app, "Acme").unwrap().group.id;
    for child in ["EMEA", "Americas"] {
        assert_eq!(
            summary(&app, child).unwrap().group.parent_id,
            Some(acme),
            "{child}"
        );
    }
    let entry = newest(&app);
    assert_eq!(entry.op, "group.delete");
    assert_eq!(
        entry
            .changes
            .get("members")
            .map(|[before, _]| before.clone()),
        Some(serde_json::json!(sales.members))
    );
}

#[test]
fn a_change_someone_else_made_meanwhile_is_detected_and_the_tree_reloads() {
    let (_d, mut app) = groups_console(Backend::Sqlite, SIZE).unwrap();
    let application = app.session.application.id;
    select(&mut app, "Sales");
    keys(&mut app, "e");
    other_admin(&app)
        .rename_group(application, "Sales", "Deals")
        .unwrap();
    let before = newest(&app).seq;
    keys(&mut app, "x");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        "Someone else changed group Sales meanwhile — reloaded"
    );
    assert_eq!(
        newest(&app).seq,
        before,
        "nothing written over their change"
    );
    assert!(summary(&app, "Salesx").is_none());
    assert_eq!(app.context(), Context::Groups);
    assert!(screen(&app).contains("Deals"), "the tree was read again");
    // Deleting a group moved meanwhile is refused too.
    select(&mut app, "Deals");
    keys(&mut app, "d");
    other_admin(&app)
        .set_group_parent(application, "Deals", None)
        .unwrap();
    keys(&mut app, "y");
    assert_eq!(
        status(&app),
        "Someone else changed group Deals meanwhile — reloaded"
    );
    assert!(summary(&app, "Deals").is_some(), "not deleted");
    // And a group deleted meanwhile.
    keys(&mut app, "d");
    other_admin(&app)
        .delete_group(application, "Deals")
        .unwrap();
    keys(&mut app, "y");
    assert!(
        status(&app).starts_with("no such group: Deals (someone else deleted it)"),
        "{}",
        status(&app)
    );
}

#[rstest]
fn devices_are_linked_unlinked_and_added_for_the_selected_group(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = groups_console(backend, SIZE) else {
        return;
    };
    select(&mut app, "Support");
    assert!(screen(&app).contains("Devices of Support (1)"));
    keys(&mut app, "t");
    assert_eq!(app.context(), Context::Picker);
    keys(&mut app, "pr");
    assert_snapshot!("groups_device_picker", screen(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(status(&app), "Linked Berlin printer to Support");
    let devices = app
        .session
        .store
        .devices(app.session.application.id)
        .unwrap();
    let printer = devices.iter().find(|d| d.name == "Berlin printer").unwrap();
    assert_eq!(printer.groups, ["Berlin office", "Support"]);
    assert_eq!(newest(&app).op, "device.link");
    assert!(screen(&app).contains("Devices of Support (2)"));

    keys(&mut app, "u");
    keys(&mut app, "print");
    key(&mut app, KeyCode::Enter);
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirm dialog")
    };
    assert!(
        confirm
            .message
            .starts_with("Unlink Berlin printer from Support? The device stays")
    );
    assert_snapshot!("groups_unlink_dialog", screen(&app));
    keys(&mut app, "y");
    assert_eq!(status(&app), "Unlinked Berlin printer from Support");
    assert_eq!(newest(&app).op, "device.unlink");
    assert_eq!(
        device_groups(&app, "Berlin printer").unwrap(),
        ["Berlin office"],
        "the device stays, no longer linked to Support"
    );

    keys(&mut app, "n");
    keys(&mut app, "Help desk tablet");
    assert_snapshot!("groups_new_device_prompt", screen(&app));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        status(&app),
        "Added device Help desk tablet, linked to Support"
    );
    let entry = newest(&app);
    assert_eq!(
        (entry.op.as_str(), entry.target.label.as_str()),
        ("device.create", "Help desk tablet")
    );
    assert_eq!(
        device_groups(&app, "Help desk tablet").unwrap(),
        ["Support"]
    );
    assert!(screen(&app).contains("Help desk tablet"));
    // A taken name is refused in the popup, which stays.
    let before = newest(&app).seq;
    keys(&mut app, "n");
    keys(&mut app, "Build server");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Prompt);
    assert!(screen(&app).contains("a device named 'Build server' already exists"));
    assert_eq!(newest(&app).seq, before);
}

#[test]
fn a_read_only_console_refuses_every_change_of_the_tree() {
    let (dir, seeded) = console(60, SIZE);
    drop(seeded);
    let store = Store::open_read_only(&dir.path().join("demo.db")).unwrap();
    let application = store.existing_application("default").unwrap();
    let mut app = App::new(
        store,
        application,
        "demo.db".into(),
        SIZE,
        NOW,
        xusers::tui::theme::Theme::color(),
    )
    .unwrap();
    finish_background(&mut app);
    keys(&mut app, "4");
    for change in ["a", "e", "d", "t", "u", "n"] {
        app.session.status = None;
        keys(&mut app, change);
        assert!(
            status(&app).starts_with("Read-only: nothing can be changed"),
            "{change}"
        );
        assert!(app.modal.is_none(), "{change} opens no dialog");
        assert_eq!(app.context(), Context::Groups, "{change} opens no popup");
    }
    keys(&mut app, "j/sal");
    assert!(screen(&app).contains("Sales"), "looking still works");
}

#[rstest]
fn the_pane_works_at_40x12(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = groups_console(backend, (40, 12)) else {
        return;
    };
    let text = screen(&app);
    assert!(text.contains("4 Groups") && text.contains("Acme") && text.contains("Devices of Acme"));
    assert_snapshot!("groups_tree_40x12", text);
    keys(&mut app, "jj");
    assert_eq!(selected(&app), "Sales");
    keys(&mut app, "e");
    assert_snapshot!("groups_form_40x12", screen(&app));
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "t");
    assert_snapshot!("groups_device_picker_40x12", screen(&app));
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "d");
    let text = screen(&app);
    assert!(
        text.contains("Delete group Sales?") && text.contains("│ it."),
        "the whole message: {text}"
    );
    assert_snapshot!("groups_delete_dialog_40x12", text);
}

#[test]
fn help_lists_the_panes_keys() {
    let (_d, mut app) = groups_console(Backend::Sqlite, (100, 40)).unwrap();
    keys(&mut app, "?");
    let text = screen(&app);
    for key in [
        "Expand the group",
        "Collapse (or step out to parent)",
        "Link a device (picker)",
        "Unlink a device (confirm)",
        "Add a new device",
        "Delete the group",
        "Add users to the group (picker)",
        "The group's members",
    ] {
        assert!(text.contains(key), "{key}: {text}");
    }
    for (key, help) in [
        ("+", "Add users to the group"),
        ("Enter", "The group's members"),
    ] {
        assert!(
            text.lines().any(|l| l.contains(key) && l.contains(help)),
            "{key} {help}: {text}"
        );
    }
}
