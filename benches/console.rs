//! The console at scale: drives the real `App` with key events, draws every frame
//! into a 160×48 `TestBackend`, and prints `metric <name> <value> <unit>` lines.
//!
//!     cargo bench --bench console                          # 1,000,000 users
//!     XUSERS_BENCH_USERS=10000 cargo bench --bench console  # CI-sized
//!
//! The dataset is made once by the real binary (`xusers demo --users N`) and kept
//! under target/ for later runs.
//!
//! Filter cases include the hardest a user can type: one- and two-letter terms that
//! match little or nothing, a tag one user in six carries (alone and with text), a
//! tag key half the users carry; keys come every 30 ms without waiting for counts.
//! `first_page` is key → new rows ready (the page is read on the UI thread here:
//! what the store gives a keystroke); `count` is key → match count, for the last key
//! of each term (earlier ones are abandoned by the next key, as in the console).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use xusers::store::{Page, Store, UserQuery, unix_now};
use xusers::tui::app::App;
use xusers::tui::events::Event;
use xusers::tui::theme::Theme;
use xusers::tui::update::update;
use xusers::tui::{action_for_key, views};

const SIZE: (u16, u16) = (160, 48);
/// How fast the benchmark types into the filter.
const KEY_INTERVAL: Duration = Duration::from_millis(30);
/// Times each filter case is typed.
const ROUNDS: usize = 12;

struct Console {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Console {
    fn draw(&mut self) {
        let app = &self.app;
        self.terminal.draw(|f| views::view(app, f)).unwrap();
    }

    /// One key press → updated frame; returns how long that took.
    fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Duration {
        let start = Instant::now();
        if let Some(action) = action_for_key(&self.app, KeyEvent::new(code, modifiers)) {
            update(&mut self.app, action);
        }
        self.draw();
        start.elapsed()
    }

    fn key(&mut self, code: KeyCode) -> Duration {
        self.press(code, KeyModifiers::NONE)
    }

    fn char(&mut self, c: char) -> Duration {
        self.key(KeyCode::Char(c))
    }

    /// Applies whatever finished off the UI thread until `deadline`, as the event loop
    /// does between keys.
    fn settle_until(&mut self, deadline: Instant) {
        loop {
            while let Some(event) = self.app.next_event(Duration::ZERO) {
                if let Event::Done(done) = event {
                    update(&mut self.app, done);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(2)));
        }
    }

