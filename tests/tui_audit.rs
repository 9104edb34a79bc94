//! The audit log in the console: pane 5 (newest first, keyset pages, filter), an entry
//! opened whole, a user's history over the form, and the entry every console action
//! that changes something leaves.

mod common;

use common::assert_snapshot;
use common::backend::{Backend, fresh};
use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use serde_json::{Value, json};
use tempfile::TempDir;
use xusers::demo::seed_demo;
use xusers::domain::UserDraft;
use xusers::store::{Actor, AuditEntry, AuditPage, AuditQuery, Source};
use xusers::tui::app::{App, Modal};
use xusers::tui::keymap::Context;
use xusers::tui::pane::Pane;

const SIZE: (u16, u16) = (120, 30);

/// A console over `users` demo users, whose changes name `admin@test`.
/// `None` where `backend` cannot run here.
fn audited_console(backend: Backend, users: u64) -> Option<(Option<TempDir>, App)> {
    let (mut store, application, dir) = fresh(backend)?.split();
    store.set_actor(Actor::named("admin@test", Source::Cli).unwrap());
    seed_demo(&mut store, application, users, NOW, |_| ()).unwrap();
    let application = store.existing_application("default").unwrap();
    let mut app = console_over(store, application, SIZE, None);
    finish_background(&mut app);
    Some((dir, app))
}

/// The screen with every date and time of day (entries are stamped with the real
/// clock) written as its pattern, `YYYY-MM-DD hh:mm:ss.mmm`, so that snapshots do not
/// drift; each keeps its width.
fn timeless(screen: &str) -> String {
    let mut out: Vec<char> = screen.chars().collect();
    for (pattern, shown) in [
        ("dddd-dd-dd", "YYYY-MM-DD"),
        ("dd:dd:dd.ddd", "hh:mm:ss.mmm"),
        ("dd:dd:dd", "hh:mm:ss"),
        ("dd-dd dd:dd", "MM-DD hh:mm"),
        ("dd:dd", "hh:mm"),
    ] {
        let pattern: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i + pattern.len() <= out.len() {
            let fits = pattern.iter().zip(&out[i..]).all(|(p, c)| match p {
                'd' => c.is_ascii_digit(),
                p => p == c,
            });
            if fits {
                out.splice(i..i + pattern.len(), shown.chars());
                i += pattern.len();
            } else {
                i += 1;
            }
        }
    }
    out.into_iter().collect()
}

fn newest(app: &App) -> AuditEntry {
    app.session
        .store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()
        .remove(0)
}

/// Ann's edit, made beforehand, gives the entry and the history something to show.
fn edit_ann(app: &mut App) -> String {
    let store = &mut app.session.store;
    let id = app.session.application.id;
    let user = store
        .list_users(id, &Default::default(), &xusers::store::Page::First(1))
        .unwrap()
        .remove(0);
    let draft = UserDraft {
        email: user.email.clone(),
        first_name: "Annabel".into(),
        last_name: user.last_name.clone(),
        groups: vec![],
        tags: vec![
            ("plan".into(), "enterprise".into()),
            ("seat".into(), "42".into()),
        ],
        password: Some("a brand new secret".into()),
    };
    let changes = draft.validate_changes().unwrap();
    let hash = xusers::auth::PasswordHash::new(changes.password.as_ref().unwrap());
    store
        .update_user(id, user.id, &changes, Some(&hash), None)
        .unwrap();
    user.email
}

#[rstest]
fn pane_five_lists_the_log_newest_first(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = audited_console(backend, 20) else {
        return;
    };
    edit_ann(&mut app);
    keys(&mut app, "5");
    assert_eq!(app.context(), Context::Audit);
    let screen = timeless(&screen(&app));
    assert!(
        screen.contains("user.password") && screen.contains("user.update"),
        "{screen}"
    );
    assert!(!screen.contains("a brand new secret") && !screen.contains("$argon2"));
    assert_snapshot!("audit_pane", screen);
}

/// At 80 and 40 columns the table keeps whole columns: a short time, then the actor
/// (80) and the op and target, each cut with `…` (an email keeps its whole domain, or
/// is cut at its end when the domain does not fit) — never a value cut so that it
/// reads like another.
#[rstest]
fn narrow_windows_keep_whole_columns_and_mark_every_cut(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = audited_console(backend, 20) else {
        return;
    };
    let long = "someone.with.a.long.address@example-company.com";
    let store = &mut app.session.store;
    let application = app.session.application.id;
    common::add(store, application, common::draft(long));
    store.create_group(application, "Sales EMEA", None).unwrap();
    // The header counts the user just added.
    act(&mut app, xusers::tui::action::Action::Reload);
    for (size, shown) in [
        (
            (80, 10),
            vec![
                "ACTOR",
                "admin@test",
                "group.create",
                "someo…@example-company.com",
            ],
        ),
        ((40, 10), vec!["group.crea…", "someone.wit…"]),
    ] {
        act(
            &mut app,
            xusers::tui::action::Action::Resize(size.0, size.1),
        );
        keys(&mut app, "5");
        let screen = timeless(&screen(&app));
        for text in shown {
            assert!(screen.contains(text), "{size:?}: {text}\n{screen}");
        }
        assert!(screen.contains("MM-DD hh:mm"), "{screen}");
        assert_snapshot!(format!("audit_pane_{}x{}", size.0, size.1), screen);
        keys(&mut app, "1");
    }
}

