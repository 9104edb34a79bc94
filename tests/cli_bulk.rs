//! `users delete`, `users set` and `tokens invalidate` over a selection instead of
//! emails, through the real binary: `--dry-run`, the refusal without `--yes` off a
//! terminal, emails and a selection together refused, bad input changing nothing —
//! on both backends (tests/common/cli.rs, `Env::on`).

mod common;

use common::backend::Backend;
use common::cli::*;
use predicates::prelude::*;
use rstest::rstest;

/// ann (Sales, plan=pro), bob (plan=pro), cy, dee (plan=free), on a store of
/// `backend`'s kind; `None` where it cannot run here.
fn env(backend: Backend) -> Option<Env> {
    let env = Env::on(backend)?;
    env.cmd()
        .args(["groups", "add", "Sales"])
        .assert()
        .success();
    env.cmd()
        .args(["groups", "add", "Support"])
        .assert()
        .success();
    for (email, extra) in [
        (
            "ann@acme.io",
            &["--group", "Sales", "--tag", "plan=pro"][..],
        ),
        ("bob@acme.io", &["--tag", "plan=pro"][..]),
        ("cy@other.io", &[][..]),
        ("dee@other.io", &["--tag", "plan=free"][..]),
    ] {
        env.add(email, "long enough", extra).success();
    }
    Some(env)
}

/// Every user and every audit entry: what "nothing changed" compares.
fn state(env: &Env) -> (serde_json::Value, serde_json::Value) {
    (
        env.json(&["users", "list", "--format", "json"]),
        env.json(&["audit", "list", "--format", "json"]),
    )
}

