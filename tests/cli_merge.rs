//! `xusers copy --merge` through the real binary, every direction (SQLite and
//! PostgreSQL as source and as target): applications, groups and devices matched by
//! name, users by email, a user in both failed, skipped or updated; the target's audit
//! log recording the merge and verifying; a refused, failed or stopped merge leaving
//! the target as it was. The PostgreSQL cases skip (after one line) where its server
//! binaries are absent.

mod common;

use std::path::Path;

use common::backend::Backend;
use common::cli::{Env, stdout};
use common::pg;
use predicates::prelude::*;
use rstest::rstest;

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// A new database of `backend`'s kind; `None` where PostgreSQL cannot run here.
fn new_database(env: &Env, backend: Backend, name: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(path(&env.dir.path().join(name))),
        Backend::Postgres => pg::fresh_database(),
    }
}

/// `xusers --db DB ARGS…`, succeeding; its standard output.
fn run(env: &Env, db: &str, args: &[&str]) -> String {
    stdout(&env.bare().arg("--db").arg(db).args(args).assert().success())
}

fn json(env: &Env, db: &str, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&run(env, db, args)).unwrap()
}

/// Adds a user to `db` (its `default` application unless `extra` names another).
fn add(env: &Env, db: &str, app: &str, email: &str, password: &str, extra: &[&str]) {
    env.bare()
        .args(["--db", db, "--app", app, "users", "add", "--email", email])
        .args(extra)
        .arg("--password-stdin")
        .write_stdin(format!("{password}\n"))
        .assert()
        .success();
}

fn login(
    env: &Env,
    db: &str,
    app: &str,
    email: &str,
    password: &str,
) -> assert_cmd::assert::Assert {
    env.bare()
        .args([
            "--db",
            db,
            "--app",
            app,
            "login",
            "--email",
            email,
            "--password-stdin",
        ])
        .write_stdin(password.to_string())
        .assert()
}

fn merge(env: &Env, from: &str, to: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    env.bare()
        .args(["copy", "--from", from, "--to", to, "--merge"])
        .args(extra)
        .assert()
}

/// A source with two applications: `default` with a group tree Acme > Sales, a device
/// tied to Sales, Ann (in Sales, tagged) and Bob (in Acme); `shop` (its own limit and
/// lockout) with Carol. Ann has signed in, so the source holds a token.
fn source(env: &Env, db: &str) -> String {
    // Sales made before Acme, and moved under it: a merge makes a parent first all
    // the same.
    run(env, db, &["groups", "add", "Sales"]);
    run(env, db, &["groups", "add", "Acme"]);
    run(env, db, &["groups", "move", "Sales", "--parent", "Acme"]);
    run(env, db, &["devices", "add", "kiosk", "--group", "Sales"]);
    run(env, db, &["apps", "add", "shop", "--user-limit", "50"]);
    run(
        env,
        db,
        &[
            "apps",
            "set-lockout",
            "shop",
            "--failures",
            "3",
            "--minutes",
            "5",
        ],
    );
    let ann = [
        "--first", "Ann", "--last", "Lee", "--group", "Sales", "--tag", "team=red",
    ];
    add(env, db, "default", "ann@x.io", "ann-password-1", &ann);
    let bob = [
        "--first",
        "Robert",
        "--last",
        "Brown",
        "--group",
        "Acme",
        "--tag",
        "team=blue",
    ];
    add(env, db, "default", "Bob@x.io", "bob-source-pw", &bob);
    add(env, db, "shop", "carol@x.io", "carol-password", &[]);
    stdout(&login(env, db, "default", "ann@x.io", "ann-password-1").success())
        .trim()
        .to_string()
}

/// A target in use: the groups Acme and Ops, the device kiosk tied to no group, Bob
/// (another password, other names, groups and tags) and Dave.
fn target(env: &Env, db: &str) {
    run(env, db, &["groups", "add", "Acme"]);
    run(env, db, &["groups", "add", "Ops"]);
    run(env, db, &["devices", "add", "kiosk"]);
    let bob = [
        "--first", "Bobby", "--last", "Target", "--group", "Acme", "--group", "Ops", "--tag",
        "desk=7",
    ];
    add(env, db, "default", "bob@x.io", "bob-target-pw", &bob);
    add(env, db, "default", "dave@x.io", "dave-password", &[]);
}

