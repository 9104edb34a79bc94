//! The audit log through the real binary: every command that changes something leaves
//! exactly the entry it should, and the log's own commands.

mod common;

use common::cli::*;
use predicates::prelude::*;
use serde_json::{Value, json};

/// The entries written since entry `after`, oldest first.
fn entries_after(env: &Env, after: i64) -> Vec<Value> {
    let mut all = env.json(&["audit", "list", "--format", "json"]);
    let all = all.as_array_mut().unwrap();
    all.reverse();
    all.retain(|e| e["seq"].as_i64().unwrap() > after);
    all.clone()
}

/// What an entry must say: op, target type and label, changes, actor, source, app.
fn shown(entry: &Value) -> Value {
    json!({
        "op": entry["op"],
        "target": [entry["target"]["type"], entry["target"]["label"]],
        "changes": entry["changes"],
        "actor": entry["actor"],
        "source": entry["source"],
        "app": entry["app"],
    })
}

fn expect(op: &str, target: (&str, &str), changes: Value) -> Value {
    json!({
        "op": op,
        "target": [target.0, target.1],
        "changes": changes,
        "actor": "tester",
        "source": "cli",
        "app": "default",
    })
}

struct Step {
    args: Vec<String>,
    stdin: Option<&'static str>,
    entries: Vec<Value>,
}

fn step(args: &str, stdin: Option<&'static str>, entries: Vec<Value>) -> Step {
    Step {
        args: args.split(' ').map(String::from).collect(),
        stdin,
        entries,
    }
}

