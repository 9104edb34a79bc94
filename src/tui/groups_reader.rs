//! Reading the group tree on a connection of its own, off the UI thread: first the
//! tree with its kept counts and the devices (a few hundred rows at most, so the pane
//! shows at once), then each group's members including its subgroups, which takes a
//! pass over every membership and so arrives later. A newer request interrupts the one
//! in progress; both results carry the request's generation.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};

use rusqlite::InterruptHandle;

use super::action::Action;
use super::events::Event;
use super::reader::Connect;
use super::screens::groups::tree::GroupTree;
use crate::store::{AppId, Result, Store};

pub struct GroupsReader {
    requests: Sender<(u64, AppId)>,
    interrupt: InterruptHandle,
    generation: u64,
    /// The newest generation asked for, which the worker checks between its reads.
    newest: Arc<AtomicU64>,
}

impl GroupsReader {
    /// Reads on a connection of its own to `path`, sending what it read to `outbox`.
    pub fn start(path: &Path, connect: &Connect, outbox: Sender<Event>) -> Result<GroupsReader> {
        let store = connect(path)?;
        let interrupt = store.interrupt_handle();
        let (requests, inbox) = mpsc::channel::<(u64, AppId)>();
        let newest = Arc::new(AtomicU64::new(0));
        let asked = newest.clone();
        std::thread::spawn(move || {
            while let Ok(mut request) = inbox.recv() {
                while let Ok(newer) = inbox.try_recv() {
                    request = newer;
                }
                let (generation, application) = request;
                for done in [read_tree, read_counts] {
                    // A newer request that came between two reads (when there was no
                    // query to interrupt) supersedes the rest of this one.
                    if asked.load(Ordering::SeqCst) != generation {
                        break;
                    }
                    let action = match done(&store, generation, application) {
                        Ok(action) => action,
                        Err(e) if e.is_interrupted() => break,
                        Err(e) => Action::GroupsFailed(generation, e.to_string()),
                    };
                    let failed = matches!(action, Action::GroupsFailed(..));
                    if outbox.send(Event::Done(action)).is_err() {
                        return;
                    }
                    if failed {
                        break;
                    }
                }
            }
        });
        Ok(GroupsReader {
            requests,
            interrupt,
            generation: 0,
            newest,
        })
    }

    /// Asks for the tree of `application`, abandoning any earlier request; returns
    /// its generation.
    pub fn request(&mut self, application: AppId) -> u64 {
        self.generation += 1;
        self.newest.store(self.generation, Ordering::SeqCst);
        self.interrupt.interrupt();
        let _ = self.requests.send((self.generation, application));
        self.generation
    }
}

fn read_tree(store: &Store, generation: u64, application: AppId) -> Result<Action> {
    let tree = GroupTree {
        groups: store.group_summaries(application)?,
        devices: store.devices(application)?,
    };
    Ok(Action::GroupsLoaded(generation, tree))
}

fn read_counts(store: &Store, generation: u64, application: AppId) -> Result<Action> {
    let counts = store.members_with_subgroups(application)?;
    Ok(Action::GroupsCounted(generation, counts))
}
