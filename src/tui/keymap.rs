//! The one table of keys: it drives dispatch, the footer hints and the help popup,
//! so the three can never disagree.

use indicatif::HumanCount;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::pane::Pane;

/// Where keyboard focus is; each context has its own bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    List,
    /// The user list while a bulk job runs: its keys, and `Esc` cancels the job.
    Job,
    /// A group's members: the user list's keys and its own.
    Members,
    /// The user picker that adds users to a group.
    UserPicker,
    Filter,
    Menu,
    /// The bulk menu: what to do to the marked users.
    BulkMenu,
    /// A short list to pick one from (a group for the marked users).
    GroupPick,
    /// A one-line question (a tag, a file path).
    BulkPrompt,
    Dialog,
    Help,
    /// The audit log pane, its open entry, and a user's history over the form.
    Audit,
    AuditEntry,
    History,
    /// The Groups pane, its group form and its device pickers.
    Groups,
    GroupForm,
    Picker,
    /// The new device's name.
    Prompt,
    /// The edit form while its user is read: no fields yet, only closing.
    FormReading,
    /// Keys that work anywhere in the user form.
    Form,
    FormText,
    FormCheck,
    FormGroups,
    FormTags,
    FormActions,
}

impl Context {
    /// The shared context whose bindings also apply, if any.
    fn parent(self) -> Option<Context> {
        match self {
            FormText | FormCheck | FormGroups | FormTags | FormActions => Some(Form),
            Job | Members => Some(List),
            _ => None,
        }
    }

    /// Whether a key this context binds replaces its parent's binding of that key
    /// (the members view's `Esc` goes back to the tree once the filter is clear; while
    /// a bulk job runs, `Esc` cancels it).
    fn overrides_parent(self) -> bool {
        matches!(self, Members | Job)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// When a binding is offered in the footer: keys that act on a user show only when
/// there is one to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// A user is selected.
    Selected,
    /// A user is selected, or users are marked (the key acts on the marked ones).
    SelectedOrMarked,
    /// The application has users.
    AnyUser,
    /// The form edits a user who exists (an added one has no history yet).
    Editing,
    /// Some users are marked.
    Marked,
    /// The selected user is a member of the members view's group itself (not only
    /// of one of its subgroups).
    DirectMember,
    /// The selected user is a direct member, or users are marked (the key acts on them).
    DirectMemberOrMarked,
}

/// What the list holds right now, for [`When`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub selected: bool,
    pub any_user: bool,
    pub editing: bool,
    /// The selected user is in the members view's group itself.
    pub direct_member: bool,
    /// Users are marked: how many, once counted.
    pub marked: Option<Option<u64>>,
}

impl When {
    fn holds(self, offer: Offer) -> bool {
        match self {
            When::Always => true,
            When::Selected => offer.selected,
            When::SelectedOrMarked => offer.selected || offer.marked.is_some(),
            When::AnyUser => offer.any_user,
            When::Editing => offer.editing,
            When::Marked => offer.marked.is_some(),
            When::DirectMember => offer.direct_member,
            When::DirectMemberOrMarked => offer.direct_member || offer.marked.is_some(),
        }
    }
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// Short word for the footer; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
    /// What the help popup says.
    pub help: &'static str,
    pub when: When,
    /// The footer's word while users are marked, for a key that then acts on them
    /// (`N` stands for how many).
    pub on_marks: Option<&'static str>,
    /// The key starts a change, refused while a bulk job runs: then it is not offered.
    pub changes: bool,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    action: Action,
    hint: Option<&'static str>,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        hint,
        help,
        when: When::Always,
        on_marks: None,
        changes: false,
    }
}

impl Binding {
    /// The binding, offered in the footer only `when` it can act.
    const fn only(mut self, when: When) -> Binding {
        self.when = when;
        self
    }

    /// The key acts on the marked users when there are some; `word` says so in the
    /// footer.
    const fn on_marks(mut self, word: &'static str) -> Binding {
        self.when = When::SelectedOrMarked;
        self.on_marks = Some(word);
        self
    }

    /// The key starts a change (refused while a bulk job runs).
    const fn changes(mut self) -> Binding {
        self.changes = true;
        self
    }
}

use Context::*;
use KeyCode::{
    BackTab, Delete, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up,
};

