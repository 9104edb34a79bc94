//! The hash chain: each entry's hash is SHA-256 over the previous entry's hash and
//! this entry's content, so changing, removing or reordering an entry breaks it.

use rusqlite::{CachedStatement, Connection, OptionalExtension, Statement, params};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Actor, Changes, Record, Target};
use crate::store::{Result, SqliteStore, StoreError, begin_write};

pub(crate) type Hash = [u8; 32];

/// What the first entry's hash builds on when nothing was ever pruned.
pub(crate) const GENESIS: Hash = [0; 32];

/// The newest entry: its seq, time and hash.
pub(super) fn last(conn: &Connection) -> Result<Option<(i64, i64, Hash)>> {
    Ok(conn
        .prepare_cached("SELECT seq, time_ms, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// The first entry written at or after `time_ms`. Entry times never go backwards, so
/// this is a binary search over seq by primary key (no index on time to keep up).
pub(super) fn first_at_or_after(conn: &Connection, time_ms: i64) -> Result<Option<i64>> {
    let mut at =
        conn.prepare_cached("SELECT seq, time_ms FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    let mut entry = |seq: i64| -> Result<Option<(i64, i64)>> {
        Ok(at
            .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    };
    let (Some((mut lo, first_time)), Some((mut hi, _, _))) = (entry(i64::MIN)?, last(conn)?) else {
        return Ok(None);
    };
    if first_time >= time_ms {
        return Ok(Some(lo));
    }
    // The entry at `lo` is earlier than `time_ms`; the answer is past it, up to `hi`.
    hi += 1;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match entry(mid)? {
            Some((seq, time)) if time < time_ms => lo = seq,
            _ => hi = mid,
        }
    }
    Ok(entry(hi)?.map(|(seq, _)| seq))
}

/// The seq of the newest entry about the user `u` (NULL for none): the newer of the
/// users row's pointer, which the one-user paths write, and the one a bulk action
/// writes (schema_v9.sql).
macro_rules! newest_user_entry_sql {
    () => {
        "nullif(max(coalesce(u.last_audit, 0),
                    coalesce((SELECT b.seq FROM bulk_last_audit b WHERE b.user_id = u.id), 0)), 0)"
    };
}
pub(crate) use newest_user_entry_sql;

/// An entry's fields as they are hashed and stored (by either backend).
pub(crate) struct Content<'a> {
    pub seq: i64,
    pub time_ms: i64,
    pub app: Option<&'a str>,
    pub actor: &'a str,
    pub source: &'a str,
    pub op: &'a str,
    pub target: &'a Target,
    pub changes: &'a str,
    pub batch: Option<i64>,
    pub target_prev: Option<i64>,
}

