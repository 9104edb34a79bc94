//! The UI thread never waits for SQLite. Each test shuts a gate on the workers'
//! connections (their queries stop until it opens, as on a very slow database) and
//! counts the SQL run on the UI thread's own connection: keys still show at once,
//! moving within loaded rows still works, stale rows are marked, a superseded query is
//! interrupted, and a write that meets another process's lock leaves the console
//! usable.

mod common;

use std::time::Instant;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use xusers::store::{AuditPage, AuditQuery, Page, UserQuery};
use xusers::tui::app::{App, Modal, WAITING_AFTER};
use xusers::tui::screens::list::SEARCHING_AFTER;
use xusers::tui::session::StatusKind;

const SIZE: (u16, u16) = (120, 30);
/// The screen row of the table's first user (below the header, tabs, border, titles).
const FIRST_ROW: u16 = 4;

/// The colour the first user's email is drawn in.
fn first_row_colour(app: &App) -> Color {
    let terminal = render(app);
    terminal.backend().buffer()[(4, FIRST_ROW + 1)].fg
}

#[test]
fn keys_show_at_once_and_the_old_rows_stay_marked_stale_while_a_page_is_slow() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    let before: Vec<String> = app
        .browse
        .list
        .rows
        .iter()
        .map(|r| r.email.clone())
        .collect();
    assert!(!before.is_empty());
    let fresh = first_row_colour(&app);
    gate.shut();

    tap(&mut app, '/');
    tap(&mut app, 'q');
    // Both workers (rows, counts) are stuck in their queries: the key is shown anyway.
    gate.wait_for_stopped(2);
    assert_eq!(app.browse.filter.value(), "q");
    let shown = screen(&app);
    assert!(shown.contains(" filter / q"), "{shown}");
    // The previous rows stay, dimmed, until the new page arrives.
    let rows: Vec<String> = app
        .browse
        .list
        .rows
        .iter()
        .map(|r| r.email.clone())
        .collect();
    assert_eq!(rows, before);
    assert!(app.browse.stale());
    assert!(shown.contains(&before[0]), "{shown}");
    assert_eq!(
        first_row_colour(&app),
        Color::DarkGray,
        "stale rows are dimmed"
    );
    assert_ne!(fresh, Color::DarkGray);
    assert!(!shown.contains("searching…"), "not before 100 ms");
    app.tick(Instant::now() + SEARCHING_AFTER);
    assert!(screen(&app).contains("searching…"));

    // Moving within the loaded rows never waits.
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    tap(&mut app, 'j');
    tap(&mut app, 'j');
    assert_eq!(app.browse.list.selected, 2);
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    gate.open();
    finish_background(&mut app);
    assert!(!app.browse.stale());
    let shown = screen(&app);
    assert!(!shown.contains("searching…"), "{shown}");
    let store = &app.session.store;
    let q = UserQuery::default().filter("q");
    let expected = store
        .list_users(app.session.application.id, &q, &Page::First(50))
        .unwrap();
    let rows: Vec<_> = app.browse.list.rows.iter().map(|r| r.id).collect();
    let expected: Vec<_> = expected.iter().map(|r| r.id).collect();
    assert_eq!(rows, expected, "the new page replaced the stale rows");
    if !rows.is_empty() {
        assert_eq!(first_row_colour(&app), fresh, "fresh rows are not dimmed");
    }
}

#[test]
fn a_newer_key_interrupts_the_query_it_supersedes() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    let before = app.browse.interrupted();
    gate.shut();
    tap(&mut app, '/');
    tap(&mut app, 'a');
    // The page for "a" is running (stopped at the gate) when the next key comes.
    gate.wait_for_stopped(2);
    tap(&mut app, 'l');
    assert_eq!(app.browse.filter.value(), "al");
    gate.open();
    finish_background(&mut app);
    assert!(
        app.browse.interrupted() > before,
        "the query for 'a' was interrupted"
    );
    assert!(
        !app.browse.list.rows.is_empty(),
        "the demo has users with 'al'"
    );
    assert!(app.browse.list.rows.iter().all(|r| {
        let text = format!("{} {} {}", r.email, r.first_name, r.last_name).to_lowercase();
        text.contains("al")
    }));
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");
}

