//! Selections and bulk actions, the same on both backends (tests/common/backend.rs):
//! which users a selection holds, read a page at a time and exported; what each
//! bulk action changes and records (one audit batch), and that a cancel or a refusal
//! changes nothing.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use common::backend::{Backend, fresh};
use common::people;
use rstest::rstest;
use serde_json::json;
use xusers::domain::TagKey;
use xusers::export::{ExportOptions, FileFormat, write_users};
use xusers::store::{
    AppId, AuditEntry, AuditPage, AuditQuery, BulkAction, BulkOutcome, BulkProgress, Page, Scope,
    Selection, Sort, SortField, Source, Store, StoreError, UserId, UserQuery,
};

#[rstest]
fn a_selection_is_its_queries_and_ids_minus_its_exceptions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    // The rest of `f` (a SQLite file's folder) lives to the end.
    let (mut store, app) = (f.store, f.app);
    let [ann, bob, cy, dee, eve, fay] = people(&mut store, app);
    let everyone = [ann, bob, cy, dee, eve, fay];
    let check = |selection: &Selection, expected: &[UserId], sample: &[&str]| {
        assert_eq!(
            store.selection_count(app, selection).unwrap(),
            expected.len() as u64,
            "{selection:?}"
        );
        assert_eq!(
            store.marked_among(app, selection, &everyone).unwrap(),
            expected.iter().copied().collect::<HashSet<_>>(),
            "{selection:?}"
        );
        assert_eq!(
            store.selection_sample(app, selection, 2).unwrap(),
            sample,
            "{selection:?}"
        );
    };
    // One query (text and tag), one id more, one exception.
    let acme_pro = UserQuery::default().filter("acme tag:plan=pro");
    let mut selection = Selection::of_query(acme_pro.clone());
    check(&selection, &[ann, bob], &["ann@acme.io", "bob@acme.io"]);
    selection.ids.insert(fay);
    selection.except.insert(bob);
    check(&selection, &[ann, fay], &["ann@acme.io", "fay@x.io"]);
    // An exception that the query does not match, an id it matches anyway.
    selection.except.insert(cy);
    selection.ids.insert(ann);
    check(&selection, &[ann, fay], &["ann@acme.io", "fay@x.io"]);
    // Scopes, several queries: the union, each user once.
    let ungrouped = UserQuery {
        scope: Scope::Ungrouped,
        ..Default::default()
    };
    let support = UserQuery {
        scope: Scope::Group(store.group_named(app, "Support").unwrap()),
        ..Default::default()
    };
    let mut selection = Selection {
        queries: vec![ungrouped.clone(), support, ungrouped],
        ids: BTreeSet::from([bob]),
        except: BTreeSet::from([dee]),
    };
    check(&selection, &[bob, cy, fay], &["bob@acme.io", "cy@other.io"]);
    selection
        .queries
        .push(UserQuery::default().filter("nobody-has-this"));
    check(&selection, &[bob, cy, fay], &["bob@acme.io", "cy@other.io"]);
    // Ids alone.
    let selection = Selection::of_ids([eve, dee, eve]);
    check(&selection, &[dee, eve], &["dee@other.io", "eve@acme.io"]);
    // Nothing.
    let mut selection = Selection::of_ids([eve]);
    assert!(!selection.is_empty());
    selection.except.insert(eve);
    assert!(selection.is_empty());
    check(&selection, &[], &[]);
    assert!(Selection::default().is_empty());
    check(&Selection::default(), &[], &[]);
}

#[rstest]
fn a_selection_is_read_a_page_at_a_time_in_order_and_exported(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    // The rest of `f` (a SQLite file's folder) lives to the end.
    let (mut store, app) = (f.store, f.app);
    let [_, bob, cy, ..] = people(&mut store, app);
    let selection = Selection {
        ids: BTreeSet::from([cy]),
        except: BTreeSet::from([bob]),
        ..Selection::of_query(UserQuery::default().filter("acme"))
    };
    let sort = Sort {
        field: SortField::Email,
        descending: true,
    };
    let emails = |rows: Vec<xusers::store::UserRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.email).collect()
    };
    let first = store
        .selection_page(app, &selection, sort, &Page::First(2))
        .unwrap();
    let next = Page::After(first.last().unwrap().cursor(sort.field), 2);
    assert_eq!(emails(first), ["eve@acme.io", "cy@other.io"]);
    let second = store.selection_page(app, &selection, sort, &next).unwrap();
    assert_eq!(emails(second), ["ann@acme.io"]);

    let application = store.existing_application("default").unwrap();
    let export = |format| {
        let mut out = Vec::new();
        let options = ExportOptions {
            format,
            sort: Sort::default(),
            with_password_hashes: false,
        };
        let mut heard = Vec::new();
        let n = write_users(
            &store,
            &application,
            &selection,
            options,
            &mut out,
            &mut |n| heard.push(n),
        )
        .unwrap();
        assert_eq!((n, heard), (3, vec![3]));
        String::from_utf8(out).unwrap()
    };
    let document: serde_json::Value = serde_json::from_str(&export(FileFormat::Json)).unwrap();
    let exported: Vec<&str> = document["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(exported, ["ann@acme.io", "cy@other.io", "eve@acme.io"]);
    assert_eq!(document["users"][1]["groups"], json!(["Support"]));
    let csv = export(FileFormat::Csv);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("email,first_name,last_name,groups,tags"));
    assert!(lines[2].starts_with("cy@other.io,,,"), "{csv}");
}

