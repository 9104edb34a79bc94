//! Marks and bulk actions in the console, through keys: `Space`, `*` and `u` mark;
//! with marks, `d`, `i` and the bulk menu act on every marked user, after one dialog,
//! in a job off the UI thread that `Esc` cancels.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::console::*;
use common::dump;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::store::{
    AuditEntry, AuditPage, AuditQuery, BulkProgress, Page, Store, UserId, UserQuery,
};
use xusers::tui::app::{App, JOB_RUNNING, Modal};
use xusers::tui::events::Event;
use xusers::tui::session::StatusKind;
use xusers::tui::update::update;

const SIZE: (u16, u16) = (120, 30);

fn space(app: &mut App) {
    key(app, KeyCode::Char(' '));
}

/// The ids of the loaded rows that show a mark.
fn marked_rows(app: &App) -> Vec<UserId> {
    let rows = &app.browse.list.rows;
    assert!(!rows.is_empty());
    rows.iter()
        .map(|r| r.id)
        .filter(|id| app.browse.marks.is_marked(*id))
        .collect()
}

fn store(app: &App) -> &Store {
    &app.session.store
}

fn users(app: &App) -> u64 {
    store(app)
        .scope_counts(app.session.application.id)
        .unwrap()
        .all
}

/// The entries of the newest audit batch, oldest first.
fn newest_batch(app: &App) -> Vec<AuditEntry> {
    let entries = store(app)
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1000))
        .unwrap();
    let batch = entries.iter().find_map(|e| e.batch).expect("a batch");
    let mut entries: Vec<AuditEntry> = entries
        .into_iter()
        .filter(|e| e.batch == Some(batch))
        .collect();
    entries.reverse();
    entries
}

/// The status line's text and kind.
fn status(app: &App) -> (String, StatusKind) {
    let s = app.session.status.as_ref().expect("a status");
    (s.text.clone(), s.kind)
}

/// The confirm dialog's message (a dialog must show).
fn dialog(app: &App) -> String {
    match &app.modal {
        Some(Modal::Confirm(c)) => c.message.clone(),
        other => panic!("no dialog: {other:?}"),
    }
}

/// Filters the list by `text` and leaves the filter line.
fn filter(app: &mut App, text: &str) {
    keys(app, "/");
    type_text(app, text);
    key(app, KeyCode::Enter);
}

#[test]
fn space_marks_and_moves_down_and_u_clears() {
    let (_d, mut app) = console(60, SIZE);
    let first = app.browse.list.rows[0].id;
    let second = app.browse.list.rows[1].id;
    space(&mut app);
    assert_eq!(app.browse.list.selected, 1, "moved down");
    space(&mut app);
    assert_eq!(marked_rows(&app), [first, second]);
    assert_eq!(app.browse.marks.count, Some(2));
    let shown = screen(&app);
    assert!(shown.contains(" All users · 2 marked "), "{shown}");
    keys(&mut app, "k");
    space(&mut app);
    assert_eq!(marked_rows(&app), [first], "Space again unmarks");
    assert_eq!(app.browse.marks.count, Some(1));
    keys(&mut app, "u");
    assert!(marked_rows(&app).is_empty());
    assert!(!app.browse.marks.any());
    assert!(!screen(&app).contains("marked"));
}

