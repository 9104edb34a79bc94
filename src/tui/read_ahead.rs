//! Reading ahead, at background priority and on a connection of its own (closed when
//! done), what the next keys are likely to read, so that they find it in the system's
//! file cache:
//! - the first sort after opening a database the machine has not read lately reads
//!   its index and rows from disk: at a million users 15–45 ms, where a sort otherwise
//!   takes 1–3 ms. Once the first frame shows, the first page of every other order is
//!   read once;
//! - a group's members are scattered over the users table: the first filter of a
//!   members view read them from disk (at a million users, Support's 17,930 members
//!   took a `q` 100 ms, where it then took 35 ms), and so did the first sort by each
//!   order (Acme's, 10–20 ms where it then took 2–3). When a view first shows a group,
//!   the first page of every other order is read once, and its members' rows when
//!   there are up to [`MEMBERS_AHEAD`].

use std::sync::mpsc::Sender;

use super::action::Action;
use super::background::{self, Priority};
use super::events::Event;
use super::query_worker::Connect;
use crate::store::{AppId, Location, Page, Result, Scope, Sort, SortField, Store, UserQuery};

/// The most members whose rows a members view reads ahead: a larger group's members
/// are most of the users, whose rows the pages read as they go.
pub const MEMBERS_AHEAD: u64 = 100_000;

/// Where to read ahead from.
#[derive(Clone)]
pub struct ReadAhead {
    pub location: Location,
    pub connect: Connect,
    pub application: AppId,
}

impl ReadAhead {
    /// Reads `rows` rows of each order of every user but the first frame's, then sends
    /// [`Action::ReadAhead`]. A failure only leaves them to be read when asked for.
    pub fn sorts(&self, rows: usize, outbox: Sender<Event>) {
        let ahead = self.clone();
        let read = move || {
            let store = (ahead.connect)(&ahead.location)?;
            ahead.orders(&store, Scope::All, rows)
        };
        spawn("xusers-sorts", Priority::Background, read, outbox);
    }

    /// Reads `rows` rows of each order of group `group`'s members (its subgroups' too)
    /// but the first, and their rows when `few` (up to [`MEMBERS_AHEAD`] members), then
    /// sends [`Action::ReadAhead`].
    pub fn members(&self, group: i64, rows: usize, few: bool, outbox: Sender<Event>) {
        let ahead = self.clone();
        let read = move || {
            let store = (ahead.connect)(&ahead.location)?;
            if few {
                store.read_members_ahead(group, MEMBERS_AHEAD)?;
            }
            ahead.orders(&store, Scope::GroupTree(group), rows)
        };
        spawn("xusers-members", Priority::Lowest, read, outbox);
    }

    /// Reads the first `rows` rows of `scope` in every order but the default one.
    fn orders(&self, store: &Store, scope: Scope, rows: usize) -> Result<()> {
        for field in SortField::ALL {
            for descending in [false, true] {
                let sort = Sort { field, descending };
                if sort == Sort::default() {
                    continue;
                }
                let query = UserQuery {
                    scope,
                    sort,
                    ..UserQuery::default()
                };
                store.list_users(self.application, &query, &Page::First(rows))?;
            }
        }
        Ok(())
    }
}

fn spawn(
    name: &'static str,
    priority: Priority,
    read: impl FnOnce() -> Result<()> + Send + 'static,
    outbox: Sender<Event>,
) {
    background::spawn(name, priority, move || {
        if let Err(why) = read() {
            tracing::debug!("{name}: reading ahead stopped: {why}");
        }
        let _ = outbox.send(Event::Done(Action::ReadAhead));
    });
}
