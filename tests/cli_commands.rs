//! The real binary, run as scripts and administrators run it.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::cli::*;
use predicates::prelude::*;

#[test]
fn help_lists_every_command() {
    let env = Env::new();
    let a = env.cmd().arg("--help").assert().success();
    for word in [
        "demo", "users", "login", "whoami", "tokens", "--db", "--app", "--demo",
    ] {
        assert!(stdout(&a).contains(word), "{word}");
    }
}

/// Every command and subcommand clap knows, so a new one cannot be left out.
#[test]
fn every_command_has_help() {
    let all = command_paths();
    assert!(all.len() > 25, "{all:?}");
    let env = Env::new();
    for path in all {
        let help = stdout(&env.cmd().args(&path).arg("--help").assert().success());
        assert!(
            help.contains(&format!("Usage: xusers {}", path.join(" "))),
            "{help}"
        );
        // The options every command shares stand apart from the command's own.
        let (own, global) = help
            .split_once("Global options:")
            .expect("a global section");
        assert!(
            global.contains("--db <PATH|URL>") && !own.contains("--db <PATH|URL>"),
            "{help}"
        );
        let undocumented: Vec<&str> = own
            .lines()
            .filter(|l| l.trim_start().starts_with("--") && l.trim_end().ends_with('>'))
            .collect();
        assert!(
            undocumented.is_empty(),
            "options without a word: {undocumented:?}"
        );
    }
    assert!(!env.db().exists(), "help never touches the database");
}

#[test]
fn add_then_list_as_table_and_json() {
    let env = Env::new();
    env.add(
        "Ann@Acme.io",
        "long enough",
        &[
            "--first",
            "Ann",
            "--tag",
            "phone=+1 555",
            "--tag",
            "plan=pro",
        ],
    )
    .success()
    .stdout("Added Ann@Acme.io\n");
    env.add("bob@acme.io", "long enough", &["--last", "Lee"])
        .success();
    let table = env.cmd().args(["users", "list"]).assert().success();
    let text = stdout(&table);
    assert!(text.starts_with("EMAIL"), "{text}");
    assert!(text.contains("Ann@Acme.io") && text.contains("bob@acme.io"));
    let users = env.json(&["users", "list", "--format", "json"]);
    assert_eq!(
        users[0],
        serde_json::json!({
            "email": "Ann@Acme.io",
            "first_name": "Ann",
            "last_name": null,
            "groups": [],
            "tags": {"phone": "+1 555", "plan": "pro"},
            "created": users[0]["created"],
            "last_login": null
        })
    );
    assert!(
        users[0]["created"].as_str().unwrap().contains('T'),
        "RFC 3339"
    );
}

#[test]
fn list_filters_sorts_and_limits() {
    let env = Env::new();
    env.cmd().args(["demo", "--users", "40"]).assert().success();
    let all = env.emails(&[]);
    assert_eq!(all.len(), 40);
    let mut sorted = all.clone();
    sorted.sort_by_key(|e| e.to_lowercase());
    assert_eq!(all, sorted);
    let desc = env.emails(&["--desc"]);
    assert_eq!(desc.first(), all.last());
    assert_eq!(env.emails(&["--limit", "3"]), all[..3]);
    let grouped = env.emails(&["--scope", "grouped"]).len();
    let ungrouped = env.emails(&["--scope", "ungrouped"]).len();
    assert_eq!(grouped + ungrouped, 40);
    let acme = env.emails(&["--filter", "ACME"]);
    assert!(!acme.is_empty() && acme.iter().all(|e| e.contains("acme")));
    let pro = env.json(&["users", "list", "--format", "json", "--tag", "plan=pro"]);
    let pro = pro.as_array().unwrap();
    assert!(!pro.is_empty(), "the demo has pro users");
    assert!(pro.len() < 40, "the tag filters");
    assert!(pro.iter().all(|u| u["tags"]["plan"] == "pro"));
    // The spelling of the commands that change users previews the same users.
    let has = env.json(&["users", "list", "--format", "json", "--has-tag", "plan=pro"]);
    assert_eq!(has.as_array().unwrap(), pro);
    // Sales's own members (tests/cli_members.rs covers its subgroups').
    let args = [
        "users", "list", "--format", "json", "--group", "Sales", "--direct",
    ];
    let sales = env.json(&args);
    let sales = sales.as_array().unwrap();
    assert!(!sales.is_empty(), "the demo has Sales members");
    assert!(sales.len() < 40, "the group filters");
    assert!(
        sales
            .iter()
            .all(|u| u["groups"].as_array().unwrap().iter().any(|g| g == "Sales"))
    );
    env.cmd()
        .args(["users", "list", "--group", "Nope"])
        .assert()
        .code(1)
        .stderr("xusers: no such group: Nope\n");
}

