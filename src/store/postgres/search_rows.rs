//! `user_search` (pg/schema_v12.sql), the narrow rows a rare short term's page is read
//! from, filled by loads that turn the users' triggers (which keep it) off.

use postgres::Transaction;

use crate::store::Result;

/// The rows of `user_search` for the users `FROM` and `WHERE` select.
fn insert_from(users: &str) -> String {
    format!(
        "INSERT INTO user_search
         SELECT id, app_id, search, email_key, first_key, last_key, created_at, last_login,
                group_count
         FROM {users}"
    )
}

/// Adds the rows of the users with ids `first..=last`, just loaded.
pub(super) fn add_loaded(tx: &mut Transaction, first: i64, last: i64) -> Result<()> {
    tx.execute(
        &insert_from("users WHERE id BETWEEN $1 AND $2"),
        &[&first, &last],
    )?;
    Ok(())
}

/// Writes every row again from `users`.
pub(crate) fn refill(tx: &mut Transaction) -> Result<()> {
    tx.batch_execute("DELETE FROM user_search")?;
    tx.batch_execute(&insert_from("users"))?;
    Ok(())
}