/// Both databases of a case, made and filled; `None` where PostgreSQL cannot run.
fn databases(env: &Env, from: Backend, to: Backend) -> Option<(String, String, String)> {
    let (source_db, target_db) = (
        new_database(env, from, "source.db")?,
        new_database(env, to, "target.db")?,
    );
    let token = source(env, &source_db);
    target(env, &target_db);
    Some((source_db, target_db, token))
}

/// The audit entries of `db`, oldest first.
fn audit(env: &Env, db: &str) -> Vec<serde_json::Value> {
    (run(env, db, &["audit", "export"]).lines())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// What a refused merge must leave as it was.
fn state(env: &Env, db: &str) -> Vec<String> {
    vec![
        run(env, db, &["audit", "export"]),
        run(env, db, &["apps", "list", "--format", "json"]),
        run(env, db, &["groups", "list", "--format", "json"]),
        run(env, db, &["devices", "list", "--format", "json"]),
        run(env, db, &["users", "list", "--format", "json"]),
    ]
}

fn user(env: &Env, db: &str, email: &str) -> serde_json::Value {
    json(env, db, &["users", "get", email, "--format", "json"])
}

#[rstest]
fn a_merge_adds_the_users_only_the_source_has_and_matches_the_rest_by_name(
    #[values(Backend::Sqlite, Backend::Postgres)] from: Backend,
    #[values(Backend::Sqlite, Backend::Postgres)] to: Backend,
) {
    let env = Env::new();
    let Some((source_db, target_db, token)) = databases(&env, from, to) else {
        return;
    };
    let before = audit(&env, &target_db).len();
    let out = stdout(&merge(&env, &source_db, &target_db, &["--on-conflict", "skip"]).success());
    assert!(out.starts_with("Merged "), "{out}");
    assert!(
        out.contains(
            ": 2 users added, 0 updated, 1 skipped; 1 group added, 1 already there; \
             0 devices added, 1 tied to more groups, 0 already there; \
             1 application added, 1 already there."
        ),
        "{out}"
    );
    // Ann came whole: her password hash (she signs in with her password), names,
    // group (under Acme, as in the source), tag, and the device her group reaches.
    let ann = user(&env, &target_db, "ann@x.io");
    assert_eq!(ann["first_name"], "Ann", "{ann}");
    assert_eq!(ann["last_name"], "Lee", "{ann}");
    assert_eq!(ann["groups"], serde_json::json!(["Sales"]), "{ann}");
    assert_eq!(ann["tags"]["team"], "red", "{ann}");
    assert!(ann.to_string().contains("kiosk"), "{ann}");
    login(&env, &target_db, "default", "ann@x.io", "ann-password-1").success();
    let under_acme = json(
        &env,
        &target_db,
        &["users", "list", "--group", "Acme", "--format", "json"],
    );
    assert!(under_acme.to_string().contains("ann@x.io"), "{under_acme}");
    // Her token stayed behind: she signs in again on the target.
    env.bare()
        .args(["--db", &target_db, "whoami", &token])
        .assert()
        .failure();
    // Bob, in both, kept as the target had him; Dave untouched.
    let bob = user(&env, &target_db, "bob@x.io");
    assert_eq!(bob["first_name"], "Bobby", "{bob}");
    assert_eq!(bob["tags"], serde_json::json!({"desk": "7"}), "{bob}");
    login(&env, &target_db, "default", "bob@x.io", "bob-target-pw").success();
    let emails = json(&env, &target_db, &["users", "list", "--format", "json"]);
    assert_eq!(emails.as_array().unwrap().len(), 3, "{emails}");
    // The application only the source had, with its settings and its user.
    let apps = json(&env, &target_db, &["apps", "list", "--format", "json"]);
    let shop = (apps.as_array().unwrap().iter())
        .find(|a| a["name"] == "shop")
        .unwrap_or_else(|| panic!("{apps}"));
    assert_eq!(shop["user_limit"], 50, "{apps}");
    login(&env, &target_db, "shop", "carol@x.io", "carol-password").success();
    // The log: what the merge did, chained onto the target's own entries.
    let entries = audit(&env, &target_db);
    let merged = &entries[before..];
    let ops: Vec<&str> = merged.iter().map(|e| e["op"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        [
            "group.create",
            "device.link",
            "user.create",
            "app.create",
            "user.create",
            "merge"
        ],
        "{merged:?}"
    );
    let summary = merged.last().unwrap();
    assert!(
        summary["target"]["label"]
            .as_str()
            .unwrap()
            .starts_with("merged from "),
        "{summary}"
    );
    assert_eq!(
        summary["changes"]["added"],
        serde_json::json!([0, 2]),
        "{summary}"
    );
    assert_eq!(
        summary["changes"]["skipped"],
        serde_json::json!([0, 1]),
        "{summary}"
    );
    assert!(merged.iter().all(|e| e["batch"] == merged[0]["batch"]));
    env.bare()
        .args(["--db", &target_db, "audit", "verify"])
        .assert()
        .success();
    // The source is as it was.
    let ann = user(&env, &source_db, "ann@x.io");
    assert_eq!(ann["groups"], serde_json::json!(["Sales"]), "{ann}");
}

#[rstest]
fn a_merge_with_on_conflict_update_gives_a_user_in_both_the_sources_fields(
    #[values(Backend::Sqlite, Backend::Postgres)] from: Backend,
    #[values(Backend::Sqlite, Backend::Postgres)] to: Backend,
) {
    let env = Env::new();
    let Some((source_db, target_db, _)) = databases(&env, from, to) else {
        return;
    };
    merge(&env, &source_db, &target_db, &["--on-conflict", "update"])
        .success()
        .stdout(predicate::str::contains(
            ": 2 users added, 1 updated, 0 skipped;",
        ));
    let bob = user(&env, &target_db, "Bob@x.io");
    assert_eq!(bob["email"], "Bob@x.io", "{bob}");
    assert_eq!(bob["first_name"], "Robert", "{bob}");
    assert_eq!(bob["last_name"], "Brown", "{bob}");
    // The source's groups, not joined to the target's (Ops, which only it has).
    assert_eq!(bob["groups"], serde_json::json!(["Acme"]), "{bob}");
    assert_eq!(bob["tags"], serde_json::json!({"team": "blue"}), "{bob}");
    login(&env, &target_db, "default", "bob@x.io", "bob-source-pw").success();
    login(&env, &target_db, "default", "bob@x.io", "bob-target-pw").failure();
    // The application only the source had, with its lockout.
    let apps = json(&env, &target_db, &["apps", "list", "--format", "json"]);
    let shop = (apps.as_array().unwrap().iter())
        .find(|a| a["name"] == "shop")
        .unwrap_or_else(|| panic!("{apps}"));
    let lockout = serde_json::json!({"failures": 3, "minutes": 5});
    assert_eq!(shop["lockout"], lockout, "{apps}");
    // The users the merge wrote are found by their names (on SQLite, indexed for
    // search at the merge's end).
    for (name, email) in [("Robert", "Bob@x.io"), ("Lee", "ann@x.io")] {
        let args = ["users", "list", "--filter", name, "--format", "json"];
        let found = json(&env, &target_db, &args);
        let emails: Vec<&str> = (found.as_array().unwrap().iter())
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, [email], "{name}");
    }
    let entries = audit(&env, &target_db);
    let summary = entries.last().unwrap();
    assert_eq!(
        summary["changes"]["updated"],
        serde_json::json!([0, 1]),
        "{summary}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["op"] == "user.update" && e["target"]["label"] == "Bob@x.io"),
        "{entries:?}"
    );
    env.bare()
        .args(["--db", &target_db, "audit", "verify"])
        .assert()
        .success();
}

#[rstest]
fn a_merge_with_a_user_in_both_is_refused_by_default_naming_them_and_changes_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] from: Backend,
    #[values(Backend::Sqlite, Backend::Postgres)] to: Backend,
) {
    let env = Env::new();
    let Some((source_db, target_db, _)) = databases(&env, from, to) else {
        return;
    };
    // Two users in both: each named.
    add(
        &env,
        &source_db,
        "default",
        "dave@x.io",
        "dave-password",
        &[],
    );
    let before = state(&env, &target_db);
    merge(&env, &source_db, &target_db, &[])
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "2 users of the source cannot be merged: Bob@x.io (email: already a user \
             (--on-conflict skip or update to go on)), dave@x.io (email: already a user",
        ))
        .stderr(predicate::str::contains("nothing was changed"));
    assert_eq!(state(&env, &target_db), before);
}

