//! A signal ends the console through its one channel, so the loop stops and the
//! terminal guard restores the terminal. A binary of its own: signals reach the whole
//! process.

mod common;

use std::time::Duration;

use common::console::*;
use ratatui::crossterm::event::KeyCode;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use xusers::tui::events::watch_signals;
use xusers::tui::step;

#[test]
fn sigterm_sighup_and_sigint_quit_through_the_loops_own_path_even_with_unsaved_edits() {
    for signal in [SIGTERM, SIGHUP, SIGINT] {
        let (_d, mut app) = console(5, (80, 24));
        watch_signals(app.outbox()).unwrap();
        // Unsaved edits make `q` ask first; a signal must not wait for an answer.
        keys(&mut app, "a");
        type_text(&mut app, "someone@x.io");
        assert!(app.form.as_ref().unwrap().is_dirty());
        key(&mut app, KeyCode::Tab);
        signal_hook::low_level::raise(signal).unwrap();
        let event = app.next_event(Duration::from_secs(10));
        assert!(
            event.is_some(),
            "signal {signal} sent nothing on the channel"
        );
        step(&mut app, event).unwrap();
        assert!(app.quit, "signal {signal} did not quit");
    }
}
