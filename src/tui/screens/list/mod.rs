//! The user list: the panes as tabs, the table, the filter line. [`Browse`] holds what
//! the administrator browses (pane, sort, filter, loaded rows, counts) and answers
//! the list's keys. It never reads the store itself: rows come from the list reader
//! and counts from the counter, both off the UI thread; until new rows arrive the
//! old ones stay, marked stale.

pub mod filter;
pub mod marks;
pub mod rows;
pub mod table;
pub mod tabs;

use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};
use unicode_width::UnicodeWidthStr;

use super::Effect;
use super::bulk_prompt::Asking;
use super::dialog::Confirm;
use crate::inert::inert;
use crate::store::{BulkAction, Result, Scope, ScopeCounts, Sort, UserId, UserQuery, UserRow};
use crate::tui::action::Action;
use crate::tui::counter::MatchCounter;
use crate::tui::fit::{fit, fit_email};
use crate::tui::job::Job;
use crate::tui::keymap::Context;
use crate::tui::layout::{Areas, Tab};
use crate::tui::pane::Pane;
use crate::tui::reader::ListReader;
use crate::tui::session::Session;
use crate::tui::title_bar::{TitleBar, title_bar, with_marks};
use marks::{Marks, MarksRead};
use rows::{Load, Loaded, Pages, UserList};

/// Rows the mouse wheel moves.
const WHEEL_STEP: isize = 3;

/// How long stale rows wait before the list says it is searching.
pub const SEARCHING_AFTER: Duration = Duration::from_millis(100);

/// A group whose members the list shows in place of a pane's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersOf {
    pub id: i64,
    pub name: String,
    /// Only the group's own members, not its subgroups'.
    pub direct: bool,
    /// The names of its subgroups (at every depth), as the tree had them.
    pub subgroups: Vec<String>,
    /// How many members it has, as far as known without counting.
    pub known: KnownCounts,
}

/// A group's members without and with its subgroups', as the tree counted them or a
/// count of the unfiltered view found: opening the view, clearing a filter or toggling
/// `t` shows them at once, until the counter's count comes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KnownCounts {
    pub direct: Option<u64>,
    pub with_subgroups: Option<u64>,
}

impl MembersOf {
    pub fn scope(&self) -> Scope {
        if self.direct {
            Scope::Group(self.id)
        } else {
            Scope::GroupTree(self.id)
        }
    }

    fn known(&self) -> Option<u64> {
        match self.direct {
            true => self.known.direct,
            false => self.known.with_subgroups,
        }
    }

    fn remember(&mut self, count: u64) {
        match self.direct {
            true => self.known.direct = Some(count),
            false => self.known.with_subgroups = Some(count),
        }
    }
}

pub struct Browse {
    pub pane: Pane,
    /// The group whose members the list shows (the members view), instead of the pane.
    pub members: Option<MembersOf>,
    pub sort: Sort,
    pub filter: Input,
    pub filter_focused: bool,
    pub list: UserList,
    /// The marked users: they stay marked across panes, filters and sorts.
    pub marks: Marks,
    pub counts: ScopeCounts,
    /// How many users of the pane the filter matches (only while a filter is set and
    /// once counted).
    pub matches: Option<u64>,
    /// The generation of the count the screen waits for.
    pub count_pending: Option<u64>,
    /// The generation of the new list the screen waits for (its rows are stale
    /// meanwhile), and since when.
    loading: Option<(u64, Instant)>,
    /// The generation of the rows asked for beyond the loaded ones.
    extending: Option<u64>,
    /// The stale rows have waited long enough to say so.
    pub searching: bool,
    /// The user to select once the list arrives (after a save).
    showing: Option<UserId>,
    reader: ListReader,
    counter: MatchCounter,
}

impl Browse {
    /// All users, unfiltered, from the top (once the first page arrives).
    pub fn open(session: &Session, reader: ListReader, counter: MatchCounter) -> Browse {
        let mut browse = Browse {
            pane: Pane::All,
            members: None,
            sort: Sort::default(),
            filter: Input::default(),
            filter_focused: false,
            list: UserList::default(),
            marks: Marks::default(),
            counts: ScopeCounts::default(),
            matches: None,
            count_pending: None,
            loading: None,
            extending: None,
            searching: false,
            showing: None,
            reader,
            counter,
        };
        browse.restart(session);
        browse
    }

