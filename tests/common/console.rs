//! Driving the console in tests: real keys through the keymap and `update`, frames
//! drawn into ratatui's `TestBackend`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;
use xusers::demo::seed_demo;
use xusers::store::{AppId, Application, Location, Store};
use xusers::tui::app::App;
use xusers::tui::events::Event;
use xusers::tui::query_worker::Connect;
use xusers::tui::theme::Theme;
use xusers::tui::update::press_key;
use xusers::tui::update::update;
use xusers::tui::views;

use super::backend::{Backend, fresh};

/// A fixed "now" so ages in snapshots never drift.
pub const NOW: i64 = 1_800_000_000;

pub fn console(users: u64, size: (u16, u16)) -> (TempDir, App) {
    let (dir, store, application) = seeded(users);
    let mut app = console_over(store, application, size, None);
    finish_background(&mut app);
    (dir, app)
}

/// [`console`] over a new store of `backend`'s kind (with the folder of a SQLite
/// file); `None` where the backend cannot run here.
pub fn console_on_backend(
    backend: Backend,
    users: u64,
    size: (u16, u16),
) -> Option<(Option<TempDir>, App)> {
    let (store, dir) = match backend {
        Backend::Sqlite => {
            let (mut store, application, dir) = fresh(backend)?.split();
            seed(&mut store, application, users);
            (store, dir)
        }
        // Seeded once per test process, copied for each console.
        Backend::Postgres => {
            let database = super::pg::copy_of(&format!("demo_{users}"), |template| {
                let mut store = Store::open(template.parse::<Location>().unwrap()).unwrap();
                let application = store.existing_application("default").unwrap().id;
                seed(&mut store, application, users);
            })?;
            (
                Store::open(database.parse::<Location>().unwrap()).unwrap(),
                None,
            )
        }
    };
    let application = store.existing_application("default").unwrap();
    let mut app = console_over(store, application, size, None);
    finish_background(&mut app);
    Some((dir, app))
}

/// The console over `store` (shown as `demo.db`, at `NOW`, in colour), its workers'
/// connections opened as the console opens them, or by `connect`.
pub fn console_over(
    store: Store,
    application: Application,
    size: (u16, u16),
    connect: Option<Connect>,
) -> App {
    let (label, theme) = ("demo.db".to_string(), Theme::color());
    match connect {
        Some(connect) => App::with_connect(store, application, label, size, NOW, theme, connect),
        None => App::new(store, application, label, size, NOW, theme),
    }
    .unwrap()
}

fn seeded(users: u64) -> (TempDir, Store, Application) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("demo.db")).unwrap();
    let application = store.application("default").unwrap();
    seed(&mut store, application.id, users);
    (dir, store, application)
}

/// `users` demo users, made at [`NOW`].
fn seed(store: &mut Store, application: AppId, users: u64) {
    if users > 0 {
        seed_demo(store, application, users, NOW, |_| ()).unwrap();
    }
}

/// A gate on the connections of a console's workers: while it is shut, every query
/// they run stops at its first step (as on a very slow database) until it opens. It
/// also counts the steps of any query run on the UI thread's own connection.
#[derive(Clone, Default)]
pub struct Gate {
    shut: Arc<AtomicBool>,
    /// The worker threads stopped at the gate.
    stopped: Arc<Mutex<HashSet<ThreadId>>>,
    /// Steps the workers may still take while it is shut.
    budget: Arc<AtomicI64>,
    /// While shut, only the threads whose name starts with this stop (all: `None`).
    only: Arc<Mutex<Option<&'static str>>>,
    ui_steps: Arc<AtomicU64>,
}

impl Gate {
    pub fn shut(&self) {
        // A worker let out by `open` may still have marked itself stopped just after
        // it: forget that, or the next `wait_for_stopped` would not wait.
        self.stopped.lock().unwrap().clear();
        self.budget.store(0, Ordering::SeqCst);
        self.shut.store(true, Ordering::SeqCst);
    }

    /// From now on the shut gate stops only the threads named `thread…` (the bulk
    /// worker's, say), and lets every other worker through.
    pub fn hold_only(&self, thread: &'static str) {
        *self.only.lock().unwrap() = Some(thread);
    }

    pub fn open(&self) {
        *self.only.lock().unwrap() = None;
        self.shut.store(false, Ordering::SeqCst);
        self.stopped.lock().unwrap().clear();
    }