fn newest_ops(env: &Env, n: usize) -> Vec<(String, String)> {
    let entries = env.json(&[
        "audit",
        "list",
        "--format",
        "json",
        "--limit",
        &n.to_string(),
    ]);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), n);
    let batch = &entries[0]["batch"];
    assert!(batch.is_i64(), "{entries:?}");
    entries
        .iter()
        .rev()
        .map(|e| {
            assert_eq!(&e["batch"], batch, "one batch");
            assert_eq!(e["source"], "cli");
            (
                e["op"].as_str().unwrap().to_string(),
                e["target"]["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[rstest]
fn delete_by_selection_says_what_it_would_do_asks_and_then_deletes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    let before = state(&env);
    for tag in ["--has-tag", "--tag"] {
        env.cmd()
            .args(["users", "delete", tag, "plan=pro", "--dry-run"])
            .assert()
            .success()
            .stdout(
                "Selected 2 users: ann@acme.io and bob@acme.io\n\
                 Dry run: would delete 2 users; nothing was changed.\n",
            );
    }
    env.cmd()
        .args(["users", "delete", "--filter", "acme"])
        .assert()
        .code(2)
        .stderr("xusers: not on a terminal: pass --yes to go ahead without asking\n");
    env.cmd()
        .args([
            "users",
            "delete",
            "cy@other.io",
            "--filter",
            "acme",
            "--yes",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not both"));
    env.cmd()
        .args(["users", "delete", "--group", "Nope", "--yes"])
        .assert()
        .code(1)
        .stderr("xusers: no such group: Nope\n");
    env.cmd()
        .args(["users", "delete", "--has-tag", "bad key", "--yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key may only hold"));
    env.cmd()
        .args(["users", "delete", "--filter", "nobody", "--yes"])
        .assert()
        .success()
        .stdout("No user is selected; nothing was changed.\n");
    assert_eq!(state(&env), before, "nothing changed");

    env.cmd()
        .args([
            "users",
            "delete",
            "--scope",
            "ungrouped",
            "--filter",
            "acme",
            "--yes",
        ])
        .assert()
        .success()
        .stdout("Deleted 1 user\n");
    env.cmd()
        .args(["users", "delete", "--filter", "other", "--yes"])
        .assert()
        .success()
        .stdout("Deleted 2 users\n");
    assert_eq!(env.emails(&[]), ["ann@acme.io"]);
    assert_eq!(
        newest_ops(&env, 3),
        [
            ("user.delete".into(), "cy@other.io".into()),
            ("user.delete".into(), "dee@other.io".into()),
            ("users.delete".into(), "default".into()),
        ]
    );
}

#[rstest]
fn a_dry_run_of_emails_or_all_changes_nothing_either(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    let token = stdout(&env.login("ann@acme.io", "long enough").success());
    let token = token.trim();
    let before = state(&env);
    env.cmd()
        .args(["users", "delete", "ann@acme.io", "bob@acme.io", "--dry-run"])
        .assert()
        .success()
        .stdout(
            "Selected 2 users: ann@acme.io and bob@acme.io\n\
             Dry run: would delete 2 users; nothing was changed.\n",
        );
    env.cmd()
        .args(["tokens", "invalidate", "--all", "--dry-run"])
        .assert()
        .success()
        .stdout(
            "Selected 4 users: ann@acme.io, bob@acme.io, cy@other.io and dee@other.io\n\
             Dry run: would end the sessions of 1 user; nothing was changed.\n",
        );
    env.cmd()
        .args([
            "tokens",
            "invalidate",
            "--email",
            "bob@acme.io",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "would end the sessions of 0 users; nothing was changed.\n",
        ));
    env.cmd().args(["whoami", token]).assert().success();
    assert_eq!(state(&env), before);
    env.cmd()
        .args(["users", "set", "ann@acme.io", "--first", "Ann", "--dry-run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--dry-run needs a selection"));
}

#[rstest]
fn set_by_selection_changes_groups_and_tags_of_every_selected_user_in_one_batch(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    let before = state(&env);
    let set = |args: &[&str]| env.cmd().args([&["users", "set"], args].concat()).assert();
    set(&[
        "--has-tag",
        "plan",
        "--add-group",
        "Sales",
        "--tag",
        "tier=gold",
        "--dry-run",
    ])
    .success()
    .stdout(
        "Selected 3 users: ann@acme.io, bob@acme.io and dee@other.io\n\
             Dry run: would change 3 users; nothing was changed.\n",
    );
    set(&["--has-tag", "plan", "--tag", "tier=gold"])
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
    set(&[
        "ann@acme.io",
        "--filter",
        "acme",
        "--tag",
        "tier=gold",
        "--yes",
    ])
    .code(2)
    .stderr(predicate::str::contains("not both"));
    set(&["--filter", "acme", "--first", "Someone", "--yes"])
        .code(2)
        .stderr(predicate::str::contains("only groups and tags"));
    set(&["--filter", "acme", "--yes"])
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    set(&["--filter", "acme", "--add-group", "Nope", "--yes"])
        .code(1)
        .stderr("xusers: no such group: Nope\n");
    set(&[
        "--filter",
        "acme",
        "--tag",
        "bad key=1",
        "--untag",
        "x.y",
        "--yes",
    ])
    .code(2)
    .stderr(
        predicate::str::contains("--untag \"x.y\": key may only hold").and(
            predicate::str::contains("--tag \"bad key\": key may only hold"),
        ),
    );
    set(&["--filter", "acme", "--tag", "tier=a\u{1b}b", "--yes"])
        .code(2)
        .stderr(predicate::str::contains("control characters"));
    set(&["--tag", "tier=gold"])
        .code(2)
        .stderr(predicate::str::contains("name the user to change by email"));
    assert_eq!(state(&env), before, "nothing changed");

    set(&[
        "--has-tag",
        "plan",
        "--add-group",
        "Sales",
        "--untag",
        "plan",
        "--tag",
        "tier=gold",
        "--yes",
    ])
    .success()
    .stdout("Changed 3 users\n");
    let dee = env.json(&["users", "get", "dee@other.io", "--format", "json"]);
    assert_eq!(dee["groups"], serde_json::json!(["Sales"]));
    assert_eq!(dee["tags"], serde_json::json!({"tier": "gold"}));
    let cy = env.json(&["users", "get", "cy@other.io", "--format", "json"]);
    assert_eq!(cy["tags"], serde_json::json!({}), "cy was not selected");
    assert_eq!(
        newest_ops(&env, 4),
        [
            ("user.update".into(), "ann@acme.io".into()),
            ("user.update".into(), "bob@acme.io".into()),
            ("user.update".into(), "dee@other.io".into()),
            ("users.edit".into(), "default".into()),
        ]
    );
    // One change alone is that change's own bulk action.
    set(&["--group", "Sales", "--remove-group", "Sales", "--yes"])
        .success()
        .stdout("Changed 3 users\n");
    assert_eq!(env.emails(&["--scope", "grouped"]).len(), 0);
    assert_eq!(newest_ops(&env, 4)[3].0, "users.remove_from_group");
}

#[rstest]
fn invalidate_by_selection_ends_the_selected_users_sessions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    let ann = stdout(&env.login("ann@acme.io", "long enough").success());
    let cy = stdout(&env.login("cy@other.io", "long enough").success());
    let before = state(&env);
    env.cmd()
        .args(["tokens", "invalidate", "--tag", "plan=pro"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
    env.cmd()
        .args([
            "tokens",
            "invalidate",
            "--all",
            "--has-tag",
            "plan",
            "--yes",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("say whose tokens once"));
    env.cmd().args(["tokens", "invalidate"]).assert().code(2);
    assert_eq!(state(&env), before);

    env.cmd()
        .args(["tokens", "invalidate", "--has-tag", "plan=pro", "--yes"])
        .assert()
        .success()
        .stdout("Ended the sessions of 1 user\n");
    env.cmd().args(["whoami", ann.trim()]).assert().code(1);
    env.cmd().args(["whoami", cy.trim()]).assert().success();
    assert_eq!(
        newest_ops(&env, 2),
        [
            ("tokens.invalidate".into(), "ann@acme.io".into()),
            ("users.invalidate_tokens".into(), "default".into()),
        ]
    );
}

#[rstest]
fn a_group_selects_its_subgroups_members_unless_direct(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    env.cmd()
        .args(["groups", "add", "EMEA", "--parent", "Sales"])
        .assert()
        .success();
    env.add("eve@acme.io", "long enough", &["--group", "EMEA"])
        .success();
    let dry_run = |extra: &[&str]| {
        let out = env
            .cmd()
            .args([&["users", "delete", "--group", "Sales", "--dry-run"], extra].concat())
            .assert()
            .success();
        stdout(&out).lines().next().unwrap().to_string()
    };
    assert_eq!(
        dry_run(&[]),
        "Selected 2 users: ann@acme.io and eve@acme.io"
    );
    assert_eq!(dry_run(&["--direct"]), "Selected 1 user: ann@acme.io");
}

#[rstest]
fn invalidate_by_group_scope_and_filter_ends_only_those_sessions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    let token = |email: &str| stdout(&env.login(email, "long enough").success());
    let tokens: Vec<(&str, String)> = ["ann@acme.io", "bob@acme.io", "cy@other.io", "dee@other.io"]
        .into_iter()
        .map(|email| (email, token(email)))
        .collect();
    let alive = || -> Vec<&str> {
        (tokens.iter())
            .filter(|(_, t)| {
                env.cmd()
                    .args(["whoami", t.trim()])
                    .assert()
                    .try_success()
                    .is_ok()
            })
            .map(|(email, _)| *email)
            .collect()
    };
    env.cmd()
        .args(["tokens", "invalidate", "--group", "Sales", "--yes"])
        .assert()
        .success()
        .stdout("Ended the sessions of 1 user\n");
    assert_eq!(alive(), ["bob@acme.io", "cy@other.io", "dee@other.io"]);
    env.cmd()
        .args([
            "tokens",
            "invalidate",
            "--scope",
            "ungrouped",
            "--filter",
            "other",
            "--yes",
        ])
        .assert()
        .success()
        .stdout("Ended the sessions of 2 users\n");
    assert_eq!(alive(), ["bob@acme.io"], "bob matches no filter");
}

#[rstest]
fn set_by_group_scope_and_filter_changes_only_those_users(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(env) = env(backend) else {
        return;
    };
    env.cmd()
        .args([
            "users",
            "set",
            "--group",
            "Sales",
            "--tag",
            "tier=gold",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(env.emails(&["--tag", "tier=gold"]), ["ann@acme.io"]);
    env.cmd()
        .args([
            "users",
            "set",
            "--scope",
            "ungrouped",
            "--filter",
            "other",
            "--add-group",
            "Support",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(
        env.emails(&["--group", "Support"]),
        ["cy@other.io", "dee@other.io"]
    );
    assert_eq!(env.emails(&["--scope", "ungrouped"]), ["bob@acme.io"]);
}

#[test]
fn a_dry_run_names_the_first_five_and_how_many_more() {
    let env = Env::new();
    env.cmd().args(["demo", "--users", "60"]).assert().success();
    let everyone = env.emails(&[]);
    assert_eq!(everyone.len(), 60);
    let before = state(&env);
    for args in [
        &["users", "delete", "--scope", "all", "--dry-run"][..],
        &["tokens", "invalidate", "--filter", "@", "--dry-run"][..],
    ] {
        let shown = stdout(&env.cmd().args(args).assert().success());
        let first = shown.lines().next().unwrap();
        assert_eq!(
            first,
            format!(
                "Selected 60 users: {} and 55 more",
                everyone[..5].join(", ")
            ),
            "{args:?}"
        );
        assert!(shown.lines().nth(1).unwrap().starts_with("Dry run: would "));
    }
    assert_eq!(state(&env), before, "nothing changed");
}
