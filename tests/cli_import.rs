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

/// An import indexes its users' search text in one go at the end (not row by row): what
/// it wrote is found by every kind of term, and users added after it — also after an
/// import that wrote nothing — are indexed as before.
#[test]
fn imported_users_are_found_by_search_and_so_are_users_added_afterwards() {
    let env = Env::new();
    env.add("zed@acme.io", "long enough", &[]).success();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "kim@acme.io", "first_name": "Kimberly", "password": "long enough"},
            {"email": "lou@acme.io", "last_name": "Quartermain", "password": "long enough"}
        ]"#,
    );
    let broken = write(&env, "broken.json", r#"[{"email": "nope"}]"#);
    import(&env, &broken, &[]).code(2);
    import(&env, &file, &["--dry-run"]).success();
    env.add("ann@acme.io", "long enough", &[]).success();
    import(&env, &file, &[])
        .success()
        .stdout("created 2, updated 0, skipped 0, failed 0\n");
    env.add("max@acme.io", "long enough", &["--first", "Maximilian"])
        .success();
    for (term, found) in [
        ("kimberly", vec!["kim@acme.io"]),
        ("quarter", vec!["lou@acme.io"]),
        ("zed", vec!["zed@acme.io"]),
        ("ann", vec!["ann@acme.io"]),
        ("imilia", vec!["max@acme.io"]),
        // Short terms take the index's vocabulary, not the trigrams themselves.
        ("q", vec!["lou@acme.io"]),
        ("ki", vec!["kim@acme.io"]),
        ("nothing", vec![]),
    ] {
        assert_eq!(env.emails(&["--filter", term]), found, "--filter {term}");
    }
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

fn stderr_lines(out: &assert_cmd::assert::Assert) -> Vec<String> {
    String::from_utf8(out.get_output().stderr.clone())
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// A row's own rule problems and what the database refuses (taken email, unknown
/// group, user limit) are reported together, as `users add` does.
#[test]
fn each_rows_rule_and_database_problems_are_reported_together() {
    let env = Env::new();
    env.add("taken@example.com", "long enough", &[]).success();
    env.cmd()
        .args(["apps", "set-limit", "default", "1"])
        .assert()
        .success();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "imp6@example.com", "password": "short", "groups": ["Nope"]},
            {"email": "taken@example.com", "first_name": "a\u001bb", "groups": ["Nope"]},
            {"email": "not-an-email", "password": "long enough", "groups": [" Nope ", "Nope"]}
        ]"#,
    );
    let out = import(&env, &file, &[]).code(2);
    let limit = "the application's user limit of 1 is reached";
    assert_eq!(
        stderr_lines(&out),
        [
            "xusers: line 1: password: must be at least 8 characters (has 5)".to_string(),
            format!("xusers: line 1: user: {limit}"),
            "xusers: line 1: groups: no such group: Nope".into(),
            "xusers: line 2: first name: may not contain control characters (found U+001B)".into(),
            "xusers: line 2: groups: no such group: Nope".into(),
            "xusers: line 2: email: already a user (--on-conflict skip or update to go on)".into(),
            "xusers: line 3: email: must look like name@example.com".into(),
            format!("xusers: line 3: user: {limit}"),
            "xusers: line 3: groups: no such group: Nope".into(),
            "xusers: bad rows: nothing imported".into(),
        ]
    );
    assert_eq!(env.emails(&[]), ["taken@example.com"]);
}

/// With --create-groups, only a row that is written creates its groups.
#[test]
fn a_broken_row_creates_no_groups() {
    let env = Env::new();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "ann@example.com", "password": "long enough", "groups": ["Kept"]},
            {"email": "bob@example.com", "password": "short", "groups": ["Dropped"]}
        ]"#,
    );
    let out = import(&env, &file, &["--create-groups", "--partial"])
        .success()
        .stdout("created 1, updated 0, skipped 0, failed 1\n");
    assert_eq!(
        stderr_lines(&out),
        ["xusers: line 2: password: must be at least 8 characters (has 5)"]
    );
    let groups = env.json(&["groups", "list", "--format", "json"]);
    let names: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Kept"]);
}

