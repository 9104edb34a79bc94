//! The console's whole state: what every screen shares, and the screens — the user
//! list always, the form when open, a popup on top.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::action::Action;
use super::bulk::{BulkWorker, Running};
use super::counter::MatchCounter;
use super::events::Event;
use super::groups_reader::GroupsReader;
use super::keymap::Context;
use super::layout::{Areas, Tab};
use super::lookups::Lookups;
use super::page_gate::PageGate;
use super::query_worker::Connect;
use super::read_ahead::{MEMBERS_AHEAD, ReadAhead};
use super::reader::{LIST, ListReader, PICKER};
use super::screens::audit::AuditLog;
use super::screens::bulk_prompt::BulkPrompt;
use super::screens::dialog::Confirm;
use super::screens::form::UserForm;
use super::screens::group_pick::GroupPick;
use super::screens::groups::GroupsPane;
use super::screens::help::Help;
use super::screens::list::Browse;
use super::screens::list::rows::fetch_size;
use super::screens::menu::{BulkMenu, Menu};
use super::screens::picker::UserPicker;
use super::session::Session;
use super::theme::Theme;
use super::typeahead::{Reading, Typeahead};
use super::writer::{Write, Writer};
use crate::store::{Application, AuditEntry, Result, Source, Store, StoreError};

/// How long a write runs before the console says it waits for the database.
pub const WAITING_AFTER: Duration = Duration::from_millis(100);

/// What a change asked for while a bulk job runs is told.
pub const JOB_RUNNING: &str = "A bulk job is running: wait for it, or press Esc to cancel it";

/// The popup over the list or the form, which has the keys while it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Menu(Menu),
    BulkMenu(BulkMenu),
    GroupPick(GroupPick),
    BulkPrompt(BulkPrompt),
    Confirm(Confirm),
    /// The keys of the screen under it.
    Help(Help),
    /// A user's recent changes, over the form (`None` while the lookup `reading`
    /// runs).
    History {
        email: String,
        entries: Option<Vec<AuditEntry>>,
        reading: u64,
    },
}

impl Modal {
    pub fn context(&self) -> Context {
        match self {
            Modal::Menu(_) => Context::Menu,
            Modal::BulkMenu(_) => Context::BulkMenu,
            Modal::GroupPick(_) => Context::GroupPick,
            Modal::BulkPrompt(_) => Context::BulkPrompt,
            Modal::Confirm(_) => Context::Dialog,
            Modal::Help(_) => Context::Help,
            Modal::History { .. } => Context::History,
        }
    }
}

pub struct App {
    pub session: Session,
    /// The user list, under everything else.
    pub browse: Browse,
    /// The add / edit form, when open (it covers the list).
    pub form: Option<UserForm>,
    /// The audit log pane, when it is in front of the user list.
    pub audit: Option<AuditLog>,
    /// The user picker adding users to a group, over everything but a popup.
    pub picker: Option<UserPicker>,
    /// The picker's reader while no picker is open.
    picker_reader: Option<ListReader>,
    /// The Groups pane, when it is in front of the user list.
    pub groups: Option<GroupsPane>,
    /// The Groups pane behind a group's members view or another pane, as it was left
    /// (selection, expansion), for `Esc` or `4` to go back to.
    pub groups_behind: Option<GroupsPane>,
    /// Reads the group tree off the UI thread, for the Groups pane.
    pub groups_reader: GroupsReader,
    pub modal: Option<Modal>,
    /// An action on the members view's group (`r`, `+`, `-`) waiting while a lookup
    /// checks the group is still there: (the lookup's generation, the group, it).
    pub checking_group: Option<(u64, i64, Action)>,
    /// Keys waiting for the screen in front to read what they act on.
    pub typeahead: Option<Typeahead>,
    pub quit: bool,
    /// Since when the write in flight runs, and whether the console said it waits.
    pub writing: Option<(Instant, bool)>,
    writer: Writer,
    /// The bulk job under way, if any.
    pub job: Option<Running>,
    /// The bulk worker is asked for the count a dialog states, or the groups to pick
    /// from.
    pub asking: bool,
    pub bulk: BulkWorker,
    /// Where to read ahead from (src/tui/read_ahead.rs).
    read_ahead: ReadAhead,
    /// The other sort orders' first pages are still to be read ahead, once the first
    /// frame shows.
    sorts_to_read: bool,
    /// The groups whose members' orders (and rows) were read ahead.
    members_read: HashSet<i64>,
    /// How many readings ahead are under way.
    reading_ahead: usize,
    /// The one channel of events: the input reader and every worker send into it.
    outbox: Sender<Event>,
    inbox: Receiver<Event>,
}

impl App {
    pub fn new(
        store: Store,
        application: Application,
        db_label: String,
        size: (u16, u16),
        now: i64,
        theme: Theme,
    ) -> Result<App> {
        let read_only = store.read_only();
        let connect: Connect =
            Arc::new(move |location| Store::open_like(location.clone(), read_only));
        App::with_connect(store, application, db_label, size, now, theme, connect)
    }

