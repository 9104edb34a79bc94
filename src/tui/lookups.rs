//! The reads the screens need besides the lists' pages and the group tree — what the
//! user form opens with, the devices a ticked group reaches, the audit pane's pages, a
//! user's history, whether a group is still there — through one query worker of
//! their own, a lane for each kind of read. What was read arrives as
//! `Action::Looked`; each screen keeps the generation it awaits and drops any other.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::action::Action;
use super::events::Event;
use super::looked::Looked;
use super::query_worker::Connect;
use super::query_worker::{Lane, QueryWorker, Reply};
use crate::store::{Location, Result, Store};

pub struct Lookups {
    worker: QueryWorker,
}

impl Lookups {
    /// Reads on a connection of its own to `path`, sending what it found to `outbox`.
    pub fn start(location: &Location, connect: &Connect, outbox: Sender<Event>) -> Result<Lookups> {
        let worker = QueryWorker::start(location, connect, outbox, Duration::ZERO)?;
        Ok(Lookups { worker })
    }

    /// Asks for `read` in `lane`, superseding the lane's earlier lookup; returns its
    /// generation.
    pub fn ask(
        &mut self,
        lane: Lane,
        read: impl Fn(&Store) -> Result<Looked> + Send + 'static,
    ) -> u64 {
        let work = Box::new(move |store: &Store, reply: &Reply| {
            let found = read(store)?;
            reply.send(Action::Looked(reply.generation(), Ok(found)));
            Ok(())
        });
        let failed = |generation, why| Action::Looked(generation, Err(why));
        self.worker.request(lane, work, Some(failed))
    }
}
