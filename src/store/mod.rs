//! Storage, the only module that speaks SQL: [`Store`] (backend.rs) is a SQLite file,
//! [`SqliteStore`] (this module and the files beside it), or a PostgreSQL database,
//! [`PgStore`] (postgres/).

mod apps;
mod audit;
mod backend;
mod bulk;
mod bulk_chunk;
mod bulk_invalidation;
mod copy;
mod count;
mod devices;
mod groups;
mod import;
mod location;
mod logged;
mod lookups;
mod member_set;
mod members;
mod migrations;
mod plan;
mod postgres;
mod query;
mod read_ahead;
mod recent_counts;
mod search_apart;
mod seed;
mod selection;
mod subtree;
mod subtree_counts;
mod tags;
mod tokens;
mod users;
mod walk;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::domain::FieldError;

pub use apps::{AppId, Application, DEFAULT_APP};
pub use audit::{
    Actor, AuditEntry, AuditPage, AuditQuery, Changes, PruneReport, Source, Target, VerifyReport,
    shown,
};
pub use backend::{InterruptHandle, Store};
pub use bulk::{BulkAction, BulkOutcome, BulkProgress};
pub use copy::merge::{MERGING_USERS, MergeOptions, MergeReport, Tally};
pub use copy::{BUILDING_INDEXES, CopyProgress, CopyReport};
pub use devices::{Device, ReachedDevice};
pub use groups::{Group, GroupRef, GroupSummary, cycle_reason};
pub use import::{ImportOptions, ImportReport, ImportUser, OnConflict};
pub use location::{Location, LocationError};
pub use members::MembersAdded;
pub use postgres::PgStore;
pub use query::{Cursor, Page, Scope, ScopeCounts, Sort, SortField, SortKey, TagFilter, UserQuery};
pub use seed::SeedUser;
pub use selection::Selection;
pub use tokens::LoginPolicy;
pub use users::{NOTHING_TO_READ, User, UserId, UserRow};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", join_errors(.0))]
    Invalid(Vec<FieldError>),
    #[error("no such {what}: {name}")]
    NotFound { what: &'static str, name: String },
    #[error("no such application: {name} (known: {})", known.join(", "))]
    UnknownApplication { name: String, known: Vec<String> },
    /// A user asked for by id is gone (deleted meanwhile); callers that know its email
    /// name it with [`StoreError::naming`].
    #[error("no such user: it was deleted meanwhile")]
    UserGone(UserId),
    /// The user is not (or no longer) a direct member of the group.
    #[error("the user is not in that group (someone else removed them meanwhile)")]
    NotMember(UserId),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("token is not valid")]
    InvalidToken,
    #[error("the user was changed by someone else since it was opened")]
    Conflict,
    #[error("Someone else changed group {0} meanwhile")]
    GroupChanged(String),
    #[error(
        "this database was written by a newer xusers (schema version {found}; this build supports up to {supported})"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("{0}")]
    Unusable(String),
    #[error("the database was opened read-only: nothing can be changed")]
    ReadOnly,
    #[error("the database is busy (another program is writing to it); try again")]
    Busy,
    /// A bulk action was cancelled: nothing was changed.
    #[error("cancelled: nothing was changed")]
    Cancelled,
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// PostgreSQL's own message (never a connection string, so never its password).
    #[error("PostgreSQL: {}", describe_postgres(.0))]
    Postgres(::postgres::Error),
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> StoreError {
        match e.code() {
            // A write in a session opened read-only (PgStore::open_read_only).
            Some(&::postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION) => StoreError::ReadOnly,
            _ => StoreError::Postgres(e),
        }
    }
}

