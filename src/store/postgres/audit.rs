//! The audit log on PostgreSQL: the same entries and hash chain as SQLite's
//! (store/audit/chain.rs), each appended in its change's own transaction.

use std::collections::HashMap;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{IsolationLevel, Transaction};

use super::{PgStore, begin_write};
use crate::store::audit::{
    Batch, Changes, Content, Context, GENESIS, Hash, Record, Target, Verifier, now_ms, prune_record,
};
use crate::store::{Actor, AppId, PruneReport, Result, StoreError, VerifyReport};

impl PgStore {
    /// Recomputes the chain from the first entry kept to the newest, in one snapshot
    /// (the same checks as on SQLite: audit/chain.rs's `Verifier`).
    pub fn verify_audit(&self) -> Result<VerifyReport> {
        let mut client = self.client.borrow_mut();
        let mut snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let horizon = snapshot.query_opt("SELECT first_kept, anchor FROM audit_horizon", &[])?;
        let horizon = match horizon {
            Some(row) => Some((row.get(0), hash(row.get(1))?)),
            None => None,
        };
        let mut verifier = Verifier::new(horizon);
        let mut rows = snapshot.query_raw(
            "SELECT seq, time_ms, app, actor, source, op, target_type, target_id,
                    target_label, changes, batch, target_prev, hash FROM audit ORDER BY seq",
            std::iter::empty::<i64>(),
        )?;
        while let Some(r) = rows.next()? {
            let target = Target {
                kind: r.get(6),
                id: r.get(7),
                label: r.get(8),
            };
            let (app, actor, source, op, changes): (Option<&str>, &str, &str, &str, &str) =
                (r.get(2), r.get(3), r.get(4), r.get(5), r.get(9));
            let content = Content {
                seq: r.get(0),
                time_ms: r.get(1),
                app,
                actor,
                source,
                op,
                target: &target,
                changes,
                batch: r.get(10),
                target_prev: r.get(11),
            };
            if !verifier.check(&content, r.get::<_, &[u8]>(12)) {
                break;
            }
        }
        drop(rows);
        snapshot.commit()?;
        Ok(verifier.report())
    }
}

impl PgStore {
    /// Removes the entries older than `before_ms` (see the SQLite store's): the log
    /// then starts at the first entry kept, its hash chain anchored on the hash of the
    /// last entry removed, and the prune is recorded itself.
    pub fn prune_audit(&mut self, before_ms: i64) -> Result<PruneReport> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin_write(&mut client)?;
        let first_kept: i64 = tx
            .query_one(
                "SELECT coalesce((SELECT min(seq) FROM audit WHERE time_ms >= $1),
                                 (SELECT max(seq) + 1 FROM audit), 1)",
                &[&before_ms],
            )?
            .get(0);
        let row = tx.query_one(
            "SELECT (SELECT count(*) FROM audit WHERE seq < $1), count(*), min(seq) FROM audit",
            &[&first_kept],
        )?;
        let (removed, total, old_first): (i64, i64, Option<i64>) =
            (row.get(0), row.get(1), row.get(2));
        if removed == 0 {
            return Ok(PruneReport {
                removed: 0,
                entry: None,
                first_kept: old_first.unwrap_or(first_kept),
            });
        }
        let anchor: Vec<u8> = tx
            .query_one(
                "SELECT hash FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT 1",
                &[&first_kept],
            )?
            .get(0);
        let (removed, total) = (removed.unsigned_abs(), total.unsigned_abs());
        let record = prune_record(total, removed, old_first, first_kept, before_ms);
        let entry = append(&mut tx, &self.actor, record)?;
        tx.execute(
            "INSERT INTO audit_horizon (id, first_kept, anchor) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET first_kept = excluded.first_kept,
                                            anchor = excluded.anchor",
            &[&first_kept, &anchor],
        )?;
        tx.execute("DELETE FROM audit WHERE seq < $1", &[&first_kept])?;
        tx.commit()?;
        Ok(PruneReport {
            removed,
            entry: Some(entry),
            first_kept,
        })
    }
}

/// The seq of the newest entry about the user `u` (NULL for none): the newer of the
/// users row's pointer and a bulk action's (as SQLite's `newest_user_entry_sql`).
pub(super) const NEWEST_USER_ENTRY: &str = "nullif(greatest(coalesce(u.last_audit, 0),
     coalesce((SELECT b.seq FROM bulk_last_audit b WHERE b.user_id = u.id), 0)), 0)";

/// The batch a bulk write's entries share: its first entry's seq.
pub(super) fn begin_batch(tx: &mut Transaction) -> Result<Batch> {
    let newest = tx.query_one("SELECT max(seq) FROM audit", &[])?;
    Ok(Batch::after(newest.get(0)))
}

/// The application as an audit entry's target.
pub(super) fn app_target(tx: &mut Transaction, app: AppId) -> Result<Target> {
    let name: String = tx
        .query_one("SELECT name FROM applications WHERE id = $1", &[&app.0])?
        .get(0);
    Ok(Target::new("application", Some(app.0), name))
}

