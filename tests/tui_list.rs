//! The user list: what it shows at each window size, and what the mouse does on it.

mod common;

use common::assert_snapshot;
use common::backend::Backend;
use common::console::*;
use ratatui::crossterm::event::KeyCode;
use rstest::rstest;
use unicode_width::UnicodeWidthStr;
use xusers::store::ScopeCounts;
use xusers::tui::action::Action;
use xusers::tui::app::{App, Modal};
use xusers::tui::pane::Pane;

/// The screen column where `needle` starts on screen line `y`.
fn column_of(app: &xusers::tui::app::App, y: usize, needle: &str) -> u16 {
    let text = screen(app);
    let line = text.lines().nth(y).unwrap().trim_matches('"');
    let at = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {line}"));
    line[..at].width() as u16
}

/// Screen line of the first user row (header, tabs, border, column names).
const FIRST_ROW: u16 = 4;

#[test]
fn a_click_on_an_email_opens_that_users_edit_form() {
    let (_d, mut app) = console(60, (80, 24));
    let email = app.browse.list.visible(20)[3].email.clone();
    let x = column_of(&app, FIRST_ROW as usize + 3, &email) + 2;
    act(&mut app, Action::Click(x, FIRST_ROW + 3));
    let form = app.form.as_ref().expect("the edit form opens");
    assert!(form.is_edit());
    assert_eq!(form.email.value(), email);
}

#[test]
fn a_click_elsewhere_on_a_row_only_selects_it() {
    let (_d, mut app) = console(60, (80, 24));
    let x = column_of(&app, 3, "Last login");
    act(&mut app, Action::Click(x, FIRST_ROW + 5));
    assert_eq!(app.browse.list.selected, 5);
    assert!(app.form.is_none());
    // Left of the email: the selection marker.
    act(&mut app, Action::Click(1, FIRST_ROW + 2));
    assert_eq!(app.browse.list.selected, 2);
    assert!(app.form.is_none());
}

#[test]
fn the_title_bar_buttons_add_a_user_and_invalidate_all_tokens() {
    for size in [(80, 24), (120, 35)] {
        let (_d, mut app) = console(60, size);
        let add = column_of(&app, 2, "[ a Add user ]");
        act(&mut app, Action::Click(add + 4, 2));
        let form = app.form.as_ref().expect("the add form opens");
        assert!(!form.is_edit(), "{size:?}");
        let (_d, mut app) = console(60, size);
        let all = column_of(&app, 2, "[ I Invalidate all tokens ]");
        act(&mut app, Action::Click(all, 2));
        match &app.modal {
            Some(Modal::Confirm(c)) => assert!(c.message.contains("all 60 users")),
            other => panic!("{size:?}: {other:?}"),
        }
        // The border between the two buttons does nothing.
        let (_d, mut app) = console(60, size);
        act(&mut app, Action::Click(all - 1, 2));
        assert!(app.modal.is_none() && app.form.is_none(), "{size:?}");
    }
}

/// "Invalidate all tokens" sits on the border over All users only, and only when the
/// application has users: not over the other panes, nor a group's members.
#[test]
fn only_all_users_offers_invalidate_all() {
    let border = |app: &App| screen(app).lines().nth(2).unwrap().to_string();
    let offered = |app: &App| {
        let line = border(app);
        assert!(line.contains("[ a Add user ]"), "{line}");
        assert_eq!(
            line.contains("[ I Invalidate all tokens ]"),
            app.browse.offers_invalidate_all(),
            "{line}"
        );
        app.browse.offers_invalidate_all()
    };
    let (_d, mut app) = console(60, (120, 35));
    assert!(offered(&app), "All users, with users");
    for pane in ["2", "3"] {
        keys(&mut app, pane);
        assert!(!offered(&app), "pane {pane}");
    }
    keys(&mut app, "4");
    key(&mut app, KeyCode::Enter);
    assert!(app.browse.members.is_some(), "a group's members");
    assert!(!offered(&app), "the members view");
    let (_d, empty) = console(0, (120, 35));
    assert_eq!(empty.browse.pane, Pane::All);
    assert!(!offered(&empty), "no users");
}

