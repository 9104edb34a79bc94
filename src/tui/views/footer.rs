use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::inert::inert;
use crate::tui::app::{App, StatusKind};
use crate::tui::keymap::footer_hints;

pub fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(status) = &app.status {
        let style = match status.kind {
            StatusKind::Info => app.theme.info,
            StatusKind::Error => app.theme.error,
        };
        let text = format!(" {} ", inert(&status.text));
        frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
    }
}

/// The hints that fit, each whole: a hint that would be cut is left out, and so is
/// every one after it.
pub fn draw_hints(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, word) in footer_hints(app.context()) {
        // The two trailing spaces may fall off the edge.
        let shown = key.width() + 1 + word.width();
        if used + shown > area.width as usize {
            break;
        }
        used += shown + 2;
        spans.push(Span::styled(key, app.theme.key));
        spans.push(Span::styled(format!(" {word}  "), app.theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
