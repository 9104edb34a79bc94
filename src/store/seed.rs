use rusqlite::params;

use super::audit::{self, Changes, Record};
use super::users::search_haystack;
use super::{AppId, Result, Store, begin_write, migrations};
use crate::auth::PasswordHash;
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
const BATCH: usize = 10_000;

/// Page cache while bulk loading, in KiB.
const BULK_CACHE_KIB: i64 = 256 * 1024;

impl Store {
    /// Inserts many users sharing one password hash with prepared statements in
    /// batched transactions; `progress` is told how many are in after each batch.
    pub fn insert_seed_users(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser>,
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
        users: impl Iterator<Item = SeedUser>,
        hash: &PasswordHash,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        // Bulk mode: indexes and triggers go, and are rebuilt (with the counters and
        // the search index) in one pass at the end, far faster than row by row.
        migrations::drop_derived(&self.conn)?;
        self.conn
            .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        // A machine crash mid-load may lose the load, which is then run again; a
        // killed process loses nothing committed (the OS still writes it out).
        self.conn.pragma_update(None, "synchronous", "off")?;
        let mut users = users.peekable();
        let mut done = 0u64;
        while users.peek().is_some() {
            let tx = begin_write(&mut self.conn)?;
            {
                let mut user = tx.prepare_cached(
                    "INSERT INTO users (app_id, email, email_key, password_hash, first_name,
                         last_name, first_key, last_key, search, created_at, updated_at,
                         last_login, group_count)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
                )?;
                let mut member = tx.prepare_cached(
                    "INSERT INTO memberships (user_id, group_id) VALUES (?1, ?2)",
                )?;
                let mut tag = tx.prepare_cached(
                    "INSERT INTO user_tags (user_id, key, value) VALUES (?1, ?2, ?3)",
                )?;
                for u in users.by_ref().take(BATCH) {
                    user.execute(params![
                        app.0,
                        u.email,
                        email_key(&u.email),
                        hash.as_str(),
                        u.first_name,
                        u.last_name,
                        name_sort_key(&u.first_name),
                        name_sort_key(&u.last_name),
                        search_haystack(&u.email, &u.first_name, &u.last_name),
                        u.created_at,
                        u.last_login,
                        u.groups.len()
                    ])?;
                    let id = tx.last_insert_rowid();
                    for g in &u.groups {
                        member.execute(params![id, g])?;
                    }
                    for (k, v) in &u.tags {
                        tag.execute(params![id, k, v])?;
                    }
                    done += 1;
                }
            }
            tx.commit()?;
            progress(done);
        }
        migrations::ensure_derived(&mut self.conn)?;
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
}
