//! The audit log: who changed what and when. Every write path appends its entries in
//! its own transaction ([`append`]); entries are chained by SHA-256 ([`chain`]) and
//! read back newest first in keyset pages ([`query`]).

mod actor;
mod chain;
mod changes;
mod query;

use super::{AppId, Result};
use rusqlite::Connection;

pub use actor::{Actor, Source};
pub(crate) use chain::{
    Appender, Content, GENESIS, Hash, Pending, Verifier, newest_user_entry_sql, now_ms,
    prune_record,
};
pub use chain::{PruneReport, VerifyReport};
pub use changes::{Changes, shown};
pub(crate) use changes::{USER_FIELDS_SQL, UserFields};
pub use query::{AuditPage, AuditQuery};

/// What an entry is about, as it was when the entry was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `user`, `group`, `device`, `application`, `login` or `audit`.
    pub kind: String,
    pub id: Option<i64>,
    /// Readable: the email, the group's name.
    pub label: String,
}

impl Target {
    pub(crate) fn new(kind: &str, id: Option<i64>, label: impl Into<String>) -> Target {
        Target {
            kind: kind.to_string(),
            id,
            label: label.into(),
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The application's name; `None` for what concerns the whole database.
    pub app: Option<String>,
    pub actor: String,
    pub source: String,
    pub op: String,
    pub target: Target,
    pub changes: Changes,
    /// The id shared by the entries of one import or bulk action (and its summary).
    pub batch: Option<i64>,
}

/// An entry to append: what the write path knows; the log adds seq, time and actor.
pub(crate) struct Record {
    pub app: Option<AppId>,
    pub op: &'static str,
    pub target: Target,
    pub changes: Changes,
    pub batch: Option<i64>,
    /// Overrides the actor's source (an import's entries say `import`).
    pub source: Option<Source>,
}

impl Record {
    pub fn new(app: Option<AppId>, op: &'static str, target: Target, changes: Changes) -> Record {
        Record {
            app,
            op,
            target,
            changes,
            batch: None,
            source: None,
        }
    }

    pub fn within(mut self, context: Context) -> Record {
        self.batch = context.batch.map(|b| b.0);
        self.source = context.source.or(self.source);
        self
    }
}

/// What the entries of one bulk write share: their batch, and (for an import) the
/// source they name instead of the actor's.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Context {
    pub batch: Option<Batch>,
    pub source: Option<Source>,
}

/// The entries of one import or bulk action: they share this id, which is the seq
/// the batch's first entry gets; its summary entry, written last, carries it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Batch(i64);

impl Batch {
    pub fn begin(conn: &Connection) -> Result<Batch> {
        Ok(Batch::after(chain::last(conn)?.map(|(seq, ..)| seq)))
    }

    /// The batch whose first entry comes after the `newest` entry of the log.
    pub fn after(newest: Option<i64>) -> Batch {
        Batch(newest.map_or(1, |seq| seq + 1))
    }

    pub fn id(self) -> i64 {
        self.0
    }
}

/// Appends one entry to the log, inside the caller's transaction.
/// Returns the entry's seq (0 when the actor is not recorded: benchmarks only).
pub(crate) fn append(conn: &Connection, actor: &Actor, record: Record) -> Result<i64> {
    if !actor.recorded() {
        return Ok(0);
    }
    chain::append(conn, actor, record)
}

/// Appends the entry of an edit, unless it changed nothing (a group "moved" where it
/// already was, a limit set to what it was).
pub(crate) fn append_if_changed(conn: &Connection, actor: &Actor, record: Record) -> Result<()> {
    if !record.changes.is_empty() {
        append(conn, actor, record)?;
    }
    Ok(())
}

/// The application as a target, labelled with its name.
pub(crate) fn app_target(conn: &Connection, app: AppId) -> Result<Target> {
    let name: String = conn
        .prepare_cached("SELECT name FROM applications WHERE id = ?1")?
        .query_row([app.0], |r| r.get(0))?;
    Ok(Target::new("application", Some(app.0), name))
}
