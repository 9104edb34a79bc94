//! The audit log pane: the newest entries first, read by key a page at a time around
//! the selection, a text filter, and one entry opened whole.

pub mod view;

use ratatui::crossterm::event::Event;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::Effect;
use crate::store::{AuditEntry, AuditPage, AuditQuery, Result, Store};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::pane::Pane;
use crate::tui::session::Session;

/// Entries the mouse wheel moves.
const WHEEL_STEP: isize = 3;

/// Pages read ahead of the screen in either direction, in screen heights.
const AHEAD: usize = 2;

#[derive(Debug, Default)]
pub struct AuditLog {
    /// The loaded entries around the selection, newest first.
    entries: Vec<AuditEntry>,
    /// Index into `entries`.
    selected: usize,
    /// The first entry on screen.
    top: usize,
    /// Whether `entries` reaches the newest / the oldest matching entry.
    at_newest: bool,
    at_oldest: bool,
    pub filter: Input,
    pub filter_focused: bool,
    /// The entry shown whole, over the list.
    pub open: Option<AuditEntry>,
    /// How many lines of the open entry are scrolled out above (the view clamps it).
    pub entry_scroll: u16,
}

impl AuditLog {
    /// The log from its newest entry.
    pub fn open(session: &Session) -> Result<AuditLog> {
        let mut log = AuditLog::default();
        log.restart(&session.store, session.visible_rows())?;
        Ok(log)
    }

    pub fn context(&self) -> Context {
        if self.open.is_some() {
            Context::AuditEntry
        } else if self.filter_focused {
            Context::Filter
        } else {
            Context::Audit
        }
    }