#[test]
fn a_source_user_the_target_cannot_take_refuses_the_merge_naming_them_inert_and_leaves_no_new_file()
{
    let env = Env::new();
    let Some((source_db, target_db, _)) = databases(&env, Backend::Sqlite, Backend::Sqlite) else {
        return;
    };
    // An email no command accepts, which would clear the screen: written by hand.
    let conn = rusqlite::Connection::open(&source_db).unwrap();
    conn.execute(
        "UPDATE users SET email = 'ann' || char(27) || '[2J@x.io' WHERE email = 'ann@x.io'",
        [],
    )
    .unwrap();
    let before = state(&env, &target_db);
    let out = merge(&env, &source_db, &target_db, &["--on-conflict", "skip"])
        .code(1)
        .stderr(predicate::str::contains(
            "1 user of the source cannot be merged: ann\u{241b}[2J@x.io (email: ",
        ));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert_eq!(state(&env, &target_db), before);
    // A file the refused merge made goes again.
    let new = env.dir.path().join("new.db");
    merge(&env, &source_db, &path(&new), &[])
        .code(1)
        .stderr(predicate::str::contains("nothing was changed"));
    assert!(!new.exists());
}

#[rstest]
fn a_merge_that_fails_half_way_leaves_its_target_as_it_was(
    #[values(Backend::Sqlite, Backend::Postgres)] to: Backend,
) {
    let env = Env::new();
    let Some((source_db, target_db, _)) = databases(&env, Backend::Sqlite, to) else {
        return;
    };
    // The target's application is full: Ann cannot be added, after the merge has made
    // the group Sales, tied the kiosk and made the application shop.
    run(&env, &target_db, &["apps", "set-limit", "default", "2"]);
    let before = state(&env, &target_db);
    let dump = (to == Backend::Sqlite).then(|| common::dump(Path::new(&target_db)));
    merge(&env, &source_db, &target_db, &["--on-conflict", "skip"])
        .code(1)
        .stderr(predicate::str::contains(
            "1 user of the source cannot be merged: ann@x.io (user: the application's \
             user limit of 2 is reached)",
        ))
        .stderr(predicate::str::contains("nothing was changed"));
    assert_eq!(state(&env, &target_db), before);
    if let Some(dump) = dump {
        assert_eq!(common::dump(Path::new(&target_db)), dump);
    }
}