/// What went wrong, in the server's words when it answered: its message alone, as
/// its DETAIL may quote a whole failing row (a password hash with it).
fn describe_postgres(e: &::postgres::Error) -> String {
    match (e.as_db_error(), std::error::Error::source(e)) {
        (Some(db), _) => db.message().to_owned(),
        (None, Some(cause)) => format!("{e}: {cause}"),
        (None, None) => e.to_string(),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

fn join_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl StoreError {
    /// Whether the query was cancelled through its connection's interrupt handle.
    pub fn is_interrupted(&self) -> bool {
        match self {
            StoreError::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
            }
            StoreError::Postgres(e) => {
                e.code() == Some(&::postgres::error::SqlState::QUERY_CANCELED)
            }
            _ => false,
        }
    }

    fn invalid(field: crate::domain::Field, message: impl Into<String>) -> StoreError {
        StoreError::Invalid(vec![FieldError::new(field, message)])
    }

    fn not_found(what: &'static str, name: impl Into<String>) -> StoreError {
        StoreError::NotFound {
            what,
            name: name.into(),
        }
    }

    /// Names a gone user by the email the caller knew it by ("no such user: EMAIL"
    /// rather than an internal id), when it is one of `users`.
    pub fn naming(self, users: &[(UserId, &str)]) -> StoreError {
        match self {
            StoreError::UserGone(gone) => users
                .iter()
                .find(|(id, _)| *id == gone)
                .map_or(self, |(_, email)| StoreError::not_found("user", *email)),
            other => other,
        }
    }
}

/// Page cache per connection, in KiB: enough to keep most index pages a filter walks
/// between keystrokes, small enough that memory hardly grows with the database.
pub(crate) const CACHE_KIB: i64 = 4 * 1024;

/// Page cache while loading or changing many users at once, in KiB: their pages are
/// written again and again, and reading each back from the file would cost most.
pub(crate) const BULK_CACHE_KIB: i64 = 256 * 1024;

/// Page cache during a bulk action, in KiB (taken only as pages are read): users
/// spread over the table (every tenth, say) dirty nearly every page of the tables and
/// indexes the action touches, about 1 GB at 1,000,000 users. Held until the commit,
/// each is written once; a smaller cache spilled them to the log, read them back and
/// wrote them again and again.
pub(crate) const BULK_ACTION_CACHE_KIB: i64 = 1024 * 1024;

/// How long a write waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A SQLite file's store.
pub struct SqliteStore {
    conn: Connection,
    read_only: Option<ReadOnly>,
    /// Named in the audit entry of every change this store writes.
    actor: Actor,
    /// A large group's members, as the SQL function on `conn` tests them.
    members: member_set::MemberSet,
    recent_counts: recent_counts::RecentCounts,
}

/// Why a store refuses every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    /// `--read-only` was asked for.
    Asked,
    /// The database file may not be written by this user.
    FileNotWritable,
    /// The file's folder may not be written, so SQLite cannot keep its journal there.
    FolderNotWritable,
}

impl std::fmt::Display for ReadOnly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReadOnly::Asked => "opened with --read-only",
            ReadOnly::FileNotWritable => "the database file is not writable",
            ReadOnly::FolderNotWritable => "the database's folder is not writable",
        })
    }
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file at `path`. A file
    /// this user may not change is opened read-only instead (see [`SqliteStore::read_only`]).
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if path.is_dir() {
            return Err(StoreError::Unusable(
                "it is a directory, not a database file".into(),
            ));
        }
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            if !folder.exists() {
                return Err(StoreError::Unusable(format!(
                    "the folder {} does not exist",
                    folder.display()
                )));
            }
            if !folder.is_dir() {
                return Err(StoreError::Unusable(format!(
                    "{} is not a folder",
                    folder.display()
                )));
            }
        }
        // Created owner-only before SQLite opens it: its `-wal` and `-shm` files take
        // the database's mode. A failure here shows as SQLite's own, just below.
        let _ = crate::private_file::create_if_missing(path);
        match SqliteStore::open_file(path) {
            Err(e) if path.is_file() && cannot_write(&e) => {
                let why = if std::fs::OpenOptions::new().append(true).open(path).is_err() {
                    ReadOnly::FileNotWritable
                } else {
                    ReadOnly::FolderNotWritable
                };
                SqliteStore::open_read_only_because(path, why)
            }
            Err(e) if cannot_write(&e) => Err(StoreError::Unusable(
                "cannot create it: the folder is not writable".into(),
            )),
            opened => opened,
        }
        .map_err(describe_fault)
    }

    fn open_file(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // SQLite quietly opens a write-protected file read-only.
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly);
        }
        SqliteStore::setup(conn)
    }

    pub fn open_in_memory() -> Result<SqliteStore> {
        SqliteStore::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<SqliteStore> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "synchronous", "normal")?;
        // Statement journals (one per write statement inside a transaction) stay in
        // memory: on disk, a 100,000-user import wrote them 800,000 times.
        conn.pragma_update(None, "temp_store", "memory")?;
        migrations::migrate(&mut conn)?;
        SqliteStore::over(conn, None)
    }

    fn over(conn: Connection, read_only: Option<ReadOnly>) -> Result<SqliteStore> {
        let members = member_set::MemberSet::default();
        members.register(&conn)?;
        Ok(SqliteStore {
            conn,
            read_only,
            actor: Actor::local(Source::Cli),
            members,
            recent_counts: Default::default(),
        })
    }

    /// For a query of a group's members, a read transaction for the statements that
    /// follow (unless one is open), so that the member set is read from the state of
    /// the data its rows come from. Other queries take none: an interrupt that came
    /// while `BEGIN` ran would end with it, and the query it was meant for run on.
    pub(crate) fn snapshot(&self, q: &UserQuery) -> Result<Option<rusqlite::Transaction<'_>>> {
        Ok(
            match q.scope.group().is_some() && self.conn.is_autocommit() {
                true => Some(self.conn.unchecked_transaction()?),
                false => None,
            },
        )
    }

    /// Opens an existing database for looking only: every write is refused with
    /// [`StoreError::ReadOnly`]. It must already be at this build's schema version.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore> {
        if !path.is_file() {
            return Err(StoreError::Unusable(
                "there is no database file to open read-only".into(),
            ));
        }
        SqliteStore::open_read_only_because(path, ReadOnly::Asked).map_err(describe_fault)
    }

    /// Another connection to `path` opened as one that is read-only for `why` (or
    /// writable, for `None`) was: what `SqliteStore::read_only` said of it.
    pub fn open_like(path: &Path, read_only: Option<ReadOnly>) -> Result<SqliteStore> {
        match read_only {
            None => SqliteStore::open(path),
            Some(why) => SqliteStore::open_read_only_because(path, why),
        }
    }

    fn open_read_only_because(path: &Path, why: ReadOnly) -> Result<SqliteStore> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match SqliteStore::read_only_connection(path, flags) {
            // In a folder it may not write, SQLite cannot make the shared-memory file a
            // WAL reader needs. A writer would need the folder too (for its journal),
            // so only a privileged user could change the file: it is read as unchanging.
            Err(e) if why == ReadOnly::FolderNotWritable && cannot_write(&e) => {
                let mut uri = url_path(path);
                uri.push_str("?immutable=1");
                SqliteStore::read_only_connection(
                    Path::new(&uri),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )?
            }
            opened => opened?,
        };
        SqliteStore::over(conn, Some(why))
    }

    fn read_only_connection(path: &Path, flags: OpenFlags) -> Result<Connection> {
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        migrations::check_version(&conn)?;
        Ok(conn)
    }

    /// Who the audit entries of the changes from here on name (by default the
    /// operating system's user@host, from the command line).
    pub fn set_actor(&mut self, actor: Actor) {
        self.actor = actor;
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// Why every write is refused, when it is.
    pub fn read_only(&self) -> Option<ReadOnly> {
        self.read_only
    }
}

