//! The hot queries keep their indexes. Each test explains the SQL the store really
//! runs (the query builder's pages and counts, the store's own lookup statements):
//! every table is read by a SEARCH (a key or a key range), never a full SCAN, and a
//! page never sorts all users.

mod common;

use common::*;
use xusers::demo::seed_demo;
use xusers::store::{NOTHING_TO_READ, Page, Scope, Sort, SortField, Store, UserQuery};

fn store_with_users(users: u64) -> (tempfile::TempDir, Store, xusers::store::AppId) {
    let (dir, mut store, app) = temp_store();
    seed_demo(&mut store, app, users, 1_800_000_000, |_| ()).unwrap();
    (dir, store, app)
}

/// The lines of a plan that read a whole table or index: any `SCAN` but the search
/// index answering its MATCH and the rows a subquery just produced (a group's subtree,
/// `sub`, is a few group ids walked from its root).
fn full_scans(plan: &str) -> Vec<&str> {
    plan.lines()
        .filter(|line| {
            line.starts_with("SCAN ")
                && !line.contains("VIRTUAL TABLE INDEX 0:M")
                && !line.starts_with("SCAN (subquery-")
                && *line != "SCAN sub"
                && *line != "SCAN CONSTANT ROW"
        })
        .collect()
}

fn assert_searches(plan: &str, what: &str) {
    assert!(
        plan.lines().any(|line| line.starts_with("SEARCH ")),
        "{what}: nothing read by key\n{plan}"
    );
    assert_eq!(
        full_scans(plan),
        Vec::<&str>::new(),
        "{what}: a full SCAN where a SEARCH is meant\n{plan}"
    );
}

#[test]
fn pages_walk_the_sort_index_for_every_sort_and_scope() {
    let (_d, store, app) = store_with_users(3_000);
    let first = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap();
    assert_eq!(first.len(), 1);
    for field in SortField::ALL {
        for scope in [Scope::All, Scope::Grouped, Scope::Ungrouped] {
            for descending in [false, true] {
                let q = UserQuery {
                    scope,
                    sort: Sort { field, descending },
                    ..Default::default()
                };
                let cursor = first[0].cursor(field);
                for page in [Page::First(50), Page::Last(50), Page::After(cursor, 50)] {
                    let [list, _] = store.query_plans(app, &q, &page).unwrap();
                    let what = format!("{field:?} {scope:?} {descending} {page:?}");
                    assert_searches(&list, &what);
                    assert!(
                        !list.contains("TEMP B-TREE"),
                        "{what}: sorts every user\n{list}"
                    );
                }
            }
        }
    }
}

#[test]
fn rare_text_and_tags_read_their_index_then_sort_few_rows() {
    let (_d, store, app) = store_with_users(3_000);
    let rare = UserQuery::default().filter("zoe.yilmaz");
    let [list, count] = store.query_plans(app, &rare, &Page::First(50)).unwrap();
    assert!(list.contains("VIRTUAL TABLE INDEX 0:M"), "{list}");
    assert!(
        list.contains("SEARCH u USING INTEGER PRIMARY KEY"),
        "{list}"
    );
    assert_searches(&list, "rare text");
    assert_searches(&count, "rare text count");
    let tag = UserQuery::default().filter("tag:ext_0029=v1");
    let [list, count] = store.query_plans(app, &tag, &Page::First(50)).unwrap();
    assert!(list.contains("user_tags_key (key=? AND value=?)"), "{list}");
    assert_searches(&list, "rare tag");
    assert_searches(&count, "rare tag count");
}

/// One- and two-character terms never walk every user to find few or none: a term
/// in no user reads nothing, a rare one reads the search index.
#[test]
fn short_rare_terms_read_the_search_index_and_absent_ones_read_nothing() {
    let (_d, store, app) = store_with_users(3_000);
    for absent in ["ž", "qz", "xj", "ali qz", "tag:plan=pro xj"] {
        let q = UserQuery::default().filter(absent);
        let plans = store.query_plans(app, &q, &Page::First(50)).unwrap();
        assert_eq!(plans, [NOTHING_TO_READ; 2], "{absent}");
        assert!(
            store
                .list_users(app, &q, &Page::First(50))
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.count_users(app, &q).unwrap(), 0);
    }
    // "ë" is only in Zoë (one first name in 30): its users come from the index.
    for rare in ["ë", "oë", "ë tag:plan"] {
        let q = UserQuery::default().filter(rare);
        let [list, count] = store.query_plans(app, &q, &Page::First(50)).unwrap();
        assert!(list.contains("VIRTUAL TABLE INDEX 0:M"), "{rare}\n{list}");
        assert_searches(&list, rare);
        assert_searches(&count, &format!("{rare} count"));
        let rows = store.list_users(app, &q, &Page::First(50)).unwrap();
        assert!(!rows.is_empty(), "{rare}");
        assert!(rows.iter().all(|r| r.first_name == "Zoë"), "{rare}");
    }
}

#[test]
fn common_text_and_tags_walk_the_sort_index_and_stop_at_a_page() {
    let (_d, store, app) = store_with_users(12_000);
    // "acme" is in a fifth of all emails (2,400 here), "plan" on many users: checked
    // row by row along the index.
    for filter in ["acme", "tag:plan"] {
        for scope in [Scope::All, Scope::Grouped] {
            let q = UserQuery {
                scope,
                ..Default::default()
            }
            .filter(filter);
            let [list, count] = store.query_plans(app, &q, &Page::First(50)).unwrap();
            let what = format!("{filter} {scope:?}");
            assert!(!list.contains("VIRTUAL TABLE"), "{what}\n{list}");
            assert!(!list.contains("TEMP B-TREE"), "{what}\n{list}");
            assert_searches(&list, &what);
            assert_searches(&count, &format!("{what} count"));
        }
    }
}