#[rstest]
fn list_at_80x24(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
        return;
    };
    keys(&mut app, "jjjjjjj");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn list_at_120x35_has_a_column_for_every_sort(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (120, 35)) else {
        return;
    };
    let mut headers = Vec::new();
    for _ in 0..5 {
        for _ in 0..2 {
            let text = screen(&app);
            let header = text.lines().nth(3).unwrap().to_string();
            assert_eq!(header.matches(['▲', '▼']).count(), 1, "{header}");
            headers.push(header);
            keys(&mut app, "S");
        }
        keys(&mut app, "s");
    }
    assert_snapshot!("list_at_120x35_headers", headers.join("\n"));
    assert_snapshot!(screen(&app));
}

#[rstest]
fn list_at_50_columns(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, app)) = console_on_backend(backend, 60, (50, 20)) else {
        return;
    };
    assert_snapshot!(screen(&app));
}

#[rstest]
fn list_at_40x12(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    assert_snapshot!(screen(&app));
}

/// The tab bar of a million users, with the users, the Groups pane and the Audit log
/// in front: every pane's tab shows whole, the one in front named.
#[rstest]
fn every_tab_shows_at_80x24_and_40x12_with_a_million_users(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let million = ScopeCounts {
        all: 1_000_000,
        grouped: 671_507,
        ungrouped: 328_493,
    };
    for size in [(80, 24), (40, 12)] {
        let Some((_d, mut app)) = console_on_backend(backend, 60, size) else {
            return;
        };
        let mut bars = Vec::new();
        for (pane, name) in [('1', "All"), ('4', "Groups"), ('5', "Log")] {
            keys(&mut app, &pane.to_string());
            // What the counter would have counted in a million users.
            app.browse.counts = million;
            let shown = screen(&app);
            let bar = shown.lines().nth(1).unwrap().to_string();
            for n in 1..=5 {
                assert!(
                    bar.contains(&format!(" {n} ")),
                    "tab {n} at {size:?}: {bar}"
                );
            }
            assert!(bar.contains(&format!("{pane} {name}")), "{bar}");
            bars.push(bar);
        }
        let (w, h) = size;
        assert_snapshot!(
            format!("tab_bar_of_a_million_users_{w}x{h}"),
            bars.join("\n")
        );
    }
}

#[test]
fn the_email_is_never_cut_below_its_room_and_a_cut_ends_with_an_ellipsis() {
    for width in [40, 50, 60, 80, 100, 120] {
        let (_d, mut app) = console(60, (width, 24));
        // Every sort, so the sorted column's arrow takes its room too.
        for _ in 0..5 {
            let text = screen(&app);
            let rows: Vec<&str> = text.lines().skip(FIRST_ROW as usize).take(10).collect();
            let users = app.browse.list.visible(10);
            assert_eq!(users.len(), 10, "{width}: ten rows to check");
            let mut checked = 0;
            for (row, user) in rows.iter().zip(users) {
                if user.email.width() <= 30 {
                    assert!(row.contains(&user.email), "{width}: {row}");
                    checked += 1;
                }
            }
            assert!(checked >= 5, "{width}: only {checked} emails short enough");
            keys(&mut app, "s");
        }
    }
    // A longer email than the room, in a narrow window: cut with `…`.
    let (_d, mut app) = console(0, (40, 12));
    common::add_email(
        &mut app.session.store,
        app.session.application.id,
        "bob.novak.the.second.of.that.name@partner.co.uk",
    );
    keys(&mut app, "r");
    let text = screen(&app);
    assert!(
        text.contains("bob.novak.the.second.of.that.name@p…"),
        "{text}"
    );
}

#[test]
fn the_header_never_runs_the_database_into_the_count() {
    let (_d, mut app) = console(60, (50, 20));
    app.session.db_label = "/tmp/qa60-a-rather-long-folder/xusers.db".into();
    let header = screen(&app).lines().next().unwrap().to_string();
    assert!(header.contains("…  60 users"), "{header}");
}

