//! `users get`, `users set`, `users delete` and `completions`, through the real binary.

mod common;

use common::cli::*;
use predicates::prelude::*;

/// Acme ─ Sales ─ EMEA, with a device on Acme and one on EMEA.
fn env_with_groups() -> Env {
    let env = Env::new();
    let mut store = xusers::store::Store::open(&env.db()).unwrap();
    let app = store.application("default").unwrap().id;
    store.create_group(app, "Acme", None).unwrap();
    store.create_group(app, "Sales", Some("Acme")).unwrap();
    store.create_group(app, "EMEA", Some("Sales")).unwrap();
    store.create_device(app, "HQ door", &["Acme"]).unwrap();
    store
        .create_device(app, "Berlin printer", &["EMEA"])
        .unwrap();
    env
}

#[test]
fn get_shows_the_whole_profile_with_devices_through_ancestors() {
    let env = env_with_groups();
    env.add(
        "ann@acme.io",
        "long enough",
        &["--first", "Ann", "--group", "EMEA", "--tag", "plan=pro"],
    )
    .success();
    let profile = env.json(&["users", "get", "ANN@acme.io", "--format", "json"]);
    assert_eq!(profile["email"], "ann@acme.io");
    assert_eq!(profile["groups"], serde_json::json!(["EMEA"]));
    assert_eq!(profile["tags"]["plan"], "pro");
    assert_eq!(
        profile["devices"],
        serde_json::json!([
            {"name": "Berlin printer", "via_group": "EMEA"},
            {"name": "HQ door", "via_group": "Acme"}
        ])
    );
    let table = env
        .cmd()
        .args(["users", "get", "ann@acme.io"])
        .assert()
        .success();
    let text = stdout(&table);
    assert!(
        text.contains("devices     Berlin printer (via EMEA), HQ door (via Acme)"),
        "{text}"
    );
    env.cmd()
        .args(["users", "get", "nobody@acme.io"])
        .assert()
        .code(1)
        .stderr("xusers: no such user: nobody@acme.io\n");
}

#[test]
fn set_changes_only_what_is_named() {
    let env = env_with_groups();
    env.add(
        "ann@acme.io",
        "long enough",
        &[
            "--first", "Ann", "--last", "Lee", "--group", "Sales", "--tag", "plan=pro", "--tag",
            "x=1",
        ],
    )
    .success();
    let token = stdout(&env.login("ann@acme.io", "long enough").success())
        .trim()
        .to_string();
    env.cmd()
        .args([
            "users",
            "set",
            "ann@acme.io",
            "--email",
            "Ann.Lee@acme.io",
            "--last",
            "",
            "--add-group",
            "EMEA",
            "--remove-group",
            "Sales",
            "--tag",
            "plan=team",
            "--untag",
            "x",
        ])
        .assert()
        .success()
        .stdout("Saved Ann.Lee@acme.io\n");
    let user = env.json(&["users", "get", "ann.lee@acme.io", "--format", "json"]);
    assert_eq!(user["first_name"], "Ann", "untouched");
    assert_eq!(user["last_name"], serde_json::Value::Null, "cleared");
    assert_eq!(user["groups"], serde_json::json!(["EMEA"]));
    assert_eq!(user["tags"], serde_json::json!({"plan": "team"}));
    env.cmd().args(["whoami", &token]).assert().success();

    // A new password ends the sessions; the new one logs in.
    env.cmd()
        .args(["users", "set", "ann.lee@acme.io", "--password-stdin"])
        .write_stdin("a new password\n")
        .assert()
        .success();
    env.cmd().args(["whoami", &token]).assert().code(1);
    env.login("ann.lee@acme.io", "a new password").success();

    // Bad input: every reason at once (its own rules and the database's), exit 2,
    // nothing changed.
    env.add("bob@acme.io", "long enough", &[]).success();
    let bad = env
        .cmd()
        .args([
            "users",
            "set",
            "bob@acme.io",
            "--email",
            "ANN.LEE@acme.io",
            "--tag",
            "bad key=1",
            "--add-group",
            "Nope",
        ])
        .assert()
        .code(2);
    let err = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(err.contains("xusers: tag 1 key:"), "{err}");
    assert!(
        err.contains("xusers: email: already used by another user"),
        "{err}"
    );
    assert!(err.contains("xusers: groups: no such group: Nope"), "{err}");
    assert_eq!(
        env.json(&["users", "get", "bob@acme.io", "--format", "json"])["tags"],
        serde_json::json!({})
    );
    env.cmd()
        .args(["users", "set", "ghost@acme.io", "--first", "X"])
        .assert()
        .code(1)
        .stderr("xusers: no such user: ghost@acme.io\n");
}

#[test]
fn delete_is_all_or_nothing_and_asks_unless_yes() {
    let env = Env::new();
    for e in ["a@acme.io", "b@acme.io", "c@acme.io"] {
        env.add(e, "long enough", &[]).success();
    }
    env.cmd()
        .args(["users", "delete", "a@acme.io", "ghost@acme.io", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such user: ghost@acme.io"));
    env.cmd()
        .args(["users", "delete", "a@acme.io"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
    assert_eq!(env.emails(&[]).len(), 3, "nothing deleted");
    env.cmd()
        .args(["users", "delete", "A@acme.io", "b@acme.io", "--yes"])
        .assert()
        .success()
        .stdout("Deleted 2 user(s)\n");
    assert_eq!(env.emails(&[]), ["c@acme.io"]);
    env.cmd()
        .args(["users", "delete", "--yes"])
        .assert()
        .code(2);
}

#[test]
fn one_user_named_twice_in_any_case_is_deleted_once() {
    let env = Env::new();
    for e in ["a@x.io", "b@x.io"] {
        env.add(e, "long enough", &[]).success();
    }
    env.cmd()
        .args(["users", "delete", "a@x.io", "A@x.io", "--yes"])
        .assert()
        .success()
        .stdout("Deleted 1 user(s)\n");
    assert_eq!(env.emails(&[]), ["b@x.io"]);
}

#[test]
fn completions_for_every_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.cmd().args(["completions", shell]).assert().success();
        let script = stdout(&out);
        assert!(
            script.contains("xusers") && script.contains("invalidate"),
            "{shell}"
        );
    }
    assert!(!env.db().exists(), "completions never touch the database");
    env.cmd().args(["completions", "tcsh"]).assert().code(2);
}
