//! Reading the group tree through a query worker of its own, off the UI thread: the
//! tree with its kept counts and the devices (a few hundred rows at most, so the pane
//! shows at once). A newer request interrupts the one in progress; the result carries
//! the request's generation.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::action::Action;
use super::events::Event;
use super::query_worker::{Connect, QueryWorker, Reply};
use super::screens::groups::tree::GroupTree;
use crate::store::{AppId, Location, Result, Store};

/// The reader's one lane: a newer tree supersedes an older one.
const TREE: &str = "tree";

pub struct GroupsReader {
    worker: QueryWorker,
}

impl GroupsReader {
    /// Reads on a connection of its own to `path`, sending what it read to `outbox`.
    pub fn start(
        location: &Location,
        connect: &Connect,
        outbox: Sender<Event>,
    ) -> Result<GroupsReader> {
        let worker = QueryWorker::start(location, connect, outbox, Duration::ZERO)?;
        Ok(GroupsReader { worker })
    }

    /// Asks for the tree of `application`, abandoning any earlier request; returns
    /// its generation.
    pub fn request(&mut self, application: AppId) -> u64 {
        let work = Box::new(move |store: &Store, reply: &Reply| {
            let tree = GroupTree {
                groups: store.group_summaries(application)?,
                devices: store.devices(application)?,
            };
            reply.send(Action::GroupsLoaded(reply.generation(), tree));
            Ok(())
        });
        self.worker.request(TREE, work, Some(Action::GroupsFailed))
    }
}
