//! The audit log in the store: append-only, tamper-evident, pruned only by `prune`,
//! read in keyset pages, and nothing written when a change is refused.

mod common;

use common::*;
use std::sync::atomic::AtomicBool;

use xusers::store::{
    Actor, AuditPage, AuditQuery, BulkAction, Selection, Source, Store, StoreError,
};

fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join("test.db")).unwrap()
}

/// A log of `n` group creations.
fn logged(n: usize) -> (tempfile::TempDir, Store, xusers::store::AppId) {
    let (dir, mut store, app) = temp_store();
    for i in 0..n {
        store.create_group(app, &format!("G{i}"), None).unwrap();
    }
    (dir, store, app)
}

fn broken(store: &Store) -> Option<(i64, String)> {
    store.verify_audit().unwrap().broken
}

#[test]
fn raw_updates_and_deletes_of_entries_are_refused() {
    let (dir, store, _) = logged(3);
    let conn = raw(&dir);
    for sql in [
        "UPDATE audit SET actor = 'someone else' WHERE seq = 2",
        "DELETE FROM audit WHERE seq = 2",
        "DELETE FROM audit",
    ] {
        let e = conn.execute(sql, []).unwrap_err().to_string();
        assert!(e.contains("the audit log is append-only"), "{sql}: {e}");
    }
    assert_eq!(store.verify_audit().unwrap().entries, 3);
    assert_eq!(broken(&store), None);
}

#[test]
fn an_entry_changed_with_the_triggers_dropped_is_named_by_verify() {
    let (dir, store, _) = logged(5);
    let conn = raw(&dir);
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    conn.execute("UPDATE audit SET target_label = 'G9' WHERE seq = 3", [])
        .unwrap();
    assert_eq!(
        broken(&store),
        Some((3, "entry 3 was changed or reordered".into()))
    );
    let report = store.verify_audit().unwrap();
    assert_eq!(
        (report.entries, report.head),
        (2, None),
        "the two before it are intact"
    );
}

#[test]
fn a_removed_entry_is_named_by_verify() {
    let (dir, store, _) = logged(5);
    let conn = raw(&dir);
    conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4;")
        .unwrap();
    assert_eq!(broken(&store), Some((4, "entry 4 was removed".into())));
    conn.execute("DELETE FROM audit WHERE seq IN (1, 2)", [])
        .unwrap();
    assert_eq!(
        broken(&store),
        Some((1, "entries 1 to 2 were removed".into()))
    );
}

#[test]
fn reordered_entries_are_named_by_verify() {
    let (dir, store, _) = logged(4);
    let conn = raw(&dir);
    // Swap the contents (and hashes) of entries 2 and 3, keeping their numbers.
    conn.execute_batch(
        "DROP TRIGGER audit_no_update;
         UPDATE audit SET seq = -2 WHERE seq = 2;
         UPDATE audit SET seq = 2 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = -2;",
    )
    .unwrap();
    assert_eq!(
        broken(&store),
        Some((2, "entry 2 was changed or reordered".into()))
    );
}

#[test]
fn the_triggers_come_back_at_the_next_open() {
    let (dir, store, _) = logged(2);
    drop(store);
    raw(&dir)
        .execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    let _store = Store::open(&dir.path().join("test.db")).unwrap();
    assert!(
        raw(&dir)
            .execute("DELETE FROM audit WHERE seq = 1", [])
            .is_err()
    );
}

#[test]
fn prune_removes_older_entries_records_itself_and_the_rest_still_verifies() {
    let (dir, mut store, app) = logged(4);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let cut = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()[0]
        .time_ms
        + 1;
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.create_group(app, "Late", None).unwrap();
    store.set_actor(Actor::named("auditor", Source::Cli).unwrap());
    let report = store.prune_audit(cut).unwrap();
    assert_eq!(
        (report.removed, report.entry, report.first_kept),
        (4, Some(6), 5)
    );
    let left = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(10))
        .unwrap();
    let seqs: Vec<i64> = left.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [6, 5]);
    let prune = &left[0];
    assert_eq!(
        (
            prune.op.as_str(),
            prune.actor.as_str(),
            prune.app.as_deref()
        ),
        ("audit.prune", "auditor", None)
    );
    assert_eq!(
        prune.changes.get("entries").unwrap(),
        &[serde_json::json!(5), serde_json::json!(2)]
    );
    assert_eq!(
        prune.changes.get("first_kept").unwrap(),
        &[serde_json::json!(1), serde_json::json!(5)]
    );
    let verified = store.verify_audit().unwrap();
    assert_eq!((verified.entries, verified.broken), (2, None));
    // Nothing older is left: pruning again removes nothing and records nothing.
    assert_eq!(store.prune_audit(cut).unwrap().entry, None);
    // Kept entries are still guarded, the horizon only moves forward.
    let conn = raw(&dir);
    assert!(conn.execute("DELETE FROM audit WHERE seq = 5", []).is_err());
    let e = conn
        .execute("UPDATE audit_horizon SET first_kept = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("only moves forward"), "{e}");
    assert!(conn.execute("DELETE FROM audit_horizon", []).is_err());
}

