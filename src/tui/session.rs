//! What every screen shares: the store and application, the terminal's size, the
//! clock, the theme and the status line.

use ratatui::layout::Rect;

use super::layout::Areas;
use super::lookups::Lookups;
use super::theme::Theme;
use crate::store::{Application, Store};

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
    /// its full time even though `Session::now` was stale when it was made.
    pub until: Option<i64>,
}

/// How long a status message stays, in seconds.
const STATUS_SECONDS: i64 = 5;

pub struct Session {
    /// The UI thread's own connection: it runs no SQL (every read goes through a
    /// worker); it keeps what the console was opened with (read-only or not, the path).
    pub store: Store,
    /// Reads for the screens, off the UI thread.
    pub lookups: Lookups,
    pub application: Application,
    /// The database path as shown in the header.
    pub db_label: String,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Unix seconds, for "last login" ages and status expiry.
    pub now: i64,
    pub theme: Theme,
    pub status: Option<Status>,
}

impl Session {
    /// Rows of users the table shows at the current size.
    pub fn visible_rows(&self) -> usize {
        Areas::new(self.size).table_rows()
    }

    /// Where popups go at the current size.
    pub fn popup_bounds(&self) -> Rect {
        Areas::new(self.size).popups()
    }

    /// The read-only rule, in one place: in a read-only console a change is refused
    /// with the reason, and nothing happens. Returns whether it was refused.
    pub fn refuse_if_read_only(&mut self) -> bool {
        let Some(why) = self.store.read_only() else {
            return false;
        };
        self.error(format!("Read-only: nothing can be changed ({why})"));
        true
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

    /// A user the console showed was deleted by someone else meanwhile.
    pub fn user_gone(&mut self, email: &str) {
        self.error(user_gone(email));
    }

    /// Takes `text` off the status line, if it still shows there.
    pub fn withdraw(&mut self, text: &str) {
        if self.status.as_ref().is_some_and(|s| s.text == text) {
            self.status = None;
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

/// What the console says of a user someone else deleted meanwhile.
pub fn user_gone(email: &str) -> String {
    format!("no such user: {email} (someone else deleted it)")
}
