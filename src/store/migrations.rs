//! Versioned schema, tracked in SQLite's `user_version`, and the derived objects
//! (indexes, triggers, counters, search index) that can always be rebuilt.

use std::collections::HashMap;

use rusqlite::Connection;

use super::subtree_counts::recount_subtree_members;
use super::{Result, StoreError, begin_write};
use crate::domain::name_sort_key;

/// Each entry upgrades the schema by one version, with the Rust that fills what SQL
/// cannot compute; never edit a released one.
const MIGRATIONS: &[(&str, Option<Backfill>)] = &[
    (include_str!("../../assets/sql/schema_v1.sql"), None),
    (include_str!("../../assets/sql/schema_v2.sql"), None),
    (
        include_str!("../../assets/sql/schema_v3.sql"),
        Some(fill_name_keys),
    ),
    (include_str!("../../assets/sql/schema_v4.sql"), None),
    (include_str!("../../assets/sql/schema_v5.sql"), None),
    (
        include_str!("../../assets/sql/schema_v6.sql"),
        Some(fill_member_counts),
    ),
    (include_str!("../../assets/sql/schema_v7.sql"), None),
    (include_str!("../../assets/sql/schema_v8.sql"), None),
    (include_str!("../../assets/sql/schema_v9.sql"), None),
    (
        include_str!("../../assets/sql/schema_v10.sql"),
        Some(fill_subtree_counts),
    ),
    (include_str!("../../assets/sql/schema_v11.sql"), None),
    (include_str!("../../assets/sql/schema_v12.sql"), None),
    (include_str!("../../assets/sql/schema_v13.sql"), None),
    (include_str!("../../assets/sql/schema_v14.sql"), None),
];

type Backfill = fn(&Connection) -> Result<()>;

/// Writes every user's folded name sort keys (schema v3 added them empty).
fn fill_name_keys(conn: &Connection) -> Result<()> {
    let mut read = conn.prepare("SELECT id, first_name, last_name FROM users")?;
    let mut write = conn.prepare("UPDATE users SET first_key = ?2, last_key = ?3 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let (id, first, last): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        write.execute(rusqlite::params![
            id,
            name_sort_key(&first),
            name_sort_key(&last)
        ])?;
    }
    Ok(())
}

/// Every group's direct member count, from the memberships.
const RECOUNT_MEMBERS: &str = "
    UPDATE groups SET member_count =
        (SELECT count(*) FROM memberships m WHERE m.group_id = groups.id);
";

/// Fills the member counts schema v6 added, and, when every other trigger is in place
/// (no bulk load was cut short), adds the ones that keep them, sparing the next open a
/// recount of everything.
fn fill_member_counts(conn: &Connection) -> Result<()> {
    conn.execute_batch(RECOUNT_MEMBERS)?;
    add_triggers_if_only_these_missing(conn, 2)
}

/// Fills the groups' ancestors and subtree member counts schema v10 added, and the
/// triggers that keep them, as [`fill_member_counts`] does.
fn fill_subtree_counts(conn: &Connection) -> Result<()> {
    recount_subtree_members(conn)?;
    add_triggers_if_only_these_missing(conn, 4)
}

/// Creates the derived triggers when the only ones missing are the `new` ones a
/// migration added; otherwise [`ensure_derived`] recounts everything and adds them.
fn add_triggers_if_only_these_missing(conn: &Connection, new: usize) -> Result<()> {
    if count_triggers(conn)? + new == expected_triggers() {
        conn.execute_batch(DERIVED_TRIGGERS)?;
    }
    Ok(())
}

pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const DERIVED_INDEXES: &str = include_str!("../../assets/sql/derived_indexes.sql");
const DERIVED_TRIGGERS: &str = include_str!("../../assets/sql/derived_triggers.sql");