/// Two rows for one email (in any case) report only that, whatever the database
/// holds and whatever --on-conflict says.
#[test]
fn a_second_row_for_an_email_reports_only_the_duplicate() {
    let env = Env::new();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "imp3@example.com", "password": "long enough"},
            {"email": "IMP3@example.com", "password": "long enough"},
            {"email": "imp3@EXAMPLE.com", "groups": ["Nope"]}
        ]"#,
    );
    let only_the_duplicate = [
        "xusers: line 2: email: IMP3@example.com is already on line 1 of this file",
        "xusers: line 3: email: imp3@EXAMPLE.com is already on line 1 of this file",
    ];
    // With room for one user only, the repeats would also be "past the limit".
    env.cmd()
        .args(["apps", "set-limit", "default", "1"])
        .assert()
        .success();
    for conflict in ["fail", "skip", "update"] {
        let out = import(&env, &file, &["--on-conflict", conflict]).code(2);
        let lines = stderr_lines(&out);
        assert_eq!(lines[..lines.len() - 1], only_the_duplicate, "{conflict}");
        assert!(env.emails(&[]).is_empty());
    }
    import(&env, &file, &["--partial"])
        .success()
        .stdout("created 1, updated 0, skipped 0, failed 2\n");
    assert_eq!(env.emails(&[]), ["imp3@example.com"]);
    // Now the email is a user: the first row says so, the others only repeat it.
    let out = import(&env, &file, &[]).code(2);
    assert_eq!(
        stderr_lines(&out),
        [
            "xusers: line 1: email: already a user (--on-conflict skip or update to go on)",
            only_the_duplicate[0],
            only_the_duplicate[1],
            "xusers: bad rows: nothing imported",
        ]
    );
}

/// A stored hash that could not be verified at login is refused, naming the row and
/// the reason; argon2i and weak argon2id hashes are kept (and cost the login floor).
#[test]
fn a_hash_that_cannot_be_verified_is_refused_naming_row_and_reason() {
    let env = Env::new();
    let file = write(
        &env,
        "users.json",
        r#"[
            {"email": "a@example.com", "password_hash": "$md5-crypt$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"},
            {"email": "b@example.com", "password_hash": "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"},
            {"email": "c@example.com", "password_hash": "$argon2id$v=19$m=64,t=1,p=1"},
            {"email": "d@example.com", "password_hash": "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}
        ]"#,
    );
    let out = import(&env, &file, &["--partial"])
        .success()
        .stdout("created 1, updated 0, skipped 0, failed 3\n");
    let lines = stderr_lines(&out);
    for (line, reason) in [
        ("line 1", "md5-crypt hashes cannot be verified"),
        ("line 2", "invalid argon2 parameters"),
        ("line 3", "no salt or no hash"),
    ] {
        let prefix = format!("xusers: {line}: password: password_hash: ");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&prefix) && l.contains(reason)),
            "{line}: {reason}\n{lines:?}"
        );
    }
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(env.emails(&[]), ["d@example.com"]);
}

/// Bad input is exit 2 with one clear line, and nothing is written.
#[test]
fn bad_files_are_exit_2_with_a_clear_line() {
    let env = Env::new();
    let latin1 = env.dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"email,password\nren\xe9@acme.io,long enough\n").unwrap();
    import(&env, &latin1, &[]).code(2).stderr(format!(
        "xusers: {} is not UTF-8 text (line 2); save it as UTF-8\n",
        latin1.display()
    ));
    let scalars = write(&env, "scalars.json", r#"[1, "ann@acme.io", null, ["x"]]"#);
    let out = import(&env, &scalars, &[]).code(2);
    assert_eq!(
        stderr_lines(&out),
        [
            "xusers: line 1: user: a user is a JSON object, not a number",
            "xusers: line 2: user: a user is a JSON object, not a string",
            "xusers: line 3: user: a user is a JSON object, not null",
            "xusers: line 4: user: a user is a JSON object, not an array",
            "xusers: bad rows: nothing imported",
        ]
    );
    let user = r#"{"email": "ann@acme.io", "password": "long enough"}"#;
    for version in ["2", "\"1\"", "1.5", "-1"] {
        let newer = write(
            &env,
            "newer.json",
            &format!(r#"{{"format": "xusers-users", "version": {version}, "users": [{user}]}}"#),
        );
        import(&env, &newer, &[]).code(2).stderr(format!(
            "xusers: the export document's version is {version}, but this build reads only \
             version 1 and older (a newer xusers may have written it)\n"
        ));
    }
    assert!(env.emails(&[]).is_empty(), "nothing was written");
    for version in ["1", "0"] {
        let known = write(
            &env,
            "known.json",
            &format!(r#"{{"format": "xusers-users", "version": {version}, "users": [{user}]}}"#),
        );
        import(&env, &known, &["--dry-run"]).success();
    }
}
