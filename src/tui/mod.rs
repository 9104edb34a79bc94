//! The console: state (`app`), actions, one keymap table, `update`, pure `views`.

pub mod action;
pub mod app;
pub mod audit;
mod columns;
pub mod counter;
mod fit;
pub mod form;
mod form_update;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod terminal;
pub mod theme;
mod title_bar;
pub mod update;
pub mod views;

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyEvent, KeyEventKind, MouseEventKind};

use action::Action;
use app::App;
use keymap::Context;

use crate::store::{Application, Store, unix_now};

/// How often the console wakes without input (status expiry, ages).
const TICK: Duration = Duration::from_millis(500);
const BUSY_TICK: Duration = Duration::from_millis(10);

pub fn run(
    store: Store,
    application: Application,
    db: PathBuf,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let mut app = App::new(
        store,
        application,
        db.display().to_string(),
        (size.width, size.height),
        unix_now(),
        theme::Theme::from_env(),
    )?;
    while !app.quit {
        guard.terminal.draw(|frame| views::view(&app, frame))?;
        if let Some(done) = app.background_action() {
            update::update(&mut app, done);
            continue;
        }
        // While work runs off the UI thread, look for its result often.
        let wait = if app.busy() { BUSY_TICK } else { TICK };
        let action = if event::poll(wait)? {
            action_for_event(&app, event::read()?)
        } else {
            Some(Action::Tick(unix_now()))
        };
        if let Some(action) = action {
            update::update(&mut app, action);
        }
    }
    Ok(())
}

/// Translates a terminal event into an action through the keymap.
pub fn action_for_event(app: &App, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => action_for_key(app, key),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::Down(_) => Some(Action::Click(m.column, m.row)),
            _ => None,
        },
        _ => None,
    }
}

pub fn action_for_key(app: &App, key: KeyEvent) -> Option<Action> {
    let context = app.context();
    keymap::action_for(context, &key).or(match context {
        Context::Filter => Some(Action::FilterKey(key)),
        Context::FormText | Context::FormGroups | Context::FormTags => Some(Action::FormKey(key)),
        _ => None,
    })
}
