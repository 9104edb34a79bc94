//! The README's screenshots, rendered from the real views at 120×35 into SVG
//! (`assets/screenshots/`). A test fails when a picture is stale; one command
//! regenerates them all:
//!
//! ```sh
//! XUSERS_UPDATE_SCREENSHOTS=1 cargo test --test screenshots
//! ```

mod common;

use std::path::PathBuf;

use common::console::*;
use common::svg::{self, CELL_HEIGHT, CELL_WIDTH, DEFAULT_BG, DEFAULT_FG};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use xusers::tui::app::App;
use xusers::tui::keymap::Context;

const SIZE: (u16, u16) = (120, 35);
const UPDATE: &str = "XUSERS_UPDATE_SCREENSHOTS";
const README: &str = include_str!("../README.md");

fn screenshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/screenshots")
        .join(format!("{name}.svg"))
}

/// Compares the picture of `app` with the kept one (or rewrites it when asked).
fn check(name: &str, app: &App) {
    let terminal = render(app);
    let fresh = svg::to_svg(terminal.backend().buffer());
    let path = screenshot_path(name);
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    if kept != fresh {
        let line = kept
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or("its length".to_string(), |i| format!("line {}", i + 1));
        panic!(
            "{} is stale (first difference: {line}); regenerate with \
             `{UPDATE}=1 cargo test --test screenshots` and review the pictures",
            path.display()
        );
    }
}

#[test]
fn user_list() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "jj");
    check("list", &app);
}

#[test]
fn form_with_tag_suggestions() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "a");
    type_text(&mut app, "nova.lee@acme.io");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "long-enough-pw");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "Nova");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "Lee");
    for _ in 0..10 {
        if app.context() == Context::FormTags {
            break;
        }
        key(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.context(), Context::FormTags);
    type_text(&mut app, "pe");
    assert!(
        !app.form.as_ref().unwrap().tags.suggestions.is_empty(),
        "suggestions are open"
    );
    check("form", &app);
}

#[test]
fn confirm_dialog() {
    let (_d, mut app) = console(60, SIZE);
    keys(&mut app, "jjd");
    assert_eq!(app.context(), Context::Dialog);
    check("confirm", &app);
}

#[test]
fn the_readme_shows_every_screenshot() {
    for name in ["list", "form", "confirm"] {
        let link = format!("](assets/screenshots/{name}.svg)");
        assert!(README.contains(&link), "README.md lacks {link}");
    }
}

// The buffer → SVG rendering.

#[test]
fn named_indexed_and_rgb_colours_map_to_fixed_values() {
    assert_eq!(svg::hex(Color::Reset), None);
    assert_eq!(svg::hex(Color::Cyan).as_deref(), Some("#11a8cd"));
    assert_eq!(svg::hex(Color::Indexed(6)), svg::hex(Color::Cyan));
    assert_eq!(svg::hex(Color::Indexed(196)).as_deref(), Some("#ff0000"));
    assert_eq!(svg::hex(Color::Indexed(16)).as_deref(), Some("#000000"));
    assert_eq!(svg::hex(Color::Indexed(236)).as_deref(), Some("#303030"));
    assert_eq!(svg::hex(Color::Indexed(255)).as_deref(), Some("#eeeeee"));
    assert_eq!(
        svg::hex(Color::Rgb(1, 0xab, 255)).as_deref(),
        Some("#01abff")
    );
}

fn svg_of(buffer: &Buffer) -> Vec<String> {
    svg::to_svg(buffer)
        .lines()
        .filter(|l| l.starts_with("<rect x=") || l.starts_with("<text"))
        .map(str::to_string)
        .collect()
}

#[test]
fn runs_of_one_style_become_one_text_and_backgrounds_rects() {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 8, 2));
    let loud = Style::new()
        .fg(Color::Red)
        .bg(Color::Blue)
        .add_modifier(Modifier::BOLD);
    buffer.set_string(0, 0, "ab", loud);
    buffer.set_string(2, 0, "c<&", Style::new());
    buffer.set_string(0, 1, "山x", Style::new().add_modifier(Modifier::REVERSED));
    let w = CELL_WIDTH;
    let h = CELL_HEIGHT;
    assert_eq!(
        svg_of(&buffer),
        [
            format!(
                r##"<rect x="0" y="0" width="{}" height="{h}" fill="#2472c8"/>"##,
                2 * w
            ),
            format!(
                r#"<rect x="0" y="{h}" width="{}" height="{h}" fill="{DEFAULT_FG}"/>"#,
                3 * w
            ),
            format!(
                r##"<text x="0" y="14" textLength="{}" lengthAdjust="spacingAndGlyphs" fill="#cd3131" font-weight="bold">ab</text>"##,
                2 * w
            ),
            format!(
                r#"<text x="{}" y="14" textLength="{}" lengthAdjust="spacingAndGlyphs" fill="{DEFAULT_FG}">c&lt;&amp;   </text>"#,
                2 * w,
                6 * w
            ),
            // The wide symbol covers two cells: x stays in column 2.
            format!(
                r#"<text x="0" y="{}" textLength="{}" lengthAdjust="spacingAndGlyphs" fill="{DEFAULT_BG}">山x</text>"#,
                h + 14,
                3 * w
            ),
        ]
    );
}