    pub fn update(&mut self, session: &mut Session, action: Action) -> Result<Effect> {
        let (store, height) = (&session.store, session.visible_rows());
        let page = height as isize;
        if let Some(entry) = &self.open {
            // Every line of the entry can be reached: its fields, then one line a change.
            let most = (entry.changes.iter().count() as isize + 10) * 4;
            let by = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -page,
                Action::PageDown => page,
                _ => 0,
            };
            if by != 0 {
                let scrolled = (self.entry_scroll as isize + by).clamp(0, most);
                self.entry_scroll = scrolled as u16;
                return Ok(Effect::None);
            }
        }
        match action {
            Action::ShowPane(pane) => return Ok(Effect::ShowUsers(pane)),
            Action::NextPane => return Ok(Effect::ShowUsers(Pane::All)),
            Action::PrevPane | Action::ShowGroups => return Ok(Effect::ShowGroups),
            Action::Up => self.move_by(store, -1, height)?,
            Action::Down => self.move_by(store, 1, height)?,
            Action::PageUp => self.move_by(store, -page, height)?,
            Action::PageDown => self.move_by(store, page, height)?,
            Action::ScrollUp => self.move_by(store, -WHEEL_STEP, height)?,
            Action::ScrollDown => self.move_by(store, WHEEL_STEP, height)?,
            Action::Home => self.restart(store, height)?,
            Action::End => self.to_oldest(store, height)?,
            Action::StartFilter => self.filter_focused = true,
            Action::FilterDone => self.filter_focused = false,
            Action::ClearFilter => {
                self.filter_focused = false;
                if !self.filter.value().is_empty() {
                    self.filter.reset();
                    self.restart(store, height)?;
                }
            }
            Action::FilterKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_filter(store, height, [request])?;
                }
            }
            Action::Paste(text) if self.filter_focused => {
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_filter(store, height, chars.map(InputRequest::InsertChar))?;
            }
            Action::OpenEntry => self.open_selected(),
            Action::Close => self.open = None,
            Action::Reload => {
                self.restart(store, height)?;
                session.info("Reloaded");
            }
            Action::Help => return Ok(Effect::Help),
            _ => {}
        }
        Ok(Effect::None)
    }

    fn edit_filter(
        &mut self,
        store: &Store,
        height: usize,
        requests: impl IntoIterator<Item = InputRequest>,
    ) -> Result<()> {
        let before = self.filter.value().to_string();
        for request in requests {
            self.filter.handle(request);
        }
        if self.filter.value() != before {
            self.restart(store, height)?;
        }
        Ok(())
    }

    pub fn query(&self) -> AuditQuery {
        AuditQuery {
            text: self.filter.value().trim().to_string(),
            ..Default::default()
        }
    }

    /// The newest entries, the first one selected.
    pub fn restart(&mut self, store: &Store, height: usize) -> Result<()> {
        let want = height.max(1) * AHEAD;
        self.entries = store.audit_page(&self.query(), AuditPage::Newest(want))?;
        self.at_newest = true;
        self.at_oldest = self.entries.len() < want;
        self.selected = 0;
        self.top = 0;
        Ok(())
    }

    /// The oldest entries, the last one selected.
    pub fn to_oldest(&mut self, store: &Store, height: usize) -> Result<()> {
        let want = height.max(1) * AHEAD;
        self.entries = store.audit_page(&self.query(), AuditPage::Oldest(want))?;
        self.at_oldest = true;
        self.at_newest = self.entries.len() < want;
        self.selected = self.entries.len().saturating_sub(1);
        self.top = self.entries.len().saturating_sub(height);
        Ok(())
    }

    /// Moves the selection, reading further pages as it nears either end.
    pub fn move_by(&mut self, store: &Store, delta: isize, height: usize) -> Result<()> {
        let height = height.max(1);
        let target = self.selected as isize + delta;
        if target >= self.entries.len() as isize && !self.at_oldest {
            self.read_older(
                store,
                (target as usize + 1 - self.entries.len()).max(height * AHEAD),
            )?;
        }
        if target < 0 && !self.at_newest {
            let before = self.entries.len();
            self.read_newer(store, (-target as usize).max(height * AHEAD))?;
            let added = self.entries.len() - before;
            self.selected += added;
            self.top += added;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, self.entries.len().saturating_sub(1) as isize) as usize;
        self.scroll_into_view(height);
        Ok(())
    }

    fn read_older(&mut self, store: &Store, n: usize) -> Result<()> {
        let Some(last) = self.entries.last() else {
            return Ok(());
        };
        let page = store.audit_page(&self.query(), AuditPage::OlderThan(last.seq, n))?;
        self.at_oldest = page.len() < n;
        self.entries.extend(page);
        Ok(())
    }

    fn read_newer(&mut self, store: &Store, n: usize) -> Result<()> {
        let Some(first) = self.entries.first() else {
            return Ok(());
        };
        let mut page = store.audit_page(&self.query(), AuditPage::NewerThan(first.seq, n))?;
        self.at_newest = page.len() < n;
        page.append(&mut self.entries);
        self.entries = page;
        Ok(())
    }

    /// Keeps the selection on screen.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
    }

    /// The entries on screen, and which of them is selected.
    pub fn visible(&self, height: usize) -> (&[AuditEntry], Option<usize>) {
        let end = (self.top + height).min(self.entries.len());
        let rows = &self.entries[self.top.min(end)..end];
        (
            rows,
            self.selected
                .checked_sub(self.top)
                .filter(|i| *i < rows.len()),
        )
    }

    pub fn selected_entry(&self) -> Option<&AuditEntry> {
        self.entries.get(self.selected)
    }

    /// Opens the selected entry whole.
    pub fn open_selected(&mut self) {
        self.open = self.selected_entry().cloned();
        self.entry_scroll = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn store_with(n: usize) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let app = store.application("default").unwrap().id;
        for i in 0..n {
            store.create_group(app, &format!("G{i:03}"), None).unwrap();
        }
        store
    }

    fn selected(log: &AuditLog) -> i64 {
        log.selected_entry().unwrap().seq
    }

    #[test]
    fn moving_reads_pages_on_either_side_and_stops_at_the_ends() {
        let store = store_with(50);
        let mut log = AuditLog::default();
        log.restart(&store, 5).unwrap();
        assert_eq!((selected(&log), log.entries.len()), (50, 10));
        log.move_by(&store, 12, 5).unwrap();
        assert_eq!(selected(&log), 38, "read past the first pages");
        log.move_by(&store, 100, 5).unwrap();
        assert_eq!(selected(&log), 1, "the oldest, and no further");
        log.to_oldest(&store, 5).unwrap();
        assert_eq!(selected(&log), 1);
        log.move_by(&store, -15, 5).unwrap();
        assert_eq!(selected(&log), 16, "read newer entries in front");
        let (rows, at) = log.visible(5);
        assert_eq!(rows[at.unwrap()].seq, 16);
        log.move_by(&store, -100, 5).unwrap();
        assert_eq!(selected(&log), 50);
    }

    #[test]
    fn the_filter_narrows_the_entries_read() {
        let store = store_with(30);
        let mut log = AuditLog {
            filter: Input::new("g02".into()),
            ..Default::default()
        };
        log.restart(&store, 5).unwrap();
        let labels: Vec<&str> = log
            .entries
            .iter()
            .map(|e| e.target.label.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "G029", "G028", "G027", "G026", "G025", "G024", "G023", "G022", "G021", "G020"
            ]
        );
        log.move_by(&store, 20, 5).unwrap();
        assert_eq!(log.selected_entry().unwrap().target.label, "G020");
        log.open_selected();
        assert_eq!(log.open.as_ref().map(|e| e.seq), Some(21));
    }
}