    /// Waits for the pending match count; returns whether one arrived.
    fn await_count(&mut self) -> bool {
        while self.app.browse.count_pending.is_some() {
            match self.app.next_event(Duration::from_secs(30)) {
                Some(Event::Done(done)) => update(&mut self.app, done),
                _ => return false,
            }
        }
        true
    }
}

fn dataset(users: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("bench-{users}.db"));
    if !path.exists() {
        let partial = dir.join(format!("bench-{users}.partial.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
        }
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_xusers"))
            .arg("--db")
            .arg(&partial)
            .args(["demo", "--users", &users.to_string()])
            .status()
            .expect("run xusers demo");
        assert!(status.success(), "seeding failed");
        metric("seed", start.elapsed().as_secs_f64(), "s");
        // Checkpoint the WAL into the file before it is renamed.
        drop(Store::open(&partial).expect("reopen"));
        std::fs::rename(&partial, &path).expect("keep the dataset");
    }
    path
}

/// Opens the database and draws the first frame; returns the console and how long
/// that took in milliseconds.
fn open_console(path: &std::path::Path) -> (Console, f64) {
    let start = Instant::now();
    let mut store = Store::open(path).unwrap();
    let application = store.application("default").unwrap();
    let app = App::new(
        store,
        application,
        "bench".into(),
        SIZE,
        unix_now(),
        Theme::color(),
    )
    .unwrap();
    let mut console = Console {
        app,
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap(),
    };
    console.draw();
    (console, ms(start.elapsed()))
}

/// Empties the OS page cache (needs root and a writable /proc/sys).
fn drop_page_cache() -> std::io::Result<()> {
    std::process::Command::new("sync").status()?;
    std::fs::write("/proc/sys/vm/drop_caches", "3")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn metric(name: &str, value: f64, unit: &str) {
    println!("metric {name} {value:.3} {unit}");
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    ms(samples[i])
}

fn report(name: &str, samples: &mut [Duration]) {
    assert!(
        samples.len() >= 200,
        "{name}: only {} samples",
        samples.len()
    );
    metric(&format!("{name}_p50"), percentile(samples, 0.50), "ms");
    metric(&format!("{name}_p99"), percentile(samples, 0.99), "ms");
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A five-letter piece of one user's email that few others share.
fn rare_term(store: &Store, app: xusers::store::AppId) -> String {
    let last = store
        .list_users(app, &UserQuery::default(), &Page::Last(1))
        .unwrap();
    let email = &last[0].email;
    let at = email.find('@').unwrap();
    email[at.saturating_sub(4)..=at].to_string()
}

fn main() {
    let users: u64 = std::env::var("XUSERS_BENCH_USERS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let path = dataset(users);
    println!("# {users} users in {}", path.display());

    match drop_page_cache() {
        Ok(()) => {
            let (_, took) = open_console(&path);
            metric("open_first_frame_cold", took, "ms");
        }
        Err(why) => println!("# cold open skipped: cannot drop the page cache ({why})"),
    }
    let (mut console, took) = open_console(&path);
    metric("open_first_frame", took, "ms");
    let app_id = console.app.session.application.id;

    let mut nav = Vec::new();
    for i in 0..400 {
        let code = match i % 10 {
            0..=4 => KeyCode::Down,
            5..=7 => KeyCode::PageDown,
            8 => KeyCode::End,
            _ => KeyCode::Home,
        };
        nav.push(console.key(code));
    }
    for _ in 0..50 {
        nav.push(console.key(KeyCode::End));
        nav.push(console.key(KeyCode::PageUp));
        nav.push(console.key(KeyCode::Up));
    }
    report("nav", &mut nav);

    let mut panes = Vec::new();
    for i in 0..300 {
        panes.push(console.char(['2', '3', '1'][i % 3]));
    }
    report("pane_switch", &mut panes);

    let mut sorts = Vec::new();
    for i in 0..250 {
        sorts.push(console.char(if i % 5 == 4 { 'S' } else { 's' }));
    }
    report("sort", &mut sorts);
    while console.app.browse.sort != Default::default() {
        console.char('s');
    }

    let rare = rare_term(&console.app.session.store, app_id);
    println!("# rare term: {rare}");
    let cases = [
        "q",
        "qz",
        "xj",
        "ali",
        "@acme",
        rare.as_str(),
        "smith ali",
        "tag:ext_0042=v17",
        "tag:plan=pro",
        "tag:plan=pro smi",
        "tag:locale",
    ];
    let mut pages: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut counts: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for round in 0..ROUNDS {
        for (case, term) in cases.iter().enumerate() {
            console.char('/');
            let mut typed = Instant::now();
            for c in term.chars() {
                // Keys come every 30 ms whatever is still pending.
                console.settle_until(typed + KEY_INTERVAL);
                typed = Instant::now();
                let page = console.char(c);
                pages[case].push(page);
                if round == 0 {
                    println!("# filter {term:?} {c:?}: first page {:.1} ms", ms(page));
                }
            }
            assert!(console.await_count(), "a count for {term}");
            counts[case].push(typed.elapsed());
            console.key(KeyCode::Esc);
        }
    }
    for (case, term) in cases.iter().enumerate() {
        let name = format!("filter {term:?}");
        println!(
            "# {name:<26} first_page p50 {:6.1} p99 {:6.1} ms · count p50 {:6.1} p99 {:6.1} ms",
            percentile(&mut pages[case], 0.50),
            percentile(&mut pages[case], 0.99),
            percentile(&mut counts[case], 0.50),
            percentile(&mut counts[case], 0.99),
        );
    }
    let mut all_pages: Vec<Duration> = pages.concat();
    let mut all_counts: Vec<Duration> = counts.concat();
    let worst = |samples: &mut [Vec<Duration>]| {
        samples
            .iter_mut()
            .map(|s| percentile(s, 0.99))
            .fold(0.0, f64::max)
    };
    report("first_page", &mut all_pages);
    metric("first_page_worst_case_p99", worst(&mut pages), "ms");
    metric("count_p99", percentile(&mut all_counts, 0.99), "ms");
    metric("count_worst_case_p99", worst(&mut counts), "ms");

    console.char('a');
    for _ in 0..5 {
        console.key(KeyCode::Tab);
    }
    let mut suggest = Vec::new();
    while suggest.len() < 200 {
        for word in ["ext_00", "phon", "ext_9", "plan"] {
            for c in word.chars() {
                suggest.push(console.char(c));
            }
            console.press(KeyCode::Char('u'), KeyModifiers::CONTROL);
        }
    }
    report("suggest", &mut suggest);
    console.key(KeyCode::Esc);

    // The console's own figure, before the tokens below fill the page cache.
    metric("peak_rss", peak_rss_mb(), "MB");

    let store = &mut console.app.session.store;
    let start = Instant::now();
    let issued = store.insert_seed_tokens(app_id, bench_token).unwrap();
    println!(
        "# {issued} live tokens issued in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    // Tokens drawn at random: half of them live, half never issued.
    let mut rng = fastrand::Rng::with_seed(7);
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..1000 {
            let n = rng.u64(0..2 * issued);
            let found = store.authenticate(app_id, &bench_token(n)).is_ok();
            assert_eq!(found, n < issued, "token {n}");
        }
        done += 1000;
    }
    metric(
        "authenticate_per_s",
        done as f64 / start.elapsed().as_secs_f64(),
        "per_s",
    );

    let mut invalidations = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        store.invalidate_all_tokens(app_id).unwrap();
        invalidations.push(start.elapsed());
    }
    for _ in 0..1000 {
        assert!(
            store
                .authenticate(app_id, &bench_token(rng.u64(0..issued)))
                .is_err()
        );
    }
    metric(
        "invalidate_all_p99",
        percentile(&mut invalidations, 0.99),
        "ms",
    );
}

/// A load-test token: any string serves, only its digest is stored.
fn bench_token(n: u64) -> String {
    format!("bench-token-{n:012}")
}
