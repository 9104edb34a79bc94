//! A group's members: the scopes that list them (with or without the subgroups'), and
//! adding users to a group or removing one, each change audited.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;
use xusers::demo::seed_demo;
use xusers::domain::UserDraft;
use xusers::store::{
    AppId, AuditPage, AuditQuery, Page, Scope, Store, StoreError, UserId, UserQuery, UserRow,
};

fn emails(rows: &[UserRow]) -> Vec<&str> {
    rows.iter().map(|r| r.email.as_str()).collect()
}

fn group(store: &Store, app: AppId, name: &str) -> i64 {
    store.group_named(app, name).unwrap()
}

/// Every user of the query, read a page of `page` at a time.
fn all_pages(store: &Store, app: AppId, q: &UserQuery, page: usize) -> Vec<UserRow> {
    let mut rows = store.list_users(app, q, &Page::First(page)).unwrap();
    loop {
        let cursor = rows.last().map(|r| r.cursor(q.sort.field));
        let Some(cursor) = cursor else { break };
        let more = store
            .list_users(app, q, &Page::After(cursor, page))
            .unwrap();
        if more.is_empty() {
            break;
        }
        rows.extend(more);
    }
    rows
}

fn in_groups(store: &mut Store, app: AppId, email: &str, groups: &[&str]) -> UserId {
    add(
        store,
        app,
        UserDraft {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..draft(email)
        },
    )
}

/// Acme ─ Sales ─ EMEA, Support; a in Acme, b in Sales, c in EMEA and Support, d in
/// Sales and EMEA, e in no group.
fn members_world() -> (tempfile::TempDir, Store, AppId) {
    let (dir, mut store, app) = temp_store();
    group_tree(&mut store, app);
    in_groups(&mut store, app, "a@acme.io", &["Acme"]);
    in_groups(&mut store, app, "b@acme.io", &["Sales"]);
    in_groups(&mut store, app, "c@acme.io", &["EMEA", "Support"]);
    in_groups(&mut store, app, "d@acme.io", &["Sales", "EMEA"]);
    add_email(&mut store, app, "e@acme.io");
    (dir, store, app)
}

#[test]
fn a_group_tree_scope_holds_its_subgroups_members_once_and_a_group_scope_its_own() {
    let (_d, store, app) = members_world();
    let (acme, sales, emea) = (
        group(&store, app, "Acme"),
        group(&store, app, "Sales"),
        group(&store, app, "EMEA"),
    );
    for (scope, expected) in [
        (
            Scope::GroupTree(acme),
            vec!["a@acme.io", "b@acme.io", "c@acme.io", "d@acme.io"],
        ),
        (Scope::Group(acme), vec!["a@acme.io"]),
        (
            Scope::GroupTree(sales),
            vec!["b@acme.io", "c@acme.io", "d@acme.io"],
        ),
        (Scope::Group(sales), vec!["b@acme.io", "d@acme.io"]),
        (Scope::GroupTree(emea), vec!["c@acme.io", "d@acme.io"]),
    ] {
        let q = UserQuery {
            scope,
            ..Default::default()
        };
        let rows = store.list_users(app, &q, &Page::First(50)).unwrap();
        assert_eq!(emails(&rows), expected, "{scope:?}");
        assert_eq!(
            store.count_users(app, &q).unwrap(),
            expected.len() as u64,
            "{scope:?}"
        );
        // With a filter, the count is made row by row: it counts only the users the
        // filter matches: "d@" matches one user, who is in every scope but Acme's own.
        let filtered = q.clone().filter("d@");
        let matching = u64::from(expected.contains(&"d@acme.io"));
        assert_eq!(
            store.count_users(app, &filtered).unwrap(),
            matching,
            "{scope:?} filtered"
        );
    }
    let q = UserQuery {
        scope: Scope::GroupTree(sales),
        ..Default::default()
    }
    .filter("c@");
    assert_eq!(
        emails(&store.list_users(app, &q, &Page::First(50)).unwrap()),
        vec!["c@acme.io"]
    );
}

/// A large group's members are found by walking the sort index, a small one's from the
/// membership index: both give exactly the users with a membership in the subtree,
/// page after page, and the same count.
#[test]
fn large_and_small_groups_list_exactly_their_members_page_by_page() {
    let (_d, mut store, app) = temp_store();
    seed_demo(&mut store, app, 12_000, 1_800_000_000, |_| ()).unwrap();
    let everyone = all_pages(&store, app, &UserQuery::default(), 1000);
    assert_eq!(everyone.len(), 12_000);
    let groups = store.groups(app).unwrap();
    let below = |root: &str| -> BTreeSet<String> {
        let mut names = BTreeSet::from([root.to_string()]);
        loop {
            let more: Vec<String> = (groups.iter())
                .filter(|g| {
                    let parent = g.parent_id.and_then(|p| groups.iter().find(|x| x.id == p));
                    parent.is_some_and(|p| names.contains(&p.name)) && !names.contains(&g.name)
                })
                .map(|g| g.name.clone())
                .collect();
            if more.is_empty() {
                return names;
            }
            names.extend(more);
        }
    };
    for (name, subgroups, filter) in [
        ("Acme", true, ""),
        ("Acme", true, "ali"),
        ("Acme", false, ""),
        ("Support", true, ""),
        ("Sales", true, "tag:plan"),
    ] {
        let id = group(&store, app, name);
        let names = if subgroups {
            below(name)
        } else {
            BTreeSet::from([name.to_string()])
        };
        let scope = if subgroups {
            Scope::GroupTree(id)
        } else {
            Scope::Group(id)
        };
        let q = UserQuery {
            scope,
            ..Default::default()
        }
        .filter(filter);
        let all = UserQuery::default().filter(filter);
        let expected: Vec<String> = all_pages(&store, app, &all, 1000)
            .into_iter()
            .filter(|r| r.groups.iter().any(|g| names.contains(g)))
            .map(|r| r.email)
            .collect();
        assert!(!expected.is_empty(), "{name} {filter}");
        let got: Vec<String> = all_pages(&store, app, &q, 97)
            .into_iter()
            .map(|r| r.email)
            .collect();
        assert_eq!(got, expected, "{name} {subgroups} {filter:?}");
        assert_eq!(
            store.count_users(app, &q).unwrap(),
            expected.len() as u64,
            "{name} {subgroups} {filter:?}"
        );
    }
}

