//! A PostgreSQL database as the source of a copy (read in one repeatable-read
//! snapshot, each table with `COPY … TO STDOUT`) and as its target (written in one
//! transaction with `COPY … FROM STDIN`, ids kept and the sequences set past them).

use postgres::Transaction;
use postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutIter};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};

use super::tables::{Cell, Kind, TABLES, Table, WITH_IDS};
use super::{Feed, Put, Reader, Writer};
use crate::store::postgres::{begin_write, search_rows};
use crate::store::{PgStore, Result};

fn types(table: &Table) -> Vec<Type> {
    let type_of = |kind: &Kind| match kind {
        Kind::Int => Type::INT8,
        Kind::Text => Type::TEXT,
        Kind::Blob => Type::BYTEA,
    };
    table
        .columns
        .iter()
        .map(|(_, kind)| type_of(kind))
        .collect()
}

fn count(tx: &mut Transaction, table: &str) -> Result<u64> {
    let n: i64 = tx
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
        .get(0);
    Ok(n as u64)
}

struct PgReader<'t, 'c> {
    tx: &'t mut Transaction<'c>,
}

impl Reader for PgReader<'_, '_> {
    fn count(&mut self, table: &Table) -> Result<u64> {
        count(self.tx, table.name)
    }

    fn each(&mut self, table: &Table, put: &mut Put) -> Result<()> {
        let sql = format!(
            "COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT (FORMAT binary)",
            table.column_list(),
            table.name,
            table.order()
        );
        let mut rows = BinaryCopyOutIter::new(self.tx.copy_out(&sql)?, &types(table));
        let mut row_cells = Vec::with_capacity(table.columns.len());
        while let Some(row) = rows.next()? {
            row_cells.clear();
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                row_cells.push(match kind {
                    Kind::Int => Cell::Int(row.try_get(i)?),
                    Kind::Text => Cell::Text(row.try_get(i)?),
                    Kind::Blob => Cell::Blob(row.try_get(i)?),
                });
            }
            put(&row_cells)?;
        }
        Ok(())
    }
}

/// Hands `read` the database's tables as they are at one moment.
pub(super) fn read<T>(
    store: &PgStore,
    read: impl FnOnce(&mut dyn Reader) -> Result<T>,
) -> Result<T> {
    let mut client = store.client.borrow_mut();
    let mut snapshot = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let found = read(&mut PgReader { tx: &mut snapshot })?;
    snapshot.commit()?;
    Ok(found)
}

struct PgWriter<'t, 'c> {
    tx: &'t mut Transaction<'c>,
}

impl Writer for PgWriter<'_, '_> {
    fn wants(&self, _: &Table) -> bool {
        true
    }

    fn load(&mut self, table: &Table, feed: &mut Feed) -> Result<()> {
        let sql = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            table.name,
            table.column_list()
        );
        let mut copy = BinaryCopyInWriter::new(self.tx.copy_in(&sql)?, &types(table));
        feed(&mut |row| {
            let values: Vec<&(dyn ToSql + Sync)> = row
                .iter()
                .map(|cell| -> &(dyn ToSql + Sync) {
                    match cell {
                        Cell::Int(v) => v,
                        Cell::Text(v) => v,
                        Cell::Blob(v) => v,
                    }
                })
                .collect();
            copy.write(&values)?;
            Ok(())
        })?;
        copy.finish()?;
        Ok(())
    }

    fn count(&mut self, table: &str) -> Result<u64> {
        count(self.tx, table)
    }
}

/// Memory for building each index again after the load (PostgreSQL's default, 64 MB,
/// sorts a million users' keys on disk).
const INDEX_BUILD_MEMORY: &str = "256MB";

/// Drops the database's secondary indexes and foreign keys, as `pg_restore` leaves them
/// until the rows are in: each built (or checked) once over the whole table is far
/// faster than kept row by row. Returns the statements that make them again.
fn set_aside(tx: &mut Transaction) -> Result<Vec<String>> {
    let indexes = tx.query(
        "SELECT format('%I', indexname), indexdef FROM pg_indexes i
         WHERE schemaname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                           WHERE c.conname = i.indexname
                             AND c.connamespace = current_schema()::regnamespace)",
        &[],
    )?;
    let foreign_keys = tx.query(
        "SELECT conrelid::regclass::text, format('%I', conname), pg_get_constraintdef(oid)
         FROM pg_constraint
         WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
        &[],
    )?;
    let mut again = Vec::new();
    for key in &foreign_keys {
        let (table, name, definition): (String, String, String) =
            (key.get(0), key.get(1), key.get(2));
        tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))?;
        again.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    for index in &indexes {
        let (name, definition): (String, String) = (index.get(0), index.get(1));
        tx.batch_execute(&format!("DROP INDEX {name}"))?;
        again.insert(0, definition);
    }
    Ok(again)
}

/// The tables whose triggers keep counts and the groups' ancestors: off while the
/// copy, which brings those as the source kept them, is loaded.
const COUNTED: &[&str] = &["users", "groups", "memberships", "user_tags"];

/// Writes the copy into the database in one transaction (under the write lock every
/// writer takes): `load` fills the tables of a database found empty (its rows — the
/// `default` application — replaced). Anything failing, or the connection ending,
/// before it commits leaves the database as it was.
pub(super) fn write<T>(
    store: &mut PgStore,
    load: impl FnOnce(&mut dyn Writer) -> Result<T>,
) -> Result<T> {
    let mut client = store.client.borrow_mut();
    let mut tx = begin_write(&mut client)?;
    super::refuse_unless_empty(&mut PgWriter { tx: &mut tx })?;
    for table in COUNTED {
        tx.batch_execute(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))?;
    }
    for table in TABLES.iter().rev().filter(|t| !t.name.starts_with("audit")) {
        tx.batch_execute(&format!("DELETE FROM {}", table.name))?;
    }
    let aside = set_aside(&mut tx)?;
    let loaded = load(&mut PgWriter { tx: &mut tx })?;
    // Kept by the users' triggers, off meanwhile.
    search_rows::refill(&mut tx)?;
    tx.batch_execute(&format!(
        "SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"
    ))?;
    for sql in aside {
        tx.batch_execute(&sql)?;
    }
    for table in WITH_IDS {
        tx.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false)
             FROM {table}"
        ))?;
    }
    for table in COUNTED {
        tx.batch_execute(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))?;
    }
    // The planner's statistics (and short_terms.rs's) describe the copy from its
    // first use, not from autovacuum's first pass.
    tx.batch_execute("ANALYZE")?;
    tx.commit()?;
    Ok(loaded)
}