#[test]
fn paging_past_the_loaded_rows_asks_the_reader_and_never_waits() {
    let (_d, mut app, gate) = gated_console(500, SIZE);
    let loaded = app.browse.list.rows.len();
    assert!(loaded < 500, "only a slice is loaded");
    gate.shut();
    for _ in 0..20 {
        press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    }
    // The selection stops at the last loaded row; more rows are being read.
    assert_eq!(app.browse.list.selected, loaded - 1);
    assert!(app.busy(), "rows beyond the loaded ones are asked for");
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");
    gate.open();
    finish_background(&mut app);
    assert!(app.browse.list.rows.len() > loaded, "more rows arrived");
    let at = app.browse.list.selected_row().unwrap().email.clone();
    key(&mut app, KeyCode::PageDown);
    assert_ne!(selected_email(&app), at, "paging goes on past them");
}

#[test]
fn a_write_that_meets_another_processs_lock_waits_off_the_ui_thread() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    let first = selected_email(&app);
    // Another process holds the write lock.
    let other = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    tap(&mut app, 'i');
    tap(&mut app, 'y');
    assert!(
        app.busy(),
        "the invalidation waits for the lock off the UI thread"
    );
    assert!(app.writing.is_some());
    app.tick(Instant::now() + WAITING_AFTER);
    assert!(screen(&app).contains("Waiting for the database…"));

    // The console stays usable: keys move the list.
    tap(&mut app, 'j');
    let second = app.browse.list.selected_row().unwrap().email.clone();
    assert_ne!(second, first);
    // A further write is refused with a message, and changes nothing.
    tap(&mut app, 'd');
    tap(&mut app, 'y');
    let status = app.session.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert_eq!(
        status.text,
        "Still writing the last change: try again when it is done"
    );
    assert!(app.modal.is_none());
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    other.execute_batch("ROLLBACK").unwrap();
    finish_background(&mut app);
    let status = app.session.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Info);
    assert!(
        status.text.starts_with("Invalidated ") && status.text.ends_with(&format!("of {first}")),
        "the outcome is reported when the write ends: {}",
        status.text
    );
    let app_id = app.session.application.id;
    assert!(
        app.session.store.find_user(app_id, &second).is_ok(),
        "the refused delete changed nothing"
    );
    assert_eq!(app.session.store.scope_counts(app_id).unwrap().all, 60);
}

#[test]
fn a_save_that_meets_another_processs_lock_is_written_when_the_lock_goes() {
    let (dir, mut app, _gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    key(&mut app, KeyCode::Char('e'));
    let form = app.form.as_ref().expect("the edit form is open");
    assert_eq!(form.email.value(), email);
    let other = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    // The email field has focus: change it and save.
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    tap(&mut app, 'x');
    press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.as_ref().unwrap().saving);
    assert!(
        app.writing.is_some(),
        "the save waits for the lock off the UI thread"
    );
    app.tick(Instant::now() + WAITING_AFTER);
    let shown = screen(&app);
    assert!(shown.contains("Waiting for the database…"), "{shown}");
    assert!(shown.contains("Saving…"), "{shown}");

    other.execute_batch("ROLLBACK").unwrap();
    finish_background(&mut app);
    assert!(app.form.is_none(), "saved and closed");
    let saved = format!("{email}x");
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("Saved {saved}")
    );
    assert_eq!(selected_email(&app), saved);
}

#[test]
fn quitting_waits_for_the_write_in_flight() {
    let (dir, mut app, _gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    let other = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    tap(&mut app, 'd');
    tap(&mut app, 'y');
    tap(&mut app, 'q');
    assert!(app.quit && app.writing.is_some());
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        other.execute_batch("ROLLBACK").unwrap();
    });
    xusers::tui::finish_write(&mut app);
    release.join().unwrap();
    assert!(app.writing.is_none());
    assert_eq!(
        app.session.status.as_ref().unwrap().text,
        format!("Deleted {email}")
    );
    let app_id = app.session.application.id;
    assert!(
        app.session.store.find_user(app_id, &email).is_err(),
        "the delete landed"
    );
}

