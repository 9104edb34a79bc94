//! A PostgreSQL query is cancelled through its connection's interrupt handle, as
//! SQLite's is interrupted: the console's query worker cancels the read a newer key
//! superseded, and tells the cancellation apart from a failure.

mod common;

use std::time::{Duration, Instant};

use common::pg;
use postgres::{Client, NoTls};
use xusers::domain::UserDraft;
use xusers::store::{InterruptHandle, Store};

/// The advisory lock every write transaction takes first (src/store/postgres/mod.rs).
const WRITE_LOCK: i64 = 0x7875_7365_7277;

#[test]
fn a_query_waiting_on_the_server_is_cancelled_by_its_interrupt_handle() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let mut store = Store::open(database.parse::<xusers::store::Location>().unwrap()).unwrap();
    let app = store.existing_application("default").unwrap().id;
    // Another session holds the write lock: the store's next write waits for it. It
    // lets go once the write has returned, or 10 s after the cancel: a write the cancel
    // did not stop then succeeds (and the test fails) rather than hang.
    let handle = store.interrupt_handle();
    let (locked, is_locked) = std::sync::mpsc::channel();
    let (returned, has_returned) = std::sync::mpsc::channel::<()>();
    let same_database = database.clone();
    let cancel = std::thread::spawn(move || {
        let mut blocker = Client::connect(&same_database, NoTls).unwrap();
        let mut lock = blocker.transaction().unwrap();
        lock.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .unwrap();
        locked.send(()).unwrap();
        let mut watcher = Client::connect(&same_database, NoTls).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut interrupted = false;
        // Once the store's write waits on the lock, cancel it.
        while !interrupted && Instant::now() < deadline {
            let waiting: i64 = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database()
                       AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
                    &[],
                )
                .unwrap()
                .get(0);
            if waiting > 0 {
                handle.interrupt();
                interrupted = true;
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = has_returned.recv_timeout(Duration::from_secs(10));
        lock.commit().unwrap();
        interrupted
    });
    is_locked.recv().unwrap();
    let user = UserDraft {
        email: "ann@x.io".into(),
        password: Some(common::PASSWORD.into()),
        ..Default::default()
    }
    .validate_new()
    .unwrap();
    let started = Instant::now();
    let written = store.create_user(app, &user, common::hash());
    let _ = returned.send(());
    assert!(cancel.join().unwrap(), "the write never waited");
    let cancelled = written.unwrap_err();
    assert!(cancelled.is_interrupted(), "{cancelled}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Nothing was written; the connection serves the next query.
    assert_eq!(store.scope_counts(app).unwrap().all, 0);
    store.create_user(app, &user, common::hash()).unwrap();
    assert_eq!(store.scope_counts(app).unwrap().all, 1);
}

/// The helper connection of a split walk runs nothing on PostgreSQL: stopping it
/// sends no cancel request (each would open a connection, at every keystroke).
#[test]
fn a_helper_connection_on_postgresql_has_nothing_to_cancel() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let store = Store::open(database.parse::<xusers::store::Location>().unwrap()).unwrap();
    assert!(matches!(
        store.helper_interrupt_handle(),
        InterruptHandle::Nothing
    ));
    assert!(matches!(
        store.interrupt_handle(),
        InterruptHandle::Postgres(_)
    ));
    let sqlite = Store::open_in_memory().unwrap();
    assert!(matches!(
        sqlite.helper_interrupt_handle(),
        InterruptHandle::Sqlite(_)
    ));
}