/// Text and a tag that both match many users: the text is tested in the index that
/// holds the haystack, so the table and the tag are read only for rows that pass it.
#[test]
fn common_text_with_a_common_tag_tests_the_text_in_the_index() {
    let (_d, store, app) = store_with_users(12_000);
    // At 12,000 users "plan" and "locale" are on 8,000 and 6,000, "acme" in 2,400 emails.
    for filter in ["tag:plan a", "acme tag:locale", "tag:plan acme"] {
        let q = UserQuery::default().filter(filter);
        let [list, count] = store.query_plans(app, &q, &Page::First(50)).unwrap();
        assert!(
            list.contains("USING INDEX users_search"),
            "{filter}\n{list}"
        );
        assert!(!list.contains("TEMP B-TREE"), "{filter}\n{list}");
        assert_searches(&list, filter);
        assert_searches(&count, &format!("{filter} count"));
    }
}

#[test]
fn lookups_by_email_token_and_counters_use_keys() {
    let (_d, mut store, app) = store_with_users(3_000);
    let row = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap()
        .remove(0);
    assert_eq!(
        store.find_user(app, &row.email.to_uppercase()).unwrap(),
        row.id
    );
    let token = store
        .login(app, &row.email, xusers::demo::DEMO_PASSWORD)
        .unwrap();
    assert_eq!(store.authenticate(app, &token).unwrap(), row.id);
    // What each lookup is keyed on.
    let keyed_on = [
        ("find by email", "email_key=?"),
        ("authenticate", "digest=?"),
        ("recent login failures", "email_key=?"),
        ("pane counts", "rowid=?"),
        ("tag-key usage", "app_id=?"),
        ("tag key probe", "key=?"),
        ("tag value probe", "key=? AND value=?"),
    ];
    let plans = store.lookup_plans().unwrap();
    assert_eq!(
        plans.iter().map(|(what, _)| *what).collect::<Vec<_>>(),
        keyed_on.map(|(what, _)| what)
    );
    for ((what, plan), (_, key)) in plans.iter().zip(keyed_on) {
        assert_searches(plan, what);
        assert!(plan.contains(key), "{what}: not by {key}\n{plan}");
    }
}

#[test]
fn a_lost_index_shows_as_a_full_scan() {
    let (dir, store, _app) = temp_store();
    let failures = |store: &Store| {
        let plans = store.lookup_plans().unwrap();
        plans
            .into_iter()
            .find(|(what, _)| *what == "recent login failures")
            .unwrap()
            .1
    };
    assert!(full_scans(&failures(&store)).is_empty());
    drop(store);
    let path = dir.path().join("test.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP INDEX login_failures_key")
        .unwrap();
    // Read-only: opening for writing would rebuild the index.
    let plan = failures(&Store::open_read_only(&path).unwrap());
    assert_eq!(full_scans(&plan), ["SCAN login_failures"], "{plan}");
}

/// A large group's members (Acme with its subgroups: 7,000 users or so here) are
/// tested while walking the sort index, a page stopping after a page, each in the
/// member set read once (no membership read per user; the store's unit tests show
/// the key lookup a group too large for a page's set takes); a small group's
/// (Support, or Acme's own ~1,000) come from the membership index and only they are
/// sorted. Neither reads every user; counts read the membership index.
#[test]
fn group_members_walk_the_sort_index_in_the_member_set_when_many_and_read_memberships_when_few() {
    let (_d, store, app) = store_with_users(12_000);
    let acme = store.group_named(app, "Acme").unwrap();
    let support = store.group_named(app, "Support").unwrap();
    let first = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap();
    for scope in [Scope::GroupTree(acme)] {
        for field in SortField::ALL {
            let q = UserQuery {
                scope,
                sort: Sort {
                    field,
                    descending: false,
                },
                ..Default::default()
            };
            let cursor = first[0].cursor(field);
            for page in [Page::First(50), Page::After(cursor, 50)] {
                let [list, count] = store.query_plans(app, &q, &page).unwrap();
                let what = format!("{scope:?} {field:?} {page:?}");
                assert_searches(&list, &what);
                assert!(
                    !list.contains("TEMP B-TREE"),
                    "{what}: sorts every member\n{list}"
                );
                assert!(
                    !(list.lines())
                        .any(|l| l.starts_with("SEARCH m EXISTS") || l.contains("memberships")),
                    "{what}\n{list}"
                );
                assert_searches(&count, &format!("{what} count"));
            }
        }
    }
    for scope in [
        Scope::GroupTree(support),
        Scope::Group(support),
        Scope::Group(acme),
    ] {
        let q = UserQuery {
            scope,
            ..Default::default()
        };
        let [list, _] = store.query_plans(app, &q, &Page::First(50)).unwrap();
        assert!(list.contains("memberships_group"), "{scope:?}\n{list}");
        assert!(
            list.contains("SEARCH u USING INTEGER PRIMARY KEY"),
            "{scope:?}\n{list}"
        );
        assert_searches(&list, &format!("{scope:?}"));
    }
    // With a filter the count is made row by row, from the membership index.
    let q = UserQuery {
        scope: Scope::GroupTree(acme),
        ..Default::default()
    }
    .filter("acme");
    let [_, count] = store.query_plans(app, &q, &Page::First(50)).unwrap();
    assert!(count.contains("memberships_group"), "{count}");
    assert_searches(&count, "Acme filtered count");
}
