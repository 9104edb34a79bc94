//! The add / edit user form: its state and the draft it yields (`update` answers its
//! keys, `view` draws it).

pub(crate) mod field_text;
mod groups;
mod panes;
mod tags;
mod update;
pub mod view;

pub use groups::{GroupChecklist, GroupItem};
pub use tags::{SUGGESTIONS, TagColumn, TagEditor, TagRow};

use tui_input::Input;

use crate::domain::{Field, FieldError, PasswordInput, UserDraft};
use crate::store::{ReachedDevice, StoreError, UserId};
use crate::tui::keymap::Context;
use crate::tui::looked::{FormRead, Looked};
use crate::tui::session::Session;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormMode {
    Add,
    /// Editing `id`, as it was at `version` when the form opened.
    Edit {
        id: UserId,
        version: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormFocus {
    Email,
    ChangePassword,
    Password,
    FirstName,
    LastName,
    Groups,
    Tags,
    Actions,
}

impl FormFocus {
    /// Whether an error about `field` shows in this part of the form (a record-wide
    /// one shows above the buttons).
    pub fn shows(self, field: Field) -> bool {
        use FormFocus::*;
        matches!(
            (self, field),
            (Email, Field::Email)
                | (Password, Field::Password)
                | (FirstName, Field::FirstName)
                | (LastName, Field::LastName)
                | (Groups, Field::Groups)
                | (Tags, Field::TagKey(_) | Field::TagValue(_))
                | (Actions, Field::Record)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormButton {
    Save,
    Cancel,
    InvalidateTokens,
    Delete,
}

impl FormButton {
    pub fn label(self) -> &'static str {
        match self {
            FormButton::Save => "Save",
            FormButton::Cancel => "Cancel",
            FormButton::InvalidateTokens => "Invalidate tokens",
            FormButton::Delete => "Delete",
        }
    }
}

pub struct UserForm {
    pub mode: FormMode,
    pub email: Input,
    pub change_password: bool,
    pub password: Input,
    pub first_name: Input,
    pub last_name: Input,
    pub groups: GroupChecklist,
    pub tags: TagEditor,
    /// Devices the ticked groups (and their ancestors) reach, kept current as groups
    /// are toggled.
    pub devices: Vec<ReachedDevice>,
    pub focus: FormFocus,
    /// The focused footer button, as an index into [`UserForm::buttons`].
    pub button: usize,
    /// Problems found by the last save, shown beside their fields.
    pub errors: Vec<FieldError>,
    /// The status line's count of those problems, withdrawn once all are fixed.
    reported: Option<String>,
    /// A password is being hashed off the UI thread.
    pub saving: bool,
    /// The user changed or vanished under us: the message shown instead of saving.
    pub conflict: Option<String>,
    /// The lookup of what the form opens with, while it is awaited (an edit form
    /// takes no edits until its user is read).
    pub loading: Option<u64>,
    /// Whether what the form opens with arrived once (a later read is a reload).
    pub read_once: bool,
    /// The lookup of the devices the ticked groups reach, while it is awaited.
    pub devices_loading: Option<u64>,
    /// A lookup a save or a button waits for, and what it is for.
    pub waiting: Option<(u64, Waiting)>,
    initial: UserDraft,
}

/// What the form waits for before it goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// What else is wrong with a draft that broke a rule, to show every problem.
    Problems,
    /// The user as they are now, for the dialog the button asks.
    Button(FormButton),
}

/// Lanes of the lookups the form asks for.
const FORM: &str = "form";
const DEVICES: &str = "form devices";

impl Drop for UserForm {
    /// The typed password is wiped when the form closes. (Copies left by the text
    /// field's own edits, as its buffer grew, are beyond reach.)
    fn drop(&mut self) {
        self.wipe_password();
    }
}

impl UserForm {
    /// The email the user had when the form opened (names them if they vanish).
    pub fn opened_email(&self) -> &str {
        &self.initial.email
    }

    pub fn wipe_password(&mut self) {
        drop(PasswordInput::from(self.password.value_and_reset()));
    }

    /// An empty form for a new user, in `groups` (a group's members view adds to it);
    /// its groups and tag keys are read off the UI thread while the fields take typing.
    pub fn add(session: &mut Session, groups: Vec<String>) -> UserForm {
        let draft = UserDraft {
            password: Some(PasswordInput::default()),
            groups,
            ..Default::default()
        };
        let (application, ticked) = (session.application.id, draft.groups.clone());
        let loading = session.lookups.ask(FORM, move |store| {
            let groups = store.groups(application)?;
            let ids = GroupChecklist::new(&groups, &ticked).ticked_ids();
            Ok(Looked::Form(Box::new(FormRead {
                user: None,
                devices: store.devices_reached(&ids)?,
                usage: store.tag_key_usage(application, None)?,
                groups,
            })))
        });
        UserForm::build(FormMode::Add, draft, &FormRead::default(), Some(loading))
    }

    /// The form for user `id` (`email` as the list showed it), read off the UI thread:
    /// it shows the email and "Reading…" until the user arrives.
    pub fn edit(session: &mut Session, id: UserId, email: &str) -> UserForm {
        let loading = UserForm::read_user(session, id);
        let draft = UserDraft {
            email: email.to_string(),
            ..Default::default()
        };
        let mode = FormMode::Edit { id, version: 0 };
        UserForm::build(mode, draft, &FormRead::default(), Some(loading))
    }

    /// Asks for user `id` and what their form shows.
    pub(super) fn read_user(session: &mut Session, id: UserId) -> u64 {
        let application = session.application.id;
        session.lookups.ask(FORM, move |store| {
            let user = match store.user(id) {
                Ok(user) => user,
                Err(StoreError::UserGone(_)) => return Ok(Looked::Gone),
                Err(other) => return Err(other),
            };
            let groups = store.groups(application)?;
            let ids = GroupChecklist::new(&groups, &user.groups).ticked_ids();
            Ok(Looked::Form(Box::new(FormRead {
                devices: store.devices_reached(&ids)?,
                usage: store.tag_key_usage(application, Some(id))?,
                groups,
                user: Some(user),
            })))
        })
    }

    fn build(mode: FormMode, draft: UserDraft, read: &FormRead, loading: Option<u64>) -> UserForm {
        UserForm {
            mode,
            email: Input::new(draft.email.clone()),
            change_password: false,
            password: Input::default(),
            first_name: Input::new(draft.first_name.clone()),
            last_name: Input::new(draft.last_name.clone()),
            groups: GroupChecklist::new(&read.groups, &draft.groups),
            tags: TagEditor::new(&draft.tags, read.usage.clone()),
            devices: read.devices.clone(),
            focus: FormFocus::Email,
            button: 0,
            errors: Vec::new(),
            reported: None,
            saving: false,
            conflict: None,
            read_once: loading.is_none(),
            loading,
            devices_loading: None,
            waiting: None,
            initial: draft,
        }
    }

    /// What the form opened with arrived: an edit form shows the user as read (the
    /// focus stays); an add form keeps what was typed meanwhile.
    pub fn opened(&mut self, read: FormRead) {
        self.loading = None;
        match (&self.mode, read.user.as_ref()) {
            (FormMode::Edit { id, .. }, Some(user)) => {
                let draft = UserDraft {
                    email: user.email.clone(),
                    password: None,
                    first_name: user.first_name.clone().unwrap_or_default(),
                    last_name: user.last_name.clone().unwrap_or_default(),
                    groups: user.groups.clone(),
                    tags: user.tags.clone().into_iter().collect(),
                };
                let mode = FormMode::Edit {
                    id: *id,
                    version: user.version,
                };
                let focus = self.focus;
                *self = UserForm::build(mode, draft, &read, None);
                self.focus = focus;
            }
            _ => {
                self.read_once = true;
                self.groups = GroupChecklist::new(&read.groups, &self.initial.groups);
                self.devices = read.devices;
                self.tags.known_keys = read.usage;
            }
        }
    }

    /// Whether the form awaits the lookup of `generation`.
    pub fn awaits(&self, generation: u64) -> bool {
        [
            self.loading,
            self.devices_loading,
            self.waiting.map(|w| w.0),
        ]
        .contains(&Some(generation))
    }

    /// Whether a lookup the form waits for is under way.
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.devices_loading.is_some() || self.waiting.is_some()
    }

    /// Reads the devices the ticked groups reach (the list shows until they arrive).
    pub(super) fn read_devices(&mut self, session: &mut Session) {
        let ids = self.groups.ticked_ids();
        self.devices_loading = Some(session.lookups.ask(DEVICES, move |store| {
            Ok(Looked::Devices(store.devices_reached(&ids)?))
        }));
    }

    /// The keys in force, by the focused field; none but closing while an edit form
    /// waits for its user.
    pub fn context(&self) -> Context {
        if self.reading_user() {
            return Context::FormReading;
        }
        match self.focus {
            FormFocus::ChangePassword => Context::FormCheck,
            FormFocus::Groups => Context::FormGroups,
            FormFocus::Tags => Context::FormTags,
            FormFocus::Actions => Context::FormActions,
            _ => Context::FormText,
        }
    }

    /// An edit form waiting for its user: it has no fields to show or take keys yet.
    pub fn reading_user(&self) -> bool {
        self.is_edit() && self.loading.is_some()
    }

    pub fn is_edit(&self) -> bool {
        matches!(self.mode, FormMode::Edit { .. })
    }

    pub fn title(&self) -> &'static str {
        if self.is_edit() {
            "Edit user"
        } else {
            "Add user"
        }
    }

    pub fn buttons(&self) -> &'static [FormButton] {
        if self.is_edit() {
            &[
                FormButton::Save,
                FormButton::Cancel,
                FormButton::InvalidateTokens,
                FormButton::Delete,
            ]
        } else {
            &[FormButton::Save, FormButton::Cancel]
        }
    }

    /// Whether the password field is part of the form right now.
    pub fn password_shown(&self) -> bool {
        !self.is_edit() || self.change_password
    }

    /// Fields in `Tab` order, as the form currently stands.
    pub fn focus_order(&self) -> Vec<FormFocus> {
        use FormFocus::*;
        let mut order = vec![Email];
        if self.is_edit() {
            order.push(ChangePassword);
        }
        if self.password_shown() {
            order.push(Password);
        }
        order.extend([FirstName, LastName, Groups, Tags, Actions]);
        order
    }

    pub fn move_focus(&mut self, delta: isize) {
        let order = self.focus_order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(i + delta).rem_euclid(order.len() as isize) as usize];
        self.tags.dismiss();
        // The filter helps find a group while in the box; out of it, the box shows
        // the whole tree again.
        if self.focus != FormFocus::Groups {
            self.groups.clear_filter();
        }
    }

    /// The text field that has focus, if any.
    pub fn focused_input(&mut self) -> Option<&mut Input> {
        match self.focus {
            FormFocus::Email => Some(&mut self.email),
            FormFocus::Password => Some(&mut self.password),
            FormFocus::FirstName => Some(&mut self.first_name),
            FormFocus::LastName => Some(&mut self.last_name),
            FormFocus::Groups => Some(&mut self.groups.filter),
            FormFocus::Tags => Some(self.tags.current()),
            FormFocus::ChangePassword | FormFocus::Actions => None,
        }
    }

    /// What the form would save.
    pub fn draft(&self) -> UserDraft {
        UserDraft {
            email: self.email.value().to_string(),
            password: self.password_shown().then(|| self.password.value().into()),
            first_name: self.first_name.value().to_string(),
            last_name: self.last_name.value().to_string(),
            // Until the groups are read, those the form opened with stand.
            groups: match self.loading {
                Some(_) => self.initial.groups.clone(),
                None => self.groups.ticked_names(),
            },
            tags: self.tags.filled().into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// Whether anything differs from what the form opened with.
    pub fn is_dirty(&self) -> bool {
        self.draft() != self.initial
    }

    /// The editor row a draft tag index (as in [`Field::TagKey`]) came from.
    pub fn tag_row(&self, draft_index: usize) -> Option<usize> {
        self.tags.filled().get(draft_index).map(|(row, _)| *row)
    }

    /// The first error reported for `field`.
    pub fn error(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Forgets the errors of the field being edited.
    pub fn clear_errors_of_focus(&mut self) {
        let fields: &[Field] = match self.focus {
            FormFocus::Email => &[Field::Email, Field::Record],
            FormFocus::Password | FormFocus::ChangePassword => &[Field::Password],
            FormFocus::FirstName => &[Field::FirstName],
            FormFocus::LastName => &[Field::LastName],
            FormFocus::Groups => &[Field::Groups],
            FormFocus::Tags | FormFocus::Actions => &[],
        };
        self.errors.retain(|e| !fields.contains(&e.field));
        if self.focus == FormFocus::Tags {
            let row = self.tags.row;
            let filled = self.tags.filled();
            self.errors.retain(|e| match e.field {
                Field::TagKey(i) | Field::TagValue(i) => filled.get(i).map(|f| f.0) != Some(row),
                _ => true,
            });
        }
    }
}
