//! The user list: the panes as tabs, the table, the filter line. [`Browse`] holds what
//! the administrator browses (pane, sort, filter, loaded rows, counts) and answers
//! the list's keys.

pub mod filter;
pub mod rows;
pub mod table;
pub mod tabs;

use ratatui::crossterm::event::Event;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::Effect;
use super::dialog::Confirm;
use crate::store::{Result, ScopeCounts, Sort, UserId, UserQuery};
use crate::tui::action::Action;
use crate::tui::counter::MatchCounter;
use crate::tui::keymap::Context;
use crate::tui::layout::Areas;
use crate::tui::pane::Pane;
use crate::tui::session::Session;
use crate::tui::title_bar::title_bar;
use rows::{Pages, UserList};

/// Rows the mouse wheel moves.
const WHEEL_STEP: isize = 3;

pub struct Browse {
    pub pane: Pane,
    pub sort: Sort,
    pub filter: Input,
    pub filter_focused: bool,
    pub list: UserList,
    pub counts: ScopeCounts,
    /// How many users of the pane the filter matches (only while a filter is set and
    /// once counted).
    pub matches: Option<u64>,
    /// The generation of the count the screen waits for.
    pub count_pending: Option<u64>,
    /// Counts matches off the UI thread (absent for an in-memory store).
    counter: Option<MatchCounter>,
}

impl Browse {
    /// All users, unfiltered, from the top.
    pub fn open(session: &Session, counter: Option<MatchCounter>) -> Result<Browse> {
        let mut browse = Browse {
            pane: Pane::All,
            sort: Sort::default(),
            filter: Input::default(),
            filter_focused: false,
            list: UserList::default(),
            counts: ScopeCounts::default(),
            matches: None,
            count_pending: None,
            counter,
        };
        browse.restart(session)?;
        Ok(browse)
    }

    /// The query the list shows: the pane's scope, the filter line and the sort.
    pub fn query(&self) -> UserQuery {
        UserQuery {
            scope: self.pane.scope(),
            sort: self.sort,
            ..Default::default()
        }
        .filter(self.filter.value())
    }

    pub fn context(&self) -> Context {
        if self.filter_focused {
            Context::Filter
        } else {
            Context::List
        }
    }

