//! Type-ahead: keys typed on a screen that is still reading what they act on (an edit
//! form before its user arrives, the history, the Groups pane or the Audit log before
//! their first rows) wait, in order, and act once it has read — as if typed then. So
//! `e` and a name typed at once, or `4 Enter` sent in one burst over ssh, do what they
//! say instead of falling on an empty screen. `Esc` takes back the keys that wait, or
//! with none waiting acts at once (closing the screen that reads); `Ctrl-C` quits. A
//! screen that closes before it has read (its user deleted, its read failed) takes its
//! waiting keys with it; a popup (a dialog, a menu, a prompt) opened by a waiting key
//! drops the keys after it, so that nothing is confirmed or chosen before it was seen. `/` focuses a pane's filter at once: a
//! filter shows each key as it is typed. Here are what waits; `App::reading` says
//! which screen reads, and `update::press_key` / `update::replay` hold and replay.

use ratatui::crossterm::event::KeyEvent;

/// More keys than anyone types while a screen reads: past it, keys are dropped.
pub const MOST_WAITING: usize = 256;

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
