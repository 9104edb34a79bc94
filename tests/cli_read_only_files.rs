//! A database file or folder this user may not write is opened read-only: looking
//! works, every write is refused with a message, and nothing changes.
//!
//! Permissions do not bind root (CI runs as root), so there the binary runs as
//! `nobody`, from a copy it is allowed to execute.

mod common;

use std::fs::{self, Permissions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use common::cli::*;
use predicates::prelude::*;
use tempfile::TempDir;

const NOBODY: u32 = 65534;

/// Waits until a copy just written can run. A process another test forked while the
/// copy was being written holds its write descriptor until that process execs, and
/// until then running the copy fails with "Text file busy".
fn wait_until_executable(binary: &Path) {
    for _ in 0..100 {
        match std::process::Command::new(binary).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            ran => {
                ran.unwrap();
                return;
            }
        }
    }
    panic!("{} stayed busy", binary.display());
}

struct Locked {
    dir: TempDir,
    binary: PathBuf,
    as_nobody: bool,
}

impl Locked {
    /// A database with one user, made by us, in the folder `name` under a fresh
    /// directory.
    fn new(name: &str) -> (Locked, PathBuf) {
        let env = Env::new();
        env.add("ann@acme.io", "long enough", &[]).success();
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), Permissions::from_mode(0o755)).unwrap();
        let folder = dir.path().join(name);
        fs::create_dir(&folder).unwrap();
        let db = folder.join("x.db");
        fs::copy(env.db(), &db).unwrap();
        let binary = dir.path().join("xusers");
        fs::copy(assert_cmd::cargo::cargo_bin("xusers"), &binary).unwrap();
        wait_until_executable(&binary);
        let as_nobody = fs::metadata(dir.path()).unwrap().uid() == 0;
        let locked = Locked {
            dir,
            binary,
            as_nobody,
        };
        (locked, db)
    }

    fn xusers(&self, db: &Path, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = std::process::Command::new(&self.binary);
        if self.as_nobody {
            cmd.uid(NOBODY).gid(NOBODY);
        }
        cmd.env_remove("XUSERS_DB")
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .arg("--db")
            .arg(db)
            .args(args);
        assert_cmd::Command::from_std(cmd)
    }

    /// Looks, then tries every kind of write; the folder ends up byte-for-byte the same.
    fn check_read_only(&self, db: &Path, why: &str) {
        let before = digest(db);
        let listed = self
            .xusers(db, &["users", "list", "--format", "json"])
            .assert()
            .success()
            .stderr(predicate::str::contains(format!(
                "note: {why}: {} is opened read-only",
                db.display()
            )));
        assert!(stdout(&listed).contains("ann@acme.io"));
        for args in [
            &["users", "set", "ann@acme.io", "--first", "Ann"][..],
            &["users", "delete", "ann@acme.io", "--yes"],
            &["groups", "add", "Ops"],
            &["tokens", "invalidate", "--all", "--yes"],
        ] {
            self.xusers(db, args)
                .assert()
                .code(1)
                .stderr(predicate::str::contains("opened read-only"));
        }
        self.xusers(
            db,
            &["users", "add", "--email", "bob@acme.io", "--password-stdin"],
        )
        .write_stdin("long enough")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("opened read-only"));
        assert_eq!(digest(db), before, "the database file is unchanged");
        // A reader may leave SQLite's shared-memory file, but nothing was journalled.
        let wal = db.with_extension("db-wal");
        assert!(!wal.exists() || fs::metadata(&wal).unwrap().len() == 0);
    }
}

fn digest(file: &Path) -> u64 {
    let mut digest = DefaultHasher::new();
    fs::read(file).unwrap().hash(&mut digest);
    digest.finish()
}

#[test]
fn a_file_that_is_not_writable_opens_read_only() {
    let (locked, db) = Locked::new("files");
    fs::set_permissions(db.parent().unwrap(), Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(&db, Permissions::from_mode(0o444)).unwrap();
    locked.check_read_only(&db, "the database file is not writable");
}

#[test]
fn a_folder_that_is_not_writable_opens_read_only() {
    let (locked, db) = Locked::new("locked");
    fs::set_permissions(&db, Permissions::from_mode(0o666)).unwrap();
    let folder = db.parent().unwrap().to_path_buf();
    fs::set_permissions(&folder, Permissions::from_mode(0o555)).unwrap();
    locked.check_read_only(&db, "the database's folder is not writable");
    // Nor can a new database be made there.
    locked
        .xusers(&folder.join("new.db"), &["users", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot create it: the folder is not writable",
        ));
    fs::set_permissions(&folder, Permissions::from_mode(0o755)).unwrap();
}
