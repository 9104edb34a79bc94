//! The commands that work on both backends, each run through the real binary once on
//! a SQLite file and once on a PostgreSQL database (tests/common/cli.rs, `Env::on`).

mod common;

use common::backend::Backend;
use common::cli::{Env, stdout};
use predicates::prelude::*;
use rstest::rstest;

/// Three users: Ann and Cy with a tag, Bob without.
fn three_users(env: &Env) {
    for (email, extra) in [
        ("cy@x.io", vec!["--first", "Cy", "--tag", "plan=pro"]),
        ("ann@x.io", vec!["--last", "Lee", "--tag", "plan=free"]),
        ("bob@x.io", vec![]),
    ] {
        env.add(email, common::PASSWORD, &extra)
            .success()
            .stdout(format!("Added {email}\n"));
    }
}

#[rstest]
fn users_list_shows_every_user_in_order_a_page_at_a_time_filtered_and_sorted(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    assert_eq!(env.emails(&[]), ["ann@x.io", "bob@x.io", "cy@x.io"]);
    assert_eq!(env.emails(&["--limit", "2"]), ["ann@x.io", "bob@x.io"]);
    assert_eq!(
        env.emails(&["--sort", "created", "--desc"]),
        ["bob@x.io", "ann@x.io", "cy@x.io"]
    );
    assert_eq!(env.emails(&["--tag", "plan"]), ["ann@x.io", "cy@x.io"]);
    assert_eq!(env.emails(&["--filter", "LEE"]), ["ann@x.io"]);
    let listed = env.json(&["users", "list", "--format", "json", "--limit", "1"]);
    assert_eq!(listed[0]["tags"]["plan"], "free", "{listed}");
    let table = env.cmd().args(["users", "list"]).assert().success();
    let table = stdout(&table);
    let at = |email: &str| table.find(email).unwrap_or_else(|| panic!("{table}"));
    assert!(
        at("ann@x.io") < at("bob@x.io") && at("bob@x.io") < at("cy@x.io"),
        "{table}"
    );
}

#[rstest]
fn users_get_shows_one_users_whole_profile_and_refuses_an_unknown_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    let ann = env.json(&["users", "get", "ANN@x.io", "--format", "json"]);
    assert_eq!(
        (&ann["email"], &ann["last_name"], &ann["tags"]["plan"]),
        (&"ann@x.io".into(), &"Lee".into(), &"free".into()),
        "{ann}"
    );
    env.cmd()
        .args(["users", "get", "nobody@x.io"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such user: nobody@x.io"));
}

#[rstest]
fn users_set_saves_an_edit_and_users_delete_deletes_both_audited_in_a_chain_that_verifies(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    env.cmd()
        .args([
            "users",
            "set",
            "ann@x.io",
            "--email",
            "anna@x.io",
            "--first",
            "Anna",
        ])
        .args(["--untag", "plan"])
        .assert()
        .success()
        .stdout("Saved anna@x.io\n");
    let anna = env.json(&["users", "get", "anna@x.io", "--format", "json"]);
    assert_eq!(
        (&anna["first_name"], &anna["tags"]),
        (&"Anna".into(), &serde_json::json!({}))
    );
    env.cmd()
        .args(["users", "set", "anna@x.io", "--email", "BOB@x.io"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "email: already used by another user of this application",
        ));
    env.cmd()
        .args(["users", "delete", "bob@x.io", "cy@x.io", "--yes"])
        .assert()
        .success()
        .stdout("Deleted 2 user(s)\n");
    assert_eq!(env.emails(&[]), ["anna@x.io"]);
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "7 entries intact; the newest entry's hash is ",
        ));
}

