//! What a lookup (`src/tui/lookups.rs`) found, as it arrives on the console's channel
//! in `Action::Looked`.

use crate::domain::FieldError;
use crate::store::{AuditEntry, AuditPage, Group, ReachedDevice, User, UserRow};

/// What the user form opens with: the user (when editing), the groups to tick, the
/// devices the ticked ones reach and the tag keys other users have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormRead {
    pub user: Option<User>,
    pub groups: Vec<Group>,
    pub devices: Vec<ReachedDevice>,
    pub usage: Vec<(String, u64)>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looked {
    Form(Box<FormRead>),
    Devices(Vec<ReachedDevice>),
    /// The user as they are now (a dialog names them so).
    User(Box<UserRow>),
    /// The user looked for was deleted by someone else.
    Gone,
    /// What else is wrong with a draft that broke a rule (taken emails, unknown groups).
    Problems(Vec<FieldError>),
    /// A page of the audit log, and which.
    Audit(AuditPage, Vec<AuditEntry>),
    History(Vec<AuditEntry>),
    GroupExists(bool),
}