/// Every command that changes something, run in order on one database, with the
/// exact entries each leaves.
fn steps(import_file: &str) -> Vec<Step> {
    let user = |email: &'static str| ("user", email);
    vec![
        step(
            "apps add prod --user-limit 5",
            None,
            vec![{
                let mut e = expect(
                    "app.create",
                    ("application", "prod"),
                    json!({"name": [null, "prod"], "user_limit": [null, 5]}),
                );
                e["app"] = json!("prod");
                e
            }],
        ),
        step(
            "apps set-limit default 100",
            None,
            vec![expect(
                "app.set_limit",
                ("application", "default"),
                json!({"user_limit": [null, 100]}),
            )],
        ),
        step(
            "apps set-lockout default --failures 2 --minutes 5",
            None,
            vec![expect(
                "app.set_lockout",
                ("application", "default"),
                json!({"lockout_failures": [10, 2], "lockout_seconds": [900, 300]}),
            )],
        ),
        step(
            "groups add Acme",
            None,
            vec![expect(
                "group.create",
                ("group", "Acme"),
                json!({"name": [null, "Acme"]}),
            )],
        ),
        step(
            "groups add Sales --parent Acme",
            None,
            vec![expect(
                "group.create",
                ("group", "Sales"),
                json!({"name": [null, "Sales"], "parent": [null, "Acme"]}),
            )],
        ),
        step(
            "groups add Ops",
            None,
            vec![expect(
                "group.create",
                ("group", "Ops"),
                json!({"name": [null, "Ops"]}),
            )],
        ),
        step(
            "groups rename Ops Support",
            None,
            vec![expect(
                "group.rename",
                ("group", "Support"),
                json!({"name": ["Ops", "Support"]}),
            )],
        ),
        step(
            "groups move Support --parent Acme",
            None,
            vec![expect(
                "group.move",
                ("group", "Support"),
                json!({"parent": [null, "Acme"]}),
            )],
        ),
        step(
            "devices add Door --group Sales",
            None,
            vec![expect(
                "device.create",
                ("device", "Door"),
                json!({"name": [null, "Door"], "groups": [[], ["Sales"]]}),
            )],
        ),
        step(
            "devices link Door --group Support",
            None,
            vec![expect(
                "device.link",
                ("device", "Door"),
                json!({"groups": [["Sales"], ["Sales", "Support"]]}),
            )],
        ),
        step(
            "devices unlink Door --group Sales",
            None,
            vec![expect(
                "device.unlink",
                ("device", "Door"),
                json!({"groups": [["Sales", "Support"], ["Support"]]}),
            )],
        ),
        step(
            "users add --email ann@acme.io --first Ann --group Sales --tag plan=free --password-stdin",
            Some("first password\n"),
            vec![expect(
                "user.create",
                user("ann@acme.io"),
                json!({
                    "email": [null, "ann@acme.io"],
                    "first_name": [null, "Ann"],
                    "groups": [[], ["Sales"]],
                    "tag:plan": [null, "free"],
                    "password": [null, "changed"],
                }),
            )],
        ),
        step(
            "users set ann@acme.io --email Ann.Lee@acme.io --last Lee --add-group Support --remove-group Sales --tag plan=pro --tag seat=7 --untag none",
            None,
            vec![expect(
                "user.update",
                user("Ann.Lee@acme.io"),
                json!({
                    "email": ["ann@acme.io", "Ann.Lee@acme.io"],
                    "last_name": [null, "Lee"],
                    "groups": [["Sales"], ["Support"]],
                    "tag:plan": ["free", "pro"],
                    "tag:seat": [null, "7"],
                }),
            )],
        ),
        step(
            "users set ann.lee@acme.io --untag seat",
            None,
            vec![expect(
                "user.update",
                user("Ann.Lee@acme.io"),
                json!({"tag:seat": ["7", null]}),
            )],
        ),
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("first password"),
            vec![],
        ),
        step(
            "users set ann.lee@acme.io --password-stdin",
            Some("second password\n"),
            vec![expect(
                "user.password",
                user("Ann.Lee@acme.io"),
                json!({"password": [null, "changed"], "tokens": [1, 0]}),
            )],
        ),
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("second password"),
            vec![],
        ),
        step(
            "tokens invalidate --email ann.lee@acme.io --yes",
            None,
            vec![expect(
                "tokens.invalidate",
                user("Ann.Lee@acme.io"),
                json!({"tokens": [1, 0]}),
            )],
        ),
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("second password"),
            vec![],
        ),
        step(
            "tokens invalidate --all --yes",
            None,
            vec![expect(
                "tokens.invalidate_all",
                ("application", "default"),
                json!({"signed_out_users": [null, 1]}),
            )],
        ),
        // Single failed logins are not recorded; the one that locks the email out is.
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("wrong password"),
            vec![],
        ),
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("wrong password"),
            vec![expect(
                "login.lockout",
                ("login", "ann.lee@acme.io"),
                json!({"failed_logins": [1, 2], "locked_minutes": [null, 5]}),
            )],
        ),
        step(
            "login --email ann.lee@acme.io --password-stdin",
            Some("wrong password"),
            vec![],
        ),
        step(
            &format!("users import {import_file} --on-conflict update"),
            None,
            vec![
                {
                    // The file's email, in its own case, replaces the stored one.
                    let mut e = expect(
                        "user.update",
                        user("ann.lee@acme.io"),
                        json!({"email": ["Ann.Lee@acme.io", "ann.lee@acme.io"], "first_name": ["Ann", "Annie"], "groups": [["Support"], []], "tag:plan": ["pro", null]}),
                    );
                    e["source"] = json!("import");
                    e
                },
                {
                    let mut e = expect(
                        "user.create",
                        user("bo@acme.io"),
                        json!({"email": [null, "bo@acme.io"], "groups": [[], ["Support"]], "password": [null, "changed"]}),
                    );
                    e["source"] = json!("import");
                    e
                },
                {
                    let mut e = expect(
                        "import",
                        // The summary names the system the file comes from.
                        ("import", &format!("xusers: {import_file}")),
                        json!({"created": [0, 1], "updated": [0, 1]}),
                    );
                    e["source"] = json!("import");
                    e
                },
            ],
        ),
        step(
            "groups delete Support",
            None,
            vec![expect(
                "group.delete",
                ("group", "Support"),
                json!({
                    "name": ["Support", null],
                    "parent": ["Acme", null],
                    "members": [1, 0],
                    "devices": [1, 0],
                }),
            )],
        ),
        step(
            "devices delete Door",
            None,
            vec![expect(
                "device.delete",
                ("device", "Door"),
                json!({"name": ["Door", null]}),
            )],
        ),
        step(
            "users add --email cy@acme.io --password-stdin",
            Some("third password\n"),
            vec![expect(
                "user.create",
                user("cy@acme.io"),
                json!({"email": [null, "cy@acme.io"], "password": [null, "changed"]}),
            )],
        ),
        step(
            "users delete ann.lee@acme.io --yes",
            None,
            vec![expect(
                "user.delete",
                user("ann.lee@acme.io"),
                json!({"email": ["ann.lee@acme.io", null], "first_name": ["Annie", null], "last_name": ["Lee", null]}),
            )],
        ),
        step(
            "users delete bo@acme.io cy@acme.io --yes",
            None,
            vec![
                expect(
                    "user.delete",
                    user("bo@acme.io"),
                    json!({"email": ["bo@acme.io", null]}),
                ),
                expect(
                    "user.delete",
                    user("cy@acme.io"),
                    json!({"email": ["cy@acme.io", null]}),
                ),
                expect(
                    "users.delete",
                    ("application", "default"),
                    json!({"users": [2, 0]}),
                ),
            ],
        ),
    ]
}

