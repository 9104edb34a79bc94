//! The users an invalidation changes, a chunk at a time in id order. Each user's live
//! tokens, token stamp and newest entry come from one ordered pass over each table per
//! chunk, where a lookup per user in each took 1.2 s of the 3.8 that invalidating a
//! million users' tokens took. Every user of the application (but a few left out) is
//! read from the users table itself, without first copying a million ids into a
//! temporary table.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, Row, params};

use super::audit::Changes;
use super::bulk_chunk::{CHUNK, Changed, Chunk};
use super::selection::id_list;
use super::{AppId, Result, UserId};

/// Where a chunk's users come from.
pub(super) enum Users<'a> {
    /// The selection's ids, in `temp.bulk_users`.
    Selected,
    /// Every user of the application but `except`.
    Everyone {
        app: AppId,
        except: &'a BTreeSet<UserId>,
    },
}

/// Pairs of (user id, value) in user id order.
type ByUser = Vec<(i64, i64)>;

/// The chunk of users after id `after`, or `None` past the last. `void_through` is the
/// application's stamp; `json` keeps each token count's changes, the same for every
/// user with as many.
pub(super) fn next_chunk(
    conn: &Connection,
    users: &Users,
    after: i64,
    void_through: i64,
    json: &mut HashMap<i64, String>,
) -> Result<Option<Chunk>> {
    let user = |r: &Row| -> rusqlite::Result<(i64, String, Option<i64>)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    };
    let rows: Vec<(i64, String, Option<i64>)> = match users {
        Users::Selected => conn
            .prepare_cached(
                "SELECT b.id, u.email, u.last_audit FROM temp.bulk_users b
                 JOIN users u ON u.id = b.id WHERE b.id > ?1 ORDER BY b.id LIMIT ?2",
            )?
            .query_map(params![after, CHUNK], user)?
            .collect::<rusqlite::Result<_>>()?,
        Users::Everyone { app, except } => conn
            .prepare_cached(
                "SELECT id, email, last_audit FROM users
                 WHERE id > ?1 AND +app_id = ?3 AND id NOT IN (SELECT value FROM json_each(?4))
                 ORDER BY id LIMIT ?2",
            )?
            .query_map(params![after, CHUNK, app.0, id_list(*except)], user)?
            .collect::<rusqlite::Result<_>>()?,
    };
    let Some(last) = rows.last().map(|r| r.0) else {
        return Ok(None);
    };
    let by_user = |sql: &str, extra: Option<i64>| -> Result<ByUser> {
        let mut stmt = conn.prepare_cached(sql)?;
        let pair = |r: &Row| Ok((r.get(0)?, r.get(1)?));
        let rows = match extra {
            Some(extra) => stmt.query_map(params![after, last, extra], pair)?,
            None => stmt.query_map(params![after, last], pair)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let mut tokens = Cursor::new(by_user(
        "SELECT user_id, seq FROM tokens WHERE user_id > ?1 AND user_id <= ?2 AND seq > ?3
         ORDER BY user_id",
        Some(void_through),
    )?);
    let mut stamps = Cursor::new(by_user(
        "SELECT user_id, void_through FROM token_stamps WHERE user_id > ?1 AND user_id <= ?2
         ORDER BY user_id",
        None,
    )?);
    let mut newest = Cursor::new(by_user(
        "SELECT user_id, seq FROM bulk_last_audit WHERE user_id > ?1 AND user_id <= ?2
         ORDER BY user_id",
        None,
    )?);
    let mut chunk = Chunk {
        last,
        selected: rows.len() as u64,
        changed: Vec::new(),
    };
    for (id, email, last_audit) in rows {
        let stamp = stamps.of(id).first().map_or(0, |s| s.1);
        let live = tokens.of(id).iter().filter(|t| t.1 > stamp).count() as i64;
        if live == 0 {
            continue;
        }
        let prev = last_audit
            .unwrap_or(0)
            .max(newest.of(id).first().map_or(0, |n| n.1));
        let changes = (json.entry(live))
            .or_insert_with(|| Changes::default().with("tokens", live, 0).to_json());
        chunk.changed.push(Changed {
            id,
            email,
            prev: (prev > 0).then_some(prev),
            changes: changes.clone(),
            tokens: live,
        });
    }
    Ok(Some(chunk))
}

/// Walks pairs in user id order alongside users asked for in that order.
struct Cursor {
    pairs: ByUser,
    at: usize,
}

impl Cursor {
    fn new(pairs: ByUser) -> Cursor {
        Cursor { pairs, at: 0 }
    }

    /// The pairs of user `id` (none when it has none), skipping those before it.
    fn of(&mut self, id: i64) -> &[(i64, i64)] {
        while self.pairs.get(self.at).is_some_and(|p| p.0 < id) {
            self.at += 1;
        }
        let start = self.at;
        while self.pairs.get(self.at).is_some_and(|p| p.0 == id) {
            self.at += 1;
        }
        &self.pairs[start..self.at]
    }
}