/// Recounts the application counters the triggers maintain, for when they were not
/// there to do it. (`groups.member_count` is recounted with [`RECOUNT_MEMBERS`];
/// `users.group_count` needs no recount: the only writer without triggers, the bulk
/// load, writes each user's count with the user.)
const RECOUNT_USERS: &str = "
    UPDATE applications SET
        user_count = (SELECT count(*) FROM users u WHERE u.app_id = applications.id),
        grouped_count = (SELECT count(*) FROM users u
                         WHERE u.app_id = applications.id AND u.group_count > 0);
";

/// Indexes every user's haystack again, for when the triggers were not there to do it.
const REINDEX_SEARCH: &str = "
    INSERT INTO users_fts(users_fts) VALUES ('delete-all');
    INSERT INTO users_fts(rowid, search) SELECT id, search || char(10, 10) FROM users;
";

/// Counts tag-key usage per application: both tables are read in user-id order
/// and merged, two sequential passes (a join or a `GROUP BY` in SQL would seek or
/// sort millions of rows).
fn recount_tag_keys(conn: &Connection) -> Result<()> {
    let mut usage: HashMap<(i64, String), u64> = HashMap::new();
    let mut users = conn.prepare("SELECT id, app_id FROM users ORDER BY id")?;
    let mut users = users.query([])?;
    let mut tags = conn.prepare("SELECT user_id, key FROM user_tags ORDER BY user_id")?;
    let mut tags = tags.query([])?;
    let mut user: Option<(i64, i64)> = None;
    while let Some(tag) = tags.next()? {
        let owner: i64 = tag.get(0)?;
        while user.is_none_or(|(id, _)| id < owner) {
            match users.next()? {
                Some(row) => user = Some((row.get(0)?, row.get(1)?)),
                None => break,
            }
        }
        if let Some((id, app)) = user
            && id == owner
        {
            *usage.entry((app, tag.get(1)?)).or_default() += 1;
        }
    }
    conn.execute("DELETE FROM tag_keys", [])?;
    let mut insert =
        conn.prepare("INSERT INTO tag_keys (app_id, key, users) VALUES (?1, ?2, ?3)")?;
    for ((app, key), users) in usage {
        insert.execute(rusqlite::params![app, key, users])?;
    }
    Ok(())
}

/// Refuses a database this build cannot use as it is (for read-only opening): an
/// older schema, or one a bulk load left without the triggers that keep its counts
/// (read as they are, they would be wrong; a missing index only slows reading).
pub fn check_version(conn: &Connection) -> Result<()> {
    let found = version(conn)?;
    if found < SCHEMA_VERSION {
        return Err(StoreError::Unusable(format!(
            "the database (schema version {found}) needs upgrading to version {SCHEMA_VERSION}: open it once without --read-only"
        )));
    }
    if count_triggers(conn)? < expected_triggers() {
        return Err(StoreError::Unusable(
            "a bulk load of the database was cut short and its counts need rebuilding: open it once without --read-only".into(),
        ));
    }
    Ok(())
}

fn version(conn: &Connection) -> Result<i64> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = version(conn)?;
    for (index, (sql, backfill)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = begin_write(conn)?;
        tx.execute_batch(sql)?;
        if let Some(backfill) = backfill {
            backfill(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!("migrate the schema to version {}", index + 1);
    }
    ensure_derived(conn)
}

fn expected_triggers() -> usize {
    DERIVED_TRIGGERS.matches("CREATE TRIGGER").count()
}

fn count_triggers(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
        [],
        |r| r.get(0),
    )?)
}

/// Creates whatever derived object is missing. When triggers were missing (a bulk
/// load dropped them, or was interrupted), first recomputes the data they keep.
pub fn ensure_derived(conn: &mut Connection) -> Result<()> {
    // Usually all is there: opening then only reads, and never waits for a writer.
    if all_derived_present(conn)? {
        return Ok(());
    }
    let tx = begin_write(conn)?;
    tx.execute_batch(DERIVED_INDEXES)?;
    if count_triggers(&tx)? < expected_triggers() {
        recompute(&tx, |tx| Ok(tx.execute_batch(REINDEX_SEARCH)?))?;
    }
    tx.commit()?;
    Ok(())
}

