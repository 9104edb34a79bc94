//! How a write off the UI thread ended, as the writer (`src/tui/writer.rs`) reports it
//! on the console's channel.

use crate::domain::FieldError;
use crate::store::UserId;

/// How a write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// A delete or invalidation: the line for the status bar, and whether it failed.
    Changed { message: String, failed: bool },
    /// The form's save.
    Saved(SaveOutcome),
}

/// How the form's save ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved(UserId),
    Invalid(Vec<FieldError>),
    Conflict,
    Gone,
    Failed(String),
}
