//! What the console's keys do to the data and the state.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use xusers::demo::DEMO_PASSWORD;
use xusers::store::{Page, Scope, StoreError, UserQuery};
use xusers::tui::action::Action;
use xusers::tui::app::Modal;
use xusers::tui::pane::Pane;
use xusers::tui::screens::menu::Menu;
use xusers::tui::theme::Theme;

const SIZE: (u16, u16) = (120, 30);

fn exists(app: &xusers::tui::app::App, email: &str) -> bool {
    app.session
        .store
        .find_user(app.session.application.id, email)
        .is_ok()
}

#[test]
fn confirming_delete_removes_the_user_and_updates_counts() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "j");
    let victim = selected_email(&app);
    let next = app.browse.list.rows[2].email.clone();
    keys(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    keys(&mut app, "y");
    assert!(!exists(&app, &victim));
    assert_eq!(app.browse.counts.all, 59);
    assert_eq!(app.modal, None);
    assert_eq!(selected_email(&app), next, "the next user takes its place");
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("Deleted {victim}")
    );
}

#[test]
fn a_stale_row_names_its_user_by_email() {
    let (dir, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let id = other.find_user(app.session.application.id, &email).unwrap();
    other.delete_user(id).unwrap();
    let error = |app: &xusers::tui::app::App| {
        let status = app.session.status.as_ref().expect("a status message");
        assert_eq!(status.kind, xusers::tui::session::StatusKind::Error);
        status.text.clone()
    };
    let said = format!("no such user: {email} (someone else deleted it)");
    keys(&mut app, "e");
    assert!(app.form.is_none());
    assert_eq!(error(&app), said);
    assert_ne!(selected_email(&app), email, "the list no longer shows them");
    assert_eq!(app.browse.counts.all, 59, "and the counts caught up");
}

#[test]
fn deleting_or_invalidating_a_user_deleted_elsewhere_says_so_and_the_list_catches_up() {
    for keys_pressed in ["dy", "iy", "miy"] {
        let (dir, mut app) = console(60, SIZE);
        let email = selected_email(&app);
        let mut other = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
        let id = other.find_user(app.session.application.id, &email).unwrap();
        other.delete_user(id).unwrap();
        if keys_pressed.starts_with('m') {
            keys(&mut app, "m");
            let menu = screen(&app);
            assert!(menu.contains("Invalidate"), "{menu}");
        }
        keys(&mut app, keys_pressed.trim_start_matches('m'));
        let status = app.session.status.as_ref().expect("a status message");
        assert_eq!(status.kind, xusers::tui::session::StatusKind::Error);
        assert_eq!(
            status.text,
            format!("no such user: {email} (someone else deleted it)"),
            "{keys_pressed}"
        );
        assert_eq!(app.modal, None);
        assert_ne!(selected_email(&app), email, "{keys_pressed}: the row went");
        assert_eq!(
            app.browse.counts.all, 59,
            "{keys_pressed}: the counts caught up"
        );
    }
}

#[test]
fn enter_on_the_focused_ok_button_confirms() {
    let (_d, mut app) = console(60, SIZE);
    let victim = selected_email(&app);
    key(&mut app, KeyCode::Delete);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert!(!exists(&app, &victim));
}

#[test]
fn cancelling_delete_in_every_way_keeps_the_user() {
    let (_d, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    // Focus starts on Cancel: a bare Enter cancels.
    keys(&mut app, "d");
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "dn");
    keys(&mut app, "d");
    key(&mut app, KeyCode::Esc);
    // Switching focus to OK and back, then Enter, still cancels.
    keys(&mut app, "d");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    assert!(exists(&app, &email));
    assert_eq!(app.browse.counts.all, 60);
    assert_eq!(app.modal, None);
}

#[test]
fn a_dialog_swallows_list_keys() {
    let (_d, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    keys(&mut app, "d");
    keys(&mut app, "jjq2a");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    assert!(!app.quit);
    assert_eq!(app.browse.pane, Pane::All);
    assert_eq!(selected_email(&app), email);
}

#[test]
fn invalidating_one_user_ends_their_tokens_only() {
    let (_d, mut app) = console(60, SIZE);
    let id = app.session.application.id;
    let email = selected_email(&app);
    let other = app.browse.list.rows[1].email.clone();
    let token = app.session.store.login(id, &email, DEMO_PASSWORD).unwrap();
    let other_token = app.session.store.login(id, &other, DEMO_PASSWORD).unwrap();
    let user_id = app.session.store.find_user(id, &email).unwrap();
    let before = app.session.store.user(user_id).unwrap();
    keys(&mut app, "iy");
    assert!(matches!(
        app.session.store.authenticate(id, &token),
        Err(StoreError::InvalidToken)
    ));
    assert!(app.session.store.authenticate(id, &other_token).is_ok());
    assert_eq!(
        app.session.store.user(user_id).unwrap(),
        before,
        "nothing else changed"
    );
    let fresh = app.session.store.login(id, &email, DEMO_PASSWORD).unwrap();
    assert_eq!(app.session.store.authenticate(id, &fresh).unwrap(), user_id);
}

#[test]
fn invalidating_all_ends_every_token() {
    let (_d, mut app) = console(60, SIZE);
    let id = app.session.application.id;
    let rows = app.browse.list.rows[..5].to_vec();
    let tokens: Vec<String> = rows
        .iter()
        .map(|r| {
            app.session
                .store
                .login(id, &r.email, DEMO_PASSWORD)
                .unwrap()
        })
        .collect();
    keys(&mut app, "I");
    match &app.modal {
        Some(Modal::Confirm(c)) => assert!(c.message.contains("all 60 users"), "{}", c.message),
        other => panic!("{other:?}"),
    }
    keys(&mut app, "y");
    for t in &tokens {
        assert!(app.session.store.authenticate(id, t).is_err());
    }
    assert!(
        app.session
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("Invalidated every token: all 60 users of 'default'")
    );
    let fresh = app
        .session
        .store
        .login(id, &rows[0].email, DEMO_PASSWORD)
        .unwrap();
    assert!(app.session.store.authenticate(id, &fresh).is_ok());
}

#[test]
fn row_menu_leads_to_the_same_dialogs() {
    let (_d, mut app) = console(60, SIZE);
    let email = selected_email(&app);
    keys(&mut app, "m");
    assert_eq!(app.modal, Some(Modal::Menu(Menu { selected: 0 })));
    keys(&mut app, "jj");
    key(&mut app, KeyCode::Enter);
    match &app.modal {
        Some(Modal::Confirm(c)) => assert!(c.message.starts_with(&format!("Delete {email}?"))),
        other => panic!("{other:?}"),
    }
    keys(&mut app, "n");
    keys(&mut app, "mk");
    assert_eq!(
        app.modal,
        Some(Modal::Menu(Menu { selected: 2 })),
        "wraps around"
    );
    keys(&mut app, "i");
    match &app.modal {
        Some(Modal::Confirm(c)) => assert_eq!(c.title, "Invalidate tokens"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete_dialog_names_the_groups_left() {
    let (_d, mut app) = console(60, SIZE);
    // Find a user in two groups.
    while app.browse.list.selected_row().unwrap().groups.len() != 2 {
        keys(&mut app, "j");
    }
    keys(&mut app, "d");
    match &app.modal {
        Some(Modal::Confirm(c)) => {
            assert!(c.message.contains("They leave 2 groups."), "{}", c.message)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn paging_across_ten_thousand_users_matches_the_store() {
    let (_d, mut app) = console(10_000, SIZE);
    let all = UserQuery::default();
    let id = app.session.application.id;
    let height = app.session.visible_rows();
    for _ in 0..300 {
        key(&mut app, KeyCode::PageDown);
    }
    let expected = app
        .session
        .store
        .list_users(id, &all, &Page::First(300 * height + 1))
        .unwrap();
    assert_eq!(selected_email(&app), expected.last().unwrap().email);
    assert!(
        app.browse.list.rows.len() <= 6 * height.max(10) * 2,
        "memory stays bounded: {}",
        app.browse.list.rows.len()
    );
    key(&mut app, KeyCode::End);
    let last = app
        .session
        .store
        .list_users(id, &all, &Page::Last(1))
        .unwrap();
    assert_eq!(selected_email(&app), last[0].email);
    key(&mut app, KeyCode::PageUp);
    let tail = app
        .session
        .store
        .list_users(id, &all, &Page::Last(height + 1))
        .unwrap();
    assert_eq!(selected_email(&app), tail[0].email);
    keys(&mut app, "g");
    let first = app
        .session
        .store
        .list_users(id, &all, &Page::First(1))
        .unwrap();
    assert_eq!(selected_email(&app), first[0].email);
    keys(&mut app, "k");
    assert_eq!(selected_email(&app), first[0].email, "stops at the top");
    keys(&mut app, "G");
    keys(&mut app, "j");
    assert_eq!(selected_email(&app), last[0].email, "stops at the bottom");
    // Walking up from the end row by row crosses fetch boundaries seamlessly.
    let tail = app
        .session
        .store
        .list_users(id, &all, &Page::Last(200))
        .unwrap();
    for expected in tail.iter().rev() {
        assert_eq!(selected_email(&app), expected.email);
        keys(&mut app, "k");
    }
}

#[test]
fn reload_keeps_the_selected_user_and_its_place() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "jjjjj");
    let email = selected_email(&app);
    let on_screen = app.browse.list.selected - app.browse.list.top;
    keys(&mut app, "r");
    assert_eq!(selected_email(&app), email);
    assert_eq!(app.browse.list.selected - app.browse.list.top, on_screen);
}

#[test]
fn filter_is_live_and_escape_clears_it() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "/sm");
    // The last key, as the loop sees it: the count comes later, off the UI thread.
    press(&mut app, KeyCode::Char('i'), KeyModifiers::NONE);
    assert_eq!(app.browse.matches, None, "counted off the UI thread");
    assert!(screen(&app).contains("counting…"));
    finish_background(&mut app);
    assert!(app.browse.filter_focused);
    assert!(!app.browse.list.rows.is_empty(), "the demo has Smiths");
    assert!(
        app.browse
            .list
            .rows
            .iter()
            .all(|r| r.email.contains("smi") || r.last_name.to_lowercase().contains("smi"))
    );
    assert_eq!(app.browse.matches, Some(app.browse.list.rows.len() as u64));
    // Typing letters in the filter never triggers list keys.
    keys(&mut app, "qd");
    assert!(!app.quit && app.modal.is_none());
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key_with(&mut app, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert_eq!(app.browse.filter.value(), "", "Ctrl-W deletes the word");
    act(&mut app, Action::Paste("tag:plan=pro\n".into()));
    assert_eq!(app.browse.filter.value(), "tag:plan=pro ");
    let q = UserQuery::default().filter("tag:plan=pro");
    finish_background(&mut app);
    assert_eq!(
        app.browse.matches,
        Some(
            app.session
                .store
                .count_users(app.session.application.id, &q)
                .unwrap()
        )
    );
    key(&mut app, KeyCode::Enter);
    assert!(!app.browse.filter_focused);
    assert_eq!(
        app.browse.filter.value(),
        "tag:plan=pro ",
        "Enter keeps the filter"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.browse.filter.value(), "");
    assert_eq!(app.browse.matches, None);
    let everyone = app
        .session
        .store
        .list_users(
            app.session.application.id,
            &UserQuery::default(),
            &Page::First(1),
        )
        .unwrap();
    assert_eq!(
        app.browse.list.rows[0], everyone[0],
        "the whole list is back"
    );
}

#[test]
fn panes_follow_keys_and_show_their_scope() {
    let (_d, mut app) = console(60, SIZE);
    let id = app.session.application.id;
    for (keys_pressed, pane, scope) in [
        ("2", Pane::Grouped, Scope::Grouped),
        ("3", Pane::Ungrouped, Scope::Ungrouped),
        ("1", Pane::All, Scope::All),
    ] {
        keys(&mut app, keys_pressed);
        assert_eq!(app.browse.pane, pane);
        let q = UserQuery {
            scope,
            ..Default::default()
        };
        let expected = app
            .session
            .store
            .list_users(id, &q, &Page::First(5))
            .unwrap();
        assert_eq!(app.browse.list.rows[..5], expected[..]);
    }
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.browse.pane, Pane::Grouped);
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert!(
        app.audit.is_some(),
        "before the first pane: the audit log (5)"
    );
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert!(
        app.audit.is_none() && app.groups.is_some(),
        "then Groups (4)"
    );
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(
        (app.groups.is_none(), app.browse.pane),
        (true, Pane::Ungrouped)
    );
}

#[test]
fn counts_come_from_the_store() {
    let (_d, mut app) = console(60, SIZE);
    let counts = app
        .session
        .store
        .scope_counts(app.session.application.id)
        .unwrap();
    assert_eq!(app.browse.counts, counts);
    assert_eq!(counts.all, 60);
    // Another process adds a user: r shows it.
    common::add_email(
        &mut app.session.store,
        app.session.application.id,
        "new@acme.io",
    );
    keys(&mut app, "r");
    assert_eq!(app.browse.counts.all, 61);
}

#[test]
fn add_and_edit_keys_open_the_form() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    assert!(!app.form.as_ref().unwrap().is_edit());
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Enter);
    assert!(app.form.as_ref().unwrap().is_edit());
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "m");
    key(&mut app, KeyCode::Enter);
    let form = app.form.as_ref().expect("the menu's Edit opens the form");
    assert_eq!(form.email.value(), selected_email(&app));
}

#[test]
fn quit_keys() {
    let (_d, mut app) = console(5, SIZE);
    keys(&mut app, "q");
    assert!(app.quit);
    let (_d, mut app) = console(5, SIZE);
    key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.quit);
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let (_d, mut app) = console(60, SIZE);
    // The table's first user row is screen line 4 (header, tabs, border, column names);
    // column 60 is past the email.
    act(&mut app, Action::Click(60, 4 + 3));
    assert_eq!(app.browse.list.selected, 3);
    assert!(app.form.is_none(), "a click beside the email only selects");
    act(&mut app, Action::ScrollDown);
    assert_eq!(app.browse.list.selected, 6);
    act(&mut app, Action::ScrollUp);
    act(&mut app, Action::ScrollUp);
    assert_eq!(app.browse.list.selected, 0);
    act(&mut app, Action::Click(25, 1));
    assert_eq!(
        app.browse.pane,
        Pane::Grouped,
        "a click on a tab switches pane"
    );
}

