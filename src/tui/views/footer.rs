use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::inert::inert;
use crate::tui::keymap::{Context, footer_hints};
use crate::tui::session::{Session, StatusKind};
use crate::tui::theme::Theme;

pub fn draw_status(session: &Session, frame: &mut Frame, area: Rect) {
    if let Some(status) = &session.status {
        let style = match status.kind {
            StatusKind::Info => session.theme.info,
            StatusKind::Error => session.theme.error,
        };
        let text = format!(" {} ", inert(&status.text));
        frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
    }
}

/// The hints that fit, each whole: a hint that would be cut is left out, and so is
/// every one after it.
pub fn draw_hints(t: &Theme, context: Context, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, word) in footer_hints(context) {
        // The two trailing spaces may fall off the edge.
        let shown = key.width() + 1 + word.width();
        if used + shown > area.width as usize {
            break;
        }
        used += shown + 2;
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {word}  "), t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
