//! `--db` and `XUSERS_DB` name a SQLite file (a path, or `sqlite:PATH`) or a
//! PostgreSQL database (a URL or a key=value string), and no message ever shows the
//! password a connection string holds.

mod common;

use common::cli::{Env, stdout};
use common::pg;
use predicates::prelude::*;

#[test]
fn sqlite_colon_path_is_the_same_file_as_the_plain_path() {
    let env = Env::new();
    let prefixed = format!("sqlite:{}", env.db().display());
    env.bare()
        .args(["--db", &prefixed, "users", "add", "--email", "ann@x.io"])
        .args(["--password-stdin"])
        .write_stdin("long enough\n")
        .assert()
        .success();
    env.cmd()
        .args(["users", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ann@x.io"));
}

#[test]
fn a_bad_connection_string_is_refused_plainly_without_its_password() {
    let env = Env::new();
    let bad = "host=/tmp sslmode=sometimes password=s3cr3t-pw";
    let by_option = env.bare().args(["--db", bad, "users", "list"]).assert();
    let by_variable = env
        .bare()
        .env("XUSERS_DB", bad)
        .args(["users", "list"])
        .assert();
    for refused in [by_option, by_variable] {
        refused
            .code(2)
            .stderr(
                "xusers: --db: not a usable PostgreSQL connection string: invalid value for option `sslmode`\n",
            );
    }
    // The log may start before `--db` is read; no database is made, and no file
    // holds the password.
    for file in files_under(&env.data_home()) {
        assert_ne!(file.extension(), Some("db".as_ref()), "{file:?}");
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains("s3cr3t"), "{file:?}: {text}");
    }
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        match entry.path() {
            sub if sub.is_dir() => files.extend(files_under(&sub)),
            file => files.push(file),
        }
    }
    files
}

#[test]
fn an_unreachable_postgresql_is_named_without_its_password() {
    let env = Env::new();
    let url = "postgres://alice:s3cr3t-pw@/users?host=/nonexistent/socket";
    env.bare()
        .args(["--db", url, "users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "xusers: cannot open postgresql://alice@%2Fnonexistent%2Fsocket/users: PostgreSQL: error connecting to server",
        ))
        .stderr(predicate::str::contains("s3cr3t").not());
}

#[test]
fn a_postgresql_database_is_opened_migrated_listed_and_seeded() {
    let Some(database) = pg::fresh_database() else {
        return;
    };
    let env = Env::new();
    let groups = env
        .bare()
        .env("XUSERS_DB", &database)
        .args(["groups", "list", "--format", "json"])
        .assert()
        .success();
    assert_eq!(stdout(&groups), "[]\n");
    let mut c = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    let version: i64 = c
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 14);
    env.bare()
        .args(["--db", &database, "users", "add", "--email", "ann@x.io"])
        .arg("--password-stdin")
        .write_stdin("long enough\n")
        .assert()
        .success()
        .stdout("Added ann@x.io\n");
    env.bare()
        .args(["--db", &database, "users", "add", "--email", "ANN@x.io"])
        .arg("--password-stdin")
        .write_stdin("short\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "email: already used by another user of this application",
        ));
    let listed = env
        .bare()
        .args(["--db", &database, "apps", "list", "--format", "json"])
        .assert()
        .success();
    let apps: serde_json::Value = serde_json::from_slice(&listed.get_output().stdout).unwrap();
    assert_eq!(apps[0]["name"], "default", "{apps}");
    assert_eq!(apps[0]["users"], 1, "{apps}");
    assert_eq!(apps.as_array().map(Vec::len), Some(1), "{apps}");
    env.bare()
        .args(["--db", &database, "--app", "nope", "users", "list"])
        .assert()
        .code(1)
        .stderr("xusers: no such application: nope (known: default)\n");
    // The demo seeds an application of its own (an empty one only).
    let demo = |app: &str| {
        env.bare()
            .args(["--db", &database, "--app", app, "demo", "--users", "10"])
            .assert()
    };
    demo("shop").success();
    let users = env
        .bare()
        .args([
            "--db", &database, "--app", "shop", "users", "list", "--format", "json",
        ])
        .assert()
        .success();
    let users: serde_json::Value = serde_json::from_slice(&users.get_output().stdout).unwrap();
    assert_eq!(users.as_array().map(Vec::len), Some(10), "{users}");
    demo("default").code(2).stderr(predicate::str::contains(
        "the application already has 1 users; demo fills an empty one",
    ));
}