#[test]
fn star_with_a_filter_marks_only_the_matches() {
    let (_d, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    filter(&mut app, "tag:plan=pro");
    let matching = store(&app)
        .count_users(application, &UserQuery::default().filter("tag:plan=pro"))
        .unwrap();
    assert!(matching > 0 && matching < 60, "{matching}");
    keys(&mut app, "*");
    assert_eq!(app.browse.marks.count, Some(matching));
    assert_eq!(marked_rows(&app).len(), app.browse.list.rows.len());
    // Back to everyone: exactly the users with the tag show a mark.
    key(&mut app, KeyCode::Esc);
    let pro: HashSet<UserId> = store(&app)
        .list_users(
            application,
            &UserQuery::default().filter("tag:plan=pro"),
            &xusers::store::Page::First(100),
        )
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    let loaded: Vec<UserId> = app.browse.list.rows.iter().map(|r| r.id).collect();
    assert_eq!(loaded.len(), 60, "every user is loaded");
    for id in loaded {
        assert_eq!(app.browse.marks.is_marked(id), pro.contains(&id), "{id:?}");
    }
    assert_eq!(app.browse.marks.count, Some(matching), "the count stays");
}

#[test]
fn marks_survive_scrolling_sorting_and_filtering() {
    let (_d, mut app) = console(300, SIZE);
    let first = app.browse.list.rows[0].id;
    let email = app.browse.list.rows[0].email.clone();
    space(&mut app);
    key(&mut app, KeyCode::End);
    let last = app.browse.list.selected_row().unwrap().id;
    space(&mut app);
    for _ in 0..10 {
        key(&mut app, KeyCode::PageUp);
    }
    key(&mut app, KeyCode::Home);
    assert_eq!(
        marked_rows(&app),
        [first],
        "far rows were dropped and read again"
    );
    keys(&mut app, "sS");
    key(&mut app, KeyCode::End);
    keys(&mut app, "s");
    filter(&mut app, &email);
    assert_eq!(marked_rows(&app), [first]);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::End);
    assert!(marked_rows(&app).contains(&last));
    assert_eq!(app.browse.marks.count, Some(2));
}

#[test]
fn space_on_a_row_marked_by_star_leaves_it_out() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "*");
    assert_eq!(app.browse.marks.count, Some(60));
    let first = app.browse.list.rows[0].id;
    space(&mut app);
    assert!(!app.browse.marks.is_marked(first));
    assert_eq!(app.browse.marks.count, Some(59));
    keys(&mut app, "d");
    assert!(
        dialog(&app).starts_with("Delete 59 users? "),
        "{}",
        dialog(&app)
    );
    keys(&mut app, "y");
    assert_eq!(users(&app), 1);
    assert!(store(&app).user(first).is_ok(), "the one left out stays");
}

/// Found by the tryout: `*` then Space on its only match left "0 marked", `d` and
/// `i` saying there was nobody to act on.
#[test]
fn unmarking_every_user_a_star_marked_marks_nobody() {
    let (_d, mut app) = console(60, SIZE);
    let email = app.browse.list.rows[0].email.clone();
    filter(&mut app, &email);
    keys(&mut app, "*");
    assert_eq!(app.browse.marks.count, Some(1));
    space(&mut app);
    assert_eq!(app.browse.marks.count, Some(0));
    assert!(!app.browse.marks.any());
    assert!(!screen(&app).contains("marked"), "{}", screen(&app));
    keys(&mut app, "d");
    assert!(
        dialog(&app).starts_with(&format!("Delete {email}?")),
        "{}",
        dialog(&app)
    );
}

#[test]
fn a_later_star_marks_again_a_user_left_out_even_off_screen() {
    let (_d, mut app) = console(300, SIZE);
    keys(&mut app, "*");
    let first = app.browse.list.rows[0].id;
    space(&mut app);
    assert_eq!(app.browse.marks.count, Some(299));
    key(&mut app, KeyCode::End);
    assert!(
        app.browse.list.rows.iter().all(|r| r.id != first),
        "the user left out is off screen"
    );
    keys(&mut app, "*");
    assert_eq!(app.browse.marks.count, Some(300), "counted settled");
    key(&mut app, KeyCode::Home);
    assert_eq!(app.browse.list.rows[0].id, first);
    assert!(app.browse.marks.is_marked(first));
    keys(&mut app, "d");
    assert!(dialog(&app).starts_with("Delete 300 users? "));
}

/// Opens the members view of the group called `name`.
fn open_members(app: &mut App, name: &str) {
    keys(app, "4/");
    type_text(app, name);
    key(app, KeyCode::Enter);
    while app
        .groups
        .as_ref()
        .unwrap()
        .selected_group()
        .unwrap()
        .group
        .name
        != name
    {
        keys(app, "j");
    }
    key(app, KeyCode::Enter);
    assert!(app.browse.members.is_some(), "the members view");
}

