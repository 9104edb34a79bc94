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
    /// A change of the group tree or of a group's devices.
    Group(GroupOutcome),
}

/// How a change of the group tree or of a group's devices ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupOutcome {
    /// Done: the status line, and the group to select once the tree is read again.
    Done {
        message: String,
        select: Option<String>,
    },
    /// Refused at the popup's fields; the popup stays, editable.
    Invalid(Vec<FieldError>),
    /// Someone else changed or deleted what it acted on meanwhile: the tree is read
    /// afresh, and the popup goes.
    Stale(String),
    /// Failed otherwise (a busy database): the popup stays, to try again.
    Failed(String),
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
