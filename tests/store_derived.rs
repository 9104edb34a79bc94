//! Counters, tag-key usage and the search index stay true through every write, and
//! are rebuilt when a bulk load was cut short.

mod common;

use common::*;
use xusers::demo::seed_demo;
use xusers::domain::UserDraft;
use xusers::store::{Page, Scope, Store, UserQuery};

/// The counts as a scan of the users finds them.
fn recount(store: &Store, app: xusers::store::AppId) -> (u64, u64, u64) {
    let count = |scope| {
        store
            .list_users(
                app,
                &UserQuery {
                    scope,
                    ..Default::default()
                },
                &Page::First(100_000),
            )
            .unwrap()
            .len() as u64
    };
    (
        count(Scope::All),
        count(Scope::Grouped),
        count(Scope::Ungrouped),
    )
}

fn counters(store: &Store, app: xusers::store::AppId) -> (u64, u64, u64) {
    let c = store.scope_counts(app).unwrap();
    (c.all, c.grouped, c.ungrouped)
}

#[test]
fn counters_and_tag_usage_follow_every_write() {
    let (_dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    let a = add(
        &mut store,
        app,
        UserDraft {
            groups: vec!["Sales".into()],
            tags: vec![("plan".into(), "pro".into())],
            ..draft("a@acme.io")
        },
    );
    let b = add(
        &mut store,
        app,
        UserDraft {
            tags: vec![("plan".into(), "free".into()), ("phone".into(), "1".into())],
            ..draft("b@acme.io")
        },
    );
    assert_eq!(counters(&store, app), (2, 1, 1));
    assert_eq!(counters(&store, app), recount(&store, app));
    let mut usage = store.tag_key_usage(app, None).unwrap();
    usage.sort();
    assert_eq!(usage, [("phone".to_string(), 1), ("plan".to_string(), 2)]);

    // b joins a group, drops a tag and is renamed (the search index follows).
    let v = store.user(b).unwrap().version;
    let changes = UserDraft {
        email: "robert@acme.io".into(),
        groups: vec!["Support".into()],
        tags: vec![("plan".into(), "free".into())],
        ..Default::default()
    }
    .validate_changes()
    .unwrap();
    store.update_user(app, b, &changes, None, Some(v)).unwrap();
    assert_eq!(counters(&store, app), (2, 2, 0));
    assert_eq!(
        store.tag_key_usage(app, None).unwrap(),
        [("plan".to_string(), 2)]
    );
    let found = |store: &Store, text: &str| {
        store
            .list_users(app, &UserQuery::default().filter(text), &Page::First(10))
            .unwrap()
            .into_iter()
            .map(|r| r.email)
            .collect::<Vec<_>>()
    };
    assert_eq!(found(&store, "robert"), ["robert@acme.io"]);
    assert!(
        found(&store, "b@acme").is_empty(),
        "the old address is gone from search"
    );

    store.delete_user(a).unwrap();
    assert_eq!(counters(&store, app), (1, 1, 0));
    assert_eq!(
        store.tag_key_usage(app, None).unwrap(),
        [("plan".to_string(), 1)]
    );
    store.delete_user(b).unwrap();
    assert_eq!(counters(&store, app), (0, 0, 0));
    assert!(store.tag_key_usage(app, None).unwrap().is_empty());
    assert!(found(&store, "robert").is_empty());
}

#[test]
fn an_interrupted_bulk_load_is_repaired_on_the_next_open() {
    let (dir, mut store, app) = temp_store();
    seed_demo(&mut store, app, 500, 1_800_000_000, |_| ()).unwrap();
    let expected = counters(&store, app);
    let mut usage = store.tag_key_usage(app, None).unwrap();
    usage.sort();
    drop(store);
    // As a load killed half-way leaves it: no indexes, no triggers, stale counters,
    // an empty search index.
    let path = dir.path().join("test.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let derived: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('index','trigger') AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(derived.len() > 10);
    for (kind, name) in &derived {
        conn.execute_batch(&format!("DROP {kind} {name}")).unwrap();
    }
    conn.execute_batch(
        "UPDATE applications SET user_count = 0, grouped_count = 0;
         UPDATE groups SET subtree_member_count = 0; DELETE FROM group_ancestors;
         DELETE FROM tag_keys;
         INSERT INTO users_fts(users_fts) VALUES ('delete-all');",
    )
    .unwrap();
    drop(conn);

    // Read-only, it cannot be repaired: refused rather than shown with wrong counts.
    let before = dump(&path);
    let refused = Store::open_read_only(&path).err().expect("refused");
    assert!(
        refused.to_string().contains(
            "a bulk load of the database was cut short and its counts need rebuilding: open it once without --read-only"
        ),
        "{refused}"
    );
    assert_eq!(dump(&path), before, "nothing written");
    let store = Store::open(&path).unwrap();
    assert_subtree_counts_kept(&path, "the repair");
    assert_eq!(counters(&store, app), expected);
    assert_eq!(counters(&store, app), recount(&store, app));
    let mut repaired = store.tag_key_usage(app, None).unwrap();
    repaired.sort();
    assert_eq!(repaired, usage);
    let first = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap();
    let q = UserQuery::default().filter(&first[0].email);
    assert_eq!(
        store.list_users(app, &q, &Page::First(5)).unwrap(),
        first,
        "search index rebuilt"
    );
    let (_, plan) = store.lookup_plans().unwrap().remove(0);
    assert!(plan.contains("users_email"), "indexes rebuilt: {plan}");
}

/// An import indexes its new users in one statement at the end and brings back the
/// trigger that indexes each insert: in the same session (no reopen to repair it), a
/// user added after the import is found, and so are the imported ones.
#[test]
fn an_import_indexes_its_users_and_each_later_insert_is_indexed_again() {
    use xusers::domain::{Email, Profile};
    use xusers::store::{ImportOptions, ImportUser, OnConflict, StoreError};
    let (_dir, mut store, app) = temp_store();
    let row = |line: usize, email: &str, first: &str| -> Result<ImportUser, StoreError> {
        Ok(ImportUser {
            line,
            broken: vec![],
            email: Some(Email::parse(email).unwrap()),
            profile: Profile {
                first_name: Some(first.into()),
                ..Default::default()
            },
            group_parents: vec![],
            gives_password: true,
            hash: Some(hash().clone()),
            created: None,
            last_login: None,
        })
    };
    let options = ImportOptions {
        origin: "test".into(),
        on_conflict: OnConflict::Fail,
        create_groups: false,
        partial: false,
        dry_run: false,
    };
    let report = store
        .import_users(
            app,
            [
                row(1, "kim@acme.io", "Kimberly"),
                row(2, "lou@acme.io", "Louisa"),
            ],
            options,
        )
        .unwrap();
    assert_eq!(report.created, 2);
    add(
        &mut store,
        app,
        UserDraft {
            first_name: "Maximilian".into(),
            ..draft("max@acme.io")
        },
    );
    let found = |term: &str| -> Vec<String> {
        store
            .list_users(app, &UserQuery::default().filter(term), &Page::First(10))
            .unwrap()
            .into_iter()
            .map(|u| u.email)
            .collect()
    };
    assert_eq!(found("kimberly"), ["kim@acme.io"]);
    assert_eq!(found("louisa"), ["lou@acme.io"]);
    assert_eq!(found("imilia"), ["max@acme.io"]);
    assert_eq!(found("xi"), ["max@acme.io"]);
}

/// A seed builds its search index on a thread of its own and moves it in. In the same
/// session, filters find exactly the users whose haystack holds the text (short terms
/// too, which read the index's vocabulary), and the index holds every (trigram, user)
/// that indexing each user in place gives — another application's users, there before
/// the seed, included.
#[test]
fn a_seeded_search_index_is_the_one_indexing_in_place_makes() {
    let (dir, mut store, other) = temp_store();
    seed_demo(&mut store, other, 1_000, 1_800_000_000, |_| ()).unwrap();
    let app = store.application("second").unwrap().id;
    seed_demo(&mut store, app, 3_000, 1_800_000_000, |_| ()).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    for term in ["quinn", "o'brien", "example.org", "an", "x"] {
        let holding: usize = conn
            .query_row(
                "SELECT count(*) FROM users WHERE instr(search, ?1)
                 AND app_id = (SELECT id FROM applications WHERE name = 'second')",
                [term],
                |r| r.get(0),
            )
            .unwrap();
        assert!(holding > 0, "{term} is in some demo users");
        let found = store
            .list_users(
                app,
                &UserQuery::default().filter(term),
                &Page::First(10_000),
            )
            .unwrap();
        assert_eq!(found.len(), holding, "{term}");
    }
    drop(store);
    conn.execute_batch("INSERT INTO users_fts(users_fts, rank) VALUES ('integrity-check', 0)")
        .unwrap();
    let definition: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'users_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute_batch(&format!(
        "{};
         INSERT INTO temp.in_place(rowid, search) SELECT id, search || char(10, 10) FROM users;
         CREATE VIRTUAL TABLE temp.seeded_entries USING fts5vocab(main, users_fts, instance);
         CREATE VIRTUAL TABLE temp.in_place_entries USING fts5vocab(temp, in_place, instance);",
        definition.replacen("users_fts", "temp.in_place", 1)
    ))
    .unwrap();
    let entries = |table: &str| -> Vec<(String, i64)> {
        conn.prepare(&format!(
            "SELECT term, doc FROM temp.{table} ORDER BY term, doc"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let seeded = entries("seeded_entries");
    assert!(seeded.len() > 4_000, "{} entries", seeded.len());
    assert_eq!(seeded, entries("in_place_entries"));
}
