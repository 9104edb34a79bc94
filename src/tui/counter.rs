//! Counting users on a connection of its own, off the UI thread: the panes' counts,
//! the marked users, and the users a filter matches (at a million users a count may take longer than a
//! frame, and the first page never waits for it: the count waits for the page, see
//! page_gate.rs). A newer request interrupts the one in progress. Counts arrive on the
//! console's one channel of events.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::action::Action;
use super::background::Priority;
use super::events::Event;
use super::page_gate::PageGate;
use super::query_worker::{Connect, QueryWorker, Reply};
use super::screens::list::marks::MarksAsk;
use crate::store::{AppId, Location, Result, Store, UserQuery};

const SCAN_CACHE_KIB: i64 = 512;

/// How long a request waits for a newer one before counting starts.
const SETTLE: Duration = Duration::from_millis(15);

/// The longest a filter's count waits for the page being read before it counts beside
/// it: a page's target time.
const YIELD_TO_PAGE: Duration = Duration::from_millis(100);

/// The counter's one lane: newer counts supersede older ones.
const COUNTS: &str = "counts";

pub struct MatchCounter {
    worker: QueryWorker,
    gate: Arc<PageGate>,
}

impl MatchCounter {
    /// Counts on a connection of its own to `location`, sending each count to `outbox`;
    /// a filter's count waits for the pages `gate` is told of.
    pub fn start(
        location: &Location,
        connect: &Connect,
        outbox: Sender<Event>,
        gate: Arc<PageGate>,
    ) -> Result<MatchCounter> {
        let store = connect(location)?;
        // Counting scans: a page cache would only hold pages it never reads again.
        store.set_cache_kib(SCAN_CACHE_KIB)?;
        // Waiting a moment for a newer request also leaves the cores to the page the
        // keystroke asked for, and skips counts for keys typed in quick succession.
        let worker =
            QueryWorker::with_store(store, outbox, SETTLE, ("xusers-counter", Priority::Lowest));
        Ok(MatchCounter { worker, gate })
    }

    /// Asks for the panes' counts and, with a filter, its matches, and with marks how
    /// many users they mark, abandoning any earlier request; returns its generation.
    pub fn request(
        &mut self,
        application: AppId,
        query: Option<UserQuery>,
        marks: MarksAsk,
    ) -> u64 {
        let gate = self.gate.clone();
        let work = Box::new(move |store: &Store, reply: &Reply| {
            if query.is_some() {
                gate.wait_for_pages(YIELD_TO_PAGE);
                if !reply.current() {
                    return Ok(());
                }
            }
            let counts = store.scope_counts(application)?;
            let matches = match &query {
                Some(query) => Some(store.count_users(application, query)?),
                None => None,
            };
            let marked = match marks.settle(store, application)? {
                Some(marks) => Some(store.selection_count(application, &marks.selection)?),
                None => None,
            };
            reply.send(Action::Counted(reply.generation(), counts, matches, marked));
            Ok(())
        });
        // A count that fails leaves the counts shown until the next one.
        self.worker.request(COUNTS, work, None)
    }
}
