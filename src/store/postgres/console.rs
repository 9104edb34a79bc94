//! What the console's workers ask of a connection to tune SQLite, on PostgreSQL:
//! the server keeps one shared cache and plans its own reads, so there is nothing to
//! set per connection, nothing to warm and no walk to share with a helper.

use std::sync::Mutex;

use super::PgStore;
use crate::store::{AppId, Page, Result, Store, UserQuery, UserRow};

impl PgStore {
    /// Nothing to do: the server's shared buffers are its cache.
    pub fn set_cache_kib(&self, _kib: i64) -> Result<()> {
        Ok(())
    }

    /// Plans this connection's queries for a keystroke's answer, for a connection
    /// that reads pages: a page reads few rows, so no parallel workers (on a small
    /// machine they slowed the count that follows and each other: `tag:plan=pro smi`
    /// p99 100 → 55 ms at a million users) and no JIT compilation (milliseconds each
    /// time), and sorting a rare term's matches (`q`: 66,666 users) stays in memory.
    /// Session settings, not a transaction's: a cancel meant for an earlier query
    /// can land on a later statement, and one landing on a `COMMIT` left the
    /// connection in a failed transaction. The connection's `application_name` gains
    /// `xusers pages`, so that `pg_stat_activity` tells these connections apart.
    pub fn plan_for_pages(&self) -> Result<()> {
        Ok(self.client.borrow_mut().batch_execute(
            "SET max_parallel_workers_per_gather = 0; SET jit = off; SET work_mem = '64MB';
             SELECT set_config('application_name', concat_ws(' ',
                 nullif(current_setting('application_name'), ''), 'xusers pages'), false)",
        )?)
    }

    /// Nothing to do: a write waits for the write lock (an advisory lock) as long as
    /// another holds it.
    pub fn set_busy_timeout(&self, _timeout: std::time::Duration) -> Result<()> {
        Ok(())
    }

    /// Reads nothing ahead (the server caches what it reads for every connection);
    /// returns how many members were read: none.
    pub fn read_members_ahead(&self, _group: i64, _most: u64) -> Result<u64> {
        Ok(0)
    }

    /// The page as [`PgStore::list_users`] reads it, without the helper: the server
    /// runs one query on its own workers.
    pub fn list_users_split(
        &self,
        _helper: &Mutex<Store>,
        app: AppId,
        query: &UserQuery,
        page: &Page,
    ) -> Result<Vec<UserRow>> {
        self.list_users(app, query, page)
    }
}
