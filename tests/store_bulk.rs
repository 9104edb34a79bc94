//! Selections and bulk actions in the store: which users a selection holds, what each
//! action changes and records (one audit batch), and that a cancel or a failure
//! half-way leaves the database exactly as it was.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use serde_json::json;
use xusers::domain::{TagKey, UserDraft};
use xusers::store::{
    AppId, AuditEntry, AuditPage, AuditQuery, BulkAction, BulkOutcome, BulkProgress, Page,
    Selection, Source, Store, StoreError, UserId, UserQuery,
};

/// Runs `action`, then checks that every group's kept member count still equals its
/// memberships.
fn run(store: &mut Store, app: AppId, selection: &Selection, action: BulkAction) -> BulkOutcome {
    let outcome = store
        .bulk(
            app,
            selection,
            &action,
            Source::Console,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_member_counts(store, &action);
    outcome
}

/// Each group's kept `member_count` equals its memberships, and the kept pane counts
/// equal the users in a group and in none.
fn assert_member_counts(store: &Store, after: &BulkAction) {
    let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    let groups: Vec<(String, i64, i64)> = conn
        .prepare(
            "SELECT g.name, g.member_count,
                    (SELECT count(*) FROM memberships m WHERE m.group_id = g.id)
             FROM groups g ORDER BY g.name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!groups.is_empty());
    for (name, kept, members) in groups {
        assert_eq!(kept, members, "{name} after {after:?}");
    }
    assert_subtree_counts_kept(&store.path().unwrap(), &format!("{after:?}"));
    let apps: Vec<(String, u64, u64)> = conn
        .prepare(
            "SELECT a.name, count(u.id),
                    count(u.id) FILTER (WHERE u.id IN (SELECT user_id FROM memberships))
             FROM applications a LEFT JOIN users u ON u.app_id = a.id GROUP BY a.name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!apps.is_empty());
    for (name, all, grouped) in apps {
        let id = store.existing_application(&name).unwrap().id;
        let kept = store.scope_counts(id).unwrap();
        assert_eq!(
            (kept.all, kept.grouped, kept.ungrouped),
            (all, grouped, all - grouped),
            "pane counts of {name} after {after:?}"
        );
    }
}

/// The names of the database's triggers.
fn triggers(store: &Store) -> Vec<String> {
    let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    schema_names(&conn, "trigger")
}

/// The search index finds, for `term`, exactly the users whose search text holds it.
fn search_index_matches_users(store: &Store, term: &str) {
    let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    let ids = |sql: &str| -> Vec<i64> {
        conn.prepare(sql)
            .unwrap()
            .query_map([term], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let indexed = ids("SELECT rowid FROM users_fts WHERE users_fts MATCH ?1 ORDER BY rowid");
    let held = ids("SELECT id FROM users WHERE instr(search, ?1) ORDER BY id");
    assert!(!held.is_empty(), "{term}");
    assert_eq!(indexed, held, "{term}");
}

/// The batch's entries, oldest first.
fn batch(store: &Store, outcome: BulkOutcome) -> Vec<AuditEntry> {
    let id = outcome.batch.expect("a batch was written");
    let mut entries: Vec<AuditEntry> = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.batch == Some(id))
        .collect();
    entries.reverse();
    assert!(!entries.is_empty());
    assert_eq!(entries[0].seq, id, "the batch id is its first entry's seq");
    entries
}

fn changes(entry: &AuditEntry) -> serde_json::Value {
    entry.changes.as_json()
}

fn key(k: &str) -> TagKey {
    TagKey::parse(k).unwrap()
}

#[test]
fn a_selection_ignores_another_applications_users() {
    let (_dir, mut store, app) = temp_store();
    let [ann, ..] = people(&mut store, app);
    let other = store.application("other").unwrap().id;
    let stranger = add_email(&mut store, other, "stranger@acme.io");
    let selection = Selection {
        ids: BTreeSet::from([stranger, ann]),
        ..Selection::of_query(UserQuery::default().filter("acme"))
    };
    assert_eq!(store.selection_count(app, &selection).unwrap(), 3);
    assert!(
        !store
            .marked_among(app, &selection, &[stranger, ann])
            .unwrap()
            .contains(&stranger)
    );
    let outcome = run(&mut store, app, &selection, BulkAction::Delete);
    assert_eq!(outcome.changed, 3);
    assert!(
        store.user(stranger).is_ok(),
        "the other application's user stays"
    );
}

#[test]
fn bulk_delete_removes_users_with_everything_they_held_in_one_batch() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, cy, ..] = people(&mut store, app);
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    let token = store.login(app, "bob@acme.io", PASSWORD).unwrap();
    let before = store.scope_counts(app).unwrap();
    let triggers = triggers(&store);
    let selection = Selection::of_query(UserQuery::default().filter("tag:plan=pro"));
    let outcome = run(&mut store, app, &selection, BulkAction::Delete);
    assert_eq!(outcome.changed, 2);
    // The deletion kept the counts and the search index without the triggers that
    // keep them row by row, and brought those back.
    assert_eq!(self::triggers(&store), triggers);
    search_index_matches_users(&store, "acm");
    let gone = UserQuery::default().filter("acme.io");
    assert_eq!(store.count_users(app, &gone).unwrap(), 1, "eve");
    for id in [ann, bob] {
        assert!(matches!(store.user(id), Err(StoreError::UserGone(_))));
    }
    assert!(store.user(cy).is_ok());
    assert!(store.authenticate(app, &token).is_err());
    let after = store.scope_counts(app).unwrap();
    assert_eq!(
        (after.all, after.grouped),
        (before.all - 2, before.grouped - 1)
    );
    let usage = store.tag_key_usage(app, None).unwrap();
    assert_eq!(
        usage,
        vec![("plan".to_string(), 1)],
        "only dee's plan is left"
    );

    let entries = batch(&store, outcome);
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["user.delete", "user.delete", "users.delete"]);
    assert_eq!(entries[0].target.label, "ann@acme.io");
    assert_eq!(
        changes(&entries[0]),
        json!({
            "email": ["ann@acme.io", null],
            "groups": [["Sales"], []],
            "tag:plan": ["pro", null],
            "tokens": [1, 0],
        })
    );
    assert_eq!(entries[2].target.kind, "application");
    assert_eq!(changes(&entries[2]), json!({"users": [2, 0]}));
    assert!(entries.iter().all(|e| e.source == "console"));
    // Each entry follows the user's own history: `--user` finds create and delete.
    let history = store
        .audit_page(
            &AuditQuery {
                user: Some("bob@acme.io".into()),
                ..Default::default()
            },
            AuditPage::Newest(10),
        )
        .unwrap();
    let ops: Vec<&str> = history.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["user.delete", "user.create"]);
    assert!(store.verify_audit().unwrap().broken.is_none());
    // The triggers work again: one user's deletion keeps the counts.
    let eve = store.find_user(app, "eve@acme.io").unwrap();
    store.delete_user(eve).unwrap();
    assert_member_counts(&store, &BulkAction::Delete);
}

