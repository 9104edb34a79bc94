//! `users list --group NAME`: the group's members with its subgroups' (as the
//! console's members view shows them), or with `--direct` its own only.

mod common;

use common::cli::Env;

fn world() -> Env {
    let env = Env::new();
    for (name, parent) in [
        ("Acme", None),
        ("Sales", Some("Acme")),
        ("EMEA", Some("Sales")),
    ] {
        let mut cmd = env.cmd();
        cmd.args(["groups", "add", name]);
        if let Some(parent) = parent {
            cmd.args(["--parent", parent]);
        }
        cmd.assert().success();
    }
    env.add("a@acme.io", "password-1", &["--group", "Acme"])
        .success();
    env.add("b@acme.io", "password-1", &["--group", "Sales"])
        .success();
    env.add(
        "c@acme.io",
        "password-1",
        &["--group", "EMEA", "--group", "Sales"],
    )
    .success();
    env.add("d@acme.io", "password-1", &[]).success();
    env
}

#[test]
fn group_lists_the_members_of_its_subgroups_once_and_direct_only_its_own() {
    let env = world();
    assert_eq!(
        env.emails(&["--group", "Acme"]),
        vec!["a@acme.io", "b@acme.io", "c@acme.io"]
    );
    assert_eq!(
        env.emails(&["--group", "Sales"]),
        vec!["b@acme.io", "c@acme.io"]
    );
    assert_eq!(
        env.emails(&["--group", "Acme", "--direct"]),
        vec!["a@acme.io"]
    );
    assert_eq!(
        env.emails(&["--group", "EMEA", "--direct"]),
        vec!["c@acme.io"]
    );
    assert_eq!(
        env.emails(&["--group", "Acme", "--filter", "b@"]),
        vec!["b@acme.io"]
    );
}

#[test]
fn direct_without_a_group_or_an_unknown_group_is_refused_clearly() {
    let env = world();
    let out = env
        .cmd()
        .args(["users", "list", "--direct"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--group"), "{err}");
    let out = env
        .cmd()
        .args(["users", "list", "--group", "Nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such group: Nope"), "{err}");
}