/// Runs `action` on `selection`, then checks what both backends must keep: each
/// group's kept counts equal the users listed in it, the pane counts equal the users
/// listed, and the audit log verifies.
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
    let listed = |store: &Store, scope| {
        let query = UserQuery {
            scope,
            ..UserQuery::default()
        };
        store
            .list_users(app, &query, &Page::First(100))
            .unwrap()
            .len() as u64
    };
    for summary in store.group_summaries(app).unwrap() {
        let id = summary.group.id;
        assert_eq!(
            summary.members,
            listed(store, Scope::Group(id)),
            "{action:?}"
        );
        assert_eq!(
            summary.with_subgroups,
            listed(store, Scope::GroupTree(id)),
            "{action:?}"
        );
    }
    let counts = store.scope_counts(app).unwrap();
    assert_eq!(counts.all, listed(store, Scope::All), "{action:?}");
    assert_eq!(counts.grouped, listed(store, Scope::Grouped), "{action:?}");
    assert_eq!(store.verify_audit().unwrap().broken, None, "{action:?}");
    outcome
}

/// The entries of the outcome's batch, oldest first: its summary is the last.
fn batch(store: &Store, outcome: BulkOutcome) -> Vec<AuditEntry> {
    let id = outcome.batch.expect("a batch was written");
    let mut entries: Vec<AuditEntry> = store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.batch == Some(id))
        .collect();
    entries.reverse();
    assert_eq!(entries[0].seq, id, "the batch id is its first entry's seq");
    entries
}

fn key(k: &str) -> TagKey {
    TagKey::parse(k).unwrap()
}

#[rstest]
fn bulk_actions_change_only_users_not_as_asked_in_one_verifying_batch(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let (mut store, app) = (f.store, f.app);
    let [ann, bob, cy, dee, eve, fay] = people(&mut store, app);
    let acme = Selection::of_query(UserQuery::default().filter("acme"));
    let to_support = BulkAction::AddToGroup("Support".into());
    assert_eq!(
        store.bulk_concerned(app, &acme, &to_support).unwrap(),
        Some(3)
    );
    assert_eq!(
        store
            .bulk_concerned_sample(app, &acme, &to_support, 2)
            .unwrap(),
        Some(vec!["ann@acme.io".to_string(), "bob@acme.io".to_string()])
    );
    // A preview counts and changes nothing.
    let preview = store.bulk_preview(app, &acme, &to_support).unwrap();
    assert_eq!((preview.changed, preview.batch), (3, None));
    assert_eq!(
        store.bulk_concerned(app, &acme, &to_support).unwrap(),
        Some(3)
    );
    let outcome = run(&mut store, app, &acme, to_support.clone());
    assert_eq!(outcome.changed, 3);
    let entries = batch(&store, outcome);
    let ops: Vec<&str> = entries.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "user.update",
            "user.update",
            "user.update",
            "users.add_to_group"
        ]
    );
    assert_eq!(store.user(bob).unwrap().groups, ["Support"]);
    // Already as asked: nothing written.
    let again = run(&mut store, app, &acme, to_support);
    assert_eq!((again.changed, again.batch), (0, None));
    assert_eq!(
        store
            .bulk_concerned(app, &acme, &BulkAction::AddToGroup("Support".into()))
            .unwrap(),
        Some(0)
    );
    // Several edits at once: one entry per user changed.
    let everyone = Selection::of_query(UserQuery::default());
    let edit = BulkAction::Edit(vec![
        BulkAction::RemoveFromGroup("Sales".into()),
        BulkAction::SetTag {
            key: key("plan"),
            value: "pro".into(),
        },
    ]);
    let outcome = run(&mut store, app, &everyone, edit);
    // All but those already pro and in no Sales: ann (Sales), cy, dee, eve, fay.
    assert_eq!(outcome.changed, 5);
    assert_eq!(store.user(ann).unwrap().groups, ["Support"]);
    assert_eq!(store.user(dee).unwrap().tags["plan"], "pro");
    let outcome = run(
        &mut store,
        app,
        &everyone,
        BulkAction::RemoveTag(key("plan")),
    );
    assert_eq!(outcome.changed, 6);
    // Each user's history follows their own entries through the batches.
    let history: Vec<String> = (store.user_history(bob, 10).unwrap().into_iter())
        .map(|e| format!("{} {}", e.op, e.changes.as_json()))
        .collect();
    assert_eq!(
        history,
        [
            r#"user.update {"tag:plan":["pro",null]}"#,
            r#"user.update {"groups":[[],["Support"]]}"#,
            &history[2],
        ]
    );
    assert!(history[2].starts_with("user.create"), "{history:?}");
    // Tokens: only users with a live one are changed, and theirs stop working.
    let token = store.login(app, "cy@other.io", common::PASSWORD).unwrap();
    let support = Selection::of_query(UserQuery {
        scope: Scope::Group(store.group_named(app, "Support").unwrap()),
        ..UserQuery::default()
    });
    let outcome = run(&mut store, app, &support, BulkAction::InvalidateTokens);
    assert_eq!(outcome.changed, 1);
    assert!(store.authenticate(app, &token).is_err());
    // A deletion takes everything the users held, and names them in the batch.
    let outcome = run(
        &mut store,
        app,
        &Selection::of_ids([eve, fay, cy]),
        BulkAction::Delete,
    );
    assert_eq!(outcome.changed, 3);
    let deleted: Vec<String> = batch(&store, outcome)
        .into_iter()
        .map(|e| e.target.label)
        .collect();
    assert_eq!(
        deleted,
        ["cy@other.io", "eve@acme.io", "fay@x.io", "default"]
    );
    assert!(matches!(store.user(eve), Err(StoreError::UserGone(_))));
    assert_eq!(store.scope_counts(app).unwrap().all, 3);
}

