//! Hostile and wide text from the database: shown inert, and every column stays aligned.

mod common;

use common::assert_snapshot;
use common::backend::{Backend, execute_behind_the_store};
use common::console::*;
use ratatui::crossterm::event::KeyCode;
use rstest::rstest;
use tempfile::TempDir;
use unicode_width::UnicodeWidthStr;
use xusers::domain::UserDraft;
use xusers::tui::app::App;

const SIZE: (u16, u16) = (120, 16);

const EVE_FIRST: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}Eve";

/// Four users whose names and tags a terminal could trip over: escape sequences and
/// an RTL override (written by another program, since xusers refuses them on input),
/// CJK, emoji, a zero-width joiner sequence and a zero-width space.
fn hostile_console(backend: Backend) -> Option<(Option<TempDir>, App)> {
    let (dir, mut app) = console_on_backend(backend, 0, SIZE)?;
    let id = app.session.application.id;
    app.session.store.create_group(id, "営業部", None).unwrap();
    let mut add = |email: &str, first: &str, last: &str, groups: &[&str], tags: &[(&str, &str)]| {
        common::add(
            &mut app.session.store,
            id,
            UserDraft {
                first_name: first.into(),
                last_name: last.into(),
                groups: groups.iter().map(|g| g.to_string()).collect(),
                tags: tags
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..common::draft(email)
            },
        );
    };
    add("eve@acme.io", "Eve", "x", &[], &[("note", "plain")]);
    add(
        "taro@acme.io",
        "太郎",
        "山田",
        &["営業部"],
        &[("city", "東京都")],
    );
    add("ferris@acme.io", "🦀Ferris", "Crab🎉", &[], &[]);
    add(
        "family@acme.io",
        "👩\u{200d}👩\u{200d}👧",
        "Zero\u{200b}Width",
        &["営業部"],
        &[],
    );
    let location = app.session.store.location().unwrap();
    execute_behind_the_store(
        &location,
        "UPDATE users SET first_name = $1, last_name = $2 WHERE email = 'eve@acme.io'",
        &[EVE_FIRST, "x\u{202e}gpj.exe"],
    );
    execute_behind_the_store(
        &location,
        "UPDATE user_tags SET value = $1 WHERE key = 'note'",
        &["\u{1b}[31mred\u{1b}[0m\u{9b}2J"],
    );
    keys(&mut app, "r");
    Some((dir, app))
}

fn assert_inert(text: &str) {
    for bad in [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}', '\u{200d}',
    ] {
        assert!(
            !text.contains(bad),
            "U+{:04X} reached the screen",
            bad as u32
        );
    }
}

/// The display column where `needle` starts on row `y` (a wide character fills two
/// cells; the second one is not part of the text).
fn column_of(app: &App, y: u16, needle: &str) -> Option<u16> {
    let term = render(app);
    let buffer = term.backend().buffer();
    let mut text = String::new();
    let mut starts = Vec::new();
    let mut x = 0;
    while x < app.session.size.0 {
        let symbol = buffer[(x, y)].symbol();
        starts.push((text.len(), x));
        text.push_str(symbol);
        x += (symbol.width() as u16).max(1);
    }
    let at = text.find(needle)?;
    starts.iter().find(|(i, _)| *i == at).map(|(_, x)| *x)
}

#[rstest]
fn the_list_shows_hostile_names_inert_and_aligned(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, app)) = hostile_console(backend) else {
        return;
    };
    let text = screen(&app);
    assert_inert(&text);
    assert_snapshot!(text);
    let header = 3;
    let last = column_of(&app, header, "Last").unwrap();
    let groups = column_of(&app, header, "Groups").unwrap();
    let tags = column_of(&app, header, "Tags").unwrap();
    // Rows in email order: eve, family, ferris, taro.
    let expected = [
        ("x�gpj.exe", "", "1"),
        ("ZeroWidth", "営業部", "0"),
        ("Crab🎉", "", "0"),
        ("山田", "営業部", "1"),
    ];
    for (i, (last_name, group, tag_count)) in expected.iter().enumerate() {
        let y = header + 1 + i as u16;
        assert_eq!(column_of(&app, y, last_name), Some(last), "row {i}");
        if !group.is_empty() {
            assert_eq!(column_of(&app, y, group), Some(groups), "row {i}");
        }
        let term = render(&app);
        assert_eq!(term.backend().buffer()[(tags, y)].symbol(), *tag_count);
    }
}

#[rstest]
fn the_form_shows_hostile_text_inert_and_aligned(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some((_d, mut app)) = hostile_console(backend) else {
        return;
    };
    keys(&mut app, "e");
    let text = screen(&app);
    assert_inert(&text);
    assert!(text.contains("␛[2J␛]0;pwned␇Eve"), "{text}");
    assert!(text.contains("␛[31mred␛[0m�2J"), "{text}");
    assert_snapshot!("form_with_escape_sequences", text);
    key(&mut app, KeyCode::Esc);

    keys(&mut app, "je");
    let text = screen(&app);
    assert_inert(&text);
    assert!(
        text.contains("👩👩👧") && text.contains("ZeroWidth"),
        "{text}"
    );
    assert_snapshot!("form_with_emoji_and_zero_width_joiners", text);
    key(&mut app, KeyCode::Esc);

    keys(&mut app, "Ge");
    let text = screen(&app);
    assert_snapshot!("form_with_cjk_text", text);
    // The cursor sits just after the wide name: 2 columns per ideograph.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::End);
    let mut term = render(&app);
    let cursor = term.get_cursor_position().unwrap();
    let start = column_of(&app, cursor.y, "太郎").unwrap();
    assert_eq!(cursor.x, start + 4);
}

#[test]
fn a_name_longer_than_its_field_scrolls_by_display_width() {
    let (_d, mut app) = hostile_console(Backend::Sqlite).unwrap();
    keys(&mut app, "Ge");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::End);
    type_text(&mut app, &"漢".repeat(40));
    let mut term = render(&app);
    let cursor = term.get_cursor_position().unwrap();
    let buffer = term.backend().buffer().clone();
    let line: String = (0..app.session.size.0)
        .map(|x| buffer[(x, cursor.y)].symbol().to_string())
        .collect();
    // The field never spills past its width: the line ends in the frame's border.
    assert!(line.ends_with('│'), "{line}");
    assert_eq!(buffer[(cursor.x - 2, cursor.y)].symbol(), "漢");
}
