//! The slice of a user list held in memory: only the rows around the selection are
//! ever loaded, so scrolling works the same over ten users or ten million. The UI
//! thread only moves within the loaded rows; what it needs beyond them it asks for as
//! a [`Load`], which the list reader (`src/tui/reader.rs`) turns into a [`Loaded`].

use std::sync::Mutex;

use crate::store::{AppId, Cursor, Page, Result, Store, UserId, UserQuery, UserRow};

/// What the list asks the reader for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// The first rows.
    First,
    /// The last rows, the last one selected.
    Last,
    /// The rows around this position (or the row after it), so many rows down the
    /// screen.
    Around(Cursor, usize),
    /// The rows around this user, a third of the way down the screen.
    Show(UserId),
    /// More rows after the loaded ones, whose last is this row.
    After(UserId, Cursor),
    /// More rows before the loaded ones, whose first is this row.
    Before(UserId, Cursor),
}

/// What the reader read for a [`Load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// A whole new list.
    List(UserList),
    /// Rows to add next to `anchor` at one end; `complete` when no more lie beyond.
    More {
        anchor: UserId,
        after: bool,
        rows: Vec<UserRow>,
        complete: bool,
    },
}

impl Loaded {
    /// The ids of the rows read.
    pub fn ids(&self) -> Vec<UserId> {
        let rows = match self {
            Loaded::List(list) => &list.rows,
            Loaded::More { rows, .. } => rows,
        };
        rows.iter().map(|r| r.id).collect()
    }
}

/// Where the list reads its pages: the store, the application and the query, and how
/// many rows the screen shows.
pub struct Pages<'a> {
    pub store: &'a Store,
    /// A second connection a long walk for a page is shared with (the reader's).
    pub helper: Option<&'a Mutex<Store>>,
    pub application: AppId,
    pub query: UserQuery,
    pub height: usize,
}

impl Pages<'_> {
    fn read(&self, page: Page) -> Result<Vec<UserRow>> {
        match self.helper {
            Some(helper) => {
                (self.store).list_users_split(helper, self.application, &self.query, &page)
            }
            None => self.store.list_users(self.application, &self.query, &page),
        }
    }

    fn cursor(&self, row: &UserRow) -> Cursor {
        row.cursor(self.query.sort.field)
    }

    /// Reads what `load` asks for (on the reader's thread).
    pub fn fetch(&self, load: Load) -> Result<Loaded> {
        let mut list = UserList::default();
        let after = matches!(load, Load::After(..));
        match load {
            Load::First => list.load_first(self)?,
            Load::Last => list.load_last(self)?,
            Load::Around(cursor, on_screen) => list.load_around(self, cursor, on_screen)?,
            Load::Show(id) => {
                let row = self.store.user_row(id)?;
                list.load_around(self, self.cursor(&row), self.height / 3)?;
            }
            Load::After(anchor, cursor) | Load::Before(anchor, cursor) => {
                let n = fetch_size(self.height);
                let page = if after {
                    Page::After(cursor, n)
                } else {
                    Page::Before(cursor, n)
                };
                let rows = self.read(page)?;
                let complete = rows.len() < n;
                return Ok(Loaded::More {
                    anchor,
                    after,
                    rows,
                    complete,
                });
            }
        }
        Ok(Loaded::List(list))
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
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
/// How many rows a page read for a screen `height` rows tall holds.
pub(crate) fn fetch_size(height: usize) -> usize {
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

    fn load_first(&mut self, pages: &Pages) -> Result<()> {
        let n = fetch_size(pages.height);
        self.rows = pages.read(Page::First(n))?;
        self.at_start = true;
        self.at_end = self.rows.len() < n;
        self.selected = 0;
        self.top = 0;
        Ok(())
    }

    fn load_last(&mut self, pages: &Pages) -> Result<()> {
        let n = fetch_size(pages.height);
        self.rows = pages.read(Page::Last(n))?;
        self.at_end = true;
        self.at_start = self.rows.len() < n;
        self.selected = self.rows.len().saturating_sub(1);
        self.top = self.rows.len().saturating_sub(pages.height);
        Ok(())
    }

    /// What loads the list afresh around the selected user, keeping it (or, when it
    /// is gone, the row that took its place) at the same place on screen.
    pub fn reload(&self, pages: &Pages) -> Load {
        match self.selected_row() {
            Some(row) => Load::Around(pages.cursor(row), self.selected.saturating_sub(self.top)),
            None => Load::First,
        }
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

    /// Moves the selection by `delta` rows within the loaded ones: never waits.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.scroll_into_view(height);
        self.trim(height);
    }

    /// More rows to read, when fewer than a fetch lie loaded beyond the selection at
    /// either end.
    pub fn wants(&self, pages: &Pages) -> Option<Load> {
        let margin = fetch_size(pages.height);
        let (first, last) = (self.rows.first()?, self.rows.last()?);
        if !self.at_end && self.selected + margin >= self.rows.len() {
            Some(Load::After(last.id, pages.cursor(last)))
        } else if !self.at_start && self.selected < margin {
            Some(Load::Before(first.id, pages.cursor(first)))
        } else {
            None
        }
    }

    /// Adds rows the reader read next to `anchor`; rows that no longer fit (the list
    /// was trimmed or reloaded meanwhile) are dropped.
    pub fn extend(&mut self, anchor: UserId, after: bool, rows: Vec<UserRow>, complete: bool) {
        let end = if after {
            self.rows.last()
        } else {
            self.rows.first()
        };
        if end.map(|r| r.id) != Some(anchor) {
            return;
        }
        if after {
            self.at_end = complete;
            self.rows.extend(rows);
        } else {
            self.at_start = complete;
            let added = rows.len();
            self.rows.splice(0..0, rows);
            self.selected += added;
            self.top += added;
        }
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