/// Appends one entry after the newest (the caller holds the write lock, so nothing
/// appends meanwhile); returns its seq (0 when the actor is not recorded).
pub(super) fn append(tx: &mut Transaction, actor: &Actor, record: Record) -> Result<i64> {
    if !actor.recorded() {
        return Ok(0);
    }
    // One round trip each (typed), as an import appends entries user after user.
    let newest = tx.query_typed_opt(
        "SELECT seq, time_ms, hash FROM audit ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (seq, time_ms, prev) = match newest {
        Some(row) => (row.get::<_, i64>(0) + 1, row.get(1), hash(row.get(2))?),
        None => (1, 0, GENESIS),
    };
    let app: Option<String> = match record.app {
        Some(app) => Some(
            tx.query_typed_one(
                "SELECT name FROM applications WHERE id = $1",
                &[(&app.0, Type::INT8)],
            )?
            .get(0),
        ),
        None => None,
    };
    // A user's entries chain through the users row and a bulk action's pointer
    // (schema_v5.sql, schema_v9.sql), as on SQLite.
    let user = record.target.id.filter(|_| record.target.kind == "user");
    let target_prev: Option<i64> = match user {
        Some(id) => tx
            .query_typed_opt(
                &format!("SELECT {NEWEST_USER_ENTRY} FROM users u WHERE u.id = $1"),
                &[(&id, Type::INT8)],
            )?
            .and_then(|row| row.get(0)),
        None => None,
    };
    let changes = record.changes.to_json();
    let content = Content {
        seq,
        time_ms: now_ms().max(time_ms),
        app: app.as_deref(),
        actor: actor.name(),
        source: record.source.unwrap_or(actor.source).as_str(),
        op: record.op,
        target: &record.target,
        changes: &changes,
        batch: record.batch,
        target_prev,
    };
    let hash = content.hash(&prev);
    tx.execute_typed(
        "INSERT INTO audit (seq, time_ms, app, actor, source, op, target_type, target_id,
                            target_label, changes, batch, target_prev, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            (&content.seq, Type::INT8),
            (&content.time_ms, Type::INT8),
            (&content.app, Type::TEXT),
            (&content.actor, Type::TEXT),
            (&content.source, Type::TEXT),
            (&content.op, Type::TEXT),
            (&content.target.kind, Type::TEXT),
            (&content.target.id, Type::INT8),
            (&content.target.label, Type::TEXT),
            (&content.changes, Type::TEXT),
            (&content.batch, Type::INT8),
            (&content.target_prev, Type::INT8),
            (&&hash[..], Type::BYTEA),
        ],
    )?;
    if let Some(id) = user {
        tx.execute_typed(
            "UPDATE users SET last_audit = $2 WHERE id = $1",
            &[(&id, Type::INT8), (&seq, Type::INT8)],
        )?;
    }
    Ok(seq)
}

/// Appends the entries of many users at once (a bulk action's chunk), each within
/// `context`, as [`append`] would one after another: the newest entry, the
/// application's name and the users' previous entries read once, the chain worked
/// out here, the entries written by one `COPY` and the users pointed at theirs by one
/// statement.
pub(super) fn append_users(
    tx: &mut Transaction,
    actor: &Actor,
    app: AppId,
    op: &'static str,
    entries: Vec<(Target, Changes)>,
    context: Context,
) -> Result<()> {
    if !actor.recorded() || entries.is_empty() {
        return Ok(());
    }
    let newest = tx.query_opt(
        "SELECT seq, time_ms, hash FROM audit ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (mut seq, time_ms, mut prev) = match newest {
        Some(row) => (row.get::<_, i64>(0), row.get(1), hash(row.get(2))?),
        None => (0, 0, GENESIS),
    };
    let name: String = tx
        .query_one("SELECT name FROM applications WHERE id = $1", &[&app.0])?
        .get(0);
    let users: Vec<i64> = entries.iter().filter_map(|(t, _)| t.id).collect();
    let previous: HashMap<i64, Option<i64>> = tx
        .query(
            &format!("SELECT u.id, {NEWEST_USER_ENTRY} FROM users u WHERE u.id = ANY($1)"),
            &[&users],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let time_ms = now_ms().max(time_ms);
    let source = context.source.unwrap_or(actor.source).as_str();
    let batch = context.batch.map(|b| b.id());
    let types = [
        Type::INT8,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::BYTEA,
    ];
    let sink = tx.copy_in(
        "COPY audit (seq, time_ms, app, actor, source, op, target_type, target_id,
                     target_label, changes, batch, target_prev, hash) FROM STDIN BINARY",
    )?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut seqs = Vec::with_capacity(entries.len());
    for (target, changes) in &entries {
        seq += 1;
        let changes = changes.to_json();
        let target_prev = target
            .id
            .and_then(|id| previous.get(&id).copied().flatten());
        let content = Content {
            seq,
            time_ms,
            app: Some(&name),
            actor: actor.name(),
            source,
            op,
            target,
            changes: &changes,
            batch,
            target_prev,
        };
        prev = content.hash(&prev);
        writer.write(&[
            &content.seq,
            &content.time_ms,
            &content.app,
            &content.actor,
            &content.source,
            &content.op,
            &content.target.kind,
            &content.target.id,
            &content.target.label,
            &content.changes,
            &content.batch,
            &content.target_prev,
            &&prev[..],
        ])?;
        seqs.push(seq);
    }
    writer.finish()?;
    tx.execute(
        "UPDATE users SET last_audit = v.seq
         FROM unnest($1::bigint[], $2::bigint[]) AS v(id, seq) WHERE users.id = v.id",
        &[&users, &seqs],
    )?;
    Ok(())
}

fn hash(stored: Vec<u8>) -> Result<Hash> {
    stored
        .try_into()
        .map_err(|_| StoreError::Unusable("the audit log's newest entry has a damaged hash".into()))
}
