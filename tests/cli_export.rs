//! `users export`: CSV and a JSON document, same selection options as `users list`.

mod common;

use common::cli::*;

fn seeded() -> Env {
    let env = Env::new();
    env.cmd()
        .args(["groups", "add", "Sales"])
        .assert()
        .success();
    env.add(
        "ann@acme.io",
        "long enough",
        &[
            "--first",
            "Ann, \"the\" first",
            "--group",
            "Sales",
            "--tag",
            "plan=pro;x=y",
        ],
    )
    .success();
    env.add("bob@acme.io", "long enough", &["--last", "Lee"])
        .success();
    env
}

#[test]
fn json_export_is_a_document_of_the_list_objects() {
    let env = seeded();
    let doc = env.json(&["users", "export", "--format", "json"]);
    assert_eq!(doc["format"], "xusers-users");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["application"], "default");
    let listed = env.json(&["users", "list", "--format", "json"]);
    assert_eq!(doc["users"], listed, "the same user objects as users list");
    assert!(
        doc["users"][0].get("password_hash").is_none(),
        "no hashes unless asked"
    );
    let with = env.json(&[
        "users",
        "export",
        "--format",
        "json",
        "--with-password-hashes",
    ]);
    for user in with["users"].as_array().unwrap() {
        assert!(
            user["password_hash"]
                .as_str()
                .unwrap()
                .starts_with("$argon2id$v=19$")
        );
    }
    let pro = env.json(&[
        "users",
        "export",
        "--format",
        "json",
        "--tag",
        "plan=pro;x=y",
    ]);
    assert_eq!(pro["users"].as_array().unwrap().len(), 1);
    let empty = env.json(&["users", "export", "--format", "json", "--filter", "nobody"]);
    assert_eq!(empty["users"], serde_json::json!([]));
}

#[test]
fn csv_export_quotes_text_and_holds_groups_and_tags_as_json() {
    let env = seeded();
    let path = env.dir.path().join("users.csv");
    env.cmd()
        .args(["users", "export", "--output"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "email",
            "first_name",
            "last_name",
            "groups",
            "tags",
            "created",
            "last_login"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "ann@acme.io");
    assert_eq!(&rows[0][1], "Ann, \"the\" first");
    assert_eq!(&rows[0][3], r#"["Sales"]"#);
    assert_eq!(&rows[0][4], r#"{"plan":"pro;x=y"}"#);
    assert_eq!(&rows[1][2], "Lee");
    assert_eq!(&rows[1][6], "", "never logged in");

    let out = env
        .cmd()
        .args([
            "users",
            "export",
            "--with-password-hashes",
            "--scope",
            "ungrouped",
        ])
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(out.get_output().stdout.as_slice());
    assert_eq!(reader.headers().unwrap().len(), 8);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0][7].starts_with("$argon2id$"));
}

#[test]
fn export_refuses_bad_options() {
    let env = seeded();
    env.cmd()
        .args(["users", "export", "--format", "xml"])
        .assert()
        .code(2);
    env.cmd()
        .args(["users", "export", "--group", "Nope"])
        .assert()
        .code(1)
        .stderr("xusers: no such group: Nope\n");
    env.cmd()
        .args(["users", "export", "--output", "/nonexistent/dir/x.csv"])
        .assert()
        .code(1);
    env.cmd()
        .args(["users", "export", "--help"])
        .assert()
        .success();
}

/// Like import, export takes its format from the file's extension unless told.
#[test]
fn the_output_files_extension_chooses_the_format() {
    let env = seeded();
    let path = env.dir.path().join("users.JSON");
    env.cmd()
        .args(["users", "export", "--with-password-hashes", "--output"])
        .arg(&path)
        .assert()
        .success();
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(document["users"].as_array().unwrap().len(), 2);
    let told = env.dir.path().join("users.json");
    env.cmd()
        .args(["users", "export", "--format", "csv", "--output"])
        .arg(&told)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&told)
            .unwrap()
            .starts_with("email,")
    );
    // A file round-trips without naming the format on either side.
    let other = Env::new();
    other
        .cmd()
        .args(["users", "import", "--create-groups"])
        .arg(&path)
        .assert()
        .success();
    assert_eq!(other.emails(&[]), ["ann@acme.io", "bob@acme.io"]);
}

/// OWASP "CSV injection": a cell a spreadsheet would run as a formula is written with
/// a leading `'` (text to a spreadsheet); import strips exactly one and gets back the
/// original values.
#[test]
fn csv_cells_that_look_like_formulas_are_text_and_import_gives_them_back() {
    let env = Env::new();
    let hyperlink = r#"=HYPERLINK("http://evil.example","click")"#;
    env.add(
        "ann@acme.io",
        "long enough",
        &[&format!("--first={hyperlink}"), "--last=+1 555 0100"],
    )
    .success();
    env.cmd()
        .args(["users", "add", "--email=-2@acme.io", "--password-stdin"])
        .args(["--first=-2", "--last=@SUM(A1)"])
        .write_stdin("long enough\n")
        .assert()
        .success();
    env.add(
        "cid@acme.io",
        "long enough",
        &["--first='quoted", "--last=plain"],
    )
    .success();
    let path = env.dir.path().join("users.csv");
    env.cmd()
        .args(["users", "export", "--with-password-hashes", "--output"])
        .arg(&path)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let names: Vec<[&str; 3]> = rows
        .iter()
        .map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str()])
        .collect();
    assert_eq!(
        names,
        [
            ["'-2@acme.io", "'-2", "'@SUM(A1)"],
            ["ann@acme.io", &format!("'{hyperlink}"), "'+1 555 0100"],
            ["cid@acme.io", "''quoted", "plain"],
        ]
    );

    let target = Env::new();
    target
        .cmd()
        .args(["users", "import"])
        .arg(&path)
        .assert()
        .success()
        .stdout("created 3, updated 0, skipped 0, failed 0\n");
    let export = |env: &Env| {
        env.json(&[
            "users",
            "export",
            "--format",
            "json",
            "--with-password-hashes",
        ])
    };
    let after = export(&target);
    assert_eq!(export(&env), after, "the same users, byte for byte");
    assert_eq!(after["users"][0]["email"], "-2@acme.io");
    assert_eq!(after["users"][1]["first_name"], hyperlink);
    assert_eq!(after["users"][2]["first_name"], "'quoted");
    target.login("ann@acme.io", "long enough").success();
}

/// A tag key no user can have is a mistake, not an empty selection: exit 2 naming it.
#[test]
fn a_tag_key_that_breaks_the_rules_is_refused() {
    let env = seeded();
    for command in ["list", "export"] {
        env.cmd()
            .args([
                "users",
                command,
                "--tag",
                "plan",
                "--tag",
                "bad key=x",
                "--tag",
                "",
            ])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                "xusers: --tag \"bad key=x\": key may only hold A-Z a-z 0-9 - _ (found ' ')\n\
                 xusers: --tag \"\": key is required\n",
            );
    }
    assert_eq!(env.emails(&["--tag", "plan"]), ["ann@acme.io"]);
}
