//! `xusers copy` through the real binary: a demo database to PostgreSQL and back to a
//! new SQLite file, row for row; a target that is not empty refused; a copy that
//! fails half-way leaving its target as it was. The PostgreSQL cases skip (after one
//! line) where its server binaries are absent.

mod common;

use std::path::Path;

use common::backend::Backend;
use common::cli::{Env, stdout};
use common::pg;
use predicates::prelude::*;
use rstest::rstest;
use xusers::demo::DEMO_PASSWORD;
use xusers::store::Store;

/// `xusers copy --from FROM --to TO` (no --db).
fn copy(env: &Env, from: &str, to: &str) -> assert_cmd::assert::Assert {
    env.bare()
        .args(["copy", "--from", from, "--to", to])
        .assert()
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// `xusers --db DB ARGS…` as JSON.
fn json(env: &Env, db: &str, args: &[&str]) -> serde_json::Value {
    let out = env.bare().arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What every count the console and the commands show says of the database `db`:
/// applications with their users, groups with their members (with and without
/// subgroups), users per tag, the users list.
fn counts(env: &Env, db: &str) -> Vec<serde_json::Value> {
    vec![
        json(env, db, &["apps", "list", "--format", "json"]),
        json(env, db, &["groups", "list", "--format", "json"]),
        json(
            env,
            db,
            &["users", "list", "--format", "json", "--has-tag", "team"],
        ),
        json(
            env,
            db,
            &["users", "list", "--format", "json", "--sort", "last"],
        ),
    ]
}

fn verifies(env: &Env, db: &str) {
    env.bare()
        .args(["--db", db, "audit", "verify"])
        .assert()
        .success();
}

/// A demo database with a bit of everything a copy moves: tokens, a failed login,
/// tokens voided in bulk, a device, and an audit log pruned once (so it has a horizon)
/// and written on after.
fn demo_source(env: &Env) -> String {
    env.cmd()
        .args(["demo", "--users", "300"])
        .assert()
        .success();
    let emails = env.emails(&["--limit", "3"]);
    env.login(&emails[0], DEMO_PASSWORD).success();
    env.login(&emails[1], DEMO_PASSWORD).success();
    env.login(&emails[2], "wrong-password").failure();
    let mut store = Store::open(&env.db()).unwrap();
    store.prune_audit(i64::MAX).unwrap();
    drop(store);
    env.cmd()
        .args(["tokens", "invalidate", "--filter", &emails[1], "--yes"])
        .assert()
        .success();
    env.cmd()
        .args(["devices", "add", "kiosk"])
        .assert()
        .success();
    env.add("late@x.io", common::PASSWORD, &["--tag", "team=late"])
        .success();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for table in [
        "applications",
        "users",
        "groups",
        "devices",
        "group_devices",
        "group_ancestors",
        "memberships",
        "user_tags",
        "tag_keys",
        "login_failures",
        "tokens",
        "token_stamps",
        "audit",
        "audit_horizon",
        "bulk_last_audit",
    ] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "the source has no {table}");
    }
    path(&env.db())
}

/// Every row of the SQLite file but its search index's, which is built anew on each
/// load (its segments differ, what it finds does not).
fn rows(db: &Path) -> Vec<String> {
    common::dump(db)
        .into_iter()
        .filter(|row| !row.starts_with("users_fts"))
        .collect()
}

/// A PostgreSQL database's indexes, constraints and triggers (with whether each is
/// on), to compare a copy's with a new database's.
fn pg_schema(connection_string: &str) -> Vec<String> {
    let dbname = connection_string.rsplit("dbname=").next().unwrap();
    let mut client = pg::cluster().unwrap().connect(dbname).unwrap();
    let rows = client
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
             UNION ALL
             SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
             FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
             UNION ALL
             SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text
             FROM pg_trigger WHERE NOT tgisinternal
             ORDER BY 1",
            &[],
        )
        .unwrap();
    let schema: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert!(schema.len() > 40, "{schema:?}");
    schema
}

