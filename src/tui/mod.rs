//! The console: one module per screen (`screens`), what they share (`session`), one
//! keymap table, a top-level `update` that routes each action once, pure `views`, and
//! one event loop fed by one channel. ARCHITECTURE.md walks through it.

pub mod action;
pub mod app;
pub mod background;
pub mod bulk;
mod columns;
pub mod counter;
pub mod events;
mod fit;
pub mod groups_reader;
pub mod job;
pub mod keymap;
pub mod layout;
pub mod looked;
pub mod lookups;
pub mod page_gate;
pub mod pane;
pub mod query_worker;
pub mod read_ahead;
pub mod reader;
pub mod screens;
pub mod session;
pub mod terminal;
pub mod theme;
mod title_bar;
pub mod typeahead;
pub mod update;
pub mod views;
pub mod writer;
pub mod written;

use std::time::Duration;

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEventKind};

use action::Action;
use app::App;
use keymap::Context;

use crate::store::{Application, Store, unix_now};

/// How often the console wakes without an event (status expiry, ages).
const TICK: Duration = Duration::from_millis(500);

pub fn run(
    store: Store,
    application: Application,
    db_label: String,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let mut app = App::new(
        store,
        application,
        db_label,
        (size.width, size.height),
        unix_now(),
        theme::Theme::from_env(),
    )?;
    events::watch_signals(app.outbox())?;
    events::read_terminal(app.outbox());
    while !app.quit {
        guard.terminal.draw(|frame| views::view(&app, frame))?;
        let event = app.next_event(app.wait_at_most(TICK));
        step(&mut app, event)?;
    }
    finish_write(&mut app);
    Ok(())
}

/// Applies what came on the channel (`None`: nothing within a tick).
pub fn step(app: &mut App, event: Option<events::Event>) -> std::io::Result<()> {
    let action = match event {
        Some(events::Event::Terminal(event)) => match event? {
            Event::Key(key) if key.kind == KeyEventKind::Press => {
                update::press_key(app, key);
                None
            }
            event => action_for_event(event),
        },
        Some(events::Event::Done(done)) => Some(done),
        None => Some(Action::Tick(unix_now())),
    };
    if let Some(action) = action {
        update::update(app, action);
    }
    Ok(())
}

/// Waits for the write in flight and the bulk job (cancelled by quitting), if any,
/// applying what arrives meanwhile: quitting never cuts a write short.
pub fn finish_write(app: &mut App) {
    while app.writing.is_some() || app.job.is_some() {
        if let Some(events::Event::Done(done)) = app.next_event(TICK) {
            update::update(app, done);
        }
    }
}

/// Translates a terminal event other than a key press into an action.
fn action_for_event(event: Event) -> Option<Action> {
    match event {
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
    let bound = match app.job_over() {
        true => keymap::action_over_job(context, &key),
        false => keymap::action_for(context, &key),
    };
    bound.or(match context {
        Context::Filter => Some(Action::FilterKey(key)),
        Context::UserPicker => Some(Action::PickerKey(key)),
        Context::FormText
        | Context::FormGroups
        | Context::FormTags
        | Context::GroupForm
        | Context::Picker
        | Context::Prompt
        | Context::BulkPrompt => Some(Action::FormKey(key)),
        _ => None,
    })
}