fn newest(store: &Store, n: usize) -> Vec<xusers::store::AuditEntry> {
    store
        .audit_page(&AuditQuery::default(), AuditPage::Newest(n))
        .unwrap()
}

#[test]
fn adding_several_users_is_one_batch_of_user_updates_and_a_summary() {
    let (_d, mut store, app) = members_world();
    let support = group(&store, app, "Support");
    let (a, c, e) = (
        store.find_user(app, "a@acme.io").unwrap(),
        store.find_user(app, "c@acme.io").unwrap(),
        store.find_user(app, "e@acme.io").unwrap(),
    );
    let version_before = store.user(a).unwrap().version;
    let done = store.add_members(app, support, &[a, c, e]).unwrap();
    assert_eq!(done.added, vec![a, e]);
    assert_eq!(done.already, vec![c]);
    assert_eq!(store.user(a).unwrap().groups, vec!["Acme", "Support"]);
    assert_eq!(store.user(e).unwrap().groups, vec!["Support"]);
    assert!(store.user(a).unwrap().version > version_before);
    let entries = newest(&store, 3);
    let (summary, users) = (&entries[0], &entries[1..]);
    assert_eq!(summary.op, "group.add_members");
    assert_eq!(summary.target.label, "Support");
    assert_eq!(summary.changes.get("members"), Some(&[json!(1), json!(3)]));
    let batch = summary.batch.expect("a batch");
    let mut labels: Vec<&str> = users.iter().map(|e| e.target.label.as_str()).collect();
    labels.sort();
    assert_eq!(labels, vec!["a@acme.io", "e@acme.io"]);
    for entry in users {
        assert_eq!(entry.op, "user.update");
        assert_eq!(entry.batch, Some(batch));
    }
    assert_eq!(
        users
            .iter()
            .find(|x| x.target.label == "e@acme.io")
            .unwrap()
            .changes
            .get("groups"),
        Some(&[json!([]), json!(["Support"])])
    );
    // Nobody new: nothing is written.
    let seq = newest(&store, 1)[0].seq;
    let done = store.add_members(app, support, &[a]).unwrap();
    assert_eq!((done.added, done.already), (vec![], vec![a]));
    assert_eq!(newest(&store, 1)[0].seq, seq);
}

#[test]
fn adding_one_user_is_one_entry_without_a_batch_and_a_gone_user_adds_nobody() {
    let (_d, mut store, app) = members_world();
    let support = group(&store, app, "Support");
    let (a, e) = (
        store.find_user(app, "a@acme.io").unwrap(),
        store.find_user(app, "e@acme.io").unwrap(),
    );
    store.add_members(app, support, &[a]).unwrap();
    let entry = &newest(&store, 1)[0];
    assert_eq!((entry.op.as_str(), entry.batch), ("user.update", None));
    assert_eq!(
        entry.changes.get("groups"),
        Some(&[json!(["Acme"]), json!(["Acme", "Support"])])
    );
    store.delete_user(a).unwrap();
    let seq = newest(&store, 1)[0].seq;
    let refused = store.add_members(app, support, &[e, a]);
    assert!(
        matches!(refused, Err(StoreError::UserGone(id)) if id == a),
        "{refused:?}"
    );
    assert!(store.user(e).unwrap().groups.is_empty(), "all or nothing");
    assert_eq!(newest(&store, 1)[0].seq, seq);
    // A user named twice is added once, with one entry.
    let done = store.add_members(app, support, &[e, e]).unwrap();
    assert_eq!(done.added, [e]);
    assert_eq!(store.user(e).unwrap().groups, ["Support"]);
    assert_eq!(newest(&store, 1)[0].seq, seq + 1);
}

#[test]
fn removing_a_member_keeps_the_user_and_says_when_they_already_left() {
    let (_d, mut store, app) = members_world();
    let emea = group(&store, app, "EMEA");
    let d = store.find_user(app, "d@acme.io").unwrap();
    store.remove_member(app, emea, d).unwrap();
    assert_eq!(store.user(d).unwrap().groups, vec!["Sales"]);
    let entry = &newest(&store, 1)[0];
    assert_eq!(entry.op, "user.update");
    assert_eq!(entry.target.label, "d@acme.io");
    assert_eq!(
        entry.changes.get("groups"),
        Some(&[json!(["EMEA", "Sales"]), json!(["Sales"])])
    );
    // Someone else removed them meanwhile: refused, nothing written.
    let again = store.remove_member(app, emea, d);
    assert!(
        matches!(again, Err(StoreError::NotMember(id)) if id == d),
        "{again:?}"
    );
    assert_eq!(newest(&store, 1)[0].seq, entry.seq);
    let ro = {
        let path = store.path().unwrap();
        Store::open_read_only(&path).unwrap()
    };
    let mut ro = ro;
    let sales = group(&ro, app, "Sales");
    assert!(matches!(
        ro.remove_member(app, sales, d),
        Err(StoreError::ReadOnly)
    ));
    assert_eq!(store.user(d).unwrap().groups, vec!["Sales"]);
}
