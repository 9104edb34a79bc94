//! The console's whole state: what every screen shares, and the screens — the user
//! list always, the form when open, a popup on top.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use super::counter::MatchCounter;
use super::events::Event;
use super::keymap::Context;
use super::screens::dialog::Confirm;
use super::screens::form::UserForm;
use super::screens::help::Help;
use super::screens::list::Browse;
use super::screens::menu::Menu;
use super::session::Session;
use super::theme::Theme;
use crate::store::{Application, Result, Store};

/// The popup over the list or the form, which has the keys while it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Menu(Menu),
    Confirm(Confirm),
    Help(Help),
}

impl Modal {
    pub fn context(&self) -> Context {
        match self {
            Modal::Menu(_) => Context::Menu,
            Modal::Confirm(_) => Context::Dialog,
            Modal::Help(_) => Context::Help,
        }
    }
}

pub struct App {
    pub session: Session,
    /// The user list, under everything else.
    pub browse: Browse,
    /// The add / edit form, when open (it covers the list).
    pub form: Option<UserForm>,
    pub modal: Option<Modal>,
    pub quit: bool,
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
        let (outbox, inbox) = mpsc::channel();
        let counter = match store.path() {
            Some(path) => Some(MatchCounter::start(&path, outbox.clone())?),
            None => None,
        };
        let session = Session {
            store,
            application,
            db_label,
            size,
            now,
            theme,
            status: None,
        };
        Ok(App {
            browse: Browse::open(&session, counter)?,
            session,
            form: None,
            modal: None,
            quit: false,
            outbox,
            inbox,
        })
    }

    /// Where the keys go: the popup, else the form, else the list.
    pub fn context(&self) -> Context {
        match (&self.modal, &self.form) {
            (Some(modal), _) => modal.context(),
            (None, Some(form)) => form.context(),
            (None, None) => self.browse.context(),
        }
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

    /// Whether work off the UI thread is under way (a count or a password hash).
    pub fn busy(&self) -> bool {
        self.browse.count_pending.is_some() || self.form.as_ref().is_some_and(|f| f.saving)
    }
}