#[test]
fn the_members_view_marks_too() {
    let (_d, mut app) = console(60, SIZE);
    open_members(&mut app, "Sales");
    let members = app.browse.list.rows.len() as u64;
    assert!(members > 0 && members < 60);
    keys(&mut app, "*");
    assert_eq!(app.browse.marks.count, Some(members));
    let title = format!("Members of Sales and its subgroups · {members} marked");
    assert!(screen(&app).contains(&title), "{}", screen(&app));
    keys(&mut app, "d");
    assert!(dialog(&app).starts_with(&format!("Delete {members} users? ")));
}

#[test]
fn the_count_is_right_after_someone_else_deletes_a_marked_user() {
    let (_d, mut app) = console(60, SIZE);
    space(&mut app);
    space(&mut app);
    let gone = app.browse.list.rows[0].id;
    let mut other = Store::open(&store(&app).path().unwrap()).unwrap();
    other.delete_user(gone).unwrap();
    keys(&mut app, "r");
    assert_eq!(app.browse.marks.count, Some(1));
    assert!(screen(&app).contains(" All users · 1 marked "));
}

#[test]
fn d_deletes_the_marked_users_after_one_dialog_and_leaves_one_batch() {
    let (_d, mut app) = console(60, SIZE);
    let marked: Vec<(UserId, String)> = app.browse.list.rows[..3]
        .iter()
        .map(|r| (r.id, r.email.clone()))
        .collect();
    keys(&mut app, "   ");
    keys(&mut app, "d");
    let message = dialog(&app);
    let expected = format!(
        "Delete 3 users? {}, {} and 1 more.",
        marked[0].1, marked[1].1
    );
    assert!(message.starts_with(&expected), "{message}");
    key(&mut app, KeyCode::Enter);
    assert!(app.modal.is_none(), "Enter on Cancel does nothing");
    assert_eq!(users(&app), 60);
    keys(&mut app, "dy");
    assert_eq!(users(&app), 57);
    for (id, _) in &marked {
        assert!(store(&app).user(*id).is_err());
    }
    assert_eq!(status(&app), ("Deleted 3 users".into(), StatusKind::Info));
    assert!(!app.browse.marks.any(), "marks cleared after success");
    assert_eq!(app.browse.counts.all, 57, "counts reloaded");
    let batch = newest_batch(&app);
    let deleted: Vec<&str> = batch
        .iter()
        .filter(|e| e.op == "user.delete")
        .map(|e| e.target.label.as_str())
        .collect();
    assert_eq!(deleted.len(), 3, "{batch:?}");
    assert!(batch.iter().any(|e| e.op == "users.delete"), "the summary");
    assert!(batch.iter().all(|e| e.source == "console"), "{batch:?}");
}