#[rstest]
fn a_cancelled_or_refused_bulk_action_changes_nothing(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(f) = fresh(backend) else {
        return;
    };
    let (mut store, app) = (f.store, f.app);
    people(&mut store, app);
    let everyone = Selection::of_query(UserQuery::default());
    let before = |store: &Store| {
        (
            store
                .list_users(app, &UserQuery::default(), &Page::First(100))
                .unwrap(),
            store.group_summaries(app).unwrap(),
            store.verify_audit().unwrap().entries,
        )
    };
    let was = before(&store);
    for action in [
        BulkAction::Delete,
        BulkAction::AddToGroup("Support".into()),
        BulkAction::SetTag {
            key: key("plan"),
            value: "x".into(),
        },
    ] {
        let cancel = AtomicBool::new(false);
        let mut heard = Vec::new();
        let refused = store.bulk(
            app,
            &everyone,
            &action,
            Source::Console,
            &mut |p| {
                heard.push(p);
                cancel.store(true, Ordering::Relaxed);
            },
            &cancel,
        );
        assert!(matches!(refused, Err(StoreError::Cancelled)), "{refused:?}");
        assert_eq!(heard, [BulkProgress { done: 0, total: 6 }]);
        assert_eq!(before(&store), was, "{action:?}");
    }
    // An unknown group, a bad tag value, a deletion among edits: refused, clearly.
    for (action, message) in [
        (BulkAction::AddToGroup("Nope".into()), "no such group: Nope"),
        (
            BulkAction::Edit(vec![BulkAction::Delete]),
            "only group and tag changes can be made together",
        ),
    ] {
        let refused = run_err(&mut store, app, &everyone, action);
        assert!(refused.contains(message), "{refused}");
        assert_eq!(before(&store), was);
    }
}

fn run_err(store: &mut Store, app: AppId, selection: &Selection, action: BulkAction) -> String {
    store
        .bulk(
            app,
            selection,
            &action,
            Source::Console,
            &mut |_| (),
            &AtomicBool::new(false),
        )
        .unwrap_err()
        .to_string()
}

/// A bulk dialog names the first users by email that it would change, the same on
/// both backends: when most of the selection would change (found at once walking the
/// emails) and when only a few would, last by email (SQLite then reads them all: its
/// walk stops after 20,000 users).
#[rstest]
fn a_dialog_names_the_first_users_by_email_it_would_change_however_few_and_late(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(mut f) = fresh(backend) else {
        return;
    };
    xusers::demo::seed_demo(&mut f.store, f.app, 21_000, 1_800_000_000, |_| {}).unwrap();
    let (store, app) = (&mut f.store, f.app);
    let by_email: Vec<_> = (store.list_users(app, &UserQuery::default(), &Page::Last(3)))
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.email))
        .collect();
    let late = store.create_group(app, "Late", None).unwrap();
    let ids: Vec<UserId> = by_email.iter().map(|(id, _)| *id).collect();
    store.add_members(app, late.id, &ids).unwrap();
    let everyone = Selection::of_query(UserQuery::default());
    let sample = |store: &Store, action: BulkAction| {
        (store.bulk_concerned_sample(app, &everyone, &action, 2))
            .unwrap()
            .unwrap()
    };
    // Few, and the last three by email: their first two.
    let leaving = BulkAction::RemoveFromGroup("Late".into());
    assert_eq!(
        store.bulk_concerned(app, &everyone, &leaving).unwrap(),
        Some(3)
    );
    let first_two: Vec<String> = by_email[..2].iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(sample(store, leaving), first_two);
    // Nearly everyone: the first two users by email.
    let first = (store.list_users(app, &UserQuery::default(), &Page::First(2)))
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect::<Vec<_>>();
    assert_eq!(sample(store, BulkAction::AddToGroup("Late".into())), first);
}