/// A small window shows a long entry a part at a time: every change can be scrolled to.
#[test]
fn a_long_entry_scrolls_to_its_last_change_in_a_small_window() {
    let (_d, mut app) = audited_console(Backend::Sqlite, 20).unwrap();
    edit_ann(&mut app);
    app.session.size = (40, 12);
    keys(&mut app, "5j");
    key(&mut app, KeyCode::Enter);
    let first = screen(&app);
    assert!(first.contains("scroll"), "{first}");
    assert!(
        !first.contains("tag:seat"),
        "the last change is below: {first}"
    );
    for _ in 0..6 {
        key(&mut app, KeyCode::PageDown);
    }
    let last = screen(&app);
    assert!(last.contains("tag:seat") && last.contains("→ 42"), "{last}");
    for _ in 0..6 {
        key(&mut app, KeyCode::PageUp);
    }
    assert_eq!(screen(&app), first, "back to the top");
}

#[rstest]
fn enter_opens_an_entry_with_every_change_before_and_after(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = audited_console(backend, 20) else {
        return;
    };
    let email = edit_ann(&mut app);
    keys(&mut app, "5j");
    assert_eq!(
        app.audit.as_ref().unwrap().selected_entry().unwrap().op,
        "user.update"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::AuditEntry);
    let screen = timeless(&screen(&app));
    assert!(
        screen.contains(&email) && screen.contains("tag:plan") && screen.contains("→ enterprise"),
        "{screen}"
    );
    assert_snapshot!("audit_entry", screen);
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        app.context(),
        Context::Audit,
        "Esc closes the entry, not the pane"
    );
}

