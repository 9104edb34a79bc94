//! The example import files in `assets/examples/` are in the README's documented
//! shapes: the real binary imports each, the export gives back every field the file
//! holds, every user logs in with the file's password, and the README shows the files
//! as they are.

mod common;

use std::path::PathBuf;

use common::cli::*;

const JSON: &str = include_str!("../assets/examples/users.json");
const CSV: &str = include_str!("../assets/examples/users.csv");
const README: &str = include_str!("../README.md");

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples")
        .join(name)
}

/// The JSON example's users as the export shows them: without their passwords.
fn expected_users() -> Vec<serde_json::Value> {
    let document: serde_json::Value = serde_json::from_str(JSON).unwrap();
    assert_eq!(document["format"], "xusers-users");
    let users = document["users"].as_array().unwrap().clone();
    assert_eq!(users.len(), 3);
    users
        .into_iter()
        .map(|mut user| {
            let fields = user.as_object_mut().unwrap();
            assert!(
                fields.remove("password").is_some() != fields.remove("password_hash").is_some(),
                "each example user carries a password or a hash"
            );
            user
        })
        .collect()
}

#[test]
fn each_example_file_imports_with_every_field_it_holds() {
    let expected = expected_users();
    for name in ["users.json", "users.csv"] {
        let env = Env::new();
        env.cmd()
            .args(["users", "import"])
            .arg(example(name))
            .arg("--create-groups")
            .assert()
            .success()
            .stdout("created 3, updated 0, skipped 0, failed 0\n");
        let exported = env.json(&["users", "export", "--format", "json"]);
        assert_eq!(exported["users"].as_array().unwrap(), &expected, "{name}");
        for (email, password) in [
            ("ann.lee@example.com", "correct-horse-battery"),
            ("bo.chen@example.com", "example-password"),
            ("chidi.okafor@example.org", "another long password"),
        ] {
            env.login(email, password).success();
        }
    }
}

#[test]
fn example_cells_never_start_like_a_spreadsheet_formula() {
    let mut reader = csv::Reader::from_reader(CSV.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    for record in &records {
        for cell in record {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell:?}");
        }
    }
}

#[test]
fn the_readme_shows_the_example_files_as_they_are() {
    assert!(
        README.contains(&format!("```json\n{JSON}```")),
        "README.md must show assets/examples/users.json unchanged"
    );
    assert!(
        README.contains(&format!("```csv\n{CSV}```")),
        "README.md must show assets/examples/users.csv unchanged"
    );
}