    /// Where the list reads its pages: this query, at the screen's height.
    fn pages<'a>(&self, session: &'a Session) -> Pages<'a> {
        Pages {
            store: &session.store,
            application: session.application.id,
            query: self.query(),
            height: session.visible_rows(),
        }
    }

    /// The rows or their order changed (pane, sort, filter): start from the top and
    /// recount.
    pub fn restart(&mut self, session: &Session) -> Result<()> {
        self.list.load_first(&self.pages(session))?;
        self.recount(session)
    }

    /// Someone may have changed the users: recount, and load the rows afresh around
    /// the selection.
    pub fn reload(&mut self, session: &Session) -> Result<()> {
        self.recount(session)?;
        self.list.reload(&self.pages(session))
    }

    pub fn move_by(&mut self, session: &Session, delta: isize) -> Result<()> {
        self.list.move_by(&self.pages(session), delta)
    }

    /// Selects user `id` after a write, recounting first; a user outside this pane or
    /// filter switches the list to everyone.
    pub fn show(&mut self, session: &Session, id: UserId) -> Result<()> {
        self.recount(session)?;
        let row = session.store.user_row(id)?;
        self.list.show(&self.pages(session), &row)?;
        if self.list.selected_row().map(|r| r.id) != Some(id) {
            self.pane = Pane::All;
            self.filter.reset();
            self.restart(session)?;
            self.list.show(&self.pages(session), &row)?;
        }
        Ok(())
    }

    /// A match count arrived; only the newest one asked for is shown.
    pub fn counted(&mut self, generation: u64, n: u64) {
        if self.count_pending == Some(generation) {
            self.count_pending = None;
            self.matches = Some(n);
        }
    }

    fn recount(&mut self, session: &Session) -> Result<()> {
        let application = session.application.id;
        self.counts = session.store.scope_counts(application)?;
        self.matches = None;
        self.count_pending = None;
        if self.filter.value().trim().is_empty() {
            return Ok(());
        }
        let query = self.query();
        match &mut self.counter {
            Some(counter) => self.count_pending = Some(counter.request(application, query)),
            None => self.matches = Some(session.store.count_users(application, &query)?),
        }
        Ok(())
    }

    pub fn update(&mut self, session: &mut Session, action: Action) -> Result<Effect> {
        let height = session.visible_rows() as isize;
        match action {
            Action::ShowPane(pane) => self.show_pane(session, pane)?,
            Action::NextPane => self.show_pane(session, self.pane.offset(1))?,
            Action::PrevPane => self.show_pane(session, self.pane.offset(-1))?,
            Action::Up => self.move_by(session, -1)?,
            Action::Down => self.move_by(session, 1)?,
            Action::PageUp => self.move_by(session, -height)?,
            Action::PageDown => self.move_by(session, height)?,
            Action::ScrollUp => self.move_by(session, -WHEEL_STEP)?,
            Action::ScrollDown => self.move_by(session, WHEEL_STEP)?,
            Action::Home => self.list.load_first(&self.pages(session))?,
            Action::End => self.list.load_last(&self.pages(session))?,
            Action::StartFilter => self.filter_focused = true,
            Action::FilterDone => self.filter_focused = false,
            Action::ClearFilter => {
                self.filter_focused = false;
                if !self.filter.value().is_empty() {
                    self.filter.reset();
                    self.restart(session)?;
                }
            }
            Action::FilterKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_filter(session, [request])?;
                }
            }
            Action::Paste(text) if self.filter_focused => {
                // A filter is one line: pasted line breaks become spaces.
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_filter(session, chars.map(InputRequest::InsertChar))?;
            }
            Action::NextSort => {
                self.sort.field = self.sort.field.next();
                self.sort.descending = false;
                self.restart(session)?;
            }
            Action::FlipSort => {
                self.sort.descending = !self.sort.descending;
                self.restart(session)?;
            }
            Action::Add => return Ok(Effect::Add),
            Action::Edit => {
                if let Some(row) = self.list.selected_row() {
                    let (id, email) = (row.id, row.email.clone());
                    return Ok(Effect::Edit { id, email });
                }
            }
            Action::OpenMenu if self.list.selected_row().is_some() => return Ok(Effect::OpenMenu),
            Action::Delete => {
                if let Some(row) = self.list.selected_row() {
                    return Ok(Effect::Ask(Confirm::delete(row)));
                }
            }
            Action::InvalidateUser => {
                if let Some(row) = self.list.selected_row() {
                    return Ok(Effect::Ask(Confirm::invalidate(row)));
                }
            }
            Action::InvalidateAll if self.counts.all > 0 => {
                let name = &session.application.name;
                return Ok(Effect::Ask(Confirm::invalidate_all(self.counts.all, name)));
            }
            Action::Reload => {
                self.reload(session)?;
                session.info("Reloaded");
            }
            Action::Help => return Ok(Effect::Help),
            Action::Click(x, y) => return self.click(session, x, y),
            _ => {}
        }
        Ok(Effect::None)
    }

    fn show_pane(&mut self, session: &Session, pane: Pane) -> Result<()> {
        self.pane = pane;
        self.restart(session)
    }

    fn edit_filter(
        &mut self,
        session: &Session,
        requests: impl IntoIterator<Item = InputRequest>,
    ) -> Result<()> {
        let before = self.filter.value().to_string();
        for request in requests {
            self.filter.handle(request);
        }
        if self.filter.value() != before {
            self.restart(session)?;
        }
        Ok(())
    }

    fn click(&mut self, session: &mut Session, x: u16, y: u16) -> Result<Effect> {
        let areas = Areas::new(session.size);
        if let Some(offset) = areas.row_at(y) {
            self.list.select_visible(offset, session.visible_rows());
            if areas.email_at(x, self.sort.field) {
                return self.update(session, Action::Edit);
            }
        } else if y == areas.table.y
            && let Some(button) =
                title_bar(areas.table, self.pane, self.counts.all > 0).button_at(x)
        {
            return self.update(session, button.action());
        } else if let Some(pane) = areas.tab_at(x, y, &self.counts) {
            self.show_pane(session, pane)?;
        }
        Ok(Effect::None)
    }
}
