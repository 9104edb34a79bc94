//! PostgreSQL storage: one database that many administrators and the application's
//! servers share.

mod apps;
mod audit;
mod audit_query;
mod bulk;
pub(crate) mod connect;
mod console;
mod devices;
mod groups;
mod import;
mod merge;
mod migrations;
mod page_read;
mod query;
mod reads;
pub(crate) mod search_rows;
mod seed;
mod seed_indexes;
mod selection;
mod short_terms;
mod tokens;
mod user_after_user;
mod users;

pub(in crate::store) use merge::write_merge;

use std::cell::{OnceCell, RefCell};

use postgres::Client;

use super::{Actor, AppId, ReadOnly, Result, Source};

pub struct PgStore {
    /// In a cell: the client needs `&mut` even to read, where the store's readers
    /// take `&self` (as rusqlite's connection does inside).
    pub(in crate::store) client: RefCell<Client>,
    /// Where it is, for the console's workers' own connections.
    config: Box<postgres::Config>,
    /// Named in the audit entry of every change this store writes.
    actor: Actor,
    read_only: Option<ReadOnly>,
    /// [`PgStore::authenticate`]'s statement, prepared once: parsing and planning it
    /// at each call took a second round trip to the server and most of the time.
    authenticate: OnceCell<postgres::Statement>,
}

impl PgStore {
    /// Connects to the database `config` names and brings its schema up to date.
    pub fn open(config: &postgres::Config) -> Result<PgStore> {
        let mut client = connect::connect(config)?;
        migrations::migrate(&mut client)?;
        seed_indexes::restore_left_over(&mut client)?;
        Ok(PgStore::over(client, config, None))
    }

    /// Connects for looking only: the session's transactions are read-only, so the
    /// server refuses every write ([`crate::store::StoreError::ReadOnly`]). The
    /// database must already be at this build's schema version.
    pub fn open_read_only(config: &postgres::Config) -> Result<PgStore> {
        let mut client = connect::connect(config)?;
        migrations::check_version(&mut client)?;
        client.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
        Ok(PgStore::over(client, config, Some(ReadOnly::Asked)))
    }

    fn over(client: Client, config: &postgres::Config, read_only: Option<ReadOnly>) -> PgStore {
        PgStore {
            client: RefCell::new(client),
            config: Box::new(config.clone()),
            actor: Actor::local(Source::Cli),
            read_only,
            authenticate: OnceCell::new(),
        }
    }

    /// The database it is connected to (its password included: never show it; a
    /// [`crate::store::Location`] displays without it).
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// The database's oid on its server, and the server by when it started: the same
    /// for every spelling of a connection string that reaches this database.
    pub fn identity(&self) -> Result<String> {
        let row = self.client.borrow_mut().query_one(
            "SELECT d.oid::bigint, pg_postmaster_start_time()::text, current_database()::text
             FROM pg_database d WHERE d.datname = current_database()",
            &[],
        )?;
        Ok(format!(
            "postgres {}:{}:{}",
            row.get::<_, i64>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ))
    }

    /// Why every write is refused, when it is.
    pub fn read_only(&self) -> Option<ReadOnly> {
        self.read_only
    }

    /// Lets another thread cancel this connection's running query.
    pub fn canceller(&self) -> connect::Canceller {
        connect::Canceller::new(&self.client.borrow(), &self.config)
    }

    /// Who the audit entries of the changes from here on name.
    pub fn set_actor(&mut self, actor: Actor) {
        self.actor = actor;
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

impl PgStore {
    /// Logs the outcome of `what` (an operation: "add user") done to `subject` in
    /// application `app`, as the SQLite store does, and hands the outcome back.
    fn logged<T>(&self, app: AppId, what: &str, subject: &str, result: Result<T>) -> Result<T> {
        let name = self
            .client
            .borrow_mut()
            .query_one("SELECT name FROM applications WHERE id = $1", &[&app.0])
            .map_or_else(|_| app.0.to_string(), |row| row.get(0));
        crate::store::logged::log_outcome(&name, what, subject, &result);
        result
    }
}

/// One writer at a time, as SQLite's write lock makes it (the audit log's chain and
/// the checks before a write rely on it): every write transaction takes this
/// transaction-level advisory lock (an arbitrary number of xusers' own) first.
const WRITE_LOCK: i64 = 0x7875_7365_7277; // "xuserw"

/// Starts a write transaction holding the write lock.
pub(in crate::store) fn begin_write(client: &mut Client) -> Result<postgres::Transaction<'_>> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
    Ok(tx)
}
