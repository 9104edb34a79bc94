//! What keys do while the user form is open.

use std::sync::mpsc;

use ratatui::crossterm::event::Event;
use tui_input::InputRequest;
use tui_input::backend::crossterm::to_input_request;

use super::action::Action;
use super::app::{App, Confirm, Modal, Pane, Pending};
use super::form::{FormButton, FormFocus, FormMode, TagColumn, UserForm};
use super::update::{ask_delete, ask_invalidate, filter_changed, refuse_read_only, reload_list};
use crate::auth::PasswordHash;
use crate::domain::UserDraft;
use crate::store::{Result, StoreError, UserId};

/// Whether `action` is the form's to handle (a form is open and no dialog covers it).
pub fn handles(app: &App, action: &Action) -> bool {
    if matches!(action, Action::PasswordHashed(_) | Action::HashingFailed) {
        return true;
    }
    app.form.is_some()
        && app.modal.is_none()
        && matches!(
            action,
            Action::Save
                | Action::NextField
                | Action::PrevField
                | Action::Toggle
                | Action::FormKey(_)
                | Action::Paste(_)
                | Action::TagEnter
                | Action::AddTag
                | Action::RemoveTag
                | Action::PrevButton
                | Action::NextButton
                | Action::PressButton
                | Action::ReloadForm
                | Action::Up
                | Action::Down
                | Action::Close
        )
}

