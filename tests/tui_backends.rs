//! The console over either backend (tests/common/console.rs `console_over`): its
//! workers open their own connections to the same database — a PostgreSQL one too —
//! and it shows the same users the same way and changes them through the same flows.

mod common;

use common::backend::{Backend, fresh};
use common::console::*;
use common::people;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use rstest::rstest;
use tempfile::TempDir;
use xusers::store::Location;
use xusers::tui::app::{App, Modal};

const SIZE: (u16, u16) = (120, 30);

/// A console over a new store of `backend`'s kind holding [`people`], its first
/// page read; `None` where the backend cannot run here.
fn console_on(backend: Backend) -> Option<(Option<TempDir>, App)> {
    let (mut store, app, dir) = fresh(backend)?.split();
    people(&mut store, app);
    let application = store.existing_application("default").unwrap();
    let mut console = console_over(store, application, SIZE, None);
    finish_background(&mut console);
    Some((dir, console))
}

fn listed(app: &App) -> Vec<&str> {
    (app.browse.list.rows.iter())
        .map(|r| r.email.as_str())
        .collect()
}

#[rstest]
fn the_console_lists_filters_adds_deletes_and_shows_the_groups(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_dir, mut app)) = console_on(backend) else {
        return;
    };
    let everyone = [
        "ann@acme.io",
        "bob@acme.io",
        "cy@other.io",
        "dee@other.io",
        "eve@acme.io",
        "fay@x.io",
    ];
    assert_eq!(listed(&app), everyone);
    assert_eq!(app.browse.counts.all, 6);
    // The filter: its rows and its count, read by the workers.
    keys(&mut app, "/acme");
    assert_eq!(listed(&app), ["ann@acme.io", "bob@acme.io", "eve@acme.io"]);
    assert_eq!(app.browse.matches, Some(3));
    key(&mut app, KeyCode::Esc);
    assert_eq!(listed(&app), everyone);
    // A user added through the form, written by the writer's connection.
    keys(&mut app, "a");
    type_text(&mut app, "zed@x.io");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough");
    key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{}", screen(&app));
    let application = app.session.application.id;
    assert!(app.session.store.find_user(application, "zed@x.io").is_ok());
    assert_eq!(app.browse.counts.all, 7);
    // Deleted with the dialog.
    key(&mut app, KeyCode::Home);
    assert_eq!(selected_email(&app), "ann@acme.io");
    keys(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    keys(&mut app, "y");
    assert!(
        app.session
            .store
            .find_user(application, "ann@acme.io")
            .is_err()
    );
    assert_eq!(app.browse.counts.all, 6);
    assert_eq!(selected_email(&app), "bob@acme.io");
    // The Groups pane: the tree with the members the triggers counted.
    keys(&mut app, "4");
    let groups = screen(&app);
    for name in ["Acme", "Sales", "Support"] {
        assert!(groups.contains(name), "{name}\n{groups}");
    }
}

#[test]
fn the_list_and_the_groups_tree_look_the_same_over_both_backends() {
    let Some((_pg, mut on_postgres)) = console_on(Backend::Postgres) else {
        return;
    };
    let (_dir, mut on_sqlite) = console_on(Backend::Sqlite).unwrap();
    assert_eq!(screen(&on_postgres), screen(&on_sqlite));
    for console in [&mut on_postgres, &mut on_sqlite] {
        keys(console, "/acme");
    }
    assert_eq!(screen(&on_postgres), screen(&on_sqlite));
    for console in [&mut on_postgres, &mut on_sqlite] {
        key(console, KeyCode::Esc);
        keys(console, "4");
    }
    let tree = screen(&on_sqlite);
    assert!(tree.contains("Support"), "{tree}");
    assert_eq!(screen(&on_postgres), tree);
}

/// The connections that read the list's and the picker's pages are set up for pages
/// (`Store::plan_for_pages`: no parallel workers, no JIT), as the server shows them.
#[test]
fn on_postgresql_the_consoles_page_readers_are_set_up_for_pages() {
    let Some((_dir, app)) = console_on(Backend::Postgres) else {
        return;
    };
    let Some(Location::Postgres(config)) = app.session.store.location() else {
        panic!("a PostgreSQL console");
    };
    let mut server = config.connect(postgres::NoTls).unwrap();
    let names: Vec<String> = (server.query(
        "SELECT application_name FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
        &[],
    ))
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    // The list's reader and the picker's, each with its helper connection.
    let for_pages = names.iter().filter(|n| n.ends_with("xusers pages")).count();
    assert_eq!(for_pages, 4, "{names:?}");
    assert!(names.len() > for_pages, "the other workers too: {names:?}");
}