#[rstest]
fn login_whoami_and_tokens_invalidate_end_sessions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    env.login("ann@x.io", "wrong password")
        .code(1)
        .stderr("xusers: invalid email or password\n");
    let token = |email: &str| {
        stdout(&env.login(email, common::PASSWORD).success())
            .trim()
            .to_string()
    };
    let (ann, bob) = (token("ann@x.io"), token("bob@x.io"));
    assert_eq!(ann.len(), 64, "{ann}");
    let whoami = |token: &str| env.cmd().args(["whoami", token]).assert();
    let me = whoami(&ann).success();
    let me: serde_json::Value = serde_json::from_str(&stdout(&me)).unwrap();
    assert_eq!(me["email"], "ann@x.io");
    env.cmd()
        .args(["tokens", "invalidate", "--email", "ann@x.io", "--yes"])
        .assert()
        .success()
        .stdout("Invalidated 1 token of ann@x.io.\n");
    whoami(&ann).code(1).stderr("xusers: token is not valid\n");
    whoami(&bob).success();
    env.cmd()
        .args(["tokens", "invalidate", "--all", "--yes"])
        .assert()
        .success()
        .stdout("Every token of the 3 users of 'default' is void: they log in again.\n");
    whoami(&bob).code(1).stderr("xusers: token is not valid\n");
}

#[rstest]
fn groups_add_and_list_show_the_tree_with_the_members_users_set_gave_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    for (name, parent) in [("Acme", None), ("Sales", Some("Acme"))] {
        let mut cmd = env.cmd();
        cmd.args(["groups", "add", name]);
        if let Some(parent) = parent {
            cmd.args(["--parent", parent]);
        }
        cmd.assert()
            .success()
            .stdout(format!("Added group {name}\n"));
    }
    env.cmd()
        .args(["groups", "add", "Acme"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a group named 'Acme' already exists",
        ));
    for email in ["ann@x.io", "cy@x.io"] {
        env.cmd()
            .args(["users", "set", email, "--add-group", "Sales"])
            .assert()
            .success();
    }
    env.cmd()
        .args([
            "users",
            "set",
            "cy@x.io",
            "--remove-group",
            "Sales",
            "--add-group",
            "Acme",
        ])
        .assert()
        .success();
    let groups = env.json(&["groups", "list", "--format", "json"]);
    assert_eq!(
        groups,
        serde_json::json!([
            {"name": "Acme", "parent": null, "members": 1, "devices": 0},
            {"name": "Sales", "parent": "Acme", "members": 1, "devices": 0},
        ])
    );
    assert_eq!(env.emails(&["--group", "Acme"]), ["ann@x.io", "cy@x.io"]);
    assert_eq!(env.emails(&["--group", "Acme", "--direct"]), ["cy@x.io"]);
}

#[rstest]
fn users_export_writes_the_selected_users_with_their_hashes_only_when_asked(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    let exported = env.json(&["users", "export", "--format", "json", "--has-tag", "plan"]);
    let emails: Vec<&str> = (exported["users"].as_array().unwrap().iter())
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ann@x.io", "cy@x.io"], "{exported}");
    assert!(!exported.to_string().contains("argon2id"), "{exported}");
    let out = env.dir.path().join("users.json");
    env.cmd()
        .args(["users", "export", "--with-password-hashes", "--output"])
        .arg(&out)
        .assert()
        .success();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let hashes = written["users"].as_array().unwrap().iter();
    let hashed = hashes
        .filter(|u| u.to_string().contains("$argon2id$"))
        .count();
    assert_eq!(hashed, 3, "{written}");
}

