//! What the console shows, as text snapshots of rendered frames: the same snapshots
//! over either backend.

mod common;

use common::assert_snapshot;
use common::backend::Backend;
use common::console::*;
use ratatui::crossterm::event::KeyCode;
use rstest::rstest;
use xusers::tui::action::Action;

const SIZE: (u16, u16) = (120, 30);

#[rstest]
fn all_users_pane(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    assert_snapshot!(screen(&app));
}

#[rstest]
fn in_a_group_pane(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "2");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn in_no_group_pane(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "3");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn empty_database(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, app)) = console_on_backend(backend, 0, SIZE) else {
        return;
    };
    assert_snapshot!(screen(&app));
}

#[rstest]
fn empty_pane_when_nobody_is_grouped(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 0, SIZE) else {
        return;
    };
    common::add_email(
        &mut app.session.store,
        app.session.application.id,
        "solo@acme.io",
    );
    keys(&mut app, "r2");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn filter_matching_nothing(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "/xyz");
    key(&mut app, KeyCode::Enter);
    finish_background(&mut app);
    let text = screen(&app);
    assert!(
        text.contains("│  Email ▲ "),
        "the column header stays\n{text}"
    );
    assert!(
        text.contains("No users match this filter (Esc clears it)"),
        "{text}"
    );
    assert_snapshot!(text);
}

#[rstest]
fn the_sort_shows_at_40_columns_though_its_column_is_hidden(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    let mut borders = Vec::new();
    for _ in 0..5 {
        keys(&mut app, "s");
        for _ in 0..2 {
            let field = app.browse.sort.field.name();
            let arrow = if app.browse.sort.descending {
                "▼"
            } else {
                "▲"
            };
            let text = screen(&app);
            let border = text.lines().nth(2).unwrap().to_string();
            let header = text.lines().nth(3).unwrap();
            // Only the email column fits: its header carries the arrow when it is sorted.
            let shown = match field {
                "email" => header.contains(&format!("Email {arrow}")),
                _ => {
                    border.contains(&format!("{field} {arrow}"))
                        || border.contains(&format!("{field}{arrow}"))
                }
            };
            assert!(shown, "{field} {arrow}\n{text}");
            borders.push(format!("{border}\n{header}"));
            keys(&mut app, "S");
        }
    }
    assert_snapshot!(borders.join("\n"));
}

#[rstest]
fn filter_by_text_while_typing(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "/ali");
    finish_background(&mut app);
    assert_snapshot!(screen(&app));
}

#[rstest]
fn filter_by_tag_in_a_pane(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "2/tag:plan=pro");
    key(&mut app, KeyCode::Enter);
    finish_background(&mut app);
    assert_snapshot!(screen(&app));
}

#[rstest]
fn every_sort_indicator(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    let mut lines = Vec::new();
    for _ in 0..5 {
        for _ in 0..2 {
            let text = screen(&app);
            let rows: Vec<&str> = text.lines().collect();
            lines.push(format!("{}\n{}\n{}", rows[2], rows[3], rows[4]));
            keys(&mut app, "S");
        }
        keys(&mut app, "s");
    }
    assert_snapshot!(lines.join("\n"));
}

#[rstest]
fn row_menu(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "jjm");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn delete_dialog(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "jjd");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn invalidate_one_dialog(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "i");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn invalidate_all_dialog(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "I");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn help_popup(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "?");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn status_after_delete(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, SIZE) else {
        return;
    };
    keys(&mut app, "jdy");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn small_terminal_80x24(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
        return;
    };
    keys(&mut app, "j");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn help_at_80x24_fits(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 24)) else {
        return;
    };
    keys(&mut app, "?");
    assert_snapshot!(screen(&app));
}

#[rstest]
fn large_terminal_160x48(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, app)) = console_on_backend(backend, 60, (160, 48)) else {
        return;
    };
    assert_snapshot!(screen(&app));
}

#[rstest]
fn far_down_a_list_of_ten_thousand(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 10_000, SIZE) else {
        return;
    };
    for _ in 0..300 {
        key(&mut app, KeyCode::PageDown);
    }
    keys(&mut app, "jjjk");
    assert_snapshot!(screen(&app));
}

/// A console with just one user, this email.
fn one_user(
    backend: Backend,
    email: &str,
    size: (u16, u16),
) -> Option<(Option<tempfile::TempDir>, xusers::tui::app::App)> {
    let (d, mut app) = console_on_backend(backend, 0, size)?;
    let application = app.session.application.id;
    common::add_email(&mut app.session.store, application, email);
    keys(&mut app, "r");
    Some((d, app))
}

