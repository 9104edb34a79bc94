//! Every change the store makes is logged with its application and what it concerned
//! (an email, a group, a device), whoever asked for it: the CLI or the console. Never a
//! password, token or hash: callers pass names only.

use rusqlite::OptionalExtension;

use super::{AppId, Result, SqliteStore, UserId};

impl SqliteStore {
    /// Logs the outcome of `what` (an operation: "add user") done to `subject` in
    /// application `app`, and hands the outcome back.
    pub(super) fn logged<T>(
        &self,
        app: AppId,
        what: &str,
        subject: &str,
        result: Result<T>,
    ) -> Result<T> {
        log_outcome(&self.app_name(app), what, subject, &result);
        result
    }

    /// A user's email and application, for naming them in the log.
    pub(super) fn user_for_log(&self, id: UserId) -> Option<(AppId, String)> {
        self.conn
            .query_row(
                "SELECT app_id, email FROM users WHERE id = ?1",
                [id.0],
                |r| Ok((AppId(r.get(0)?), r.get(1)?)),
            )
            .optional()
            .ok()
            .flatten()
    }

    fn app_name(&self, app: AppId) -> String {
        self.conn
            .query_row(
                "SELECT name FROM applications WHERE id = ?1",
                [app.0],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}

/// Logs the outcome of `what` done to `subject` in the application named `app` (both
/// backends' `logged`).
pub(super) fn log_outcome<T>(app: &str, what: &str, subject: &str, result: &Result<T>) {
    match result {
        Ok(_) => tracing::info!(app, subject, "{what}"),
        Err(e) => tracing::warn!(app, subject, error = %e, "{what} failed"),
    }
}

/// How a user's save is logged: the operation, and the email it concerned (`old ->
/// new` when the email changed; `before` is the email it had, if it was read).
pub(super) fn user_save_logged(
    before: Option<&str>,
    email: &str,
    new_password: bool,
) -> (&'static str, String) {
    let what = match new_password {
        true => "save user, with a new password",
        false => "save user",
    };
    let subject = match before {
        Some(old) if old != email => format!("{old} -> {email}"),
        _ => email.to_string(),
    };
    (what, subject)
}
