//! Type-ahead (src/tui/typeahead.rs): keys typed on a screen still reading what they act
//! on wait, in order, and act once it has read; Esc drops them; a screen that closes
//! instead takes them along.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::app::Modal;

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
fn esc_drops_the_keys_that_wait() {
    let (_dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'e');
    // On the list, `d` would ask to delete the selected user.
    tap(&mut app, 'd');
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.form.is_none(), "Esc acts at once");
    // The list has the keys again, at once.
    let first = selected_email(&app);
    tap(&mut app, 'j');
    assert_ne!(selected_email(&app), first);
    gate.open();
    finish_background(&mut app);
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert!(app.form.is_none());
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