#[test]
fn mouse_events_go_only_to_the_screen_in_front() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "m");
    act(&mut app, Action::ScrollDown);
    act(&mut app, Action::Click(60, 4 + 3));
    assert_eq!(app.browse.list.selected, 0, "the menu keeps the list still");
    assert_eq!(app.modal, Some(Modal::Menu(Menu { selected: 0 })));
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "e");
    act(&mut app, Action::ScrollDown);
    act(&mut app, Action::Click(60, 4 + 3));
    assert_eq!(
        app.browse.list.selected, 0,
        "the form keeps the list under it still"
    );
    assert!(app.form.is_some());
    key(&mut app, KeyCode::Esc);
    act(&mut app, Action::ScrollDown);
    assert_eq!(app.browse.list.selected, 3, "the list itself scrolls");
}

#[test]
fn resize_changes_the_page_and_keeps_the_selection_visible() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "jjjjjjjjjjjjjjjjjjjj");
    act(&mut app, Action::Resize(80, 12));
    let height = app.session.visible_rows();
    assert!(height < 10);
    assert!(
        app.browse.list.selected >= app.browse.list.top
            && app.browse.list.selected < app.browse.list.top + height
    );
    assert!(screen(&app).contains(&selected_email(&app)[..10]));
}

#[test]
fn status_messages_expire() {
    let (_d, mut app) = console(5, SIZE);
    keys(&mut app, "r");
    assert!(app.session.status.is_some());
    act(&mut app, Action::Tick(NOW + 2));
    assert!(app.session.status.is_some());
    act(&mut app, Action::Tick(NOW + 10));
    assert!(app.session.status.is_none());
    // A message made after a long wait (the clock was last set before it) still
    // stays its full time from when it is first seen.
    keys(&mut app, "r");
    act(&mut app, Action::Tick(NOW + 100));
    assert!(
        app.session.status.is_some(),
        "shown when the clock catches up"
    );
    act(&mut app, Action::Tick(NOW + 104));
    assert!(app.session.status.is_some());
    act(&mut app, Action::Tick(NOW + 106));
    assert!(app.session.status.is_none());
}