pub fn apply(app: &mut App, action: Action) -> Result<()> {
    match action {
        Action::PasswordHashed(hash) => return finish_save(app, Some(hash)),
        Action::HashingFailed => {
            if let Some(form) = app.form.as_mut() {
                form.saving = false;
            }
            app.error("The password could not be hashed; nothing was saved. Ctrl-S tries again");
            return Ok(());
        }
        _ => {}
    }
    let Some(form) = app.form.as_mut() else {
        return Ok(());
    };
    if form.saving {
        // Nothing changes under a save in flight.
        return Ok(());
    }
    match action {
        Action::NextField if form.focus == FormFocus::Tags && form.tags.accept() => {}
        Action::NextField => form.move_focus(1),
        Action::PrevField => form.move_focus(-1),
        Action::Up | Action::Down => {
            let delta = if action == Action::Up { -1 } else { 1 };
            match form.focus {
                FormFocus::Groups => form.groups.move_cursor(delta),
                FormFocus::Tags if !form.tags.suggestions.is_empty() => form.tags.choose(delta),
                FormFocus::Tags => form.tags.move_row(delta),
                _ => form.move_focus(delta),
            }
        }
        Action::Toggle => match form.focus {
            FormFocus::ChangePassword => {
                form.change_password = !form.change_password;
                form.wipe_password();
                form.clear_errors_of_focus();
            }
            FormFocus::Groups => {
                form.groups.toggle();
                form.clear_errors_of_focus();
                form.devices = app.store.devices_reached(&form.groups.ticked_ids())?;
            }
            _ => {}
        },
        Action::FormKey(key) => {
            if let Some(request) = to_input_request(&Event::Key(key)) {
                edit_focused(form, [request]);
            }
        }
        Action::Paste(text) => {
            let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
            edit_focused(form, chars.map(InputRequest::InsertChar));
        }
        Action::TagEnter => form.tags.enter(),
        Action::AddTag => form.tags.add_row(),
        Action::RemoveTag => {
            form.tags.remove_row();
            form.errors.clear();
        }
        Action::PrevButton | Action::NextButton => {
            let n = form.buttons().len();
            let step = if action == Action::PrevButton {
                n - 1
            } else {
                1
            };
            form.button = (form.button + step) % n;
        }
        Action::PressButton => {
            let button = form.buttons()[form.button];
            press(app, button)?;
        }
        Action::Save => start_save(app)?,
        Action::Close => {
            if !form.tags.suggestions.is_empty() {
                form.tags.dismiss();
            } else {
                close(app);
            }
        }
        Action::ReloadForm => {
            if let FormMode::Edit { id, .. } = form.mode {
                match reopen(app, id) {
                    Err(StoreError::UserGone(_)) => vanished(app)?,
                    done => {
                        done?;
                        app.info("Reloaded the user as it is now; your edits were dropped");
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn edit_focused(form: &mut UserForm, requests: impl IntoIterator<Item = InputRequest>) {
    let Some(input) = form.focused_input() else {
        return;
    };
    let before = input.value().to_string();
    for request in requests {
        input.handle(request);
    }
    if input.value() == before {
        return;
    }
    form.clear_errors_of_focus();
    match form.focus {
        FormFocus::Groups => form.groups.clamp_cursor(),
        FormFocus::Tags if form.tags.column == TagColumn::Key => form.tags.suggest(),
        _ => {}
    }
}

fn press(app: &mut App, button: FormButton) -> Result<()> {
    let edited = match app.form.as_ref().map(|f| &f.mode) {
        Some(FormMode::Edit { id, .. }) => Some(*id),
        _ => None,
    };
    let current_row = |app: &App, id| match app.store.user_row(id) {
        Err(StoreError::UserGone(_)) => Ok(None),
        found => found.map(Some),
    };
    match (button, edited) {
        (FormButton::Save, _) => start_save(app)?,
        (FormButton::Cancel, _) => close(app),
        (FormButton::InvalidateTokens, Some(id)) => match current_row(app, id)? {
            Some(row) => ask_invalidate(app, &row),
            None => vanished(app)?,
        },
        (FormButton::Delete, Some(id)) => match current_row(app, id)? {
            Some(row) => ask_delete(app, &row),
            None => vanished(app)?,
        },
        _ => {}
    }
    Ok(())
}

/// The edited user was deleted elsewhere: the form says so, and the list and its
/// counts catch up at once.
fn vanished(app: &mut App) -> Result<()> {
    let Some(form) = app.form.as_mut() else {
        return Ok(());
    };
    form.conflict = Some("Someone else deleted this user after you opened it.".into());
    let gone = format!(
        "no such user: {} (someone else deleted it)",
        form.opened_email()
    );
    app.error(gone);
    app.refresh_counts()?;
    reload_list(app)
}

/// Closes the form, asking first when it holds unsaved edits.
fn close(app: &mut App) {
    if app.form.as_ref().is_some_and(UserForm::is_dirty) {
        app.modal = Some(Modal::Confirm(Confirm {
            title: "Discard changes?",
            message: "This form has unsaved edits. Discard them and close it?".into(),
            ok_label: "Discard",
            pending: Pending::Discard,
            ok_focused: false,
        }));
    } else {
        app.form = None;
    }
}

fn reopen(app: &mut App, id: UserId) -> Result<()> {
    let mut fresh = UserForm::edit(&app.store, app.application.id, id)?;
    if let Some(old) = &app.form {
        fresh.focus = old.focus;
    }
    app.form = Some(fresh);
    Ok(())
}

/// Checks every rule, then hashes a new password on another thread (argon2 takes
/// tens of milliseconds: the screen keeps drawing) before writing.
fn start_save(app: &mut App) -> Result<()> {
    if app.store.is_read_only() {
        refuse_read_only(app);
        return Ok(());
    }
    let Some(form) = app.form.as_mut() else {
        return Ok(());
    };
    form.conflict = None;
    let draft = form.draft();
    let password = match validated_password(&form.mode, &draft) {
        Ok(password) => password,
        Err(broken) => {
            let editing = match form.mode {
                FormMode::Edit { id, .. } => Some(id),
                FormMode::Add => None,
            };
            return match app
                .store
                .draft_problems(app.application.id, &draft, editing, broken)
            {
                StoreError::Invalid(errors) => {
                    show_problems(app, errors);
                    Ok(())
                }
                other => Err(other),
            };
        }
    };
    form.errors.clear();
    match password {
        Some(password) => {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(PasswordHash::new(&password));
            });
            form.saving = true;
            app.hashing = Some(rx);
            Ok(())
        }
        None => finish_save(app, None),
    }
}

/// The password to hash, if the draft passes every rule and sets one.
fn validated_password(
    mode: &FormMode,
    draft: &UserDraft,
) -> std::result::Result<Option<crate::domain::Password>, Vec<crate::domain::FieldError>> {
    match mode {
        FormMode::Add => draft.validate_new().map(|u| Some(u.password)),
        FormMode::Edit { .. } => draft.validate_changes().map(|c| c.password),
    }
}

fn finish_save(app: &mut App, hash: Option<PasswordHash>) -> Result<()> {
    let Some(form) = app.form.as_mut() else {
        return Ok(());
    };
    form.saving = false;
    let draft = form.draft();
    let application = app.application.id;
    let written = match &form.mode {
        FormMode::Add => match (draft.validate_new(), &hash) {
            (Ok(user), Some(hash)) => app.store.create_user(application, &user, hash),
            (Err(errors), _) => Err(StoreError::Invalid(errors)),
            (Ok(_), None) => return Ok(()),
        },
        FormMode::Edit { id, version } => match draft.validate_changes() {
            Ok(changes) => app
                .store
                .update_user(application, *id, &changes, hash.as_ref(), Some(*version))
                .map(|()| *id),
            Err(errors) => Err(StoreError::Invalid(errors)),
        },
    };
    match written {
        Ok(id) => saved(app, id, draft.email.trim()),
        Err(StoreError::Invalid(errors)) => {
            show_problems(app, errors);
            Ok(())
        }
        Err(StoreError::Conflict) => {
            form.conflict = Some(
                "Someone else changed this user after you opened it. \
                 Ctrl-R reloads their version (dropping your edits); Esc leaves."
                    .into(),
            );
            // Also on the status line, which stays in view however the form scrolls.
            app.error("Not saved: someone else changed this user");
            Ok(())
        }
        Err(StoreError::UserGone(_)) => vanished(app),
        Err(other) => Err(other),
    }
}

/// Shows every problem beside its field; nothing was written.
fn show_problems(app: &mut App, errors: Vec<crate::domain::FieldError>) {
    let n = errors.len();
    if let Some(form) = app.form.as_mut() {
        form.errors = errors;
    }
    app.error(format!("{n} problem(s) to fix before saving"));
}

/// Closes the form and shows the saved user selected in the list.
fn saved(app: &mut App, id: UserId, email: &str) -> Result<()> {
    let verb = match app.form.take().map(|f| f.mode == FormMode::Add) {
        Some(true) => "Added",
        _ => "Saved",
    };
    app.refresh_counts()?;
    let row = app.store.user_row(id)?;
    let height = app.visible_rows();
    let q = app.query();
    app.list
        .show(&app.store, app.application.id, &q, &row, height)?;
    if app.list.selected_row().map(|r| r.id) != Some(id) {
        // The user is outside this pane or filter: show everyone.
        app.pane = Pane::All;
        app.filter.reset();
        filter_changed(app)?;
        let q = app.query();
        app.list
            .show(&app.store, app.application.id, &q, &row, height)?;
    }
    app.info(format!("{verb} {email}"));
    Ok(())
}
