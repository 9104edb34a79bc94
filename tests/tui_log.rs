//! The console's writes and errors reach the log too (they are logged by the store and
//! by the status line, not by the CLI).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::console::*;

/// A log writer into memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_consoles_changes_and_errors_are_logged() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .finish();
    let (deleted, invalidated, stale) = tracing::subscriber::with_default(subscriber, || {
        let (dir, mut app) = console(60, (120, 30));
        let deleted = selected_email(&app);
        keys(&mut app, "dy");
        let invalidated = selected_email(&app);
        keys(&mut app, "iy");
        // A user deleted by another process, then deleted here too.
        keys(&mut app, "j");
        let stale = selected_email(&app);
        let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
        let id = other.find_user(app.session.application.id, &stale).unwrap();
        other.delete_user(id).unwrap();
        keys(&mut app, "dy");
        (deleted, invalidated, stale)
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let has = |parts: &[&str]| {
        assert!(
            log.lines().any(|l| parts.iter().all(|p| l.contains(p))),
            "no line with {parts:?} in:\n{log}"
        )
    };
    has(&["INFO", "delete users", "app=\"default\"", &deleted]);
    has(&["INFO", "invalidate tokens", "app=\"default\"", &invalidated]);
    has(&["WARN", "console: no such user", "app=\"default\"", &stale]);
}
