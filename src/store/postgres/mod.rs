//! PostgreSQL storage: one database that many administrators and the application's
//! servers share.

mod apps;
mod connect;
mod migrations;

use std::cell::RefCell;

use postgres::Client;

use super::{Actor, Result, Source};

pub struct PgStore {
    /// In a cell: the client needs `&mut` even to read, where the store's readers
    /// take `&self` (as rusqlite's connection does inside).
    client: RefCell<Client>,
    /// Named in the audit entry of every change this store writes.
    actor: Actor,
}

impl PgStore {
    /// Connects to the database `config` names and brings its schema up to date.
    pub fn open(config: &postgres::Config) -> Result<PgStore> {
        let mut client = connect::connect(config)?;
        migrations::migrate(&mut client)?;
        Ok(PgStore {
            client: RefCell::new(client),
            actor: Actor::local(Source::Cli),
        })
    }

    /// Who the audit entries of the changes from here on name.
    pub fn set_actor(&mut self, actor: Actor) {
        self.actor = actor;
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}