#[test]
fn i_invalidates_the_tokens_of_the_marked_users() {
    let (_d, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    let rows: Vec<(UserId, String)> = app.browse.list.rows[..3]
        .iter()
        .map(|r| (r.id, r.email.clone()))
        .collect();
    let mut login = |email: &str| {
        app.session
            .store
            .login(application, email, xusers::demo::DEMO_PASSWORD)
            .unwrap()
    };
    let marked_tokens = [login(&rows[0].1), login(&rows[1].1)];
    let unmarked_token = login(&rows[2].1);
    keys(&mut app, "  ");
    keys(&mut app, "i");
    assert!(dialog(&app).starts_with("Invalidate the tokens of 2 users? "));
    keys(&mut app, "y");
    for token in &marked_tokens {
        assert!(store(&app).authenticate(application, token).is_err());
    }
    assert_eq!(
        store(&app)
            .authenticate(application, &unmarked_token)
            .unwrap(),
        rows[2].0,
        "the unmarked user's session goes on"
    );
    assert_eq!(users(&app), 60, "nobody deleted");
    let batch = newest_batch(&app);
    let mut ended: Vec<(&str, String)> = batch
        .iter()
        .filter(|e| e.op == "tokens.invalidate")
        .map(|e| (e.target.label.as_str(), e.changes.as_json().to_string()))
        .collect();
    ended.sort();
    let tokens_ended = serde_json::json!({"tokens": [1, 0]}).to_string();
    let mut expected = [
        (rows[0].1.as_str(), tokens_ended.clone()),
        (rows[1].1.as_str(), tokens_ended),
    ];
    expected.sort();
    assert_eq!(
        ended, expected,
        "one entry per marked user, with what changed"
    );
    let summary: Vec<&AuditEntry> = batch
        .iter()
        .filter(|e| e.op == "users.invalidate_tokens")
        .collect();
    assert_eq!(summary.len(), 1, "{batch:?}");
    assert_eq!(
        summary[0].changes.as_json(),
        serde_json::json!({"changed_users": [null, 2], "tokens": [2, 0]})
    );
    assert_eq!(batch.len(), 3, "nothing else: {batch:?}");
}

#[test]
fn the_bulk_menu_adds_to_a_group_and_removes_from_it() {
    let (_d, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    let ids: Vec<UserId> = app.browse.list.rows[..2].iter().map(|r| r.id).collect();
    keys(&mut app, "  m");
    assert!(matches!(app.modal, Some(Modal::BulkMenu(_))));
    keys(&mut app, "+");
    let Some(Modal::GroupPick(picker)) = &app.modal else {
        panic!("{:?}", app.modal)
    };
    let group = picker.groups[0].clone();
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).starts_with(&format!("Add 2 users to {group}? ")));
    keys(&mut app, "y");
    for id in &ids {
        assert!(store(&app).user(*id).unwrap().groups.contains(&group));
    }
    let batch = newest_batch(&app);
    assert!(batch.iter().any(|e| e.op == "users.add_to_group"));
    assert_eq!(batch.iter().filter(|e| e.op == "user.update").count(), 2);
    assert!(!app.browse.marks.any());
    // Removing them again: through the menu's item chosen with ↓ and Enter.
    keys(&mut app, "g  m");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).contains("No user is deleted."));
    keys(&mut app, "y");
    for id in &ids {
        assert!(!store(&app).user(*id).unwrap().groups.contains(&group));
    }
    let batch = newest_batch(&app);
    assert!(batch.iter().any(|e| e.op == "users.remove_from_group"));
    assert_eq!(users(&app), 60);
    let _ = application;
}

#[test]
fn the_bulk_menu_sets_and_removes_a_tag_checked_as_the_form_checks_it() {
    let (_d, mut app) = console(60, SIZE);
    let application = app.session.application.id;
    keys(&mut app, "  mt");
    type_text(&mut app, "bad key=1");
    key(&mut app, KeyCode::Enter);
    let Some(Modal::BulkPrompt(prompt)) = &app.modal else {
        panic!("{:?}", app.modal)
    };
    let error = prompt.error.clone().expect("an inline error");
    assert!(error.starts_with("tag key may only hold"), "{error}");
    assert!(screen(&app).contains(&error[..30]));
    for _ in 0.."bad key=1".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "cohort=2026-q4");
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).starts_with("Set tag cohort=2026-q4 on 2 users? "));
    keys(&mut app, "y");
    let tagged = UserQuery::default().filter("tag:cohort=2026-q4");
    assert_eq!(store(&app).count_users(application, &tagged).unwrap(), 2);
    let batch = newest_batch(&app);
    assert!(batch.iter().any(|e| e.op == "users.set_tag"));
    assert_eq!(batch.iter().filter(|e| e.op == "user.update").count(), 2);
    keys(&mut app, "*mT");
    type_text(&mut app, "cohort");
    key(&mut app, KeyCode::Enter);
    let message = dialog(&app);
    assert!(
        message.starts_with("Remove tag cohort from 2 of the 60 marked? "),
        "{message}"
    );
    assert!(
        message.ends_with(" The other 58 do not have it."),
        "{message}"
    );
    // It names the two it changes, not the first two marked.
    let holders = store(&app)
        .list_users(application, &tagged, &Page::First(10))
        .unwrap();
    assert_eq!(holders.len(), 2);
    let named = format!(" {} and {}.", holders[0].email, holders[1].email);
    assert!(
        message.contains(&format!("marked?{named} The other")),
        "{message}"
    );
    keys(&mut app, "y");
    assert_eq!(store(&app).count_users(application, &tagged).unwrap(), 0);
    let batch = newest_batch(&app);
    let updated = batch.iter().filter(|e| e.op == "user.update").count();
    assert_eq!(updated, 2, "only the users that had the tag changed");
    // Nobody has it any more: nothing to ask, nothing written.
    let entries = store(&app).verify_audit().unwrap().entries;
    keys(&mut app, "*mT");
    type_text(&mut app, "cohort");
    key(&mut app, KeyCode::Enter);
    assert!(app.modal.is_none(), "no dialog: {:?}", app.modal);
    let status = app.session.status.as_ref().unwrap().text.clone();
    assert_eq!(
        status,
        "None of the marked users has tag cohort: nothing to remove"
    );
    assert_eq!(store(&app).verify_audit().unwrap().entries, entries);
}

