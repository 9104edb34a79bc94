//! One module per screen, each owning its state, its `update` and its pure `view`.
//! A screen never reaches into another's state: it asks for what lies beyond it (a
//! dialog, the form, a write) by returning an [`Effect`], which the top-level
//! `update` carries out.

pub mod audit;
pub mod bulk_prompt;
pub mod dialog;
pub mod form;
pub mod group_pick;
pub mod groups;
pub mod help;
pub mod list;
pub mod menu;
pub mod picker;

use crate::domain::Password;
use crate::store::UserId;
use crate::tui::pane::Pane;

use super::action::Action;
use super::job::Job;
use super::writer::Write;
use bulk_prompt::Asking;
use dialog::{Confirm, Pending};

/// What a screen asks of the console after handling an action.
#[derive(Debug)]
pub enum Effect {
    None,
    /// Open the add form.
    Add,
    /// Open the edit form on this user.
    Edit {
        id: UserId,
        email: String,
    },
    OpenMenu,
    /// Open the bulk menu (users are marked).
    OpenBulkMenu,
    /// Count the marked users for `Job`, then ask before running it.
    AskBulk(Job),
    /// Load the groups, to pick one to add the marked users to (or remove them from).
    PickGroup {
        adding: bool,
    },
    /// Ask for what a bulk action needs (a tag, a file).
    OpenBulkPrompt(Asking),
    Help,
    /// Ask before doing what the dialog names.
    Ask(Confirm),
    /// Close the popup on top (menu, dialog, help).
    ClosePopup,
    /// Do what a dialog asked about: the administrator said yes.
    Run(Pending),
    /// A row menu item: the user list does it.
    Choose(Action),
    /// Close the form, dropping whatever it holds.
    CloseForm,
    /// The user a form was opening was deleted by someone else: the form closes and
    /// the list catches up.
    CloseFormGone,
    /// Save the form.
    Save,
    /// Hash this password off the UI thread; the form's save goes on when it arrives.
    Hash(Password),
    /// Hand this change to the writer, off the UI thread.
    Write(Write),
    /// The form wrote this user: close it and show the user in the list, saying so.
    Saved {
        id: UserId,
        verb: &'static str,
        email: String,
    },
    /// The user the form edits is gone: the list and its counts catch up.
    UserGone,
    /// Show the audit log pane.
    ShowAudit,
    /// Show the Groups pane.
    ShowGroups,
    /// Open a popup of the Groups pane (each leads to a write).
    GroupPopup(groups::Popup),
    /// Leave the audit log for this pane of users.
    ShowUsers(Pane),
    /// Open the members view of this group.
    ShowMembers {
        id: i64,
        name: String,
    },
    /// Leave the members view for the group tree, where it was.
    BackToGroups,
    /// Open the user picker that adds users to this group.
    PickUsers {
        id: i64,
        name: String,
    },
    ClosePicker,
    /// Add these users to the group (the picker's Enter).
    AddMembers {
        group: i64,
        name: String,
        users: Vec<(UserId, String)>,
    },
    /// Show this user's recent changes over the form.
    History {
        id: UserId,
        email: String,
    },
}

impl Effect {
    /// Whether carrying this out would change the database (refused when read-only).
    pub fn writes(&self) -> bool {
        match self {
            Effect::Add
            | Effect::Save
            | Effect::Write(_)
            | Effect::GroupPopup(_)
            | Effect::PickUsers { .. }
            | Effect::AddMembers { .. }
            | Effect::PickGroup { .. } => true,
            Effect::AskBulk(job) => job.writes(),
            Effect::OpenBulkPrompt(asking) => *asking != Asking::ExportPath,
            Effect::Ask(confirm) => confirm.pending.writes(),
            Effect::Run(pending) => pending.writes(),
            _ => false,
        }
    }
}