#[test]
fn a_horizon_moved_without_a_prune_entry_is_named_by_verify() {
    let (dir, mut store, app) = logged(3);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let cut = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap()[0]
        .time_ms
        + 1;
    // "Late" must be stamped after the cut, or the prune takes it too and there is
    // no entry 4 left to remove behind the horizon.
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.create_group(app, "Late", None).unwrap();
    let report = store.prune_audit(cut).unwrap();
    assert_eq!(
        (report.removed, report.entry, report.first_kept),
        (3, Some(5), 4),
        "entries 1 to 3 pruned, Late kept"
    );
    // Someone moves the horizon on and removes entry 4 behind it, with a made-up anchor.
    let conn = raw(&dir);
    conn.execute_batch("UPDATE audit_horizon SET first_kept = 5; DELETE FROM audit WHERE seq = 4;")
        .unwrap();
    let (seq, what) = broken(&store).unwrap();
    assert_eq!(seq, 5, "{what}");
}

#[test]
fn pruning_everything_keeps_the_prune_entry_verifiable() {
    let (_dir, mut store, app) = logged(3);
    let report = store.prune_audit(i64::MAX).unwrap();
    assert_eq!(
        (report.removed, report.entry, report.first_kept),
        (3, Some(4), 4)
    );
    store.create_group(app, "After", None).unwrap();
    let verified = store.verify_audit().unwrap();
    assert_eq!((verified.entries, verified.broken), (2, None));
}

#[test]
fn a_refused_change_writes_no_entry() {
    let (_dir, mut store, app) = logged(1);
    add_email(&mut store, app, "ann@acme.io");
    let before = store.verify_audit().unwrap().entries;
    assert!(matches!(
        store.create_group(app, "G0", None),
        Err(StoreError::Invalid(_))
    ));
    let taken = draft("ANN@acme.io").validate_new().unwrap();
    assert!(store.create_user(app, &taken, hash()).is_err());
    assert!(store.rename_group(app, "nope", "x").is_err());
    assert!(store.set_group_parent(app, "G0", Some("G0")).is_err());
    assert!(store.link_device(app, "no device", "G0", true).is_err());
    assert_eq!(store.verify_audit().unwrap().entries, before);
}

#[test]
fn a_users_history_is_newest_first_and_only_since_that_user_was_created() {
    let (_dir, mut store, app) = temp_store();
    let first = add_email(&mut store, app, "old@acme.io");
    store.delete_user(first).unwrap();
    // SQLite gives the highest id again once it is free: the history must not mix.
    let ann = add_email(&mut store, app, "ann@acme.io");
    assert_eq!(
        ann, first,
        "the id is reused (what this test guards against)"
    );
    store.invalidate_user_tokens(ann).unwrap();
    let history = store.user_history(ann, 10).unwrap();
    let ops: Vec<&str> = history.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["tokens.invalidate", "user.create"]);
    assert!(history.iter().all(|e| e.target.label == "ann@acme.io"));
    assert_eq!(store.user_history(ann, 1).unwrap().len(), 1);
}