    /// A console whose workers open their connections with `connect` (tests make them
    /// slow).
    pub fn with_connect(
        store: Store,
        application: Application,
        db_label: String,
        size: (u16, u16),
        now: i64,
        theme: Theme,
        connect: Connect,
    ) -> Result<App> {
        let (outbox, inbox) = mpsc::channel();
        // What the console changes is recorded as done in the console.
        let mut store = store;
        store.set_actor(store.actor().clone().with_source(Source::Console));
        let location = store.location().ok_or_else(|| {
            StoreError::Unusable("the console needs a database file, not one in memory".into())
        })?;
        let gate = Arc::new(PageGate::default());
        let counter = MatchCounter::start(&location, &connect, outbox.clone(), gate.clone())?;
        let reader =
            ListReader::start(location.clone(), &connect, outbox.clone(), LIST, Some(gate))?;
        let picker_reader =
            ListReader::start(location.clone(), &connect, outbox.clone(), PICKER, None)?;
        let groups_reader = GroupsReader::start(&location, &connect, outbox.clone())?;
        let lookups = Lookups::start(&location, &connect, outbox.clone())?;
        let bulk = BulkWorker::start(
            location.clone(),
            connect.clone(),
            store.actor().clone(),
            outbox.clone(),
        );
        let read_ahead = ReadAhead {
            location: location.clone(),
            connect: connect.clone(),
            application: application.id,
        };
        let writer = Writer::start(location, connect, store.actor().clone(), outbox.clone());
        let session = Session {
            store,
            lookups,
            application,
            db_label,
            size,
            now,
            theme,
            status: None,
        };
        Ok(App {
            browse: Browse::open(&session, reader, counter),
            session,
            form: None,
            audit: None,
            picker: None,
            picker_reader: Some(picker_reader),
            groups: None,
            groups_behind: None,
            groups_reader,
            modal: None,
            checking_group: None,
            typeahead: None,
            quit: false,
            writing: None,
            writer,
            job: None,
            asking: false,
            bulk,
            read_ahead,
            sorts_to_read: true,
            members_read: HashSet::new(),
            reading_ahead: 0,
            outbox,
            inbox,
        })
    }

    /// The tab of the pane in front: the Groups pane (a group's members too), the
    /// Audit log, or the user list's pane.
    pub fn front_tab(&self) -> Tab {
        match (&self.groups, &self.audit) {
            (Some(_), _) => Tab::Groups,
            (None, Some(_)) => Tab::Audit,
            (None, None) => self.browse.front_tab(),
        }
    }

    /// What a click at (`x`, `y`) on a tab asks for, as its number key would: only
    /// with a pane in front (no form, picker or popup over it).
    pub fn tab_clicked(&self, x: u16, y: u16) -> Option<Action> {
        let popup = self.groups.as_ref().is_some_and(|g| g.popup.is_some());
        if self.modal.is_some() || self.form.is_some() || self.picker.is_some() || popup {
            return None;
        }
        let areas = Areas::new(self.session.size);
        Some(
            match areas.tab_at(x, y, &self.browse.counts, self.front_tab())? {
                Tab::Users(pane) => Action::ShowPane(pane),
                Tab::Groups => Action::ShowGroups,
                Tab::Audit => Action::ShowAudit,
            },
        )
    }

    /// Where the keys go: the popup, else the picker, else the form, else the list.
    pub fn context(&self) -> Context {
        match (&self.modal, &self.form) {
            (Some(modal), _) => modal.context(),
            (None, _) if self.picker.is_some() => Context::UserPicker,
            (None, Some(form)) => form.context(),
            (None, None) => match (&self.groups, &self.audit, self.browse.context()) {
                (Some(groups), _, _) => groups.context(),
                (None, Some(log), _) => log.context(),
                (None, None, Context::List | Context::Members) if self.job.is_some() => {
                    Context::Job
                }
                (None, None, context) => context,
            },
        }
    }

    /// Whether a bulk job's keys (`Esc` cancels it) lie over the screen in front: the
    /// Groups pane or the Audit log, with no popup open (the user list has them through
    /// [`Context::Job`]).
    pub fn job_over(&self) -> bool {
        self.job.is_some() && matches!(self.context(), Context::Groups | Context::Audit)
    }

    /// A sender into the console's channel, for the input reader and workers.
    pub fn outbox(&self) -> Sender<Event> {
        self.outbox.clone()
    }

    /// The next event, waiting at most `timeout` (`None` when none came).
    pub fn next_event(&self, timeout: Duration) -> Option<Event> {
        // The app holds a sender itself, so the channel never disconnects.
        self.inbox.recv_timeout(timeout).ok()
    }