#[test]
fn selected_row_and_errors_have_their_styles() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "j");
    let t = Theme::color();
    let term = render(&app);
    let buf = term.backend().buffer();
    // Second user row: screen line 5.
    let cell = &buf[(5, 5)];
    assert_eq!(cell.bg, t.selected.bg.unwrap());
    assert_eq!(cell.fg, t.selected.fg.unwrap());
    assert_ne!(
        buf[(5, 4)].bg,
        t.selected.bg.unwrap(),
        "other rows are plain"
    );
    // Someone else deletes the selected user; deleting it here reports an error in red.
    let id = app
        .session
        .store
        .find_user(app.session.application.id, &selected_email(&app))
        .unwrap();
    app.session.store.delete_user(id).unwrap();
    keys(&mut app, "dy");
    let status = app.session.status.clone().unwrap();
    assert!(status.text.contains("no such user"), "{}", status.text);
    let term = render(&app);
    let line = app.session.size.1 - 2;
    assert_eq!(term.backend().buffer()[(2, line)].bg, Color::Red);
}

#[test]
fn no_color_renders_without_any_colour() {
    let (_d, mut app) = console(60, SIZE);
    app.session.theme = Theme::mono();
    keys(&mut app, "jd");
    let term = render(&app);
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    // Selection is still visible, by reverse video.
    assert!(
        buf[(5, 5)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[test]
fn hostile_text_from_the_database_is_shown_inert() {
    let (dir, mut app) = console(0, SIZE);
    common::add_email(
        &mut app.session.store,
        app.session.application.id,
        "eve@acme.io",
    );
    // xusers refuses such names on input; another program writes them anyway.
    rusqlite::Connection::open(dir.path().join("demo.db"))
        .unwrap()
        .execute(
            "UPDATE users SET first_name = ?1, last_name = ?2",
            ["\u{1b}[2J\u{1b}]0;pwned\u{7}Eve", "x\u{202e}gpj"],
        )
        .unwrap();
    keys(&mut app, "r");
    let text = screen(&app);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'));
    assert!(text.contains("␛[2J␛]0;p…"), "{text}");
}

#[test]
fn a_read_only_console_shows_a_banner_and_refuses_every_change() {
    let (dir, seeded) = console(60, SIZE);
    let email = selected_email(&seeded);
    drop(seeded);
    let store = xusers::store::Store::open_read_only(&dir.path().join("demo.db")).unwrap();
    let application = store.existing_application("default").unwrap();
    let mut app = console_over(store, application, SIZE, None);
    finish_background(&mut app);
    assert!(screen(&app).lines().next().unwrap().contains("READ-ONLY"));
    let refused = |app: &xusers::tui::app::App| {
        app.session
            .status
            .as_ref()
            .unwrap()
            .text
            .starts_with("Read-only: nothing can be changed")
    };
    keys(&mut app, "a");
    assert!(app.form.is_none() && refused(&app));
    for dialog in ["d", "i", "I"] {
        app.session.status = None;
        keys(&mut app, dialog);
        assert!(
            refused(&app) && app.modal.is_none(),
            "{dialog} opens no dialog"
        );
    }
    // The row menu offers the same changes; choosing one is refused too.
    let delete = xusers::tui::screens::menu::MENU_ITEMS
        .iter()
        .position(|(_, action)| *action == xusers::tui::action::Action::Delete)
        .unwrap();
    app.session.status = None;
    keys(&mut app, "m");
    for _ in 0..delete {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    assert!(refused(&app) && app.modal.is_none(), "the menu's Delete");
    keys(&mut app, "e");
    tab(&mut app);
    app.session.status = None;
    key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(refused(&app), "saving the form");
    // The form's own Invalidate tokens and Delete buttons are refused before any
    // dialog opens, like their keys in the list.
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    key(&mut app, KeyCode::Right);
    for button in ["Invalidate tokens", "Delete"] {
        key(&mut app, KeyCode::Right);
        let form = app.form.as_ref().unwrap();
        assert_eq!(form.buttons()[form.button].label(), button);
        app.session.status = None;
        key(&mut app, KeyCode::Enter);
        assert!(
            refused(&app) && app.modal.is_none(),
            "the form's {button} button"
        );
    }
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    // Looking still works.
    keys(&mut app, "/ali");
    finish_background(&mut app);
    assert!(app.browse.matches.is_some());
    let store = xusers::store::Store::open(&dir.path().join("demo.db")).unwrap();
    assert!(
        store
            .find_user(store.existing_application("default").unwrap().id, &email)
            .is_ok()
    );
}

fn tab(app: &mut xusers::tui::app::App) {
    key(app, KeyCode::Tab);
}
