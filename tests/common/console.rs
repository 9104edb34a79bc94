//! Driving the console in tests: real keys through the keymap and `update`, frames
//! drawn into ratatui's `TestBackend`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;
use xusers::demo::seed_demo;
use xusers::store::Store;
use xusers::tui::app::App;
use xusers::tui::events::Event;
use xusers::tui::theme::Theme;
use xusers::tui::update::update;
use xusers::tui::{action_for_key, views};

/// A fixed "now" so ages in snapshots never drift.
pub const NOW: i64 = 1_800_000_000;

pub fn console(users: u64, size: (u16, u16)) -> (TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("demo.db")).unwrap();
    let application = store.application("default").unwrap();
    if users > 0 {
        seed_demo(&mut store, application.id, users, NOW, |_| ()).unwrap();
    }
    let app = App::new(
        store,
        application,
        "demo.db".into(),
        size,
        NOW,
        Theme::color(),
    )
    .unwrap();
    (dir, app)
}

pub fn key(app: &mut App, code: KeyCode) {
    key_with(app, code, KeyModifiers::NONE);
}

pub fn key_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    if let Some(action) = action_for_key(app, KeyEvent::new(code, modifiers)) {
        update(app, action);
    }
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

/// Waits for work running off the UI thread (match counts, password hashing) and
/// applies what arrives on the console's channel, the way its loop does.
pub fn finish_background(app: &mut App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.busy() {
        assert!(
            std::time::Instant::now() < deadline,
            "background work never finished"
        );
        if let Some(Event::Done(done)) = app.next_event(std::time::Duration::from_millis(10)) {
            update(app, done);
        }
    }
}

/// Types text into whatever has focus, one key at a time.
pub fn type_text(app: &mut App, text: &str) {
    keys(app, text);
}
