//! Where the database lives: missing folders, and who may read what xusers writes.

mod common;

use common::cli::Env;

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
