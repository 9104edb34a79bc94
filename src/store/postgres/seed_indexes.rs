//! A seed into an empty users table (the demo, benchmarks) loads without the secondary
//! indexes of the tables it fills and builds each once at the end: at a million users,
//! keeping the trigram GIN and the sort-key B-trees up to date row by row was most of
//! the load's time. Their definitions wait in `seed_set_aside` (pg/schema_v11.sql)
//! meanwhile, written in the first batch's transaction, so that a seed killed midway
//! leaves them to the next open to build. A seed into a non-empty table keeps them.

use postgres::{Client, Transaction};

use super::begin_write;
use crate::store::Result;

/// Held (for its session) by a seed that set indexes aside: an open that finds them
/// set aside leaves them to the seed while it runs. An arbitrary number of xusers' own.
const SEED_LOCK: i64 = 0x7875_7365_6564; // "xuseed"

/// Memory for each index build's sort: the GIN of a million users' haystacks is built
/// in one pass with this much, in many merged runs with the default 64 MB.
const BUILD_MEMORY: &str = "1GB";

/// Takes the seed's lock for this session: `set_aside_if_empty` may then be used.
pub(super) fn lock(client: &mut Client) -> Result<()> {
    client.execute("SELECT pg_advisory_lock($1)", &[&SEED_LOCK])?;
    Ok(())
}

pub(super) fn unlock(client: &mut Client) -> Result<()> {
    client.execute("SELECT pg_advisory_unlock($1)", &[&SEED_LOCK])?;
    Ok(())
}

/// When no user exists yet, records and drops the non-unique indexes of the tables a
/// seed fills, in `tx` (holding the write lock, so no user comes meanwhile); says
/// whether it did. The unique ones stay: they refuse a batch with a duplicate.
pub(super) fn set_aside_if_empty(tx: &mut Transaction) -> Result<bool> {
    let empty: bool = tx
        .query_one("SELECT NOT EXISTS (SELECT 1 FROM users)", &[])?
        .get(0);
    if empty {
        tx.batch_execute(
            "INSERT INTO seed_set_aside (name, definition)
             SELECT c.relname, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid IN ('users'::regclass, 'user_search'::regclass,
                                  'char_users'::regclass,
                                  'memberships'::regclass, 'user_tags'::regclass)
               AND NOT i.indisunique;
             DO $$ DECLARE r record; BEGIN
                 FOR r IN SELECT name FROM seed_set_aside LOOP
                     EXECUTE format('DROP INDEX %I', r.name);
                 END LOOP;
             END $$;",
        )?;
    }
    Ok(empty)
}

/// Builds every set-aside index again, in one transaction holding the write lock.
pub(super) fn restore(client: &mut Client) -> Result<()> {
    let mut tx = begin_write(client)?;
    tx.batch_execute(&format!(
        "SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}';
         DO $$ DECLARE r record; BEGIN
             FOR r IN DELETE FROM seed_set_aside RETURNING definition LOOP
                 EXECUTE r.definition;
             END LOOP;
         END $$;"
    ))?;
    tx.commit()?;
    Ok(())
}

/// At open: builds the indexes a seed killed midway left set aside, unless a seed
/// that set them aside still runs (it builds them at its end).
pub(super) fn restore_left_over(client: &mut Client) -> Result<()> {
    let left: bool = client
        .query_one("SELECT EXISTS (SELECT 1 FROM seed_set_aside)", &[])?
        .get(0);
    if !left {
        return Ok(());
    }
    let free: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&SEED_LOCK])?
        .get(0);
    if !free {
        return Ok(());
    }
    tracing::info!("build the indexes a seed left set aside");
    let restored = restore(client);
    unlock(client)?;
    restored
}
