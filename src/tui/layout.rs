//! Where each region of the screen goes: shared by the views (to draw) and by
//! `update` (to know how many rows a page holds and which row a click hit).

use ratatui::layout::{Constraint, Layout, Rect};

use super::columns::{Column, layout};
use crate::store::SortField;

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

    /// The tab (pane index) at column `x` of the tabs line, given each tab's width.
    pub fn tab_at(&self, x: u16, y: u16, widths: &[u16]) -> Option<usize> {
        if y != self.tabs.y {
            return None;
        }
        let mut start = self.tabs.x;
        for (i, w) in widths.iter().enumerate() {
            if x >= start && x < start + w {
                return Some(i);
            }
            start += w;
        }
        None
    }
}