#[test]
fn bad_input_is_refused_with_every_reason_and_writes_nothing() {
    let env = Env::new();
    let a = env
        .add("not-an-email", "short", &["--tag", "bad key=v"])
        .code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("xusers: email:"));
    assert!(lines[1].starts_with("xusers: password: must be at least 8"));
    assert!(lines[2].starts_with("xusers: tag 1 key:"));
    assert!(!err.contains("short"), "the password is never echoed");
    assert!(env.emails(&[]).is_empty());
    // Duplicates in any case, unknown groups, malformed tags and options.
    env.add("dup@acme.io", "long enough", &[]).success();
    env.add("DUP@acme.io", "long enough", &[])
        .code(2)
        .stderr(predicate::str::contains("already used"));
    env.add("g@acme.io", "long enough", &["--group", "Nope"])
        .code(2)
        .stderr(predicate::str::contains("no such group: Nope"));
    env.add("t@acme.io", "long enough", &["--tag", "novalue"])
        .code(2);
    env.add(
        "esc@acme.io",
        "long enough",
        &["--first", "\u{1b}[2JEve", "--tag", "k=\u{9b}x"],
    )
    .code(2)
    .stderr(predicate::str::contains(
        "first name: may not contain control characters (found U+001B)",
    ))
    .stderr(predicate::str::contains(
        "tag 1 value: value may not contain control characters (found U+009B)",
    ));
    env.cmd()
        .args(["users", "list", "--sort", "age"])
        .assert()
        .code(2);
    env.cmd()
        .args(["users", "list", "--limit", "x"])
        .assert()
        .code(2);
    env.cmd().args(["users", "frobnicate"]).assert().code(2);
    env.cmd().args(["tokens", "invalidate"]).assert().code(2);
    env.cmd()
        .args(["tokens", "invalidate", "--all", "--email", "a@b.co"])
        .assert()
        .code(2);
    assert_eq!(env.emails(&[]), ["dup@acme.io"]);
}

#[test]
fn password_from_stdin_keeps_everything_but_one_newline() {
    let env = Env::new();
    env.add("sp@acme.io", "  spaced pass  ", &[]).success();
    env.login("sp@acme.io", "  spaced pass  \r\n").success();
    env.login("sp@acme.io", "spaced pass").code(1);
}

