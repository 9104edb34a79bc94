//! `users import`: round trips with export, all-or-nothing, conflicts, bad files.

mod common;

use common::cli::*;
use predicates::prelude::*;

fn write(env: &Env, name: &str, text: &str) -> std::path::PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(env: &Env, file: &std::path::Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    env.cmd()
        .args(["users", "import"])
        .arg(file)
        .args(extra)
        .assert()
}

#[test]
fn export_import_export_round_trips_and_passwords_still_work() {
    let source = Env::new();
    source
        .cmd()
        .args(["demo", "--users", "25"])
        .assert()
        .success();
    // A login gives one user a last-login time, which must survive too.
    let first = source.emails(&["--limit", "1"]).remove(0);
    source.login(&first, "demo-password").success();
    for format in ["json", "csv"] {
        let file = source.dir.path().join(format!("users.{format}"));
        source
            .cmd()
            .args([
                "users",
                "export",
                "--with-password-hashes",
                "--format",
                format,
                "--output",
            ])
            .arg(&file)
            .assert()
            .success();
        let target = Env::new();
        import(&target, &file, &["--create-groups"])
            .success()
            .stdout("created 25, updated 0, skipped 0, failed 0\n");
        let before = source.json(&[
            "users",
            "export",
            "--format",
            "json",
            "--with-password-hashes",
        ]);
        let after = target.json(&[
            "users",
            "export",
            "--format",
            "json",
            "--with-password-hashes",
        ]);
        assert_eq!(before, after, "{format}: the same document");
        for email in target.emails(&[]).iter().take(3) {
            target.login(email, "demo-password").success();
        }
    }
}

#[test]
fn a_bad_row_imports_nothing_and_every_bad_row_is_reported() {
    let env = Env::new();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "ann@acme.io", "password": "long enough", "tags": {"plan": "pro"}},
            {"email": "not-an-email", "password": "short"},
            {"email": "ANN@acme.io", "password": "long enough"},
            {"email": "bob@acme.io", "password": "long enough", "groups": ["Nope"]},
            {"email": "cid@acme.io", "password_hash": "plain"},
            {"email": "dee@acme.io", "password": "long enough", "color": "red"}
        ]"#,
    );
    let out = import(&env, &file, &[]).code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for expected in [
        "line 2: email: must look like",
        "line 2: password: must be at least 8",
        "line 3: email: ANN@acme.io is already on line 1 of this file",
        "line 4: groups: no such group: Nope",
        "line 5: password: password_hash: not a PHC hash",
        "line 6: user: unknown field `color`",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(stdout(&out).contains("nothing was written"));
    assert!(env.emails(&[]).is_empty());

    import(&env, &file, &["--dry-run", "--partial"])
        .success()
        .stdout(predicate::str::starts_with("would be created 1"));
    assert!(env.emails(&[]).is_empty(), "a dry run writes nothing");
    import(&env, &file, &["--partial"])
        .success()
        .stdout("created 1, updated 0, skipped 0, failed 5\n");
    assert_eq!(env.emails(&[]), ["ann@acme.io"]);
    env.login("ann@acme.io", "long enough").success();
}

#[test]
fn conflicts_fail_skip_or_update() {
    let env = Env::new();
    env.add("ann@acme.io", "long enough", &["--first", "Ann"])
        .success();
    let csv = "email,first_name,last_name,groups,tags,password\n\
               ANN@acme.io,Annie,,\"[\"\"Ops\"\"]\",\"{\"\"plan\"\":\"\"pro\"\"}\",\n\
               new@acme.io,New,,,,fresh password\n";
    let file = write(&env, "users.csv", csv);
    let out = import(&env, &file, &[]).code(2);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr)
            .contains("line 2: groups: no such group: Ops")
    );
    let out = import(&env, &file, &["--create-groups"]).code(2);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("line 2: email: already a user")
    );
    import(&env, &file, &["--create-groups", "--on-conflict", "skip"])
        .success()
        .stdout("created 1, updated 0, skipped 1, failed 0\n");
    env.login("new@acme.io", "fresh password").success();
    import(&env, &file, &["--create-groups", "--on-conflict", "update"])
        .success()
        .stdout("created 0, updated 2, skipped 0, failed 0\n");
    env.login("new@acme.io", "fresh password").success();
    let update = write(
        &env,
        "update.csv",
        "email,first_name,groups\nann@acme.io,Annie,\"[\"\"Ops\"\"]\"\n",
    );
    import(
        &env,
        &update,
        &["--create-groups", "--on-conflict", "update"],
    )
    .success()
    .stdout("created 0, updated 1, skipped 0, failed 0\n");
    let ann = env.json(&["users", "get", "ann@acme.io", "--format", "json"]);
    assert_eq!(ann["first_name"], "Annie");
    assert_eq!(ann["groups"], serde_json::json!(["Ops"]));
    env.login("ann@acme.io", "long enough").success();
}

#[test]
fn unreadable_files_are_refused() {
    let env = Env::new();
    let junk = write(&env, "junk.json", "{not json");
    import(&env, &junk, &[])
        .code(2)
        .stderr(predicate::str::contains("not JSON"));
    let object = write(&env, "object.json", r#"{"people": []}"#);
    import(&env, &object, &[]).code(2);
    let missing = env.dir.path().join("missing.json");
    import(&env, &missing, &[])
        .code(1)
        .stderr(predicate::str::contains("cannot read"));
    let bad_cell = write(
        &env,
        "cells.csv",
        "email,password,tags\na@acme.io,long enough,plan=pro\n",
    );
    import(&env, &bad_cell, &[])
        .code(2)
        .stderr(predicate::str::contains("line 2: user: tags: not JSON"));
    env.cmd()
        .args(["users", "import", "--help"])
        .assert()
        .success();
    env.cmd()
        .args(["users", "import", "x.json", "--on-conflict", "merge"])
        .assert()
        .code(2);
}
