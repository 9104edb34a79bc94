//! The three lists an administrator works from, as tabs of the user list.

use crate::store::{Scope, ScopeCounts};

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
