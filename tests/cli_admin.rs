//! Groups, devices and applications through the real binary.

mod common;

use common::cli::*;
use predicates::prelude::*;

fn ok(env: &Env, args: &[&str]) -> String {
    stdout(&env.cmd().args(args).assert().success())
}

#[test]
fn groups_form_a_tree_that_refuses_cycles() {
    let env = Env::new();
    ok(&env, &["groups", "add", "Acme"]);
    ok(&env, &["groups", "add", "Sales", "--parent", "Acme"]);
    ok(&env, &["groups", "add", "EMEA", "--parent", "Sales"]);
    ok(&env, &["groups", "add", "Support"]);
    env.add(
        "ann@acme.io",
        "long enough",
        &["--group", "EMEA", "--group", "Sales"],
    )
    .success();
    ok(&env, &["devices", "add", "Printer", "--group", "EMEA"]);
    let table = ok(&env, &["groups", "list"]);
    assert_eq!(
        table,
        "GROUP     MEMBERS  DEVICES\nAcme      0        0\n  Sales   1        0\n    EMEA  1        1\nSupport   0        0\n"
    );
    let json = env.json(&["groups", "list", "--format", "json"]);
    assert_eq!(
        json[2],
        serde_json::json!({"name": "EMEA", "parent": "Sales", "members": 1, "devices": 1})
    );

    for (name, parent) in [("Acme", "EMEA"), ("Sales", "Sales")] {
        env.cmd()
            .args(["groups", "move", name, "--parent", parent])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cycle"));
    }
    assert_eq!(
        ok(&env, &["groups", "list"]),
        table,
        "a refused move changes nothing"
    );
    ok(&env, &["groups", "move", "Support", "--parent", "Acme"]);
    assert_eq!(
        ok(&env, &["groups", "list"]),
        "GROUP      MEMBERS  DEVICES\nAcme       0        0\n  Sales    1        0\n    EMEA   1        1\n  Support  0        0\n"
    );
    ok(&env, &["groups", "move", "Sales", "--root"]);
    assert_eq!(
        ok(&env, &["groups", "list"]),
        "GROUP      MEMBERS  DEVICES\nAcme       0        0\n  Support  0        0\nSales      1        0\n  EMEA     1        1\n",
        "Sales moves to the top with its subtree"
    );
    let moved = ok(&env, &["groups", "list"]);
    for args in [
        &["groups", "move", "Support"][..],
        &["groups", "move", "Support", "--root", "--parent", "Acme"],
    ] {
        env.cmd().args(args).assert().code(2);
    }
    assert_eq!(
        ok(&env, &["groups", "list"]),
        moved,
        "bad arguments change nothing"
    );
    ok(&env, &["groups", "rename", "EMEA", "Europe"]);
    env.cmd()
        .args(["groups", "rename", "Europe", "Sales"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    for args in [
        &["groups", "rename", "Nope", "X"][..],
        &["groups", "delete", "Nope"],
        &["groups", "add", "X", "--parent", "Nope"],
        &["groups", "move", "Nope", "--root"],
    ] {
        env.cmd()
            .args(args)
            .assert()
            .code(1)
            .stderr("xusers: no such group: Nope\n");
    }
}

#[test]
fn deleting_a_group_keeps_members_and_lifts_its_children() {
    let env = Env::new();
    ok(&env, &["groups", "add", "Acme"]);
    ok(&env, &["groups", "add", "Sales", "--parent", "Acme"]);
    ok(&env, &["groups", "add", "EMEA", "--parent", "Sales"]);
    ok(&env, &["devices", "add", "HQ door", "--group", "Acme"]);
    ok(&env, &["devices", "add", "Kiosk", "--group", "Sales"]);
    env.add("ann@acme.io", "long enough", &["--group", "Sales"])
        .success();
    env.add("bob@acme.io", "long enough", &["--group", "EMEA"])
        .success();
    ok(&env, &["groups", "delete", "Sales"]);
    assert_eq!(
        ok(&env, &["groups", "list"]),
        "GROUP   MEMBERS  DEVICES\nAcme    0        1\n  EMEA  1        0\n"
    );
    let ann = env.json(&["users", "get", "ann@acme.io", "--format", "json"]);
    assert_eq!(
        ann["groups"],
        serde_json::json!([]),
        "a member stays, without the group"
    );
    let bob = env.json(&["users", "get", "bob@acme.io", "--format", "json"]);
    assert_eq!(
        bob["devices"],
        serde_json::json!([{"name": "HQ door", "via_group": "Acme"}])
    );
    let devices = env.json(&["devices", "list", "--format", "json"]);
    assert_eq!(
        devices[1],
        serde_json::json!({"name": "Kiosk", "groups": []}),
        "the device stays"
    );
    assert_eq!(env.emails(&["--scope", "ungrouped"]), ["ann@acme.io"]);
}

#[test]
fn devices_are_added_linked_unlinked_and_deleted() {
    let env = Env::new();
    ok(&env, &["groups", "add", "Acme"]);
    ok(&env, &["groups", "add", "Ops"]);
    ok(&env, &["devices", "add", "Door", "--group", "Acme"]);
    ok(&env, &["devices", "link", "Door", "--group", "Ops"]);
    ok(&env, &["devices", "add", "Badge"]);
    assert_eq!(
        ok(&env, &["devices", "list"]),
        "DEVICE  GROUPS\nBadge\nDoor    Acme, Ops\n"
    );
    ok(&env, &["devices", "unlink", "Door", "--group", "Acme"]);
    let list = env.json(&["devices", "list", "--format", "json"]);
    assert_eq!(list[1]["groups"], serde_json::json!(["Ops"]));
    env.cmd()
        .args(["devices", "add", "Door"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    ok(&env, &["devices", "delete", "Badge"]);
    assert_eq!(
        env.json(&["devices", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for args in [
        &["devices", "delete", "Nope"][..],
        &["devices", "link", "Nope", "--group", "Ops"],
        &["devices", "unlink", "Nope", "--group", "Ops"],
    ] {
        env.cmd()
            .args(args)
            .assert()
            .code(1)
            .stderr("xusers: no such device: Nope\n");
    }
    env.cmd()
        .args(["devices", "link", "Door", "--group", "Nope"])
        .assert()
        .code(1)
        .stderr("xusers: no such group: Nope\n");
    env.cmd().args(["devices", "link", "Door"]).assert().code(2);
}

#[test]
fn applications_with_limits() {
    let env = Env::new();
    ok(&env, &["apps", "add", "shop", "--user-limit", "1"]);
    env.cmd()
        .args(["apps", "add", "shop"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    env.cmd()
        .args([
            "--app",
            "shop",
            "users",
            "add",
            "--email",
            "a@acme.io",
            "--password-stdin",
        ])
        .write_stdin("long enough")
        .assert()
        .success();
    env.cmd()
        .args([
            "--app",
            "shop",
            "users",
            "add",
            "--email",
            "b@acme.io",
            "--password-stdin",
        ])
        .write_stdin("long enough")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("user limit of 1"));
    assert_eq!(
        ok(&env, &["apps", "list"]),
        "APPLICATION  USERS  LIMIT  LOCKOUT\n\
         default      0      none   10 failures in 15 min\n\
         shop         1      1      10 failures in 15 min\n"
    );
    ok(&env, &["apps", "set-limit", "shop", "none"]);
    let apps = env.json(&["apps", "list", "--format", "json"]);
    assert_eq!(
        apps[1],
        serde_json::json!({"name": "shop", "users": 1, "user_limit": null,
                           "lockout": {"failures": 10, "minutes": 15}})
    );
    ok(&env, &["apps", "set-limit", "shop", "5"]);
    env.cmd()
        .args(["apps", "set-limit", "shop", "lots"])
        .assert()
        .code(2);
    env.cmd()
        .args(["apps", "set-limit", "nope", "3"])
        .assert()
        .code(1)
        .stderr("xusers: no such application: nope (known: default, shop)\n");
}

#[test]
fn the_login_lockout_is_set_per_application() {
    let env = Env::new();
    env.add("ann@acme.io", "long enough", &[]).success();
    assert_eq!(
        ok(
            &env,
            &[
                "apps",
                "set-lockout",
                "default",
                "--failures",
                "2",
                "--minutes",
                "60"
            ]
        ),
        "default: 2 failed logins within 60 minutes lock an email out\n"
    );
    let login = |password: &str| {
        env.cmd()
            .args(["login", "--email", "ann@acme.io", "--password-stdin"])
            .write_stdin(password.to_string())
            .assert()
    };
    login("wrong one").code(1);
    login("wrong two").code(1);
    login("long enough")
        .code(1)
        .stderr(predicate::str::contains("invalid email or password"));
    let apps = env.json(&["apps", "list", "--format", "json"]);
    assert_eq!(
        apps[0]["lockout"],
        serde_json::json!({"failures": 2, "minutes": 60})
    );
    // Bad numbers are refused and change nothing.
    for bad in [
        ["--failures", "0"],
        ["--minutes", "0"],
        ["--failures", "many"],
    ] {
        let mut args = vec![
            "apps",
            "set-lockout",
            "default",
            "--failures",
            "3",
            "--minutes",
            "5",
        ];
        let at = args.iter().position(|a| *a == bad[0]).unwrap();
        args[at + 1] = bad[1];
        env.cmd().args(&args).assert().code(2);
    }
    assert_eq!(env.json(&["apps", "list", "--format", "json"]), apps);
    env.cmd()
        .args([
            "apps",
            "set-lockout",
            "nope",
            "--failures",
            "3",
            "--minutes",
            "5",
        ])
        .assert()
        .code(1)
        .stderr("xusers: no such application: nope (known: default)\n");
}

#[test]
fn names_are_echoed_inert_in_messages_and_errors() {
    let env = Env::new();
    let evil = "evil\u{202E}gnp.exe";
    let added = ok(&env, &["groups", "add", evil]);
    assert_eq!(added, "Added group evil\u{FFFD}gnp.exe\n");
    let renamed = ok(&env, &["groups", "rename", evil, "plain"]);
    assert_eq!(renamed, "Renamed evil\u{FFFD}gnp.exe to plain\n");
    env.cmd()
        .args(["groups", "delete", "gone\u{1b}[2J"])
        .assert()
        .failure()
        .stderr("xusers: no such group: gone\u{241B}[2J\n");
}

#[test]
fn a_bad_device_name_is_labelled_device_name_and_adds_nothing() {
    let env = Env::new();
    ok(&env, &["devices", "add", "Printer"]);
    env.cmd()
        .args(["devices", "add", "Bad\u{1b}[31mname"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "xusers: device name: may not contain control characters",
        ));
    env.cmd()
        .args(["devices", "add", "Printer"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "device name: a device named 'Printer' already exists",
        ));
    let listed = ok(&env, &["devices", "list"]);
    assert_eq!(
        listed, "DEVICE   GROUPS\nPrinter\n",
        "only the first device"
    );
}
