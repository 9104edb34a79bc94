//! Threads that work for the console off its UI thread (reads, counts, writes,
//! hashing) run at a lower scheduling priority than the UI thread, so that on a busy
//! machine a key's frame does not wait for a core behind a count or a walk. Threads
//! they start (a split walk's helper) inherit it. Linux only; elsewhere they run as
//! they are.

use std::thread::JoinHandle;

/// How much nicer than the thread that starts it a background thread runs: at nice
/// +10 the scheduler gives it about a tenth of the share of the UI thread.
pub const NICER_BY: i32 = 10;

/// Runs `work` on a thread of its own named `name`, at background priority.
pub fn spawn<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            lower_priority();
            work()
        })
        .expect("start a thread")
}

/// Makes the calling thread `NICER_BY` nicer (up to the lowest priority, 19). A
/// failure leaves the priority as it was: the thread still works, only less politely.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on the calling thread's id, with no pointers.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        // On Linux PRIO_PROCESS with a thread id acts on that thread alone.
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (now + NICER_BY).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
