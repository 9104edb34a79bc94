//! What the form does with an action: edits, focus moves, and the save, which checks
//! every rule, has a new password hashed off the UI thread, then writes.

use ratatui::crossterm::event::Event;
use tui_input::InputRequest;
use tui_input::backend::crossterm::to_input_request;

use super::{FormButton, FormFocus, FormMode, TagColumn, UserForm, Waiting};
use crate::auth::PasswordHash;
use crate::domain::{Field, FieldError, Password, UserDraft};
use crate::store::{AppId, Result, StoreError};
use crate::tui::action::Action;
use crate::tui::looked::Looked;
use crate::tui::screens::Effect;
use crate::tui::screens::dialog::Confirm;
use crate::tui::session::Session;
use crate::tui::writer::Write;
use crate::tui::written::SaveOutcome;

/// What the status line says while the form waits for a lookup.
const READING: &str = "Reading the user…";

/// Lanes of the lookups a save or a button waits for.
const USER: &str = "form user";
const PROBLEMS: &str = "form problems";

impl UserForm {
    pub fn update(&mut self, session: &mut Session, action: Action) -> Result<Effect> {
        let effect = self.handle(session, action)?;
        if self.errors.is_empty()
            && let Some(reported) = self.reported.take()
        {
            session.withdraw(&reported);
        }
        Ok(effect)
    }

