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

/// Which pane is in front of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Front {
    Users,
    Groups,
    Audit,
}

/// The panes beyond the users: (full label, short label, which).
const OTHER_TABS: [(&str, &str, Front); 2] = [
    (" 4 Groups ", " 4 Groups ", Front::Groups),
    (" 5 Audit log ", " 5 Log ", Front::Audit),
];

/// The panes of users, then Groups and the Audit log. Each tab shows whole or not at
/// all; the one in front always shows (the users' tabs shrink to their numbers when
/// the window is too narrow for it otherwise).
pub fn draw(t: &Theme, browse: &Browse, front: Front, frame: &mut Frame, area: Rect) {
    let mut spans = user_tabs(t, browse, front, area.width, false);
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let front_width = OTHER_TABS
        .iter()
        .find(|(.., f)| *f == front)
        .map_or(0, |(_, short, _)| short.width());
    if front != Front::Users && used + front_width > area.width as usize {
        spans = user_tabs(t, browse, front, area.width, true);
    }
    let mut used: usize = spans.iter().map(|s| s.content.width()).sum();
    for (full, short, which) in OTHER_TABS {
        let room = (area.width as usize).saturating_sub(used);
        // A tab behind the front one leaves room for the front one after it.
        let reserved = if which < front { front_width + 1 } else { 0 };
        if let Some(label) = [full, short]
            .into_iter()
            .find(|l| l.width() + reserved <= room || (which == front && l.width() <= room))
        {
            let style = if which == front { t.tab_active } else { t.tab };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
            used += label.width() + 1;
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The tabs of the panes of users, each with its count (`numbers`: only the number).
fn user_tabs(
    t: &Theme,
    browse: &Browse,
    front: Front,
    width: u16,
    numbers: bool,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, (pane, label)) in Pane::ALL
        .iter()
        .zip(tab_labels(&browse.counts, width))
        .enumerate()
    {
        let label = if numbers {
            format!(" {} ", i + 1)
        } else {
            label
        };
        let style = if *pane == browse.pane && front == Front::Users && browse.members.is_none() {
            t.tab_active
        } else {
            t.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    spans
}
