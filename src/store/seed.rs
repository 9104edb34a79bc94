use rusqlite::params;

use super::audit::{self, Changes, Record};
use super::users::search_haystack;
use super::{AppId, Result, SqliteStore, StoreError, begin_write, migrations, search_apart};
use crate::auth::{PasswordHash, token_digest};
use crate::domain::{email_key, name_sort_key};

/// A user for bulk seeding: already valid, with group ids resolved.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub groups: Vec<i64>,
    pub tags: Vec<(String, String)>,
    pub created_at: i64,
    pub last_login: i64,
}

/// Users per transaction: large enough to amortise commits, small enough that an
/// interrupted seed keeps most of its work.
pub(super) const BATCH: usize = 10_000;

/// Batches made ahead of the writer.
const BATCHES_AHEAD: usize = 4;

/// Helper threads SQLite's sorter may use while building indexes after a load.
const SORTER_THREADS: i64 = 4;

/// Page cache while the indexes are built, in KiB. SQLite's sorter sorts runs of this
/// size, each on a helper thread, then merges them: with the bulk cache one run held a
/// whole index, sorted on the writing thread alone.
const SORTER_CACHE_KIB: i64 = 16 * 1024;

/// A seed user with every column the table stores computed: the work done off the
/// writing thread.
pub(super) struct SeedRow {
    pub user: SeedUser,
    pub email_key: String,
    pub first_key: String,
    pub last_key: String,
    pub search: String,
}

impl SeedRow {
    pub(super) fn new(user: SeedUser) -> SeedRow {
        SeedRow {
            email_key: email_key(&user.email),
            first_key: name_sort_key(&user.first_name),
            last_key: name_sort_key(&user.last_name),
            search: search_haystack(&user.email, &user.first_name, &user.last_name),
            user,
        }
    }
}

impl SqliteStore {
    /// Inserts many users sharing one password hash with prepared statements in
    /// batched transactions; `progress` is told how many are in after each batch.
    /// The users are generated and their derived columns computed on another thread
    /// while this one writes.
    pub fn insert_seed_users(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser> + Send,
        hash: &PasswordHash,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        let result = self.insert_seed_users_unlogged(app, users, hash, progress);
        let what = match &result {
            Ok(n) => format!("add demo users ({n})"),
            Err(_) => "add demo users".into(),
        };
        self.logged(app, &what, "demo data", result)
    }

    fn insert_seed_users_unlogged(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser> + Send,
        hash: &PasswordHash,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        // Bulk mode: indexes and triggers go, and are rebuilt (with the counters and
        // the search index) in one pass at the end, far faster than row by row.
        migrations::drop_derived(&self.conn)?;
        self.conn
            .pragma_update(None, "cache_size", -super::BULK_CACHE_KIB)?;
        // A machine crash mid-load may lose the load, which is then run again; a
        // killed process loses nothing committed (the OS still writes it out).
        self.conn.pragma_update(None, "synchronous", "off")?;
        let search_index = search_apart::definition(&self.conn)?;
        let done = std::thread::scope(|scope| {
            let (send, batches) = std::sync::mpsc::sync_channel::<Vec<SeedRow>>(BATCHES_AHEAD);
            scope.spawn(move || {
                let mut users = users.map(SeedRow::new).peekable();
                while users.peek().is_some() {
                    // The writer stopped (an error): nothing more is wanted.
                    if send.send(users.by_ref().take(BATCH).collect()).is_err() {
                        break;
                    }
                }
            });
            // Unbounded: the indexer is slower than the writer, which must not wait
            // for it (it goes on to the other indexes meanwhile).
            let (to_index, haystacks) = std::sync::mpsc::channel();
            let indexer = scope.spawn(|| search_apart::build(&search_index, haystacks));
            // The index is made anew from what the indexer is sent: the users already
            // in the database (another application's) go first.
            let existing = self
                .conn
                .prepare("SELECT id, search FROM users")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
            let _ = to_index.send(existing);
            let mut done = 0u64;
            for batch in batches {
                let ids = self.insert_seed_batch(app, &batch, hash)?;
                done += batch.len() as u64;
                progress(done);
                let haystacks = ids.into_iter().zip(batch).map(|(id, row)| (id, row.search));
                // A failed indexer says why when it is joined.
                let _ = to_index.send(haystacks.collect());
            }
            drop(to_index);
            // The sorter uses no helper thread while temporary data is kept in memory.
            self.conn.pragma_update(None, "temp_store", "file")?;
            self.conn.pragma_update(None, "threads", SORTER_THREADS)?;
            self.conn
                .pragma_update(None, "cache_size", -SORTER_CACHE_KIB)?;
            migrations::rebuild_derived(&mut self.conn, |tx| {
                let apart = indexer
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                search_apart::move_into(&apart, &search_index, tx)
            })?;
            Ok::<u64, StoreError>(done)
        })?;
        self.conn.pragma_update(None, "threads", 0)?;
        self.conn.pragma_update(None, "temp_store", "memory")?;
        self.conn
            .pragma_update(None, "cache_size", -super::CACHE_KIB)?;
        self.conn.pragma_update(None, "synchronous", "normal")?;
        // One entry for the whole load (demo users, not one entry each).
        let tx = begin_write(&mut self.conn)?;
        let target = audit::app_target(&tx, app)?;
        let changes = Changes::default().with("seeded_users", 0, done);
        audit::append(
            &tx,
            &self.actor,
            Record::new(Some(app), "users.seed", target, changes),
        )?;
        tx.commit()?;
        Ok(done)
    }

