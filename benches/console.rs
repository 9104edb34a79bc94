//! The console at scale: drives the real `App` with key events, draws every frame
//! into a 160×48 `TestBackend`, and prints `metric <name> <value> <unit>` lines.
//!
//!     cargo bench --bench console                          # 1,000,000 users
//!     XUSERS_BENCH_USERS=10000 cargo bench --bench console  # CI-sized
//!
//! The dataset is made once by the real binary (`xusers demo --users N`) and kept
//! under target/ for later runs.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use xusers::demo::DEMO_PASSWORD;
use xusers::store::{Page, Store, UserQuery, unix_now};
use xusers::tui::app::App;
use xusers::tui::events::Event;
use xusers::tui::theme::Theme;
use xusers::tui::update::update;
use xusers::tui::{action_for_key, views};

const SIZE: (u16, u16) = (160, 48);

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

fn metric(name: &str, value: f64, unit: &str) {
    println!("metric {name} {value:.3} {unit}");
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
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

    let start = Instant::now();
    let mut store = Store::open(&path).unwrap();
    let application = store.application("default").unwrap();
    let app_id = application.id;
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
    metric(
        "open_first_frame",
        start.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );

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
    let terms = [
        "ali",
        "@acme",
        rare.as_str(),
        "tag:ext_0042=v17",
        "smith ali",
    ];
    let mut filter = Vec::new();
    let mut counts = Vec::new();
    let mut first_round = true;
    while filter.len() < 200 {
        if !filter.is_empty() {
            first_round = false;
        }
        for term in terms {
            console.char('/');
            let mut typed_so_far = String::new();
            for c in term.chars() {
                typed_so_far.push(c);
                let typed = Instant::now();
                let shown = console.char(c);
                filter.push(shown);
                assert!(console.await_count(), "a count for {term}");
                counts.push(typed.elapsed());
                if first_round {
                    println!(
                        "# filter {typed_so_far:?}: page {:.1} ms, count {:.1} ms",
                        shown.as_secs_f64() * 1000.0,
                        typed.elapsed().as_secs_f64() * 1000.0
                    );
                }
            }
            console.key(KeyCode::Esc);
        }
    }
    report("filter", &mut filter);
    metric("filter_count_p99", percentile(&mut counts, 0.99), "ms");

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

    let email = console
        .app
        .browse
        .list
        .selected_row()
        .unwrap()
        .email
        .clone();
    let token = console
        .app
        .session
        .store
        .login(app_id, &email, DEMO_PASSWORD)
        .unwrap();
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..1000 {
            console
                .app
                .session
                .store
                .authenticate(app_id, &token)
                .unwrap();
        }
        done += 1000;
    }
    metric(
        "authenticate_per_s",
        done as f64 / start.elapsed().as_secs_f64(),
        "per_s",
    );
    metric("peak_rss", peak_rss_mb(), "MB");
}