#[test]
fn a_read_only_console_refuses_every_bulk_change() {
    let (dir, app) = console(60, SIZE);
    let path = store(&app).path().unwrap();
    drop(app);
    let store = Store::open_read_only(&path).unwrap();
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
    keys(&mut app, "  ");
    assert!(app.browse.marks.any(), "marking changes nothing: it works");
    let refused = |app: &App| {
        app.modal.is_none()
            && app
                .session
                .status
                .as_ref()
                .is_some_and(|s| s.text.starts_with("Read-only"))
    };
    for keys_pressed in ["d", "i", "m+", "m-", "mt", "mT", "md", "mi"] {
        app.session.status = None;
        keys(&mut app, keys_pressed);
        assert!(refused(&app), "{keys_pressed}: {:?}", app.modal);
    }
    assert_eq!(users(&app), 60);
    keys(&mut app, "mx");
    assert!(
        matches!(app.modal, Some(Modal::BulkPrompt(_))),
        "an export changes nothing: it is offered"
    );
    drop(dir);
}

#[test]
fn the_bulk_menu_exports_the_marked_users_and_asks_before_replacing_a_file() {
    let (_d, mut app) = console(60, SIZE);
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("marked.csv");
    filter(&mut app, "tag:plan=pro");
    keys(&mut app, "*");
    let matching = app.browse.marks.count.unwrap();
    keys(&mut app, "mx");
    type_text(&mut app, "marked.txt");
    key(&mut app, KeyCode::Enter);
    let Some(Modal::BulkPrompt(prompt)) = &app.modal else {
        panic!("{:?}", app.modal)
    };
    assert_eq!(
        prompt.error.as_deref(),
        Some("the name must end in .csv or .json")
    );
    for _ in 0.."marked.txt".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, &csv.display().to_string());
    key(&mut app, KeyCode::Enter);
    let message = dialog(&app);
    assert!(
        message.starts_with(&format!("Export {matching} users to {}? ", csv.display())),
        "{message}"
    );
    keys(&mut app, "y");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        written.lines().count() as u64,
        matching + 1,
        "a header and each user"
    );
    assert!(app.browse.marks.any(), "an export keeps the marks");
    // Again to the same file: the dialog says it replaces it, and No keeps it.
    std::fs::write(&csv, "kept").unwrap();
    keys(&mut app, "mx");
    type_text(&mut app, &csv.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).ends_with("The file there is replaced."));
    keys(&mut app, "n");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "kept");
    let files = std::fs::read_dir(out.path()).unwrap().count();
    assert_eq!(files, 1, "no part file is left behind");
}

#[test]
fn marks_work_in_the_in_a_group_and_in_no_group_panes() {
    let (_d, mut app) = console(60, SIZE);
    let grouped = app.browse.counts.grouped;
    let ungrouped = app.browse.counts.ungrouped;
    keys(&mut app, "2");
    let two: Vec<UserId> = app.browse.list.rows[..2].iter().map(|r| r.id).collect();
    space(&mut app);
    space(&mut app);
    assert_eq!(marked_rows(&app), two);
    assert!(
        screen(&app).contains("In a group · 2 marked"),
        "{}",
        screen(&app)
    );
    // Pane 3 shows none of them; `*` there adds everyone in no group.
    keys(&mut app, "3");
    assert!(marked_rows(&app).is_empty());
    keys(&mut app, "*");
    assert_eq!(marked_rows(&app).len(), app.browse.list.rows.len());
    assert_eq!(app.browse.marks.count, Some(ungrouped + 2));
    keys(&mut app, "2");
    assert_eq!(marked_rows(&app), two, "pane 2's marks stayed");
    keys(&mut app, "d");
    let n = ungrouped + 2;
    assert!(dialog(&app).starts_with(&format!("Delete {n} users? ")));
    keys(&mut app, "y");
    assert_eq!(users(&app), 60 - n);
    assert_eq!(app.browse.counts.ungrouped, 0);
    assert_eq!(app.browse.counts.grouped, grouped - 2);
}

