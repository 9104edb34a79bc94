//! The panes as tabs, each with its count; the active one stands out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Browse;
use crate::tui::layout::tab_labels;
use crate::tui::pane::Pane;
use crate::tui::theme::Theme;

pub fn draw(t: &Theme, browse: &Browse, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (pane, label) in Pane::ALL.iter().zip(tab_labels(&browse.counts, area.width)) {
        let style = if *pane == browse.pane {
            t.tab_active
        } else {
            t.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
