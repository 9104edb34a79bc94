//! One suite over both backends: a test takes `#[values(Backend::Sqlite,
//! Backend::Postgres)]` (or rstest cases `sqlite` / `postgres`) and asks [`fresh`] for
//! a new, empty store of that kind. PostgreSQL's comes from the test process's
//! throwaway cluster (tests/common/pg.rs); where its binaries are absent, `fresh`
//! returns `None` after one line saying so, and the case skips.

use tempfile::TempDir;
use xusers::store::{AppId, Location, Store};

use super::pg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A new store with its `default` application; the folder of a SQLite file goes
/// with it.
pub struct Fresh {
    pub store: Store,
    pub app: AppId,
    location: Location,
    _dir: Option<TempDir>,
}

impl Fresh {
    /// Another connection to the same database: another administrator's, or a host's.
    pub fn another(&self) -> Store {
        Store::open(self.location.clone()).unwrap()
    }

    /// The store and its application, with what must outlive the store (a SQLite
    /// file's folder).
    pub fn split(self) -> (Store, AppId, Option<TempDir>) {
        (self.store, self.app, self._dir)
    }

    /// Where the database is, for [`execute_behind_the_store`].
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Another connection to the same database, for looking only.
    pub fn read_only(&self) -> Store {
        Store::open_read_only(self.location.clone()).unwrap()
    }
}

pub fn fresh(backend: Backend) -> Option<Fresh> {
    let (location, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (Location::Sqlite(dir.path().join("test.db")), Some(dir))
        }
        Backend::Postgres => (pg::fresh_database()?.parse().unwrap(), None),
    };
    let store = Store::open(location.clone()).unwrap();
    let app = store.existing_application("default").unwrap().id;
    Some(Fresh {
        store,
        app,
        location,
        _dir: dir,
    })
}

/// Runs `sql` (its parameters written `$1`, `$2` …, which both engines read) on the
/// database at `location` directly, past the store: what another program could write
/// there.
pub fn execute_behind_the_store(location: &Location, sql: &str, params: &[&str]) {
    match location {
        Location::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.execute(sql, rusqlite::params_from_iter(params))
                .unwrap();
        }
        Location::Postgres(config) => {
            let mut client = config.connect(postgres::NoTls).unwrap();
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                params.iter().map(|p| p as _).collect();
            client.execute(sql, &params).unwrap();
        }
    }
}
