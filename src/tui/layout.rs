//! Where each region of the screen goes: shared by the views (to draw) and by the
//! screens' `update` (to know how many rows a page holds and what a click hit).

use indicatif::HumanCount;
use ratatui::layout::{Constraint, Layout, Rect};
use unicode_width::UnicodeWidthStr;

use super::columns::{Column, layout};
use super::pane::Pane;
use crate::store::{ScopeCounts, SortField};

/// The two rows across the middle of `area` (fewer in a smaller one), where a pane
/// with nothing to list puts its note.
pub fn middle_rows(area: Rect) -> Rect {
    Rect {
        y: area.y + area.height / 2,
        height: 2.min(area.height),
        ..area
    }
}

pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    /// The user table including its border.
    pub table: Rect,
    pub filter: Rect,
    pub status: Rect,
    pub footer: Rect,
}

/// Border above plus the column header row.
const TABLE_TOP: u16 = 2;

impl Areas {
    pub fn new((width, height): (u16, u16)) -> Areas {
        let [header, tabs, table, filter, status, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(Rect::new(0, 0, width, height));
        Areas {
            header,
            tabs,
            table,
            filter,
            status,
            footer,
        }
    }

    /// Where popups go: above the filter line, so the filter, status and footer lines
    /// are always whole.
    pub fn popups(&self) -> Rect {
        Rect {
            height: self.filter.y.saturating_sub(self.header.y),
            ..self.header
        }
    }

    /// How many user rows fit in the table.
    pub fn table_rows(&self) -> usize {
        self.table.height.saturating_sub(TABLE_TOP + 1).max(1) as usize
    }

    /// The table row (0 = first on screen) at screen line `y`.
    pub fn row_at(&self, y: u16) -> Option<usize> {
        let first = self.table.y + TABLE_TOP;
        (y >= first && ((y - first) as usize) < self.table_rows()).then(|| (y - first) as usize)
    }

    /// Whether screen column `x` of a user row is in the email column.
    pub fn email_at(&self, x: u16, sort: SortField) -> bool {
        let inner_x = self.table.x + 1;
        let row_width = self.table.width.saturating_sub(2);
        layout(row_width, sort)
            .iter()
            .find(|p| p.column == Column::Email)
            .is_some_and(|p| x >= inner_x + p.x && x < inner_x + p.x + p.width)
    }

    /// The pane whose tab is at (`x`, `y`).
    pub fn tab_at(&self, x: u16, y: u16, counts: &ScopeCounts) -> Option<Pane> {
        if y != self.tabs.y {
            return None;
        }
        let mut start = self.tabs.x;
        for (pane, label) in Pane::ALL.iter().zip(tab_labels(counts, self.tabs.width)) {
            // Each tab is followed by a one-column gap, which counts as part of it.
            let width = label.width() as u16 + 1;
            if x >= start && x < start + width {
                return Some(*pane);
            }
            start += width;
        }
        None
    }
}

/// Each pane's tab: its full title when all fit in `width`, else a short one.
pub fn tab_labels(counts: &ScopeCounts, width: u16) -> Vec<String> {
    let label = |short: bool| -> Vec<String> {
        Pane::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = p.count(counts);
                if short {
                    format!(" {} {} {} ", i + 1, p.short_title(), HumanCount(n))
                } else {
                    format!(" {} {} ({}) ", i + 1, p.title(), HumanCount(n))
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

/// A popup of at most `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_finds_the_tab_drawn_there_in_full_and_in_short() {
        let counts = ScopeCounts {
            all: 60,
            grouped: 42,
            ungrouped: 18,
        };
        for width in [120, 40] {
            let areas = Areas::new((width, 30));
            let labels = tab_labels(&counts, width);
            assert_eq!(labels.len(), Pane::ALL.len());
            let mut x = 0;
            for (pane, label) in Pane::ALL.iter().zip(&labels) {
                let end = x + label.width() as u16;
                assert_eq!(areas.tab_at(x, areas.tabs.y, &counts), Some(*pane));
                assert_eq!(areas.tab_at(end - 1, areas.tabs.y, &counts), Some(*pane));
                assert_eq!(areas.tab_at(x, areas.tabs.y + 1, &counts), None);
                x = end + 1;
            }
            assert_eq!(
                areas.tab_at(x, areas.tabs.y, &counts),
                None,
                "past the last tab"
            );
        }
        assert!(tab_labels(&counts, 40)[0].starts_with(" 1 All 60"));
        assert!(tab_labels(&counts, 120)[0].starts_with(" 1 All users (60)"));
    }
}