impl Content<'_> {
    /// SHA-256 over `prev` and every field, each length-prefixed (so no two different
    /// entries hash the same bytes) and `NULL` told apart from any text.
    pub fn hash(&self, prev: &Hash) -> Hash {
        let mut h = Sha256::new();
        h.update(prev);
        let mut field = |bytes: Option<&[u8]>| match bytes {
            None => h.update([0u8]),
            Some(b) => {
                h.update([1u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        };
        let number = |n: i64| n.to_le_bytes();
        field(Some(&number(self.seq)));
        field(Some(&number(self.time_ms)));
        field(self.app.map(str::as_bytes));
        field(Some(self.actor.as_bytes()));
        field(Some(self.source.as_bytes()));
        field(Some(self.op.as_bytes()));
        field(Some(self.target.kind.as_bytes()));
        field(self.target.id.map(number).as_ref().map(|b| &b[..]));
        field(Some(self.target.label.as_bytes()));
        field(Some(self.changes.as_bytes()));
        field(self.batch.map(number).as_ref().map(|b| &b[..]));
        field(self.target_prev.map(number).as_ref().map(|b| &b[..]));
        h.finalize().into()
    }
}

pub(crate) fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

pub(super) fn append(conn: &Connection, actor: &Actor, record: Record) -> Result<i64> {
    let (seq, time_ms, prev) = match last(conn)? {
        Some((seq, time, hash)) => (seq + 1, time, hash),
        None => (1, 0, GENESIS),
    };
    let app = match record.app {
        Some(app) => Some(app_name(conn, app)?),
        None => None,
    };
    // A user's entries are chained through the users row (see schema_v5.sql) and,
    // after a bulk action, its pointer (schema_v9.sql).
    let user = record.target.id.filter(|_| record.target.kind == "user");
    let target_prev: Option<i64> = match user {
        Some(id) => conn
            .prepare_cached(concat!(
                "SELECT ",
                newest_user_entry_sql!(),
                " FROM users u WHERE u.id = ?1"
            ))?
            .query_row([id], |r| r.get(0))
            .optional()?
            .flatten(),
        None => None,
    };
    let changes = record.changes.to_json();
    let content = Content {
        seq,
        // Never earlier than the entry before, so that time ranges are seq ranges.
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
    let mut statement = conn.prepare_cached(INSERT_SQL)?;
    insert(&mut statement, &content, &prev)?;
    if let Some(id) = user {
        conn.prepare_cached("UPDATE users SET last_audit = ?2 WHERE id = ?1")?
            .execute(params![id, seq])?;
    }
    Ok(seq)
}

fn app_name(conn: &Connection, app: crate::store::AppId) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT name FROM applications WHERE id = ?1")?
        .query_row([app.0], |r| r.get(0))?)
}

const INSERT_SQL: &str =
    "INSERT INTO audit (seq, time_ms, app, actor, source, op, target_type, target_id,
                        target_label, changes, batch, target_prev, hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/// Writes an entry after the one whose hash is `prev` with `insert` (of [`INSERT_SQL`]);
/// returns its hash.
fn insert(insert: &mut Statement, content: &Content, prev: &Hash) -> Result<Hash> {
    let hash = content.hash(prev);
    insert.execute(params![
        content.seq,
        content.time_ms,
        content.app,
        content.actor,
        content.source,
        content.op,
        content.target.kind,
        content.target.id,
        content.target.label,
        content.changes,
        content.batch,
        content.target_prev,
        &hash[..]
    ])?;
    Ok(hash)
}

/// Appends the many entries of one bulk action to the log, in the caller's
/// transaction, keeping the newest seq, time and hash itself instead of reading them
/// back for each entry. Nothing else may append while it lives; the entries about a
/// user name the user's previous entry, and the caller points the users row or
/// `bulk_last_audit` at the new one (set-based, for many users at once).
pub(crate) struct Appender<'c> {
    /// Prepared once for all its entries, with the fields they share bound once (at
    /// a million entries, binding them again for each took a tenth of a second).
    insert: CachedStatement<'c>,
    actor: &'c Actor,
    app: String,
    context: super::Context,
    last: Option<(i64, i64, Hash)>,
    /// The op and target kind bound last.
    bound: Option<(String, String)>,
}

impl<'c> Appender<'c> {
    pub fn new(
        conn: &'c Connection,
        actor: &'c Actor,
        app: crate::store::AppId,
        context: super::Context,
    ) -> Result<Appender<'c>> {
        let app = app_name(conn, app)?;
        let mut insert = conn.prepare_cached(INSERT_SQL)?;
        insert.raw_bind_parameter(3, &app)?;
        insert.raw_bind_parameter(4, actor.name())?;
        insert.raw_bind_parameter(5, context.source.unwrap_or(actor.source).as_str())?;
        insert.raw_bind_parameter(11, context.batch.map(|b| b.0))?;
        Ok(Appender {
            insert,
            actor,
            app,
            context,
            last: last(conn)?,
            bound: None,
        })
    }

    /// Appends one entry, its changes given as JSON ([`Changes::to_json`]); returns its
    /// seq (0 when the actor is not recorded).
    pub fn push(
        &mut self,
        op: &'static str,
        target: &Target,
        changes: &str,
        target_prev: Option<i64>,
    ) -> Result<i64> {
        let entry = Pending {
            target: target.clone(),
            changes: changes.to_string(),
            target_prev,
        };
        let seqs = self.push_chunk(op, std::slice::from_ref(&entry), |_| Ok(()))?;
        Ok(seqs[0])
    }

    /// Appends an entry per `pending`, all with `op`, and returns their seqs (0 when
    /// the actor is not recorded). Their hashes, one after the other, are worked out on
    /// another core while `meanwhile` writes what names the new entries by seq: at a
    /// million entries hashing took a tenth of the time on the one core.
    pub fn push_chunk(
        &mut self,
        op: &'static str,
        pending: &[Pending],
        meanwhile: impl FnOnce(&[i64]) -> Result<()>,
    ) -> Result<Vec<i64>> {
        if !self.actor.recorded() {
            meanwhile(&vec![0; pending.len()])?;
            return Ok(vec![0; pending.len()]);
        }
        let (mut seq, mut time_ms, prev) = match self.last {
            Some((seq, time, hash)) => (seq, time, hash),
            None => (0, 0, GENESIS),
        };
        let (app, actor_of): (String, &'c Actor) = (self.app.clone(), self.actor);
        let (app, actor) = (Some(app.as_str()), actor_of.name());
        let source = self.context.source.unwrap_or(actor_of.source).as_str();
        let batch = self.context.batch.map(|b| b.0);
        let contents: Vec<Content> = (pending.iter())
            .map(|entry| {
                seq += 1;
                time_ms = now_ms().max(time_ms);
                Content {
                    seq,
                    time_ms,
                    app,
                    actor,
                    source,
                    op,
                    target: &entry.target,
                    changes: &entry.changes,
                    batch,
                    target_prev: entry.target_prev,
                }
            })
            .collect();
        let seqs: Vec<i64> = contents.iter().map(|c| c.seq).collect();
        let (hashes, written) = std::thread::scope(|scope| {
            let chain = scope.spawn(|| {
                let mut prev = prev;
                (contents.iter())
                    .map(|content| {
                        prev = content.hash(&prev);
                        prev
                    })
                    .collect::<Vec<Hash>>()
            });
            let written = meanwhile(&seqs);
            (chain.join().expect("hashing the chain"), written)
        });
        written?;
        for (content, hash) in contents.iter().zip(&hashes) {
            self.write(content, hash)?;
        }
        if let (Some(content), Some(hash)) = (contents.last(), hashes.last()) {
            self.last = Some((content.seq, content.time_ms, *hash));
        }
        Ok(seqs)
    }

    /// Writes one entry: only the fields the entries do not share are bound again.
    fn write(&mut self, content: &Content, hash: &Hash) -> Result<()> {
        let insert = &mut self.insert;
        let target = content.target;
        if !matches!(&self.bound, Some((o, k)) if *o == content.op && *k == target.kind) {
            insert.raw_bind_parameter(6, content.op)?;
            insert.raw_bind_parameter(7, &target.kind)?;
            self.bound = Some((content.op.to_string(), target.kind.clone()));
        }
        insert.raw_bind_parameter(1, content.seq)?;
        insert.raw_bind_parameter(2, content.time_ms)?;
        insert.raw_bind_parameter(8, target.id)?;
        insert.raw_bind_parameter(9, &target.label)?;
        insert.raw_bind_parameter(10, content.changes)?;
        insert.raw_bind_parameter(12, content.target_prev)?;
        insert.raw_bind_parameter(13, &hash[..])?;
        insert.raw_execute()?;
        Ok(())
    }
}

