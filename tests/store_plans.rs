//! The hot queries keep their indexes: `EXPLAIN QUERY PLAN` must show an index (or
//! the search index) and never a full scan of the users table or a sort of all users.

mod common;

use common::*;
use xusers::demo::seed_demo;
use xusers::store::{Page, Scope, Sort, SortField, Store, UserQuery};

fn store_with_users(users: u64) -> (tempfile::TempDir, Store, xusers::store::AppId) {
    let (dir, mut store, app) = temp_store();
    seed_demo(&mut store, app, users, 1_800_000_000, |_| ()).unwrap();
    (dir, store, app)
}

fn assert_indexed(plan: &str, what: &str) {
    for line in plan.lines() {
        let full_scan =
            (line == "SCAN u" || line.starts_with("SCAN u ")) && !line.contains("USING");
        assert!(!full_scan, "{what}: full scan of users\n{plan}");
    }
    assert!(
        plan.contains("USING") || plan.contains("VIRTUAL TABLE"),
        "{what}: no index\n{plan}"
    );
}

#[test]
fn pages_walk_the_sort_index_for_every_sort_and_scope() {
    let (_d, store, app) = store_with_users(3_000);
    let first = store
        .list_users(app, &UserQuery::default(), &Page::First(1))
        .unwrap();
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
                    assert_indexed(&list, &what);
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
    assert!(list.contains("VIRTUAL TABLE INDEX"), "{list}");
    assert!(list.contains("USING INTEGER PRIMARY KEY"), "{list}");
    assert_indexed(&count, "rare count");
    let tag = UserQuery::default().filter("tag:ext_0029=v1");
    let [list, count] = store.query_plans(app, &tag, &Page::First(50)).unwrap();
    assert!(list.contains("user_tags_key"), "{list}");
    assert_indexed(&list, "rare tag");
    assert_indexed(&count, "rare tag count");
}

#[test]
fn common_text_walks_the_sort_index_and_stops_at_a_page() {
    let (_d, store, app) = store_with_users(12_000);
    // "acme" is in a fifth of all emails (2,400 here): checked row by row along the index.
    let q = UserQuery::default().filter("acme");
    let [list, _] = store.query_plans(app, &q, &Page::First(50)).unwrap();
    assert!(!list.contains("VIRTUAL TABLE"), "{list}");
    assert!(list.contains("USING INDEX users_search"), "{list}");
    assert!(!list.contains("TEMP B-TREE"), "{list}");
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
    for (sql, what) in [
        (
            "SELECT id FROM users WHERE app_id = 1 AND email_key = 'x'",
            "find by email",
        ),
        (
            "SELECT t.user_id FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.digest = x'00' AND u.app_id = 1",
            "authenticate",
        ),
        (
            "SELECT user_count, grouped_count FROM applications WHERE id = 1",
            "counts",
        ),
        (
            "SELECT key, users FROM tag_keys WHERE app_id = 1",
            "suggestions",
        ),
    ] {
        let plan = store.explain_sql(sql).unwrap();
        assert!(plan.contains("SEARCH"), "{what}: {plan}");
    }
}
