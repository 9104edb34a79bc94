//! How PostgreSQL plans a page of the list, where its planner left alone chose what
//! cost seconds at a million users: a group with its subgroups joined every
//! membership of the subtree before sorting, and pages ran parallel workers and JIT
//! compilation for a keystroke's fifty rows.

mod common;

use common::backend::{Backend, Fresh, execute_behind_the_store, fresh};
use xusers::demo::seed_demo;
use xusers::store::{Page, Scope, Sort, SortField, UserQuery};

const USERS: u64 = 30_000;

fn seeded() -> Option<Fresh> {
    let mut f = fresh(Backend::Postgres)?;
    seed_demo(&mut f.store, f.app, USERS, 1_800_000_000, |_| {}).unwrap();
    Some(f)
}

#[test]
fn a_page_of_a_group_with_its_subgroups_walks_the_sort_index_and_sorts_nothing() {
    let Some(f) = seeded() else { return };
    let acme = (f.store.groups(f.app).unwrap().into_iter())
        .find(|g| g.name == "Acme")
        .unwrap();
    let subtree = UserQuery {
        scope: Scope::GroupTree(acme.id),
        ..UserQuery::default()
    };
    let members = f.store.count_users(f.app, &subtree).unwrap();
    assert!(members > USERS / 2, "a big subtree: {members}");
    for field in [SortField::FirstName, SortField::Email, SortField::Created] {
        let query = UserQuery {
            sort: Sort {
                field,
                descending: false,
            },
            ..subtree.clone()
        };
        let [list, _] = f
            .store
            .query_plans(f.app, &query, &Page::First(80))
            .unwrap();
        assert!(list.contains("Index"), "{field:?}: {list}");
        assert!(!list.contains("Sort"), "{field:?}: {list}");
        assert!(!list.contains("Hash"), "{field:?}: {list}");
    }
}

#[test]
fn a_page_is_planned_without_parallel_workers_or_jit_and_a_count_may_use_them() {
    let Some(f) = seeded() else { return };
    // Make both as cheap as can be, for every connection opened from now on.
    execute_behind_the_store(
        f.location(),
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET parallel_setup_cost = 0;
           ALTER DATABASE %1$I SET parallel_tuple_cost = 0;
           ALTER DATABASE %1$I SET min_parallel_table_scan_size = 0;
           ALTER DATABASE %1$I SET min_parallel_index_scan_size = 0;
           ALTER DATABASE %1$I SET jit_above_cost = 0', current_database()); END $$",
        &[],
    );
    let store = f.another();
    for line in ["a", "q", "smith", "tag:plan=pro smi"] {
        let query = UserQuery::default().filter(line);
        let [list, count] = store.query_plans(f.app, &query, &Page::First(50)).unwrap();
        assert!(!list.contains("Gather"), "{line}: {list}");
        assert!(!list.contains("JIT"), "{line}: {list}");
        // The same settings reach the count, which reads every match.
        assert!(count.contains("Gather"), "{line}: {count}");
        assert!(count.contains("JIT"), "{line}: {count}");
    }
}
