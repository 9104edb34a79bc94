//! `users import --from firebase|auth0|keycloak` and foreign hashes in xusers' own
//! files, through the real binary: each system's example in `assets/examples/` imports,
//! every user logs in with the right password only, and after that login holds an
//! argon2id hash with today's parameters; bad input is refused by row, nothing written.

mod common;

use std::path::{Path, PathBuf};

use common::cli::*;

/// The sample project parameters of the firebase/scrypt README.
const FIREBASE: [&str; 8] = [
    "--hash-key",
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    "--salt-separator",
    "Bw==",
    "--rounds",
    "8",
    "--mem-cost",
    "14",
];
const TODAY: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples")
        .join(name)
}

fn write(env: &Env, name: &str, text: &str) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(env: &Env, file: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    env.cmd()
        .args(["users", "import"])
        .arg(file)
        .args(args)
        .assert()
}

fn stderr_lines(out: &assert_cmd::assert::Assert) -> Vec<String> {
    String::from_utf8(out.get_output().stderr.clone())
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn user(env: &Env, email: &str) -> serde_json::Value {
    env.json(&["users", "get", email, "--format", "json"])
}

/// The stored hash, from an export with hashes.
fn stored_hash(env: &Env, email: &str) -> String {
    let export = env.json(&[
        "users",
        "export",
        "--format",
        "json",
        "--with-password-hashes",
    ]);
    let users = export["users"].as_array().unwrap();
    let user = users.iter().find(|u| u["email"] == email).unwrap();
    user["password_hash"].as_str().unwrap().to_string()
}

/// A wrong password fails and leaves the foreign hash; the right one logs in and
/// replaces it with argon2id.
fn logs_in_then_holds_argon2id(env: &Env, email: &str, password: &str, scheme: &str) {
    assert_eq!(user(env, email)["password_scheme"], scheme, "{email}");
    env.login(email, &format!("{password}x")).code(1);
    env.login(email, "").code(1);
    assert_eq!(user(env, email)["password_scheme"], scheme, "{email}");
    env.login(email, password).success();
    assert!(stored_hash(env, email).starts_with(TODAY), "{email}");
    assert_eq!(user(env, email)["password_scheme"], "argon2id");
    env.login(email, password).success();
    env.login(email, &format!("{password}x")).code(1);
}

#[test]
fn firebase_sample_users_log_in_with_their_passwords() {
    let env = Env::new();
    let out = import(
        &env,
        &example("firebase-users.json"),
        &[&["--from", "firebase"], &FIREBASE[..]].concat(),
    )
    .success()
    .stdout("created 2, updated 0, skipped 0, failed 0\n");
    assert_eq!(
        stderr_lines(&out),
        [
            "note: not imported: photoUrl (1 user), providerUserInfo.displayName (1 user), \
          providerUserInfo.email (1 user), providerUserInfo.rawId (2 users)"
        ]
    );
    // The README's sample user: its documented password, salt and hash.
    logs_in_then_holds_argon2id(&env, "user1@test.com", "user1password", "firebase-scrypt");
    logs_in_then_holds_argon2id(
        &env,
        "user2@test.com",
        "second user password",
        "firebase-scrypt",
    );
    let first = user(&env, "user1@test.com");
    assert_eq!(first["first_name"], "Test");
    assert_eq!(first["last_name"], "User 1");
    assert_eq!(first["created"], "2017-10-25T01:12:05Z");
    let second = user(&env, "user2@test.com");
    assert_eq!(
        second["tags"],
        serde_json::json!({
            "admin": "true", "tier": "gold", "disabled": "false", "email_verified": "true",
            "firebase_uid": "Lq2sQ9dWZ8VsV4Xy0aBcDeFgHiJ2", "phone": "+15555550100",
            "providers": "password,google.com"
        })
    );
}

/// The audit log's summary entry and the log name the import's source system and
/// file; the log holds no hash, salt or key.
#[test]
fn the_log_names_the_source_and_never_a_hash_or_key() {
    let env = Env::new();
    let logs = env.dir.path().join("logs");
    env.cmd()
        .env("XUSERS_LOG_DIR", &logs)
        .args(["users", "import"])
        .arg(example("firebase-users.json"))
        .args([&["--from", "firebase"], &FIREBASE[..]].concat())
        .assert()
        .success();
    let audit = env.json(&["audit", "list", "--op", "import", "--format", "json"]);
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    let origin = format!("firebase: {}", example("firebase-users.json").display());
    assert_eq!(entries[0]["target"]["label"], origin.as_str(), "{audit}");
    assert_eq!(entries[0]["changes"]["created"], serde_json::json!([0, 2]));
    let log = std::fs::read_to_string(logs.join("xusers.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains(&format!("import users from {origin} (created 2"))),
        "{log}"
    );
    for secret in [
        FIREBASE[1],
        "lSrfV15cpx95",
        "42xEC+ixf3L2lw",
        "jxspr8Ki0RYyc",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn firebase_without_its_parameters_refuses_every_hashed_row() {
    let env = Env::new();
    let out = import(
        &env,
        &example("firebase-users.json"),
        &[
            "--from",
            "firebase",
            "--hash-key",
            FIREBASE[1],
            "--rounds",
            "8",
        ],
    )
    .code(2);
    let lines = stderr_lines(&out);
    for line in [1, 2] {
        let expected = format!(
            "xusers: line {line}: password: passwordHash needs the project's hash \
             parameters: --salt-separator, --mem-cost"
        );
        assert!(lines.contains(&expected), "{expected}\n{lines:?}");
    }
    assert!(env.emails(&[]).is_empty(), "nothing was written");
    // Parameters that cannot be right are refused before any row.
    let mut wrong = FIREBASE;
    wrong[7] = "99";
    import(
        &env,
        &example("firebase-users.json"),
        &[&["--from", "firebase"], &wrong[..]].concat(),
    )
    .code(2)
    .stderr("xusers: --mem-cost 99 is not from 1 to 20\n");
    // Another project's key has another length: every hash says so.
    let mut other_key = FIREBASE;
    other_key[1] = "c2hvcnQga2V5";
    let out = import(
        &env,
        &example("firebase-users.json"),
        &[&["--from", "firebase"], &other_key[..]].concat(),
    )
    .code(2);
    assert!(stderr_lines(&out)[0].contains("wrong --hash-key?"));
    import(
        &env,
        &example("auth0-users.json"),
        &["--from", "auth0", "--rounds", "8"],
    )
    .code(2)
    .stderr(predicates::str::contains("are for --from firebase"));
    assert!(env.emails(&[]).is_empty(), "nothing was written");
}

#[test]
fn auth0_bulk_import_example_users_log_in() {
    let env = Env::new();
    let out = import(&env, &example("auth0-users.json"), &["--from", "auth0"])
        .success()
        .stdout("created 4, updated 0, skipped 0, failed 0\n");
    assert_eq!(
        stderr_lines(&out),
        ["note: not imported: app_metadata.roles (1 user), name (1 user), picture (1 user)"]
    );
    logs_in_then_holds_argon2id(
        &env,
        "antonia@contoso.example",
        "correctbatteryhorsestapler",
        "bcrypt",
    );
    logs_in_then_holds_argon2id(
        &env,
        "ben@contoso.example",
        "ben auth0 password",
        "pbkdf2-sha512",
    );
    logs_in_then_holds_argon2id(
        &env,
        "carla@contoso.example",
        "carla auth0 password",
        "sha256-salted",
    );
    // An argon2id hash with today's parameters is kept as it is.
    assert_eq!(
        user(&env, "dana@contoso.example")["password_scheme"],
        "argon2id"
    );
    env.login("dana@contoso.example", "example-password")
        .success();
    let antonia = user(&env, "antonia@contoso.example");
    assert_eq!(
        (
            antonia["first_name"].as_str(),
            antonia["last_name"].as_str()
        ),
        (Some("Antonia"), Some("Ruiz"))
    );
    assert_eq!(
        antonia["tags"],
        serde_json::json!({"auth0_user_id": "auth0|antonia", "email_verified": "false",
                           "plan": "premium", "theme": "light"})
    );
    let ben = user(&env, "ben@contoso.example");
    assert_eq!(
        (ben["first_name"].as_str(), ben["last_name"].as_str()),
        (Some("Ben"), Some("Okoro"))
    );
    assert_eq!(
        user(&env, "dana@contoso.example")["first_name"],
        serde_json::Value::Null
    );
}

#[test]
fn auth0_ndjson_export_reads_one_user_per_line() {
    let env = Env::new();
    let file = write(
        &env,
        "export.json",
        "{\"email\":\"a@contoso.example\",\"user_id\":\"auth0|a\",\"identities\":[{\"provider\":\"auth0\",\"user_id\":\"a\"}],\"password_hash\":\"$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie\"}\n\
         {\"email\":\"b@contoso.example\",\"created_at\":\"2024-01-02T03:04:05.000Z\",\"custom_password_hash\":{\"algorithm\":\"md5\",\"hash\":{\"value\":\"x\"}}}\n",
    );
    let out = import(&env, &file, &["--from", "auth0", "--partial"])
        .success()
        .stdout("created 1, updated 0, skipped 0, failed 1\n");
    assert_eq!(
        stderr_lines(&out),
        [
            "xusers: line 2: password: custom_password_hash: md5 hashes are not supported \
             (only argon2, bcrypt, pbkdf2, sha256 and sha512)",
            "note: not imported: identities.user_id (1 user)"
        ]
    );
    assert_eq!(
        user(&env, "a@contoso.example")["tags"]["providers"],
        "auth0"
    );
    env.login("a@contoso.example", "correctbatteryhorsestapler")
        .success();
}

#[test]
fn keycloak_realm_builds_the_group_tree_and_users_log_in() {
    let env = Env::new();
    let out = import(
        &env,
        &example("keycloak-realm.json"),
        &["--from", "keycloak", "--create-groups"],
    )
    .success()
    .stdout("created 4, updated 0, skipped 0, failed 0\n");
    assert_eq!(
        stderr_lines(&out),
        [
            "note: not imported: disableableCredentialTypes (4 users), notBefore (4 users), \
          requiredActions (4 users), totp (4 users)"
        ]
    );
    let groups = env.json(&["groups", "list", "--format", "json"]);
    let parent = |name: &str| {
        let all = groups.as_array().unwrap();
        all.iter().find(|g| g["name"] == name).unwrap()["parent"].clone()
    };
    assert_eq!(parent("Acme"), serde_json::Value::Null);
    assert_eq!(parent("Sales"), "Acme");
    assert_eq!(parent("EMEA"), "Sales");
    assert_eq!(parent("APAC"), "Sales");
    assert_eq!(parent("Support"), "Acme");
    // Each group made is in the audit log, with its parent, as `groups add` records it.
    let created = env.json(&["audit", "list", "--op", "group.create", "--format", "json"]);
    let created = created.as_array().unwrap();
    assert_eq!(created.len(), 5, "{created:?}");
    let emea = created
        .iter()
        .find(|e| e["target"]["label"] == "EMEA")
        .unwrap();
    assert_eq!(
        emea["changes"]["parent"],
        serde_json::json!([null, "Sales"])
    );
    assert_eq!(emea["source"], "import");
    let ann = user(&env, "ann.lee@acme.example");
    assert_eq!(ann["groups"], serde_json::json!(["EMEA"]));
    // One value is the tag's value; several are kept as their JSON array.
    assert_eq!(ann["tags"]["department"], "Sales");
    assert_eq!(ann["tags"]["phone"], "[\"+1 555 0100\",\"+1 555 0101\"]");
    assert_eq!(ann["tags"]["username"], "ann");
    assert_eq!(
        user(&env, "bo.chen@acme.example")["groups"],
        serde_json::json!(["APAC", "Support"])
    );
    logs_in_then_holds_argon2id(
        &env,
        "ann.lee@acme.example",
        "ann keycloak password",
        "pbkdf2-sha256",
    );
    logs_in_then_holds_argon2id(
        &env,
        "bo.chen@acme.example",
        "bo keycloak password",
        "pbkdf2-sha512",
    );
    logs_in_then_holds_argon2id(
        &env,
        "chidi.okafor@acme.example",
        "chidi keycloak password",
        "pbkdf2-sha1",
    );
    // Keycloak's argon2 (m=7168, t=5) is weaker than today's: replaced at login too.
    let dee = "dee.park@acme.example";
    assert!(stored_hash(&env, dee).starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
    env.login(dee, "dee keycloak passwordx").code(1);
    env.login(dee, "dee keycloak password").success();
    assert!(stored_hash(&env, dee).starts_with(TODAY));
}

#[test]
fn a_keycloak_folder_is_read_file_by_file_and_groups_must_exist_without_create_groups() {
    let env = Env::new();
    let realm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("keycloak-realm.json")).unwrap())
            .unwrap();
    let users = realm["users"].as_array().unwrap();
    let folder = env.dir.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    // As `kc.sh export --dir` writes them: the realm without users, then the users.
    let realm_only = serde_json::json!({"realm": "acme", "groups": realm["groups"]});
    std::fs::write(folder.join("acme-realm.json"), realm_only.to_string()).unwrap();
    for (n, part) in users.chunks(2).enumerate() {
        let file = serde_json::json!({"realm": "acme", "users": part});
        std::fs::write(
            folder.join(format!("acme-users-{n}.json")),
            file.to_string(),
        )
        .unwrap();
    }
    let out = import(&env, &folder, &["--from", "keycloak"]).code(2);
    let lines = stderr_lines(&out);
    // Rows are numbered across the files: the fourth user is row 4.
    for expected in [
        "xusers: line 1: groups: no such group: EMEA",
        "xusers: line 4: groups: no such group: Support",
    ] {
        assert!(
            lines.contains(&expected.to_string()),
            "{expected}\n{lines:?}"
        );
    }
    assert!(env.emails(&[]).is_empty());
    import(&env, &folder, &["--from", "keycloak", "--create-groups"])
        .success()
        .stdout("created 4, updated 0, skipped 0, failed 0\n");
}

#[test]
fn xusers_files_take_bcrypt_django_pbkdf2_and_scrypt_hashes() {
    let env = Env::new();
    let file = write(
        &env,
        "hashes.csv",
        "email,password_hash\n\
         bcrypt@acme.example,$2y$12$......................21jzCB1r6pN6rp5O2Ev0ejjTAboskKm\n\
         django@acme.example,pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=\n\
         phc@acme.example,\"$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q\"\n\
         scrypt@acme.example,\"$scrypt$ln=10,r=8,p=1$TmFDbC1zYWx0$tXhGs7QW5V//Gx+m4lJ8I8//aNWnS+KJPA2uZfNU4bU\"\n",
    );
    import(&env, &file, &[])
        .success()
        .stdout("created 4, updated 0, skipped 0, failed 0\n");
    // bcrypt's and Django's documented vectors; a password shorter than xusers' own
    // rule still logs in: the system that set it allowed it.
    logs_in_then_holds_argon2id(&env, "bcrypt@acme.example", "hunter2", "bcrypt");
    logs_in_then_holds_argon2id(
        &env,
        "django@acme.example",
        "lètmein",
        "django-pbkdf2-sha256",
    );
    logs_in_then_holds_argon2id(
        &env,
        "phc@acme.example",
        "passwordPASSWORDpassword",
        "pbkdf2-sha256",
    );
    logs_in_then_holds_argon2id(
        &env,
        "scrypt@acme.example",
        "correct horse battery",
        "scrypt",
    );
}

/// A corrupt hash, an unknown algorithm, a missing salt and a repeated email are each
/// refused on their row with the reason, and nothing is imported.
#[test]
fn bad_rows_of_foreign_files_are_refused_by_row_and_nothing_is_imported() {
    let env = Env::new();
    let auth0 = write(
        &env,
        "auth0.json",
        r#"[
            {"email": "a@contoso.example", "custom_password_hash": {"algorithm": "bcrypt", "hash": {"value": "$2b$04$broken"}}},
            {"email": "b@contoso.example", "custom_password_hash": {"algorithm": "ldap", "hash": {"value": "{SSHA}x"}}},
            {"email": "c@contoso.example", "custom_password_hash": {"algorithm": "sha256", "hash": {"value": "00", "encoding": "hex"}}},
            {"email": "A@contoso.example", "password_hash": "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie"},
            {"email": "d@contoso.example", "password_hash": "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie"}
        ]"#,
    );
    let out = import(&env, &auth0, &["--from", "auth0"]).code(2);
    let lines = stderr_lines(&out);
    let expected = [
        "xusers: line 1: password: custom_password_hash: not a bcrypt hash",
        "xusers: line 2: password: custom_password_hash: ldap hashes are not supported",
        "xusers: line 3: password: custom_password_hash: an unsalted sha256 hash is not supported",
        "xusers: line 4: email: A@contoso.example is already on line 1 of this file",
    ];
    for (line, prefix) in lines.iter().zip(expected) {
        assert!(line.starts_with(prefix), "{prefix}\n{lines:?}");
    }
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[4], "xusers: bad rows: nothing imported");
    assert!(env.emails(&[]).is_empty(), "nothing was written");

    let keycloak = write(
        &env,
        "realm.json",
        &serde_json::json!({"realm": "acme", "users": [
            {"email": "k@acme.example", "credentials": [{"type": "password",
                "secretData": "{\"value\":\"aGFzaA==\",\"salt\":\"c2FsdA==\"}",
                "credentialData": "{\"hashIterations\":1,\"algorithm\":\"md5\"}"}]},
            {"email": "l@acme.example", "credentials": [{"type": "password",
                "secretData": "{\"value\":\"***\",\"salt\":\"c2FsdA==\"}",
                "credentialData": "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\"}"}]}
        ]})
        .to_string(),
    );
    let out = import(&env, &keycloak, &["--from", "keycloak"]).code(2);
    assert_eq!(
        stderr_lines(&out),
        [
            "xusers: line 1: password: credentials: \"md5\" hashes are not supported (only \
             pbkdf2, pbkdf2-sha256, pbkdf2-sha512 and argon2)",
            "xusers: line 2: password: credentials: secretData.value is not base64",
            "xusers: bad rows: nothing imported",
        ]
    );
    let firebase = write(
        &env,
        "firebase.json",
        r#"{"users": [{"email": "f@test.com", "passwordHash": "lSrfV15cpx95"}]}"#,
    );
    import(
        &env,
        &firebase,
        &[&["--from", "firebase"], &FIREBASE[..]].concat(),
    )
    .code(2)
    .stderr(
        "xusers: line 1: password: passwordHash has no salt\nxusers: bad rows: nothing imported\n",
    );
    assert!(env.emails(&[]).is_empty(), "nothing was written");
}

#[test]
fn dry_run_reports_fields_that_would_not_be_imported() {
    let env = Env::new();
    let out = import(
        &env,
        &example("auth0-users.json"),
        &["--from", "auth0", "--dry-run"],
    )
    .success()
    .stdout("would be created 4, would be updated 0, skipped 0, failed 0 — nothing was written\n");
    assert_eq!(
        stderr_lines(&out),
        ["note: not imported: app_metadata.roles (1 user), name (1 user), picture (1 user)"]
    );
    assert!(env.emails(&[]).is_empty());
}
