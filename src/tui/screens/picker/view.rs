//! Drawing the user picker: the search being typed, the users (picked ones ticked,
//! members already marked), and what is picked so far.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::UserPicker;
use crate::inert::inert;
use crate::tui::fit::{fit, fit_email};
use crate::tui::layout::{Areas, centered};
use crate::tui::theme::Theme;

const WIDTH: u16 = 72;
/// The tallest the picker grows.
const HEIGHT: u16 = 22;
/// Border, search line and the picked line.
const CHROME: u16 = 4;
const PROMPT: &str = " search / ";
/// A user's row besides the email and the name: the selection marker, the tick and
/// the gaps.
const ROW_CHROME: usize = 2 + 3 + 1 + 2;

/// Where the picker goes at a terminal `size`: over the table, so the header and tabs
/// above and the filter, status and footer lines below stay whole.
pub fn area(size: (u16, u16)) -> Rect {
    centered(Areas::new(size).table, WIDTH, HEIGHT)
}

/// How many users the picker shows at a terminal `size`.
pub fn rows(size: (u16, u16)) -> usize {
    area(size).height.saturating_sub(CHROME).max(1) as usize
}

pub fn draw(t: &Theme, picker: &UserPicker, size: (u16, u16), frame: &mut Frame) {
    let area = area(size);
    let title = format!(" Add users to {} ", inert(&picker.name));
    let block = Block::bordered().border_style(t.title).title(Line::styled(
        fit(&title, area.width.saturating_sub(2) as usize).into_owned(),
        t.title,
    ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let width = inner.width as usize;
    // The search, with the cursor in it.
    let room = width.saturating_sub(PROMPT.width() + 1);
    let scroll = picker.search.visual_scroll(room);
    let shown: String = picker.search.value().chars().skip(scroll).collect();
    let cursor = picker.search.visual_cursor().max(scroll) - scroll;
    frame.set_cursor_position(Position::new(
        inner.x + (PROMPT.width() + cursor) as u16,
        inner.y,
    ));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(PROMPT, t.key),
            Span::styled(fit(&inert(&shown), room).into_owned(), t.input),
        ])),
        Rect { height: 1, ..inner },
    );
    let height = rows(size);
    let list = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(2).min(height as u16),
        ..inner
    };
    let visible = picker.list.visible(height);
    let lines: Vec<Line> = if visible.is_empty() {
        let why = if picker.stale() {
            "Reading users…"
        } else {
            "No user matches the search"
        };
        vec![Line::styled(format!(" {why}"), t.dim)]
    } else {
        // The email has priority: its column is as wide as the longest email shown
        // needs, if the row allows; names (or "in <group>") take what is left.
        let longest = (visible.iter()).map(|row| inert(&row.email).width()).max();
        let email_width = longest.unwrap_or(0).min(width.saturating_sub(ROW_CHROME));
        visible
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let member = picker.is_member(row);
                let mark = if member {
                    " ✓ "
                } else if picker.is_picked(row.id) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let email = fit_email(&inert(&row.email), email_width).into_owned();
                let pad = email_width.saturating_sub(email.width());
                let rest = if member {
                    format!("in {}", inert(&picker.name))
                } else {
                    inert(&format!("{} {}", row.first_name, row.last_name))
                        .trim()
                        .to_string()
                };
                let used = ROW_CHROME + email_width;
                let text = format!(
                    "{}{mark} {email}{}  {}",
                    if picker.list.top + i == picker.list.selected {
                        "▶ "
                    } else {
                        "  "
                    },
                    " ".repeat(pad),
                    fit(&rest, width.saturating_sub(used))
                );
                let style = if picker.list.top + i == picker.list.selected {
                    t.selected
                } else if member || picker.stale() {
                    t.dim
                } else {
                    ratatui::style::Style::default()
                };
                Line::styled(text, style)
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), list);
    let picked = match picker.picked.len() {
        0 => " Space picks users, Enter adds them".to_string(),
        n => {
            let emails: Vec<String> = picker
                .picked
                .iter()
                .map(|(_, e)| inert(e).into_owned())
                .collect();
            format!(" {n} picked: {}", emails.join(", "))
        }
    };
    let last = Rect {
        y: inner.bottom().saturating_sub(1),
        height: 1,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&picked, width).into_owned(), t.dim)),
        last,
    );
}
