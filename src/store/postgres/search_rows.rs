//! `user_search` (pg/schema_v12.sql), the narrow rows a rare short term's page is read
//! from, and `char_users` (pg/schema_v14.sql), the users of each rare character in
//! email order: filled by loads that turn the users' triggers (which keep them) off.

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

/// The rows of `char_users` for the users of `user_search` the test selects.
fn insert_chars_where(test: &str) -> String {
    format!(
        "INSERT INTO char_users (ch, app_id, email_key, id)
         SELECT c, u.app_id, u.email_key, u.id
         FROM user_search u, rare_chars(u.search, (SELECT common_char_string())) c
         WHERE {test}"
    )
}

/// Makes common the characters more than a tenth of a sample of the users so far
/// hold, and drops their rows (pg/schema_v14.sql; the sample's size comes from the
/// applications' kept counts, which a load writes first). A load of an empty
/// database that did not would list each of its users ~20 times.
pub(super) fn grow_common_chars(tx: &mut Transaction) -> Result<()> {
    tx.batch_execute("SELECT grow_common_chars()")?;
    Ok(())
}

/// Adds the rows of the users with ids `first..=last`, just loaded and counted, the
/// characters most of the users so far hold made common first: a seed's users may
/// bring their own (the demo's digits 7, 8, 9 and 0 come after its first batch).
pub(super) fn add_loaded(tx: &mut Transaction, first: i64, last: i64) -> Result<()> {
    tx.execute(
        &insert_from("users WHERE id BETWEEN $1 AND $2"),
        &[&first, &last],
    )?;
    grow_common_chars(tx)?;
    tx.execute(
        &insert_chars_where("u.id BETWEEN $1 AND $2"),
        &[&first, &last],
    )?;
    Ok(())
}

/// Writes every row again from `users`.
pub(crate) fn refill(tx: &mut Transaction) -> Result<()> {
    tx.batch_execute("DELETE FROM user_search")?;
    tx.batch_execute(&insert_from("users"))?;
    tx.batch_execute("DELETE FROM char_users")?;
    grow_common_chars(tx)?;
    tx.batch_execute(&insert_chars_where("true"))?;
    Ok(())
}
