//! The console's one channel of events: the terminal's input reader and every worker
//! off the UI thread (match counts, password hashing) send into it, and the loop
//! blocks on it (with a tick timeout) instead of polling.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::Sender;

use ratatui::crossterm::event;

use super::action::Action;

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

/// Runs `work` on a thread of its own and sends the action it yields; a worker that
/// panics sends `died` instead, so the screen never waits for it for ever.
pub fn spawn_worker(
    outbox: Sender<Event>,
    work: impl FnOnce() -> Action + Send + 'static,
    died: Action,
) {
    std::thread::spawn(move || {
        let done = catch_unwind(AssertUnwindSafe(work)).unwrap_or(died);
        let _ = outbox.send(Event::Done(done));
    });
}