#[test]
fn a_bulk_deletion_leaves_nothing_naming_its_users_and_their_ids_start_anew() {
    let (_dir, mut store, app) = temp_store();
    let [.., fay] = people(&mut store, app);
    store.login(app, "fay@x.io", PASSWORD).unwrap();
    let only = |id| Selection::of_ids([id]);
    // fay holds a stamp (her tokens ended one by one), a tag, a group and a history.
    run(&mut store, app, &only(fay), BulkAction::InvalidateTokens);
    let tag = BulkAction::SetTag {
        key: key("plan"),
        value: "x".into(),
    };
    run(&mut store, app, &only(fay), tag.clone());
    run(
        &mut store,
        app,
        &only(fay),
        BulkAction::AddToGroup("Sales".into()),
    );
    store.login(app, "fay@x.io", PASSWORD).unwrap();
    run(&mut store, app, &only(fay), BulkAction::Delete);
    // The foreign keys are not enforced during a bulk action: its statements remove
    // every row that named a deleted user.
    let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(orphans, 0);
    let history = |store: &Store, id| -> Vec<String> {
        (store.user_history(id, 10).unwrap().into_iter())
            .map(|e| e.op)
            .collect()
    };
    let again = add(&mut store, app, draft("new@acme.io"));
    assert_eq!(
        again, fay,
        "the id is reused (what this test guards against)"
    );
    assert_eq!(history(&store, again), ["user.create"]);
    // Enforced again after a bulk action: a one-user deletion takes the pointer a
    // bulk action wrote with it (by its foreign key), so the next user of the id
    // starts anew.
    store.login(app, "new@acme.io", PASSWORD).unwrap();
    run(&mut store, app, &only(again), BulkAction::InvalidateTokens);
    assert_eq!(history(&store, again), ["tokens.invalidate", "user.create"]);
    store.delete_user(again).unwrap();
    let third = add(&mut store, app, draft("third@acme.io"));
    assert_eq!(third, fay);
    assert_eq!(history(&store, third), ["user.create"]);
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn a_users_history_follows_one_user_and_bulk_changes_in_turn() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, ..] = people(&mut store, app);
    let only = |id| Selection::of_ids([id]);
    // One-user changes point the users row at their entry, bulk invalidations a
    // table of their own: the history takes the newer each time.
    store.invalidate_user_tokens(ann).unwrap();
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    run(&mut store, app, &only(ann), BulkAction::InvalidateTokens);
    store.invalidate_user_tokens(ann).unwrap();
    run(
        &mut store,
        app,
        &only(ann),
        BulkAction::AddToGroup("Support".into()),
    );
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    run(&mut store, app, &only(ann), BulkAction::InvalidateTokens);
    let ops: Vec<String> = (store.user_history(ann, 10).unwrap().into_iter())
        .map(|e| e.op)
        .collect();
    assert_eq!(
        ops,
        [
            "tokens.invalidate",
            "user.update",
            "tokens.invalidate",
            "tokens.invalidate",
            "tokens.invalidate",
            "user.create"
        ]
    );
    let found = store
        .audit_page(
            &AuditQuery {
                user: Some("ann@acme.io".into()),
                ..Default::default()
            },
            AuditPage::Newest(10),
        )
        .unwrap();
    assert_eq!(found.len(), ops.len());
    assert_eq!(store.user_history(bob, 10).unwrap().len(), 1, "bob's own");
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn bulk_invalidation_ends_the_sessions_of_the_selected_users_only() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, cy, dee, ..] = people(&mut store, app);
    let ann_tokens = [
        store.login(app, "ann@acme.io", PASSWORD).unwrap(),
        store.login(app, "ann@acme.io", PASSWORD).unwrap(),
    ];
    let bob_token = store.login(app, "bob@acme.io", PASSWORD).unwrap();
    let dee_token = store.login(app, "dee@other.io", PASSWORD).unwrap();
    let selection = Selection::of_ids([ann, bob, cy]);
    let outcome = run(&mut store, app, &selection, BulkAction::InvalidateTokens);
    assert_eq!(outcome.changed, 2, "cy had no session");
    for token in ann_tokens.iter().chain([&bob_token]) {
        assert!(store.authenticate(app, token).is_err());
    }
    assert_eq!(store.authenticate(app, &dee_token).unwrap(), dee);
    let fresh = store.login(app, "ann@acme.io", PASSWORD).unwrap();
    assert_eq!(store.authenticate(app, &fresh).unwrap(), ann);
    // The void tokens and the stamp stay until the user's next login: ann's went.
    let conn = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    let held = |table: &str, email: &str| -> i64 {
        conn.query_row(
            &format!(
                "SELECT count(*) FROM {table}
                 WHERE user_id = (SELECT id FROM users WHERE email_key = ?1)"
            ),
            [email],
            |r| r.get(0),
        )
        .unwrap()
    };
    let ann_email = "ann@acme.io";
    assert_eq!(
        (held("tokens", ann_email), held("token_stamps", ann_email)),
        (1, 0)
    );
    let bob_email = "bob@acme.io";
    assert_eq!(
        (held("tokens", bob_email), held("token_stamps", bob_email)),
        (1, 1)
    );

    let entries = batch(&store, outcome);
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "tokens.invalidate",
            "tokens.invalidate",
            "users.invalidate_tokens"
        ]
    );
    assert_eq!(entries[0].target.label, "ann@acme.io");
    assert_eq!(changes(&entries[0]), json!({"tokens": [2, 0]}));
    assert_eq!(changes(&entries[1]), json!({"tokens": [1, 0]}));
    assert_eq!(
        changes(&entries[2]),
        json!({"changed_users": [null, 2], "tokens": [3, 0]})
    );
    // The user's history goes through the bulk entry to the older ones.
    let history: Vec<String> = store
        .user_history(bob, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.op)
        .collect();
    assert_eq!(history, ["tokens.invalidate", "user.create"]);
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn bulk_group_changes_touch_only_users_not_already_as_asked() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, _, _, eve, _] = people(&mut store, app);
    let versions = |store: &Store| [ann, bob, eve].map(|id| store.user(id).unwrap().version);
    let start = versions(&store);
    let grouped = store.scope_counts(app).unwrap().grouped;
    let selection = Selection::of_ids([ann, bob, eve]);
    let outcome = run(
        &mut store,
        app,
        &selection,
        BulkAction::AddToGroup("Sales".into()),
    );
    assert_eq!(outcome.changed, 1, "ann and eve are in Sales already");
    assert_eq!(store.user(bob).unwrap().groups, ["Sales"]);
    assert_eq!(store.scope_counts(app).unwrap().grouped, grouped + 1);
    let now = versions(&store);
    assert_eq!(
        (now[0], now[1], now[2]),
        (start[0], start[1] + 1, start[2]),
        "only bob's version moves"
    );
    let entries = batch(&store, outcome);
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].op.as_str(), entries[0].target.label.as_str()),
        ("user.update", "bob@acme.io")
    );
    assert_eq!(changes(&entries[0]), json!({"groups": [[], ["Sales"]]}));
    assert_eq!(entries[1].op, "users.add_to_group");
    assert_eq!(
        changes(&entries[1]),
        json!({"changed_users": [null, 1], "groups_added": [null, ["Sales"]]})
    );

    store
        .update_user(
            app,
            eve,
            &UserDraft {
                email: "eve@acme.io".into(),
                groups: vec!["Sales".into(), "Support".into()],
                ..Default::default()
            }
            .validate_changes()
            .unwrap(),
            None,
            None,
        )
        .unwrap();
    let selection = Selection::of_query(UserQuery::default().filter("acme"));
    let outcome = run(
        &mut store,
        app,
        &selection,
        BulkAction::RemoveFromGroup("Sales".into()),
    );
    assert_eq!(outcome.changed, 3);
    assert_eq!(store.user(eve).unwrap().groups, ["Support"]);
    assert!(store.user(ann).unwrap().groups.is_empty());
    let entries = batch(&store, outcome);
    let eve_entry = entries
        .iter()
        .find(|e| e.target.label == "eve@acme.io")
        .unwrap();
    assert_eq!(
        changes(eve_entry),
        json!({"groups": [["Sales", "Support"], ["Support"]]})
    );
    assert_eq!(
        changes(entries.last().unwrap()),
        json!({"changed_users": [null, 3], "groups_removed": [["Sales"], null]})
    );
    let history: Vec<String> = (store.user_history(bob, 10).unwrap().into_iter())
        .map(|e| e.op)
        .collect();
    assert_eq!(history, ["user.update", "user.update", "user.create"]);
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn bulk_tag_changes_record_each_users_old_value() {
    let (_dir, mut store, app) = temp_store();
    let [ann, _, _, dee, eve, _] = people(&mut store, app);
    let selection = Selection::of_ids([ann, dee, eve]);
    let set = BulkAction::SetTag {
        key: key("plan"),
        value: "pro".into(),
    };
    let outcome = run(&mut store, app, &selection, set);
    assert_eq!(outcome.changed, 2, "ann has plan=pro already");
    for id in [ann, dee, eve] {
        assert_eq!(store.user(id).unwrap().tags["plan"], "pro");
    }
    assert_eq!(
        store.tag_key_usage(app, None).unwrap(),
        vec![("plan".to_string(), 4)]
    );
    let entries = batch(&store, outcome);
    let labelled: Vec<(&str, serde_json::Value)> = entries
        .iter()
        .map(|e| (e.target.label.as_str(), changes(e)))
        .collect();
    assert_eq!(
        labelled,
        [
            ("dee@other.io", json!({"tag:plan": ["free", "pro"]})),
            ("eve@acme.io", json!({"tag:plan": [null, "pro"]})),
            (
                "default",
                json!({"changed_users": [null, 2], "tag:plan": [null, "pro"]})
            ),
        ]
    );
    assert_eq!(entries[0].op, "user.update");

    let outcome = run(
        &mut store,
        app,
        &Selection::of_query(UserQuery::default().filter("other")),
        BulkAction::RemoveTag(key("plan")),
    );
    assert_eq!(outcome.changed, 1, "cy has no plan");
    assert!(store.user(dee).unwrap().tags.is_empty());
    let entries = batch(&store, outcome);
    assert_eq!(changes(&entries[0]), json!({"tag:plan": ["pro", null]}));
    assert_eq!(
        changes(&entries[1]),
        json!({"changed_users": [null, 1], "tags_removed": [["plan"], null]})
    );
    assert_eq!(
        store.tag_key_usage(app, None).unwrap(),
        vec![("plan".to_string(), 3)]
    );
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn a_bulk_action_that_changes_nobody_writes_nothing() {
    let (dir, mut store, app) = temp_store();
    let [ann, ..] = people(&mut store, app);
    let before = dump(&dir.path().join("test.db"));
    let outcome = run(
        &mut store,
        app,
        &Selection::of_ids([ann]),
        BulkAction::AddToGroup("Sales".into()),
    );
    assert_eq!(
        outcome,
        BulkOutcome {
            changed: 0,
            batch: None
        }
    );
    let outcome = run(&mut store, app, &Selection::default(), BulkAction::Delete);
    assert_eq!(outcome.changed, 0);
    assert_eq!(dump(&dir.path().join("test.db")), before);
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let (dir, mut store, app) = temp_store();
    let [ann, ..] = people(&mut store, app);
    let path = dir.path().join("test.db");
    let before = dump(&path);
    let selection = Selection::of_ids([ann]);
    let attempt = |store: &mut Store, action: BulkAction| {
        store
            .bulk(
                app,
                &selection,
                &action,
                Source::Cli,
                &mut |_| (),
                &AtomicBool::new(false),
            )
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        attempt(&mut store, BulkAction::AddToGroup("Nope".into())),
        "no such group: Nope"
    );
    assert_eq!(
        attempt(&mut store, BulkAction::RemoveFromGroup("Nope".into())),
        "no such group: Nope"
    );
    let bad_value = attempt(
        &mut store,
        BulkAction::SetTag {
            key: key("plan"),
            value: "a\u{1b}[2Jb".into(),
        },
    );
    assert!(bad_value.contains("control characters"), "{bad_value}");
    assert_eq!(dump(&path), before);
}

/// A store of `n` demo users (with groups and tags, and a token each) and its file.
fn demo_store(n: u64) -> (tempfile::TempDir, Store, AppId, std::path::PathBuf) {
    let (dir, mut store, app) = temp_store();
    xusers::demo::seed_demo(&mut store, app, n, 1_800_000_000, |_| ()).unwrap();
    store
        .insert_seed_tokens(app, |i| format!("token-{i}"))
        .unwrap();
    let path = dir.path().join("test.db");
    (dir, store, app, path)
}

fn every_action() -> Vec<BulkAction> {
    vec![
        BulkAction::Delete,
        BulkAction::InvalidateTokens,
        BulkAction::AddToGroup("Support".into()),
        BulkAction::RemoveFromGroup("Support".into()),
        BulkAction::SetTag {
            key: key("bulk"),
            value: "yes".into(),
        },
        BulkAction::RemoveTag(key("plan")),
    ]
}

#[test]
fn a_cancel_half_way_leaves_every_table_as_it_was() {
    let (_dir, mut store, app, path) = demo_store(5_000);
    let before = dump(&path);
    let everyone = Selection::of_query(UserQuery::default());
    for action in every_action() {
        let cancel = AtomicBool::new(false);
        let mut heard = Vec::new();
        let result = store.bulk(
            app,
            &everyone,
            &action,
            Source::Console,
            &mut |p: BulkProgress| {
                heard.push(p);
                if p.done >= 2_000 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        );
        assert!(
            matches!(result, Err(StoreError::Cancelled)),
            "{action:?}: {result:?}"
        );
        assert_eq!(
            heard,
            [
                BulkProgress {
                    done: 0,
                    total: 5_000
                },
                BulkProgress {
                    done: 2_000,
                    total: 5_000
                },
            ],
            "{action:?}"
        );
        assert_eq!(dump(&path), before, "{action:?}");
    }
    // Not cancelled, the same job runs to its end, reporting each chunk.
    let mut heard = Vec::new();
    let outcome = store
        .bulk(
            app,
            &everyone,
            &BulkAction::InvalidateTokens,
            Source::Console,
            &mut |p| heard.push(p.done),
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(outcome.changed, 5_000);
    assert_eq!(heard, [0, 2_000, 4_000, 5_000]);
}

#[test]
fn a_failure_half_way_leaves_every_table_as_it_was() {
    let (_dir, mut store, app, path) = demo_store(5_000);
    // A failure planted on the last user, after thousands were worked through: the
    // last user is in Support and tagged plan, so that every action changes them.
    store.create_group(app, "Nobody's", None).unwrap();
    let side = rusqlite::Connection::open(&path).unwrap();
    side.execute_batch(
        "INSERT OR IGNORE INTO memberships (user_id, group_id)
            SELECT max(id), (SELECT id FROM groups WHERE name = 'Support') FROM users;
         INSERT OR REPLACE INTO user_tags (user_id, key, value)
            SELECT max(id), 'plan', 'pro' FROM users;",
    )
    .unwrap();
    // Each write an action makes to the last user fails.
    for (event, table, row) in [
        ("DELETE", "users", "OLD.id"),
        ("INSERT", "user_tags", "NEW.user_id"),
        ("INSERT", "memberships", "NEW.user_id"),
        ("DELETE", "tokens", "OLD.user_id"),
        ("INSERT", "token_stamps", "NEW.user_id"),
        ("DELETE", "memberships", "OLD.user_id"),
        ("DELETE", "user_tags", "OLD.user_id"),
    ] {
        side.execute_batch(&format!(
            "CREATE TRIGGER fail_{event}_{table} BEFORE {event} ON {table}
             WHEN {row} = (SELECT max(id) FROM users)
             BEGIN SELECT RAISE(ABORT, 'planted failure'); END;"
        ))
        .unwrap();
    }
    let before = dump(&path);
    // Everyone but one: an invalidation then ends each user's tokens one by one
    // (everyone's would be one write that no user's trigger sees).
    let first = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap()[0]
        .id;
    let all_but_one = Selection {
        except: BTreeSet::from([first]),
        ..Selection::of_query(UserQuery::default())
    };
    for action in [
        BulkAction::Delete,
        BulkAction::InvalidateTokens,
        BulkAction::AddToGroup("Nobody's".into()),
        BulkAction::RemoveFromGroup("Support".into()),
        BulkAction::SetTag {
            key: key("bulk"),
            value: "yes".into(),
        },
        BulkAction::RemoveTag(key("plan")),
    ] {
        let mut done = 0;
        let result = store.bulk(
            app,
            &all_but_one,
            &action,
            Source::Console,
            &mut |p| done = p.done,
            &AtomicBool::new(false),
        );
        let error = result.unwrap_err().to_string();
        assert!(error.contains("planted failure"), "{action:?}: {error}");
        assert_eq!(done, 4_000, "{action:?}: failed in the last chunk");
        assert_eq!(dump(&path), before, "{action:?}");
    }
    // Ending everyone's sessions is the application's stamp, not the users' (no
    // token_stamps row to fail on): its last write per user is their pointer to their
    // entry, planted to fail alone.
    for name in schema_names(&side, "trigger") {
        if name.starts_with("fail_") {
            side.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
    }
    side.execute_batch(
        "CREATE TRIGGER fail_pointer BEFORE INSERT ON bulk_last_audit
         WHEN NEW.user_id = (SELECT max(id) FROM users)
         BEGIN SELECT RAISE(ABORT, 'planted failure'); END;",
    )
    .unwrap();
    let before = dump(&path);
    let everyone = Selection::of_query(UserQuery::default());
    let error = store
        .bulk(
            app,
            &everyone,
            &BulkAction::InvalidateTokens,
            Source::Console,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("planted failure"), "{error}");
    assert_eq!(dump(&path), before, "everyone's invalidation");
}

#[test]
fn several_edits_at_once_give_each_user_one_entry_and_a_preview_changes_nothing() {
    let (dir, mut store, app) = temp_store();
    let [ann, bob, cy, ..] = people(&mut store, app);
    let edit = BulkAction::Edit(vec![
        BulkAction::RemoveFromGroup("Support".into()),
        BulkAction::AddToGroup("Sales".into()),
        BulkAction::RemoveTag(key("plan")),
        BulkAction::SetTag {
            key: key("tier"),
            value: "gold".into(),
        },
    ]);
    let selection = Selection::of_ids([ann, bob, cy]);
    let path = dir.path().join("test.db");
    let before = dump(&path);
    let preview = store.bulk_preview(app, &selection, &edit).unwrap();
    assert_eq!(
        preview,
        BulkOutcome {
            changed: 3,
            batch: None
        }
    );
    assert_eq!(dump(&path), before, "a preview writes nothing");

    let outcome = run(&mut store, app, &selection, edit);
    assert_eq!(outcome.changed, 3);
    let cy_now = store.user(cy).unwrap();
    assert_eq!(cy_now.groups, ["Sales"]);
    assert_eq!(
        cy_now.tags.into_iter().collect::<Vec<_>>(),
        [("tier".into(), "gold".into())]
    );
    let entries = batch(&store, outcome);
    let labelled: Vec<(&str, &str, serde_json::Value)> = entries
        .iter()
        .map(|e| (e.op.as_str(), e.target.label.as_str(), changes(e)))
        .collect();
    assert_eq!(
        labelled,
        [
            (
                "user.update",
                "ann@acme.io",
                json!({"tag:plan": ["pro", null], "tag:tier": [null, "gold"]})
            ),
            (
                "user.update",
                "bob@acme.io",
                json!({
                    "groups": [[], ["Sales"]],
                    "tag:plan": ["pro", null],
                    "tag:tier": [null, "gold"]
                })
            ),
            (
                "user.update",
                "cy@other.io",
                json!({"groups": [["Support"], ["Sales"]], "tag:tier": [null, "gold"]})
            ),
            (
                "users.edit",
                "default",
                json!({
                    "changed_users": [null, 3],
                    "groups_added": [null, ["Sales"]],
                    "groups_removed": [["Support"], null],
                    "tags_removed": [["plan"], null],
                    "tag:tier": [null, "gold"]
                })
            ),
        ]
    );
    assert!(store.verify_audit().unwrap().broken.is_none());

    let after = dump(&path);
    let mixed = BulkAction::Edit(vec![
        BulkAction::AddToGroup("Sales".into()),
        BulkAction::Delete,
    ]);
    let refused = store.bulk_preview(app, &selection, &mixed).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "user: only group and tag changes can be made together"
    );
    assert_eq!(dump(&path), after);
}

#[test]
fn invalidating_everyone_voids_every_token_but_all_but_one_keeps_that_ones() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, cy, ..] = people(&mut store, app);
    let login = |store: &mut Store, email: &str| store.login(app, email, PASSWORD).unwrap();
    let (ann_token, bob_token) = (
        login(&mut store, "ann@acme.io"),
        login(&mut store, "bob@acme.io"),
    );
    let everyone_but_bob = Selection {
        except: BTreeSet::from([bob]),
        ..Selection::of_query(UserQuery::default())
    };
    let outcome = run(
        &mut store,
        app,
        &everyone_but_bob,
        BulkAction::InvalidateTokens,
    );
    assert_eq!(outcome.changed, 1);
    assert!(store.authenticate(app, &ann_token).is_err());
    assert_eq!(
        store.authenticate(app, &bob_token).unwrap(),
        bob,
        "bob was left out"
    );

    let cy_token = login(&mut store, "cy@other.io");
    let everyone = Selection::of_query(UserQuery::default());
    let outcome = run(&mut store, app, &everyone, BulkAction::InvalidateTokens);
    assert_eq!(outcome.changed, 2, "bob and cy had sessions");
    for token in [&bob_token, &cy_token] {
        assert!(store.authenticate(app, token).is_err());
    }
    let entries = batch(&store, outcome);
    let labels: Vec<&str> = entries.iter().map(|e| e.target.label.as_str()).collect();
    assert_eq!(labels, ["bob@acme.io", "cy@other.io", "default"]);
    assert_eq!(changes(&entries[0]), json!({"tokens": [1, 0]}));
    let history: Vec<String> = (store.user_history(cy, 10).unwrap().into_iter())
        .map(|e| e.op)
        .collect();
    assert_eq!(history, ["tokens.invalidate", "user.create"]);
    // Logging in again works at once, and nobody's session ended twice.
    let fresh = login(&mut store, "ann@acme.io");
    assert_eq!(store.authenticate(app, &fresh).unwrap(), ann);
    let outcome = run(&mut store, app, &everyone, BulkAction::InvalidateTokens);
    assert_eq!(outcome.changed, 1, "only ann's new session");
    assert!(store.authenticate(app, &fresh).is_err());
}

#[test]
fn a_removal_counts_the_selected_users_it_concerns_without_doing_it() {
    let (dir, mut store, app) = temp_store();
    let [ann, _, cy, ..] = people(&mut store, app);
    let path = dir.path().join("test.db");
    let before = dump(&path);
    let everyone = Selection::of_query(UserQuery::default());
    let concerned = |selection: &Selection, action: BulkAction| {
        store.bulk_concerned(app, selection, &action).unwrap()
    };
    let sales = || BulkAction::RemoveFromGroup("Sales".into());
    assert_eq!(concerned(&everyone, sales()), Some(2), "ann and eve");
    assert_eq!(
        concerned(&everyone, BulkAction::RemoveTag(key("plan"))),
        Some(3),
        "ann, bob and dee"
    );
    let two = Selection::of_ids([ann, cy]);
    assert_eq!(concerned(&two, sales()), Some(1), "ann only");
    assert_eq!(
        concerned(&two, BulkAction::RemoveFromGroup("EMEA".into())),
        Some(0)
    );
    // An addition counts those it would change: not in the group yet, not with the value.
    let total = store.selection_count(app, &everyone).unwrap();
    let into_sales = || BulkAction::AddToGroup("Sales".into());
    assert_eq!(concerned(&everyone, into_sales()), Some(total - 2));
    assert_eq!(concerned(&two, into_sales()), Some(1), "cy only");
    let set = |value: &str| BulkAction::SetTag {
        key: key("plan"),
        value: value.into(),
    };
    assert_eq!(concerned(&everyone, set("never-given")), Some(total));
    assert_eq!(concerned(&everyone, BulkAction::Delete), None);
    let unknown = store
        .bulk_concerned(app, &everyone, &BulkAction::RemoveFromGroup("Nope".into()))
        .unwrap_err();
    assert!(unknown.to_string().contains("Nope"), "{unknown}");

    // The users a dialog names are among those it changes, in email order.
    let sample = |selection: &Selection, action: BulkAction, n| {
        store
            .bulk_concerned_sample(app, selection, &action, n)
            .unwrap()
    };
    assert_eq!(
        sample(&everyone, sales(), 5),
        Some(vec!["ann@acme.io".to_string(), "eve@acme.io".to_string()])
    );
    assert_eq!(sample(&everyone, sales(), 1).map(|s| s.len()), Some(1));
    assert_eq!(
        sample(&two, sales(), 5),
        Some(vec!["ann@acme.io".to_string()])
    );
    assert_eq!(
        sample(&two, into_sales(), 5),
        Some(vec!["cy@other.io".to_string()])
    );
    assert_eq!(sample(&two, BulkAction::Delete, 5), None);
    assert_eq!(dump(&path), before, "counting changes nothing");
}

/// Everyone but a few is read from the users table itself: another application's
/// users (with ids among theirs) keep their sessions, the tokens a user's own stamp
/// voided already are not counted again, and each entry follows the user's newest.
#[test]
fn invalidating_everyone_but_a_few_counts_live_tokens_only_and_leaves_other_applications() {
    let (_dir, mut store, app) = temp_store();
    let [ann, bob, cy, ..] = people(&mut store, app);
    let other = store.application("other").unwrap().id;
    add_email(&mut store, other, "stranger@acme.io");
    let stranger_token = store.login(other, "stranger@acme.io", PASSWORD).unwrap();
    let late = add_email(&mut store, app, "late@acme.io");
    let login = |store: &mut Store, email: &str| store.login(app, email, PASSWORD).unwrap();
    for _ in 0..2 {
        login(&mut store, "ann@acme.io");
    }
    login(&mut store, "bob@acme.io");
    // ann's two sessions and bob's end by their own stamps; ann begins a third, bob
    // keeps only his void token (and his stamp).
    run(
        &mut store,
        app,
        &Selection::of_ids([ann, bob]),
        BulkAction::InvalidateTokens,
    );
    let ann_token = login(&mut store, "ann@acme.io");
    let late_token = login(&mut store, "late@acme.io");
    let cy_token = login(&mut store, "cy@other.io");
    let everyone_but_cy = Selection {
        except: BTreeSet::from([cy]),
        ..Selection::of_query(UserQuery::default())
    };
    let outcome = run(
        &mut store,
        app,
        &everyone_but_cy,
        BulkAction::InvalidateTokens,
    );
    assert_eq!(outcome.changed, 2, "ann and late had live sessions");
    for token in [&ann_token, &late_token] {
        assert!(store.authenticate(app, token).is_err());
    }
    assert_eq!(store.authenticate(app, &cy_token).unwrap(), cy);
    assert!(store.authenticate(other, &stranger_token).is_ok());
    let entries = batch(&store, outcome);
    let labels: Vec<&str> = entries.iter().map(|e| e.target.label.as_str()).collect();
    assert_eq!(labels, ["ann@acme.io", "late@acme.io", "default"]);
    assert_eq!(
        changes(&entries[0]),
        json!({"tokens": [1, 0]}),
        "the live one"
    );
    let history = |user: UserId| -> Vec<String> {
        (store.user_history(user, 10).unwrap().into_iter())
            .map(|e| e.op)
            .collect()
    };
    assert_eq!(
        history(ann),
        ["tokens.invalidate", "tokens.invalidate", "user.create"]
    );
    assert_eq!(history(late), ["tokens.invalidate", "user.create"]);
    assert_eq!(
        history(bob),
        ["tokens.invalidate", "user.create"],
        "his void token is not counted: no second entry"
    );
    assert!(store.verify_audit().unwrap().broken.is_none());
}