#[test]
fn a_demo_database_copied_to_postgres_and_back_holds_the_same_rows_verifies_and_counts_the_same() {
    let Some(postgres) = pg::fresh_database() else {
        return;
    };
    let env = Env::new();
    let source = demo_source(&env);
    let back = env.dir.path().join("back.db");
    let mut there = copy(&env, &source, &postgres).success();
    there = there.stdout(predicate::str::is_match(
        r"^Copied 301 users, 11 groups, 9 devices, 1 application, 2 tokens and 5 audit entries from \S+ to postgresql://xusers@\S+ in \d+\.\d s\.\n$",
    ).unwrap());
    // Not a terminal: no progress bar.
    there.stderr("");
    let fresh = pg::fresh_database().unwrap();
    run(&env, &fresh, &["apps", "list"]);
    assert_eq!(pg_schema(&postgres), pg_schema(&fresh));
    copy(&env, &postgres, &path(&back))
        .success()
        .stdout(predicate::str::starts_with("Copied 301 users, "));
    assert_eq!(rows(&env.db()), rows(&back));
    for db in [&source, &postgres, &path(&back)] {
        verifies(&env, db);
    }
    let expected = counts(&env, &source);
    assert_eq!(counts(&env, &postgres), expected);
    assert_eq!(counts(&env, &path(&back)), expected);
    common::assert_subtree_counts_kept(&back, "a copy");
    // The users found by a search term, as the search index finds them.
    let found = |db: &str| {
        json(
            &env,
            db,
            &["users", "list", "--format", "json", "--filter", "ar"],
        )
    };
    assert_eq!(found(&path(&back)), found(&source));
    assert_eq!(found(&postgres), found(&source));
    // Both copies go on as the original would: the next ids, counts kept, logins.
    for db in [&postgres, &path(&back)] {
        env.bare()
            .args([
                "--db",
                db,
                "users",
                "add",
                "--email",
                "next@x.io",
                "--password-stdin",
            ])
            .args(["--tag", "team=late"])
            .write_stdin(format!("{}\n", common::PASSWORD))
            .assert()
            .success();
        let apps = json(&env, db, &["apps", "list", "--format", "json"]);
        assert_eq!(apps[0]["users"], 302, "{apps}");
        let late = json(
            &env,
            db,
            &[
                "users",
                "list",
                "--format",
                "json",
                "--has-tag",
                "team=late",
            ],
        );
        assert_eq!(late.as_array().unwrap().len(), 2, "{late}");
        let emails = env.emails(&["--limit", "1"]);
        env.bare()
            .args([
                "--db",
                db,
                "login",
                "--email",
                &emails[0],
                "--password-stdin",
            ])
            .write_stdin(DEMO_PASSWORD)
            .assert()
            .success();
        verifies(&env, db);
    }
}

/// A new database of `backend`'s kind: a file in `env`'s folder, or a PostgreSQL
/// database; `None` where PostgreSQL cannot run here.
fn new_database(env: &Env, backend: Backend, name: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(path(&env.dir.path().join(name))),
        Backend::Postgres => pg::fresh_database(),
    }
}

/// `xusers --db DB ARGS…`'s standard output, the command succeeding.
fn run(env: &Env, db: &str, args: &[&str]) -> String {
    stdout(&env.bare().arg("--db").arg(db).args(args).assert().success())
}

fn add(env: &Env, db: &str, email: &str, extra: &[&str]) {
    env.bare()
        .args([
            "--db",
            db,
            "users",
            "add",
            "--email",
            email,
            "--password-stdin",
        ])
        .args(extra)
        .write_stdin(format!("{}\n", common::PASSWORD))
        .assert()
        .success();
}

