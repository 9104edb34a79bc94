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
use crate::store::{AppId, ReachedDevice, Result, Store, UserId};
use crate::tui::keymap::Context;

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
    initial: UserDraft,
}

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

    /// An empty form for a new user, in `groups` (a group's members view adds to it).
    pub fn add(store: &Store, application: AppId, groups: Vec<String>) -> Result<UserForm> {
        let draft = UserDraft {
            password: Some(PasswordInput::default()),
            groups,
            ..Default::default()
        };
        UserForm::build(store, application, FormMode::Add, draft, None)
    }

    pub fn edit(store: &Store, application: AppId, id: UserId) -> Result<UserForm> {
        let user = store.user(id)?;
        let draft = UserDraft {
            email: user.email.clone(),
            password: None,
            first_name: user.first_name.clone().unwrap_or_default(),
            last_name: user.last_name.clone().unwrap_or_default(),
            groups: user.groups.clone(),
            tags: user.tags.clone().into_iter().collect(),
        };
        let mode = FormMode::Edit {
            id,
            version: user.version,
        };
        UserForm::build(store, application, mode, draft, Some(id))
    }

    fn build(
        store: &Store,
        application: AppId,
        mode: FormMode,
        draft: UserDraft,
        user: Option<UserId>,
    ) -> Result<UserForm> {
        let groups = GroupChecklist::new(&store.groups(application)?, &draft.groups);
        let devices = store.devices_reached(&groups.ticked_ids())?;
        Ok(UserForm {
            mode,
            email: Input::new(draft.email.clone()),
            change_password: false,
            password: Input::default(),
            first_name: Input::new(draft.first_name.clone()),
            last_name: Input::new(draft.last_name.clone()),
            groups,
            tags: TagEditor::new(&draft.tags, store.tag_key_usage(application, user)?),
            devices,
            focus: FormFocus::Email,
            button: 0,
            errors: Vec::new(),
            reported: None,
            saving: false,
            conflict: None,
            initial: draft,
        })
    }

    /// The keys in force, by the focused field.
    pub fn context(&self) -> Context {
        match self.focus {
            FormFocus::ChangePassword => Context::FormCheck,
            FormFocus::Groups => Context::FormGroups,
            FormFocus::Tags => Context::FormTags,
            FormFocus::Actions => Context::FormActions,
            _ => Context::FormText,
        }
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
            groups: self.groups.ticked_names(),
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
