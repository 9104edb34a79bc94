//! Two administrators' processes editing the same users at once: every edit lands or
//! is reported as a conflict (and then lands when made again on the fresh user), none
//! is lost silently, and none fails with "database is locked".
//!
//! The test runs this same test binary twice more as the two administrators (the
//! `XUSERS_ADMIN` variable tells a copy which one it is).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use xusers::domain::UserDraft;
use xusers::store::{Store, StoreError, UserId};

const USERS: usize = 5;
const EDITS_EACH: usize = 500;

#[test]
fn two_processes_editing_the_same_users_lose_nothing() {
    if let Ok(admin) = std::env::var("XUSERS_ADMIN") {
        return administrator(&admin);
    }
    let (dir, mut store, app) = common::temp_store();
    let ids: Vec<UserId> = (0..USERS)
        .map(|i| common::add_email(&mut store, app, &format!("shared{i}@acme.io")))
        .collect();
    drop(store);
    let db = dir.path().join("test.db");
    let go = dir.path().join("go");
    let admins: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "two_processes_editing_the_same_users_lose_nothing",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("XUSERS_ADMIN", name)
                .env("XUSERS_DB", &db)
                .env("XUSERS_GO", &go)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(&go, "").unwrap();
    let mut landed = BTreeSet::new();
    let mut conflicts = 0;
    for admin in admins {
        let output = admin.wait_with_output().unwrap();
        assert!(output.status.success(), "an administrator failed");
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            // The harness's "test … " may share a line with the first report.
            let report = line.find("edit ").map_or("", |at| &line[at + 5..]);
            match report.split_whitespace().collect::<Vec<_>>()[..] {
                ["landed", user, key] => {
                    assert!(landed.insert((user.to_string(), key.to_string())))
                }
                ["conflict", ..] => conflicts += 1,
                ["failed", ..] => panic!("{line}"),
                _ => {}
            }
        }
    }
    assert_eq!(
        landed.len(),
        2 * EDITS_EACH,
        "every edit reported as landed"
    );
    assert!(conflicts > 0, "the two administrators never overlapped");
    let store = Store::open(&db).unwrap();
    let mut kept = BTreeSet::new();
    for id in ids {
        let user = store.user(id).unwrap();
        kept.extend(user.tags.into_keys().map(|k| (user.email.clone(), k)));
    }
    assert_eq!(kept, landed, "no landed edit was lost");
}

/// One administrator: each edit adds a tag of its own to one of the shared users, as
/// the form does: open the user, change it, save against the version opened. A
/// conflict is reported and the edit made again on the reloaded user.
fn administrator(name: &str) {
    let db = PathBuf::from(std::env::var("XUSERS_DB").unwrap());
    wait_for(Path::new(&std::env::var("XUSERS_GO").unwrap()));
    let mut store = Store::open(&db).unwrap();
    let app = store.existing_application("default").unwrap().id;
    for i in 0..EDITS_EACH {
        let email = format!("shared{}@acme.io", i % USERS);
        let key = format!("{name}_{i:03}");
        loop {
            let id = store.find_user(app, &email).unwrap();
            let user = store.user(id).unwrap();
            let mut tags: Vec<(String, String)> = user.tags.into_iter().collect();
            tags.push((key.clone(), "x".into()));
            let changes = UserDraft {
                email: user.email,
                tags,
                ..Default::default()
            }
            .validate_changes()
            .unwrap();
            match store.update_user(app, id, &changes, None, Some(user.version)) {
                Ok(()) => {
                    println!("edit landed {email} {key}");
                    break;
                }
                Err(StoreError::Conflict) => println!("edit conflict {email} {key}"),
                Err(e) => {
                    println!("edit failed {email} {key}: {e}");
                    return;
                }
            }
        }
    }
}

fn wait_for(go: &Path) {
    let started = Instant::now();
    while !go.exists() {
        assert!(started.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// `users set` changes only what it names, so when another process saved the user in
/// between it re-reads the user and applies its change again instead of failing.
#[test]
fn scripts_setting_tags_on_one_user_at_once_all_land() {
    const EACH: usize = 40;
    let env = common::cli::Env::new();
    env.add("ann@acme.io", "long enough", &[]).success();
    let scripts: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let env = &env;
            move || {
                for i in 0..EACH {
                    env.cmd()
                        .args(["users", "set", "ann@acme.io", "--tag"])
                        .arg(format!("{name}_{i:02}=x"))
                        .assert()
                        .success();
                }
            }
        })
        .collect();
    std::thread::scope(|s| {
        for script in scripts {
            s.spawn(script);
        }
    });
    let store = Store::open(&env.db()).unwrap();
    let app = store.existing_application("default").unwrap().id;
    let user = store
        .user(store.find_user(app, "ann@acme.io").unwrap())
        .unwrap();
    assert_eq!(user.tags.len(), 2 * EACH);
}