#[test]
fn an_empty_list_waiting_for_rows_says_so_rather_than_that_none_match() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    keys(&mut app, "/zzzz");
    assert!(app.browse.list.rows.is_empty());
    assert!(screen(&app).contains("No users match this filter (Esc clears it)"));
    gate.shut();
    press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    let shown = screen(&app);
    assert!(shown.contains("Reading users…"), "{shown}");
    assert!(!shown.contains("No users match"), "{shown}");
    gate.open();
    finish_background(&mut app);
    assert!(screen(&app).contains("No users match this filter (Esc clears it)"));
}

/// Another connection to the console's database, for what a test expects (the UI
/// thread's own connection counts every statement it runs).

#[test]
fn the_add_form_opens_and_takes_typing_while_its_groups_are_read() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, 'a');
    let form = app.form.as_ref().expect("the form opens at once");
    assert!(form.loading.is_some());
    gate.wait_for_stopped(1);
    for c in "new@acme.io".chars() {
        tap(&mut app, c);
    }
    let shown = screen(&app);
    assert!(
        shown.contains("new@acme.io"),
        "typing shows at once: {shown}"
    );
    assert!(shown.contains("Reading…"), "{shown}");
    assert!(!shown.contains("No groups yet"), "{shown}");
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    gate.open();
    finish_background(&mut app);
    let form = app.form.as_ref().unwrap();
    assert_eq!(form.email.value(), "new@acme.io", "what was typed stays");
    let groups = other_store(&dir)
        .groups(app.session.application.id)
        .unwrap();
    assert!(!groups.is_empty(), "the demo has groups");
    let names: Vec<&str> = form.groups.items.iter().map(|g| g.name.as_str()).collect();
    let expected: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, expected, "the groups arrived");
    assert!(!screen(&app).contains("Reading…"));
}

#[test]
fn the_edit_form_reads_its_user_off_the_ui_thread_and_esc_still_closes() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    let email = selected_email(&app);
    gate.shut();
    tap(&mut app, 'e');
    gate.wait_for_stopped(1);
    let shown = screen(&app);
    assert!(shown.contains(&format!("Edit user {email}")), "{shown}");
    assert!(shown.contains("Reading…"), "{shown}");
    // No user to edit yet: typing and saving wait for the user (tui_typeahead.rs);
    // Esc takes them back, and a second Esc closes the form.
    tap(&mut app, 'x');
    press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.form.as_ref().unwrap().email.value(), email);
    assert!(app.typeahead.is_some());
    assert!(app.session.status.is_none() && app.writing.is_none());
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.typeahead.is_none());
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.form.is_none(), "Esc closes the form while it reads");
    assert!(app.typeahead.is_none());
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    // Opened again, the form shows the user once the read ends; the first read's
    // answer, superseded, is dropped.
    tap(&mut app, 'e');
    gate.open();
    finish_background(&mut app);
    let form = app.form.as_ref().expect("the form is open");
    assert!(form.loading.is_none());
    let id = other_store(&dir)
        .find_user(app.session.application.id, &email)
        .unwrap();
    let user = other_store(&dir).user(id).unwrap();
    assert_eq!(form.email.value(), user.email);
    assert_eq!(form.first_name.value(), user.first_name.unwrap_or_default());
    assert_eq!(form.groups.ticked_names(), user.groups);
    assert!(!screen(&app).contains("Reading…"));
    assert_eq!(gate.ui_steps(), 0);
}

#[test]
fn the_edit_form_shows_reading_instead_of_fields_and_only_esc_acts_until_its_user_arrives() {
    let (_d, mut app, gate) = gated_console(60, (80, 24));
    gate.shut();
    tap(&mut app, 'e');
    gate.wait_for_stopped(1);
    let reading = screen(&app);
    for label in ["Email", "First name", "Last name", "Groups"] {
        assert!(!reading.contains(label), "no {label} field yet: {reading}");
    }
    insta::assert_snapshot!("edit_form_reading_its_user", reading);
    let focus = app.form.as_ref().unwrap().focus;
    for (code, modifiers) in [
        (KeyCode::Tab, KeyModifiers::NONE),
        (KeyCode::Down, KeyModifiers::NONE),
        (KeyCode::Char('x'), KeyModifiers::NONE),
        (KeyCode::Char(' '), KeyModifiers::NONE),
        (KeyCode::Backspace, KeyModifiers::NONE),
        (KeyCode::BackTab, KeyModifiers::SHIFT),
        (KeyCode::Enter, KeyModifiers::NONE),
        (KeyCode::Char('s'), KeyModifiers::CONTROL),
        (KeyCode::Char('o'), KeyModifiers::CONTROL),
    ] {
        press(&mut app, code, modifiers);
        let form = app.form.as_ref().expect("only Esc closes the form");
        assert_eq!(form.focus, focus, "{code:?} moves nothing");
        assert_eq!(screen(&app), reading, "{code:?} changes nothing on screen");
    }
    // The keys wait for the user (tui_typeahead.rs): Esc takes them back, then closes.
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.form.is_some() && app.typeahead.is_none());
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.form.is_none(), "Esc closes it");
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");
    gate.open();
    finish_background(&mut app);
}

