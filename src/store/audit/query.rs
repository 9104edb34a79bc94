//! Reading the log: newest first, keyset-paged by seq, with typed filters.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

use super::chain::{first_at_or_after, newest_user_entry_sql};
use super::{AuditEntry, Changes, Target};
use crate::store::{Result, SqliteStore, StoreError, UserId};

/// Which entries to read; every filter set must hold (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// From this time on (UTC, ms), inclusive.
    pub since_ms: Option<i64>,
    /// Up to this time (UTC, ms), inclusive.
    pub until_ms: Option<i64>,
    /// Exactly this actor.
    pub actor: Option<String>,
    /// About the user who has or had this email (any case), whatever it is now.
    pub user: Option<String>,
    /// This op (`user.create`), or every op under a prefix (`user`, `device`).
    pub op: Option<String>,
    /// Text the actor, the target's label or the op contains (any case).
    pub text: String,
}

/// Which page of the log to read (pages always come newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditPage {
    Newest(usize),
    /// The entries just before (older than) this seq.
    OlderThan(i64, usize),
    /// The entries just after (newer than) this seq.
    NewerThan(i64, usize),
    Oldest(usize),
}

const COLUMNS: &str = "seq, time_ms, app, actor, source, op, target_type, target_id,
                       target_label, changes, batch";

fn read_entry(r: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        time_ms: r.get(1)?,
        app: r.get(2)?,
        actor: r.get(3)?,
        source: r.get(4)?,
        op: r.get(5)?,
        target: Target {
            kind: r.get(6)?,
            id: r.get(7)?,
            label: r.get(8)?,
        },
        changes: Changes::from_json(&r.get::<_, String>(9)?),
        batch: r.get(10)?,
    })
}

impl AuditQuery {
    /// The WHERE clause and its bound values. Times become seq bounds (entry times
    /// never go backwards), so every filter walks the primary key newest first.
    fn clause(
        &self,
        conn: &Connection,
        bound: Option<(&str, i64)>,
    ) -> Result<(String, Vec<Value>)> {
        let mut terms = vec!["1".to_string()];
        let mut params: Vec<Value> = Vec::new();
        // Every `?` of one term names that term's one value.
        let mut bind = |terms: &mut Vec<String>, sql: &str, value: Value| {
            params.push(value);
            terms.push(sql.replace('?', &format!("?{}", params.len())));
        };
        if let Some((sql, seq)) = bound {
            bind(&mut terms, sql, seq.into());
        }
        let none = i64::MAX;
        if let Some(since) = self.since_ms {
            let first = first_at_or_after(conn, since)?.unwrap_or(none);
            bind(&mut terms, "seq >= ?", first.into());
        }
        if let Some(until) = self.until_ms {
            // The last entry at or before `until` is the one before the first after it.
            let after = first_at_or_after(conn, until.saturating_add(1))?.unwrap_or(none);
            bind(&mut terms, "seq < ?", after.into());
        }
        if let Some(actor) = &self.actor {
            bind(&mut terms, "actor = ?", actor.clone().into());
        }
        if let Some(op) = &self.op {
            bind(
                &mut terms,
                "(op = ? OR substr(op, 1, length(?) + 1) = ? || '.')",
                op.clone().into(),
            );
        }
        if let Some(email) = &self.user {
            let ids = current_user_ids(conn, email)?;
            if ids.is_empty() {
                // A deleted or renamed user: found by the label of their entries, which
                // reads the whole log (no index is kept for this rare question).
                bind(
                    &mut terms,
                    "target_type = 'user' AND target_id IN (SELECT target_id FROM audit
                        WHERE target_type = 'user' AND target_label = ? COLLATE NOCASE)",
                    email.trim().to_string().into(),
                );
            } else {
                // The user who has it now: their chain of entries (see schema_v5.sql).
                let ids = serde_json::to_string(&ids).expect("ids serialise");
                bind(&mut terms, &format!("seq IN ({USER_CHAIN})"), ids.into());
            }
        }
        if !self.text.is_empty() {
            bind(
                &mut terms,
                "instr(lower(actor || char(31) || target_label || char(31) || op), ?) > 0",
                self.text.to_lowercase().into(),
            );
        }
        Ok((terms.join(" AND "), params))
    }
}