#[rstest]
fn the_form_shows_the_users_history_on_ctrl_o(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = audited_console(backend, 20) else {
        return;
    };
    edit_ann(&mut app);
    keys(&mut app, "e");
    key_with(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    let Some(Modal::History {
        entries: Some(entries),
        ..
    }) = &app.modal
    else {
        panic!("{:?}", app.modal);
    };
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(
        ops,
        ["user.password", "user.update"],
        "newest first, this user's only"
    );
    let screen = timeless(&screen(&app));
    assert!(
        !screen.contains("a brand new secret") && !screen.contains("$argon2"),
        "{screen}"
    );
    assert_snapshot!("audit_history", screen);
    key(&mut app, KeyCode::Esc);
    assert!(
        app.modal.is_none() && app.form.is_some(),
        "back to the form"
    );
    let footer = |app: &App| {
        common::console::screen(app)
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    assert!(footer(&app).contains("Ctrl-O history"), "{}", footer(&app));
    // The add form has no history yet: the footer does not offer it, and the key says
    // so and changes nothing.
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "a");
    assert!(!footer(&app).contains("history"), "{}", footer(&app));
    key_with(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(app.modal.is_none());
    assert!(
        app.session
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("no history")
    );
}

#[test]
fn tab_and_number_keys_reach_the_pane_and_leave_it() {
    let (_d, mut app) = audited_console(Backend::Sqlite, 20).unwrap();
    keys(&mut app, "3");
    key(&mut app, KeyCode::Tab);
    assert!(app.groups.is_some(), "the Groups pane (4) comes first");
    key(&mut app, KeyCode::Tab);
    assert!(app.audit.is_some(), "the tab after the Groups pane");
    key(&mut app, KeyCode::Tab);
    assert!(app.audit.is_none());
    assert_eq!(app.browse.pane, Pane::All);
    key(&mut app, KeyCode::BackTab);
    assert!(app.audit.is_some(), "and before the first");
    keys(&mut app, "2");
    assert_eq!(
        (app.audit.is_none(), app.browse.pane),
        (true, Pane::Grouped)
    );
    // Help in the pane shows the pane's keys.
    keys(&mut app, "5?");
    let help = screen(&app);
    assert!(
        help.contains("Open the entry") && !help.contains("Delete the selected user"),
        "{help}"
    );
}

#[test]
fn the_filter_narrows_to_actor_target_or_op_and_esc_clears_it() {
    let (_d, mut app) = audited_console(Backend::Sqlite, 20).unwrap();
    let email = edit_ann(&mut app);
    keys(&mut app, "5/");
    assert_eq!(app.context(), Context::Filter);
    type_text(&mut app, "user.pass");
    key(&mut app, KeyCode::Enter);
    let log = app.audit.as_ref().unwrap();
    assert_eq!(
        log.selected_entry()
            .map(|e| (e.op.as_str(), e.target.label.as_str())),
        Some(("user.password", email.as_str()))
    );
    keys(&mut app, "j");
    assert_eq!(
        app.audit.as_ref().unwrap().selected_entry().unwrap().op,
        "user.password",
        "the only match"
    );
    assert!(screen(&app).contains("filter: user.pass"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.audit.as_ref().unwrap().filter.value(), "");
    assert_eq!(
        app.audit.as_ref().unwrap().selected_entry().unwrap().op,
        "user.password",
        "newest again"
    );
    keys(&mut app, "/");
    type_text(&mut app, "nothing like this");
    assert!(screen(&app).contains("No entry matches the filter"));
}

/// What an entry says, as compared below.
fn shown(entry: &AuditEntry) -> Value {
    json!({
        "op": entry.op,
        "target": [entry.target.kind, entry.target.label],
        "changes": entry.changes.as_json(),
        "actor": entry.actor,
        "source": entry.source,
    })
}

/// Every console action that changes something, and the entry it leaves.
#[test]
fn every_console_action_that_changes_something_leaves_its_entry() {
    let (_d, mut app) = audited_console(Backend::Sqlite, 20).unwrap();
    let expect = |op: &str, kind: &str, label: &str, changes: Value| json!({"op": op, "target": [kind, label], "changes": changes, "actor": "admin@test", "source": "console"});
    type Step = (
        &'static str,
        Box<dyn Fn(&mut App)>,
        Box<dyn Fn(&App) -> Value>,
    );
    let steps: Vec<Step> = vec![
        (
            "add a user (a … Ctrl-S)",
            Box::new(|app| {
                keys(app, "a");
                type_text(app, "zed@acme.io");
                key(app, KeyCode::Tab);
                type_text(app, "zed password");
                key(app, KeyCode::Tab);
                type_text(app, "Zed");
                key_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
                finish_background(app);
            }),
            Box::new(move |_| {
                expect(
                    "user.create",
                    "user",
                    "zed@acme.io",
                    json!({
                        "email": [null, "zed@acme.io"], "first_name": [null, "Zed"], "password": [null, "changed"],
                    }),
                )
            }),
        ),
        (
            "edit the user's name (e … Ctrl-S)",
            Box::new(|app| {
                keys(app, "e");
                key(app, KeyCode::Tab);
                key(app, KeyCode::Tab);
                type_text(app, "ie");
                key_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
                finish_background(app);
            }),
            Box::new(move |_| {
                expect(
                    "user.update",
                    "user",
                    "zed@acme.io",
                    json!({"first_name": ["Zed", "Zedie"]}),
                )
            }),
        ),
        (
            "change the password (e, tick, type, Ctrl-S)",
            Box::new(|app| {
                keys(app, "e");
                key(app, KeyCode::Tab);
                key(app, KeyCode::Char(' '));
                key(app, KeyCode::Tab);
                type_text(app, "another password");
                key_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
                finish_background(app);
            }),
            Box::new(move |_| {
                expect(
                    "user.password",
                    "user",
                    "zed@acme.io",
                    json!({"password": [null, "changed"]}),
                )
            }),
        ),
        (
            "invalidate the user's tokens (i y)",
            Box::new(|app| {
                // A session to end: the user logs in with the password just set.
                let id = app.session.application.id;
                app.session
                    .store
                    .login(id, "zed@acme.io", "another password")
                    .unwrap();
                keys(app, "iy");
            }),
            Box::new(move |_| {
                expect(
                    "tokens.invalidate",
                    "user",
                    "zed@acme.io",
                    json!({"tokens": [1, 0]}),
                )
            }),
        ),
        (
            "invalidate every token (I y)",
            Box::new(|app| keys(app, "Iy")),
            Box::new(move |_| {
                let users = json!({"signed_out_users": [null, 21]});
                expect("tokens.invalidate_all", "application", "default", users)
            }),
        ),
        (
            "delete the user (d y)",
            Box::new(|app| keys(app, "dy")),
            Box::new(move |_| {
                expect(
                    "user.delete",
                    "user",
                    "zed@acme.io",
                    json!({
                        "email": ["zed@acme.io", null], "first_name": ["Zedie", null],
                    }),
                )
            }),
        ),
    ];
    for (what, act, entry) in steps {
        let before = newest(&app).seq;
        act(&mut app);
        assert_eq!(
            app.session.status.as_ref().map(|s| s.kind),
            Some(xusers::tui::session::StatusKind::Info),
            "{what}: {:?}",
            app.session.status
        );
        let written = app
            .session
            .store
            .audit_page(&AuditQuery::default(), AuditPage::NewerThan(before, 10))
            .unwrap();
        assert_eq!(written.len(), 1, "{what}: {written:?}");
        assert_eq!(shown(&written[0]), entry(&app), "{what}");
        // The new user is selected after the add; keep it so for the next steps.
        if what.starts_with("add") {
            assert_eq!(selected_email(&app), "zed@acme.io");
        }
    }
}