/// An entry to append with [`Appender::push_chunk`].
pub(crate) struct Pending {
    pub target: Target,
    /// As JSON ([`Changes::to_json`]).
    pub changes: String,
    /// The entry about the same user before this one.
    pub target_prev: Option<i64>,
}

/// The result of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked (all of them when intact).
    pub entries: u64,
    /// The newest entry's hash, in hex: compare it with a copy kept elsewhere to
    /// notice a log rewritten from some entry on.
    pub head: Option<String>,
    /// The first entry found changed, removed or out of order, and how.
    pub broken: Option<(i64, String)>,
}

fn horizon(conn: &Connection) -> Result<Option<(i64, Hash)>> {
    Ok(conn
        .query_row("SELECT first_kept, anchor FROM audit_horizon", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Checks a log's entries one by one in seq order, from the first kept (either
/// backend reads them and hands each over).
pub(crate) struct Verifier {
    first: i64,
    prev: Hash,
    expected: i64,
    last_time: i64,
    pruned_to: Option<i64>,
    report: VerifyReport,
}

impl Verifier {
    /// Starts at the horizon a prune left (its first entry kept and the hash it builds
    /// on), or at entry 1 over [`GENESIS`].
    pub fn new(horizon: Option<(i64, Hash)>) -> Verifier {
        let (first, anchor) = horizon.unwrap_or((1, GENESIS));
        Verifier {
            first,
            prev: anchor,
            expected: first,
            last_time: i64::MIN,
            pruned_to: None,
            report: VerifyReport {
                entries: 0,
                head: None,
                broken: None,
            },
        }
    }

    /// Checks the next entry and its `stored` hash; `false` once the chain is found
    /// broken (the report says where), when the rest need not be read.
    pub fn check(&mut self, content: &Content, stored: &[u8]) -> bool {
        let (seq, expected) = (content.seq, self.expected);
        if seq != expected {
            let what = if expected + 1 == seq {
                format!("entry {expected} was removed")
            } else {
                format!("entries {expected} to {} were removed", seq - 1)
            };
            self.report.broken = Some((expected, what));
            return false;
        }
        let hash = content.hash(&self.prev);
        if stored != hash || content.time_ms < self.last_time {
            self.report.broken = Some((seq, format!("entry {seq} was changed or reordered")));
            return false;
        }
        if content.op == PRUNE_OP {
            self.pruned_to = Changes::from_json(content.changes)
                .get(FIRST_KEPT)
                .and_then(|[_, after]| after.as_i64());
        }
        self.last_time = content.time_ms;
        self.prev = hash;
        self.expected += 1;
        self.report.entries += 1;
        true
    }

    /// What was found, once every entry was handed over (or one was found broken).
    pub fn report(mut self) -> VerifyReport {
        if self.report.broken.is_some() {
            return self.report;
        }
        let first = self.first;
        if self.pruned_to.unwrap_or(1) != first {
            self.report.broken = Some((
                first,
                format!(
                    "the log starts at entry {first}, but the last prune kept it from entry {}",
                    self.pruned_to.unwrap_or(1)
                ),
            ));
            return self.report;
        }
        self.report.head = (self.report.entries > 0).then(|| hex(&self.prev));
        self.report
    }
}

impl SqliteStore {
    /// Recomputes the chain from the first entry kept to the newest, in one snapshot.
    pub fn verify_audit(&self) -> Result<VerifyReport> {
        let snapshot = self.conn.unchecked_transaction()?;
        let mut verifier = Verifier::new(horizon(&snapshot)?);
        let mut stmt = snapshot.prepare(
            "SELECT seq, time_ms, app, actor, source, op, target_type, target_id,
                    target_label, changes, batch, target_prev, hash FROM audit ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let target = Target {
                kind: r.get(6)?,
                id: r.get(7)?,
                label: r.get(8)?,
            };
            let (app, actor, source, op, changes): (
                Option<String>,
                String,
                String,
                String,
                String,
            ) = (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(9)?);
            let content = Content {
                seq: r.get(0)?,
                time_ms: r.get(1)?,
                app: app.as_deref(),
                actor: &actor,
                source: &source,
                op: &op,
                target: &target,
                changes: &changes,
                batch: r.get(10)?,
                target_prev: r.get(11)?,
            };
            let stored: Vec<u8> = r.get(12)?;
            if !verifier.check(&content, &stored) {
                break;
            }
        }
        Ok(verifier.report())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const PRUNE_OP: &str = "audit.prune";
const FIRST_KEPT: &str = "first_kept";

/// The entry of a prune (by either backend) that removed `removed` of `total` entries
/// older than `before_ms`: the log started at `old_first`, it starts at `first_kept`.
pub(crate) fn prune_record(
    total: u64,
    removed: u64,
    old_first: Option<i64>,
    first_kept: i64,
    before_ms: i64,
) -> super::Record {
    let changes = Changes::default()
        .with("entries", total, total - removed + 1)
        .with(FIRST_KEPT, old_first, first_kept)
        .with(
            "older_than",
            Value::Null,
            crate::domain::rfc3339_ms(before_ms),
        );
    let target = Target::new("audit", None, "audit log");
    super::Record::new(None, PRUNE_OP, target, changes)
}

/// What `audit prune` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneReport {
    pub removed: u64,
    /// The prune's own entry, when anything was removed.
    pub entry: Option<i64>,
    /// The entry the log starts at now.
    pub first_kept: i64,
}

impl SqliteStore {
    /// Removes the entries older than `before_ms` (UTC, ms), the only way entries go.
    /// It records itself, and the log stays verifiable from the first entry kept: the
    /// horizon keeps the hash that entry builds on.
    pub fn prune_audit(&mut self, before_ms: i64) -> Result<PruneReport> {
        let actor = self.actor.clone();
        let tx = begin_write(&mut self.conn)?;
        let first_kept = match first_at_or_after(&tx, before_ms)? {
            Some(seq) => seq,
            None => last(&tx)?.map_or(1, |(seq, ..)| seq + 1),
        };
        let (removed, total, old_first): (u64, u64, Option<i64>) = tx.query_row(
            "SELECT (SELECT count(*) FROM audit WHERE seq < ?1), count(*), min(seq) FROM audit",
            [first_kept],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if removed == 0 {
            return Ok(PruneReport {
                removed: 0,
                entry: None,
                first_kept: old_first.unwrap_or(first_kept),
            });
        }
        let anchor: Vec<u8> = tx.query_row(
            "SELECT hash FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT 1",
            [first_kept],
            |r| r.get(0),
        )?;
        let record = prune_record(total, removed, old_first, first_kept, before_ms);
        let entry = super::append(&tx, &actor, record)?;
        tx.execute(
            "INSERT INTO audit_horizon (id, first_kept, anchor) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET first_kept = excluded.first_kept, anchor = excluded.anchor",
            params![first_kept, anchor],
        )
        .map_err(StoreError::from)?;
        tx.execute("DELETE FROM audit WHERE seq < ?1", [first_kept])?;
        tx.commit()?;
        Ok(PruneReport {
            removed,
            entry: Some(entry),
            first_kept,
        })
    }
}
