//! `xusers copy`: a whole database — applications, users with their hashes, groups,
//! devices, tags, tokens, the audit log with its chain — into a new one, from SQLite or
//! PostgreSQL to either; or, with `--merge`, its applications, groups, devices and
//! users into one in use (merge.rs). Read in one snapshot, written in one
//! transaction: a copy that fails or is stopped half-way leaves the target as it was.

pub(in crate::store) mod merge;
mod merge_sqlite;
mod postgres;
mod sqlite;
mod tables;

use merge::{MergeOptions, MergeReport, SourceData};
use tables::{Cell, TABLES, Table};

use super::{Result, Store, StoreError};

/// How far a copy is: rows written of every table so far, of `total`.
#[derive(Debug, Clone, Copy)]
pub struct CopyProgress {
    /// The table being written, or [`BUILDING_INDEXES`] once every row is in.
    pub step: &'static str,
    pub done: u64,
    pub total: u64,
}

/// The last step of a copy: the target's indexes (and on SQLite its counts and search
/// index) are built, and it commits.
pub const BUILDING_INDEXES: &str = "building the indexes";

/// The rows a copy wrote, per table.
#[derive(Debug, Clone, Default)]
pub struct CopyReport {
    rows: Vec<(&'static str, u64)>,
}

impl CopyReport {
    /// The rows written to `table` (0 for one not written, or unknown).
    pub fn rows(&self, table: &str) -> u64 {
        self.rows
            .iter()
            .find(|(name, _)| *name == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// Takes one row; its caller hands it every row of a table.
type Put<'p> = dyn FnMut(&[Cell]) -> Result<()> + 'p;

/// Hands every row of a table to the [`Put`] it is given.
type Feed<'f> = dyn FnMut(&mut Put) -> Result<()> + 'f;

/// A database read for a copy, in one snapshot.
trait Reader {
    fn count(&mut self, table: &Table) -> Result<u64>;
    /// Hands `put` every row of `table`, in its key's order.
    fn each(&mut self, table: &Table, put: &mut Put) -> Result<()>;
}

/// A database written by a copy, in one transaction.
trait Writer {
    /// Whether the copy brings this table (or the target builds it itself).
    fn wants(&self, table: &Table) -> bool;
    /// Fills `table` with the rows `feed` hands the function it is given.
    fn load(&mut self, table: &Table, feed: &mut Feed) -> Result<()>;
    fn count(&mut self, table: &str) -> Result<u64>;
}

/// A target is empty when it has no user and no audit entry (a new database has only
/// its `default` application): anything else is refused, before anything is written.
fn refuse_unless_empty(target: &mut dyn Writer) -> Result<()> {
    let users = target.count("users")?;
    let entries = target.count("audit")? + target.count("audit_horizon")?;
    if users + entries == 0 {
        return Ok(());
    }
    let count = |n: u64, one: &str, many: &str| {
        format!(
            "{} {}",
            indicatif::HumanCount(n),
            if n == 1 { one } else { many }
        )
    };
    Err(StoreError::Unusable(format!(
        "the target is not empty ({}, {}): a copy goes only into a new database",
        count(users, "user", "users"),
        count(entries, "audit entry", "audit entries")
    )))
}

impl Store {
    /// Copies everything this database holds into `target`, a new one (refused
    /// otherwise); `progress` is told after each row. All or nothing.
    pub fn copy_into(
        &self,
        target: &mut Store,
        progress: &mut dyn FnMut(CopyProgress),
    ) -> Result<CopyReport> {
        if target.read_only().is_some() {
            return Err(StoreError::ReadOnly);
        }
        read_from(self, |reader| {
            write_into(target, |writer| copy_tables(reader, writer, progress))
        })
    }
}

impl Store {
    /// Merges this database's applications, groups, devices and users into `target`
    /// (see merge.rs); `progress` is told after each user. All or nothing.
    pub fn merge_into(
        &self,
        target: &mut Store,
        options: &MergeOptions,
        progress: &mut dyn FnMut(CopyProgress),
    ) -> Result<MergeReport> {
        if target.read_only().is_some() {
            return Err(StoreError::ReadOnly);
        }
        let source = read_from(self, SourceData::read)?;
        let merge =
            |writes: &mut dyn merge::MergeWrites| merge::merge(&source, writes, options, progress);
        match target {
            Store::Sqlite(s) => merge_sqlite::write(s, merge),
            Store::Postgres(p) => crate::store::postgres::write_merge(p, merge),
        }
    }
}

fn read_from<T>(store: &Store, read: impl FnOnce(&mut dyn Reader) -> Result<T>) -> Result<T> {
    match store {
        Store::Sqlite(s) => sqlite::read(s, read),
        Store::Postgres(p) => postgres::read(p, read),
    }
}

fn write_into<T>(store: &mut Store, load: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
    match store {
        Store::Sqlite(s) => sqlite::write(s, load),
        Store::Postgres(p) => postgres::write(p, load),
    }
}

fn copy_tables(
    reader: &mut dyn Reader,
    writer: &mut dyn Writer,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<CopyReport> {
    let tables: Vec<&Table> = TABLES.iter().filter(|t| writer.wants(t)).collect();
    let mut total = 0;
    for table in &tables {
        total += reader.count(table)?;
    }
    let mut done = 0;
    let mut report = CopyReport::default();
    for table in tables {
        let mut rows = 0;
        writer.load(table, &mut |put| {
            reader.each(table, &mut |row| {
                put(row)?;
                rows += 1;
                done += 1;
                progress(CopyProgress {
                    step: table.name,
                    done,
                    total,
                });
                Ok(())
            })
        })?;
        report.rows.push((table.name, rows));
    }
    progress(CopyProgress {
        step: BUILDING_INDEXES,
        done,
        total,
    });
    Ok(report)
}
