//! Reading the audit log on PostgreSQL (see the SQLite store's audit/query.rs): newest
//! first, keyset-paged by seq, with the same filters.

use postgres::fallible_iterator::FallibleIterator;
use postgres::{GenericClient, IsolationLevel};

use super::PgStore;
use super::audit::NEWEST_USER_ENTRY;
use super::query::Sql;
use crate::domain::email_key;
use crate::store::audit::{Changes, Target};
use crate::store::{AuditEntry, AuditPage, AuditQuery, Result, StoreError, UserId};

const COLUMNS: &str = "seq, time_ms, app, actor, source, op, target_type, target_id,
                       target_label, changes, batch";

fn read_entry(r: &postgres::Row) -> AuditEntry {
    AuditEntry {
        seq: r.get(0),
        time_ms: r.get(1),
        app: r.get(2),
        actor: r.get(3),
        source: r.get(4),
        op: r.get(5),
        target: Target {
            kind: r.get(6),
            id: r.get(7),
            label: r.get(8),
        },
        changes: Changes::from_json(r.get(9)),
        batch: r.get(10),
    }
}

/// `text` with only A–Z lower-cased, as SQLite's `lower()` and `NOCASE` fold.
fn ascii_lower(text: &str) -> String {
    format!("translate({text}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

/// The WHERE clause of the entries `query` selects, its values bound in `sql`.
fn clause(client: &mut impl GenericClient, query: &AuditQuery, sql: &mut Sql) -> Result<String> {
    let mut terms = vec!["true".to_string()];
    if let Some(since) = query.since_ms {
        terms.push(format!("time_ms >= {}", sql.bind(since)));
    }
    if let Some(until) = query.until_ms {
        terms.push(format!("time_ms <= {}", sql.bind(until)));
    }
    if let Some(actor) = &query.actor {
        terms.push(format!("actor = {}", sql.bind(actor.clone())));
    }
    if let Some(op) = &query.op {
        let op = sql.bind(op.clone());
        terms.push(format!(
            "(op = {op} OR left(op, length({op}) + 1) = {op} || '.')"
        ));
    }
    if let Some(email) = &query.user {
        let ids: Vec<i64> = client
            .query(
                "SELECT u.id FROM applications a JOIN users u
                 ON u.app_id = a.id AND u.email_key = $1",
                &[&email_key(email)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if ids.is_empty() {
            // A deleted or renamed user: found by the label of their entries.
            let label = sql.bind(email.trim().to_string());
            terms.push(format!(
                "target_type = 'user' AND target_id IN (SELECT target_id FROM audit
                    WHERE target_type = 'user' AND {} = {})",
                ascii_lower("target_label"),
                ascii_lower(&label)
            ));
        } else {
            // The user who has it now: their chain of entries.
            terms.push(format!(
                "seq IN (WITH RECURSIVE chain(seq) AS (
                     SELECT {NEWEST_USER_ENTRY} FROM users u WHERE u.id = ANY({})
                     UNION ALL
                     SELECT a.target_prev FROM audit a JOIN chain c ON a.seq = c.seq
                 ) SELECT seq FROM chain)",
                sql.bind(ids)
            ));
        }
    }
    if !query.text.is_empty() {
        let haystack = ascii_lower("actor || chr(31) || target_label || chr(31) || op");
        let term = sql.bind(query.text.to_lowercase());
        terms.push(format!("strpos({haystack}, {term}) > 0"));
    }
    Ok(terms.join(" AND "))
}

impl PgStore {
    /// One page of the entries matching `query`, newest first, read by key (seq).
    pub fn audit_page(&self, query: &AuditQuery, page: AuditPage) -> Result<Vec<AuditEntry>> {
        let mut client = self.client.borrow_mut();
        let mut sql = Sql::default();
        let mut where_sql = clause(&mut *client, query, &mut sql)?;
        let (bound, newest_first, limit) = match page {
            AuditPage::Newest(n) => (None, true, n),
            AuditPage::OlderThan(seq, n) => (Some(("<", seq)), true, n),
            AuditPage::NewerThan(seq, n) => (Some((">", seq)), false, n),
            AuditPage::Oldest(n) => (None, false, n),
        };
        if let Some((op, seq)) = bound {
            where_sql.push_str(&format!(" AND seq {op} {}", sql.bind(seq)));
        }
        let limit = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
        sql.text = format!(
            "SELECT {COLUMNS} FROM audit WHERE {where_sql} ORDER BY seq {} LIMIT {limit}",
            if newest_first { "DESC" } else { "ASC" },
        );
        let rows = client.query(&sql.text, &sql.params())?;
        let mut entries: Vec<AuditEntry> = rows.iter().map(read_entry).collect();
        if !newest_first {
            entries.reverse();
        }
        Ok(entries)
    }

    /// Every entry matching `query`, oldest first, handed to `each` one at a time
    /// (its error stops the reading), in one snapshot.
    pub fn audit_for_each<E: From<StoreError>>(
        &self,
        query: &AuditQuery,
        mut each: impl FnMut(AuditEntry) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut client = self.client.borrow_mut();
        let mut snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(StoreError::from)?;
        let mut sql = Sql::default();
        let where_sql = clause(&mut snapshot, query, &mut sql)?;
        sql.text = format!("SELECT {COLUMNS} FROM audit WHERE {where_sql} ORDER BY seq");
        let mut rows = snapshot
            .query_raw(&sql.text, sql.params())
            .map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            each(read_entry(&row))?;
        }
        drop(rows);
        snapshot.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// One entry.
    pub fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let found = self.client.borrow_mut().query_opt(
            &format!("SELECT {COLUMNS} FROM audit WHERE seq = $1"),
            &[&seq],
        )?;
        Ok(found.as_ref().map(read_entry))
    }

    /// The user's most recent entries, newest first, along the user's own chain.
    pub fn user_history(&self, user: UserId, limit: usize) -> Result<Vec<AuditEntry>> {
        let rows = self.client.borrow_mut().query(
            &format!(
                "WITH RECURSIVE chain(seq, n) AS (
                     SELECT {NEWEST_USER_ENTRY}, 1 FROM users u WHERE u.id = $1
                     UNION ALL
                     SELECT a.target_prev, c.n + 1 FROM audit a JOIN chain c ON a.seq = c.seq
                     WHERE c.n < $2::bigint
                 )
                 SELECT {COLUMNS} FROM audit WHERE seq IN (SELECT seq FROM chain)
                 ORDER BY seq DESC"
            ),
            &[&user.0, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        Ok(rows.iter().map(read_entry).collect())
    }
}
