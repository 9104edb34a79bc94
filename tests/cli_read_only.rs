//! `--read-only`: looking works, every write is refused and nothing changes.

mod common;

use common::cli::*;
use predicates::prelude::*;

#[test]
fn read_only_refuses_every_write() {
    let env = Env::new();
    env.add("ann@acme.io", "long enough", &[]).success();
    let read_only = |args: &[&str]| {
        let mut cmd = env.cmd();
        cmd.arg("--read-only").args(args);
        cmd
    };
    let listed = read_only(&["users", "list", "--format", "json"])
        .assert()
        .success();
    assert!(stdout(&listed).contains("ann@acme.io"));
    read_only(&["groups", "list"]).assert().success();
    for args in [
        &["users", "delete", "ann@acme.io", "--yes"][..],
        &["users", "delete", "--filter", "acme", "--yes"],
        &[
            "users", "set", "--filter", "acme", "--tag", "plan=pro", "--yes",
        ],
        &["tokens", "invalidate", "--filter", "acme", "--yes"],
        &["users", "set", "ann@acme.io", "--first", "A"],
        &["groups", "add", "Ops"],
        &["tokens", "invalidate", "--all", "--yes"],
        &["apps", "add", "shop"],
    ] {
        read_only(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("opened read-only"));
    }
    read_only(&["users", "add", "--email", "bob@acme.io", "--password-stdin"])
        .write_stdin("long enough")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("opened read-only"));
    read_only(&["login", "--email", "ann@acme.io", "--password-stdin"])
        .write_stdin("long enough")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("opened read-only"));
    assert_eq!(env.emails(&[]), ["ann@acme.io"]);
    // Nothing to open read-only: a clear message, and no file is created.
    let missing = env.dir.path().join("none.db");
    env.bare()
        .env("XUSERS_DB", &missing)
        .args(["--read-only", "users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no database file"));
    assert!(!missing.exists());
}
