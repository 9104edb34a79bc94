//! The audit log pane: the newest entries first, read by key a page at a time around
//! the selection, a text filter, and one entry opened whole.

pub mod view;

use ratatui::crossterm::event::Event;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::Effect;
use crate::store::{AuditEntry, AuditPage, AuditQuery, Result};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::looked::Looked;
use crate::tui::pane::Pane;
use crate::tui::session::Session;

/// Entries the mouse wheel moves.
const WHEEL_STEP: isize = 3;

/// Pages read ahead of the screen in either direction, in screen heights.
const AHEAD: usize = 2;

/// The lane of the pane's lookups: a newer page supersedes an older one.
const PAGES: &str = "audit";

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
    /// The page being read off the UI thread (the lookup's generation), if any.
    reading: Option<(u64, AuditPage)>,
}

impl AuditLog {
    /// The log from its newest entry, read off the UI thread.
    pub fn open(session: &mut Session) -> AuditLog {
        let mut log = AuditLog::default();
        log.restart(session);
        log
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
        let page = session.visible_rows() as isize;
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
            Action::Up => self.move_by(session, -1),
            Action::Down => self.move_by(session, 1),
            Action::PageUp => self.move_by(session, -page),
            Action::PageDown => self.move_by(session, page),
            Action::ScrollUp => self.move_by(session, -WHEEL_STEP),
            Action::ScrollDown => self.move_by(session, WHEEL_STEP),
            Action::Home => self.restart(session),
            Action::End => {
                let want = Self::want(session.visible_rows());
                self.read(session, AuditPage::Oldest(want));
            }
            Action::StartFilter => self.filter_focused = true,
            Action::FilterDone => self.filter_focused = false,
            Action::ClearFilter => {
                self.filter_focused = false;
                if !self.filter.value().is_empty() {
                    self.filter.reset();
                    self.restart(session);
                }
            }
            Action::FilterKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_filter(session, [request]);
                }
            }
            Action::Paste(text) if self.filter_focused => {
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_filter(session, chars.map(InputRequest::InsertChar));
            }
            Action::OpenEntry => self.open_selected(),
            Action::Close => self.open = None,
            Action::Reload => {
                self.restart(session);
                session.info("Reloaded");
            }
            Action::Help => return Ok(Effect::Help),
            _ => {}
        }
        Ok(Effect::None)
    }

    fn edit_filter(
        &mut self,
        session: &mut Session,
        requests: impl IntoIterator<Item = InputRequest>,
    ) {
        let before = self.filter.value().to_string();
        for request in requests {
            self.filter.handle(request);
        }
        if self.filter.value() != before {
            self.restart(session);
        }
    }

    pub fn query(&self) -> AuditQuery {
        AuditQuery {
            text: self.filter.value().trim().to_string(),
            ..Default::default()
        }
    }

    /// How many entries a read asks for, at a screen `height` rows high.
    fn want(height: usize) -> usize {
        height.max(1) * AHEAD
    }

    /// Reads the newest entries (the first one is then selected).
    fn restart(&mut self, session: &mut Session) {
        let want = Self::want(session.visible_rows());
        self.read(session, AuditPage::Newest(want));
    }

    /// Asks for `page` off the UI thread, superseding the page being read.
    fn read(&mut self, session: &mut Session, page: AuditPage) {
        let query = self.query();
        let generation = session.lookups.ask(PAGES, move |store| {
            Ok(Looked::Audit(page, store.audit_page(&query, page)?))
        });
        self.reading = Some((generation, page));
    }

    /// Whether the pane awaits the lookup of `generation`.
    pub fn awaits(&self, generation: u64) -> bool {
        self.reading
            .is_some_and(|(awaited, _)| awaited == generation)
    }

    /// Whether the log, in front of its filter, has no entries yet because its first
    /// page is still being read.
    pub fn first_page_pending(&self) -> bool {
        self.open.is_none() && !self.filter_focused && self.entries.is_empty() && self.busy()
    }

    /// Whether a page is being read.
    pub fn busy(&self) -> bool {
        self.reading.is_some()
    }

    /// The page it awaited arrived (or the read failed).
    pub fn looked(&mut self, session: &mut Session, found: std::result::Result<Looked, String>) {
        self.reading = None;
        match found {
            Ok(Looked::Audit(page, entries)) => {
                let height = session.visible_rows();
                self.read_done(page, entries, height);
                if let Some(next) = self.ahead(height) {
                    self.read(session, next);
                }
            }
            Ok(_) => {}
            Err(why) => session.error(why),
        }
    }

    /// Takes in a page read for `page`, at a screen `height` rows high.
    fn read_done(&mut self, page: AuditPage, mut entries: Vec<AuditEntry>, height: usize) {
        let height = height.max(1);
        match page {
            AuditPage::Newest(want) => {
                self.at_newest = true;
                self.at_oldest = entries.len() < want;
                self.entries = entries;
                self.selected = 0;
                self.top = 0;
            }
            AuditPage::Oldest(want) => {
                self.at_oldest = true;
                self.at_newest = entries.len() < want;
                self.entries = entries;
                self.selected = self.entries.len().saturating_sub(1);
                self.top = self.entries.len().saturating_sub(height);
            }
            AuditPage::OlderThan(_, n) => {
                self.at_oldest = entries.len() < n;
                self.entries.extend(entries);
            }
            AuditPage::NewerThan(_, n) => {
                self.at_newest = entries.len() < n;
                let added = entries.len();
                entries.append(&mut self.entries);
                self.entries = entries;
                self.selected += added;
                self.top += added;
            }
        }
    }

    /// Moves the selection within the loaded entries at once, and reads further ones
    /// as it nears either end.
    fn move_by(&mut self, session: &mut Session, delta: isize) {
        let height = session.visible_rows();
        self.move_within(delta, height);
        if self.reading.is_none()
            && let Some(next) = self.ahead(height)
        {
            self.read(session, next);
        }
    }

    fn move_within(&mut self, delta: isize, height: usize) {
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, self.entries.len().saturating_sub(1) as isize) as usize;
        self.scroll_into_view(height);
    }

    /// The page to read so that a screen's worth of entries lies loaded beyond the
    /// selection on either side (unless that side's end is loaded).
    fn ahead(&self, height: usize) -> Option<AuditPage> {
        let height = height.max(1);
        let below = self.entries.len().saturating_sub(self.selected + 1);
        match (self.entries.first(), self.entries.last()) {
            (_, Some(last)) if !self.at_oldest && below < height => {
                Some(AuditPage::OlderThan(last.seq, Self::want(height)))
            }
            (Some(first), _) if !self.at_newest && self.selected < height => {
                Some(AuditPage::NewerThan(first.seq, Self::want(height)))
            }
            _ => None,
        }
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

    /// Reads `page` as the lookup would, then every page it reads ahead.
    fn read(log: &mut AuditLog, store: &Store, page: AuditPage, height: usize) {
        let mut next = Some(page);
        while let Some(page) = next {
            let entries = store.audit_page(&log.query(), page).unwrap();
            log.read_done(page, entries, height);
            next = log.ahead(height);
        }
    }

    /// Moves as a key does, then reads what the move asked for.
    fn move_by(log: &mut AuditLog, store: &Store, delta: isize, height: usize) {
        log.move_within(delta, height);
        if let Some(page) = log.ahead(height) {
            read(log, store, page, height);
        }
    }

    #[test]
    fn moving_reads_pages_on_either_side_and_stops_at_the_ends() {
        let store = store_with(50);
        let mut log = AuditLog::default();
        read(&mut log, &store, AuditPage::Newest(10), 5);
        assert_eq!(selected(&log), 50);
        assert_eq!(
            log.entries.len(),
            10,
            "two screens, a screen ahead of the selection"
        );
        move_by(&mut log, &store, 12, 5);
        assert_eq!(selected(&log), 41, "stops at the last loaded entry at once");
        assert_eq!(log.entries.len(), 20, "and the next page was read");
        move_by(&mut log, &store, 12, 5);
        assert_eq!(selected(&log), 31, "past the first pages");
        for _ in 0..10 {
            move_by(&mut log, &store, 100, 5);
        }
        assert_eq!(selected(&log), 1, "the oldest, and no further");
        read(&mut log, &store, AuditPage::Oldest(10), 5);
        assert_eq!(selected(&log), 1);
        move_by(&mut log, &store, -15, 5);
        assert_eq!(selected(&log), 10, "stops at the newest loaded entry");
        assert_eq!(log.entries.len(), 20, "newer entries were read in front");
        move_by(&mut log, &store, -5, 5);
        assert_eq!(selected(&log), 15);
        let (rows, at) = log.visible(5);
        assert_eq!(rows[at.unwrap()].seq, 15);
        for _ in 0..10 {
            move_by(&mut log, &store, -100, 5);
        }
        assert_eq!(selected(&log), 50);
    }

    #[test]
    fn the_filter_narrows_the_entries_read() {
        let store = store_with(30);
        let mut log = AuditLog {
            filter: Input::new("g02".into()),
            ..Default::default()
        };
        read(&mut log, &store, AuditPage::Newest(10), 5);
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
        move_by(&mut log, &store, 20, 5);
        assert_eq!(log.selected_entry().unwrap().target.label, "G020");
        log.open_selected();
        assert_eq!(log.open.as_ref().map(|e| e.seq), Some(21));
    }
}
