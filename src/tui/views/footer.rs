use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::inert::inert;
use crate::tui::keymap::{Context, Hint, Offer, footer_hints};
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

/// The hints that fit, each whole: a hint that would be cut is left out, the last
/// ones first, `? help` last of all.
pub fn draw_hints(t: &Theme, context: Context, offer: Offer, frame: &mut Frame, area: Rect) {
    let mut hints = footer_hints(context, offer);
    // A leading space, then each hint and two spaces (which may fall off the edge).
    let width = |hints: &[Hint]| -> usize {
        1 + hints
            .iter()
            .map(|h| h.key.width() + 1 + h.word.width() + 2)
            .sum::<usize>()
    };
    while !hints.is_empty() && width(&hints) - 2 > area.width as usize {
        let drop = hints.iter().rposition(|h| !h.last_to_go);
        hints.remove(drop.unwrap_or(hints.len() - 1));
    }
    let mut spans = vec![Span::raw(" ")];
    for hint in hints {
        spans.push(Span::styled(hint.key, t.key));
        spans.push(Span::styled(format!(" {}  ", hint.word), t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