#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    bind(List,        &[k('1')],                    Action::ShowPane(Pane::All),       None,               "All users"),
    bind(List,        &[k('2')],                    Action::ShowPane(Pane::Grouped),   None,               "Users in a group"),
    bind(List,        &[k('3')],                    Action::ShowPane(Pane::Ungrouped), None,               "Users in no group"),
    bind(List,        &[k('4')],                    Action::ShowGroups,                None,               "Groups"),
    bind(List,        &[k('5')],                    Action::ShowAudit,                 None,               "Audit log"),
    bind(List,        &[code(Tab)],                 Action::NextPane,                  None,               "Next pane"),
    bind(List,        &[code(BackTab)],             Action::PrevPane,                  None,               "Previous pane"),
    bind(List,        &[code(Up), k('k')],          Action::Up,                        None,               "Move up"),
    bind(List,        &[code(Down), k('j')],        Action::Down,                      None,               "Move down"),
    bind(List,        &[code(PageUp)],              Action::PageUp,                    None,               "Page up"),
    bind(List,        &[code(PageDown)],            Action::PageDown,                  None,               "Page down"),
    bind(List,        &[code(Home), k('g')],        Action::Home,                      None,               "First user"),
    bind(List,        &[code(End), k('G')],         Action::End,                       None,               "Last user"),
    bind(List,        &[k('/')],                    Action::StartFilter,               Some("filter"),     "Filter (text, tag:k=v)"),
    bind(List,        &[code(Esc)],                 Action::ClearFilter,               None,               "Clear the filter"),
    bind(List,        &[k('s')],                    Action::NextSort,                  Some("sort"),       "Sort by the next column"),
    bind(List,        &[k('S')],                    Action::FlipSort,                  None,               "Flip the sort direction"),
    bind(List,        &[k('e'), code(Enter)],       Action::Edit,                      Some("edit"),       "Edit the selected user").only(When::Selected).changes(),
    bind(List,        &[k('a')],                    Action::Add,                       Some("add"),        "Add a user").changes(),
    bind(List,        &[k('m')],                    Action::OpenMenu,                  Some("menu"),       "Menu (bulk when marked)").on_marks("bulk menu").changes(),
    bind(List,        &[k('d'), code(Delete)],      Action::Delete,                    Some("delete"),     "Delete user / the marked").on_marks("delete N marked").changes(),
    bind(List,        &[k('i')],                    Action::InvalidateUser,            Some("invalidate"), "Invalidate user / marked").on_marks("invalidate N marked").changes(),
    bind(List,        &[k(' ')],                    Action::ToggleMark,                None,               "Mark or unmark, move down").only(When::Selected),
    bind(List,        &[k('*')],                    Action::MarkAll,                   None,               "Mark all the filter shows"),
    bind(List,        &[k('u')],                    Action::ClearMarks,                Some("unmark all"), "Clear all marks").only(When::Marked),
    bind(List,        &[k('I')],                    Action::InvalidateAll,             None,               "Invalidate all tokens").only(When::AnyUser).changes(),
    bind(List,        &[k('r')],                    Action::Reload,                    None,               "Reload"),
    bind(List,        &[k('?')],                    Action::Help,                      Some("help"),       "Show this help"),
    bind(List,        &[k('q'), ctrl('c')],         Action::Quit,                      Some("quit"),       "Quit"),
    bind(Job,         &[code(Esc)],                 Action::CancelJob,                 Some("cancel job"), "Cancel the bulk job (rolls back)"),
    bind(Members,     &[k('+')],                    Action::AddMembers,                Some("add members"), "Add users to the group (picker)"),
    bind(Members,     &[k('-')],                    Action::RemoveMember,              Some("remove"),     "Remove member / marked from group").on_marks("remove N marked").only(When::DirectMemberOrMarked),
    bind(Members,     &[k('t')],                    Action::ToggleDirect,              Some("direct"),     "Only direct members (toggle)"),
    bind(Members,     &[code(Esc)],                 Action::Back,                      Some("groups"),     "Clear the filter, else to the tree"),
    bind(Filter,      &[code(Enter)],               Action::FilterDone,                Some("keep"),       "Keep the filter, back to list"),
    bind(Filter,      &[code(Esc)],                 Action::ClearFilter,               Some("clear"),      "Clear the filter"),
    bind(Filter,      &[code(Up)],                  Action::Up,                        None,               "Move up"),
    bind(Filter,      &[code(Down)],                Action::Down,                      None,               "Move down"),
    bind(Filter,      &[ctrl('c')],                 Action::Quit,                      Some("quit"),       "Quit"),
    bind(Menu,        &[code(Up), k('k')],          Action::Up,                        None,               "Previous item"),
    bind(Menu,        &[code(Down), k('j')],        Action::Down,                      None,               "Next item"),
    bind(Menu,        &[code(Enter)],               Action::MenuChoose,                Some("choose"),     "Choose the item"),
    bind(Menu,        &[k('e')],                    Action::Edit,                      None,               "Edit"),
    bind(Menu,        &[k('i')],                    Action::InvalidateUser,            None,               "Invalidate tokens"),
    bind(Menu,        &[k('d'), code(Delete)],      Action::Delete,                    None,               "Delete"),
    bind(Menu,        &[code(Esc), k('q'), k('m')], Action::Close,                     Some("close"),      "Close the menu"),
    bind(Menu,        &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(BulkMenu,    &[code(Up), k('k')],          Action::Up,                        None,               "Previous item"),
    bind(BulkMenu,    &[code(Down), k('j')],        Action::Down,                      None,               "Next item"),
    bind(BulkMenu,    &[code(Enter)],               Action::MenuChoose,                Some("choose"),     "Choose the item"),
    bind(BulkMenu,    &[k('+')],                    Action::BulkAddToGroup,            None,               "Add the marked to a group"),
    bind(BulkMenu,    &[k('-')],                    Action::BulkRemoveFromGroup,       None,               "Remove the marked from a group"),
    bind(BulkMenu,    &[k('t')],                    Action::BulkSetTag,                None,               "Set a tag on the marked"),
    bind(BulkMenu,    &[k('T')],                    Action::BulkRemoveTag,             None,               "Remove a tag from the marked"),
    bind(BulkMenu,    &[k('i')],                    Action::InvalidateUser,            None,               "Invalidate the marked's tokens"),
    bind(BulkMenu,    &[k('d'), code(Delete)],      Action::Delete,                    None,               "Delete the marked"),
    bind(BulkMenu,    &[k('x')],                    Action::BulkExport,                None,               "Export the marked (CSV, JSON)"),
    bind(BulkMenu,    &[code(Esc), k('q'), k('m')], Action::Close,                     Some("close"),      "Close the menu"),
    bind(BulkMenu,    &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(GroupPick,   &[code(Up), k('k')],          Action::Up,                        None,               "Previous"),
    bind(GroupPick,   &[code(Down), k('j')],        Action::Down,                      None,               "Next"),
    bind(GroupPick,   &[code(Enter)],               Action::MenuChoose,                Some("choose"),     "Choose"),
    bind(GroupPick,   &[code(Esc), k('q')],         Action::Close,                     Some("cancel"),     "Cancel"),
    bind(GroupPick,   &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(BulkPrompt,  &[code(Enter)],               Action::PressButton,               Some("go on"),      "Go on (asks before doing it)"),
    bind(BulkPrompt,  &[code(Esc)],                 Action::Close,                     Some("cancel"),     "Cancel"),
    bind(BulkPrompt,  &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Dialog,      &[k('y')],                    Action::Yes,                       Some("yes"),        "Confirm"),
    bind(Dialog,      &[k('n'), code(Esc)],         Action::Close,                     Some("no"),         "Cancel"),
    bind(Dialog,      &[code(Enter)],               Action::PressButton,               Some("press"),      "Press the focused button"),
    bind(Dialog,      &[code(Tab), code(BackTab), code(Left), code(Right), k('h'), k('l')], Action::SwitchButton,              Some("switch"),     "Switch button"),
    bind(Dialog,      &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(UserPicker,  &[k(' ')],                    Action::Pick,                      Some("pick"),       "Pick or unpick the user, and move down"),
    bind(UserPicker,  &[code(Enter)],               Action::AddPicked,                 Some("add"),        "Add the picked users (or the highlighted one)"),
    bind(UserPicker,  &[code(Up)],                  Action::Up,                        None,               "Previous user"),
    bind(UserPicker,  &[code(Down)],                Action::Down,                      None,               "Next user"),
    bind(UserPicker,  &[code(PageUp)],              Action::PageUp,                    None,               "Page up"),
    bind(UserPicker,  &[code(PageDown)],            Action::PageDown,                  None,               "Page down"),
    bind(UserPicker,  &[code(Esc)],                 Action::Close,                     Some("cancel"),     "Cancel (nothing is added)"),
    bind(UserPicker,  &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Help,        &[code(Esc), k('?'), k('q')], Action::Close,                     Some("close"),      "Close the help"),
    bind(Help,        &[code(Up), k('k')],          Action::Up,                        None,               "Scroll up"),
    bind(Help,        &[code(Down), k('j')],        Action::Down,                      None,               "Scroll down"),
    bind(Help,        &[code(PageUp)],              Action::PageUp,                    None,               "Page up"),
    bind(Help,        &[code(PageDown)],            Action::PageDown,                  None,               "Page down"),
    bind(Help,        &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Audit,       &[k('1')],                    Action::ShowPane(Pane::All),       None,               "All users"),
    bind(Audit,       &[k('2')],                    Action::ShowPane(Pane::Grouped),   None,               "Users in a group"),
    bind(Audit,       &[k('3')],                    Action::ShowPane(Pane::Ungrouped), None,               "Users in no group"),
    bind(Audit,       &[k('4')],                    Action::ShowGroups,                None,               "Groups"),
    bind(Audit,       &[code(Tab)],                 Action::NextPane,                  None,               "Next pane"),
    bind(Audit,       &[code(BackTab)],             Action::PrevPane,                  None,               "Previous pane"),
    bind(Audit,       &[code(Up), k('k')],          Action::Up,                        None,               "Move up (newer)"),
    bind(Audit,       &[code(Down), k('j')],        Action::Down,                      None,               "Move down (older)"),
    bind(Audit,       &[code(PageUp)],              Action::PageUp,                    None,               "Page up"),
    bind(Audit,       &[code(PageDown)],            Action::PageDown,                  None,               "Page down"),
    bind(Audit,       &[code(Home), k('g')],        Action::Home,                      None,               "Newest entry"),
    bind(Audit,       &[code(End), k('G')],         Action::End,                       None,               "Oldest entry"),
    bind(Audit,       &[k('/')],                    Action::StartFilter,               Some("filter"),     "Filter (actor, target, op)"),
    bind(Audit,       &[code(Esc)],                 Action::ClearFilter,               None,               "Clear the filter"),
    bind(Audit,       &[code(Enter)],               Action::OpenEntry,                 Some("open"),       "Open the entry: before → after"),
    bind(Audit,       &[k('r')],                    Action::Reload,                    None,               "Reload"),
    bind(Audit,       &[k('?')],                    Action::Help,                      Some("help"),       "Show this help"),
    bind(Audit,       &[k('q'), ctrl('c')],         Action::Quit,                      Some("quit"),       "Quit"),
    bind(Groups,      &[k('1')],                    Action::ShowPane(Pane::All),       None,               "All users"),
    bind(Groups,      &[k('2')],                    Action::ShowPane(Pane::Grouped),   None,               "Users in a group"),
    bind(Groups,      &[k('3')],                    Action::ShowPane(Pane::Ungrouped), None,               "Users in no group"),
    bind(Groups,      &[k('5')],                    Action::ShowAudit,                 None,               "Audit log"),
    bind(Groups,      &[code(Tab)],                 Action::NextPane,                  None,               "Next pane"),
    bind(Groups,      &[code(BackTab)],             Action::PrevPane,                  None,               "Previous pane"),
    bind(Groups,      &[code(Up), k('k')],          Action::Up,                        None,               "Move up"),
    bind(Groups,      &[code(Down), k('j')],        Action::Down,                      None,               "Move down"),
    bind(Groups,      &[code(PageUp)],              Action::PageUp,                    None,               "Page up"),
    bind(Groups,      &[code(PageDown)],            Action::PageDown,                  None,               "Page down"),
    bind(Groups,      &[code(Home), k('g')],        Action::Home,                      None,               "First group"),
    bind(Groups,      &[code(End), k('G')],         Action::End,                       None,               "Last group"),
    bind(Groups,      &[code(Right), k('l')],       Action::Expand,                    None,               "Expand the group (or step into it)"),
    bind(Groups,      &[code(Left), k('h')],        Action::Collapse,                  None,               "Collapse (or step out to parent)"),
    bind(Groups,      &[k('/')],                    Action::StartFilter,               Some("filter"),     "Filter by name (ancestors stay)"),
    bind(Groups,      &[code(Esc)],                 Action::ClearFilter,               None,               "Clear the filter"),
    bind(Groups,      &[code(Enter)],               Action::OpenMembers,               Some("members"),    "The group's members (Esc back)").only(When::Selected),
    bind(Groups,      &[k('+')],                    Action::AddMembers,                Some("add users"),  "Add users to the group (picker)").only(When::Selected),
    bind(Groups,      &[k('a')],                    Action::Add,                       Some("add"),        "Add a group under the selected one"),
    bind(Groups,      &[k('e')],                    Action::Edit,                      Some("edit"),       "Edit the group: rename, move").only(When::Selected),
    bind(Groups,      &[k('d'), code(Delete)],      Action::Delete,                    Some("delete"),     "Delete the group — confirm dialog").only(When::Selected),
    bind(Groups,      &[k('t')],                    Action::LinkDevice,                Some("link device"), "Link a device (picker)").only(When::Selected),
    bind(Groups,      &[k('u')],                    Action::UnlinkDevice,              Some("unlink"),     "Unlink a device (confirm)").only(When::Selected),
    bind(Groups,      &[k('n')],                    Action::NewDevice,                 Some("new device"), "Add a new device, linked to it").only(When::Selected),
    bind(Groups,      &[k('r')],                    Action::Reload,                    None,               "Reload"),
    bind(Groups,      &[k('?')],                    Action::Help,                      Some("help"),       "Show this help"),
    bind(Groups,      &[k('q'), ctrl('c')],         Action::Quit,                      Some("quit"),       "Quit"),
    bind(GroupForm,   &[code(Enter), ctrl('s')],    Action::Save,                      Some("save"),       "Save"),
    bind(GroupForm,   &[code(Esc)],                 Action::Close,                     Some("cancel"),     "Cancel"),
    bind(GroupForm,   &[code(Up)],                  Action::Up,                        None,               "Parent: previous group"),
    bind(GroupForm,   &[code(Down)],                Action::Down,                      None,               "Parent: next group"),
    bind(GroupForm,   &[code(PageUp)],              Action::PageUp,                    None,               "Parent: a page up"),
    bind(GroupForm,   &[code(PageDown)],            Action::PageDown,                  None,               "Parent: a page down"),
    bind(GroupForm,   &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Picker,      &[code(Enter)],               Action::MenuChoose,                Some("choose"),     "Choose (typing narrows the list)"),
    bind(Picker,      &[code(Esc)],                 Action::Close,                     Some("cancel"),     "Cancel"),
    bind(Picker,      &[code(Up)],                  Action::Up,                        None,               "Previous device"),
    bind(Picker,      &[code(Down)],                Action::Down,                      None,               "Next device"),
    bind(Picker,      &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Prompt,      &[code(Enter)],               Action::MenuChoose,                Some("add"),        "Add the device"),
    bind(Prompt,      &[code(Esc)],                 Action::Close,                     Some("cancel"),     "Cancel"),
    bind(Prompt,      &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(AuditEntry,  &[code(Esc), code(Enter), k('q')], Action::Close,              Some("close"),      "Close the entry"),
    bind(AuditEntry,  &[code(Up), k('k')],          Action::Up,                        None,               "Scroll up"),
    bind(AuditEntry,  &[code(Down), k('j')],        Action::Down,                      None,               "Scroll down"),
    bind(AuditEntry,  &[code(PageUp)],              Action::PageUp,                    None,               "Scroll a page up"),
    bind(AuditEntry,  &[code(PageDown)],            Action::PageDown,                  None,               "Scroll a page down"),
    bind(AuditEntry,  &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(History,     &[code(Esc), k('q'), ctrl('o')], Action::Close,                Some("close"),      "Close the history"),
    bind(History,     &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(FormText,    &[code(Up)],                  Action::PrevField,                 None,               "Previous field"),
    bind(FormText,    &[code(Down), code(Enter)],   Action::NextField,                 None,               "Next field"),
    bind(FormCheck,   &[k(' ')],                    Action::Toggle,                    Some("tick"),       "Tick or untick"),
    bind(FormCheck,   &[code(Up)],                  Action::PrevField,                 None,               "Previous field"),
    bind(FormCheck,   &[code(Down), code(Enter)],   Action::NextField,                 None,               "Next field"),
    // Typing (spaces included) filters the groups, so ticking takes a key that types
    // nothing.
    bind(FormGroups,  &[code(Enter)],               Action::Toggle,                    Some("tick"),       "Join or leave the group"),
    bind(FormGroups,  &[code(Up)],                  Action::Up,                        None,               "Previous group"),
    bind(FormGroups,  &[code(Down)],                Action::Down,                      None,               "Next group"),
    bind(FormGroups,  &[code(Home)],                Action::Home,                      None,               "First group"),
    bind(FormGroups,  &[code(End)],                 Action::End,                       None,               "Last group"),
    bind(FormTags,    &[code(Up)],                  Action::Up,                        None,               "Previous tag or suggestion"),
    bind(FormTags,    &[code(Down)],                Action::Down,                      None,               "Next tag or suggestion"),
    bind(FormTags,    &[code(Enter)],               Action::TagEnter,                  Some("next"),       "Next cell, or the suggestion chosen with ↑↓"),
    bind(FormTags,    &[ctrl('n')],                 Action::AddTag,                    Some("add tag"),    "Add a tag"),
    bind(FormTags,    &[ctrl('d')],                 Action::RemoveTag,                 Some("remove tag"), "Remove the tag"),
    bind(FormActions, &[code(Left)],                Action::PrevButton,                None,               "Previous button"),
    bind(FormActions, &[code(Right)],               Action::NextButton,                None,               "Next button"),
    bind(FormActions, &[code(Enter), k(' ')],       Action::PressButton,               Some("press"),      "Press the button"),
    bind(FormActions, &[code(Up)],                  Action::PrevField,                 None,               "Previous field"),
    bind(FormReading, &[code(Esc)],                 Action::Close,                     Some("close"),      "Close"),
    bind(FormReading, &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Form,        &[ctrl('s')],                 Action::Save,                      Some("save"),       "Save"),
    bind(Form,        &[code(Tab)],                 Action::NextField,                 Some("next"),       "Next field"),
    bind(Form,        &[code(BackTab)],             Action::PrevField,                 None,               "Previous field"),
    bind(Form,        &[code(Esc)],                 Action::Close,                     Some("close"),      "Close (asks first when edited)"),
    bind(Form,        &[ctrl('r')],                 Action::ReloadForm,                None,               "Reload the user after a conflict"),
    bind(Form,        &[ctrl('c')],                 Action::Quit,                      None,               "Quit"),
    bind(Form,        &[ctrl('o')],                 Action::History,                   Some("history"),    "The user's recent changes (audit log)").only(When::Editing),
];

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let other = event
            .modifiers
            .intersects(KeyModifiers::ALT | KeyModifiers::SUPER);
        // Shift is part of the character (`G`, `?`) or of the key (`BackTab`).
        self.code == event.code && self.ctrl == ctrl && !other
    }

    /// How the key is written in the footer and help.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Delete => "Del".into(),
            other => other.to_string(),
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

impl Binding {
    pub fn key_names(&self) -> String {
        self.keys
            .iter()
            .map(Key::name)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The action bound to `event` in `context`, if any.
pub fn action_for(context: Context, event: &KeyEvent) -> Option<Action> {
    action_among(bindings(context), event)
}

/// The action bound to `event` in `context` while a bulk job runs over it, if any.
pub fn action_over_job(context: Context, event: &KeyEvent) -> Option<Action> {
    action_among(bindings_over_job(context), event)
}

fn action_among<'a>(
    mut bindings: impl Iterator<Item = &'a Binding>,
    event: &KeyEvent,
) -> Option<Action> {
    bindings
        .find(|b| b.keys.iter().any(|key| key.matches(event)))
        .map(|b| b.action.clone())
}

/// The bindings in force in `context`: its own first, then the shared ones (but for
/// those whose keys it binds itself, when it overrides its parent).
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    layered(context, context.parent(), context.overrides_parent())
}

/// The bindings in force in a screen's `context` (the Groups pane, the Audit log) while
/// a bulk job runs and no popup is open: the `Job` keys over the screen's, as `Job`
/// lies over the user list (`Esc` cancels the job).
pub fn bindings_over_job(context: Context) -> impl Iterator<Item = &'static Binding> {
    layered(Job, Some(context), true)
}

/// `top`'s bindings first, then `below`'s (but for those whose keys `top` binds, when
/// it `overrides` them).
fn layered(
    top: Context,
    below: Option<Context>,
    overrides: bool,
) -> impl Iterator<Item = &'static Binding> {
    let own = BINDINGS.iter().filter(move |b| b.context == top);
    let bound_here =
        move |key: &Key| (BINDINGS.iter()).any(|b| b.context == top && b.keys.contains(key));
    let shared = BINDINGS
        .iter()
        .filter(move |b| Some(b.context) == below && !(overrides && b.keys.iter().any(bound_here)));
    own.chain(shared)
}

/// The bindings offered (in the footer and the help) in `context`: while a bulk job
/// runs, none that starts a change.
pub fn offered(context: Context) -> impl Iterator<Item = &'static Binding> {
    bindings(context).filter(move |b| !(context == Job && b.changes))
}

/// The keys a screen's `context` offers while a bulk job runs over it: as [`offered`]
/// for `Job`, none that starts a change.
pub fn offered_over_job(context: Context) -> impl Iterator<Item = &'static Binding> {
    bindings_over_job(context).filter(|b| !b.changes)
}

/// How the first key bound to `action` in `context` is written ("" when none is).
pub fn key_name(context: Context, action: &Action) -> String {
    bindings(context)
        .find(|b| &b.action == action)
        .map(|b| b.keys[0].name())
        .unwrap_or_default()
}

/// A footer hint: the key, its word, and whether it is the last to go when the
/// footer is short of room (`? help`, which leads to every other key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub key: String,
    pub word: String,
    pub last_to_go: bool,
}

