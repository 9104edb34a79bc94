//! A database that cannot be used gives one clear message, never a panic.

mod common;

use common::cli::*;
use predicates::prelude::*;
use xusers::store::Store;

#[test]
fn unusable_files_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let random = dir.path().join("random.db");
    std::fs::write(
        &random,
        (0..8192u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let good = dir.path().join("good.db");
    {
        let mut store = Store::open(&good).unwrap();
        let app = store.application("default").unwrap().id;
        xusers::demo::seed_demo(&mut store, app, 300, 1_800_000_000, |_| ()).unwrap();
    }
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();

    let message = |path: &std::path::Path| match Store::open(path) {
        Ok(_) => "opened".to_string(),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        message(dir.path()),
        "it is a directory, not a database file"
    );
    assert_eq!(
        message(&random),
        "it is not an xusers (SQLite) database file"
    );
    assert!(
        message(&truncated).starts_with("the database file is damaged"),
        "{}",
        message(&truncated)
    );
}

#[test]
fn the_cli_exits_non_zero_naming_the_file() {
    let env = Env::new();
    std::fs::write(env.db(), b"this is not a database, just text").unwrap();
    env.cmd()
        .args(["users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot open"))
        .stderr(predicate::str::contains(
            "not an xusers (SQLite) database file",
        ));
    env.bare()
        .env("XUSERS_DB", env.dir.path())
        .args(["users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("it is a directory"));
}

#[test]
fn a_long_write_lock_elsewhere_reads_as_busy_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let mut store = Store::open(&path).unwrap();
    store
        .set_busy_timeout(std::time::Duration::from_millis(200))
        .unwrap();
    let app = store.application("default").unwrap().id;
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Opening and reading do not wait for the writer (they would fail as busy).
    let mut reader = Store::open(&path).unwrap();
    reader
        .set_busy_timeout(std::time::Duration::from_millis(200))
        .unwrap();
    assert_eq!(reader.scope_counts(app).unwrap().all, 0);
    // Nor does the console's "create the application on first use" when it exists.
    assert_eq!(reader.application("default").unwrap().id, app);
    let user = common::draft("ann@acme.io").validate_new().unwrap();
    let err = store.create_user(app, &user, common::hash()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the database is busy (another program is writing to it); try again"
    );
    other.execute_batch("ROLLBACK").unwrap();
    // Once the lock is gone the same write goes through.
    store.create_user(app, &user, common::hash()).unwrap();
    assert_eq!(store.scope_counts(app).unwrap().all, 1);
}