#[test]
fn a_merge_into_a_new_database_adds_everything_and_bad_flags_are_refused() {
    let env = Env::new();
    let source_db = path(&env.dir.path().join("source.db"));
    source(&env, &source_db);
    let new = path(&env.dir.path().join("new.db"));
    merge(&env, &source_db, &new, &[])
        .success()
        .stdout(predicate::str::contains(
            ": 3 users added, 0 updated, 0 skipped; 2 groups added, 0 already there; \
             1 device added, 0 already there; 1 application added, 1 already there.",
        ));
    login(&env, &new, "default", "ann@x.io", "ann-password-1").success();
    let under_acme = json(
        &env,
        &new,
        &["users", "list", "--group", "Acme", "--format", "json"],
    );
    let under_acme: Vec<&str> = (under_acme.as_array().unwrap().iter())
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(under_acme, ["ann@x.io", "Bob@x.io"]);
    env.bare()
        .args(["--db", &new, "audit", "verify"])
        .assert()
        .success();
    // --on-conflict is for a merge only; a merge onto itself is refused as a copy is.
    let before = state(&env, &new);
    env.bare()
        .args([
            "copy",
            "--from",
            &source_db,
            "--to",
            &new,
            "--on-conflict",
            "skip",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--merge"));
    merge(&env, &new, &new, &[])
        .code(2)
        .stderr(predicate::str::contains("--from and --to both name"));
    env.bare()
        .args([
            "copy",
            "--from",
            &source_db,
            "--to",
            &new,
            "--merge",
            "--on-conflict",
            "maybe",
        ])
        .assert()
        .code(2);
    assert_eq!(state(&env, &new), before);
}

/// `cmd` with Ctrl-C's default action even where the test runs with SIGINT ignored
/// (see tests/cli_copy.rs).
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

/// A demo source of 20,000 users and a target holding one user of its own.
fn large_source_and_target(env: &Env, target_db: &str) -> String {
    env.cmd()
        .args(["demo", "--users", "20000"])
        .assert()
        .success();
    add(env, target_db, "default", "kept@x.io", "kept-password", &[]);
    path(&env.db())
}

fn merging(env: &Env, from: &str, to: &str) -> std::process::Child {
    interruptible(env.std_cmd())
        .args(["copy", "--from", from, "--to", to, "--merge"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_merge_into_sqlite_stopped_by_ctrl_c_half_way_leaves_its_target_as_it_was() {
    let env = Env::new();
    let to = env.dir.path().join("target.db");
    let source = large_source_and_target(&env, &path(&to));
    let before = common::dump(&to);
    let wal = env.dir.path().join("target.db-wal");
    let wal_before = std::fs::metadata(&wal).map_or(0, |m| m.len());
    let mut child = merging(&env, &source, &path(&to));
    // Stopped while it writes: pages of its transaction spill into the write-ahead log
    // long before it commits.
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < wal_before + (1 << 20) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the merge ended before it could be stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(!child.wait().unwrap().success());
    assert_eq!(common::dump(&to), before);
}

#[test]
fn a_merge_into_postgres_stopped_by_ctrl_c_half_way_leaves_its_target_as_it_was() {
    let Some(to) = pg::fresh_database() else {
        return;
    };
    let env = Env::new();
    let source = large_source_and_target(&env, &to);
    let before = state(&env, &to);
    let mut child = merging(&env, &source, &to);
    // Stopped while it writes: it has added users (and has more to add).
    pg::wait_until_running(&to, &["INSERT INTO users %"], &mut child, "merge");
    std::thread::sleep(std::time::Duration::from_millis(200));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(!child.wait().unwrap().success());
    assert_eq!(state(&env, &to), before);
}

/// A merge onto itself under another name — a hard link to the file, another spelling
/// of the server's socket folder — is refused as one under the same name is: merged
/// with `update`, every user would be rewritten and signed out.
#[rstest]
fn a_merge_onto_itself_under_another_name_is_refused_and_changes_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let env = Env::new();
    let Some(db) = new_database(&env, backend, "one.db") else {
        return;
    };
    source(&env, &db);
    let other_name = match backend {
        Backend::Sqlite => {
            let link = env.dir.path().join("link.db");
            std::fs::hard_link(&db, &link).unwrap();
            path(&link)
        }
        // The key=value string as a URL: the port it implies is named there only.
        Backend::Postgres => {
            let field = |key: &str| {
                let found = db.split(' ').find_map(|kv| kv.strip_prefix(key));
                found.unwrap().to_string()
            };
            let host = field("host=").replace('/', "%2F");
            format!("postgres://{}@{host}/{}", field("user="), field("dbname="))
        }
    };
    assert_ne!(other_name, db);
    let before = state(&env, &db);
    merge(&env, &db, &other_name, &["--on-conflict", "update"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("are one database"));
    assert_eq!(state(&env, &db), before);
}

/// A user merged with `update` from a copy of the target, password hash and all, has
/// no new password: they stay signed in and the audit log says nothing of a password.
#[rstest]
fn a_merge_with_update_of_an_unchanged_password_keeps_the_users_sessions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let env = Env::new();
    let (Some(source_db), Some(target_db)) = (
        new_database(&env, Backend::Sqlite, "source.db"),
        new_database(&env, backend, "target.db"),
    ) else {
        return;
    };
    add(&env, &source_db, "default", "eve@x.io", "eve-password", &[]);
    env.bare()
        .args(["copy", "--from", &source_db, "--to", &target_db])
        .assert()
        .success();
    let token = stdout(&login(&env, &target_db, "default", "eve@x.io", "eve-password").success());
    let token = token.trim().to_string();
    let before = run(&env, &target_db, &["audit", "export"]);
    merge(&env, &source_db, &target_db, &["--on-conflict", "update"]).success();
    env.bare()
        .args(["--db", &target_db, "whoami", &token])
        .assert()
        .success();
    let audit = run(&env, &target_db, &["audit", "export"]);
    let merged = audit.strip_prefix(&before).unwrap();
    assert!(merged.contains("\"op\":\"merge\""), "{merged}");
    assert!(!merged.contains("password"), "{merged}");
}