/// The footer's hints in `context`: only those that can act on what the list holds;
/// with marks, the keys that act on them come first (but cancelling a bulk job before
/// all).
pub fn footer_hints(context: Context, offer: Offer) -> Vec<Hint> {
    hints_among(offered(context), context == Job, offer)
}

/// The footer's hints in a screen's `context` while a bulk job runs over it.
pub fn footer_hints_over_job(context: Context, offer: Offer) -> Vec<Hint> {
    hints_among(offered_over_job(context), true, offer)
}

fn hints_among<'a>(
    bindings: impl Iterator<Item = &'a Binding>,
    job: bool,
    offer: Offer,
) -> Vec<Hint> {
    let mut shown: Vec<&Binding> = bindings.filter(|b| b.when.holds(offer)).collect();
    if offer.marked.is_some() && !job {
        shown.sort_by_key(|b| b.on_marks.is_none());
    }
    shown
        .into_iter()
        .filter_map(|b| {
            let word = match (offer.marked, b.on_marks) {
                (Some(count), Some(word)) => marks_word(word, count),
                _ => b.hint?.to_string(),
            };
            Some(Hint {
                key: b.keys[0].name(),
                word,
                last_to_go: b.action == Action::Help,
            })
        })
        .collect()
}

/// A footer word for the marked users: `N` becomes their count, or goes while they
/// are being counted.
fn marks_word(word: &str, count: Option<u64>) -> String {
    match count {
        Some(n) => word.replace('N', &HumanCount(n).to_string()),
        None => word.replace("N ", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        let inherits = |child: Context, parent: Context| {
            child.parent() == Some(parent) && !child.overrides_parent()
        };
        let overlaps = |a: &Binding, b: &Binding| {
            a.context == b.context
                || inherits(a.context, b.context)
                || inherits(b.context, a.context)
        };
        for a in BINDINGS {
            for b in BINDINGS {
                if std::ptr::eq(a, b) || !overlaps(a, b) {
                    continue;
                }
                for key in a.keys {
                    assert!(
                        !b.keys.contains(key),
                        "{:?} bound twice in {:?}",
                        key,
                        a.context
                    );
                }
            }
        }
    }

    #[test]
    fn while_a_job_runs_no_key_that_starts_a_change_is_offered() {
        let offered: Vec<&Action> = offered(Job).map(|b| &b.action).collect();
        assert!(offered.contains(&&Action::CancelJob), "{offered:?}");
        assert!(offered.contains(&&Action::Down), "{offered:?}");
        for change in [
            Action::Edit,
            Action::Add,
            Action::OpenMenu,
            Action::Delete,
            Action::InvalidateUser,
            Action::InvalidateAll,
        ] {
            assert!(!offered.contains(&&change), "{change:?}");
            assert!(
                offered_in_list(&change),
                "{change:?} is offered without a job"
            );
        }
    }

    fn offered_in_list(action: &Action) -> bool {
        offered(List).any(|b| &b.action == action)
    }

    #[test]
    fn shift_and_ctrl_are_told_apart() {
        let press = |code, modifiers| KeyEvent::new(code, modifiers);
        assert_eq!(
            action_for(List, &press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::End)
        );
        assert_eq!(
            action_for(List, &press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(List, &press(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            action_for(List, &press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            action_for(List, &press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
    }

    #[test]
    fn esc_cancels_a_bulk_job_and_otherwise_clears_the_filter() {
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(action_for(Job, &esc), Some(Action::CancelJob));
        assert_eq!(action_for(List, &esc), Some(Action::ClearFilter));
        let j = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(action_for(Job, &j), Some(Action::Down), "browsing goes on");
    }

    #[test]
    fn over_the_groups_pane_and_the_audit_log_esc_cancels_a_job_and_their_keys_stay() {
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        let l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::NONE);
        assert_eq!(action_for(Groups, &esc), Some(Action::ClearFilter));
        assert_eq!(action_over_job(Groups, &esc), Some(Action::CancelJob));
        assert_eq!(action_over_job(Groups, &l), Some(Action::Expand));
        assert_eq!(action_over_job(Audit, &esc), Some(Action::CancelJob));
        let escs = bindings_over_job(Groups).filter(|b| b.keys.contains(&code(Esc)));
        assert_eq!(escs.count(), 1, "help lists one Esc");
        let offer = Offer {
            selected: true,
            any_user: true,
            editing: false,
            direct_member: false,
            marked: None,
        };
        let hints = footer_hints_over_job(Audit, offer);
        assert_eq!(hints[0].key, "Esc");
        assert_eq!(hints[0].word, "cancel job");
    }

    #[test]
    fn with_marks_the_footer_says_d_and_i_act_on_them() {
        let offer = |marked| Offer {
            selected: true,
            any_user: true,
            editing: false,
            direct_member: false,
            marked,
        };
        let word = |offer, key: &str| {
            footer_hints(List, offer)
                .into_iter()
                .find(|h| h.key == key)
                .map(|h| h.word)
        };
        assert_eq!(word(offer(None), "d").as_deref(), Some("delete"));
        assert_eq!(word(offer(None), "u"), None, "nothing to unmark");
        let marked = offer(Some(Some(1234)));
        assert_eq!(word(marked, "d").as_deref(), Some("delete 1,234 marked"));
        assert_eq!(
            word(marked, "i").as_deref(),
            Some("invalidate 1,234 marked")
        );
        assert_eq!(word(marked, "m").as_deref(), Some("bulk menu"));
        assert_eq!(word(marked, "u").as_deref(), Some("unmark all"));
        let counting = offer(Some(None));
        assert_eq!(word(counting, "d").as_deref(), Some("delete marked"));
        let none_selected = Offer {
            selected: false,
            ..marked
        };
        assert!(
            word(none_selected, "d").is_some(),
            "the marked are there to act on"
        );
        assert!(word(none_selected, "e").is_none());
    }

    #[test]
    fn the_members_view_offers_remove_only_on_a_direct_member() {
        let offer = |direct_member| Offer {
            selected: true,
            any_user: true,
            editing: false,
            direct_member,
            marked: None,
        };
        let offers_remove = |offer| footer_hints(Members, offer).iter().any(|h| h.key == "-");
        assert!(offers_remove(offer(true)));
        assert!(!offers_remove(offer(false)), "a subgroup's member only");
        let marked = Offer {
            marked: Some(Some(3)),
            ..offer(false)
        };
        assert!(offers_remove(marked), "with marks, - acts on them");
    }

    #[test]
    fn the_members_view_has_the_lists_keys_but_its_own_esc() {
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(action_for(Members, &esc), Some(Action::Back));
        assert_eq!(action_for(List, &esc), Some(Action::ClearFilter));
        let e = KeyEvent::new(KeyCode::Char('e'), KeyModifiers::NONE);
        assert_eq!(action_for(Members, &e), Some(Action::Edit));
        let escs = bindings(Members).filter(|b| b.keys.contains(&code(Esc)));
        assert_eq!(escs.count(), 1, "help lists one Esc");
    }

    #[test]
    fn every_context_can_quit() {
        for ctx in [
            List,
            Job,
            Members,
            UserPicker,
            Filter,
            Menu,
            BulkMenu,
            GroupPick,
            BulkPrompt,
            Dialog,
            Help,
            Audit,
            AuditEntry,
            History,
            Groups,
            GroupForm,
            Picker,
            Prompt,
            FormText,
            FormCheck,
            FormGroups,
            FormTags,
            FormActions,
            FormReading,
        ] {
            let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert_eq!(action_for(ctx, &ctrl_c), Some(Action::Quit), "{ctx:?}");
        }
    }
}
