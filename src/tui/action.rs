use ratatui::crossterm::event::KeyEvent;

use super::job::BulkEvent;
use super::looked::Looked;
use super::pane::Pane;
use super::screens::groups::tree::GroupTree;
use super::screens::list::marks::MarksRead;
use super::screens::list::rows::Loaded;
use super::written::Written;
use crate::auth::PasswordHash;
use crate::store::ScopeCounts;

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
    /// Mark the selected user (or unmark), and move down.
    ToggleMark,
    /// Mark every user the pane and filter show.
    MarkAll,
    ClearMarks,
    /// Cancel the bulk job that runs.
    CancelJob,
    // The bulk menu's items that ask for more first.
    BulkAddToGroup,
    BulkRemoveFromGroup,
    BulkSetTag,
    BulkRemoveTag,
    BulkExport,
    Reload,
    Help,
    /// Show the audit log pane.
    ShowAudit,
    // The members view of a group, and the user picker.
    /// Open the selected group's members view.
    OpenMembers,
    /// Add users to the group (opens the user picker).
    AddMembers,
    /// Take the selected member out of the group.
    RemoveMember,
    /// Members view: the group's own members only, or with its subgroups'.
    ToggleDirect,
    /// Members view: clear the filter, else back to the group tree.
    Back,
    /// User picker: pick or unpick the highlighted user, and move down.
    Pick,
    /// User picker: add the picked users to the group.
    AddPicked,
    /// A key typed into the user picker's search.
    PickerKey(KeyEvent),
    /// Users the picker's reader read: (generation, rows).
    PickerLoaded(u64, Loaded),
    /// The picker's reader failed: (generation, why).
    PickerFailed(u64, String),
    /// Show the Groups pane.
    ShowGroups,
    /// Open the selected group (or step into it); close it (or step out).
    Expand,
    Collapse,
    /// The selected group's devices: link one, unlink one, add a new one.
    LinkDevice,
    UnlinkDevice,
    NewDevice,
    /// Open the selected audit entry whole.
    OpenEntry,
    /// The edited user's recent changes.
    History,
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
    /// Counts computed off the UI thread: (generation, the panes' counts, the filter's
    /// matches when a filter is set, the marked users when some are).
    Counted(u64, ScopeCounts, Option<u64>, Option<u64>),
    /// Something was read ahead (src/tui/read_ahead.rs).
    ReadAhead,
    /// Rows the list reader read: (generation, rows, which of them are marked).
    Loaded(u64, Loaded, MarksRead),
    /// The bulk worker asks, tells how far its job is, or finished it.
    Bulk(BulkEvent),
    /// The list reader failed: (generation, why).
    LoadFailed(u64, String),
    /// The groups reader read the tree: (generation, tree).
    GroupsLoaded(u64, GroupTree),
    /// The groups reader failed: (generation, why).
    GroupsFailed(u64, String),
    /// A lookup finished: (generation, what it found or why it failed).
    Looked(u64, Result<Looked, String>),
    /// The writer finished a write.
    Written(Written),
    /// The password hash computed off the UI thread is ready.
    PasswordHashed(PasswordHash),
    /// The worker hashing the password died before it sent a hash.
    HashingFailed,
}
