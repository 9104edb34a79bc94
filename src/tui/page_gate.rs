//! The first page before the count: the machine may have no more cores than a split
//! page walk uses (src/store/walk.rs), and a count run beside it takes one of them
//! from the page the keystroke waits for. The list reader says when it is asked for a
//! page and when it has read it; the counter waits for the newest page asked for, a
//! bounded time, before it counts.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct PageGate {
    /// (pages asked for, newest of them read or given up), in the order asked.
    pages: Mutex<(u64, u64)>,
    changed: Condvar,
}

impl PageGate {
    /// A page is asked for: returns its ticket, for [`PageGate::read`].
    pub fn ask(&self) -> u64 {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        pages.0 += 1;
        pages.0
    }

    /// The page of `ticket` was read, or failed: every page asked for before it is
    /// behind us too (a newer page supersedes an older one, which may never run).
    pub fn read(&self, ticket: u64) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        pages.1 = pages.1.max(ticket);
        self.changed.notify_all();
    }

    /// Waits until no page asked for is still being read, at most `longest`; returns
    /// whether none is.
    pub fn wait_for_pages(&self, longest: Duration) -> bool {
        let deadline = Instant::now() + longest;
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        while pages.1 < pages.0 {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            pages = (self.changed.wait_timeout(pages, left))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_wait_ends_when_the_newest_page_is_read_and_not_before() {
        let gate = Arc::new(PageGate::default());
        assert!(gate.wait_for_pages(Duration::ZERO), "no page asked for");
        let older = gate.ask();
        let newer = gate.ask();
        gate.read(older);
        assert!(
            !gate.wait_for_pages(Duration::from_millis(20)),
            "the newer page is still being read"
        );
        let reader = gate.clone();
        let read = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            reader.read(newer);
        });
        let start = Instant::now();
        assert!(gate.wait_for_pages(Duration::from_secs(30)));
        assert!(start.elapsed() >= Duration::from_millis(40));
        read.join().unwrap();
    }

    #[test]
    fn the_newest_page_read_releases_the_older_ones_it_superseded() {
        let gate = PageGate::default();
        let _skipped = gate.ask();
        let newest = gate.ask();
        gate.read(newest);
        assert!(gate.wait_for_pages(Duration::ZERO));
    }
}
