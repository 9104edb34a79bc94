//! Applies an action: global ones (quit, resize, time, finished work) here, every other
//! one routed once, to the screen that has focus; then carries out the [`Effect`] the
//! screen returns.

use super::action::Action;
use super::app::{App, Modal};
use super::events::spawn_worker;
use super::screens::Effect;
use super::screens::dialog::{Confirm, Pending};
use super::screens::form::UserForm;
use super::screens::help::Help;
use super::screens::menu::Menu;
use crate::auth::PasswordHash;
use crate::store::{Result, StoreError};

pub fn update(app: &mut App, action: Action) {
    if let Err(e) = apply(app, action) {
        app.session.error(e.to_string());
    }
}

fn apply(app: &mut App, action: Action) -> Result<()> {
    let session = &mut app.session;
    let effect = match action {
        Action::Quit => quit(app),
        Action::Terminate => {
            app.quit = true;
            Effect::None
        }
        Action::Tick(now) => {
            session.tick(now);
            Effect::None
        }
        Action::Resize(w, h) => {
            session.size = (w, h);
            app.browse.list.scroll_into_view(session.visible_rows());
            Effect::None
        }
        Action::Counted(generation, n) => {
            app.browse.counted(generation, n);
            Effect::None
        }
        Action::PasswordHashed(hash) => match &mut app.form {
            Some(form) => form.finish_save(session, Some(hash))?,
            None => Effect::None,
        },
        Action::HashingFailed => {
            if let Some(form) = &mut app.form {
                form.hashing_failed(session);
            }
            Effect::None
        }
        action => route(app, action)?,
    };
    follow(app, effect)
}

/// Hands `action` to the screen that has focus: the popup, else the form, else the
/// list.
fn route(app: &mut App, action: Action) -> Result<Effect> {
    Ok(match (&mut app.modal, &mut app.form) {
        (Some(Modal::Help(help)), _) => help.update(action, app.session.popup_bounds()),
        (Some(Modal::Confirm(confirm)), _) => confirm.update(action),
        (Some(Modal::Menu(menu)), _) => menu.update(action),
        (None, Some(form)) => form.update(&mut app.session, action)?,
        (None, None) => app.browse.update(&mut app.session, action)?,
    })
}

/// Quits at once, unless the form holds unsaved edits: then it asks first, and a
/// second Ctrl-C quits.
fn quit(app: &mut App) -> Effect {
    let asked = matches!(&app.modal, Some(Modal::Confirm(c)) if c.pending == Pending::Quit);
    if asked || !app.form.as_ref().is_some_and(UserForm::is_dirty) {
        app.quit = true;
        return Effect::None;
    }
    Effect::Ask(Confirm::quit())
}

/// Carries out what a screen asked for. Whatever would write is refused here, in a
/// read-only console, before anything opens.
fn follow(app: &mut App, effect: Effect) -> Result<()> {
    if effect.writes() && app.session.refuse_if_read_only() {
        return Ok(());
    }
    let session = &mut app.session;
    let application = session.application.id;
    match effect {
        Effect::None => {}
        Effect::Add => app.form = Some(UserForm::add(&session.store, application)?),
        Effect::Edit { id, email } => match UserForm::edit(&session.store, application, id) {
            Ok(form) => app.form = Some(form),
            Err(StoreError::UserGone(_)) => gone(app, &email)?,
            Err(other) => return Err(other),
        },
        Effect::OpenMenu => app.modal = Some(Modal::Menu(Menu::default())),
        Effect::Help => app.modal = Some(Modal::Help(Help::default())),
        Effect::Ask(confirm) => app.modal = Some(Modal::Confirm(confirm)),
        Effect::ClosePopup => app.modal = None,
        Effect::Choose(action) => {
            app.modal = None;
            let effect = app.browse.update(session, action)?;
            follow(app, effect)?;
        }
        Effect::Run(pending) => {
            app.modal = None;
            run(app, pending)?;
        }
        Effect::CloseForm => app.form = None,
        Effect::Save => {
            if let Some(form) = &mut app.form {
                let effect = form.start_save(session)?;
                follow(app, effect)?;
            }
        }
        Effect::Hash(password) => spawn_worker(
            app.outbox(),
            move || Action::PasswordHashed(PasswordHash::new(&password)),
            Action::HashingFailed,
        ),
        Effect::Saved { id, verb, email } => {
            app.form = None;
            app.browse.show(session, id)?;
            session.info(format!("{verb} {email}"));
        }
        Effect::UserGone => app.browse.reload(session)?,
    }
    Ok(())
}

/// The user `email` was deleted by someone else: say so, and let the list and its
/// counts catch up at once.
fn gone(app: &mut App, email: &str) -> Result<()> {
    app.session.user_gone(email);
    app.browse.reload(&app.session)
}

/// Does what a dialog asked about, now that the administrator said yes.
fn run(app: &mut App, pending: Pending) -> Result<()> {
    let session = &mut app.session;
    match pending {
        Pending::Delete { id, email } => {
            app.form = None;
            let result = session.store.delete_user(id);
            app.browse.reload(session)?;
            match result {
                Ok(()) => session.info(format!("Deleted {email}")),
                Err(StoreError::UserGone(_)) => session.user_gone(&email),
                Err(other) => return Err(other),
            }
        }
        Pending::InvalidateUser { id, email } => match session.store.invalidate_user_tokens(id) {
            Ok(n) => session.info(format!("Invalidated {n} token(s) of {email}")),
            Err(StoreError::UserGone(_)) => gone(app, &email)?,
            Err(other) => return Err(other),
        },
        Pending::InvalidateAll => {
            let n = session
                .store
                .invalidate_all_tokens(session.application.id)?;
            session.info(format!(
                "Invalidated every token: all {n} user(s) of '{}' must log in again",
                session.application.name
            ));
        }
        Pending::Discard => app.form = None,
        Pending::Quit => app.quit = true,
    }
    Ok(())
}