#[rstest]
fn groups_rename_move_and_delete_change_the_tree_and_refuse_a_cycle(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    for name in ["Acme", "Sales", "EMEA"] {
        env.cmd().args(["groups", "add", name]).assert().success();
    }
    env.cmd()
        .args(["users", "set", "ann@x.io", "--add-group", "EMEA"])
        .assert()
        .success();
    let run = |args: &[&str], out: &str| {
        env.cmd()
            .args(args)
            .assert()
            .success()
            .stdout(out.to_string());
    };
    run(
        &["groups", "move", "Sales", "--parent", "Acme"],
        "Moved Sales under Acme\n",
    );
    run(
        &["groups", "move", "EMEA", "--parent", "Sales"],
        "Moved EMEA under Sales\n",
    );
    env.cmd()
        .args(["groups", "move", "Acme", "--parent", "EMEA"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("that would make a cycle"));
    run(
        &["groups", "rename", "EMEA", "Europe"],
        "Renamed EMEA to Europe\n",
    );
    assert_eq!(env.emails(&["--group", "Acme"]), ["ann@x.io"]);
    run(&["groups", "delete", "Sales"], "Deleted group Sales\n");
    run(
        &["groups", "move", "Europe", "--root"],
        "Moved Europe to the top\n",
    );
    let groups = env.json(&["groups", "list", "--format", "json"]);
    assert_eq!(
        groups,
        serde_json::json!([
            {"name": "Acme", "parent": null, "members": 0, "devices": 0},
            {"name": "Europe", "parent": null, "members": 1, "devices": 0},
        ])
    );
}

#[rstest]
fn apps_add_set_limit_and_set_lockout_change_what_apps_list_shows(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    let run = |args: &[&str], out: &str| {
        env.cmd()
            .args(args)
            .assert()
            .success()
            .stdout(out.to_string());
    };
    run(
        &["apps", "add", "shop", "--user-limit", "1"],
        "Added application shop\n",
    );
    env.cmd()
        .args(["apps", "add", "shop"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "an application named 'shop' already exists",
        ));
    run(
        &["apps", "set-limit", "shop", "5"],
        "shop may have up to 5 users\n",
    );
    run(
        &[
            "apps",
            "set-lockout",
            "shop",
            "--failures",
            "3",
            "--minutes",
            "10",
        ],
        "shop: 3 failed logins within 10 minutes lock an email out\n",
    );
    env.cmd()
        .args([
            "--app",
            "shop",
            "users",
            "add",
            "--email",
            "ann@x.io",
            "--password-stdin",
        ])
        .write_stdin(format!("{}\n", common::PASSWORD))
        .assert()
        .success();
    let apps = env.json(&["apps", "list", "--format", "json"]);
    let shop = &apps[1];
    assert_eq!(
        (&shop["name"], &shop["users"], &shop["user_limit"]),
        (&"shop".into(), &1.into(), &5.into()),
        "{apps}"
    );
    assert_eq!(shop["lockout"]["failures"], 3, "{apps}");
    assert_eq!(shop["lockout"]["minutes"], 10, "{apps}");
}

#[rstest]
fn devices_add_link_unlink_and_delete_show_in_devices_list_and_users_get(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    for name in ["Acme", "Lab"] {
        env.cmd().args(["groups", "add", name]).assert().success();
    }
    env.cmd()
        .args(["users", "set", "ann@x.io", "--add-group", "Acme"])
        .assert()
        .success();
    let run = |args: &[&str], out: &str| {
        env.cmd()
            .args(args)
            .assert()
            .success()
            .stdout(out.to_string());
    };
    run(
        &["devices", "add", "door", "--group", "Acme"],
        "Added device door\n",
    );
    run(&["devices", "add", "scope"], "Added device scope\n");
    run(
        &["devices", "link", "scope", "--group", "Lab"],
        "Tied scope to Lab\n",
    );
    run(
        &["devices", "link", "scope", "--group", "Acme"],
        "Tied scope to Acme\n",
    );
    run(
        &["devices", "unlink", "scope", "--group", "Lab"],
        "Untied scope from Lab\n",
    );
    let devices = env.json(&["devices", "list", "--format", "json"]);
    assert_eq!(
        devices,
        serde_json::json!([
            {"name": "door", "groups": ["Acme"]},
            {"name": "scope", "groups": ["Acme"]},
        ])
    );
    let ann = env.json(&["users", "get", "ann@x.io", "--format", "json"]);
    assert_eq!(
        ann["devices"],
        serde_json::json!([
            {"name": "door", "via_group": "Acme"},
            {"name": "scope", "via_group": "Acme"},
        ])
    );
    run(&["devices", "delete", "door"], "Deleted device door\n");
    env.cmd()
        .args(["devices", "delete", "door"])
        .assert()
        .code(1)
        .stderr("xusers: no such device: door\n");
}

#[rstest]
fn audit_list_export_prune_and_verify_read_and_keep_the_log(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    env.cmd()
        .args(["users", "delete", "bob@x.io", "--yes"])
        .assert()
        .success();
    let listed = env.json(&["audit", "list", "--format", "json", "--limit", "2"]);
    let ops: Vec<(&str, &str)> = (listed.as_array().unwrap().iter())
        .map(|e| {
            (
                e["op"].as_str().unwrap(),
                e["target"]["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [("user.delete", "bob@x.io"), ("user.create", "bob@x.io")]
    );
    let bob = env.json(&["audit", "list", "--format", "json", "--user", "BOB@x.io"]);
    assert_eq!(bob.as_array().map(Vec::len), Some(2), "{bob}");
    let created = env.json(&["audit", "list", "--format", "json", "--op", "user.create"]);
    assert_eq!(created.as_array().map(Vec::len), Some(3), "{created}");
    let exported = env.cmd().args(["audit", "export"]).assert().success();
    let lines: Vec<serde_json::Value> = (stdout(&exported).lines())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let seqs: Vec<i64> = lines.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    // Pruned up to now: the prune's own entry is all that is left, and it verifies.
    let pruned = env
        .cmd()
        .args(["audit", "prune", "--before", "0s"])
        .assert()
        .success();
    assert!(stdout(&pruned).contains('4'), "{}", stdout(&pruned));
    let left = env.json(&["audit", "list", "--format", "json"]);
    assert_eq!(left[0]["op"], "audit.prune", "{left}");
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("1 entry intact"));
}

#[rstest]
fn read_only_reads_and_refuses_every_change(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = Env::on(backend) else {
        return;
    };
    three_users(&env);
    let listed = env
        .cmd()
        .args(["--read-only", "users", "list", "--format", "json"])
        .assert()
        .success();
    assert!(stdout(&listed).contains("cy@x.io"));
    env.cmd()
        .args(["--read-only", "groups", "add", "Acme"])
        .assert()
        .code(1)
        .stderr("xusers: the database was opened read-only: nothing can be changed\n");
    env.cmd()
        .args(["--read-only", "users", "delete", "ann@x.io", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("read-only"));
    assert_eq!(env.emails(&[]), ["ann@x.io", "bob@x.io", "cy@x.io"]);
    assert_eq!(
        env.json(&["groups", "list", "--format", "json"]),
        serde_json::json!([])
    );
}

/// Moving users over: exported with their hashes from a SQLite file and imported into
/// either backend, they are the same users and log in with the same passwords.
#[rstest]
fn users_exported_from_sqlite_import_whole_and_again_only_as_asked(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(target) = Env::on(backend) else {
        return;
    };
    let source = Env::new();
    three_users(&source);
    source
        .cmd()
        .args(["groups", "add", "Acme"])
        .assert()
        .success();
    source
        .cmd()
        .args(["groups", "add", "Sales", "--parent", "Acme"])
        .assert()
        .success();
    source
        .cmd()
        .args(["users", "set", "cy@x.io", "--add-group", "Sales"])
        .assert()
        .success();
    source.login("ann@x.io", common::PASSWORD).success();
    let file = source.dir.path().join("users.json");
    source
        .cmd()
        .args(["users", "export", "--with-password-hashes", "--output"])
        .arg(&file)
        .assert()
        .success();
    let import = |extra: &[&str]| {
        let mut cmd = target.cmd();
        cmd.args(["users", "import"]).arg(&file).args(extra);
        cmd.assert()
    };
    import(&["--create-groups", "--dry-run"]).success();
    assert!(target.emails(&[]).is_empty(), "a dry run writes nothing");
    import(&["--create-groups"])
        .success()
        .stdout("created 3, updated 0, skipped 0, failed 0\n");
    let exported = |env: &Env| env.json(&["users", "export", "--format", "json"])["users"].clone();
    assert_eq!(exported(&target), exported(&source));
    // A group a row names is made (at the top: the file holds no tree).
    assert_eq!(target.emails(&["--group", "Sales"]), ["cy@x.io"]);
    target.login("bob@x.io", common::PASSWORD).success();
    // Again: refused whole, unless the rows are skipped.
    import(&[])
        .failure()
        .stdout(
            "would be created 0, would be updated 0, skipped 0, failed 3 — nothing was written\n",
        )
        .stderr(predicate::str::contains("line 1: email: already a user"));
    import(&["--on-conflict", "skip"])
        .success()
        .stdout("created 0, updated 0, skipped 3, failed 0\n");
    target.cmd().args(["audit", "verify"]).assert().success();
    let imports = target.json(&["audit", "list", "--format", "json", "--op", "import"]);
    assert_eq!(imports.as_array().map(Vec::len), Some(2), "{imports}");
}
