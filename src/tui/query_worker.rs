//! The one way the console reads off the UI thread: a worker with a connection of its
//! own runs the reads it is asked for and sends what they yield, as actions, on the
//! console's one channel. Each request belongs to a lane (what it reads for: the
//! list's pages, the group tree, the form, the audit pane …) and carries a generation,
//! unique in its worker; a newer request of the same lane supersedes the older one —
//! skipped while it still waits, interrupted while it runs — and a read of another
//! lane is left alone. The screens drop a reply whose generation they no longer await.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::InterruptHandle;

use super::action::Action;
use super::background::Priority;
use super::events::Event;
use crate::store::{Location, Result, Store};

/// Opens the store a worker reads or writes through (tests open slow ones).
pub type Connect = Arc<dyn Fn(&Location) -> Result<Store> + Send + Sync>;

/// What a request reads for; one request of each lane is current at a time.
pub type Lane = &'static str;

/// A read: what it finds goes out through the [`Reply`] (once, or in steps).
pub type Work = Box<dyn Fn(&Store, &Reply) -> Result<()> + Send>;

/// What a read that failed (other than by being superseded) sends: (generation, why);
/// `None` sends nothing (what was read before stays until the next request).
pub type Failed = Option<fn(u64, String) -> Action>;

struct Request {
    lane: Lane,
    generation: u64,
    work: Work,
    failed: Failed,
}

/// What the console and its worker share.
#[derive(Default)]
struct Shared {
    /// The newest generation asked for in each lane.
    newest: Mutex<HashMap<Lane, u64>>,
    /// The lane of the read under way.
    running: Mutex<Option<Lane>>,
    /// Reads a newer request of their lane interrupted.
    interrupted: AtomicU64,
}

impl Shared {
    fn current(&self, lane: Lane, generation: u64) -> bool {
        self.newest.lock().unwrap().get(lane) == Some(&generation)
    }
}

/// How a read sends what it found.
pub struct Reply<'a> {
    lane: Lane,
    generation: u64,
    shared: &'a Shared,
    outbox: &'a Sender<Event>,
    /// The console is gone: the worker ends.
    gone: Cell<bool>,
}

impl Reply<'_> {
    /// The generation of the request being read.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether no newer request of this lane came meanwhile: a read in steps stops
    /// when one did (there may have been no query running to interrupt).
    pub fn current(&self) -> bool {
        self.shared.current(self.lane, self.generation)
    }

    /// Sends `action` on the console's channel.
    pub fn send(&self, action: Action) {
        if self.outbox.send(Event::Done(action)).is_err() {
            self.gone.set(true);
        }
    }
}

/// The name and priority of a reader's thread.
const READER: (&str, Priority) = ("xusers-reader", Priority::Background);

pub struct QueryWorker {
    requests: Sender<Request>,
    interrupt: InterruptHandle,
    shared: Arc<Shared>,
    generation: u64,
}

impl QueryWorker {
    /// Reads on a connection of its own to `location`, sending to `outbox`. A request
    /// first waits until none newer came for `settle` (a newer one of its lane then
    /// replaces it): reads that keys typed in quick succession would waste are skipped.
    pub fn start(
        location: &Location,
        connect: &Connect,
        outbox: Sender<Event>,
        settle: Duration,
    ) -> Result<QueryWorker> {
        let store = connect(location)?;
        Ok(QueryWorker::with_store(store, outbox, settle, READER))
    }

    /// Reads through `store` (opened, and tuned, by the caller) on a thread named
    /// `name`, at `priority`.
    pub fn with_store(
        store: Store,
        outbox: Sender<Event>,
        settle: Duration,
        (name, priority): (&str, Priority),
    ) -> QueryWorker {
        let interrupt = store.interrupt_handle();
        let shared = Arc::new(Shared::default());
        let worker = shared.clone();
        let (requests, inbox) = mpsc::channel::<Request>();
        super::background::spawn(name, priority, move || {
            while let Ok(first) = inbox.recv() {
                let mut waiting = vec![first];
                // Requests that come within `settle` of the last one join it.
                while let Some(newer) = match settle.is_zero() {
                    true => inbox.try_recv().ok(),
                    false => inbox.recv_timeout(settle).ok(),
                } {
                    waiting.push(newer);
                }
                for request in waiting {
                    if !run(&store, &worker, &outbox, &request) {
                        return;
                    }
                }
            }
        });
        QueryWorker {
            requests,
            interrupt,
            shared,
            generation: 0,
        }
    }