#[test]
fn every_changing_command_leaves_exactly_its_entry() {
    let env = Env::new();
    let file = env.dir.path().join("in.json");
    std::fs::write(
        &file,
        r#"[{"email": "ann.lee@acme.io", "first_name": "Annie", "last_name": "Lee"},
            {"email": "bo@acme.io", "groups": ["Support"], "password": "bo password"}]"#,
    )
    .unwrap();
    let file = file.to_str().unwrap().to_string();
    let mut last = 0;
    let mut batches = Vec::new();
    for s in steps(&file) {
        let mut cmd = env.cmd();
        cmd.env_remove("XUSERS_ACTOR")
            .args(["--actor", "tester"])
            .args(&s.args);
        if let Some(stdin) = s.stdin {
            cmd.write_stdin(stdin);
        }
        let out = cmd.output().unwrap();
        let failed_login = s.args[0] == "login" && s.stdin == Some("wrong password");
        assert_eq!(
            out.status.success(),
            !failed_login,
            "{:?}: {}",
            s.args,
            String::from_utf8_lossy(&out.stderr)
        );
        let written = entries_after(&env, last);
        assert_eq!(
            written.iter().map(shown).collect::<Vec<_>>(),
            s.entries,
            "{:?}",
            s.args
        );
        if written.len() > 1 {
            let batch = &written[0]["batch"];
            assert!(batch.is_i64(), "{:?}: {batch}", s.args);
            assert!(written.iter().all(|e| &e["batch"] == batch), "{:?}", s.args);
            batches.push(batch.clone());
        } else {
            assert!(written.iter().all(|e| e["batch"].is_null()), "{:?}", s.args);
        }
        if let Some(e) = written.last() {
            last = e["seq"].as_i64().unwrap();
        }
    }
    assert_eq!(batches.len(), 2, "the import and the two-user delete");
    assert_ne!(batches[0], batches[1]);
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "{last} entries intact"
        )));
}