    /// The query the list shows: the pane's (or the group's) scope, the filter line and
    /// the sort.
    pub fn query(&self) -> UserQuery {
        UserQuery {
            scope: self
                .members
                .as_ref()
                .map_or(self.pane.scope(), MembersOf::scope),
            sort: self.sort,
            ..Default::default()
        }
        .filter(self.filter.value())
    }

    pub fn context(&self) -> Context {
        match (self.filter_focused, &self.members) {
            (true, _) => Context::Filter,
            (false, Some(_)) => Context::Members,
            (false, None) => Context::List,
        }
    }

    /// Shows the members of a group (with its subgroups'), from the top, unfiltered.
    pub fn show_members(
        &mut self,
        session: &Session,
        id: i64,
        name: String,
        subgroups: Vec<String>,
        known: KnownCounts,
    ) {
        self.members = Some(MembersOf {
            id,
            name,
            direct: false,
            subgroups,
            known,
        });
        self.filter.reset();
        self.filter_focused = false;
        self.restart(session);
    }

    /// Where the list reads its pages: this query, at the screen's height.
    fn pages<'a>(&self, session: &'a Session) -> Pages<'a> {
        Pages {
            store: &session.store,
            helper: None,
            application: session.application.id,
            query: self.query(),
            height: session.visible_rows(),
        }
    }

    /// The rows or their order changed (pane, sort, filter): start from the top and
    /// recount.
    pub fn restart(&mut self, session: &Session) {
        self.load(session, Load::First);
        self.recount(session);
    }

    /// The order changed, not who is listed: rows from the top; the counts stand (at a
    /// million users counting a large group's members again took the cores from the
    /// page the key asked for).
    fn resort(&mut self, session: &Session) {
        self.load(session, Load::First);
    }

    /// Someone may have changed the users: recount, and load the rows afresh around
    /// the selection.
    pub fn reload(&mut self, session: &Session) {
        self.forget_known_counts();
        self.recount(session);
        let load = self.list.reload(&self.pages(session));
        self.load(session, load);
    }

    /// Moves within the loaded rows at once, and asks for more as the edge comes near.
    pub fn move_by(&mut self, session: &Session, delta: isize) {
        self.list.move_by(delta, session.visible_rows());
        self.read_ahead(session);
    }

    /// Selects user `id` after a write, recounting first; a user outside this pane or
    /// filter switches the list to everyone.
    pub fn show(&mut self, session: &Session, id: UserId) {
        self.forget_known_counts();
        self.recount(session);
        self.showing = Some(id);
        self.load(session, Load::Show(id));
    }

    /// Whether the rows on screen are stale: newer ones are being read.
    pub fn stale(&self) -> bool {
        self.loading.is_some()
    }

    /// Whether the list waits for rows or counts from off the UI thread.
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.extending.is_some() || self.count_pending.is_some()
    }

    /// When stale rows will have waited long enough to say "searching…".
    pub fn searching_at(&self) -> Option<Instant> {
        match self.loading {
            Some((_, since)) if !self.searching => Some(since + SEARCHING_AFTER),
            _ => None,
        }
    }

    /// Time passes: stale rows that waited long enough say so.
    pub fn tick(&mut self, now: Instant) {
        if self.searching_at().is_some_and(|at| at <= now) {
            self.searching = true;
        }
    }

    /// How many superseded queries were interrupted so far.
    pub fn interrupted(&self) -> u64 {
        self.reader.interrupted()
    }

    /// Asks the reader for a new list; the rows on screen are stale until it comes.
    fn load(&mut self, session: &Session, load: Load) {
        let since = self.loading.map_or_else(Instant::now, |(_, since)| since);
        let generation = self.request(session, load);
        self.loading = Some((generation, since));
        self.extending = None;
    }

    fn request(&mut self, session: &Session, load: Load) -> u64 {
        let (application, height) = (session.application.id, session.visible_rows());
        let marks = self.marks.ask();
        self.reader
            .request(application, self.query(), height, load, marks)
    }

    /// Asks for the rows beyond the loaded ones when the selection nears their edge.
    fn read_ahead(&mut self, session: &Session) {
        if self.loading.is_some() || self.extending.is_some() {
            return;
        }
        if let Some(load) = self.list.wants(&self.pages(session)) {
            self.extending = Some(self.request(session, load));
        }
    }

    /// Rows the reader read; only those of the newest request are taken.
    pub fn loaded(&mut self, session: &Session, generation: u64, loaded: Loaded, marks: MarksRead) {
        let ids = loaded.ids();
        match loaded {
            Loaded::List(list) if self.loading.is_some_and(|(g, _)| g == generation) => {
                self.marks.loaded(marks, &ids, true);
                self.loading = None;
                self.searching = false;
                self.list = list;
                self.list.scroll_into_view(session.visible_rows());
                if let Some(id) = self.showing.take() {
                    self.fall_back_to_everyone(session, id);
                }
            }
            Loaded::More {
                anchor,
                after,
                rows,
                complete,
            } if self.extending == Some(generation) => {
                self.marks.loaded(marks, &ids, false);
                self.extending = None;
                self.list.extend(anchor, after, rows, complete);
            }
            _ => return,
        }
        self.read_ahead(session);
    }

    /// A user shown after a write but outside this pane or filter: show it among
    /// everyone.
    fn fall_back_to_everyone(&mut self, session: &Session, id: UserId) {
        let found = self.list.selected_row().is_some_and(|r| r.id == id);
        let everyone = self.pane == Pane::All && self.members.is_none();
        if found || (everyone && self.filter.value().is_empty()) {
            return;
        }
        self.pane = Pane::All;
        self.members = None;
        self.filter.reset();
        self.show(session, id);
    }

    /// The reader failed: the rows stay as they were, and the status line says why.
    pub fn load_failed(&mut self, session: &mut Session, generation: u64, why: String) {
        if self.loading.is_some_and(|(g, _)| g == generation) {
            self.loading = None;
            self.searching = false;
            self.showing = None;
        } else if self.extending == Some(generation) {
            self.extending = None;
        } else {
            return;
        }
        session.error(why);
    }

    /// Counts arrived; only the newest ones asked for are shown.
    pub fn counted(
        &mut self,
        generation: u64,
        counts: ScopeCounts,
        matches: Option<u64>,
        marked: Option<u64>,
    ) {
        if self.count_pending == Some(generation) {
            self.count_pending = None;
            self.counts = counts;
            self.matches = matches.or_else(|| self.known_members());
            self.marks.count = marked;
            let unfiltered = self.unfiltered();
            if let (Some(count), Some(group), true) = (matches, &mut self.members, unfiltered) {
                group.remember(count);
            }
        }
    }

    fn recount(&mut self, session: &Session) {
        let known = self.known_members();
        // A group's members are counted filtered or not (the filter line says how
        // many); a count known meanwhile shows until it comes (the counter answers at
        // once when no connection changed the data since it counted: another
        // administrator's change is counted).
        let filtered = !self.unfiltered() || self.members.is_some();
        let query = filtered.then(|| self.query());
        let marks = self.marks.ask();
        let generation = self.counter.request(session.application.id, query, marks);
        self.count_pending = Some(generation);
        self.matches = known;
    }

    fn unfiltered(&self) -> bool {
        self.filter.value().trim().is_empty()
    }

    /// The unfiltered members view's count, when known without counting.
    fn known_members(&self) -> Option<u64> {
        (self.members.as_ref())
            .filter(|_| self.unfiltered())
            .and_then(MembersOf::known)
    }

    /// Users may have changed: the members view's counts are counted again.
    fn forget_known_counts(&mut self) {
        if let Some(group) = &mut self.members {
            group.known = KnownCounts::default();
        }
    }

    /// The marks changed: only their count is asked for again (what the panes and the
    /// filter count has not changed).
    fn recount_marks(&mut self, session: &Session) {
        let (counts, matches) = (self.counts, self.matches);
        self.recount(session);
        self.matches = matches;
        self.counts = counts;
    }

    /// How many users a `*` here would mark, when known without asking the store.
    fn shown_count(&self) -> Option<u64> {
        if self.filter.value().trim().is_empty() {
            Some(self.pane.count(&self.counts))
        } else {
            self.matches
        }
    }

    /// `d`, `i`, `m` (and `-` in a members view) act on the marked users when there are
    /// some.
    fn on_marks(&self, action: &Action) -> Option<Effect> {
        if !self.marks.any() {
            return None;
        }
        Some(match action {
            Action::Delete => Effect::AskBulk(Job::Change(BulkAction::Delete)),
            Action::InvalidateUser => Effect::AskBulk(Job::Change(BulkAction::InvalidateTokens)),
            Action::OpenMenu => Effect::OpenBulkMenu,
            // In a group's members view, `-` takes every marked user out of the group.
            Action::RemoveMember => {
                let group = self.members.as_ref()?.name.clone();
                Effect::AskBulk(Job::Change(BulkAction::RemoveFromGroup(group)))
            }
            _ => return None,
        })
    }

    pub fn update(&mut self, session: &mut Session, action: Action) -> Result<Effect> {
        if let Some(effect) = self.on_marks(&action) {
            return Ok(effect);
        }

        let height = session.visible_rows() as isize;
        match action {
            Action::ShowPane(pane) => self.show_pane(session, pane),
            // The members view belongs to the Groups pane: the tabs go on from there.
            Action::NextPane if self.members.is_some() => {
                self.members = None;
                return Ok(Effect::ShowAudit);
            }
            Action::PrevPane if self.members.is_some() => self.show_pane(session, Pane::Ungrouped),
            Action::AddMembers => {
                if let Some(group) = &self.members {
                    return Ok(Effect::PickUsers {
                        id: group.id,
                        name: group.name.clone(),
                    });
                }
            }
            Action::RemoveMember => {
                if let (Some(group), Some(row)) = (&self.members, self.list.selected_row()) {
                    // A subgroup's member leaves from that subgroup, not from here; a
                    // read-only console says first that nothing can be removed at all.
                    if !row.groups.contains(&group.name) {
                        if !session.refuse_if_read_only() {
                            session.error(only_through(row, group));
                        }
                        return Ok(Effect::None);
                    }
                    return Ok(Effect::Ask(Confirm::remove_member(
                        row,
                        group.id,
                        &group.name,
                    )));
                }
            }
            Action::ToggleDirect => {
                if let Some(group) = &mut self.members {
                    group.direct = !group.direct;
                    self.restart(session);
                }
            }
            Action::Back if !self.filter.value().is_empty() => {
                self.filter.reset();
                self.restart(session);
            }
            Action::Back => return Ok(Effect::BackToGroups),
            // The audit log is the tab after the last pane of users (and before the first).
            Action::NextPane if self.pane == Pane::Ungrouped => return Ok(Effect::ShowGroups),
            Action::PrevPane if self.pane == Pane::All => return Ok(Effect::ShowAudit),
            Action::NextPane => self.show_pane(session, self.pane.offset(1)),
            Action::PrevPane => self.show_pane(session, self.pane.offset(-1)),
            Action::ShowAudit => return Ok(Effect::ShowAudit),
            Action::ShowGroups => return Ok(Effect::ShowGroups),
            Action::Up => self.move_by(session, -1),
            Action::Down => self.move_by(session, 1),
            Action::PageUp => self.move_by(session, -height),
            Action::PageDown => self.move_by(session, height),
            Action::ScrollUp => self.move_by(session, -WHEEL_STEP),
            Action::ScrollDown => self.move_by(session, WHEEL_STEP),
            Action::Home => self.load(session, Load::First),
            Action::End => self.load(session, Load::Last),
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
                // A filter is one line: pasted line breaks become spaces.
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_filter(session, chars.map(InputRequest::InsertChar));
            }
            Action::NextSort => {
                self.sort.field = self.sort.field.next();
                self.sort.descending = false;
                self.resort(session);
            }
            Action::FlipSort => {
                self.sort.descending = !self.sort.descending;
                self.resort(session);
            }
            Action::ToggleMark => {
                if let Some(row) = self.acted_on(session) {
                    self.marks.toggle(row.id);
                    self.recount_marks(session);
                    self.move_by(session, 1);
                }
            }
            Action::MarkAll => {
                // Stale rows belong to an older query: the new ones show their marks
                // when they come.
                let loaded: Vec<UserId> = match self.stale() {
                    true => Vec::new(),
                    false => self.list.rows.iter().map(|r| r.id).collect(),
                };
                let shown = self.shown_count();
                self.marks.mark_all(self.query(), &loaded, shown);
                self.recount_marks(session);
            }
            Action::BulkAddToGroup => return Ok(Effect::PickGroup { adding: true }),
            Action::BulkRemoveFromGroup => return Ok(Effect::PickGroup { adding: false }),
            Action::BulkSetTag => return Ok(Effect::OpenBulkPrompt(Asking::SetTag)),
            Action::BulkRemoveTag => return Ok(Effect::OpenBulkPrompt(Asking::RemoveTag)),
            Action::BulkExport => return Ok(Effect::OpenBulkPrompt(Asking::ExportPath)),
            Action::ClearMarks if self.marks.any() => {
                self.marks.clear();
                self.recount_marks(session);
            }
            Action::Add => return Ok(Effect::Add),
            Action::Edit => {
                if let Some(row) = self.acted_on(session) {
                    let (id, email) = (row.id, row.email.clone());
                    return Ok(Effect::Edit { id, email });
                }
            }
            Action::OpenMenu if self.acted_on(session).is_some() => return Ok(Effect::OpenMenu),
            Action::Delete => {
                if let Some(row) = self.acted_on(session) {
                    return Ok(Effect::Ask(Confirm::delete(row)));
                }
            }
            Action::InvalidateUser => {
                if let Some(row) = self.acted_on(session) {
                    return Ok(Effect::Ask(Confirm::invalidate(row)));
                }
            }
            Action::InvalidateAll if self.counts.all > 0 => {
                let name = &session.application.name;
                return Ok(Effect::Ask(Confirm::invalidate_all(self.counts.all, name)));
            }
            Action::Reload => {
                self.reload(session);
                session.info("Reloaded");
            }
            Action::Help => return Ok(Effect::Help),
            Action::Click(x, y) => return self.click(session, x, y),
            _ => {}
        }
        Ok(Effect::None)
    }

    /// The selected row, for a key that acts on its user; `None`, saying why, while
    /// the rows shown are stale: they may belong to another pane or filter than the
    /// one the title names.
    fn acted_on(&self, session: &mut Session) -> Option<&UserRow> {
        let row = self.list.selected_row()?;
        if self.stale() {
            session.info("The list is still being read: act on a user once its rows show");
            return None;
        }
        Some(row)
    }

    /// The table's top border: the list's title (with how many are marked), the
    /// buttons.
    pub fn title_bar(&self, table: ratatui::layout::Rect) -> TitleBar {
        let marked = self.marks.any().then_some(self.marks.count);
        let titles: Vec<String> = (self.titles().iter())
            .map(|title| with_marks(title, marked))
            .collect();
        title_bar(table, &titles, self.offers_invalidate_all())
    }

    /// The list's title, longest first: a shorter one is used where it does not fit.
    pub fn titles(&self) -> Vec<String> {
        match &self.members {
            None => vec![self.pane.title().to_string()],
            Some(group) => {
                let name = inert(&group.name);
                if group.direct {
                    vec![
                        format!("Direct members of {name}"),
                        format!("{name}: direct"),
                    ]
                } else {
                    vec![
                        format!("Members of {name} and its subgroups"),
                        format!("{name} + subgroups"),
                    ]
                }
            }
        }
    }

    /// Whether the table offers "Invalidate all tokens": over all users, when any.
    pub fn offers_invalidate_all(&self) -> bool {
        self.pane == Pane::All && self.members.is_none() && self.counts.all > 0
    }

    fn show_pane(&mut self, session: &Session, pane: Pane) {
        self.pane = pane;
        self.members = None;
        self.restart(session);
    }

    fn edit_filter(&mut self, session: &Session, requests: impl IntoIterator<Item = InputRequest>) {
        let before = self.filter.value().to_string();
        for request in requests {
            self.filter.handle(request);
        }
        if self.filter.value() != before {
            self.restart(session);
        }
    }

    /// The tab this list stands in front of: a group's members are part of Groups.
    pub fn front_tab(&self) -> Tab {
        match self.members {
            Some(_) => Tab::Groups,
            None => Tab::Users(self.pane),
        }
    }

    fn click(&mut self, session: &mut Session, x: u16, y: u16) -> Result<Effect> {
        let areas = Areas::new(session.size);
        if let Some(offset) = areas.row_at(y) {
            self.list.select_visible(offset, session.visible_rows());
            if areas.email_at(x, self.sort.field) {
                return self.update(session, Action::Edit);
            }
        } else if y == areas.table.y
            && let Some(button) = self.title_bar(areas.table).button_at(x)
        {
            return self.update(session, button.action());
        }
        Ok(Effect::None)
    }
}

/// What `-` on a member of `group` who is in it only through a subgroup says: which
/// subgroup, within a status line of 80 columns (names cut with `…`, the email cut
/// keeping its domain).
fn only_through(row: &UserRow, group: &MembersOf) -> String {
    /// 80 columns less the status line's margins.
    const ROOM: usize = 78;
    /// The most a group's name takes when the message would not fit.
    const NAME: usize = 12;
    let through = (row.groups.iter())
        .find(|g| group.subgroups.contains(g))
        .map_or("a subgroup", String::as_str);
    let say = |email: &str, name: &str, through: &str| {
        format!("{email} is in {name} only through {through}: remove them there")
    };
    let (name, through) = (fit(&group.name, NAME), fit(through, NAME));
    let room = ROOM.saturating_sub(say("", &name, &through).width());
    say(&fit_email(&row.email, room), &name, &through)
}
