//! A transaction that writes user after user (an import, a merge) on PostgreSQL.
//!
//! - Its kept counts are folded in by chunks: each statement's count changes wait in
//!   `counts_later` (pg/schema_v13.sql), where updating the same counters once per
//!   statement made each update walk every version of them the transaction had made.
//! - Its tables' statistics are kept true: the plans of the triggers' statements and
//!   of the foreign keys' checks are made once per connection, and made over the
//!   near-empty tables of a new database they scanned all of them: importing 5,000
//!   users into an empty database, the server worked 27–38 s on its statements, 7 s with
//!   the statistics made again as the users doubled. `ANALYZE` counts the
//!   transaction's own new rows and makes those plans again.
//! - The characters most users hold are made common then too (pg/schema_v14.sql):
//!   until then, an import into a new database lists each of its users' ~20.

use postgres::Transaction;

use crate::store::Result;

/// How many users are written between folds: enough that the counters' rows gain a
/// version per chunk, not per statement; few enough that the waiting changes stay a
/// few thousand rows.
const USERS_PER_FOLD: u64 = 500;

/// The tables a user's writes add rows to, whose statistics are kept true.
const GROWING: &str = "users, user_search, char_users, memberships, user_tags";

pub(super) struct UserAfterUser {
    written: u64,
    /// The users the statistics counted when the transaction began.
    before: f64,
    /// The users there were when the statistics were last made.
    analysed: f64,
}

impl UserAfterUser {
    /// Asks the count triggers to leave this transaction's changes for later.
    pub fn begin(tx: &mut Transaction) -> Result<UserAfterUser> {
        tx.batch_execute("SET LOCAL xusers.counts_later = on")?;
        let before: f32 = tx
            .query_one(
                "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'users'::regclass",
                &[],
            )?
            .get(0);
        Ok(UserAfterUser {
            written: 0,
            before: f64::from(before),
            analysed: f64::from(before),
        })
    }

    /// Notes a user written. Every [`USERS_PER_FOLD`] users, folds the count changes
    /// in, and makes the statistics again once the users may have doubled since.
    pub fn user_written(&mut self, tx: &mut Transaction) -> Result<()> {
        self.written += 1;
        if !self.written.is_multiple_of(USERS_PER_FOLD) {
            return Ok(());
        }
        fold(tx)?;
        let users = self.before + self.written as f64;
        if users > 2.0 * self.analysed {
            super::search_rows::grow_common_chars(tx)?;
            tx.batch_execute(&format!("ANALYZE {GROWING}"))?;
            self.analysed = users;
        }
        Ok(())
    }
}

/// Folds the changes left for later into the counts: before the transaction commits.
pub(super) fn fold(tx: &mut Transaction) -> Result<()> {
    tx.batch_execute("SELECT fold_counts()")?;
    Ok(())
}
