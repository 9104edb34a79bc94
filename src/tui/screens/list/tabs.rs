//! The panes as tabs, the users' with their counts; the one in front stands out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Browse;
use crate::tui::layout::{Tab, tab_labels};
use crate::tui::theme::Theme;

/// Every pane's tab, as wide as the window lets all of them be (see [`tab_labels`]).
pub fn draw(t: &Theme, browse: &Browse, front: Tab, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (tab, label) in tab_labels(&browse.counts, area.width, front) {
        let style = if tab == front { t.tab_active } else { t.tab };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
