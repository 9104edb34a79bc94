//! The search index of a bulk load, built on a thread of its own in a database of its
//! own while the load writes and indexes its users, then moved into the store: building
//! it is the longest part of a load, and SQLite lets only one thread write a database.

use std::sync::mpsc::Receiver;

use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, params_from_iter};

use super::Result;

/// The tables that hold the search index (SQLite's FTS5 keeps `users_fts` in them).
const SHADOW_TABLES: [&str; 3] = ["users_fts_data", "users_fts_idx", "users_fts_docsize"];

/// The statement that creates the store's search index, to build the same one apart.
pub(crate) fn definition(conn: &Connection) -> Result<String> {
    Ok(conn.query_row(
        "SELECT sql FROM sqlite_master WHERE name = 'users_fts'",
        [],
        |r| r.get(0),
    )?)
}

/// Indexes each (user id, haystack) received, in a new in-memory database holding
/// only a search index made by `definition`, until the sender is dropped.
pub(crate) fn build(
    definition: &str,
    haystacks: Receiver<Vec<(i64, String)>>,
) -> Result<Connection> {
    let apart = Connection::open_in_memory()?;
    apart.execute_batch(definition)?;
    let tx = apart.unchecked_transaction()?;
    {
        // Each haystack with two line feeds after it, as the triggers index it
        // (derived_triggers.sql).
        let mut insert =
            tx.prepare("INSERT INTO users_fts(rowid, search) VALUES (?1, ?2 || char(10, 10))")?;
        for batch in haystacks {
            for (id, haystack) in batch {
                insert.execute(rusqlite::params![id, haystack])?;
            }
        }
    }
    tx.commit()?;
    Ok(apart)
}

/// Replaces the search index of `tx`'s database with the one built in `apart` (made by
/// `definition`), row for row, within the caller's transaction.
///
/// FTS5 keeps the index's structure cached per connection, and nothing but a write
/// from another connection or a rollback clears it: the index is made anew (a new
/// one has read nothing yet), its rows are replaced, and nothing may use it until
/// the transaction ends.
pub(crate) fn move_into(apart: &Connection, definition: &str, tx: &Connection) -> Result<()> {
    tx.execute_batch("DROP TABLE users_fts")?;
    tx.execute_batch(definition)?;
    for table in SHADOW_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
        let mut read = apart.prepare(&format!("SELECT * FROM {table}"))?;
        let columns = read.column_count();
        let slots = vec!["?"; columns].join(", ");
        let mut write = tx.prepare(&format!("INSERT INTO {table} VALUES ({slots})"))?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            write.execute(params_from_iter(
                (0..columns)
                    .map(|i| row.get_ref(i).map(ToSqlOutput::Borrowed))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            ))?;
        }
    }
    Ok(())
}