/// The ids of the users who have this email now (one per application at most).
fn current_user_ids(conn: &Connection, email: &str) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT u.id FROM applications a JOIN users u ON u.app_id = a.id AND u.email_key = ?1",
        )?
        .query_map([crate::domain::email_key(email)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The seqs of the users' entries, newest first, along each user's chain.
const USER_CHAIN: &str = concat!(
    "WITH RECURSIVE chain(seq) AS (
        SELECT ",
    newest_user_entry_sql!(),
    " FROM users u WHERE u.id IN (SELECT value FROM json_each(?))
        UNION ALL
        SELECT a.target_prev FROM audit a JOIN chain c ON a.seq = c.seq
    ) SELECT seq FROM chain"
);

impl SqliteStore {
    /// One page of the entries matching `query`, newest first, read by key (seq).
    pub fn audit_page(&self, query: &AuditQuery, page: AuditPage) -> Result<Vec<AuditEntry>> {
        let (bound, newest_first, limit) = match page {
            AuditPage::Newest(n) => (None, true, n),
            AuditPage::OlderThan(seq, n) => (Some(("seq < ?", seq)), true, n),
            AuditPage::NewerThan(seq, n) => (Some(("seq > ?", seq)), false, n),
            AuditPage::Oldest(n) => (None, false, n),
        };
        let (clause, mut params) = query.clause(&self.conn, bound)?;
        params.push((limit as i64).into());
        let sql = format!(
            "SELECT {COLUMNS} FROM audit WHERE {clause} ORDER BY seq {} LIMIT ?{}",
            if newest_first { "DESC" } else { "ASC" },
            params.len()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), read_entry)?;
        let mut entries: Vec<AuditEntry> = rows.collect::<rusqlite::Result<_>>()?;
        if !newest_first {
            entries.reverse();
        }
        Ok(entries)
    }

    /// Every entry matching `query`, oldest first, handed to `each` one at a time
    /// (its error stops the reading).
    pub fn audit_for_each<E: From<StoreError>>(
        &self,
        query: &AuditQuery,
        mut each: impl FnMut(AuditEntry) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let snapshot = self
            .conn
            .unchecked_transaction()
            .map_err(StoreError::from)?;
        let (clause, params) = query.clause(&snapshot, None)?;
        let mut stmt = snapshot
            .prepare(&format!(
                "SELECT {COLUMNS} FROM audit WHERE {clause} ORDER BY seq"
            ))
            .map_err(StoreError::from)?;
        let mut rows = stmt
            .query(params_from_iter(params))
            .map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(read_entry(row).map_err(StoreError::from)?)?;
        }
        Ok(())
    }

    /// One entry.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM audit WHERE seq = ?1"))?
            .query_row([seq], read_entry)
            .optional()?)
    }

    /// The user's most recent entries, newest first, along the user's own chain (so a
    /// deleted user whose id was given again lends none of theirs).
    pub fn user_history(&self, user: UserId, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH RECURSIVE chain(seq, n) AS (
                 SELECT {}, 1 FROM users u WHERE u.id = ?1
                 UNION ALL
                 SELECT a.target_prev, c.n + 1 FROM audit a JOIN chain c ON a.seq = c.seq
                 WHERE c.n < ?2
             )
             SELECT {COLUMNS} FROM audit WHERE seq IN (SELECT seq FROM chain)
             ORDER BY seq DESC",
            newest_user_entry_sql!()
        ))?;
        let rows = stmt.query_map(rusqlite::params![user.0, limit as i64], read_entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