#[test]
fn a_failure_mid_job_says_so_keeps_the_marks_and_changes_nothing() {
    let (_d, mut app) = console(MANY, SIZE);
    let path = store(&app).path().unwrap();
    // A failure planted on the last user, in the job's last chunk.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER fail_users BEFORE DELETE ON users
             WHEN OLD.id = (SELECT max(id) FROM users)
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END;",
        )
        .unwrap();
    let before = dump(&path);
    keys(&mut app, "*dy");
    assert!(app.job.is_none());
    let (text, kind) = status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.contains("planted failure"), "{text}");
    assert!(text.ends_with("nothing was changed"), "{text}");
    assert_eq!(app.browse.marks.count, Some(MANY), "the marks stay");
    assert_eq!(dump(&path), before, "every row of every table as it was");
}

#[test]
fn the_bulk_menu_exports_the_marked_users_as_json() {
    let (_d, mut app) = console(60, SIZE);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("marked.json");
    let marked: Vec<String> = app.browse.list.rows[..3]
        .iter()
        .map(|r| r.email.clone())
        .collect();
    keys(&mut app, "   mx");
    type_text(&mut app, &file.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).starts_with("Export 3 users to "));
    keys(&mut app, "y");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        written["format"], "xusers-users",
        "the users export document"
    );
    let users = written["users"].as_array().expect("its users");
    let emails: Vec<&str> = users.iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, marked);
    assert!(
        users.iter().all(|u| u.get("password_hash").is_none()),
        "no hash leaves the console"
    );
    assert_eq!(
        status(&app).0,
        format!("Exported 3 users to {}", file.display())
    );
}

/// Lets the job shut behind `gate` run a few SQL steps at a time until it reports
/// progress past its start, and leaves it stopped there, short of its end.
fn stop_mid_way(app: &mut App, gate: &Gate) -> BulkProgress {
    loop {
        gate.let_through(20_000);
        gate.wait_for_stopped(1);
        while let Some(Event::Done(done)) = app.next_event(Duration::from_millis(1)) {
            update(app, done);
        }
        let progress = app.job.as_ref().expect("the job runs").progress;
        if progress.done > 0 {
            assert!(progress.done < progress.total, "{progress:?}");
            return progress;
        }
    }
}

/// More users than two chunks of a bulk job (2,000 each), so a cancel lands between
/// chunks, after writes.
const MANY: u64 = 5_000;

#[test]
fn esc_cancels_a_job_mid_way_and_the_database_stays_as_it_was() {
    let (_d, mut app, gate) = gated_console(MANY, SIZE);
    let path = store(&app).path().unwrap();
    keys(&mut app, "*d");
    assert!(dialog(&app).starts_with("Delete 5,000 users? "));
    let before = dump(&path);
    gate.shut();
    press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    let progress = stop_mid_way(&mut app, &gate);
    assert_eq!(progress.total, MANY);
    // Browsing goes on; changes wait.
    press(&mut app, KeyCode::Char('j'), KeyModifiers::NONE);
    assert_eq!(app.browse.list.selected, 1);
    for change in ['a', 'e', 'm', 'd', 'i', 'I'] {
        app.session.status = None;
        press(&mut app, KeyCode::Char(change), KeyModifiers::NONE);
        assert!(app.form.is_none() && app.modal.is_none(), "{change}");
        assert_eq!(
            status(&app),
            (JOB_RUNNING.into(), StatusKind::Error),
            "{change}"
        );
    }
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.job.as_ref().unwrap().cancelling());
    assert!(screen(&app).contains("Cancelling"));
    gate.open();
    finish_background(&mut app);
    assert!(app.job.is_none());
    assert_eq!(
        status(&app),
        ("Cancelled: nothing was changed".into(), StatusKind::Error)
    );
    assert_eq!(dump(&path), before, "every row of every table as it was");
    assert_eq!(app.browse.marks.count, Some(MANY), "the marks stay");
}