#[test]
fn ticking_a_group_ticks_at_once_and_its_devices_follow() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    key(&mut app, KeyCode::Char('a'));
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab);
    }
    gate.shut();
    for c in "berlin".chars() {
        tap(&mut app, c);
    }
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    let form = app.form.as_ref().unwrap();
    assert_eq!(
        form.groups.ticked_names(),
        ["Berlin office"],
        "ticked at once"
    );
    assert!(form.devices.is_empty(), "the devices are not read yet");
    let shown = screen(&app);
    assert!(shown.contains("Devices reached (reading…)"), "{shown}");
    // The form still takes keys.
    press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(app.form.as_ref().unwrap().groups.filter.value(), "berli");
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    gate.open();
    finish_background(&mut app);
    let form = app.form.as_ref().unwrap();
    let expected = other_store(&dir)
        .devices_reached(&form.groups.ticked_ids())
        .unwrap();
    assert!(!expected.is_empty(), "Berlin office reaches devices");
    assert_eq!(form.devices, expected);
    assert!(screen(&app).contains(&format!("Devices reached ({})", expected.len())));
}

#[test]
fn the_audit_pane_opens_and_filters_while_its_pages_are_read() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    let newest = other_store(&dir)
        .audit_page(&AuditQuery::default(), AuditPage::Newest(1))
        .unwrap();
    let term = newest
        .first()
        .expect("the demo left audit entries")
        .op
        .clone();
    gate.shut();
    tap(&mut app, '5');
    gate.wait_for_stopped(1);
    assert!(app.audit.is_some(), "the pane opens at once");
    assert!(screen(&app).contains("Reading the audit log…"));
    tap(&mut app, '/');
    for c in term.chars() {
        tap(&mut app, c);
    }
    assert!(screen(&app).contains(&format!("filter / {term}")));
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    gate.open();
    finish_background(&mut app);
    let log = app.audit.as_ref().unwrap();
    let (rows, selected) = log.visible(app.session.visible_rows());
    assert!(!rows.is_empty(), "the entries arrived");
    assert_eq!(selected, Some(0));
    assert!(rows.iter().all(|e| {
        [&e.op, &e.actor, &e.target.label]
            .iter()
            .any(|text| text.to_lowercase().contains(&term.to_lowercase()))
    }));
    assert!(!screen(&app).contains("Reading the audit log…"));
    assert_eq!(gate.ui_steps(), 0);
}

#[test]
fn ctrl_o_reads_the_history_off_the_ui_thread_and_esc_still_closes_it() {
    let (dir, mut app, gate) = gated_console(60, SIZE);
    // Someone changes the user: their history has an entry.
    let mut other = other_store(&dir);
    let id = other
        .find_user(app.session.application.id, &selected_email(&app))
        .unwrap();
    other.invalidate_user_tokens(id).unwrap();
    key(&mut app, KeyCode::Char('e'));
    gate.shut();
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    gate.wait_for_stopped(1);
    assert!(matches!(
        app.modal,
        Some(Modal::History { entries: None, .. })
    ));
    assert!(screen(&app).contains("Reading…"));
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.modal.is_none(), "Esc closes it while it reads");
    assert!(app.form.is_some(), "and only it");
    press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");

    gate.open();
    finish_background(&mut app);
    let Some(Modal::History {
        entries: Some(entries),
        ..
    }) = &app.modal
    else {
        panic!("{:?}", app.modal);
    };
    let expected = other.user_history(id, 50).unwrap();
    assert!(!expected.is_empty(), "the change is in the history");
    assert_eq!(entries, &expected);
    assert!(!screen(&app).contains("Reading…"));
}