    /// Lets the workers take `steps` more steps of SQL while the gate stays shut.
    pub fn let_through(&self, steps: i64) {
        self.stopped.lock().unwrap().clear();
        self.budget.fetch_add(steps, Ordering::SeqCst);
    }

    /// Waits until `n` worker threads are stopped at the gate, in a query.
    pub fn wait_for_stopped(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.stopped.lock().unwrap().len() < n {
            assert!(
                Instant::now() < deadline,
                "the workers never reached the gate"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// How many worker threads are stopped at the gate now.
    pub fn stopped(&self) -> usize {
        self.stopped.lock().unwrap().len()
    }

    /// Steps of SQL run on the UI thread's connection so far.
    pub fn ui_steps(&self) -> u64 {
        self.ui_steps.load(Ordering::SeqCst)
    }
}

/// A console (as [`console`]) whose workers read and write through `gate`.
pub fn gated_console(users: u64, size: (u16, u16)) -> (TempDir, App, Gate) {
    let (dir, store, application) = seeded(users);
    let gate = Gate::default();
    let workers = gate.clone();
    let connect: Connect = Arc::new(move |location| {
        let mut store = Store::open(location.clone())?;
        let (shut, stopped) = (workers.shut.clone(), workers.stopped.clone());
        let (budget, only) = (workers.budget.clone(), workers.only.clone());
        store.on_progress(1, move || {
            let held = || {
                let only = *only.lock().unwrap();
                let thread = std::thread::current();
                only.is_none_or(|prefix| thread.name().is_some_and(|n| n.starts_with(prefix)))
            };
            while shut.load(Ordering::SeqCst) && held() {
                if budget.fetch_sub(1, Ordering::SeqCst) > 0 {
                    break;
                }
                budget.fetch_add(1, Ordering::SeqCst);
                stopped.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(Duration::from_millis(1));
            }
            false
        });
        Ok(store)
    });
    let mut app = console_over(store, application, size, Some(connect));
    finish_background(&mut app);
    let ui_steps = gate.ui_steps.clone();
    app.session.store.on_progress(1, move || {
        ui_steps.fetch_add(1, Ordering::SeqCst);
        false
    });
    (dir, app, gate)
}

pub fn key(app: &mut App, code: KeyCode) {
    key_with(app, code, KeyModifiers::NONE);
}

/// Presses a key and waits for the work it started off the UI thread (rows, counts,
/// hashing, writes) to come back, as a person who waits for the screen would.
pub fn key_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    press(app, code, modifiers);
    finish_background(app);
}

/// Presses a key without waiting for anything it started off the UI thread.
pub fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    press_key(app, KeyEvent::new(code, modifiers));
}

/// Presses a character's key without waiting for anything it started.
pub fn tap(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::NONE);
}

/// Another connection to the console's database, as another administrator's.
pub fn other_store(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("demo.db")).unwrap()
}

/// Presses each character as a key (letters, digits, `/`, `?` …).
pub fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn render(app: &App) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(app.session.size.0, app.session.size.1)).unwrap();
    terminal.draw(|f| views::view(app, f)).unwrap();
    terminal
}

/// The screen as text, one line per row.
pub fn screen(app: &App) -> String {
    render(app).backend().to_string()
}

pub fn selected_email(app: &App) -> String {
    app.browse.list.selected_row().unwrap().email.clone()
}

/// Waits for work running off the UI thread (rows, counts, password hashing, writes)
/// and applies what arrives on the console's channel, the way its loop does.
pub fn finish_background(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.busy() {
        assert!(Instant::now() < deadline, "background work never finished");
        if let Some(Event::Done(done)) = app.next_event(Duration::from_millis(10)) {
            update(app, done);
        }
    }
}

/// Applies what arrives on the console's channel until `done` holds (other work may
/// stay held at a gate).
pub fn background_until(app: &mut App, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(app) {
        assert!(Instant::now() < deadline, "it never came");
        if let Some(Event::Done(event)) = app.next_event(Duration::from_millis(10)) {
            update(app, event);
        }
    }
}

/// Types text into whatever has focus, one key at a time.
pub fn type_text(app: &mut App, text: &str) {
    keys(app, text);
}

/// Applies an action (a click, a paste, a tick …) and waits for the work it started.
pub fn act(app: &mut App, action: xusers::tui::action::Action) {
    update(app, action);
    finish_background(app);
}
