//! Killing xusers (SIGKILL) in the middle of a bulk write: the database passes
//! `PRAGMA integrity_check`, keeps every batch committed before the kill, and holds no
//! half-written user.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use xusers::store::Store;

const SEEDED: i64 = 60_000;

fn spawn(db: &Path, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("xusers"))
        .env_remove("XUSERS_DB")
        .env("XUSERS_LOG", "off")
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A reader beside the writer, as another process would have.
fn reader(db: &Path) -> Option<Connection> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    Some(conn)
}

/// Users other connections can see: only committed ones.
fn committed_users(db: &Path) -> Option<i64> {
    reader(db)?
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .ok()
}

/// Waits until `moment` holds, then kills the child while it is still running.
fn kill_when(mut child: Child, what: &str, mut moment: impl FnMut() -> bool) {
    let started = Instant::now();
    while !moment() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before {what}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{what} never came"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before {what}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Checks the database a kill left, before and after xusers repairs what the bulk
/// load had set aside; returns how many users it holds.
fn check_after_kill(db: &Path) -> i64 {
    let conn = Connection::open(db).unwrap();
    // Each user's stored group count was written with the user, and every user seeded
    // or imported here carries at least three tags: a half-written user breaks either.
    let half_written: i64 = conn
        .query_row(
            "SELECT count(*) FROM users u
             WHERE group_count != (SELECT count(*) FROM memberships m WHERE m.user_id = u.id)
                OR (SELECT count(*) FROM user_tags t WHERE t.user_id = u.id) < 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(half_written, 0, "users without their groups or tags");
    drop(conn);
    let store = Store::open(db).expect("opens after the kill");
    let app = store.existing_application("default").unwrap();
    let counts = store.scope_counts(app.id).unwrap();
    drop(store);
    let conn = Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let (all, grouped): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS
                 (SELECT 1 FROM memberships m WHERE m.user_id = users.id)) FROM users",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (counts.all as i64, counts.grouped as i64),
        (all, grouped),
        "the kept counters agree with the users"
    );
    all
}

/// Seeds the demo, kills it once `seen` users are committed (and, when `rebuilding`,
/// once it is rebuilding its indexes), and returns what was seen and what survived.
fn kill_seeding(seen: i64, rebuilding: bool) -> (i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seed.db");
    let child = spawn(&db, &["demo", "--users", &SEEDED.to_string()]);
    let mut observed = 0;
    kill_when(child, &format!("{seen} users"), || {
        observed = committed_users(&db).unwrap_or(0);
        observed >= seen && (!rebuilding || !has_search_index(&db))
    });
    (observed, check_after_kill(&db))
}

fn has_search_index(db: &Path) -> bool {
    reader(db).is_some_and(|c| {
        c.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'users_search'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .is_ok_and(|n| n > 0)
    })
}

#[test]
fn killing_demo_seeding_keeps_every_committed_batch() {
    for seen in [1, 20_000, 40_000] {
        let (observed, kept) = kill_seeding(seen, false);
        assert!(
            kept >= observed && kept <= SEEDED,
            "saw {observed}, kept {kept}"
        );
    }
}

#[test]
fn killing_demo_seeding_while_it_rebuilds_its_indexes_is_repaired() {
    let (observed, kept) = kill_seeding(SEEDED, true);
    assert_eq!((observed, kept), (SEEDED, SEEDED));
}

/// An import is one transaction: a kill leaves none of it or all of it.
#[test]
fn killing_an_import_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    let status = spawn(&source, &["demo", "--users", "20000"])
        .wait()
        .unwrap();
    assert!(status.success());
    let document = dir.path().join("users.json");
    let status = spawn(
        &source,
        &[
            "users",
            "export",
            "--with-password-hashes",
            "--output",
            document.to_str().unwrap(),
        ],
    )
    .wait()
    .unwrap();
    assert!(status.success());
    // Kill points: while reading the file, early in the write, and deep in it.
    for wal_bytes in [0, 1 << 20, 8 << 20] {
        let db = dir.path().join(format!("import-{wal_bytes}.db"));
        Store::open(&db).unwrap();
        let child = spawn(
            &db,
            &[
                "users",
                "import",
                document.to_str().unwrap(),
                "--create-groups",
            ],
        );
        let wal = db.with_extension("db-wal");
        let started = Instant::now();
        kill_when(child, &format!("a {wal_bytes}-byte journal"), || {
            let written = std::fs::metadata(&wal).map_or(0, |m| m.len());
            match wal_bytes {
                0 => started.elapsed() > Duration::from_millis(100),
                _ => written >= wal_bytes,
            }
        });
        let kept = check_after_kill(&db);
        assert!(kept == 0 || kept == 20_000, "kept {kept} of 20000");
    }
}
