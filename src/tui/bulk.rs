//! Bulk work on the marked users, off the UI thread, on a connection of its own: first
//! how many users a job would touch and a few of their emails (for the one dialog that
//! asks), then the job itself — one transaction, reporting its progress on the
//! console's one channel and stopping, rolled back, when its cancel flag is set.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use indicatif::HumanCount;

use super::action::Action;
use super::events::Event;
use super::reader::Connect;
use crate::store::{Actor, AppId, BulkAction, BulkProgress, Selection, Source, Store, StoreError};

/// Emails a bulk dialog names.
pub const SAMPLE: usize = 2;

/// The file formats the marked users export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// What a bulk job does to the marked users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Change(BulkAction),
    /// Write them to `path` (which exists, and is replaced, when `replace`).
    Export {
        path: PathBuf,
        format: ExportFormat,
        replace: bool,
    },
}

impl Job {
    /// Whether it changes the database (refused when read-only).
    pub fn writes(&self) -> bool {
        matches!(self, Job::Change(_))
    }

    /// What the progress bar says it does.
    pub fn doing(&self) -> &'static str {
        match self {
            Job::Change(BulkAction::Delete) => "Deleting",
            Job::Change(BulkAction::InvalidateTokens) => "Invalidating tokens of",
            Job::Change(BulkAction::AddToGroup(_)) => "Adding to the group",
            Job::Change(BulkAction::RemoveFromGroup(_)) => "Removing from the group",
            Job::Change(BulkAction::SetTag { .. }) => "Tagging",
            Job::Change(BulkAction::RemoveTag(_)) => "Untagging",
            Job::Export { .. } => "Exporting",
        }
    }

    /// The status line once it is done.
    fn done(&self, changed: u64) -> String {
        let n = users(changed);
        match self {
            Job::Change(BulkAction::Delete) => format!("Deleted {n}"),
            Job::Change(BulkAction::InvalidateTokens) => {
                format!("Invalidated the tokens of {n}: they must log in again")
            }
            Job::Change(BulkAction::AddToGroup(group)) => format!("Added {n} to {group}"),
            Job::Change(BulkAction::RemoveFromGroup(group)) => {
                format!("Removed {n} from {group}")
            }
            Job::Change(BulkAction::SetTag { key, value }) => {
                format!("Tagged {n} with {}={value}", key.as_str())
            }
            Job::Change(BulkAction::RemoveTag(key)) => {
                format!("Removed tag {} from {n}", key.as_str())
            }
            Job::Export { path, .. } => format!("Exported {n} to {}", path.display()),
        }
    }
}

/// "1 user", "1,234 users".
pub fn users(n: u64) -> String {
    match n {
        1 => "1 user".into(),
        n => format!("{} users", HumanCount(n)),
    }
}

/// What the bulk worker sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkEvent {
    /// The job would touch `count` users, the first of them these: ask before running.
    Ready {
        job: Job,
        selection: Arc<Selection>,
        count: u64,
        sample: Vec<String>,
    },
    /// The application's groups, to pick one to add the marked users to (`adding`) or
    /// remove them from.
    Groups { adding: bool, groups: Vec<String> },
    /// The job runs: so far `done` of `total`.
    Progress(BulkProgress),
    /// The job ended: the status line, and whether every change was made (else none
    /// was).
    Finished { message: String, done: bool },
}

enum Request {
    Groups {
        application: AppId,
        adding: bool,
    },
    Prepare {
        application: AppId,
        selection: Arc<Selection>,
        job: Job,
    },
    Run {
        application: AppId,
        selection: Arc<Selection>,
        job: Job,
        cancel: Arc<AtomicBool>,
    },
}

pub struct BulkWorker {
    requests: Sender<Request>,
}

/// A job under way, as the console shows it.
#[derive(Debug)]
pub struct Running {
    pub job: Job,
    pub progress: BulkProgress,
    /// How long it had run when `progress` came.
    pub elapsed: Duration,
    pub started: Instant,
    cancel: Arc<AtomicBool>,
}

