use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Pane};

fn labels(app: &App) -> Vec<String> {
    Pane::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| format!(" {} {} ({}) ", i + 1, p.title(), p.count(&app.counts)))
        .collect()
}

/// Screen width of each tab including the gap after it (for mouse clicks).
pub fn widths(app: &App) -> Vec<u16> {
    labels(app).iter().map(|l| l.width() as u16 + 1).collect()
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (pane, label) in Pane::ALL.iter().zip(labels(app)) {
        let style = if *pane == app.pane {
            t.tab_active
        } else {
            t.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
