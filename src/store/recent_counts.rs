//! The last few counts a connection made, each with the query it counted and the state
//! of the data then: asked again while no connection has committed a change since, a
//! count is answered at once. Clearing a filter in a large group's members view asks
//! for the group's count again: at a million users, counting Acme's 671,507 members
//! again held a core for 0.4 s while the next keys' pages were read.

use std::sync::Mutex;

use super::plan::FEW_FOR_COUNT;
use super::{AppId, Result, Sort, SqliteStore, UserQuery};

/// Counts kept per connection.
const KEPT: usize = 8;

#[derive(Default)]
pub(crate) struct RecentCounts(Mutex<Vec<Counted>>);

struct Counted {
    app: AppId,
    /// Without its sort, which changes no count.
    query: UserQuery,
    stamp: (i64, u64),
    count: u64,
}

impl SqliteStore {
    /// How many users the query matches (scope, text and tags; sort is irrelevant).
    pub fn count_users(&self, app: AppId, query: &UserQuery) -> Result<u64> {
        let query = UserQuery {
            sort: Sort::default(),
            ..query.clone()
        };
        let stamp = self.data_stamp()?;
        let mut kept = self.recent_counts.0.lock().expect("recent counts lock");
        let found = kept.iter().position(|c| c.app == app && c.query == query);
        if let Some(at) = found {
            let counted = kept.remove(at);
            if counted.stamp == stamp {
                let count = counted.count;
                kept.push(counted);
                return Ok(count);
            }
        }
        drop(kept);
        let count = self.count_users_planned(app, &query, FEW_FOR_COUNT)?;
        let mut kept = self.recent_counts.0.lock().expect("recent counts lock");
        if kept.len() == KEPT {
            kept.remove(0);
        }
        kept.push(Counted {
            app,
            query,
            stamp,
            count,
        });
        Ok(count)
    }

    /// The state of the data as this connection sees it: it changes whenever another
    /// connection commits a change (`PRAGMA data_version`) or this one writes.
    pub(crate) fn data_stamp(&self) -> Result<(i64, u64)> {
        let version: i64 = (self.conn).pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok((version, self.conn.total_changes()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use crate::store::{Scope, Store, UserQuery};

    /// Steps of SQL a store runs while `work` does.
    fn steps(store: &mut Store, work: impl FnOnce(&Store) -> u64) -> (u64, u64) {
        let steps = Arc::new(AtomicU64::new(0));
        let counted = steps.clone();
        store.on_progress(1, move || {
            counted.fetch_add(1, Ordering::SeqCst);
            false
        });
        let result = work(store);
        (result, steps.load(Ordering::SeqCst))
    }

    #[test]
    fn a_count_asked_again_is_kept_until_another_connection_commits_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let (app, acme) = crate::demo::seeded_with_acme(&mut store, 300);
        let query = UserQuery {
            scope: Scope::GroupTree(acme),
            ..Default::default()
        }
        .filter("a");
        let count = |s: &Store| s.count_users(app, &query).unwrap();
        let (first, counting) = steps(&mut store, count);
        let (again, kept) = steps(&mut store, count);
        assert_eq!(again, first);
        assert!(
            kept * 10 < counting,
            "kept: {kept} steps, counted: {counting}"
        );
        // Another sort is the same count.
        let sorted = UserQuery {
            sort: crate::store::Sort {
                descending: true,
                ..Default::default()
            },
            ..query.clone()
        };
        let (resorted, kept) = steps(&mut store, |s| s.count_users(app, &sorted).unwrap());
        assert_eq!((resorted, kept * 10 < counting), (first, true));
        // Another administrator adds a member.
        let mut other = Store::open(&path).unwrap();
        let user = crate::domain::UserDraft {
            email: "another@acme.example".into(),
            password: Some("a long enough password".into()),
            groups: vec!["Acme".into()],
            ..Default::default()
        }
        .validate_new()
        .unwrap();
        let hash = crate::auth::PasswordHash::new(
            &crate::domain::Password::parse("a long enough password").unwrap(),
        );
        other.create_user(app, &user, &hash).unwrap();
        let (after, recounting) = steps(&mut store, count);
        assert_eq!(after, first + 1);
        assert!(
            recounting * 10 > counting,
            "counted again: {recounting} steps"
        );
    }
}
