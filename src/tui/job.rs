//! What a bulk job on the marked users is, and what the bulk worker
//! (`src/tui/bulk.rs`) reports of it on the console's channel (`Action::Bulk`).

use std::path::PathBuf;
use std::sync::Arc;

use indicatif::HumanCount;

use crate::export::FileFormat;
use crate::store::{BulkAction, BulkProgress, Selection};

/// What a bulk job does to the marked users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Change(BulkAction),
    /// Write them to `path` (which exists, and is replaced, when `replace`).
    Export {
        path: PathBuf,
        format: FileFormat,
        replace: bool,
    },
}

impl Job {
    /// Whether it changes the database (refused when read-only).
    pub fn writes(&self) -> bool {
        matches!(self, Job::Change(_))
    }

    /// What the progress bar says it does.
    pub fn doing(&self) -> &'static str {
        match self {
            Job::Change(BulkAction::Delete) => "Deleting",
            Job::Change(BulkAction::InvalidateTokens) => "Invalidating",
            Job::Change(BulkAction::AddToGroup(_)) => "Adding to the group",
            Job::Change(BulkAction::RemoveFromGroup(_)) => "Removing from the group",
            Job::Change(BulkAction::SetTag { .. }) => "Tagging",
            Job::Change(BulkAction::RemoveTag(_)) => "Untagging",
            Job::Change(BulkAction::Edit(_)) => "Changing",
            Job::Export { .. } => "Exporting",
        }
    }

    /// The status line once it is done.
    pub fn done(&self, changed: u64) -> String {
        let n = users(changed);
        match self {
            Job::Change(BulkAction::Delete) => format!("Deleted {n}"),
            Job::Change(BulkAction::InvalidateTokens) => {
                format!("Ended the sessions of {n} who had any: they must log in again")
            }
            Job::Change(BulkAction::AddToGroup(group)) => format!("Added {n} to {group}"),
            Job::Change(BulkAction::RemoveFromGroup(group)) => {
                format!("Removed {n} from {group}")
            }
            Job::Change(BulkAction::SetTag { key, value }) => {
                format!("Tagged {n} with {}={value}", key.as_str())
            }
            Job::Change(BulkAction::RemoveTag(key)) => {
                format!("Removed tag {} from {n}", key.as_str())
            }
            Job::Change(BulkAction::Edit(_)) => format!("Changed {n}"),
            Job::Export { path, .. } => format!("Exported {n} to {}", path.display()),
        }
    }
}

/// "1 user", "1,234 users".
pub fn users(n: u64) -> String {
    match n {
        1 => "1 user".into(),
        n => format!("{} users", HumanCount(n)),
    }
}

/// What the bulk worker sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkEvent {
    /// The job would touch `count` users, the first of them these: ask before running.
    /// For a removal, `concerned` says how many of them are in the group or have the
    /// tag.
    Ready {
        job: Job,
        selection: Arc<Selection>,
        count: u64,
        sample: Vec<String>,
        concerned: Option<u64>,
    },
    /// The application's groups, to pick one to add the marked users to (`adding`) or
    /// remove them from.
    Groups { adding: bool, groups: Vec<String> },
    /// The job runs: so far `done` of `total`.
    Progress(BulkProgress),
    /// The job ended: the status line, and whether every change was made (else none
    /// was).
    Finished { message: String, done: bool },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Users without a live token are left alone: the message counts only the others,
    /// and says so, after a dialog that named every marked user.
    #[test]
    fn an_invalidation_says_it_counts_only_the_users_who_had_sessions() {
        let done = Job::Change(BulkAction::InvalidateTokens).done(2);
        assert_eq!(
            done,
            "Ended the sessions of 2 users who had any: they must log in again"
        );
    }
}
