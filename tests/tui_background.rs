//! The console's background path, as its loop drives it: `busy` says work runs off the
//! UI thread, and what finished arrives on the console's one channel. A password hash
//! arriving saves the form; a hashing worker that dies leaves the form open, with an
//! error and the edit kept, never on "Saving…" for ever.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::action::Action;
use xusers::tui::app::App;
use xusers::tui::events::{Event, spawn_worker};
use xusers::tui::session::StatusKind;
use xusers::tui::update::update;

const SIZE: (u16, u16) = (120, 30);

/// Opens the add form and fills in an email and a password.
fn fill_new_user(app: &mut App, email: &str) {
    keys(app, "a");
    type_text(app, email);
    key(app, KeyCode::Tab);
    type_text(app, "long-enough-pw");
}

/// Ctrl-S, without waiting for the hash it starts.
fn save(app: &mut App) {
    press(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
}

/// What the loop waits for: the next finished piece of work on the channel.
fn next_background_action(app: &mut App) -> Action {
    match app.next_event(Duration::from_secs(30)) {
        Some(Event::Done(done)) => done,
        Some(Event::Terminal(_)) => panic!("no terminal in a test"),
        None => panic!("nothing arrived"),
    }
}

#[test]
fn a_hash_arriving_saves_the_form() {
    let (_d, mut app) = console(20, SIZE);
    assert!(!app.busy());
    assert!(app.next_event(Duration::ZERO).is_none(), "nothing runs yet");
    fill_new_user(&mut app, "hash.arrives@acme.io");
    save(&mut app);
    assert!(app.busy(), "the hash is computed off the UI thread");
    assert!(screen(&app).contains("Saving…"));
    let done = next_background_action(&mut app);
    assert!(matches!(done, Action::PasswordHashed(_)), "{done:?}");
    assert!(app.next_event(Duration::ZERO).is_none(), "taken once");
    update(&mut app, done);
    assert!(app.busy(), "the write runs off the UI thread too");
    finish_background(&mut app);
    assert!(!app.busy());
    assert!(app.form.is_none(), "saved and closed");
    let id = app
        .session
        .store
        .find_user(app.session.application.id, "hash.arrives@acme.io")
        .unwrap();
    assert!(
        app.session
            .store
            .login(
                app.session.application.id,
                "hash.arrives@acme.io",
                "long-enough-pw"
            )
            .is_ok()
    );
    assert_eq!(app.browse.list.selected_row().unwrap().id, id);
}

#[test]
fn a_hashing_worker_that_dies_shows_an_error_and_keeps_the_edit() {
    let (_d, mut app) = console(20, SIZE);
    fill_new_user(&mut app, "worker.dies@acme.io");
    save(&mut app);
    assert!(app.form.as_ref().unwrap().saving);
    // The hash the save asked for is dropped on the way; a worker that dies before
    // sending stands in for it.
    let dropped = next_background_action(&mut app);
    assert!(matches!(dropped, Action::PasswordHashed(_)), "{dropped:?}");
    spawn_worker(
        app.outbox(),
        || panic!("the hashing worker dies"),
        Action::HashingFailed,
    );

    let done = next_background_action(&mut app);
    assert_eq!(done, Action::HashingFailed);
    update(&mut app, done);
    assert!(!app.busy(), "the loop stops waiting");
    let form = app.form.as_ref().expect("the form stays open");
    assert!(!form.saving);
    assert_eq!(
        form.email.value(),
        "worker.dies@acme.io",
        "the edit is kept"
    );
    assert_eq!(form.password.value(), "long-enough-pw");
    let status = app.session.status.as_ref().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(
        status.text,
        "The password could not be hashed; nothing was saved. Ctrl-S tries again"
    );
    let shown = screen(&app);
    assert!(!shown.contains("Saving…"), "{shown}");
    assert!(shown.contains("could not be hashed"), "{shown}");
    assert_eq!(
        app.session
            .store
            .scope_counts(app.session.application.id)
            .unwrap()
            .all,
        20
    );

    // Ctrl-S tries again, and this time the hash arrives.
    save(&mut app);
    finish_background(&mut app);
    assert!(app.form.is_none());
    assert_eq!(
        app.session
            .store
            .scope_counts(app.session.application.id)
            .unwrap()
            .all,
        21
    );
}

/// The nice value of a thread, from its `/proc/…/stat` line (the 19th field; the
/// command name before it may hold spaces).
#[cfg(target_os = "linux")]
fn nice(stat: &str) -> i64 {
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let field = after_name.split(' ').nth(19 - 3).expect("the nice field");
    field.parse().expect("a number")
}

#[cfg(target_os = "linux")]
fn own_nice() -> i64 {
    nice(&std::fs::read_to_string("/proc/thread-self/stat").unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn every_thread_working_for_the_console_runs_nicer_than_its_ui_thread_and_counts_nicest() {
    use xusers::tui::background::Priority;
    let (_d, mut app) = console(20, SIZE);
    let ui = own_nice();
    let nicer = |by: Priority| (ui + by as i64).min(19);
    let (background, lowest) = (nicer(Priority::Background), nicer(Priority::Lowest));
    assert!(
        ui < background && background < lowest,
        "priorities to lower to: run the tests at nice 0, not {ui}"
    );
    // Readers, counter, writer and bulk worker wait for work as long as the console
    // lives. (Tests run side by side: other consoles' workers are listed too.)
    let mut workers = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        // A thread may end while it is read: it is then left out.
        let (Ok(name), Ok(stat)) = (
            std::fs::read_to_string(task.join("comm")),
            std::fs::read_to_string(task.join("stat")),
        ) else {
            continue;
        };
        if name.starts_with("xusers-") {
            workers.push((name.trim().to_string(), nice(&stat)));
        }
    }
    for kind in [
        "xusers-reader",
        "xusers-counter",
        "xusers-writer",
        "xusers-bulk",
    ] {
        assert!(
            workers.iter().any(|(n, _)| n == kind),
            "{kind}: {workers:?}"
        );
    }
    for (name, nice) in &workers {
        let expected = if name == "xusers-counter" || name == "xusers-members" {
            lowest
        } else {
            background
        };
        assert_eq!(
            *nice, expected,
            "{name}, the UI thread at {ui}: {workers:?}"
        );
    }
    // A worker started for one job (hashing a password) too.
    spawn_worker(
        app.outbox(),
        || Action::Tick(own_nice()),
        Action::HashingFailed,
    );
    assert_eq!(next_background_action(&mut app), Action::Tick(background));
    assert_eq!(own_nice(), ui, "the UI thread keeps its priority");
}

/// What a console's threads named `thread` did on their connections: how many they
/// opened and the steps of SQL run on them.
struct ReadAhead {
    opened: std::sync::Arc<std::sync::atomic::AtomicU64>,
    steps: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// A console of 20 users whose connections opened by threads named `thread` are counted.
fn reading_ahead_on(thread: &'static str) -> (tempfile::TempDir, App, ReadAhead) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use xusers::store::Store;
    use xusers::tui::query_worker::Connect;

    let (dir, _) = console(20, SIZE);
    let ahead = ReadAhead {
        opened: Arc::new(AtomicU64::new(0)),
        steps: Arc::new(AtomicU64::new(0)),
    };
    let (counted_open, counted_steps) = (ahead.opened.clone(), ahead.steps.clone());
    let connect: Connect = Arc::new(move |location| {
        let mut store = Store::open(location.clone())?;
        if std::thread::current().name() == Some(thread) {
            counted_open.fetch_add(1, Ordering::SeqCst);
            let steps = counted_steps.clone();
            store.on_progress(1, move || {
                steps.fetch_add(1, Ordering::SeqCst);
                false
            });
        }
        Ok(store)
    });
    let mut store = Store::open(&dir.path().join("demo.db")).unwrap();
    let application = store.application("default").unwrap();
    let app = console_over(store, application, SIZE, Some(connect));
    (dir, app, ahead)
}

/// Once the first frame shows, the other sort orders' first pages are read ahead once,
/// on a connection of the thread that reads them, which ends when done.
#[test]
fn the_sort_orders_are_read_ahead_once_after_the_first_frame() {
    let (_dir, mut app, ahead) = reading_ahead_on("xusers-sorts");
    let (opened, steps) = (&ahead.opened, &ahead.steps);
    assert_eq!(
        opened.load(Ordering::SeqCst),
        0,
        "not before the first frame"
    );
    finish_background(&mut app);
    assert!(!app.browse.stale() && app.browse.count_pending.is_none());
    assert_eq!(
        opened.load(Ordering::SeqCst),
        1,
        "read ahead once it showed"
    );
    assert!(steps.load(Ordering::SeqCst) > 0, "pages were read");
    // Other frames read nothing more ahead.
    for key in ['s', 'S', '2', '1'] {
        keys(&mut app, &key.to_string());
    }
    assert_eq!(opened.load(Ordering::SeqCst), 1);
    assert!(!app.busy());
}

#[test]
fn a_groups_members_are_read_ahead_once_when_its_view_first_shows() {
    let (_dir, mut app, ahead) = reading_ahead_on("xusers-members");
    let (opened, steps) = (&ahead.opened, &ahead.steps);
    finish_background(&mut app);
    keys(&mut app, "4");
    assert_eq!(opened.load(Ordering::SeqCst), 0, "not for the tree");
    key(&mut app, KeyCode::Enter);
    assert!(app.browse.members.is_some(), "the members view");
    assert_eq!(
        opened.load(Ordering::SeqCst),
        1,
        "read ahead once it showed"
    );
    assert!(steps.load(Ordering::SeqCst) > 0, "rows were read");
    // Filters, sorts and the same group again read nothing more ahead.
    keys(&mut app, "/a");
    key(&mut app, KeyCode::Enter);
    for key_text in ["s", "t", "t"] {
        keys(&mut app, key_text);
    }
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(app.groups.is_some(), "back in the tree");
    key(&mut app, KeyCode::Enter);
    assert_eq!(opened.load(Ordering::SeqCst), 1);
    // Another group's members are read ahead in turn.
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "j");
    key(&mut app, KeyCode::Enter);
    assert!(app.browse.members.is_some());
    assert_eq!(opened.load(Ordering::SeqCst), 2);
    assert!(!app.busy());
}
