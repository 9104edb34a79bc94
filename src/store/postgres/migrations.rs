//! PostgreSQL's versioned schema, numbered as SQLite's (store/migrations.rs): a new
//! database gets the whole schema of the version it starts at, later versions one
//! file each. The version is kept in the table `schema_version`.

use postgres::Client;

use crate::store::{Result, StoreError};

/// `(version, SQL that brings a database of the version before it — or a new one, for
/// the first — to it)`; never edit a released one. A version may come in several
/// files, run in order.
const MIGRATIONS: &[(i64, &str)] = &[
    (9, include_str!("../../../assets/sql/pg/schema_v9.sql")),
    (10, include_str!("../../../assets/sql/pg/schema_v10.sql")),
    (11, include_str!("../../../assets/sql/pg/schema_v11.sql")),
    (12, include_str!("../../../assets/sql/pg/schema_v12.sql")),
    (13, include_str!("../../../assets/sql/pg/schema_v13.sql")),
    (14, include_str!("../../../assets/sql/pg/schema_v14.sql")),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

// Both backends are at the same schema version: a database copied from one to the
// other needs no translation of versions.
const _: () = assert!(SCHEMA_VERSION == crate::store::migrations::SCHEMA_VERSION);

/// Every host may open a new database at once: migrations take this advisory lock
/// (an arbitrary number of xusers' own), and the later ones find the work done.
const MIGRATION_LOCK: i64 = 0x7875_7365_7273; // "xusers"

/// The version a database is at; 0 for one xusers never wrote.
fn version(client: &mut impl postgres::GenericClient) -> Result<i64> {
    let has_table: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .get(0);
    if !has_table {
        return Ok(0);
    }
    let found: i64 = client
        .query_one("SELECT version FROM schema_version", &[])?
        .get(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Refuses a database this build cannot read as it is (for read-only opening): one
/// at an older version (or none), with the same words as SQLite's.
pub fn check_version(client: &mut Client) -> Result<()> {
    let found = version(client)?;
    if found < SCHEMA_VERSION {
        return Err(StoreError::Unusable(format!(
            "the database (schema version {found}) needs upgrading to version {SCHEMA_VERSION}: open it once without --read-only"
        )));
    }
    Ok(())
}

/// Brings the database to [`SCHEMA_VERSION`], all in one transaction; one already
/// there is only read.
pub fn migrate(client: &mut Client) -> Result<()> {
    if version(client)? == SCHEMA_VERSION {
        return Ok(());
    }
    // A session lock, taken before the transaction begins: a transaction that began
    // while another host's migration ran may not see the tables it committed.
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let migrated = migrate_locked(client);
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    migrated?;
    unlocked?;
    Ok(())
}

fn migrate_locked(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    let found = version(&mut tx)?;
    for (to, sql) in MIGRATIONS.iter().filter(|(to, _)| *to > found) {
        tx.batch_execute(sql)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 id bigint PRIMARY KEY CHECK (id = 1),
                 version bigint NOT NULL
             )",
        )?;
        tx.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version",
            &[to],
        )?;
        tracing::info!("migrate the PostgreSQL schema to version {to}");
    }
    tx.commit()?;
    Ok(())
}
