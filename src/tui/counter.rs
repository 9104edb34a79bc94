//! Counting the users a filter matches on a second connection, off the UI thread: at
//! a million users a count may take longer than a frame, and the first page never
//! waits for it. A newer request interrupts the one in progress. Counts arrive on the
//! console's one channel of events.

use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use rusqlite::InterruptHandle;

use super::action::Action;
use super::events::Event;
use crate::store::{AppId, Result, Store, UserQuery};

const SCAN_CACHE_KIB: i64 = 512;

/// How long a request waits for a newer one before counting starts.
const SETTLE: Duration = Duration::from_millis(15);

pub struct MatchCounter {
    requests: Sender<(u64, AppId, UserQuery)>,
    interrupt: InterruptHandle,
    generation: u64,
}

impl MatchCounter {
    /// Counts on a connection of its own to `path`, sending each count to `outbox`.
    pub fn start(path: &Path, outbox: Sender<Event>) -> Result<MatchCounter> {
        let store = Store::open(path)?;
        // Counting scans: a page cache would only hold pages it never reads again.
        store.set_cache_kib(SCAN_CACHE_KIB)?;
        let interrupt = store.interrupt_handle();
        let (requests, inbox) = mpsc::channel::<(u64, AppId, UserQuery)>();
        std::thread::spawn(move || {
            while let Ok(mut request) = inbox.recv() {
                // Only the newest request matters; waiting a moment for it also leaves
                // the cores to the page the keystroke asked for, and skips counts for
                // keys typed in quick succession.
                while let Ok(newer) = inbox.recv_timeout(SETTLE) {
                    request = newer;
                }
                let (generation, application, query) = request;
                if let Ok(n) = store.count_users(application, &query)
                    && outbox
                        .send(Event::Done(Action::Counted(generation, n)))
                        .is_err()
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

    /// Asks for a count, abandoning any earlier one; returns its generation.
    pub fn request(&mut self, application: AppId, query: UserQuery) -> u64 {
        self.generation += 1;
        self.interrupt.interrupt();
        let _ = self.requests.send((self.generation, application, query));
        self.generation
    }
}
