use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Pane};

/// Each pane's tab: its full title when all fit in `width`, else a short one.
fn labels(app: &App, width: u16) -> Vec<String> {
    let label = |short: bool| -> Vec<String> {
        Pane::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = p.count(&app.counts);
                if short {
                    format!(" {} {} {n} ", i + 1, p.short_title())
                } else {
                    format!(" {} {} ({n}) ", i + 1, p.title())
                }
            })
            .collect()
    };
    let full = label(false);
    let full_width: usize = full.iter().map(|l| l.width() + 1).sum();
    if full_width <= width as usize {
        full
    } else {
        label(true)
    }
}

/// Screen width of each tab including the gap after it (for mouse clicks).
pub fn widths(app: &App, width: u16) -> Vec<u16> {
    labels(app, width)
        .iter()
        .map(|l| l.width() as u16 + 1)
        .collect()
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (pane, label) in Pane::ALL.iter().zip(labels(app, area.width)) {
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
