use ratatui::crossterm::event::KeyEvent;

use super::pane::Pane;
use crate::auth::PasswordHash;

/// What the user asked for, or what work off the UI thread finished; produced by the
/// keymap (or the mouse, or a worker) and applied by the top-level `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Quit at once, unsaved edits or not: a signal (SIGTERM, SIGHUP, SIGINT) asks the
    /// console to end, and nobody may be there to answer a question.
    Terminate,
    ShowPane(Pane),
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    StartFilter,
    ClearFilter,
    /// Leave the filter line, keeping the filter.
    FilterDone,
    /// A key typed into the filter line.
    FilterKey(KeyEvent),
    Paste(String),
    NextSort,
    FlipSort,
    Edit,
    Add,
    OpenMenu,
    Delete,
    InvalidateUser,
    InvalidateAll,
    Reload,
    Help,
    /// Close the top-most popup or the form.
    Close,
    MenuChoose,
    /// `y` in a dialog: say yes straight away.
    Yes,
    /// `Enter` in a dialog or on the form's buttons: press the focused button.
    PressButton,
    SwitchButton,
    Resize(u16, u16),
    /// A click on the screen (column, row).
    Click(u16, u16),
    ScrollUp,
    ScrollDown,
    /// Time passes (unix seconds): expires status messages, ages "last login".
    Tick(i64),
    // The user form.
    Save,
    NextField,
    PrevField,
    /// Tick a checkbox (Space) or the group under the cursor (Enter).
    Toggle,
    /// A key typed into the focused text field of the form.
    FormKey(KeyEvent),
    /// Enter in the tag editor: take the suggestion picked with `↑↓`, or go on to the
    /// next cell.
    TagEnter,
    AddTag,
    RemoveTag,
    PrevButton,
    NextButton,
    /// Load the user afresh after someone else changed it.
    ReloadForm,
    /// A match count computed off the UI thread: (generation, matches).
    Counted(u64, u64),
    /// The password hash computed off the UI thread is ready.
    PasswordHashed(PasswordHash),
    /// The worker hashing the password died before it sent a hash.
    HashingFailed,
}
