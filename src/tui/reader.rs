//! Reading the user list's pages on a connection of its own, off the UI thread: a
//! keystroke never waits for SQLite. Each request carries a generation; a newer one
//! interrupts the query still running for an older one, and only the newest waiting
//! request is read. What was read arrives on the console's one channel as
//! `Action::Loaded`. A second connection shares the long index walks that some
//! filtered pages take (src/store/walk.rs), so they use both cores.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};

use rusqlite::InterruptHandle;

use super::action::Action;
use super::events::Event;
use super::screens::list::marks::{MarksAsk, MarksRead};
use super::screens::list::rows::{Load, Loaded, Pages};
use crate::store::{AppId, Result, Store, UserQuery};

/// Opens the store a worker reads or writes through (tests open slow ones).
pub type Connect = Arc<dyn Fn(&std::path::Path) -> Result<Store> + Send + Sync>;

/// One request: where to read and what.
struct Request {
    generation: u64,
    application: AppId,
    query: UserQuery,
    height: usize,
    load: Load,
    marks: MarksAsk,
}

/// How a reader's results reach the console: as the user list's, or the picker's.
#[derive(Clone, Copy)]
pub struct Replies {
    /// Rows read, with which of them are marked (the picker shows no marks).
    pub loaded: fn(u64, Loaded, MarksRead) -> Action,
    pub failed: fn(u64, String) -> Action,
}

/// The user list's pages.
pub const LIST: Replies = Replies {
    loaded: Action::Loaded,
    failed: Action::LoadFailed,
};

/// The user picker's pages.
pub const PICKER: Replies = Replies {
    loaded: |generation, loaded, _| Action::PickerLoaded(generation, loaded),
    failed: Action::PickerFailed,
};

pub struct ListReader {
    requests: Sender<Request>,
    /// The reader's two connections' (a long walk is shared by both).
    interrupt: [InterruptHandle; 2],
    generation: u64,
    interrupted: Arc<AtomicU64>,
}

impl ListReader {
    /// Reads on a connection of its own to `path`, sending what it read to `outbox`
    /// as `replies` say.
    pub fn start(
        path: PathBuf,
        connect: &Connect,
        outbox: Sender<Event>,
        replies: Replies,
    ) -> Result<ListReader> {
        let store = connect(&path)?;
        let helper = connect(&path)?;
        let interrupt = [store.interrupt_handle(), helper.interrupt_handle()];
        let helper = Mutex::new(helper);
        let interrupted = Arc::new(AtomicU64::new(0));
        let counted = interrupted.clone();
        let (requests, inbox) = mpsc::channel::<Request>();
        std::thread::spawn(move || {
            while let Ok(mut request) = inbox.recv() {
                // Only the newest request matters.
                while let Ok(newer) = inbox.try_recv() {
                    request = newer;
                }
                let pages = Pages {
                    store: &store,
                    helper: Some(&helper),
                    application: request.application,
                    query: request.query,
                    height: request.height,
                };
                let read = pages
                    .fetch(request.load)
                    .and_then(|loaded| Ok((marks_of(&pages, &loaded, &request.marks)?, loaded)));
                let done = match read {
                    Ok((marks, loaded)) => (replies.loaded)(request.generation, loaded, marks),
                    Err(e) if e.is_interrupted() => {
                        counted.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    Err(e) => (replies.failed)(request.generation, e.to_string()),
                };
                if outbox.send(Event::Done(done)).is_err() {
                    return;
                }
            }
        });
        Ok(ListReader {
            requests,
            interrupt,
            generation: 0,
            interrupted,
        })
    }

    /// Asks for `load`, interrupting the query of any earlier request; returns the
    /// request's generation.
    pub fn request(
        &mut self,
        application: AppId,
        query: UserQuery,
        height: usize,
        load: Load,
        marks: MarksAsk,
    ) -> u64 {
        self.generation += 1;
        for interrupt in &self.interrupt {
            interrupt.interrupt();
        }
        let _ = self.requests.send(Request {
            generation: self.generation,
            application,
            query,
            height,
            load,
            marks,
        });
        self.generation
    }

    /// How many queries a newer request has interrupted so far.
    pub fn interrupted(&self) -> u64 {
        self.interrupted.load(Ordering::Relaxed)
    }
}

/// Which of the rows read are marked: one query for the page, never one per row.
fn marks_of(pages: &Pages, loaded: &Loaded, marks: &MarksAsk) -> Result<MarksRead> {
    let mut read = MarksRead {
        version: marks.version,
        ..MarksRead::default()
    };
    if let Some(settled) = marks.settle(pages.store, pages.application)? {
        let ids = loaded.ids();
        let store = pages.store;
        read.marked = store.marked_among(pages.application, &settled.selection, &ids)?;
        read.lifted = settled.lifted;
        read.through = settled.through;
    }
    Ok(read)
}