    fn handle(&mut self, session: &mut Session, action: Action) -> Result<Effect> {
        if self.saving || self.waiting.is_some() {
            // Nothing changes under a save in flight, or while a save or a button
            // waits for a lookup.
            return Ok(Effect::None);
        }
        if self.loading.is_some() && !self.takes_while_loading(&action) {
            if matches!(action, Action::Save | Action::PressButton) {
                session.info(READING);
            }
            return Ok(Effect::None);
        }
        match action {
            Action::NextField if self.focus == FormFocus::Tags && self.tags.accept() => {}
            Action::NextField => self.move_focus(1),
            Action::PrevField => self.move_focus(-1),
            Action::Up | Action::Down => {
                let delta = if action == Action::Up { -1 } else { 1 };
                match self.focus {
                    FormFocus::Groups => self.groups.move_cursor(delta),
                    FormFocus::Tags if !self.tags.suggestions.is_empty() => self.tags.choose(delta),
                    FormFocus::Tags => self.tags.move_row(delta),
                    _ => self.move_focus(delta),
                }
            }
            Action::Toggle => match self.focus {
                FormFocus::ChangePassword => {
                    self.change_password = !self.change_password;
                    self.wipe_password();
                    self.clear_errors_of_focus();
                }
                FormFocus::Groups => {
                    self.groups.toggle();
                    self.clear_errors_of_focus();
                    self.read_devices(session);
                }
                _ => {}
            },
            Action::FormKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_focused([request]);
                }
            }
            Action::Paste(text) => {
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_focused(chars.map(InputRequest::InsertChar));
            }
            Action::TagEnter => self.tags.enter(),
            Action::AddTag => self.tags.add_row(),
            Action::RemoveTag => {
                self.tags.remove_row();
                self.errors.clear();
            }
            Action::PrevButton | Action::NextButton => {
                let n = self.buttons().len();
                let step = if action == Action::PrevButton {
                    n - 1
                } else {
                    1
                };
                self.button = (self.button + step) % n;
            }
            Action::PressButton => return self.press(session, self.buttons()[self.button]),
            Action::Save => return Ok(Effect::Save),
            Action::Close if !self.tags.suggestions.is_empty() => self.tags.dismiss(),
            Action::Close
                if self.focus == FormFocus::Groups && !self.groups.filter.value().is_empty() =>
            {
                self.groups.clear_filter();
            }
            Action::Home if self.focus == FormFocus::Groups => self.groups.cursor = 0,
            Action::End if self.focus == FormFocus::Groups => self.groups.move_cursor(isize::MAX),
            Action::Close => return Ok(self.close()),
            Action::ReloadForm => return self.reopen(session),
            Action::History => match self.mode {
                FormMode::Edit { id, .. } => {
                    let email = self.opened_email().to_string();
                    return Ok(Effect::History { id, email });
                }
                FormMode::Add => session.info("A user not yet added has no history"),
            },
            _ => {}
        }
        Ok(Effect::None)
    }

    /// What the form does while what it opens with is read: closing; in a new user's
    /// form also moving about and typing. An edit form has no user to edit yet: it
    /// shows no fields, so nothing may act on them (its keys offer only `Esc`; this
    /// also holds off a paste).
    fn takes_while_loading(&self, action: &Action) -> bool {
        if self.is_edit() {
            return *action == Action::Close;
        }
        matches!(
            action,
            Action::FormKey(_)
                | Action::Paste(_)
                | Action::NextField
                | Action::PrevField
                | Action::Up
                | Action::Down
                | Action::PrevButton
                | Action::NextButton
                | Action::Close
        )
    }

    /// A lookup the form asked for came back (the caller checked it awaits it).
    pub fn looked(
        &mut self,
        session: &mut Session,
        generation: u64,
        found: std::result::Result<Looked, String>,
    ) -> Effect {
        let waiting = self.waiting.filter(|w| w.0 == generation).map(|w| w.1);
        let opening = self.loading == Some(generation) && !self.read_once;
        if self.loading == Some(generation) {
            self.loading = None;
        } else if self.devices_loading == Some(generation) {
            self.devices_loading = None;
        } else if waiting.is_some() {
            self.waiting = None;
        }
        let found = match found {
            Ok(found) => found,
            Err(why) => {
                session.error(why);
                // A form that could not read what it opens with has nothing to show.
                return match opening {
                    true => Effect::CloseForm,
                    false => Effect::None,
                };
            }
        };
        match (found, waiting) {
            (Looked::Form(read), _) => {
                let reloaded = self.read_once;
                self.opened(*read);
                if reloaded {
                    session.info("Reloaded the user as it is now; your edits were dropped");
                }
                Effect::None
            }
            // The user vanished before the form ever showed them: it closes.
            (Looked::Gone, _) if !self.read_once => {
                session.user_gone(self.opened_email());
                Effect::CloseFormGone
            }
            (Looked::Gone, _) => self.vanished(session),
            (Looked::Devices(devices), _) => {
                self.devices = devices;
                Effect::None
            }
            (Looked::User(row), Some(Waiting::Button(button))) => {
                session.withdraw(READING);
                match button {
                    FormButton::InvalidateTokens => Effect::Ask(Confirm::invalidate(&row)),
                    FormButton::Delete => Effect::Ask(Confirm::delete(&row)),
                    FormButton::Save | FormButton::Cancel => Effect::None,
                }
            }
            (Looked::Problems(errors), _) => {
                self.show_problems(session, errors);
                Effect::None
            }
            _ => Effect::None,
        }
    }

    fn edit_focused(&mut self, requests: impl IntoIterator<Item = InputRequest>) {
        let Some(input) = self.focused_input() else {
            return;
        };
        let before = input.value().to_string();
        for request in requests {
            input.handle(request);
        }
        if input.value() == before {
            return;
        }
        self.clear_errors_of_focus();
        match self.focus {
            FormFocus::Groups => self.groups.clamp_cursor(),
            FormFocus::Tags if self.tags.column == TagColumn::Key => self.tags.suggest(),
            _ => {}
        }
    }

    fn press(&mut self, session: &mut Session, button: FormButton) -> Result<Effect> {
        match button {
            FormButton::Save => return Ok(Effect::Save),
            FormButton::Cancel => return Ok(self.close()),
            FormButton::InvalidateTokens | FormButton::Delete => {}
        }
        let FormMode::Edit { id, .. } = self.mode else {
            return Ok(Effect::None);
        };
        // The dialog names the user as they are now, not as the form opened them.
        let asked = session
            .lookups
            .ask(USER, move |store| match store.user_row(id) {
                Ok(row) => Ok(Looked::User(Box::new(row))),
                Err(StoreError::UserGone(_)) => Ok(Looked::Gone),
                Err(other) => Err(other),
            });
        self.waiting = Some((asked, Waiting::Button(button)));
        session.info(READING);
        Ok(Effect::None)
    }

    /// The edited user was deleted elsewhere: the form says so, and asks the list and
    /// its counts to catch up at once.
    fn vanished(&mut self, session: &mut Session) -> Effect {
        self.conflict = Some("Someone else deleted this user after you opened it.".into());
        session.user_gone(self.opened_email());
        Effect::UserGone
    }

    /// Closes the form, asking first when it holds unsaved edits.
    fn close(&self) -> Effect {
        if self.is_dirty() {
            Effect::Ask(Confirm::discard())
        } else {
            Effect::CloseForm
        }
    }

    /// Loads the user afresh after a conflict, keeping the focus; the edits go.
    fn reopen(&mut self, session: &mut Session) -> Result<Effect> {
        let FormMode::Edit { id, .. } = self.mode else {
            return Ok(Effect::None);
        };
        self.loading = Some(UserForm::read_user(session, id));
        Ok(Effect::None)
    }

    /// Checks every rule; a new password is then hashed off the UI thread (argon2
    /// takes tens of milliseconds: the screen keeps drawing) before the write.
    pub fn start_save(&mut self, session: &mut Session) -> Result<Effect> {
        self.conflict = None;
        let draft = self.draft();
        let password = match validated_password(&self.mode, &draft) {
            Ok(password) => password,
            Err(broken) => {
                let editing = match self.mode {
                    FormMode::Edit { id, .. } => Some(id),
                    FormMode::Add => None,
                };
                // Taken emails and unknown groups are found off the UI thread, to
                // show every problem at once.
                let application = session.application.id;
                let asked = session.lookups.ask(PROBLEMS, move |store| {
                    match store.draft_problems(application, &draft, editing, broken.clone()) {
                        StoreError::Invalid(errors) => Ok(Looked::Problems(errors)),
                        other => Err(other),
                    }
                });
                self.waiting = Some((asked, Waiting::Problems));
                return Ok(Effect::None);
            }
        };
        self.errors.clear();
        match password {
            Some(password) => {
                self.saving = true;
                Ok(Effect::Hash(password))
            }
            None => Ok(self.finish_save(session.application.id, None)),
        }
    }

    /// Hands the checked draft (with the new password's hash, if one was set) to the
    /// writer; the form stays on "Saving…" until [`UserForm::saved`].
    pub fn finish_save(&mut self, application: AppId, hash: Option<PasswordHash>) -> Effect {
        let draft = self.draft();
        self.saving = false;
        let write = match &self.mode {
            FormMode::Add => match (draft.validate_new(), hash) {
                (Ok(user), Some(hash)) => Write::Create {
                    application,
                    user,
                    hash,
                },
                (Err(errors), _) => return self.invalid(errors),
                (Ok(_), None) => return Effect::None,
            },
            FormMode::Edit { id, version } => match draft.validate_changes() {
                Ok(changes) => Write::Update {
                    application,
                    id: *id,
                    changes,
                    hash,
                    version: *version,
                },
                Err(errors) => return self.invalid(errors),
            },
        };
        self.saving = true;
        Effect::Write(write)
    }

    /// The draft broke a rule after all: nothing is written.
    fn invalid(&mut self, errors: Vec<FieldError>) -> Effect {
        self.errors = errors;
        Effect::None
    }

    /// The writer finished the save.
    pub fn saved(&mut self, session: &mut Session, outcome: SaveOutcome) -> Effect {
        self.saving = false;
        match outcome {
            SaveOutcome::Saved(id) => Effect::Saved {
                id,
                verb: if self.is_edit() { "Saved" } else { "Added" },
                email: self.draft().email.trim().to_string(),
            },
            SaveOutcome::Invalid(errors) => {
                self.show_problems(session, errors);
                Effect::None
            }
            SaveOutcome::Conflict => {
                self.conflict = Some(
                    "Someone else changed this user after you opened it. \
                     Ctrl-R reloads their version (dropping your edits); Esc leaves."
                        .into(),
                );
                // Also on the status line, which stays in view however the form scrolls.
                session.error("Not saved: someone else changed this user");
                Effect::None
            }
            SaveOutcome::Gone => self.vanished(session),
            SaveOutcome::Failed(why) => {
                session.error(format!("Not saved: {why}"));
                Effect::None
            }
        }
    }

    /// The hashing worker died: nothing was saved, and the edits stay for another try.
    pub fn hashing_failed(&mut self, session: &mut Session) {
        self.saving = false;
        session.error("The password could not be hashed; nothing was saved. Ctrl-S tries again");
    }

    /// Shows every problem at its field, and moves the focus to the first of them so
    /// it is in view; nothing was written.
    fn show_problems(&mut self, session: &mut Session, errors: Vec<FieldError>) {
        let reported = format!("{} problem(s) to fix before saving", errors.len());
        self.errors = errors;
        let first = self
            .focus_order()
            .into_iter()
            .find(|f| self.errors.iter().any(|e| f.shows(e.field)));
        if let Some(first) = first {
            self.focus = first;
            self.tags.dismiss();
        }
        if first == Some(FormFocus::Tags)
            && let Some(row) = self.errors.iter().find_map(|e| match e.field {
                Field::TagKey(i) | Field::TagValue(i) => self.tag_row(i),
                _ => None,
            })
        {
            self.tags.row = row;
        }
        session.error(reported.clone());
        self.reported = Some(reported);
    }
}

/// The password to hash, if the draft passes every rule and sets one.
fn validated_password(
    mode: &FormMode,
    draft: &UserDraft,
) -> std::result::Result<Option<Password>, Vec<FieldError>> {
    match mode {
        FormMode::Add => draft.validate_new().map(|u| Some(u.password)),
        FormMode::Edit { .. } => draft.validate_changes().map(|c| c.password),
    }
}
