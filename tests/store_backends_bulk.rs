//! Selections and bulk actions, the same on both backends (tests/common/backend.rs):
//! which users a selection holds, read a page at a time and exported.

mod common;

use std::collections::{BTreeSet, HashSet};

use common::backend::{Backend, fresh};
use common::people;
use rstest::rstest;
use serde_json::json;
use xusers::export::{ExportOptions, FileFormat, write_users};
use xusers::store::{Page, Scope, Selection, Sort, SortField, UserId, UserQuery};

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