#[test]
fn the_footer_and_filter_show_whole_words_in_a_narrow_window() {
    let (_d, app) = console(60, (40, 12));
    let text = screen(&app);
    let lines: Vec<&str> = text.lines().collect();
    let footer = lines[11].trim_matches('"').trim_end();
    assert!(
        footer.ends_with("? help"),
        "whole hints only, help last to go: {footer}"
    );
    let filter = lines[9].trim_matches('"').trim_end();
    assert_eq!(filter, " / filter");
}

#[test]
fn the_filter_cursor_sits_after_what_was_typed() {
    let (_d, mut app) = console(60, (80, 24));
    keys(&mut app, "/ali");
    let mut terminal = render(&app);
    let cursor = terminal.get_cursor_position().unwrap();
    assert_eq!(cursor.y, 21);
    assert_eq!(cursor.x, column_of(&app, 21, "ali") + 3);
}

/// Popups stay above the filter line: the filter, status and footer lines read the
/// same with a popup open as without.
#[test]
fn popups_never_cover_the_filter_or_the_footer() {
    for size in [(80, 24), (40, 12)] {
        for popup in ["?", "m", "d", "i", "I"] {
            let (_d, mut app) = console(60, size);
            keys(&mut app, "jjjjjjjjjjj");
            let before = screen(&app);
            keys(&mut app, popup);
            assert!(app.modal.is_some(), "{popup}");
            let after = screen(&app);
            let tail = |s: &str| {
                s.lines()
                    .skip(size.1 as usize - 3)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            // The footer names the popup's keys; the filter and status lines stay as
            // they were.
            let (b, a) = (tail(&before), tail(&after));
            assert_eq!(
                b.lines().take(2).collect::<Vec<_>>(),
                a.lines().take(2).collect::<Vec<_>>(),
                "{size:?} {popup}\n{after}"
            );
            let footer = a.lines().last().unwrap().trim_matches('"').trim_end();
            assert!(
                !footer.contains('│') && !footer.contains('─'),
                "{size:?} {popup}\n{after}"
            );
        }
    }
}

#[rstest]
fn help_at_40x12_says_how_many_keys_it_leaves_out(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    keys(&mut app, "?");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn row_menu_near_the_bottom_at_80x24(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
        return;
    };
    for _ in 0..16 {
        key(&mut app, KeyCode::Down);
    }
    keys(&mut app, "m");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn delete_dialog_at_40x12(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    keys(&mut app, "d");
    assert_snapshot!(screen(&app));
}

/// A click on any tab shows its pane, from every pane, at 80 and 40 columns (the
/// narrow bar shows numbers for most tabs: the click finds what is drawn there).
#[test]
fn a_click_on_any_tab_shows_its_pane_from_every_pane() {
    use xusers::tui::layout::{Areas, Tab, tab_labels};
    let tabs = [
        ('1', Tab::Users(Pane::All)),
        ('2', Tab::Users(Pane::Grouped)),
        ('3', Tab::Users(Pane::Ungrouped)),
        ('4', Tab::Groups),
        ('5', Tab::Audit),
    ];
    for size in [(80, 24), (40, 12)] {
        let (_d, mut app) = console(60, size);
        for (from_key, from) in tabs {
            for (_, to) in tabs {
                keys(&mut app, &from_key.to_string());
                assert_eq!(app.front_tab(), from);
                // Where the bar draws `to`'s tab now.
                let areas = Areas::new(size);
                let mut x = areas.tabs.x;
                for (tab, label) in tab_labels(&app.browse.counts, areas.tabs.width, from) {
                    if tab == to {
                        break;
                    }
                    x += label.width() as u16 + 1;
                }
                act(&mut app, Action::Click(x + 1, areas.tabs.y));
                assert_eq!(app.front_tab(), to, "{from:?} → {to:?} at {size:?}");
            }
        }
    }
}