#[rstest]
fn a_copy_into_a_database_that_holds_users_is_refused_and_changes_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let env = Env::new();
    let Some(to) = new_database(&env, backend, "target.db") else {
        return;
    };
    env.add("source@x.io", common::PASSWORD, &[]).success();
    add(&env, &to, "kept@x.io", &[]);
    let before = run(&env, &to, &["audit", "export"]);
    copy(&env, &path(&env.db()), &to)
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "the target is not empty (1 user, 1 audit entry): a copy goes only into a new \
             database; nothing was changed",
        ));
    assert_eq!(run(&env, &to, &["audit", "export"]), before);
    let users = json(&env, &to, &["users", "list", "--format", "json"]);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    // Not onto itself either (on PostgreSQL it would wait for its own locks).
    copy(&env, &to, &to)
        .code(2)
        .stderr(predicate::str::contains("--from and --to both name"));
    assert_eq!(run(&env, &to, &["audit", "export"]), before);
}

/// A source whose 250th user the copy cannot take: on PostgreSQL, a name with a NUL
/// character (SQLite keeps it, PostgreSQL's text refuses it); on SQLite, a creation
/// time that is not a number (read as one, it fails).
fn broken_source(env: &Env, target: Backend) -> String {
    env.cmd()
        .args(["demo", "--users", "300"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let broken = match target {
        Backend::Postgres => "UPDATE users SET first_name = 'a' || char(0) || 'b'",
        Backend::Sqlite => "UPDATE users SET created_at = 'soon'",
    };
    let user: i64 = conn
        .query_row(
            "SELECT id FROM users ORDER BY id LIMIT 1 OFFSET 249",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(&format!("{broken} WHERE id = ?1"), [user])
        .unwrap();
    path(&env.db())
}

#[rstest]
fn a_copy_that_fails_half_way_leaves_its_target_as_it_was(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let env = Env::new();
    let Some(to) = new_database(&env, backend, "target.db") else {
        return;
    };
    let source = broken_source(&env, backend);
    // A new database that exists already (as an empty one made by an earlier command).
    run(&env, &to, &["apps", "list"]);
    let before = [
        run(&env, &to, &["apps", "list", "--format", "json"]),
        run(&env, &to, &["audit", "export"]),
        run(&env, &to, &["groups", "list", "--format", "json"]),
    ];
    let sqlite_before = backend == Backend::Sqlite;
    let dump_before = sqlite_before.then(|| common::dump(Path::new(&to)));
    copy(&env, &source, &to)
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("nothing was changed"));
    let after = [
        run(&env, &to, &["apps", "list", "--format", "json"]),
        run(&env, &to, &["audit", "export"]),
        run(&env, &to, &["groups", "list", "--format", "json"]),
    ];
    assert_eq!(after, before);
    if let Some(dump) = dump_before {
        // Every row, index and trigger as before.
        assert_eq!(common::dump(Path::new(&to)), dump);
        let conn = rusqlite::Connection::open(&to).unwrap();
        let triggers = common::schema_names(&conn, "trigger");
        assert!(
            triggers.contains(&"users_added".to_string()),
            "{triggers:?}"
        );
        assert!(common::schema_names(&conn, "index").len() > 10);
    }
    // Nothing of the source went in: the target takes its own users, from id 1 on.
    add(&env, &to, "first@x.io", &[]);
    let users = json(&env, &to, &["users", "list", "--format", "json"]);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
}

#[test]
fn a_copy_into_a_new_file_that_fails_leaves_no_file_behind() {
    let env = Env::new();
    let source = broken_source(&env, Backend::Sqlite);
    let to = env.dir.path().join("new.db");
    copy(&env, &source, &path(&to))
        .code(1)
        .stderr(predicate::str::contains("nothing was changed"));
    assert!(!to.exists());
    assert!(!env.dir.path().join("new.db-wal").exists());
}

#[test]
fn a_copy_names_its_databases_without_their_passwords_and_refuses_a_source_that_is_not_there() {
    let env = Env::new();
    let missing = env.dir.path().join("missing.db");
    copy(&env, &path(&missing), &path(&env.db()))
        .code(1)
        .stderr(predicate::str::contains("there is no file"));
    assert!(!env.db().exists(), "nothing made");
    env.add("a@x.io", common::PASSWORD, &[]).success();
    let secret = "postgresql://alice:hunter2-secret@localhost:1/users?connect_timeout=2";
    copy(&env, &path(&env.db()), secret)
        .code(1)
        .stderr(predicate::str::contains(
            "cannot open postgresql://alice@localhost:1/users",
        ))
        .stderr(predicate::str::contains("hunter2").not());
    env.bare()
        .args([
            "--read-only",
            "copy",
            "--from",
            &path(&env.db()),
            "--to",
            &path(&missing),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a copy writes its target"));
    assert!(!missing.exists(), "nothing made");
    copy(&env, &path(&env.db()), "postgres://a@b/c?sslmode=sometimes")
        .code(2)
        .stderr(predicate::str::starts_with(
            "xusers: --to: not a usable PostgreSQL connection string",
        ));
}

#[rstest]
fn a_copy_between_two_databases_of_one_kind_holds_the_same_rows(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let env = Env::new();
    let (Some(first), Some(second)) = (
        new_database(&env, backend, "first.db"),
        new_database(&env, backend, "second.db"),
    ) else {
        return;
    };
    let source = demo_source(&env);
    copy(&env, &source, &first).success();
    copy(&env, &first, &second)
        .success()
        .stdout(predicate::str::starts_with("Copied 301 users, "));
    let expected = counts(&env, &source);
    assert_eq!(counts(&env, &second), expected);
    assert_eq!(
        run(&env, &second, &["audit", "export"]),
        run(&env, &source, &["audit", "export"])
    );
    verifies(&env, &second);
    if backend == Backend::Sqlite {
        assert_eq!(rows(Path::new(&second)), rows(&env.db()));
    }
}

#[test]
fn a_copy_to_postgres_stopped_by_ctrl_c_half_way_leaves_its_target_as_it_was() {
    let Some(to) = pg::fresh_database() else {
        return;
    };
    let env = Env::new();
    env.cmd()
        .args(["demo", "--users", "20000"])
        .assert()
        .success();
    run(&env, &to, &["apps", "list"]);
    let before = run(&env, &to, &["apps", "list", "--format", "json"]);
    let mut child = interruptible(env.std_cmd())
        .args(["copy", "--from", &path(&env.db()), "--to", &to])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Stopped while it writes: a COPY into one of the target's large tables is running
    // (with some left to copy after it).
    let copying = ["COPY users %", "COPY memberships %"];
    pg::wait_until_running(&to, &copying, &mut child, "copy");
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(!child.wait().unwrap().success());
    assert_eq!(
        run(&env, &to, &["apps", "list", "--format", "json"]),
        before
    );
    assert_eq!(run(&env, &to, &["audit", "export"]), "");
    let users = json(&env, &to, &["users", "list", "--format", "json"]);
    assert_eq!(users, serde_json::json!([]));
}

/// `cmd` with Ctrl-C's default action (ending the process) even where this test runs
/// with SIGINT ignored, as everything a shell without job control starts in the
/// background does (`.ci/run … &`): ignored, the copy would run on to its end.
fn interruptible(mut cmd: std::process::Command) -> std::process::Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe signal(2) runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    cmd
}

#[test]
fn a_copy_to_sqlite_stopped_by_ctrl_c_half_way_leaves_its_target_as_it_was() {
    let env = Env::new();
    env.cmd()
        .args(["demo", "--users", "20000"])
        .assert()
        .success();
    let to = env.dir.path().join("target.db");
    run(&env, &path(&to), &["apps", "list"]);
    let before = common::dump(&to);
    let wal = env.dir.path().join("target.db-wal");
    let mut child = interruptible(env.std_cmd())
        .args(["copy", "--from", &path(&env.db()), "--to", &path(&to)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Stopped while it writes: pages of its transaction spill into the write-ahead log
    // (its page cache holds 4 MB) long before it commits.
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the copy ended before it could be stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(!child.wait().unwrap().success());
    assert_eq!(common::dump(&to), before);
    assert_eq!(run(&env, &path(&to), &["audit", "export"]), "");
}
