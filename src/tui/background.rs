//! Threads that work for the console off its UI thread (reads, counts, writes,
//! hashing) run at a lower scheduling priority than the UI thread, so that on a busy
//! machine a key's frame does not wait for a core behind a count or a walk. Threads
//! they start (a split walk's helper) inherit it. Linux only; elsewhere they run as
//! they are.

use std::thread::JoinHandle;

/// How much nicer than the thread that starts it a background thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// What the screen waits for (pages, lookups, writes, hashing): +10, about a tenth
    /// of the UI thread's share of a busy core.
    Background = 10,
    /// Counts, which the screen shows when they come: +19, the lowest, so that a page a
    /// key asked for also wins the cores from a count still under way.
    Lowest = 19,
}

/// Runs `work` on a thread of its own named `name`, at `priority`.
pub fn spawn<T: Send + 'static>(
    name: &str,
    priority: Priority,
    work: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            lower_priority(priority);
            work()
        })
        .expect("start a thread")
}

/// Makes the calling thread `priority` nicer (up to the lowest priority, 19). A
/// failure leaves the priority as it was: the thread still works, only less politely.
#[cfg(target_os = "linux")]
fn lower_priority(priority: Priority) {
    // SAFETY: plain system calls on the calling thread's id, with no pointers.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        // On Linux PRIO_PROCESS with a thread id acts on that thread alone.
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (now + priority as i32).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_: Priority) {}
