//! The slice of a user list held in memory: only the rows around the selection are
//! ever loaded, so scrolling works the same over ten users or ten million.

use crate::store::{AppId, Cursor, Page, Result, Store, UserQuery, UserRow};

/// Where the list reads its pages: the store, the application and the query, and how
/// many rows the screen shows.
pub struct Pages<'a> {
    pub store: &'a Store,
    pub application: AppId,
    pub query: UserQuery,
    pub height: usize,
}

impl Pages<'_> {
    fn read(&self, page: Page) -> Result<Vec<UserRow>> {
        self.store.list_users(self.application, &self.query, &page)
    }

    fn cursor(&self, row: &UserRow) -> Cursor {
        row.cursor(self.query.sort.field)
    }
}

#[derive(Debug, Default)]
pub struct UserList {
    pub rows: Vec<UserRow>,
    /// Index of the selected row in `rows`.
    pub selected: usize,
    /// Index in `rows` of the first row on screen.
    pub top: usize,
    at_start: bool,
    at_end: bool,
}

/// Rows beyond the screen loaded at each fetch, and the most kept in memory.
fn fetch_size(height: usize) -> usize {
    (height * 2).max(20)
}
fn capacity(height: usize) -> usize {
    fetch_size(height) * 3
}

impl UserList {
    pub fn selected_row(&self) -> Option<&UserRow> {
        self.rows.get(self.selected)
    }

    pub fn visible(&self, height: usize) -> &[UserRow] {
        let end = (self.top + height).min(self.rows.len());
        &self.rows[self.top.min(end)..end]
    }

    pub fn load_first(&mut self, pages: &Pages) -> Result<()> {
        let n = fetch_size(pages.height);
        self.rows = pages.read(Page::First(n))?;
        self.at_start = true;
        self.at_end = self.rows.len() < n;
        self.selected = 0;
        self.top = 0;
        Ok(())
    }

    pub fn load_last(&mut self, pages: &Pages) -> Result<()> {
        let n = fetch_size(pages.height);
        self.rows = pages.read(Page::Last(n))?;
        self.at_end = true;
        self.at_start = self.rows.len() < n;
        self.selected = self.rows.len().saturating_sub(1);
        self.top = self.rows.len().saturating_sub(pages.height);
        Ok(())
    }

    /// Loads the list afresh around the selected user, keeping it (or, when it is
    /// gone, the row that took its place) at the same place on screen.
    pub fn reload(&mut self, pages: &Pages) -> Result<()> {
        let Some(row) = self.selected_row() else {
            return self.load_first(pages);
        };
        let cursor = pages.cursor(row);
        let on_screen = self.selected.saturating_sub(self.top);
        self.load_around(pages, cursor, on_screen)
    }

    /// Loads the list so that `row` (or the row after it, when `row` is not in the
    /// list) is selected, a third of the way down the screen.
    pub fn show(&mut self, pages: &Pages, row: &UserRow) -> Result<()> {
        self.load_around(pages, pages.cursor(row), pages.height / 3)
    }

    fn load_around(&mut self, pages: &Pages, cursor: Cursor, on_screen: usize) -> Result<()> {
        let height = pages.height;
        let n = fetch_size(height);
        let after = pages.read(Page::AtOrAfter(cursor.clone(), n))?;
        if after.is_empty() {
            return self.load_last(pages);
        }
        let before = pages.read(Page::Before(cursor, height))?;
        self.at_start = before.len() < height;
        self.at_end = after.len() < n;
        self.selected = before.len();
        self.top = self.selected - on_screen.min(self.selected);
        self.rows = before;
        self.rows.extend(after);
        Ok(())
    }

    /// Moves the selection by `delta` rows, loading more as the edge comes near.
    pub fn move_by(&mut self, pages: &Pages, delta: isize) -> Result<()> {
        let height = pages.height;
        let n = fetch_size(height);
        if delta > 0 {
            let target = self.selected + delta as usize;
            while target + height >= self.rows.len() && !self.at_end {
                let Some(last) = self.rows.last() else { break };
                let more = pages.read(Page::After(pages.cursor(last), n))?;
                self.at_end = more.len() < n;
                self.rows.extend(more);
            }
            self.selected = target.min(self.rows.len().saturating_sub(1));
        } else {
            let mut target = self.selected as isize + delta;
            while target < height as isize && !self.at_start {
                let Some(first) = self.rows.first() else {
                    break;
                };
                let more = pages.read(Page::Before(pages.cursor(first), n))?;
                self.at_start = more.len() < n;
                let added = more.len();
                self.rows.splice(0..0, more);
                self.selected += added;
                self.top += added;
                target += added as isize;
            }
            self.selected = target.max(0) as usize;
        }
        self.scroll_into_view(height);
        self.trim(height);
        Ok(())
    }

    /// Selects the row shown `offset` rows below the top of the table.
    pub fn select_visible(&mut self, offset: usize, height: usize) {
        if offset < height && self.top + offset < self.rows.len() {
            self.selected = self.top + offset;
        }
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
    }

    /// Drops rows far from the screen so memory stays bounded.
    fn trim(&mut self, height: usize) {
        let cap = capacity(height);
        if self.rows.len() <= cap {
            return;
        }
        let keep_before = fetch_size(height);
        let drop_front = self.top.saturating_sub(keep_before);
        if drop_front > 0 {
            self.rows.drain(..drop_front);
            self.selected -= drop_front;
            self.top -= drop_front;
            self.at_start = false;
        }
        let keep_until = self.top + height + fetch_size(height);
        if self.rows.len() > keep_until {
            self.rows.truncate(keep_until);
            self.at_end = false;
        }
    }
}
