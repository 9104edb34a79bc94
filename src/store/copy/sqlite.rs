//! A SQLite file as the source of a copy (read in one snapshot) and as its target
//! (written in one transaction, as a bulk load: its derived indexes and triggers
//! dropped, and built again with their counts and search index at the end).

use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::tables::{Cell, Kind, TABLES, Table};
use super::{Feed, Put, Reader, Writer};
use crate::store::{Result, SqliteStore, begin_write, migrations};

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Int(v) => v.map_or(ValueRef::Null, ValueRef::Integer),
            Cell::Text(v) => v
                .as_deref()
                .map_or(ValueRef::Null, |t| ValueRef::Text(t.as_bytes())),
            Cell::Blob(v) => v.as_deref().map_or(ValueRef::Null, ValueRef::Blob),
        }))
    }
}

struct SqliteReader<'c> {
    conn: &'c Connection,
}

impl Reader for SqliteReader<'_> {
    fn count(&mut self, table: &Table) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {}", table.name);
        Ok(self.conn.query_row(&sql, [], |r| r.get(0))?)
    }

    fn each(&mut self, table: &Table, put: &mut Put) -> Result<()> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_list(),
            table.name,
            table.order()
        );
        let mut statement = self.conn.prepare(&sql)?;
        let mut rows = statement.query([])?;
        let mut row_cells = Vec::with_capacity(table.columns.len());
        while let Some(row) = rows.next()? {
            row_cells.clear();
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                row_cells.push(match kind {
                    Kind::Int => Cell::Int(row.get(i)?),
                    Kind::Text => Cell::Text(row.get(i)?),
                    Kind::Blob => Cell::Blob(row.get(i)?),
                });
            }
            put(&row_cells)?;
        }
        Ok(())
    }
}

/// Hands `read` the file's tables as they are at one moment (a read transaction).
pub(super) fn read<T>(
    store: &SqliteStore,
    read: impl FnOnce(&mut dyn Reader) -> Result<T>,
) -> Result<T> {
    let snapshot = store.conn.unchecked_transaction()?;
    let found = read(&mut SqliteReader { conn: &snapshot })?;
    snapshot.finish()?;
    Ok(found)
}

struct SqliteWriter<'c> {
    conn: &'c Connection,
}

impl Writer for SqliteWriter<'_> {
    fn wants(&self, table: &Table) -> bool {
        !table.derived
    }

    fn load(&mut self, table: &Table, feed: &mut Feed) -> Result<()> {
        let marks: Vec<String> = (1..=table.columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            table.column_list(),
            marks.join(", ")
        );
        let mut insert = self.conn.prepare(&sql)?;
        feed(&mut |row| {
            insert.execute(rusqlite::params_from_iter(row))?;
            Ok(())
        })
    }

    fn count(&mut self, table: &str) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {table}");
        Ok(self.conn.query_row(&sql, [], |r| r.get(0))?)
    }
}

/// Writes the copy into the file in one transaction: `load` fills the tables of a
/// database found empty (its rows — the `default` application — replaced), and the
/// derived objects are built again before it commits. Anything failing (or the process
/// ending) before then leaves the file as it was.
pub(super) fn write<T>(
    store: &mut SqliteStore,
    load: impl FnOnce(&mut dyn Writer) -> Result<T>,
) -> Result<T> {
    let tx = begin_write(&mut store.conn)?;
    let mut writer = SqliteWriter { conn: &tx };
    super::refuse_unless_empty(&mut writer)?;
    migrations::drop_derived(&tx)?;
    // Rows may name rows that come later in their own table (a group's parent made
    // after it): the references are checked once all are in.
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    for table in TABLES.iter().rev().filter(|t| !t.name.starts_with("audit")) {
        tx.execute(&format!("DELETE FROM {}", table.name), [])?;
    }
    let loaded = load(&mut writer)?;
    migrations::rebuild_derived_within(&tx)?;
    tx.commit()?;
    Ok(loaded)
}