#[test]
fn esc_cancels_an_export_mid_way_and_leaves_no_file() {
    let (_d, mut app, gate) = gated_console(MANY, SIZE);
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("marked.csv");
    keys(&mut app, "*mx");
    type_text(&mut app, &csv.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(dialog(&app).starts_with("Export 5,000 users to "));
    gate.shut();
    press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    stop_mid_way(&mut app, &gate);
    let files = std::fs::read_dir(out.path()).unwrap().count();
    assert_eq!(files, 1, "rows are being written to a part file");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    gate.open();
    finish_background(&mut app);
    assert_eq!(
        status(&app),
        ("Cancelled: nothing was written".into(), StatusKind::Error)
    );
    let files = std::fs::read_dir(out.path()).unwrap().count();
    assert_eq!(files, 0, "neither the file nor a part of it");
}

#[test]
fn esc_in_a_groups_members_view_cancels_the_job_there() {
    let (_d, mut app, gate) = gated_console(MANY, SIZE);
    let path = store(&app).path().unwrap();
    // Acme and its subgroups: more members than one chunk.
    open_members(&mut app, "Acme");
    keys(&mut app, "*d");
    assert!(
        app.browse.marks.count > Some(2_000),
        "{:?}",
        app.browse.marks
    );
    let before = dump(&path);
    gate.shut();
    press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    stop_mid_way(&mut app, &gate);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.browse.members.is_some(), "still in the members view");
    assert!(
        app.job.as_ref().unwrap().cancelling(),
        "Esc cancels the job"
    );
    gate.open();
    finish_background(&mut app);
    assert_eq!(
        status(&app),
        ("Cancelled: nothing was changed".into(), StatusKind::Error)
    );
    assert_eq!(dump(&path), before);
    assert!(app.browse.members.is_some());
}

/// Snapshots of what marks and bulk work look like (each read line by line).
mod looks {
    use super::*;
    use common::assert_snapshot;
    use common::backend::Backend;
    use rstest::rstest;

    /// Two rows marked by Space, the second selected, at `size`, on `backend`; `None`
    /// where it cannot run here.
    fn two_marked(backend: Backend, size: (u16, u16)) -> Option<(Option<tempfile::TempDir>, App)> {
        let (d, mut app) = console_on_backend(backend, 60, size)?;
        keys(&mut app, "j  k");
        Some((d, app))
    }

    #[rstest]
    fn marked_rows_show_in_the_gutter_and_the_title_counts_them(
        #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
    ) {
        let Some((_d, app)) = two_marked(backend, SIZE) else {
            return;
        };
        let text = screen(&app);
        assert!(
            text.contains("│▶●amelie.kim"),
            "the selected row is marked\n{text}"
        );
        assert!(text.contains("│ ●alice.smith"), "{text}");
        assert!(text.contains(" d delete 2 marked "), "{text}");
        assert_snapshot!("marked_rows", text);
        let Some((_d, app)) = two_marked(backend, (40, 12)) else {
            return;
        };
        assert_snapshot!("marked_rows_40x12", screen(&app));
    }

    #[rstest]
    fn the_bulk_menu(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
        let Some((_d, mut app)) = two_marked(backend, SIZE) else {
            return;
        };
        keys(&mut app, "m");
        assert_snapshot!("bulk_menu", screen(&app));
        let Some((_d, mut app)) = two_marked(backend, (40, 12)) else {
            return;
        };
        keys(&mut app, "m");
        let text = screen(&app);
        assert!(
            text.contains(" ↓ 2 more "),
            "Delete and Export… below\n{text}"
        );
        assert_snapshot!("bulk_menu_40x12", text);
        // Up from the first item: the last, scrolled into sight.
        keys(&mut app, "k");
        let text = screen(&app);
        assert!(text.contains(" Export…"), "{text}");
        assert!(text.contains(" ↑ 2 more "), "{text}");
        assert!(!text.contains("↓"), "{text}");
        assert_snapshot!("bulk_menu_40x12_scrolled", text);
    }

