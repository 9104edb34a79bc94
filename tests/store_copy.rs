//! `Store::copy_into`'s progress: every row counted once, table by table, then the
//! index building, on both backends as targets.

mod common;

use common::backend::{Backend, fresh};
use rstest::rstest;
use xusers::store::{BUILDING_INDEXES, CopyProgress};

#[rstest]
fn a_copy_tells_each_row_written_table_by_table_then_the_index_building(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let (Some(mut source), Some(mut target)) = (fresh(Backend::Sqlite), fresh(backend)) else {
        return;
    };
    common::group_tree(&mut source.store, source.app);
    for email in ["a@x.io", "b@x.io", "c@x.io"] {
        common::add_email(&mut source.store, source.app, email);
    }
    let mut told: Vec<CopyProgress> = Vec::new();
    let report = source
        .store
        .copy_into(&mut target.store, &mut |p| told.push(p))
        .unwrap();
    assert_eq!(report.rows("users"), 3);
    assert_eq!(report.rows("groups"), 4);
    let (last, rows) = told.split_last().unwrap();
    assert_eq!(last.step, BUILDING_INDEXES);
    assert_eq!(
        (last.done, last.total),
        (rows.len() as u64, rows.len() as u64)
    );
    for (i, p) in rows.iter().enumerate() {
        assert_eq!(p.done, i as u64 + 1);
    }
    let users: Vec<u64> = rows
        .iter()
        .filter(|p| p.step == "users")
        .map(|p| p.done)
        .collect();
    assert_eq!(users.len(), 3, "{told:?}");
    let steps: Vec<&str> = told.iter().map(|p| p.step).collect();
    let mut changes = steps.clone();
    changes.dedup();
    let mut distinct = changes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        changes.len(),
        distinct.len(),
        "each table once: {changes:?}"
    );
    assert_eq!(
        target.store.scope_counts(target.app).unwrap().all,
        3,
        "the copy's users counted"
    );
}