/// Clap's command tree: every leaf that can change data is in the table above, or is
/// one of these (which change nothing, or are recorded by their own tests below).
#[test]
fn no_command_that_changes_data_is_left_out_of_the_table() {
    const READ_ONLY: &[&str] = &[
        "users list",
        "users get",
        "users export",
        "whoami",
        "groups list",
        "devices list",
        "apps list",
        "completions",
        "audit list",
        "audit export",
        "audit verify",
        // Recorded, with their own tests: one summary entry, and the prune's own entry.
        "demo",
        "audit prune",
        // Writes a new database whose log is the source's, entry for entry
        // (tests/cli_copy.rs): none of its own.
        "copy",
    ];
    fn leaves(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let subs: Vec<_> = command
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(prefix.trim().to_string());
        }
        for sub in subs {
            leaves(sub, &format!("{prefix} {}", sub.get_name()), out);
        }
    }
    let mut all = Vec::new();
    leaves(
        &<xusers::cli::Cli as clap::CommandFactory>::command(),
        "",
        &mut all,
    );
    assert!(all.len() > 25, "{all:?}");
    let covered: Vec<String> = steps("x.json")
        .iter()
        .map(|s| {
            s.args
                .iter()
                .take_while(|a| !a.starts_with('-') && !a.contains('@'))
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    for command in all {
        assert!(
            READ_ONLY.contains(&command.as_str())
                || covered
                    .iter()
                    .any(|c| c == &command || c.starts_with(&format!("{command} "))),
            "`xusers {command}` is neither in the audit table nor known to change nothing"
        );
    }
}

#[test]
fn the_actor_comes_from_the_flag_the_environment_or_the_os_user() {
    let env = Env::new();
    env.cmd()
        .env_remove("XUSERS_ACTOR")
        .args(["groups", "add", "A"])
        .assert()
        .success();
    env.cmd()
        .env("XUSERS_ACTOR", "ci-bot")
        .args(["groups", "add", "B"])
        .assert()
        .success();
    env.cmd()
        .env("XUSERS_ACTOR", "ci-bot")
        .args(["--actor", "Dana", "groups", "add", "C"])
        .assert()
        .success();
    let actors: Vec<String> = entries_after(&env, 0)
        .iter()
        .map(|e| e["actor"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actors.len(), 3);
    assert!(
        actors[0].contains('@') && !actors[0].starts_with('@'),
        "user@host: {}",
        actors[0]
    );
    assert_eq!(actors[1..], ["ci-bot", "Dana"]);
    // A bad actor is refused before anything is written.
    env.cmd()
        .args(["--actor", "  ", "groups", "add", "D"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--actor: the actor is required"));
    env.cmd()
        .args(["--actor", "evil\u{1b}[2J", "groups", "add", "D"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("control characters"));
    assert_eq!(entries_after(&env, 0).len(), 3);
}

#[test]
fn demo_data_is_one_summary_entry_not_one_per_user() {
    let env = Env::new();
    env.cmd()
        .args(["--actor", "tester", "demo", "--users", "30"])
        .assert()
        .success();
    let entries = entries_after(&env, 0);
    let users: Vec<&Value> = entries
        .iter()
        .filter(|e| e["target"]["type"] == "user")
        .collect();
    assert!(users.is_empty(), "{users:?}");
    let last = entries.last().unwrap();
    assert_eq!(
        shown(last),
        expect(
            "users.seed",
            ("application", "default"),
            json!({"seeded_users": [0, 30]})
        )
    );
}

#[test]
fn list_filters_by_time_actor_user_and_op_and_pages_by_limit() {
    let env = Env::new();
    let run = |actor: &str, args: &[&str]| {
        env.cmd()
            .args(["--actor", actor])
            .args(args)
            .write_stdin("long enough\n")
            .assert()
            .success();
    };
    run(
        "ann",
        &["users", "add", "--email", "x@acme.io", "--password-stdin"],
    );
    run("bob", &["groups", "add", "G"]);
    run(
        "bob",
        &["users", "set", "x@acme.io", "--email", "y@acme.io"],
    );
    run("ann", &["users", "set", "y@acme.io", "--add-group", "G"]);
    let seqs = |args: &[&str]| -> Vec<i64> {
        let list = env.json(&[&["audit", "list", "--format", "json"], args].concat());
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&[]), [4, 3, 2, 1]);
    assert_eq!(seqs(&["--limit", "2"]), [4, 3]);
    assert_eq!(seqs(&["--actor", "bob"]), [3, 2]);
    assert_eq!(
        seqs(&["--op", "user"]),
        [4, 3, 1],
        "a prefix takes every op under it"
    );
    assert_eq!(seqs(&["--op", "user.create"]), [1]);
    assert_eq!(
        seqs(&["--op", "use"]),
        Vec::<i64>::new(),
        "a prefix ends at a dot"
    );
    // The user's entries under the email they had then, or the one they have now.
    assert_eq!(seqs(&["--user", "X@acme.io"]), [4, 3, 1]);
    assert_eq!(seqs(&["--user", "y@acme.io"]), [4, 3, 1]);
    assert_eq!(seqs(&["--user", "nobody@acme.io"]), Vec::<i64>::new());
    assert_eq!(seqs(&["--since", "1h"]), [4, 3, 2, 1]);
    assert_eq!(seqs(&["--until", "1h"]), Vec::<i64>::new());
    assert_eq!(
        seqs(&[
            "--since",
            "2000-01-01T00:00:00Z",
            "--until",
            "2999-01-01T00:00:00+02:00"
        ]),
        [4, 3, 2, 1]
    );
    let table = env
        .cmd()
        .args(["audit", "list", "--actor", "bob"])
        .assert()
        .success();
    let text = stdout(&table);
    assert!(text.starts_with("SEQ"), "{text}");
    assert!(
        text.contains("user.update") && text.contains("email: x@acme.io → y@acme.io"),
        "{text}"
    );
    // Nothing matching is no error, and the table says how to ask.
    env.cmd()
        .args(["audit", "list", "--op", "nosuch"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::starts_with(
            "No entry matches. (--op takes an op",
        ));
    // A time that is not one: exit 2 naming the option, nothing listed.
    env.cmd()
        .args(["audit", "list", "--since", "last week"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--since: 'last week' is not a time",
        ));
}

#[test]
fn no_password_hash_or_token_ever_reaches_the_log() {
    let env = Env::new();
    env.add("ann@acme.io", "first secret pw", &[]).success();
    let token = stdout(&env.login("ann@acme.io", "first secret pw").success());
    env.cmd()
        .args(["users", "set", "ann@acme.io", "--password-stdin"])
        .write_stdin("second secret pw\n")
        .assert()
        .success();
    let file = env.dir.path().join("in.json");
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$iGSr6oB4y+c48E3NuDr72g$pAeaZBdHWF2Up0wnsdnDp053XbQ+rdOxj99D7Ee5qDI";
    std::fs::write(&file, format!(r#"[{{"email": "bo@acme.io", "password_hash": "{hash}"}}, {{"email": "cy@acme.io", "password": "third secret pw"}}]"#)).unwrap();
    env.cmd()
        .args(["users", "import"])
        .arg(&file)
        .assert()
        .success();
    let stored: Vec<String> = {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        let mut stmt = conn.prepare("SELECT password_hash FROM users").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(stored.len(), 3);
    for args in [
        &["audit", "export"][..],
        &["audit", "list"],
        &["audit", "list", "--format", "json"],
    ] {
        let out = stdout(&env.cmd().args(args).assert().success());
        assert!(
            out.contains("bo@acme.io") && out.contains("changed"),
            "{out}"
        );
        for secret in [
            "first secret pw",
            "second secret pw",
            "third secret pw",
            token.trim(),
            hash,
            "$argon2",
        ]
        .into_iter()
        .chain(stored.iter().map(String::as_str))
        {
            assert!(!out.contains(secret), "{args:?} shows {secret}");
        }
    }
}

#[test]
fn verify_names_a_tampered_entry_and_prune_is_the_one_way_to_remove() {
    let env = Env::new();
    for name in ["A", "B", "C"] {
        env.cmd().args(["groups", "add", name]).assert().success();
    }
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                "^3 entries intact; the newest entry's hash is [0-9a-f]{64}\n$",
            )
            .unwrap(),
        );
    // Pruning with a time that is not one changes nothing.
    env.cmd()
        .args(["audit", "prune", "--before", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--before: 'soon' is not a time"));
    env.cmd()
        .args(["audit", "prune", "--before", "1h"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("No entry is older than"));
    // A time still to come is refused: it would remove what is recorded now, this
    // prune's own entry included.
    env.cmd()
        .args(["audit", "prune", "--before", "2999-01-01T00:00:00Z"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is still to come"));
    std::thread::sleep(std::time::Duration::from_millis(5));
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    env.cmd()
        .args(["audit", "prune", "--before", &now])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Removed 3 entries older than"))
        .stdout(predicate::str::ends_with(
            "; the log now starts at entry 4 (the prune is entry 4).\n",
        ));
    env.cmd().args(["groups", "add", "D"]).assert().success();
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("2 entries intact"));
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    assert!(
        conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 5", [])
            .is_err()
    );
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET changes = '{}' WHERE seq = 5;",
    )
    .unwrap();
    drop(conn);
    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr("xusers: the audit log is not intact: entry 5 was changed or reordered (1 entry before it intact)\n");
}

#[test]
fn list_shows_the_newest_hundred_unless_told_otherwise() {
    let env = Env::new();
    let file = env.dir.path().join("many.json");
    let rows: Vec<String> = (0..120)
        .map(|i| format!(r#"{{"email": "u{i}@acme.io", "password": "long enough"}}"#))
        .collect();
    std::fs::write(&file, format!("[{}]", rows.join(","))).unwrap();
    env.cmd()
        .args(["users", "import"])
        .arg(&file)
        .assert()
        .success();
    let count = |args: &[&str]| {
        env.json(&[&["audit", "list", "--format", "json"], args].concat())
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&[]), 100);
    assert_eq!(
        count(&["--limit", "1000"]),
        121,
        "each user and the summary"
    );
    let export = stdout(&env.cmd().args(["audit", "export"]).assert().success());
    assert_eq!(export.lines().count(), 121);
}