    #[rstest]
    fn each_bulk_dialog(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
        // Only asked, never written: a path relative to where the tests run.
        let csv = "marked.csv";
        let steps: [(&str, &[&str]); 7] = [
            ("delete", &["d"]),
            ("invalidate", &["i"]),
            ("add_to_group", &["m+", "\n"]),
            ("remove_from_group", &["m-", "\n"]),
            ("set_tag", &["mt", "plan=pro", "\n"]),
            ("remove_tag", &["mT", "plan", "\n"]),
            ("export", &["mx", csv, "\n"]),
        ];
        for (name, typed) in steps {
            let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
                return;
            };
            keys(&mut app, "*");
            for text in typed {
                match *text {
                    "\n" => key(&mut app, KeyCode::Enter),
                    text => type_text(&mut app, text),
                }
            }
            let text = screen(&app);
            assert!(text.contains("60 users"), "{name}\n{text}");
            assert!(text.contains("[ Cancel ]"), "{name}\n{text}");
            assert_snapshot!(format!("bulk_dialog_{name}"), text);
        }
        let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
            return;
        };
        keys(&mut app, "*d");
        assert_snapshot!("bulk_dialog_delete_40x12", screen(&app));
    }

    #[rstest]
    fn the_tag_prompt_with_its_error_and_the_group_picker(
        #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
    ) {
        let Some((_d, mut app)) = two_marked(backend, (80, 24)) else {
            return;
        };
        keys(&mut app, "mt");
        type_text(&mut app, "two words=1");
        key(&mut app, KeyCode::Enter);
        assert_snapshot!("bulk_tag_prompt_error", screen(&app));
        let Some((_d, mut app)) = two_marked(backend, (80, 24)) else {
            return;
        };
        keys(&mut app, "m+j");
        assert_snapshot!("bulk_group_picker", screen(&app));
        let Some((_d, mut app)) = two_marked(backend, (40, 12)) else {
            return;
        };
        keys(&mut app, "m+");
        assert_snapshot!("bulk_group_picker_40x12", screen(&app));
    }

    #[test]
    fn the_progress_bar_of_a_job() {
        for (name, size) in [
            ("bulk_progress", (80, 24)),
            ("bulk_progress_40x12", (40, 12)),
        ] {
            let (_d, mut app, gate) = gated_console(60, size);
            keys(&mut app, "*d");
            gate.shut();
            press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
            gate.wait_for_stopped(1);
            let job = app.job.as_mut().unwrap();
            // The marked count, as the job reports it: 24 of the 60 done.
            job.progress = BulkProgress {
                done: 24,
                total: 60,
            };
            job.elapsed = Duration::from_secs(8);
            let text = screen(&app);
            assert!(text.contains("Deleting 24/60"), "{text}");
            assert_snapshot!(name, text);
            press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
            gate.open();
            finish_background(&mut app);
            assert_eq!(users(&app), 60);
        }
    }

    /// At 80 columns an invalidation of a million users still shows its rate and the
    /// time left, a fast one "under a second" (not "0 seconds").
    #[test]
    fn a_fast_invalidations_progress_shows_its_rate_and_time_left_at_80_columns() {
        let (_d, mut app, gate) = gated_console(60, (80, 24));
        keys(&mut app, "*i");
        gate.shut();
        press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
        gate.wait_for_stopped(1);
        let job = app.job.as_mut().unwrap();
        job.progress = BulkProgress {
            done: 600_000,
            total: 999_999,
        };
        job.elapsed = Duration::from_millis(1_500);
        let text = screen(&app);
        let line = (text.lines())
            .find(|l| l.contains("Invalidating 600,000/999,999"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("60%"), "{line}");
        assert!(line.contains("under a second left"), "{line}");
        assert!(line.contains("400,000/s"), "{line}");
        press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        gate.open();
        finish_background(&mut app);
    }
}
