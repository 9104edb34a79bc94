//! Replies of the lookups worker (src/tui/lookups.rs): a screen takes only the reply it
//! awaits, and a read that fails or finds its user gone closes what cannot be shown.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::action::Action;
use xusers::tui::app::{App, Modal};
use xusers::tui::looked::{FormRead, Looked};
use xusers::tui::session::StatusKind;
use xusers::tui::update::update;

const SIZE: (u16, u16) = (120, 30);

/// The generation the open form awaits (its opening read).
fn awaited_by_form(app: &App) -> u64 {
    let form = app.form.as_ref().expect("a form is open");
    (0..10_000)
        .find(|g| form.awaits(*g))
        .expect("the form awaits a read")
}

fn status(app: &App) -> (String, StatusKind) {
    let status = app.session.status.as_ref().expect("a status is shown");
    (status.text.clone(), status.kind)
}

#[test]
fn replies_the_form_does_not_await_change_nothing() {
    let (_dir, mut app) = console(60, SIZE);
    key(&mut app, KeyCode::Char('e'));
    finish_background(&mut app);
    let before = screen(&app);
    let form = app.form.as_ref().expect("the form is open");
    assert!(form.loading.is_none(), "the form has read its user");
    let email = form.email.value().to_string();

    // Another user's read, a vanished user, a failure: none of them is the form's.
    let stranger = FormRead {
        user: None,
        ..FormRead::default()
    };
    for found in [
        Ok(Looked::Form(Box::new(stranger))),
        Ok(Looked::Gone),
        Err("disk I/O error".to_string()),
    ] {
        for generation in [0, u64::MAX] {
            assert!(!app.form.as_ref().unwrap().awaits(generation));
            act(&mut app, Action::Looked(generation, found.clone()));
        }
    }
    let form = app.form.as_ref().expect("the form stays open");
    assert_eq!(form.email.value(), email);
    assert_eq!(screen(&app), before, "nothing on screen changed");
    assert!(app.session.status.is_none(), "{:?}", app.session.status);
}

#[test]
fn the_edit_form_closes_when_its_user_is_deleted_before_it_is_read() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    gate.shut();
    press(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    assert!(screen(&app).contains("Reading…"));
    let mut other = other_store(&dir);
    let id = other.find_user(app.session.application.id, &email).unwrap();
    other.delete_user(id).unwrap();
    gate.open();
    finish_background(&mut app);
    assert!(app.form.is_none(), "there is no user to show");
    assert_eq!(
        status(&app),
        (
            format!("no such user: {email} (someone else deleted it)"),
            StatusKind::Error
        )
    );
}

#[test]
fn the_edit_form_closes_with_the_error_when_its_read_fails() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    press(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    let generation = awaited_by_form(&app);
    // A key typed meanwhile waits for the user; it goes with the form.
    tap(&mut app, 'd');
    // A reply for another generation is not the form's: it still awaits its own.
    update(
        &mut app,
        Action::Looked(generation + 1, Err("not mine".into())),
    );
    assert_eq!(app.form.as_ref().unwrap().loading, Some(generation));
    assert!(app.session.status.is_none());
    update(
        &mut app,
        Action::Looked(generation, Err("disk I/O error".into())),
    );
    assert!(
        app.form.is_none(),
        "a form that could not read has nothing to show"
    );
    assert_eq!(
        status(&app),
        ("disk I/O error".to_string(), StatusKind::Error)
    );
    // The real read, arriving after, finds no form awaiting it; the `d` typed for the
    // form did not fall on the list.
    gate.open();
    finish_background(&mut app);
    assert!(app.form.is_none());
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert_eq!(status(&app).0, "disk I/O error");
}

#[test]
fn a_failed_history_read_closes_the_history_with_its_error() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    key(&mut app, KeyCode::Char('e'));
    gate.shut();
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    gate.wait_for_stopped(1);
    let Some(Modal::History { reading, .. }) = app.modal else {
        panic!("{:?}", app.modal);
    };
    // A reply of another generation is not the history's.
    update(
        &mut app,
        Action::Looked(reading + 1, Err("not mine".into())),
    );
    assert!(
        matches!(app.modal, Some(Modal::History { entries: None, .. })),
        "{:?}",
        app.modal
    );
    update(
        &mut app,
        Action::Looked(reading, Err("disk I/O error".into())),
    );
    assert!(app.modal.is_none(), "the history closes");
    assert!(app.form.is_some(), "and only it");
    assert_eq!(
        status(&app),
        ("disk I/O error".to_string(), StatusKind::Error)
    );
    gate.open();
    finish_background(&mut app);
    assert!(app.modal.is_none(), "the late read opens nothing");
}

/// The form's own refusal while it reads its user, for what does not go through the
/// keys' type-ahead (a paste, an action sent directly).
#[test]
fn an_edit_form_reading_its_user_takes_no_paste_and_moves_nowhere() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    gate.shut();
    tap(&mut app, 'e');
    gate.wait_for_stopped(1);
    let focus = app.form.as_ref().unwrap().focus;
    for action in [
        Action::Paste("pasted".into()),
        Action::NextField,
        Action::FormKey(ratatui::crossterm::event::KeyEvent::from(KeyCode::Char(
            'x',
        ))),
    ] {
        update(&mut app, action);
        let form = app.form.as_ref().expect("the form stays");
        assert_eq!(form.focus, focus);
        assert_eq!(form.email.value(), email);
    }
    gate.open();
    finish_background(&mut app);
    assert_eq!(app.form.as_ref().unwrap().email.value(), email);
}
