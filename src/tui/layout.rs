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

    /// The tab at (`x`, `y`), with `front` in front.
    pub fn tab_at(&self, x: u16, y: u16, counts: &ScopeCounts, front: Tab) -> Option<Tab> {
        if y != self.tabs.y {
            return None;
        }
        let mut start = self.tabs.x;
        for (tab, label) in tab_labels(counts, self.tabs.width, front) {
            // Each tab is followed by a one-column gap, which counts as part of it.
            let width = label.width() as u16 + 1;
            if x >= start && x < start + width {
                return Some(tab);
            }
            start += width;
        }
        None
    }
}

/// A tab of the bar: a pane of users, the Groups pane or the Audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Users(Pane),
    Groups,
    Audit,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Users(Pane::All),
        Tab::Users(Pane::Grouped),
        Tab::Users(Pane::Ungrouped),
        Tab::Groups,
        Tab::Audit,
    ];
}

/// How much of a tab's title shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Title {
    Full,
    Short,
    /// The tab's number alone.
    Number,
}

fn tab_label(tab: Tab, number: usize, title: Title, counts: &ScopeCounts) -> String {
    match (tab, title) {
        (_, Title::Number) => format!(" {number} "),
        (Tab::Users(p), Title::Full) => {
            format!(" {number} {} ({}) ", p.title(), HumanCount(p.count(counts)))
        }
        (Tab::Users(p), Title::Short) => {
            format!(
                " {number} {} {} ",
                p.short_title(),
                HumanCount(p.count(counts))
            )
        }
        (Tab::Groups, _) => format!(" {number} Groups "),
        (Tab::Audit, Title::Full) => format!(" {number} Audit log "),
        (Tab::Audit, Title::Short) => format!(" {number} Log "),
    }
}

/// Every tab with its label: the widest labels with which all of them (each followed
/// by a one-column gap) fit in `width`, so that every pane always shows. Full titles,
/// then short ones (the Audit log's first); narrower, the tab in `front` keeps its
/// short title and the others their numbers, taking back their short titles from the
/// left while they fit; narrower still, numbers alone.
pub fn tab_labels(counts: &ScopeCounts, width: u16, front: Tab) -> Vec<(Tab, String)> {
    use Title::{Full, Number, Short};
    let labels = |titles: &[Title]| -> Vec<(Tab, String)> {
        (Tab::ALL.iter().zip(titles).enumerate())
            .map(|(i, (&tab, &title))| (tab, tab_label(tab, i + 1, title, counts)))
            .collect()
    };
    let fits = |tabs: &[(Tab, String)]| {
        tabs.iter().map(|(_, l)| l.width() + 1).sum::<usize>() <= width as usize
    };
    // (the users' panes, the others)
    for (users, others) in [(Full, Full), (Full, Short), (Short, Full), (Short, Short)] {
        let titles = Tab::ALL.map(|tab| match tab {
            Tab::Users(_) => users,
            _ => others,
        });
        let tabs = labels(&titles);
        if fits(&tabs) {
            return tabs;
        }
    }
    let mut titles = Tab::ALL.map(|tab| if tab == front { Short } else { Number });
    if !fits(&labels(&titles)) {
        return labels(&[Number; Tab::ALL.len()]);
    }
    for i in 0..titles.len() {
        let number = titles[i];
        titles[i] = Short;
        if !fits(&labels(&titles)) {
            titles[i] = number;
        }
    }
    labels(&titles)
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
        let front = Tab::Users(Pane::Grouped);
        for width in [120, 80, 50, 40] {
            let areas = Areas::new((width, 30));
            let labels = tab_labels(&counts, width, front);
            assert_eq!(labels.len(), Tab::ALL.len());
            let mut x = 0;
            for (tab, label) in &labels {
                let end = x + label.width() as u16;
                assert_eq!(areas.tab_at(x, areas.tabs.y, &counts, front), Some(*tab));
                assert_eq!(
                    areas.tab_at(end - 1, areas.tabs.y, &counts, front),
                    Some(*tab)
                );
                assert_eq!(areas.tab_at(x, areas.tabs.y + 1, &counts, front), None);
                x = end + 1;
            }
            assert_eq!(
                areas.tab_at(x, areas.tabs.y, &counts, front),
                None,
                "past the last tab"
            );
        }
        let at_40: Vec<String> = (tab_labels(&counts, 40, front).into_iter())
            .map(|(_, label)| label)
            .collect();
        assert_eq!(at_40, [" 1 All 60 ", " 2 Grouped 42 ", " 3 ", " 4 ", " 5 "]);
        assert!(
            tab_labels(&counts, 120, front)[0]
                .1
                .starts_with(" 1 All users (60)")
        );
    }

    #[test]
    fn every_tab_shows_down_to_forty_columns_at_a_million_users_with_the_front_one_named() {
        let counts = ScopeCounts {
            all: 1_000_000,
            grouped: 671_507,
            ungrouped: 328_493,
        };
        for front in Tab::ALL {
            for width in 40..=200 {
                let labels = tab_labels(&counts, width, front);
                let tabs: Vec<Tab> = labels.iter().map(|(tab, _)| *tab).collect();
                assert_eq!(tabs, Tab::ALL, "every tab, in order, at {width}");
                let used: usize = labels.iter().map(|(_, l)| l.width() + 1).sum();
                assert!(used <= width as usize, "{labels:?} fit in {width}");
                let (_, named) = labels.iter().find(|(tab, _)| *tab == front).unwrap();
                assert!(named.trim().contains(' '), "{named:?} names the front tab");
            }
        }
        let at_80 = tab_labels(&counts, 80, Tab::Users(Pane::All));
        assert_eq!(at_80[3].1, " 4 Groups ");
        assert_eq!(at_80[4].1, " 5 Log ");
        let at_200 = tab_labels(&counts, 200, Tab::Groups);
        assert_eq!(at_200[4].1, " 5 Audit log ");
    }
}
