use std::sync::mpsc::{Receiver, TryRecvError};

use tui_input::Input;

use super::action::Action;
use super::counter::MatchCounter;
use super::form::{FormFocus, UserForm};
use crate::auth::PasswordHash;

use super::keymap::Context;
use super::list::UserList;
use super::theme::Theme;
use crate::store::{Application, Result, Scope, ScopeCounts, Sort, Store, UserId, UserQuery};

/// The three lists an administrator works from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    All,
    Grouped,
    Ungrouped,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::All, Pane::Grouped, Pane::Ungrouped];

    pub fn title(self) -> &'static str {
        match self {
            Pane::All => "All users",
            Pane::Grouped => "In a group",
            Pane::Ungrouped => "In no group",
        }
    }

    /// The title in a narrow window's tabs.
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::All => "All",
            Pane::Grouped => "Grouped",
            Pane::Ungrouped => "No group",
        }
    }

    pub fn scope(self) -> Scope {
        match self {
            Pane::All => Scope::All,
            Pane::Grouped => Scope::Grouped,
            Pane::Ungrouped => Scope::Ungrouped,
        }
    }

    pub fn count(self, counts: &ScopeCounts) -> u64 {
        match self {
            Pane::All => counts.all,
            Pane::Grouped => counts.grouped,
            Pane::Ungrouped => counts.ungrouped,
        }
    }

    pub fn offset(self, by: isize) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) as isize;
        Pane::ALL[(i + by).rem_euclid(Pane::ALL.len() as isize) as usize]
    }
}

/// An action waiting for the administrator's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Delete {
        id: UserId,
        email: String,
    },
    InvalidateUser {
        id: UserId,
        email: String,
    },
    InvalidateAll,
    /// Close the form, dropping its edits.
    Discard,
    /// Quit, dropping the form's edits.
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: &'static str,
    pub message: String,
    pub ok_label: &'static str,
    pub pending: Pending,
    /// Focus starts on Cancel, so a stray Enter never destroys anything.
    pub ok_focused: bool,
}

/// The row menu's items, in order.
pub const MENU_ITEMS: [(&str, Action); 3] = [
    ("Edit", Action::Edit),
    ("Invalidate tokens", Action::InvalidateUser),
    ("Delete", Action::Delete),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Menu { selected: usize },
    Confirm(Confirm),
    Help,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub kind: StatusKind,
    /// Unix second after which the message goes away; set by the first tick after it
    /// is shown, so that a message that follows a long wait (a busy database) stays
    /// its full time even though `App::now` was stale when it was made.
    pub until: Option<i64>,
}

/// How long a status message stays, in seconds.
const STATUS_SECONDS: i64 = 5;

pub struct App {
    pub store: Store,
    pub application: Application,
    /// The database path as shown in the header.
    pub db_label: String,
    pub pane: Pane,
    pub sort: Sort,
    pub filter: Input,
    pub filter_focused: bool,
    pub list: UserList,
    pub counts: ScopeCounts,
    /// How many users of the pane the filter matches (only while a filter is set and
    /// once counted).
    pub matches: Option<u64>,
    /// Counts matches off the UI thread (absent for an in-memory store).
    pub counter: Option<MatchCounter>,
    /// The generation of the count the screen waits for.
    pub count_pending: Option<u64>,
    pub modal: Option<Modal>,
    pub status: Option<Status>,
    /// Unix seconds, for "last login" ages and status expiry.
    pub now: i64,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub theme: Theme,
    pub quit: bool,
    /// The add / edit form, when open (it covers the list).
    pub form: Option<UserForm>,
    /// Where a password hash computed off the UI thread arrives.
    pub hashing: Option<Receiver<PasswordHash>>,
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
        let mut app = App {
            store,
            application,
            db_label,
            pane: Pane::All,
            sort: Sort::default(),
            filter: Input::default(),
            filter_focused: false,
            list: UserList::default(),
            counts: ScopeCounts::default(),
            matches: None,
            counter: None,
            count_pending: None,
            modal: None,
            status: None,
            now,
            size,
            theme,
            quit: false,
            form: None,
            hashing: None,
        };
        if let Some(path) = app.store.path() {
            app.counter = Some(MatchCounter::start(&path)?);
        }
        app.refresh_counts()?;
        app.list.load_first(
            &app.store,
            app.application.id,
            &app.query(),
            app.visible_rows(),
        )?;
        Ok(app)
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
        match &self.modal {
            Some(Modal::Help) => Context::Help,
            Some(Modal::Confirm(_)) => Context::Confirm,
            Some(Modal::Menu { .. }) => Context::Menu,
            None => match &self.form {
                Some(form) => match form.focus {
                    FormFocus::ChangePassword => Context::FormCheck,
                    FormFocus::Groups => Context::FormGroups,
                    FormFocus::Tags => Context::FormTags,
                    FormFocus::Actions => Context::FormActions,
                    _ => Context::FormText,
                },
                None if self.filter_focused => Context::Filter,
                None => Context::List,
            },
        }
    }

    /// Work finished off the UI thread, as an action to apply (non-blocking).
    pub fn background_action(&mut self) -> Option<Action> {
        if let Some((generation, n)) = self.counter.as_ref().and_then(MatchCounter::try_result) {
            return Some(Action::Counted(generation, n));
        }
        let received = self.hashing.as_ref()?.try_recv();
        let done = match received {
            Ok(hash) => Action::PasswordHashed(hash),
            Err(TryRecvError::Empty) => return None,
            // The worker ended without sending: it died, and no hash will ever come.
            Err(TryRecvError::Disconnected) => Action::HashingFailed,
        };
        self.hashing = None;
        Some(done)
    }

    /// Whether work off the UI thread is under way (the loop then looks for it often).
    pub fn busy(&self) -> bool {
        self.hashing.is_some() || self.count_pending.is_some()
    }

    /// Rows of users the table shows at the current size.
    pub fn visible_rows(&self) -> usize {
        super::layout::Areas::new(self.size).table_rows()
    }

    pub fn refresh_counts(&mut self) -> Result<()> {
        self.counts = self.store.scope_counts(self.application.id)?;
        self.matches = None;
        self.count_pending = None;
        if self.filter.value().trim().is_empty() {
            return Ok(());
        }
        let query = self.query();
        match &mut self.counter {
            Some(counter) => {
                self.count_pending = Some(counter.request(self.application.id, query));
            }
            None => self.matches = Some(self.store.count_users(self.application.id, &query)?),
        }
        Ok(())
    }

    /// Time passes: the clock moves on and a status message expires after its time.
    pub fn tick(&mut self, now: i64) {
        self.now = now;
        let Some(status) = &mut self.status else {
            return;
        };
        match status.until {
            None => status.until = Some(now + STATUS_SECONDS),
            Some(until) if until <= now => self.status = None,
            Some(_) => {}
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.set_status(text.into(), StatusKind::Info);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!(app = self.application.name.as_str(), "console: {text}");
        self.set_status(text, StatusKind::Error);
    }

    fn set_status(&mut self, text: String, kind: StatusKind) {
        self.status = Some(Status {
            text,
            kind,
            until: None,
        });
    }
}
