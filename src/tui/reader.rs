//! Reading the user list's (or the picker's) pages through a query worker of its own,
//! off the UI thread: a keystroke never waits for SQLite. A newer request interrupts
//! the query still running for an older one, and only the newest waiting request is
//! read. What was read arrives on the console's one channel as `Action::Loaded` (or
//! `Action::PickerLoaded`). A second connection shares the long index walks that some
//! filtered pages take (src/store/walk.rs), so they use both cores; the list's
//! reader tells the counter, through a [`PageGate`], when its pages are read.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::InterruptHandle;

use super::action::Action;
use super::events::Event;
use super::page_gate::PageGate;
use super::query_worker::{Connect, QueryWorker, Reply};
use super::screens::list::marks::{MarksAsk, MarksRead};
use super::screens::list::rows::{Load, Loaded, Pages};
use crate::store::{AppId, Location, Result, Store, UserQuery};

/// The reader's one lane: a newer page supersedes an older one.
const PAGES: &str = "pages";

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
    worker: QueryWorker,
    replies: Replies,
    /// The second connection a long walk is shared with, and its interrupt.
    helper: Arc<Mutex<Store>>,
    helper_interrupt: InterruptHandle,
    /// Told of each page asked for and read (the list's reader only).
    gate: Option<Arc<PageGate>>,
}

impl ListReader {
    /// Reads on a connection of its own to `location`, sending what it read to `outbox`
    /// as `replies` say, and telling `gate` of its pages.
    pub fn start(
        location: Location,
        connect: &Connect,
        outbox: Sender<Event>,
        replies: Replies,
        gate: Option<Arc<PageGate>>,
    ) -> Result<ListReader> {
        let plain = connect.clone();
        let for_pages: Connect = Arc::new(move |location| {
            let store = plain(location)?;
            store.plan_for_pages()?;
            Ok(store)
        });
        let worker = QueryWorker::start(&location, &for_pages, outbox, Duration::ZERO)?;
        let helper = for_pages(&location)?;
        let helper_interrupt = helper.helper_interrupt_handle();
        Ok(ListReader {
            worker,
            replies,
            helper: Arc::new(Mutex::new(helper)),
            helper_interrupt,
            gate,
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
        let loaded = self.replies.loaded;
        let helper = self.helper.clone();
        // The helper works only for this reader's one lane: its part of a superseded
        // walk stops too.
        self.helper_interrupt.interrupt();
        let gate = self.gate.clone();
        let ticket = gate.as_ref().map(|gate| gate.ask());
        let work = Box::new(move |store: &Store, reply: &Reply| {
            let pages = Pages {
                store,
                helper: Some(&helper),
                application,
                query: query.clone(),
                height,
            };
            let read = pages.fetch(load.clone()).and_then(|read| {
                let marked = marks_of(&pages, &read, &marks)?;
                reply.send(loaded(reply.generation(), read, marked));
                Ok(())
            });
            if let (Some(gate), Some(ticket)) = (&gate, ticket) {
                gate.read(ticket);
            }
            read
        });
        self.worker.request(PAGES, work, Some(self.replies.failed))
    }

    /// How many queries a newer request has interrupted so far.
    pub fn interrupted(&self) -> u64 {
        self.worker.interrupted()
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
