//! Type-ahead (src/tui/typeahead.rs): keys typed on a screen still reading what they act
//! on wait, in order, and act once it has read; Esc drops them; a screen that closes
//! instead takes them along.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::app::Modal;
use xusers::tui::typeahead::MOST_WAITING;

const SIZE: (u16, u16) = (120, 30);

#[test]
fn what_is_typed_while_the_edit_form_reads_goes_into_it_once_the_user_arrives() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    gate.shut();
    tap(&mut app, 'e');
    gate.wait_for_stopped(1);
    for c in "xyz".chars() {
        tap(&mut app, c);
    }
    let form = app.form.as_ref().unwrap();
    assert_eq!(
        form.email.value(),
        email,
        "nothing typed into an empty form"
    );
    gate.open();
    finish_background(&mut app);
    let form = app.form.as_ref().expect("the form is open");
    assert_eq!(form.email.value(), format!("{email}xyz"));
    assert!(app.typeahead.is_none());
}

#[test]
fn e_and_ctrl_o_in_one_burst_open_the_users_history() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'e');
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(app.modal.is_none(), "Ctrl-O waits for the form's user");
    gate.open();
    finish_background(&mut app);
    assert!(app.form.is_some());
    assert!(
        matches!(
            app.modal,
            Some(Modal::History {
                entries: Some(_),
                ..
            })
        ),
        "{:?}",
        app.modal
    );
}

#[test]
fn four_and_enter_in_one_burst_open_the_first_groups_members() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '4');
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.groups.is_some(), "the pane opens at once");
    assert!(app.browse.members.is_none(), "Enter waits for the tree");
    gate.open();
    finish_background(&mut app);
    let members = app
        .browse
        .members
        .as_ref()
        .expect("the members view opened");
    let behind = app.groups_behind.as_ref().expect("the tree is kept behind");
    let first = behind.selected_group().expect("a group was selected");
    assert_eq!(members.id, first.group.id);
}

#[test]
fn esc_takes_back_the_waiting_keys_and_then_closes_the_screen_that_reads() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'e');
    // On the list, `d` would ask to delete the selected user.
    tap(&mut app, 'd');
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.typeahead.is_none(), "Esc took the `d` back");
    assert!(app.form.is_some(), "and closed nothing");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.form.is_none(), "with nothing waiting, Esc acts at once");
    // The list has the keys again, at once.
    let first = selected_email(&app);
    tap(&mut app, 'j');
    assert_ne!(selected_email(&app), first);
    gate.open();
    finish_background(&mut app);
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert!(app.form.is_none());
}

/// `e`, Ctrl-O, `Esc` meant for the history, then typing: the Esc must not close the
/// form (which would send the typing to the list, where `d` `y` deletes a user).
#[test]
fn esc_behind_a_waiting_history_leaves_the_form_and_the_typing_goes_into_it() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    let users = app.browse.counts.all;
    gate.shut();
    tap(&mut app, 'e');
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    for c in "dy".chars() {
        tap(&mut app, c);
    }
    gate.open();
    finish_background(&mut app);
    let form = app.form.as_ref().expect("the form stays open");
    assert_eq!(form.email.value(), format!("{email}dy"));
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert_eq!(app.browse.counts.all, users, "nobody was deleted");
}

#[test]
fn enter_then_esc_typed_ahead_on_the_audit_log_opens_nothing() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '5');
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.typeahead.is_none(), "Esc took the Enter back");
    gate.open();
    finish_background(&mut app);
    let log = app.audit.as_ref().expect("the log stays in front");
    assert!(log.open.is_none(), "no entry opened");
}

#[test]
fn a_dialog_opened_by_a_waiting_key_takes_no_waiting_key() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '4');
    tap(&mut app, 'd');
    tap(&mut app, 'y');
    gate.open();
    finish_background(&mut app);
    assert!(
        matches!(app.modal, Some(Modal::Confirm(_))),
        "the delete dialog shows, unanswered: {:?}",
        app.modal
    );
    assert!(app.typeahead.is_none());
    let groups = app.groups.as_ref().unwrap();
    let selected = groups.selected_group().unwrap().group.name.clone();
    let application = app.session.application.id;
    assert!(
        other_store(&dir)
            .groups(application)
            .unwrap()
            .iter()
            .any(|g| g.name == selected),
        "{selected} is not deleted"
    );
}

#[test]
fn a_form_that_closes_instead_of_reading_takes_its_keys_along() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    gate.shut();
    tap(&mut app, 'e');
    gate.wait_for_stopped(1);
    tap(&mut app, 'd');
    let mut other = other_store(&dir);
    let id = other.find_user(app.session.application.id, &email).unwrap();
    other.delete_user(id).unwrap();
    gate.open();
    finish_background(&mut app);
    assert!(app.form.is_none(), "the user is gone");
    assert!(
        app.modal.is_none(),
        "`d` did not fall on the list: {:?}",
        app.modal
    );
    assert!(app.typeahead.is_none());
}

#[test]
fn ctrl_c_quits_at_once_while_keys_wait() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'e');
    tap(&mut app, 'x');
    assert!(app.typeahead.is_some());
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.quit, "Ctrl-C does not wait behind the keys");
    gate.open();
    finish_background(&mut app);
}

#[test]
fn slash_opens_a_reading_panes_filter_at_once_and_shows_what_is_typed() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '4');
    tap(&mut app, '/');
    tap(&mut app, 'a');
    assert!(app.typeahead.is_none(), "nothing waits");
    assert_eq!(app.groups.as_ref().unwrap().filter.value(), "a");
    gate.open();
    finish_background(&mut app);
}

#[test]
fn no_more_than_the_most_waiting_keys_wait() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'e');
    for _ in 0..MOST_WAITING + 10 {
        tap(&mut app, 'x');
    }
    assert_eq!(app.typeahead.as_ref().unwrap().keys.len(), MOST_WAITING);
    gate.open();
    finish_background(&mut app);
}

#[test]
fn a_menu_opened_by_a_waiting_key_takes_none_of_the_keys_after_it() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '4');
    // Enter opens the members view; `*` marks them all and `m` opens the bulk menu,
    // where `d` would choose "delete".
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    tap(&mut app, '*');
    tap(&mut app, 'm');
    tap(&mut app, 'd');
    gate.open();
    finish_background(&mut app);
    assert!(
        matches!(app.modal, Some(Modal::BulkMenu(_))),
        "the menu shows, nothing chosen: {:?}",
        app.modal
    );
}