    /// Whether work off the UI thread is under way (rows, counts, a password hash, a
    /// write).
    pub fn busy(&self) -> bool {
        self.browse.busy()
            || self.writing.is_some()
            || self.checking_group.is_some()
            || self.job.is_some()
            || self.asking
            || self.form.as_ref().is_some_and(|f| f.saving || f.busy())
            || self.audit.as_ref().is_some_and(AuditLog::busy)
            || matches!(self.modal, Some(Modal::History { entries: None, .. }))
            || self.picker.as_ref().is_some_and(UserPicker::busy)
            || self.groups.as_ref().is_some_and(GroupsPane::loading)
            || self.reading_ahead > 0
    }

    /// Once the first frame shows its rows and counts, reads the other sort orders'
    /// first pages ahead; once a group's members view first shows its rows, reads
    /// their rows ahead (see src/tui/read_ahead.rs).
    pub fn read_ahead_once_shown(&mut self) {
        if self.browse.stale() {
            return;
        }
        if self.sorts_to_read && self.browse.count_pending.is_none() {
            self.sorts_to_read = false;
            self.reading_ahead += 1;
            let rows = fetch_size(self.session.visible_rows());
            self.read_ahead.sorts(rows, self.outbox.clone());
        }
        if let Some(group) = &self.browse.members
            && self.members_read.insert(group.id)
        {
            self.reading_ahead += 1;
            let rows = fetch_size(self.session.visible_rows());
            let few = (group.known.with_subgroups).is_none_or(|n| n <= MEMBERS_AHEAD);
            self.read_ahead
                .members(group.id, rows, few, self.outbox.clone());
        }
    }

    /// A reading ahead ended.
    pub fn read_ahead_done(&mut self) {
        self.reading_ahead -= 1;
    }

    /// Opens the user picker on the group (its reader is free while none is open).
    pub fn open_picker(&mut self, group: i64, name: String) {
        if let Some(reader) = self.picker_reader.take() {
            self.picker = Some(UserPicker::open(&self.session, reader, group, name));
        }
    }

    pub fn close_picker(&mut self) {
        if let Some(picker) = self.picker.take() {
            self.picker_reader = Some(picker.close());
        }
    }

    /// Hands `write` to the writer, unless one is still in flight (then says so and
    /// changes nothing). Returns whether it was sent.
    pub fn write(&mut self, write: Write) -> bool {
        if self.refuse_while_job() {
            return false;
        }
        if self.writing.is_some() {
            self.session
                .error("Still writing the last change: try again when it is done");
            return false;
        }
        self.writing = Some((Instant::now(), false));
        self.writer.send(write);
        true
    }

    /// While a bulk job runs every change waits for it: says so, and returns whether
    /// it refused.
    pub fn refuse_while_job(&mut self) -> bool {
        if self.job.is_none() {
            return false;
        }
        self.session.error(JOB_RUNNING);
        true
    }

    /// How long the loop may wait for an event before something is due: the tick, or
    /// the moment stale rows or a long write must say so.
    pub fn wait_at_most(&self, tick: Duration) -> Duration {
        let write_due = match self.writing {
            Some((since, false)) => Some(since + WAITING_AFTER),
            _ => None,
        };
        [self.browse.searching_at(), write_due]
            .into_iter()
            .flatten()
            .map(|at| at.saturating_duration_since(Instant::now()))
            .fold(tick, Duration::min)
    }

    /// Time passes (on the UI thread's clock): stale rows say "searching…", a write
    /// that takes long says the console waits for the database.
    pub fn tick(&mut self, now: Instant) {
        self.browse.tick(now);
        if let Some((since, said)) = &mut self.writing
            && !*said
            && *since + WAITING_AFTER <= now
        {
            *said = true;
            self.session.info("Waiting for the database…");
        }
    }
}

impl App {
    /// The screen in front, if it is still reading what keys act on.
    pub fn reading(&self) -> Option<Reading> {
        match (&self.modal, &self.form) {
            (
                Some(Modal::History {
                    entries: None,
                    reading,
                    ..
                }),
                _,
            ) => Some(Reading::History(*reading)),
            (Some(_), _) => None,
            (None, _) if self.picker.is_some() => None,
            (None, Some(form)) if form.reading_user() => form.loading.map(Reading::Form),
            (None, Some(_)) => None,
            (None, None) => match (&self.groups, &self.audit) {
                (Some(groups), _) if !groups.loaded && groups.context() == Context::Groups => {
                    Some(Reading::Groups)
                }
                (None, Some(log)) if log.first_page_pending() => Some(Reading::Audit),
                _ => None,
            },
        }
    }

    /// Whether the screen that was `reading` is still open (read or not).
    pub fn still_open(&self, reading: Reading) -> bool {
        match reading {
            Reading::Form(_) => self.form.is_some(),
            Reading::History(generation) => matches!(
                self.modal,
                Some(Modal::History { reading, .. }) if reading == generation
            ),
            Reading::Groups => self.groups.is_some(),
            Reading::Audit => self.audit.is_some(),
        }
    }
}
