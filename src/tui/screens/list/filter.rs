//! The filter line: the filter being typed or kept, an invitation when there is none,
//! and at the right the match count, or "searching…" while new rows are slow to come.

use indicatif::HumanCount;
use ratatui::Frame;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use unicode_width::UnicodeWidthStr;

use super::Browse;
use crate::inert::inert;
use crate::tui::fit::fit;
use crate::tui::theme::Theme;

const PROMPT: &str = " filter / ";
const KEPT: &str = " filter: ";
const KEPT_HINT: &str = "  (/ edit · Esc clear)";
const INVITE: &str = " / filter by text, tag:key or tag:key=value";
const SHORT_INVITE: &str = " / filter";

pub fn draw(t: &Theme, browse: &Browse, frame: &mut Frame, area: Rect) {
    let count = match (browse.matches, browse.count_pending) {
        _ if browse.searching => Some("searching… ".to_string()),
        (Some(n), _) if browse.members.is_some() && browse.filter.value().trim().is_empty() => {
            Some(format!(
                "{} member{} ",
                HumanCount(n),
                if n == 1 { "" } else { "s" }
            ))
        }
        (Some(n), _) => Some(format!(
            "{} match{} ",
            HumanCount(n),
            if n == 1 { "" } else { "es" }
        )),
        (None, Some(_)) => Some("counting… ".to_string()),
        (None, None) => None,
    };
    // The count keeps its place at the right; the left part gets what is left, so the
    // two never overlap.
    let room = match &count {
        Some(text) => (area.width as usize).saturating_sub(text.width() + 1),
        None => area.width as usize,
    };
    let value = browse.filter.value();
    let line = if browse.filter_focused {
        typed_line(t, &browse.filter, room, frame, area)
    } else if !value.is_empty() {
        let hint = if KEPT.width() + value.width() + KEPT_HINT.width() <= room {
            KEPT_HINT
        } else {
            ""
        };
        let room_for_value = room.saturating_sub(KEPT.width() + hint.width());
        Line::from(vec![
            Span::styled(KEPT, t.dim),
            Span::styled(fit(&inert(value), room_for_value).into_owned(), t.filter),
            Span::styled(hint, t.dim),
        ])
    } else if INVITE.width() <= room {
        Line::styled(INVITE, t.dim)
    } else {
        Line::styled(SHORT_INVITE, t.dim)
    };
    let left = Rect {
        width: room as u16,
        ..area
    };
    frame.render_widget(Paragraph::new(line), left);
    if let Some(text) = count {
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.filter)).alignment(Alignment::Right),
            area,
        );
    }
}

/// A filter being typed, after its prompt, within `room` columns of `area`'s line; the
/// cursor stays on screen when the filter is longer than the line.
pub fn typed_line(
    t: &Theme,
    filter: &Input,
    room: usize,
    frame: &mut Frame,
    area: Rect,
) -> Line<'static> {
    let width = room.saturating_sub(PROMPT.width() + 1);
    let scroll = filter.visual_scroll(width);
    let cursor = filter.visual_cursor().max(scroll) - scroll;
    let x = area.x as usize + PROMPT.width() + cursor;
    frame.set_cursor_position(Position::new(x as u16, area.y));
    let shown: String = filter.value().chars().skip(scroll).collect();
    Line::from(vec![
        Span::styled(PROMPT, t.key),
        Span::styled(shown, t.filter),
    ])
}
