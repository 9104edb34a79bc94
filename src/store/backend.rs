//! One store, two backends: [`Store`] is a SQLite file ([`SqliteStore`]) or a
//! PostgreSQL database ([`PgStore`]), and every public method of the store is written
//! once below, where it is dispatched to the backend. A method PostgreSQL does not
//! have yet (not marked `on postgres`) answers there with a plain "not available on
//! PostgreSQL yet"; marking it is how a PostgreSQL method is switched on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::selection::WALK_PAGE;
use super::{
    Actor, AppId, Application, AuditEntry, AuditPage, AuditQuery, BulkAction, BulkOutcome,
    BulkProgress, Device, Group, GroupRef, GroupSummary, ImportOptions, ImportReport, ImportUser,
    Location, LoginPolicy, MembersAdded, Page, PgStore, PruneReport, ReachedDevice, ReadOnly,
    Result, ScopeCounts, SeedUser, Selection, Sort, Source, SqliteStore, StoreError, User, UserId,
    UserQuery, UserRow, VerifyReport,
};
use crate::auth::PasswordHash;
use crate::domain::{FieldError, KeySuggestion, NewUser, UserChanges, UserDraft, rank_tag_keys};

/// Where the users are, and the connection to them.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// The answer of a method PostgreSQL does not have yet.
fn not_yet(method: &str) -> StoreError {
    StoreError::Unusable(format!("{method} is not available on PostgreSQL yet"))
}

/// `impl Store` for each signature: the call goes to the backend's method of the same
/// name (PostgreSQL's only for those marked `on postgres`).
macro_rules! dispatch {
    () => {};
    (fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty $(, on $pg:ident)?; $($rest:tt)*) => {
        impl Store {
            pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                dispatch!(@call self, $name($($arg),*) $(, $pg)?)
            }
        }
        dispatch!($($rest)*);
    };
    (fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty $(, on $pg:ident)?; $($rest:tt)*) => {
        impl Store {
            pub fn $name(&mut self $(, $arg: $ty)*) -> $ret {
                dispatch!(@call self, $name($($arg),*) $(, $pg)?)
            }
        }
        dispatch!($($rest)*);
    };
    (@call $store:ident, $name:ident($($arg:ident),*)) => {
        match $store {
            Store::Sqlite(s) => s.$name($($arg),*),
            Store::Postgres(_) => Err(not_yet(stringify!($name))),
        }
    };
    (@call $store:ident, $name:ident($($arg:ident),*), postgres) => {
        match $store {
            Store::Sqlite(s) => s.$name($($arg),*),
            Store::Postgres(p) => p.$name($($arg),*),
        }
    };
}

