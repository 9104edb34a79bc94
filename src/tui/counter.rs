//! Counting users on a connection of its own, off the UI thread: the panes' counts,
//! the marked users, and the users a filter matches (at a million users a count may take longer than a
//! frame, and the first page never waits for it). A newer request interrupts the one
//! in progress. Counts arrive on the console's one channel of events.

use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use rusqlite::InterruptHandle;

use super::action::Action;
use super::events::Event;
use super::reader::Connect;
use super::screens::list::marks::MarksAsk;
use crate::store::{AppId, Result, UserQuery};

const SCAN_CACHE_KIB: i64 = 512;

/// How long a request waits for a newer one before counting starts.
const SETTLE: Duration = Duration::from_millis(15);

/// What to count: the panes always, the filter's matches and the marks when given.
struct Request {
    generation: u64,
    application: AppId,
    query: Option<UserQuery>,
    marks: MarksAsk,
}

pub struct MatchCounter {
    requests: Sender<Request>,
    interrupt: InterruptHandle,
    generation: u64,
}

impl MatchCounter {
    /// Counts on a connection of its own to `path`, sending each count to `outbox`.
    pub fn start(path: &Path, connect: &Connect, outbox: Sender<Event>) -> Result<MatchCounter> {
        let store = connect(path)?;
        // Counting scans: a page cache would only hold pages it never reads again.
        store.set_cache_kib(SCAN_CACHE_KIB)?;
        let interrupt = store.interrupt_handle();
        let (requests, inbox) = mpsc::channel::<Request>();
        std::thread::spawn(move || {
            while let Ok(mut request) = inbox.recv() {
                // Only the newest request matters; waiting a moment for it also leaves
                // the cores to the page the keystroke asked for, and skips counts for
                // keys typed in quick succession.
                while let Ok(newer) = inbox.recv_timeout(SETTLE) {
                    request = newer;
                }
                let Request {
                    generation,
                    application,
                    query,
                    marks,
                } = request;
                let counted = store.scope_counts(application).and_then(|counts| {
                    let matches = match &query {
                        Some(query) => Some(store.count_users(application, query)?),
                        None => None,
                    };
                    let marked = match marks.settle(&store, application)? {
                        Some(marks) => Some(store.selection_count(application, &marks.selection)?),
                        None => None,
                    };
                    Ok(Action::Counted(generation, counts, matches, marked))
                });
                if let Ok(done) = counted
                    && outbox.send(Event::Done(done)).is_err()
                {
                    return;
                }
            }
        });
        Ok(MatchCounter {
            requests,
            interrupt,
            generation: 0,
        })
    }

    /// Asks for the panes' counts and, with a filter, its matches, and with marks how
    /// many users they mark, abandoning any earlier request; returns its generation.
    pub fn request(
        &mut self,
        application: AppId,
        query: Option<UserQuery>,
        marks: MarksAsk,
    ) -> u64 {
        self.generation += 1;
        self.interrupt.interrupt();
        let _ = self.requests.send(Request {
            generation: self.generation,
            application,
            query,
            marks,
        });
        self.generation
    }
}
