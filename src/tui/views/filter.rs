use ratatui::Frame;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let value = app.filter.value();
    let line = if app.filter_focused {
        // Keep the cursor on screen when the filter is longer than the line.
        let width = area.width.saturating_sub(10) as usize;
        let scroll = app.filter.visual_scroll(width);
        let cursor = (app.filter.visual_cursor().max(scroll) - scroll) as u16;
        frame.set_cursor_position(Position::new(area.x + 9 + cursor, area.y));
        let shown: String = value.chars().skip(scroll).collect();
        Line::from(vec![
            Span::styled(" filter / ", t.key),
            Span::styled(shown, t.filter),
        ])
    } else if !value.is_empty() {
        Line::from(vec![
            Span::styled(" filter: ", t.dim),
            Span::styled(value.to_string(), t.filter),
            Span::styled("  (/ edit · Esc clear)", t.dim),
        ])
    } else {
        Line::styled(" / filter by text, tag:key or tag:key=value", t.dim)
    };
    frame.render_widget(Paragraph::new(line), area);
    let count = match (app.matches, app.count_pending) {
        (Some(n), _) => Some(format!("{n} match{} ", if n == 1 { "" } else { "es" })),
        (None, Some(_)) => Some("counting… ".to_string()),
        (None, None) => None,
    };
    if let Some(text) = count {
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.filter)).alignment(Alignment::Right),
            area,
        );
    }
}