/// One key of a script: a character, or a named key in angle brackets (`<Esc>`,
/// `<C-s>` …).
fn script_key(token: &str) -> (KeyCode, KeyModifiers) {
    let none = KeyModifiers::NONE;
    match token {
        "<Esc>" => (KeyCode::Esc, none),
        "<Enter>" => (KeyCode::Enter, none),
        "<Tab>" => (KeyCode::Tab, none),
        "<Right>" => (KeyCode::Right, none),
        "<Down>" => (KeyCode::Down, none),
        "<PgDn>" => (KeyCode::PageDown, none),
        "<Space>" => (KeyCode::Char(' '), none),
        ctrl if ctrl.starts_with("<C-") => {
            let c = ctrl.chars().nth(3).unwrap();
            (KeyCode::Char(c), KeyModifiers::CONTROL)
        }
        text => {
            let mut chars = text.chars();
            let c = chars.next().unwrap();
            assert!(chars.next().is_none(), "one key a token: {text}");
            (KeyCode::Char(c), none)
        }
    }
}

#[test]
fn driving_every_screen_runs_no_sql_on_the_ui_thread() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    // Each key is pressed with the workers' gate shut (so nothing it asks for can
    // have been read yet), then the gate opens and what it asked for arrives.
    let script = [
        // The user list, its filter, sort, panes, marks, help.
        "j k <PgDn> G g s S / a n <Enter> <Esc> 2 3 1 r ? <Esc>",
        // The row menu and the dialogs.
        "m <Esc> d n i n I n",
        // The bulk menu, its group pick and its prompt.
        "<Space> m + <Esc> m t <Esc> m <Esc> u",
        // A new user's form: typing, a save with problems (a lookup), discarding.
        "a x @ y <Tab> <Tab> <Tab> <Tab> <Enter> <Tab> k <C-s> <Esc> y",
        // An edit form: history, a button that reads its user, a group ticked.
        "e <C-o> <Esc> <Tab> <Space> <Tab> <Tab> <Tab> <Tab> <Tab> <Tab> <Right> <Right> <Enter> n",
        "<Esc> y e <Tab> <Tab> <Tab> <Tab> <Enter> <Esc> y",
        // The Groups pane, its forms and pickers, a members view and the user picker.
        "4 j l h / s <Enter> <Esc> a <Esc> e <Esc> t <Esc> n <Esc> ? <Esc>",
        "<Enter> r + a <Esc> - n <Esc>",
        // The audit log, its filter and an entry.
        "5 j <PgDn> G g / u <Enter> <Esc> <Enter> j <Esc> r 1",
        // A change saved through the form.
        "e <Tab> <Tab> <Tab> z <C-s>",
    ];
    let mut seen = Vec::new();
    for line in script {
        for token in line.split_whitespace() {
            let (code, modifiers) = script_key(token);
            gate.shut();
            press(&mut app, code, modifiers);
            gate.open();
            finish_background(&mut app);
            seen.push(app.context());
            assert_eq!(
                gate.ui_steps(),
                0,
                "SQL on the UI thread after {token} in {line}"
            );
        }
    }
    use xusers::tui::keymap::Context::*;
    for context in [
        List,
        Filter,
        Help,
        Menu,
        Dialog,
        BulkMenu,
        GroupPick,
        BulkPrompt,
        FormText,
        FormCheck,
        FormGroups,
        FormTags,
        FormActions,
        History,
        Groups,
        GroupForm,
        Picker,
        Prompt,
        Members,
        UserPicker,
        Audit,
        AuditEntry,
    ] {
        assert!(
            seen.contains(&context),
            "the script never reached {context:?}"
        );
    }
    let status = app.session.status.as_ref().unwrap();
    assert!(status.text.starts_with("Saved "), "{}", status.text);
}

