//! The console's one channel of events: the terminal's input reader, the signal
//! watcher and every worker off the UI thread (match counts, password hashing) send
//! into it, and the loop
//! blocks on it (with a tick timeout) instead of polling.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::Sender;

use ratatui::crossterm::event;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::action::Action;
use super::background::{self, Priority};

pub enum Event {
    /// A key, mouse, paste or resize event, or the error that ended reading them.
    Terminal(std::io::Result<event::Event>),
    /// Work finished off the UI thread, as the action that applies it.
    Done(Action),
}

/// Reads the terminal's events on a thread of their own until the loop is gone.
pub fn read_terminal(outbox: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            let read = event::read();
            let failed = read.is_err();
            if outbox.send(Event::Terminal(read)).is_err() || failed {
                return;
            }
        }
    });
}

/// Turns SIGTERM, SIGHUP (the ssh connection dropped) and SIGINT into a
/// [`Action::Terminate`] on the channel, so the loop ends and the terminal guard
/// restores the terminal instead of the process dying with it broken.
pub fn watch_signals(outbox: Sender<Event>) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if outbox.send(Event::Done(Action::Terminate)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Runs `work` on a thread of its own and sends the action it yields; a worker that
/// panics sends `died` instead, so the screen never waits for it for ever.
pub fn spawn_worker(
    outbox: Sender<Event>,
    work: impl FnOnce() -> Action + Send + 'static,
    died: Action,
) {
    background::spawn("xusers-worker", Priority::Background, move || {
        let done = catch_unwind(AssertUnwindSafe(work)).unwrap_or(died);
        let _ = outbox.send(Event::Done(done));
    });
}