    fn insert_seed_batch(
        &mut self,
        app: AppId,
        batch: &[SeedRow],
        hash: &PasswordHash,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(batch.len());
        let tx = begin_write(&mut self.conn)?;
        {
            let mut user = tx.prepare_cached(
                "INSERT INTO users (app_id, email, email_key, password_hash, first_name,
                     last_name, first_key, last_key, search, created_at, updated_at,
                     last_login, group_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
            )?;
            let mut member =
                tx.prepare_cached("INSERT INTO memberships (user_id, group_id) VALUES (?1, ?2)")?;
            let mut tag = tx.prepare_cached(
                "INSERT INTO user_tags (user_id, key, value) VALUES (?1, ?2, ?3)",
            )?;
            for row in batch {
                let u = &row.user;
                user.execute(params![
                    app.0,
                    u.email,
                    row.email_key,
                    hash.as_str(),
                    u.first_name,
                    u.last_name,
                    row.first_key,
                    row.last_key,
                    row.search,
                    u.created_at,
                    u.last_login,
                    u.groups.len()
                ])?;
                let id = tx.last_insert_rowid();
                ids.push(id);
                for g in &u.groups {
                    member.execute(params![id, g])?;
                }
                for (k, v) in &u.tags {
                    tag.execute(params![id, k, v])?;
                }
            }
        }
        tx.commit()?;
        Ok(ids)
    }
}

impl SqliteStore {
    /// Replaces every token of the application with one per user, as logins would
    /// issue them (without their password checks): the `n`-th user in id order gets
    /// `token_of(n)`, stored as its digest. For load tests, which can then name any
    /// user's token again, run after run.
    pub fn insert_seed_tokens(
        &mut self,
        app: AppId,
        token_of: impl Fn(u64) -> String,
    ) -> Result<u64> {
        self.conn
            .pragma_update(None, "cache_size", -super::BULK_CACHE_KIB)?;
        let tx = begin_write(&mut self.conn)?;
        let issued: i64 = tx.query_row(
            "SELECT tokens_issued FROM applications WHERE id = ?1",
            [app.0],
            |r| r.get(0),
        )?;
        tx.execute("DELETE FROM tokens WHERE app_id = ?1", [app.0])?;
        let mut n = 0u64;
        {
            let mut users = tx.prepare("SELECT id FROM users WHERE app_id = ?1 ORDER BY id")?;
            let mut insert = tx.prepare(
                "INSERT INTO tokens (digest, user_id, app_id, created_at, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let now = super::unix_now();
            let mut rows = users.query([app.0])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                n += 1;
                insert.execute(params![
                    token_digest(&token_of(n - 1)),
                    id,
                    app.0,
                    now,
                    issued + n as i64
                ])?;
            }
        }
        tx.execute(
            "UPDATE applications SET tokens_issued = ?2 WHERE id = ?1",
            params![app.0, issued + n as i64],
        )?;
        // One entry for the whole load, as for seeded users (logins are not recorded).
        let target = audit::app_target(&tx, app)?;
        let changes = Changes::default().with("seeded_tokens", 0, n);
        audit::append(
            &tx,
            &self.actor,
            Record::new(Some(app), "tokens.seed", target, changes),
        )?;
        tx.commit()?;
        self.conn
            .pragma_update(None, "cache_size", -super::CACHE_KIB)?;
        Ok(n)
    }
}