dispatch! {
    fn application(&mut self, name: &str) -> Result<Application>, on postgres;
    fn existing_application(&self, name: &str) -> Result<Application>, on postgres;
    fn set_user_limit(&mut self, app: AppId, limit: Option<u64>) -> Result<()>, on postgres;
    fn set_login_policy(&mut self, app: AppId, policy: LoginPolicy) -> Result<()>, on postgres;
    fn create_application(&mut self, name: &str, user_limit: Option<u64>) -> Result<Application>, on postgres;
    fn applications(&self) -> Result<Vec<(Application, u64)>>, on postgres;
    fn verify_audit(&self) -> Result<VerifyReport>, on postgres;
    fn prune_audit(&mut self, before_ms: i64) -> Result<PruneReport>, on postgres;
    fn audit_page(&self, query: &AuditQuery, page: AuditPage) -> Result<Vec<AuditEntry>>, on postgres;
    fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>>, on postgres;
    fn user_history(&self, user: UserId, limit: usize) -> Result<Vec<AuditEntry>>, on postgres;
    fn bulk(&mut self, app: AppId, selection: &Selection, action: &BulkAction, source: Source, progress: &mut dyn FnMut(BulkProgress), cancel: &AtomicBool) -> Result<BulkOutcome>, on postgres;
    fn bulk_preview(&mut self, app: AppId, selection: &Selection, action: &BulkAction) -> Result<BulkOutcome>, on postgres;
    fn bulk_concerned(&self, app: AppId, selection: &Selection, action: &BulkAction) -> Result<Option<u64>>, on postgres;
    fn bulk_concerned_sample(&self, app: AppId, selection: &Selection, action: &BulkAction, n: usize) -> Result<Option<Vec<String>>>, on postgres;
    fn create_device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<i64>, on postgres;
    fn devices_reached(&self, groups: &[i64]) -> Result<Vec<ReachedDevice>>, on postgres;
    fn user_devices(&self, user: UserId) -> Result<Vec<ReachedDevice>>, on postgres;
    fn devices(&self, app: AppId) -> Result<Vec<Device>>, on postgres;
    fn link_device(&mut self, app: AppId, device: &str, group: &str, link: bool) -> Result<bool>, on postgres;
    fn delete_device(&mut self, app: AppId, name: &str) -> Result<()>, on postgres;
    fn create_group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<Group>, on postgres;
    fn set_group_parent(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<()>, on postgres;
    fn groups(&self, app: AppId) -> Result<Vec<Group>>, on postgres;
    fn group_named(&self, app: AppId, name: &str) -> Result<i64>, on postgres;
    fn group_summaries(&self, app: AppId) -> Result<Vec<GroupSummary>>, on postgres;
    fn rename_group(&mut self, app: AppId, old: &str, new: &str) -> Result<()>, on postgres;
    fn delete_group(&mut self, app: AppId, name: &str) -> Result<()>, on postgres;
    fn edit_group(&mut self, app: AppId, group: &GroupRef, name: &str, parent: Option<&str>) -> Result<()>, on postgres;
    fn delete_group_read(&mut self, app: AppId, group: &GroupRef) -> Result<()>, on postgres;
    fn lookup_plans(&self) -> Result<Vec<(&'static str, String)>>;
    fn add_members(&mut self, app: AppId, group: i64, users: &[UserId]) -> Result<MembersAdded>, on postgres;
    fn group_exists(&self, app: AppId, group: i64) -> Result<bool>, on postgres;
    fn remove_member(&mut self, app: AppId, group: i64, user: UserId) -> Result<()>, on postgres;
    fn set_busy_timeout(&self, timeout: Duration) -> Result<()>, on postgres;
    fn set_cache_kib(&self, kib: i64) -> Result<()>, on postgres;
    fn plan_for_pages(&self) -> Result<()>, on postgres;
    fn selection_count(&self, app: AppId, selection: &Selection) -> Result<u64>, on postgres;
    fn selection_sample(&self, app: AppId, selection: &Selection, n: usize) -> Result<Vec<String>>, on postgres;
    fn marked_among(&self, app: AppId, selection: &Selection, rows: &[UserId]) -> Result<HashSet<UserId>>, on postgres;
    fn selection_page(&self, app: AppId, selection: &Selection, sort: Sort, page: &Page) -> Result<Vec<UserRow>>, on postgres;
    fn tag_key_usage(&self, app: AppId, except: Option<UserId>) -> Result<Vec<(String, u64)>>, on postgres;
    fn tags_of(&self, users: &[UserId]) -> Result<HashMap<UserId, BTreeMap<String, String>>>, on postgres;
    fn login(&mut self, app: AppId, email: &str, password: &str) -> Result<String>, on postgres;
    fn authenticate(&self, app: AppId, token: &str) -> Result<UserId>, on postgres;
    fn invalidate_user_tokens(&mut self, user: UserId) -> Result<usize>, on postgres;
    fn invalidate_all_tokens(&mut self, app: AppId) -> Result<usize>, on postgres;
    fn create_user(&mut self, app: AppId, user: &NewUser, hash: &PasswordHash) -> Result<UserId>, on postgres;
    fn update_user(&mut self, app: AppId, id: UserId, changes: &UserChanges, new_hash: Option<&PasswordHash>, expected_version: Option<i64>) -> Result<()>, on postgres;
    fn delete_user(&mut self, id: UserId) -> Result<()>, on postgres;
    fn delete_users(&mut self, ids: &[UserId]) -> Result<()>, on postgres;
    fn user(&self, id: UserId) -> Result<User>, on postgres;
    fn find_user(&self, app: AppId, email: &str) -> Result<UserId>, on postgres;
    fn list_users(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<Vec<UserRow>>, on postgres;
    fn count_users(&self, app: AppId, query: &UserQuery) -> Result<u64>, on postgres;
    fn read_members_ahead(&self, group: i64, most: u64) -> Result<u64>, on postgres;
    fn query_plans(&self, app: AppId, query: &UserQuery, page: &Page) -> Result<[String; 2]>, on postgres;
    fn scope_counts(&self, app: AppId) -> Result<ScopeCounts>, on postgres;
    fn user_row(&self, id: UserId) -> Result<UserRow>, on postgres;
    fn password_hashes_of(&self, users: &[UserId]) -> Result<HashMap<UserId, String>>, on postgres;
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::Sqlite(path.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::Sqlite(path.clone())
    }
}

/// The methods whose signatures the macro above does not take (constructors, generic
/// ones) or that are the backend's own (a file, SQLite's interrupt and settings).
impl Store {
    /// Opens (creating if needed) and migrates the database at `location`: a SQLite
    /// file (see [`SqliteStore::open`]) or a PostgreSQL database.
    pub fn open(location: impl Into<Location>) -> Result<Store> {
        match location.into() {
            Location::Sqlite(path) => SqliteStore::open(&path).map(Store::Sqlite),
            Location::Postgres(config) => PgStore::open(&config).map(Store::Postgres),
        }
    }

    pub fn open_in_memory() -> Result<Store> {
        SqliteStore::open_in_memory().map(Store::Sqlite)
    }

    /// Opens an existing database for looking only (see [`SqliteStore::open_read_only`]).
    pub fn open_read_only(location: impl Into<Location>) -> Result<Store> {
        match location.into() {
            Location::Sqlite(path) => SqliteStore::open_read_only(&path).map(Store::Sqlite),
            Location::Postgres(config) => PgStore::open_read_only(&config).map(Store::Postgres),
        }
    }

    /// Another connection to `location`, read-only for the same reason as the one
    /// opened first (see [`SqliteStore::open_like`]).
    pub fn open_like(location: impl Into<Location>, read_only: Option<ReadOnly>) -> Result<Store> {
        match (location.into(), read_only) {
            (Location::Sqlite(path), _) => {
                SqliteStore::open_like(&path, read_only).map(Store::Sqlite)
            }
            (Location::Postgres(config), None) => PgStore::open(&config).map(Store::Postgres),
            (Location::Postgres(config), Some(_)) => {
                PgStore::open_read_only(&config).map(Store::Postgres)
            }
        }
    }

    pub fn set_actor(&mut self, actor: Actor) {
        match self {
            Store::Sqlite(s) => s.set_actor(actor),
            Store::Postgres(p) => p.set_actor(actor),
        }
    }

    pub fn actor(&self) -> &Actor {
        match self {
            Store::Sqlite(s) => s.actor(),
            Store::Postgres(p) => p.actor(),
        }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only().is_some()
    }

    /// Why every write is refused, when it is.
    pub fn read_only(&self) -> Option<ReadOnly> {
        match self {
            Store::Sqlite(s) => s.read_only(),
            Store::Postgres(p) => p.read_only(),
        }
    }

    /// Where the store is, for another connection to it; `None` for a SQLite
    /// database in memory.
    pub fn location(&self) -> Option<Location> {
        match self {
            Store::Sqlite(s) => s.path().map(Location::Sqlite),
            Store::Postgres(p) => Some(Location::Postgres(Box::new(p.config().clone()))),
        }
    }

    /// What tells this database from every other, however it was named: a SQLite
    /// file's device and inode (a hard link is the same file), a PostgreSQL
    /// database's oid on a server known by when it started. `None` for a SQLite
    /// database in memory.
    pub fn identity(&self) -> Result<Option<String>> {
        match self {
            Store::Sqlite(s) => Ok(s.path().and_then(|path| {
                use std::os::unix::fs::MetadataExt;
                let meta = std::fs::metadata(path).ok()?;
                Some(format!("sqlite {}:{}", meta.dev(), meta.ino()))
            })),
            Store::Postgres(p) => p.identity().map(Some),
        }
    }

    /// The SQLite file, when the store has one.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Store::Sqlite(s) => s.path(),
            Store::Postgres(_) => None,
        }
    }

    /// Lets another thread cancel this connection's running query.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        match self {
            Store::Sqlite(s) => InterruptHandle::Sqlite(s.interrupt_handle()),
            Store::Postgres(p) => InterruptHandle::Postgres(p.canceller()),
        }
    }

    /// On SQLite, calls `step` every `every` steps of its virtual machine (see
    /// [`SqliteStore::on_progress`]); PostgreSQL has no such hook, and never calls it.
    pub fn on_progress(&mut self, every: i32, step: impl FnMut() -> bool + Send + 'static) {
        if let Store::Sqlite(s) = self {
            s.on_progress(every, step);
        }
    }

    pub fn draft_problems(
        &self,
        app: AppId,
        draft: &UserDraft,
        editing: Option<UserId>,
        broken: Vec<FieldError>,
    ) -> StoreError {
        match self {
            Store::Sqlite(s) => s.draft_problems(app, draft, editing, broken),
            Store::Postgres(p) => p.draft_problems(app, draft, editing, broken),
        }
    }

    pub fn audit_for_each<E: From<StoreError>>(
        &self,
        query: &AuditQuery,
        each: impl FnMut(AuditEntry) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        match self {
            Store::Sqlite(s) => s.audit_for_each(query, each),
            Store::Postgres(p) => p.audit_for_each(query, each),
        }
    }

    pub fn import_users<E: From<StoreError>>(
        &mut self,
        app: AppId,
        users: impl IntoIterator<Item = std::result::Result<ImportUser, E>>,
        options: ImportOptions,
    ) -> Result<ImportReport, E> {
        match self {
            Store::Sqlite(s) => s.import_users(app, users, options),
            Store::Postgres(p) => p.import_users(app, users, options),
        }
    }

    pub fn insert_seed_users(
        &mut self,
        app: AppId,
        users: impl Iterator<Item = SeedUser> + Send,
        hash: &PasswordHash,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        match self {
            Store::Sqlite(s) => s.insert_seed_users(app, users, hash, progress),
            Store::Postgres(p) => p.insert_seed_users(app, users, hash, progress),
        }
    }

    pub fn insert_seed_tokens(
        &mut self,
        app: AppId,
        token_of: impl Fn(u64) -> String,
    ) -> Result<u64> {
        match self {
            Store::Sqlite(s) => s.insert_seed_tokens(app, token_of),
            Store::Postgres(p) => p.insert_seed_tokens(app, token_of),
        }
    }

    /// Keys used on other users that fuzzily match `typed`, best first.
    pub fn suggest_tag_keys(
        &self,
        app: AppId,
        except: Option<UserId>,
        typed: &str,
        limit: usize,
    ) -> Result<Vec<KeySuggestion>> {
        Ok(rank_tag_keys(
            &self.tag_key_usage(app, except)?,
            typed,
            limit,
        ))
    }

    /// Hands the selection's users to `each` in `sort` order, a page at a time, at
    /// most `limit` in all.
    pub fn for_each_selected<E: From<StoreError>>(
        &self,
        app: AppId,
        selection: &Selection,
        sort: Sort,
        limit: usize,
        mut each: impl FnMut(Vec<UserRow>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut done = 0;
        let mut page = Page::First(WALK_PAGE.min(limit));
        while done < limit {
            let rows = self.selection_page(app, selection, sort, &page)?;
            let full = rows.len() == WALK_PAGE.min(limit - done);
            let next = rows.last().map(|r| r.cursor(sort.field));
            done += rows.len();
            each(rows)?;
            match next {
                Some(cursor) if full && done < limit => {
                    page = Page::After(cursor, WALK_PAGE.min(limit - done))
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// Lets another thread stop this connection's share of a split walk (see
    /// [`Store::list_users_split`]) when it helps one: on PostgreSQL it never runs a
    /// query for one, and its handle does nothing (a cancel request would open a
    /// connection to the server at every keystroke).
    pub fn helper_interrupt_handle(&self) -> InterruptHandle {
        match self {
            Store::Sqlite(s) => InterruptHandle::Sqlite(s.interrupt_handle()),
            Store::Postgres(_) => InterruptHandle::Nothing,
        }
    }

    /// One page of the query's users, as [`Store::list_users`] reads it, the walk
    /// shared with `helper` (another connection to the same SQLite database; on
    /// PostgreSQL the server reads it alone).
    pub fn list_users_split(
        &self,
        helper: &Mutex<Store>,
        app: AppId,
        query: &UserQuery,
        page: &Page,
    ) -> Result<Vec<UserRow>> {
        match self {
            Store::Sqlite(s) => s.list_users_split(helper, app, query, page),
            Store::Postgres(p) => p.list_users_split(helper, app, query, page),
        }
    }
}

/// Cancels the running query of the connection it was taken from; the query then
/// fails with an error whose `is_interrupted()` holds.
pub enum InterruptHandle {
    Sqlite(rusqlite::InterruptHandle),
    Postgres(super::postgres::connect::Canceller),
    /// For a connection that runs nothing to stop.
    Nothing,
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        match self {
            InterruptHandle::Sqlite(handle) => handle.interrupt(),
            InterruptHandle::Postgres(canceller) => canceller.cancel(),
            InterruptHandle::Nothing => {}
        }
    }
}