/// Builds every derived object again after a bulk load dropped them ([`drop_derived`]),
/// in one transaction; `index_search` fills the search index with every user.
pub(crate) fn rebuild_derived(
    conn: &mut Connection,
    index_search: impl FnOnce(&Connection) -> Result<()>,
) -> Result<()> {
    let tx = begin_write(conn)?;
    tx.execute_batch(DERIVED_INDEXES)?;
    recompute(&tx, index_search)?;
    tx.commit()?;
    Ok(())
}

/// Builds every derived object again within the caller's transaction, after
/// [`drop_derived`] in it: a copy into this database (store/copy/) is then all or nothing.
pub(crate) fn rebuild_derived_within(tx: &Connection) -> Result<()> {
    tx.execute_batch(DERIVED_INDEXES)?;
    recompute(tx, |tx| Ok(tx.execute_batch(REINDEX_SEARCH)?))
}

/// Recomputes what the triggers maintain, then brings them back. The search index
/// comes last: a bulk load builds it on another thread meanwhile (store/seed.rs).
fn recompute(tx: &Connection, index_search: impl FnOnce(&Connection) -> Result<()>) -> Result<()> {
    tx.execute_batch(RECOUNT_USERS)?;
    tx.execute_batch(RECOUNT_MEMBERS)?;
    recount_subtree_members(tx)?;
    recount_tag_keys(tx)?;
    index_search(tx)?;
    tx.execute_batch(DERIVED_TRIGGERS)?;
    Ok(())
}

fn all_derived_present(conn: &Connection) -> Result<bool> {
    let mut present = conn.prepare_cached("SELECT count(*) FROM sqlite_master WHERE name = ?1")?;
    for sql in [DERIVED_INDEXES, DERIVED_TRIGGERS] {
        for name in sql
            .split("IF NOT EXISTS ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next())
        {
            if present.query_row([name], |r| r.get::<_, i64>(0))? == 0 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Stops indexing the search text of inserted users, within the caller's transaction,
/// until [`resume_indexing`]: a bulk insert then indexes all its users in one statement
/// (schema_v6.sql says why). Returns the id after which users are not indexed yet.
pub(crate) fn pause_indexing(conn: &Connection) -> Result<i64> {
    conn.execute_batch("DROP TRIGGER users_indexed")?;
    Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM users", [], |r| r.get(0))?)
}

/// Indexes the users inserted since [`pause_indexing`] and brings its trigger back.
pub(crate) fn resume_indexing(conn: &Connection, after: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO users_fts(rowid, search) SELECT id, search || char(10, 10) FROM users
         WHERE id > ?1",
        [after],
    )?;
    resume_triggers(conn)
}

/// The triggers that count and unindex what a deleted user held. A bulk deletion
/// drops them within its transaction and keeps those counts and the search index
/// itself, a chunk of users at a time in a few set-based statements: row by row they
/// were most of its time. [`resume_triggers`] brings them back.
pub(crate) fn pause_removal_triggers(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DROP TRIGGER users_removed; DROP TRIGGER memberships_removed;
         DROP TRIGGER group_members_removed; DROP TRIGGER subtree_members_removed;
         DROP TRIGGER user_tags_removed;",
    )?;
    Ok(())
}

/// Creates every trigger a pause dropped.
pub(crate) fn resume_triggers(conn: &Connection) -> Result<()> {
    conn.execute_batch(DERIVED_TRIGGERS)?;
    Ok(())
}

/// Drops every index and trigger that [`ensure_derived`] makes, for a fast bulk load
/// (the audit log's are kept: a bulk load does not touch it, and it is never unguarded).
pub fn drop_derived(conn: &Connection) -> Result<()> {
    let names: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
               AND tbl_name NOT IN ('audit', 'audit_horizon')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name) in names {
        conn.execute_batch(&format!("DROP {kind} IF EXISTS \"{name}\""))?;
    }
    Ok(())
}
