#![allow(dead_code)] // each test binary uses its own part of these helpers

#[allow(dead_code)]
pub mod backend;
#[allow(dead_code)]
pub mod cli;
#[allow(dead_code)]
pub mod console;
#[allow(dead_code)]
pub mod pg;
#[allow(dead_code)]
pub mod svg;

use std::sync::OnceLock;

/// `insta::assert_snapshot!` against the one snapshot that a test's cases over both
/// backends share: insta would name the second assertion of a name in one run `NAME-2`.
#[allow(unused_macros)]
macro_rules! assert_snapshot {
    ($($snapshot:tt)*) => {
        insta::allow_duplicates! { insta::assert_snapshot!($($snapshot)*) }
    };
}
#[allow(unused_imports)]
pub(crate) use assert_snapshot;

use tempfile::TempDir;
use xusers::auth::PasswordHash;
use xusers::domain::{Password, UserDraft};
use xusers::store::{AppId, Store, UserId};

/// A store in a real file inside a temporary directory (dropped with the guard).
pub fn temp_store() -> (TempDir, Store, AppId) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("test.db")).unwrap();
    let app = store.application("default").unwrap().id;
    (dir, store, app)
}

pub const PASSWORD: &str = "s3cret-pass";

/// One hash of [`PASSWORD`] shared by test users: hashing once keeps the tests fast.
pub fn hash() -> &'static PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| PasswordHash::new(&Password::parse(PASSWORD).unwrap()))
}

pub fn draft(email: &str) -> UserDraft {
    UserDraft {
        email: email.into(),
        password: Some(PASSWORD.into()),
        ..Default::default()
    }
}

pub fn add(store: &mut Store, app: AppId, d: UserDraft) -> UserId {
    let user = d.validate_new().unwrap();
    store.create_user(app, &user, hash()).unwrap()
}

pub fn add_email(store: &mut Store, app: AppId, email: &str) -> UserId {
    add(store, app, draft(email))
}

/// Groups: Acme ─ Sales ─ EMEA, and Support alone.
pub fn group_tree(store: &mut Store, app: AppId) {
    store.create_group(app, "Acme", None).unwrap();
    store.create_group(app, "Sales", Some("Acme")).unwrap();
    store.create_group(app, "EMEA", Some("Sales")).unwrap();
    store.create_group(app, "Support", None).unwrap();
}

/// The names of the database's schema objects of one `kind` (`table`, `trigger`), in
/// order; a schema holds more than ten of each.
pub fn schema_names(conn: &rusqlite::Connection, kind: &str) -> Vec<String> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = ?1 ORDER BY name")
        .unwrap()
        .query_map([kind], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(names.len() > 10, "{names:?}");
    names
}

/// Every row of every table (the search index's too), to compare a database before
/// and after.
pub fn dump(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables = schema_names(&conn, "table");
    let mut rows = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut found: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        found.sort();
        rows.extend(found);
    }
    rows
}

/// Every group's kept count of members including its subgroups
/// (`groups.subtree_member_count`) beside one counted afresh from the memberships and
/// the groups' parents alone: (group, kept, counted), by group name.
pub fn subtree_counts(path: &std::path::Path) -> Vec<(String, u64, u64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.prepare(
        "WITH RECURSIVE below(top, id) AS (
             SELECT id, id FROM groups
             UNION SELECT b.top, g.id FROM groups g JOIN below b ON g.parent_id = b.id
         )
         SELECT g.name, g.subtree_member_count,
                (SELECT count(DISTINCT m.user_id) FROM below b
                 JOIN memberships m ON m.group_id = b.id WHERE b.top = g.id)
         FROM groups g ORDER BY g.app_id, g.name",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Asserts that every group's kept count of members including its subgroups is the
/// one counted afresh ([`subtree_counts`]), and that the groups' ancestors the
/// triggers keep them by are those the groups' parents give; `after` names what was
/// done.
pub fn assert_subtree_counts_kept(path: &std::path::Path, after: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let ties = |sql: &str| -> Vec<(i64, i64)> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let kept = ties("SELECT group_id, ancestor_id FROM group_ancestors ORDER BY 1, 2");
    let walked = ties(
        "WITH RECURSIVE up(group_id, ancestor_id) AS (
             SELECT id, id FROM groups
             UNION SELECT up.group_id, g.parent_id FROM up
                   JOIN groups g ON g.id = up.ancestor_id WHERE g.parent_id IS NOT NULL
         )
         SELECT group_id, ancestor_id FROM up ORDER BY 1, 2",
    );
    assert_eq!(kept, walked, "the groups' ancestors after {after}");
    let counts = subtree_counts(path);
    for (group, kept, counted) in &counts {
        assert_eq!(
            kept, counted,
            "{group}'s members with subgroups after {after}"
        );
    }
}

/// Takes a database back to schema v9: without the groups' ancestors, the kept
/// counts of members including subgroups and what keeps them.
pub const BACK_TO_V9: &str = "
    DROP TRIGGER subtree_members_added; DROP TRIGGER subtree_members_removed;
    DROP TRIGGER groups_placed; DROP TRIGGER groups_moved;
    DROP INDEX group_ancestors_below; DROP TABLE group_ancestors;
    ALTER TABLE groups DROP COLUMN subtree_member_count;
    PRAGMA user_version = 9;";

/// ann (Sales, plan=pro), bob (plan=pro), cy (Support), dee (plan=free), eve (Sales),
/// fay (nothing).
pub fn people(store: &mut Store, app: AppId) -> [UserId; 6] {
    group_tree(store, app);
    let user = |email: &str, groups: &[&str], tags: &[(&str, &str)]| UserDraft {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..draft(email)
    };
    [
        add(
            store,
            app,
            user("ann@acme.io", &["Sales"], &[("plan", "pro")]),
        ),
        add(store, app, user("bob@acme.io", &[], &[("plan", "pro")])),
        add(store, app, user("cy@other.io", &["Support"], &[])),
        add(store, app, user("dee@other.io", &[], &[("plan", "free")])),
        add(store, app, user("eve@acme.io", &["Sales"], &[])),
        add(store, app, user("fay@x.io", &[], &[])),
    ]
}