#[test]
fn a_new_members_form_still_reading_its_groups_closes_on_esc_without_asking() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let group = app
        .browse
        .members
        .as_ref()
        .expect("a members view")
        .name
        .clone();
    gate.shut();
    tap(&mut app, 'a');
    gate.wait_for_stopped(1);
    let form = app.form.as_ref().unwrap();
    assert_eq!(
        form.draft().groups,
        std::slice::from_ref(&group),
        "it starts in the group"
    );
    assert!(!form.is_dirty(), "nothing was edited");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(
        app.form.is_none() && app.modal.is_none(),
        "closed, no question"
    );
    // Opened again, it ticks the group once the groups arrive.
    tap(&mut app, 'a');
    gate.open();
    finish_background(&mut app);
    assert_eq!(app.form.as_ref().unwrap().groups.ticked_names(), [group]);
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");
}

/// Found by the tryout: switched to another pane, the previous pane's rows stay until
/// the new ones come, and `d` offered to delete a user the pane's title did not hold.
#[test]
fn keys_that_act_on_a_user_wait_for_the_rows_of_the_pane_shown() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '3');
    gate.wait_for_stopped(2);
    assert!(app.browse.stale());
    for key in ['d', 'i', 'e', ' '] {
        tap(&mut app, key);
        let shown = screen(&app);
        assert!(shown.contains("still being read"), "{key}: {shown}");
        assert!(!shown.contains("Delete "), "{key}: {shown}");
        assert!(!app.browse.marks.any(), "{key}: nobody is marked");
    }
    assert!(app.form.is_none());
    gate.open();
    finish_background(&mut app);
    assert!(!app.browse.stale());
    tap(&mut app, 'd');
    assert!(screen(&app).contains("Delete "), "{}", screen(&app));
    assert_eq!(gate.ui_steps(), 0, "no SQL on the UI thread");
}

/// The colour `text` is drawn in, where it first shows on screen.
fn colour_of(app: &App, text: &str) -> Color {
    let terminal = render(app);
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    let cells: Vec<&str> = buffer.content().iter().map(|c| c.symbol()).collect();
    let joined: String = cells.concat();
    let at = joined
        .find(text)
        .unwrap_or_else(|| panic!("{text} is not on screen"));
    // Every cell here holds one character of the ASCII emails looked for.
    let cell = joined[..at].chars().count();
    buffer[((cell % width) as u16, (cell / width) as u16)].fg
}

#[test]
fn another_panes_rows_stay_dimmed_until_the_new_scopes_rows_arrive() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    // The second row: the selected one is drawn highlighted, stale or not.
    let first = app.browse.list.rows[1].email.clone();
    let fresh = colour_of(&app, &first);
    assert_ne!(fresh, Color::DarkGray);
    gate.shut();
    // Pane 3 (users in no group): All users' rows stay, dimmed.
    tap(&mut app, '3');
    gate.wait_for_stopped(1);
    assert!(app.browse.stale());
    assert_eq!(colour_of(&app, &first), Color::DarkGray);
    gate.open();
    finish_background(&mut app);
    assert!(!app.browse.stale());

    // A group's members view: the pane's rows stay, dimmed.
    let shown = app.browse.list.rows[1].email.clone();
    tap(&mut app, '4');
    finish_background(&mut app);
    gate.shut();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    assert!(app.browse.members.is_some(), "the members view is open");
    assert!(app.browse.stale());
    assert_eq!(colour_of(&app, &shown), Color::DarkGray);
    gate.open();
    finish_background(&mut app);
    assert!(!app.browse.stale());
}

/// A filter's count waits for the page the key asked for (on a machine with few
/// cores they would share them): while the page is read no count is, and the page
/// arrives first.
#[test]
fn a_filters_count_waits_for_its_first_page() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    gate.shut();
    tap(&mut app, '/');
    tap(&mut app, 'a');
    gate.wait_for_stopped(1);
    // Past the counter's settling time, well within how long it yields to a page.
    std::thread::sleep(std::time::Duration::from_millis(40));
    assert_eq!(gate.stopped(), 1, "only the page is being read");
    gate.open();
    let first = loop {
        if let Some(xusers::tui::events::Event::Done(done)) =
            app.next_event(std::time::Duration::from_secs(30))
        {
            break done;
        }
    };
    assert!(
        matches!(first, xusers::tui::action::Action::Loaded(..)),
        "{first:?}"
    );
    xusers::tui::update::update(&mut app, first);
    finish_background(&mut app);
    assert!(!app.browse.list.rows.is_empty());
    assert!(app.browse.matches.is_some_and(|n| n > 0));
}
