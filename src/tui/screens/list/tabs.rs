//! The panes as tabs, each with its count; the active one stands out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::Browse;
use crate::tui::layout::tab_labels;
use crate::tui::pane::Pane;
use crate::tui::theme::Theme;

/// The panes of users, then the audit log (`audit` when it is in front).
const AUDIT_TAB: &str = " 5 Audit log ";
const AUDIT_TAB_SHORT: &str = " 5 Log ";

pub fn draw(t: &Theme, browse: &Browse, audit: bool, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (pane, label) in Pane::ALL.iter().zip(tab_labels(&browse.counts, area.width)) {
        let style = if *pane == browse.pane && !audit && browse.members.is_none() {
            t.tab_active
        } else {
            t.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    // Whole or not at all: a cut tab would read like another word.
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let room = (area.width as usize).saturating_sub(used);
    if let Some(label) = [AUDIT_TAB, AUDIT_TAB_SHORT]
        .into_iter()
        .find(|l| l.width() <= room)
    {
        spans.push(Span::styled(
            label,
            if audit { t.tab_active } else { t.tab },
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