#[test]
fn a_database_of_schema_version_8_is_upgraded_and_keeps_each_users_history() {
    let (dir, mut store, app) = temp_store();
    let ann = add_email(&mut store, app, "ann@acme.io");
    store.invalidate_user_tokens(ann).unwrap();
    drop(store);
    // Back to version 8: without the table that bulk actions point users from.
    raw(&dir)
        .execute_batch(&format!(
            "{BACK_TO_V9} DROP TABLE bulk_last_audit; PRAGMA user_version = 8;"
        ))
        .unwrap();
    let mut store = Store::open(&dir.path().join("test.db")).unwrap();
    let ops = |store: &Store| -> Vec<String> {
        (store.user_history(ann, 10).unwrap().into_iter())
            .map(|e| e.op)
            .collect()
    };
    assert_eq!(ops(&store), ["tokens.invalidate", "user.create"]);
    // A bulk action writes the new table, and the history follows it on.
    store.login(app, "ann@acme.io", PASSWORD).unwrap();
    let outcome = store
        .bulk(
            app,
            &Selection::of_ids([ann]),
            &BulkAction::InvalidateTokens,
            Source::Cli,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(outcome.changed, 1);
    store.invalidate_user_tokens(ann).unwrap();
    assert_eq!(
        ops(&store),
        [
            "tokens.invalidate",
            "tokens.invalidate",
            "tokens.invalidate",
            "user.create"
        ]
    );
    let version: i64 = raw(&dir)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 14, "upgraded to the newest");
    assert_eq!(broken(&store), None);
}

#[test]
fn pages_follow_each_other_newest_first_and_text_filters() {
    let (_dir, mut store, app) = logged(25);
    store.set_actor(Actor::named("Dana", Source::Console).unwrap());
    store.create_group(app, "Finance", None).unwrap();
    let all = AuditQuery::default();
    let first = store.audit_page(&all, AuditPage::Newest(10)).unwrap();
    let second = store
        .audit_page(&all, AuditPage::OlderThan(first[9].seq, 10))
        .unwrap();
    let seqs: Vec<i64> = first.iter().chain(&second).map(|e| e.seq).collect();
    assert_eq!(seqs, (7..=26).rev().collect::<Vec<_>>());
    // Back up from the second page, and from the oldest end.
    let back = store
        .audit_page(&all, AuditPage::NewerThan(second[0].seq, 3))
        .unwrap();
    let back: Vec<i64> = back.iter().map(|e| e.seq).collect();
    assert_eq!(back, [19, 18, 17]);
    let oldest = store.audit_page(&all, AuditPage::Oldest(3)).unwrap();
    let oldest: Vec<i64> = oldest.iter().map(|e| e.seq).collect();
    assert_eq!(oldest, [3, 2, 1]);
    assert!(!first.is_empty() && first.windows(2).all(|w| w[0].time_ms >= w[1].time_ms));
    let by = |text: &str| -> Vec<i64> {
        let q = AuditQuery {
            text: text.into(),
            ..Default::default()
        };
        store
            .audit_page(&q, AuditPage::Newest(50))
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(by("dana"), [26], "actor, any case");
    assert_eq!(by("FINANCE"), [26], "target label");
    assert_eq!(by("g24"), [25]);
    assert_eq!(by("group.create").len(), 26, "op");
    assert_eq!(by("nothing like it"), Vec::<i64>::new());
    assert_eq!(
        store.audit_page(&all, AuditPage::Newest(1)).unwrap()[0].source,
        "console"
    );
}

#[test]
fn an_edit_that_changes_nothing_writes_no_entry() {
    let (_dir, mut store, app) = logged(1);
    store.create_group(app, "Parent", None).unwrap();
    store.set_group_parent(app, "G0", Some("Parent")).unwrap();
    let before = store.verify_audit().unwrap().entries;
    store.set_group_parent(app, "G0", Some("Parent")).unwrap();
    store.rename_group(app, "G0", "G0").unwrap();
    store.set_user_limit(app, None).unwrap();
    store
        .set_login_policy(app, xusers::store::LoginPolicy::default())
        .unwrap();
    let ann = add_email(&mut store, app, "ann@acme.io");
    let same = draft("ann@acme.io").validate_changes().unwrap();
    store.update_user(app, ann, &same, None, None).unwrap();
    assert_eq!(
        store.verify_audit().unwrap().entries,
        before + 1,
        "only the user's creation"
    );
}

#[test]
fn seeded_tokens_are_one_entry_and_never_the_tokens() {
    let (_dir, mut store, app) = temp_store();
    add_email(&mut store, app, "a@acme.io");
    add_email(&mut store, app, "b@acme.io");
    let token_of = |n: u64| format!("load-test-token-{n}");
    store.insert_seed_tokens(app, token_of).unwrap();
    let entries = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(10))
        .unwrap();
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["tokens.seed", "user.create", "user.create"]);
    assert_eq!(
        entries[0].changes.as_json(),
        serde_json::json!({"seeded_tokens": [0, 2]})
    );
    let all = format!("{entries:?}");
    assert!(!all.contains("load-test-token"), "{all}");
}