#[test]
fn login_whoami_and_invalidation() {
    let env = Env::new();
    env.add("ann@acme.io", "long enough", &[]).success();
    env.add("bob@acme.io", "long enough", &[]).success();
    env.login("ann@acme.io", "wrong password")
        .code(1)
        .stderr("xusers: invalid email or password\n");
    env.login("nobody@acme.io", "long enough")
        .code(1)
        .stderr("xusers: invalid email or password\n");
    let token = stdout(&env.login("ANN@acme.io", "long enough").success())
        .trim()
        .to_string();
    assert_eq!(token.len(), 64);
    let bob = stdout(&env.login("bob@acme.io", "long enough").success())
        .trim()
        .to_string();
    let me = env.json(&["whoami", &token]);
    assert_eq!(me["email"], "ann@acme.io");
    assert!(me["last_login"].is_string());

    env.cmd()
        .args(["tokens", "invalidate", "--email", "ann@acme.io", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Invalidated 1 token of ann@acme.io",
        ));
    env.cmd()
        .args(["whoami", &token])
        .assert()
        .code(1)
        .stderr("xusers: token is not valid\n");
    env.cmd().args(["whoami", &bob]).assert().success();
    let again = stdout(&env.login("ann@acme.io", "long enough").success())
        .trim()
        .to_string();
    env.cmd().args(["whoami", &again]).assert().success();

    // Off a terminal, ending sessions needs --yes, as every other change of many does.
    for whose in [&["--all"][..], &["--email", "ann@acme.io"]] {
        env.cmd()
            .args(["tokens", "invalidate"])
            .args(whose)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("pass --yes"));
        env.cmd().args(["whoami", &again]).assert().success();
    }
    env.cmd()
        .args(["tokens", "invalidate", "--all", "--yes"])
        .assert()
        .success()
        .stdout("Every token of the 2 users of 'default' is void: they log in again.\n");
    env.cmd().args(["whoami", &again]).assert().code(1);
    env.cmd().args(["whoami", &bob]).assert().code(1);
    env.cmd()
        .args(["tokens", "invalidate", "--email", "ghost@acme.io"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such user"));
}

#[test]
fn applications_keep_their_users_apart() {
    let env = Env::new();
    env.add("ann@acme.io", "long enough", &[]).success();
    env.cmd().args(["apps", "add", "shop"]).assert().success();
    env.cmd()
        .args([
            "--app",
            "shop",
            "users",
            "add",
            "--email",
            "ann@acme.io",
            "--password-stdin",
        ])
        .write_stdin("other password")
        .assert()
        .success();
    let shop = env.json(&["--app", "shop", "users", "list", "--format", "json"]);
    assert_eq!(shop.as_array().unwrap().len(), 1);
    env.login("ann@acme.io", "other password").code(1);
}

/// A mistyped `--app` is reported with the names there are, and creates nothing: the
/// console (before it takes the terminal) and every command but `demo` and `apps add`.
#[test]
fn an_unknown_application_is_refused_and_never_created() {
    let env = Env::new();
    env.cmd().args(["apps", "add", "prod"]).assert().success();
    let refused = "xusers: no such application: prdo (known: default, prod)\n";
    let file = env.dir.path().join("users.json");
    std::fs::write(
        &file,
        r#"[{"email": "ann@acme.io", "password": "long enough"}]"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let commands: [&[&str]; 10] = [
        &[],
        &["users", "add", "--email", "ann@acme.io", "--password-stdin"],
        &["users", "import", file],
        &["users", "list"],
        &["users", "export"],
        &["groups", "add", "Sales"],
        &["devices", "list"],
        &["login", "--email", "ann@acme.io", "--password-stdin"],
        &["tokens", "invalidate", "--all", "--yes"],
        &["--read-only", "users", "list"],
    ];
    for command in commands {
        env.cmd()
            .args(["--app", "prdo"])
            .args(command)
            .write_stdin("long enough\n")
            .assert()
            .code(1)
            .stderr(refused);
    }
    let apps = || {
        env.json(&["apps", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(apps(), ["default", "prod"], "nothing was created");
    for app in ["default", "prod"] {
        let users = env.json(&["--app", app, "users", "list", "--format", "json"]);
        assert_eq!(users, serde_json::json!([]), "no user landed in {app}");
        let groups = env.json(&["--app", app, "groups", "list", "--format", "json"]);
        assert_eq!(groups, serde_json::json!([]), "no group landed in {app}");
    }
    env.cmd()
        .args(["--app", "demo-app", "demo", "--users", "3"])
        .assert()
        .success();
    assert_eq!(
        apps(),
        ["default", "demo-app", "prod"],
        "demo creates its application"
    );
}

#[test]
fn a_typo_on_a_database_not_made_yet_creates_no_file() {
    let env = Env::new();
    for command in [&[][..], &["users", "list"], &["groups", "list"]] {
        env.cmd()
            .args(["--app", "prdo"])
            .args(command)
            .assert()
            .code(1)
            .stderr("xusers: no such application: prdo (known: default)\n");
        assert!(!env.db().exists(), "refused before the database was made");
    }
    env.cmd().args(["users", "list"]).assert().success();
    assert!(env.db().exists(), "the default application needs no setup");
}

#[test]
fn demo_seeds_users_who_log_in_with_the_demo_password() {
    let env = Env::new();
    env.cmd()
        .args(["demo", "--users", "12"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Added 12 demo users"));
    let first = env.emails(&["--limit", "1"]).remove(0);
    env.login(&first, "demo-password").success();
    env.cmd()
        .args(["demo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already has 12 users"));
}

#[test]
fn database_location_defaults_and_overrides() {
    let env = Env::new();
    let data = env.dir.path().join("data");
    let run = |args: &[&str], db_env: Option<&Path>| {
        let mut cmd = Command::cargo_bin("xusers").unwrap();
        cmd.env_remove("XUSERS_DB")
            .env("XDG_DATA_HOME", &data)
            .env("HOME", env.dir.path());
        if let Some(p) = db_env {
            cmd.env("XUSERS_DB", p);
        }
        cmd.args(args).assert()
    };
    run(&["demo", "--users", "3"], None).success();
    assert!(
        data.join("xusers").join("xusers.db").exists(),
        "platform data dir"
    );
    let via_env = env.dir.path().join("env.db");
    run(&["demo", "--users", "2"], Some(&via_env)).success();
    assert!(via_env.exists());
    // --demo creates and seeds the demo database, then needs a terminal for the console.
    run(&["--demo"], None)
        .code(1)
        .stderr(predicate::str::contains("needs a terminal"));
    let demo = data.join("xusers").join("demo.db");
    assert!(demo.exists());
    let count = rusqlite::Connection::open(&demo)
        .unwrap()
        .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(count, 60);
}

#[test]
fn a_newer_database_is_refused_with_a_clear_message() {
    let env = Env::new();
    env.cmd().args(["users", "list"]).assert().success();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.pragma_update(None, "user_version", 42).unwrap();
    drop(conn);
    env.cmd()
        .args(["users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("newer xusers (schema version 42"));
}