    /// Asks for `work` in `lane`, superseding the lane's earlier request (its query is
    /// interrupted if it runs); returns the request's generation. A read that fails
    /// sends `failed`.
    pub fn request(&mut self, lane: Lane, work: Work, failed: Failed) -> u64 {
        self.generation += 1;
        self.shared
            .newest
            .lock()
            .unwrap()
            .insert(lane, self.generation);
        if *self.shared.running.lock().unwrap() == Some(lane) {
            self.interrupt.interrupt();
        }
        let _ = self.requests.send(Request {
            lane,
            generation: self.generation,
            work,
            failed,
        });
        self.generation
    }

    /// How many reads a newer request of their lane has interrupted so far.
    pub fn interrupted(&self) -> u64 {
        self.shared.interrupted.load(Ordering::Relaxed)
    }
}

/// Runs one request unless a newer one of its lane superseded it; false once the
/// console is gone.
fn run(store: &Store, shared: &Shared, outbox: &Sender<Event>, request: &Request) -> bool {
    let reply = Reply {
        lane: request.lane,
        generation: request.generation,
        shared,
        outbox,
        gone: Cell::new(false),
    };
    loop {
        {
            let mut running = shared.running.lock().unwrap();
            if !reply.current() {
                return true;
            }
            *running = Some(request.lane);
        }
        let read = (request.work)(store, &reply);
        *shared.running.lock().unwrap() = None;
        match read {
            Ok(()) => return !reply.gone.get(),
            // An interruption aimed at a read of this lane that had just ended may
            // land on this one: read it again, unless it was superseded.
            Err(e) if e.is_interrupted() => {
                if !reply.current() {
                    shared.interrupted.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
            }
            Err(e) => {
                if let Some(failed) = request.failed {
                    reply.send(failed(request.generation, e.to_string()));
                }
                return !reply.gone.get();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::Receiver;

    /// A read that waits for `go`, then sends a tick naming its generation.
    fn read(go: Arc<Mutex<Receiver<()>>>) -> Work {
        Box::new(move |_: &Store, reply: &Reply| {
            go.lock().unwrap().recv().unwrap();
            reply.send(Action::Tick(reply.generation() as i64));
            Ok(())
        })
    }

    #[test]
    fn a_newer_request_supersedes_its_own_lane_only() {
        let (outbox, inbox) = mpsc::channel();
        let store = Store::open_in_memory().unwrap();
        let mut worker = QueryWorker::with_store(store, outbox, Duration::ZERO, READER);
        let (release, go) = mpsc::channel();
        let go = Arc::new(Mutex::new(go));
        let first = worker.request("x", read(go.clone()), None);
        // The first read runs (waiting for `go`) while the others are asked for.
        while *worker.shared.running.lock().unwrap() != Some("x") {
            std::thread::yield_now();
        }
        let waiting = worker.request("x", read(go.clone()), None);
        let other = worker.request("y", read(go.clone()), None);
        let newest = worker.request("x", read(go.clone()), None);
        for _ in 0..4 {
            let _ = release.send(());
        }
        // The running read ends as it would (it runs no SQL to interrupt); the one
        // still waiting in its lane is never run; the other lane's is.
        let ticks: Vec<u64> = (0..3)
            .map(|_| match inbox.recv_timeout(Duration::from_secs(30)) {
                Ok(Event::Done(Action::Tick(n))) => n as u64,
                _ => panic!("three reads were to end"),
            })
            .collect();
        assert_eq!(ticks, [first, other, newest], "{waiting} was superseded");
        assert!(inbox.recv_timeout(Duration::from_millis(200)).is_err());
    }
}
