//! Reading rows only so that the system's file cache holds them when the queries a
//! screen is about to run need them (src/tui/read_ahead.rs).

use super::subtree::group_test;
use super::{Result, SqliteStore};

impl SqliteStore {
    /// Reads the users rows of up to `most` of group `group`'s members, its subgroups'
    /// included; returns how many it read. In user id order, which is file order.
    pub fn read_members_ahead(&self, group: i64, most: u64) -> Result<u64> {
        let read =
            (self.conn).query_row(&members_rows_sql(), rusqlite::params![group, most], |r| {
                r.get(0)
            })?;
        Ok(read)
    }
}

/// Each member's users row, read for a column only the row holds.
fn members_rows_sql() -> String {
    format!(
        "SELECT count(*), sum(length(u.search)) FROM users u WHERE u.id IN
             (SELECT m.user_id FROM memberships m WHERE {} LIMIT ?)",
        group_test(true, false)
    )
}

#[cfg(test)]
mod tests {
    use crate::store::{Scope, Store, UserQuery};

    #[test]
    fn the_rows_read_are_the_groups_members_with_its_subgroups_up_to_the_most_asked() {
        let mut store = Store::open_in_memory().unwrap();
        let (app, acme) = crate::demo::seeded_with_acme(&mut store, 60);
        let query = UserQuery {
            scope: Scope::GroupTree(acme),
            ..Default::default()
        };
        let members = store.count_users(app, &query).unwrap();
        let direct = UserQuery {
            scope: Scope::Group(acme),
            ..Default::default()
        };
        assert!(store.count_users(app, &direct).unwrap() < members);
        assert_eq!(store.read_members_ahead(acme, 1_000).unwrap(), members);
        assert_eq!(store.read_members_ahead(acme, 2).unwrap(), 2);
        // The rows themselves are read, each by its id.
        let Store::Sqlite(store) = store else {
            unreachable!("opened in memory")
        };
        let plan =
            (store.explain(&super::members_rows_sql(), vec![acme.into(), 2.into()])).unwrap();
        assert!(
            plan.contains("SEARCH u USING INTEGER PRIMARY KEY"),
            "{plan}"
        );
    }
}
