//! A rendered frame (ratatui's `Buffer`) as an SVG picture of a dark terminal: one
//! background rectangle per run of same-coloured cells, one monospace `<text>` per run
//! of same-styled cells, stretched to exactly its cells so that columns line up in any
//! font. Named colours come from one fixed palette, so the output is deterministic.

use std::fmt::Write;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// One cell's size in pixels, the font size and the text baseline within a cell.
pub const CELL_WIDTH: u32 = 9;
pub const CELL_HEIGHT: u32 = 18;
const FONT_SIZE: u32 = 15;
const BASELINE: u32 = 14;
const FONT: &str = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/// The terminal's own colours, for `Color::Reset`.
pub const DEFAULT_FG: &str = "#cccccc";
pub const DEFAULT_BG: &str = "#1e1e1e";

/// The 16 ANSI colours in their index order (black, red, … white).
const ANSI: [&str; 16] = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
];

/// `#rrggbb` for a colour; `None` for `Reset` (the terminal's default).
pub fn hex(color: Color) -> Option<String> {
    let ansi = |i: usize| Some(ANSI[i].to_string());
    match color {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
        Color::Indexed(i) => Some(indexed(i)),
    }
}

/// xterm's 256 colours: the 16 ANSI ones, a 6×6×6 cube, then 24 greys.
fn indexed(i: u8) -> String {
    match i {
        0..=15 => ANSI[i as usize].to_string(),
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let n = i - 16;
            let (r, g, b) = (level(n / 36), level(n / 6 % 6), level(n % 6));
            format!("#{r:02x}{g:02x}{b:02x}")
        }
        232..=255 => {
            let v = 8 + 10 * (i - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

/// What a run of text shares: colours after reverse video, and the font's emphasis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Look {
    fg: String,
    bg: String,
    bold: bool,
    italic: bool,
    underline: bool,
    dim: bool,
}

impl Look {
    fn of(cell: &Cell) -> Look {
        let fg = hex(cell.fg).unwrap_or_else(|| DEFAULT_FG.into());
        let bg = hex(cell.bg).unwrap_or_else(|| DEFAULT_BG.into());
        let m = cell.modifier;
        let (fg, bg) = if m.contains(Modifier::REVERSED) {
            (bg, fg)
        } else {
            (fg, bg)
        };
        Look {
            fg,
            bg,
            bold: m.contains(Modifier::BOLD),
            italic: m.contains(Modifier::ITALIC),
            underline: m.contains(Modifier::UNDERLINED),
            dim: m.contains(Modifier::DIM),
        }
    }
}

/// A stretch of one row: first column, width in cells, its text and look.
struct Run {
    x: u16,
    width: u16,
    text: String,
    look: Look,
}

/// A row's visible symbols as runs of one look (cells hidden by a wide symbol are
/// part of that symbol's width).
fn runs(cells: &[Cell], same: impl Fn(&Look, &Look) -> bool) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut x = 0;
    while x < cells.len() {
        let cell = &cells[x];
        let symbol = cell.symbol();
        let width = symbol.width().max(1).min(cells.len() - x);
        let look = Look::of(cell);
        match out.last_mut() {
            Some(run) if same(&run.look, &look) => {
                run.width += width as u16;
                run.text.push_str(symbol);
            }
            _ => out.push(Run {
                x: x as u16,
                width: width as u16,
                text: symbol.to_string(),
                look,
            }),
        }
        x += width;
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole buffer as an SVG document.
pub fn to_svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let (width, height) = (
        u32::from(area.width) * CELL_WIDTH,
        u32::from(area.height) * CELL_HEIGHT,
    );
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="{FONT_SIZE}">"#
    )
    .unwrap();
    writeln!(
        svg,
        r#"<rect width="{width}" height="{height}" fill="{DEFAULT_BG}"/>"#
    )
    .unwrap();
    let rows: Vec<&[Cell]> = buffer.content.chunks(area.width.max(1) as usize).collect();
    svg.push_str("<g shape-rendering=\"crispEdges\">\n");
    for (y, cells) in rows.iter().enumerate() {
        for run in runs(cells, |a, b| a.bg == b.bg) {
            if run.look.bg == DEFAULT_BG {
                continue;
            }
            writeln!(
                svg,
                r#"<rect x="{}" y="{}" width="{}" height="{CELL_HEIGHT}" fill="{}"/>"#,
                u32::from(run.x) * CELL_WIDTH,
                y as u32 * CELL_HEIGHT,
                u32::from(run.width) * CELL_WIDTH,
                run.look.bg
            )
            .unwrap();
        }
    }
    svg.push_str("</g>\n<g xml:space=\"preserve\">\n");
    for (y, cells) in rows.iter().enumerate() {
        for run in runs(cells, |a, b| {
            Look {
                bg: b.bg.clone(),
                ..a.clone()
            } == *b
        }) {
            if run.text.trim().is_empty() && !run.look.underline {
                continue;
            }
            let look = &run.look;
            let mut attributes = format!(r#" fill="{}""#, look.fg);
            for (on, attribute) in [
                (look.bold, r#" font-weight="bold""#),
                (look.italic, r#" font-style="italic""#),
                (look.underline, r#" text-decoration="underline""#),
                (look.dim, r#" fill-opacity="0.6""#),
            ] {
                if on {
                    attributes.push_str(attribute);
                }
            }
            writeln!(
                svg,
                r#"<text x="{}" y="{}" textLength="{}" lengthAdjust="spacingAndGlyphs"{attributes}>{}</text>"#,
                u32::from(run.x) * CELL_WIDTH,
                y as u32 * CELL_HEIGHT + BASELINE,
                u32::from(run.width) * CELL_WIDTH,
                escape(&run.text)
            )
            .unwrap();
        }
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}
