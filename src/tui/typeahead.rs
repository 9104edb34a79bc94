//! Type-ahead: keys typed on a screen that is still reading what they act on (an edit
//! form before its user arrives, the history, the Groups pane or the Audit log before
//! their first rows) wait, in order, and act once it has read — as if typed then. So
//! `e` and a name typed at once, or `4 Enter` sent in one burst over ssh, do what they
//! say instead of falling on an empty screen. `Esc` takes back the keys that wait, or
//! with none waiting acts at once (closing the screen that reads); `Ctrl-C` quits. A
//! screen that closes before it has read (its user deleted, its read failed) takes its
//! waiting keys with it; a confirm dialog opened by a waiting key drops the keys after
//! it, so that nothing is confirmed before it was seen. `/` focuses a pane's filter at once: a
//! filter shows each key as it is typed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::app::{App, Modal};
use super::keymap::Context;
use super::update::update;

/// More keys than anyone types while a screen reads: past it, keys are dropped.
const MOST_WAITING: usize = 256;

/// The screen in front that is still reading, which keys wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The edit form, awaiting the lookup of this generation (its user).
    Form(u64),
    /// A user's history, awaiting the lookup of this generation.
    History(u64),
    Groups,
    Audit,
}

/// Keys typed while `Reading` was in front, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typeahead {
    pub reading: Reading,
    pub keys: Vec<KeyEvent>,
}

impl App {
    /// The screen in front, if it is still reading what keys act on.
    pub fn reading(&self) -> Option<Reading> {
        match (&self.modal, &self.form) {
            (
                Some(Modal::History {
                    entries: None,
                    reading,
                    ..
                }),
                _,
            ) => Some(Reading::History(*reading)),
            (Some(_), _) => None,
            (None, _) if self.picker.is_some() => None,
            (None, Some(form)) if form.reading_user() => form.loading.map(Reading::Form),
            (None, Some(_)) => None,
            (None, None) => match (&self.groups, &self.audit) {
                (Some(groups), _) if !groups.loaded && groups.context() == Context::Groups => {
                    Some(Reading::Groups)
                }
                (None, Some(log)) if log.first_page_pending() => Some(Reading::Audit),
                _ => None,
            },
        }
    }

    /// Whether the screen that was `reading` is still open (read or not).
    fn still_open(&self, reading: Reading) -> bool {
        match reading {
            Reading::Form(_) => self.form.is_some(),
            Reading::History(generation) => matches!(
                self.modal,
                Some(Modal::History { reading, .. }) if reading == generation
            ),
            Reading::Groups => self.groups.is_some(),
            Reading::Audit => self.audit.is_some(),
        }
    }
}

/// A key pressed: it acts now, or waits behind the screen that reads.
pub fn press_key(app: &mut App, key: KeyEvent) {
    if key.code == KeyCode::Esc && app.typeahead.take().is_some() {
        // Behind waiting keys, `Esc` takes them back rather than jump ahead of them
        // (to close a screen they would have opened, the wrong one would close).
        return;
    }
    if !acts_at_once(&key) {
        if let Some(waiting) = &mut app.typeahead {
            if waiting.keys.len() < MOST_WAITING {
                waiting.keys.push(key);
            }
            return;
        }
        if let Some(reading) = app.reading()
            && !starts_filter(app, key)
        {
            app.typeahead = Some(Typeahead {
                reading,
                keys: vec![key],
            });
            return;
        }
    }
    if let Some(action) = super::action_for_key(app, key) {
        update(app, action);
    }
}

/// Once the screen they wait for has read, the waiting keys act, in order (one may
/// open another screen that reads: the keys after it wait again).
pub fn replay(app: &mut App) {
    let Some(waiting) = &app.typeahead else {
        return;
    };
    if app.reading() == Some(waiting.reading) {
        return;
    }
    let Some(waiting) = app.typeahead.take() else {
        return;
    };
    if !app.still_open(waiting.reading) {
        return;
    }
    for key in waiting.keys {
        press_key(app, key);
        // A dialog takes only keys pressed once it shows: nobody confirms blind.
        if matches!(app.modal, Some(Modal::Confirm(_))) {
            app.typeahead = None;
            return;
        }
    }
}

/// `/` on a pane that reads focuses its filter at once: what is typed there shows as
/// it is typed.
fn starts_filter(app: &App, key: KeyEvent) -> bool {
    matches!(super::action_for_key(app, key), Some(Action::StartFilter))
}

fn acts_at_once(key: &KeyEvent) -> bool {
    key.code == KeyCode::Esc
        || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
}
