//! Where the database lives: missing folders, and who may read what xusers writes.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::cli::Env;
use xusers::store::Store;

#[test]
fn a_missing_folder_is_named_as_missing() {
    let env = Env::new();
    let folder = env.dir.path().join("no/such/folder");
    let db = folder.join("x.db");
    env.bare()
        .arg("--db")
        .arg(&db)
        .args(["users", "list"])
        .assert()
        .code(1)
        .stderr(format!(
            "xusers: cannot open {}: the folder {} does not exist\n",
            db.display(),
            folder.display()
        ));
    assert!(!folder.exists(), "nothing created");
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_data_directory_and_database_are_the_owners_alone() {
    let env = Env::new();
    env.bare()
        .args(["users", "add", "--email", "a@x.io", "--password-stdin"])
        .write_stdin("long enough\n")
        .assert()
        .success();
    let dir = env.data_home().join("xusers");
    assert_eq!(mode(&dir), 0o700);
    let db = dir.join("xusers.db");
    assert_eq!(mode(&db), 0o600);
    // While a store has it open, SQLite's companions exist: they take the same mode.
    let store = Store::open(&db).unwrap();
    for suffix in ["-wal", "-shm"] {
        let companion = dir.join(format!("xusers.db{suffix}"));
        assert_eq!(mode(&companion), 0o600, "{}", companion.display());
    }
    drop(store);
}

#[test]
fn a_database_named_with_db_is_created_private_too() {
    let env = Env::new();
    env.cmd().args(["users", "list"]).assert().success();
    assert_eq!(mode(&env.db()), 0o600);
}

#[test]
fn an_export_with_password_hashes_is_private_even_over_an_open_file() {
    let env = Env::new();
    env.add("a@x.io", "long enough", &[]).success();
    for existing in [false, true] {
        let file = env.dir.path().join(format!("out-{existing}.csv"));
        if existing {
            fs::write(&file, "old").unwrap();
            fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        }
        env.cmd()
            .args(["users", "export", "--with-password-hashes", "--output"])
            .arg(&file)
            .assert()
            .success();
        assert_eq!(mode(&file), 0o600, "existing file: {existing}");
        assert!(fs::read_to_string(&file).unwrap().contains("$argon2id$"));
    }
}

#[test]
fn a_database_others_can_read_gets_a_one_line_warning_with_the_fix() {
    let env = Env::new();
    env.add("a@x.io", "long enough", &[]).success();
    let db = env.db();
    fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
    let warned = env.cmd().args(["users", "list"]).assert().success();
    let stderr = String::from_utf8(warned.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let (_, fix) = lines[0]
        .split_once("fix with: ")
        .unwrap_or_else(|| panic!("no fix in: {stderr}"));
    assert!(
        lines[0].starts_with("warning: other accounts can read"),
        "{stderr}"
    );
    let ran = std::process::Command::new("sh")
        .args(["-c", fix])
        .status()
        .unwrap();
    assert!(ran.success());
    assert_eq!(mode(&db), 0o600, "the suggested command fixes it");
    env.cmd()
        .args(["users", "list"])
        .assert()
        .success()
        .stderr("");
}
