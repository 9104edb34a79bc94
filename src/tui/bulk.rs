//! Bulk work on the marked users, off the UI thread, on a connection of its own: first
//! how many users a job would touch and a few of their emails (for the one dialog that
//! asks), then the job itself — one transaction, reporting its progress on the
//! console's one channel and stopping, rolled back, when its cancel flag is set. An
//! export of the marked users runs the same way.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use super::action::Action;
use super::background::{self, Priority};
use super::events::Event;
use super::job::{BulkEvent, Job};
use super::query_worker::Connect;
use super::screens::list::marks::MarksAsk;
use crate::export::{ExportOptions, FileFormat, write_users};
use crate::private_file;
use crate::store::{
    Actor, AppId, Application, BulkProgress, Location, Selection, Sort, Source, Store, StoreError,
};

/// Emails a bulk dialog names.
pub const SAMPLE: usize = 2;

enum Request {
    Groups {
        application: AppId,
        adding: bool,
    },
    Prepare {
        application: AppId,
        marks: MarksAsk,
        job: Job,
    },
    Run {
        application: Application,
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
    /// Works through a connection to `location`, opened at the first request, recording
    /// `actor` in the audit log.
    pub fn start(
        location: Location,
        connect: Connect,
        actor: Actor,
        outbox: Sender<Event>,
    ) -> BulkWorker {
        let (requests, inbox) = mpsc::channel::<Request>();
        let log = tracing::dispatcher::get_default(|log| log.clone());
        background::spawn("xusers-bulk", Priority::Background, move || {
            tracing::dispatcher::with_default(&log, || {
                let mut store: Option<Store> = None;
                while let Ok(request) = inbox.recv() {
                    let opened = match store.take() {
                        Some(opened) => Ok(opened),
                        None => connect(&location).map(|mut opened| {
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
    pub fn prepare(&self, application: AppId, marks: MarksAsk, job: Job) {
        let _ = self.requests.send(Request::Prepare {
            application,
            marks,
            job,
        });
    }

    /// Runs `job`; returns what the console shows while it runs.
    pub fn run(&self, application: Application, selection: Arc<Selection>, job: Job) -> Running {
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
            marks,
            job,
        } => {
            let asked = marks.settle(store, application).and_then(|settled| {
                let selection = settled.map(|s| s.selection).unwrap_or_default();
                let count = store.selection_count(application, &selection)?;
                let concerned = match &job {
                    Job::Change(action) => store.bulk_concerned(application, &selection, action)?,
                    Job::Export { .. } => None,
                };
                // The users named are those the job changes.
                let sample = match (&job, concerned) {
                    (Job::Change(action), Some(k)) if k < count => store
                        .bulk_concerned_sample(application, &selection, action, SAMPLE)?
                        .unwrap_or_default(),
                    _ => store.selection_sample(application, &selection, SAMPLE)?,
                };
                Ok((selection, count, sample, concerned))
            });
            match asked {
                Ok((selection, count, sample, concerned)) => BulkEvent::Ready {
                    job,
                    selection,
                    count,
                    sample,
                    concerned,
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
            let mut progress = |p: BulkProgress| {
                let _ = outbox.send(Event::Done(Action::Bulk(BulkEvent::Progress(p))));
            };
            let action = match &job {
                Job::Change(action) => action,
                Job::Export {
                    path,
                    format,
                    replace,
                } => {
                    let to = Export {
                        path,
                        format: *format,
                        replace: *replace,
                    };
                    let exported =
                        to.write(store, &application, &selection, &mut progress, &cancel);
                    return match exported {
                        Ok(n) => BulkEvent::Finished {
                            message: job.done(n),
                            done: true,
                        },
                        Err(_) if cancel.load(Ordering::SeqCst) => BulkEvent::Finished {
                            message: "Cancelled: nothing was written".into(),
                            done: false,
                        },
                        Err(why) => BulkEvent::Finished {
                            message: format!("{why}; nothing was written"),
                            done: false,
                        },
                    };
                }
            };
            let source = Source::Console;
            let outcome = store.bulk(
                application.id,
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

/// An export of the marked users to a file.
struct Export<'a> {
    path: &'a Path,
    format: FileFormat,
    /// The administrator agreed to replace the file there.
    replace: bool,
}

impl Export<'_> {
    /// Writes the users to a file of its own beside `path` (owner-only: it holds
    /// personal data), which takes `path`'s place only once whole: a cancel or a
    /// failure leaves whatever was at `path` as it was.
    fn write(
        &self,
        store: &Store,
        application: &Application,
        selection: &Selection,
        progress: &mut dyn FnMut(BulkProgress),
        cancel: &AtomicBool,
    ) -> Result<u64, String> {
        let total = store
            .selection_count(application.id, selection)
            .map_err(|e| e.to_string())?;
        progress(BulkProgress { done: 0, total });
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let part = self
            .path
            .with_file_name(format!(".{name}.{}.part", std::process::id()));
        let file = private_file::create(&part)
            .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
        let out = Cancellable {
            inner: std::io::BufWriter::new(file),
            cancel,
        };
        let options = ExportOptions {
            format: self.format,
            sort: Sort::default(),
            with_password_hashes: false,
        };
        let mut written = |done| progress(BulkProgress { done, total });
        let result = write_users(store, application, selection, options, out, &mut written)
            .map_err(|e| e.to_string())
            .and_then(|n| {
                if !self.replace && self.path.exists() {
                    return Err(format!("{} appeared meanwhile", self.path.display()));
                }
                std::fs::rename(&part, self.path).map_err(|e| e.to_string())?;
                Ok(n)
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        result
    }
}

/// A writer that fails once `cancel` is set, so an export stops at its next write.
struct Cancellable<'a, W> {
    inner: W,
    cancel: &'a AtomicBool,
}

impl<W: Write> Write for Cancellable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancel.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("cancelled"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn failed(e: StoreError) -> BulkEvent {
    BulkEvent::Finished {
        message: format!("{e}; nothing was changed"),
        done: false,
    }
}
