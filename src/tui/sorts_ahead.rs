//! The first sort after opening a database the machine has not read lately reads its
//! index and rows from disk: at a million users 15–45 ms, where a sort otherwise takes
//! 1–3 ms. Once the first frame shows, a thread of its own, at background priority, on
//! a connection of its own (closed when done), reads the first page of every other
//! order once, so that `s` and `S` find them in the system's file cache.

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use super::action::Action;
use super::background::{self, Priority};
use super::events::Event;
use super::query_worker::Connect;
use crate::store::{AppId, Page, Result, Sort, SortField, UserQuery};

/// The orders not read yet, and how to read them.
pub struct SortsAhead {
    pub path: PathBuf,
    pub connect: Connect,
    pub application: AppId,
}

impl SortsAhead {
    /// Reads `rows` rows of each order of every user but the first frame's, then sends
    /// [`Action::SortsRead`]. A failure only leaves them to be read when asked for.
    pub fn read(self, rows: usize, outbox: Sender<Event>) {
        background::spawn("xusers-sorts", Priority::Background, move || {
            if let Err(why) = self.read_pages(rows) {
                tracing::debug!("reading the sort orders ahead stopped: {why}");
            }
            let _ = outbox.send(Event::Done(Action::SortsRead));
        });
    }

    fn read_pages(&self, rows: usize) -> Result<()> {
        let store = (self.connect)(&self.path)?;
        for field in SortField::ALL {
            for descending in [false, true] {
                let sort = Sort { field, descending };
                if sort == Sort::default() {
                    continue;
                }
                let query = UserQuery {
                    sort,
                    ..UserQuery::default()
                };
                store.list_users(self.application, &query, &Page::First(rows))?;
            }
        }
        Ok(())
    }
}