/// Starts a write transaction holding the write lock from its first statement, so that
/// a write never fails half-way because another process wrote since it began reading:
/// it waits its turn (up to the busy timeout) instead.
fn begin_write(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// The errors SQLite gives when it may not write the file or make its journal beside it.
fn cannot_write(e: &StoreError) -> bool {
    match e {
        StoreError::ReadOnly => true,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.code == rusqlite::ErrorCode::CannotOpen
        }
        _ => false,
    }
}

/// A `file:` URI for `path`: reserved characters and non-ASCII bytes percent-encoded.
fn url_path(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'?' | b'#' | b'%' | 0x80.. => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(byte as char),
        }
    }
    uri
}

/// A file that is not a database, or a damaged one, said plainly.
fn describe_fault(e: StoreError) -> StoreError {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            StoreError::Unusable("it is not an xusers (SQLite) database file".into())
        }
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, detail))
            if f.code == rusqlite::ErrorCode::DatabaseCorrupt =>
        {
            StoreError::Unusable(format!(
                "the database file is damaged ({}); restore it from a backup",
                detail.unwrap_or_else(|| "malformed".into())
            ))
        }
        other => other,
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl SqliteStore {
    /// The database file, when the store has one (not for in-memory stores).
    pub fn path(&self) -> Option<std::path::PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    }

    /// How long a write waits for another process's lock before giving up with
    /// [`StoreError::Busy`].
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(timeout)?)
    }

    /// Sets this connection's page cache (a connection that only scans needs little).
    pub fn set_cache_kib(&self, kib: i64) -> Result<()> {
        Ok(self.conn.pragma_update(None, "cache_size", -kib)?)
    }

    /// Nothing to do: SQLite plans each query of a page itself (see plan.rs).
    pub fn plan_for_pages(&self) -> Result<()> {
        Ok(())
    }

    /// Lets another thread cancel this connection's running query.
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// Calls `step` every `every` steps of SQLite's virtual machine while a query runs
    /// on this connection; `step` returning true cancels the query. Tests and
    /// benchmarks make a connection slow with it.
    pub fn on_progress(&mut self, every: i32, step: impl FnMut() -> bool + Send + 'static) {
        // Registering a handler cannot fail; rusqlite returns a Result only for form.
        let _ = self.conn.progress_handler(every, Some(step));
    }
}