#[rstest]
fn dialogs_show_their_whole_message_down_to_40x10(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let long = format!("{}@example.com", "a".repeat(52));
    assert_eq!(long.len(), 64);
    for (email, size, keys_pressed, name) in [
        (
            long.as_str(),
            (40, 12),
            "d",
            "delete_dialog_long_email_40x12",
        ),
        ("ann@acme.io", (40, 10), "d", "delete_dialog_40x10"),
        (
            long.as_str(),
            (40, 10),
            "i",
            "invalidate_dialog_long_email_40x10",
        ),
        ("ann@acme.io", (40, 10), "I", "invalidate_all_dialog_40x10"),
    ] {
        let Some((_d, mut app)) = one_user(backend, email, size) else {
            return;
        };
        keys(&mut app, keys_pressed);
        let text = screen(&app);
        let joined: String = text
            .lines()
            .map(|l| l.trim_matches('"').trim_matches('│').trim())
            .collect::<Vec<_>>()
            .join(" ");
        let ending = match keys_pressed {
            "d" => "this cannot be undone.",
            "i" => "nothing else about them changes.",
            _ => "will have to log in again.",
        };
        assert!(joined.contains(ending), "{name}\n{text}");
        assert!(text.contains("[ Cancel ]"), "{name}\n{text}");
        if keys_pressed != "I" {
            let shown = if email == long {
                "a…@example.com?"
            } else {
                "ann@acme.io?"
            };
            assert!(joined.contains(shown), "{name}\n{text}");
        }
        assert_snapshot!(name, text);
    }
}

#[rstest]
fn help_scrolls_at_40x12(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (40, 12)) else {
        return;
    };
    keys(&mut app, "?");
    let top = screen(&app);
    assert!(top.contains("All users"), "{top}");
    assert!(top.contains(" 0 above · 22 below: ↑↓ PgUp PgDn "), "{top}");
    assert!(!top.contains("Quit"), "{top}");
    keys(&mut app, "j");
    let one_down = screen(&app);
    assert!(!one_down.contains("All users"), "{one_down}");
    assert!(one_down.contains("Users in a group"), "{one_down}");
    assert!(one_down.contains(" 1 above · 21 below"), "{one_down}");
    for _ in 0..5 {
        key(&mut app, KeyCode::PageDown);
    }
    let bottom = screen(&app);
    assert!(
        bottom.contains("Quit"),
        "the last key comes into view\n{bottom}"
    );
    assert!(bottom.contains(" 22 above · 0 below"), "{bottom}");
    keys(&mut app, "j");
    assert_eq!(screen(&app), bottom, "it stops at the last key");
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::PageUp);
    for _ in 0..20 {
        key(&mut app, KeyCode::Up);
        keys(&mut app, "k");
    }
    assert_eq!(screen(&app), top, "and goes back to the first");
    assert_snapshot!("help_40x12_top", top);
    assert_snapshot!("help_40x12_bottom", bottom);
}

#[rstest]
fn the_footer_drops_help_last(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some((_d, mut app)) = console_on_backend(backend, 60, (80, 12)) else {
        return;
    };
    for width in [80, 70, 60, 50, 40] {
        act(&mut app, Action::Resize(width, 12));
        let text = screen(&app);
        let footer = text.lines().last().unwrap();
        assert!(footer.contains("? help"), "{width}: {footer}");
    }
    let footer = screen(&app).lines().last().unwrap().to_string();
    assert_snapshot!("footer_40", footer);
}

#[test]
fn with_no_user_to_act_on_only_what_can_be_done_is_offered() {
    let acting = ["e edit", "m menu", "d delete", "i invalidate"];
    let (_d, mut empty) = console(0, SIZE);
    let text = screen(&empty);
    let footer = text.lines().last().unwrap();
    for hint in acting {
        assert!(!footer.contains(hint), "{hint}: {footer}");
    }
    assert!(footer.contains("a add"), "{footer}");
    assert!(!text.contains("Invalidate all tokens"), "{text}");
    keys(&mut empty, "I");
    assert_eq!(empty.modal, None, "nothing to invalidate");

    let (_d, mut app) = console(60, SIZE);
    let footer = screen(&app).lines().last().unwrap().to_string();
    for hint in acting {
        assert!(footer.contains(hint), "{hint}: {footer}");
    }
    keys(&mut app, "/xyz");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    let footer = text.lines().last().unwrap();
    for hint in acting {
        assert!(!footer.contains(hint), "{hint}: {footer}");
    }
    assert!(
        text.contains("Invalidate all tokens"),
        "the users are there, only filtered out\n{text}"
    );
}

#[test]
fn a_status_naming_a_long_email_keeps_its_end_at_80_columns() {
    let long = format!("{}@example.com", "a".repeat(52));
    let (_d, mut app) = one_user(Backend::Sqlite, &long, (80, 24)).unwrap();
    let id = app.browse.list.selected_row().unwrap().id;
    let mut other = xusers::store::Store::open(&app.session.store.path().unwrap()).unwrap();
    other.delete_user(id).unwrap();
    keys(&mut app, "dy");
    let text = screen(&app);
    let status = text.lines().nth(22).unwrap();
    assert!(
        status.contains("a@example.com (someone else deleted it)"),
        "{text}"
    );
    assert!(status.contains("no such user: aaa"), "{status}");
    assert!(status.contains('…'), "{status}");
}