impl Running {
    /// Asks the job to stop; the store rolls it back.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    pub fn cancelling(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    pub fn progressed(&mut self, progress: BulkProgress) {
        self.progress = progress;
        self.elapsed = self.started.elapsed();
    }

    /// Users per second so far, once there is a rate to tell.
    pub fn rate(&self) -> Option<f64> {
        let seconds = self.elapsed.as_secs_f64();
        (self.progress.done > 0 && seconds > 0.0).then(|| self.progress.done as f64 / seconds)
    }

    /// How long the rest should take at the rate so far.
    pub fn time_left(&self) -> Option<Duration> {
        let left = self.progress.total.saturating_sub(self.progress.done);
        self.rate()
            .map(|rate| Duration::from_secs_f64(left as f64 / rate))
    }
}

impl BulkWorker {
    /// Works through a connection to `path`, opened at the first request, recording
    /// `actor` in the audit log.
    pub fn start(
        path: PathBuf,
        connect: Connect,
        actor: Actor,
        outbox: Sender<Event>,
    ) -> BulkWorker {
        let (requests, inbox) = mpsc::channel::<Request>();
        let log = tracing::dispatcher::get_default(|log| log.clone());
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&log, || {
                let mut store: Option<Store> = None;
                while let Ok(request) = inbox.recv() {
                    let opened = match store.take() {
                        Some(opened) => Ok(opened),
                        None => connect(&path).map(|mut opened| {
                            opened.set_actor(actor.clone());
                            opened
                        }),
                    };
                    let event = match opened {
                        Ok(mut opened) => {
                            let event = work(&mut opened, request, &outbox);
                            store = Some(opened);
                            event
                        }
                        Err(e) => failed(e),
                    };
                    if outbox.send(Event::Done(Action::Bulk(event))).is_err() {
                        return;
                    }
                }
            })
        });
        BulkWorker { requests }
    }

    /// Asks for the application's groups, to pick one from.
    pub fn groups(&self, application: AppId, adding: bool) {
        let _ = self.requests.send(Request::Groups {
            application,
            adding,
        });
    }

    /// Asks how many users `job` would touch, and who the first are.
    pub fn prepare(&self, application: AppId, selection: Arc<Selection>, job: Job) {
        let _ = self.requests.send(Request::Prepare {
            application,
            selection,
            job,
        });
    }

    /// Runs `job`; returns what the console shows while it runs.
    pub fn run(&self, application: AppId, selection: Arc<Selection>, job: Job) -> Running {
        let cancel = Arc::new(AtomicBool::new(false));
        let _ = self.requests.send(Request::Run {
            application,
            selection,
            job: job.clone(),
            cancel: cancel.clone(),
        });
        Running {
            job,
            progress: BulkProgress { done: 0, total: 0 },
            elapsed: Duration::ZERO,
            started: Instant::now(),
            cancel,
        }
    }
}

fn work(store: &mut Store, request: Request, outbox: &Sender<Event>) -> BulkEvent {
    match request {
        Request::Groups {
            application,
            adding,
        } => match store.groups(application) {
            Ok(groups) => BulkEvent::Groups {
                adding,
                groups: groups.into_iter().map(|g| g.name).collect(),
            },
            Err(e) => failed(e),
        },
        Request::Prepare {
            application,
            selection,
            job,
        } => {
            let asked = store
                .selection_count(application, &selection)
                .and_then(|count| {
                    let sample = store.selection_sample(application, &selection, SAMPLE)?;
                    Ok((count, sample))
                });
            match asked {
                Ok((count, sample)) => BulkEvent::Ready {
                    job,
                    selection,
                    count,
                    sample,
                },
                Err(e) => failed(e),
            }
        }
        Request::Run {
            application,
            selection,
            job,
            cancel,
        } => {
            let Job::Change(action) = &job else {
                todo!("export: waits for bulk-store's API")
            };
            let mut progress = |p: BulkProgress| {
                let _ = outbox.send(Event::Done(Action::Bulk(BulkEvent::Progress(p))));
            };
            let source = Source::Console;
            let outcome = store.bulk(
                application,
                &selection,
                action,
                source,
                &mut progress,
                &cancel,
            );
            match outcome {
                Ok(outcome) => BulkEvent::Finished {
                    message: job.done(outcome.changed),
                    done: true,
                },
                Err(StoreError::Cancelled) => BulkEvent::Finished {
                    message: "Cancelled: nothing was changed".into(),
                    done: false,
                },
                Err(e) => failed(e),
            }
        }
    }
}

fn failed(e: StoreError) -> BulkEvent {
    BulkEvent::Finished {
        message: format!("{e}; nothing was changed"),
        done: false,
    }
}
