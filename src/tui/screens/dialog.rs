//! The confirm dialog: it names what it acts on and keeps the action it confirms;
//! focus starts on Cancel, so a stray Enter never destroys anything.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use std::sync::Arc;

use indicatif::HumanCount;

use super::Effect;
use crate::inert::inert;
use crate::store::{BulkAction, GroupRef, GroupSummary, Selection, UserId, UserRow};
use crate::tui::action::Action;
use crate::tui::fit::fit_email;
use crate::tui::job::{Job, users};
use crate::tui::layout::centered;
use crate::tui::screens::groups::tree::GroupTree;
use crate::tui::theme::Theme;

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
    /// A bulk job on the marked users (as they were when counted).
    Bulk {
        job: Job,
        selection: Arc<Selection>,
    },
    /// Take a user out of a group (the user stays).
    RemoveMember {
        group: i64,
        name: String,
        id: UserId,
        email: String,
    },
    DeleteGroup {
        group: GroupRef,
    },
    UnlinkDevice {
        device: String,
        group: String,
    },
    /// Close the form, dropping its edits.
    Discard,
    /// Quit, dropping the form's edits.
    Quit,
}

impl Pending {
    /// Whether doing it changes the database.
    pub fn writes(&self) -> bool {
        match self {
            Pending::Bulk { job, .. } => job.writes(),
            Pending::Discard | Pending::Quit => false,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: &'static str,
    pub message: String,
    pub ok_label: &'static str,
    pub pending: Pending,
    pub ok_focused: bool,
}

impl Confirm {
    /// A dialog with the focus on Cancel.
    pub fn new(
        title: &'static str,
        message: String,
        ok_label: &'static str,
        pending: Pending,
    ) -> Confirm {
        Confirm {
            title,
            message,
            ok_label,
            pending,
            ok_focused: false,
        }
    }

    pub fn delete(row: &UserRow) -> Confirm {
        let leaves = match row.groups.len() {
            0 => "They are in no group.".to_string(),
            1 => "They leave 1 group.".to_string(),
            n => format!("They leave {n} groups."),
        };
        Confirm::new(
            "Delete user",
            format!(
                "Delete {}? {leaves} Their tags and tokens go too; this cannot be undone.",
                row.email
            ),
            "Delete",
            Pending::Delete {
                id: row.id,
                email: row.email.clone(),
            },
        )
    }

    pub fn invalidate(row: &UserRow) -> Confirm {
        Confirm::new(
            "Invalidate tokens",
            format!(
                "Invalidate every access token of {}? They will have to log in again; \
                 nothing else about them changes.",
                row.email
            ),
            "Invalidate",
            Pending::InvalidateUser {
                id: row.id,
                email: row.email.clone(),
            },
        )
    }

    /// Taking `row`'s user out of group `group` called `name`.
    pub fn remove_member(row: &UserRow, group: i64, name: &str) -> Confirm {
        Confirm::new(
            "Remove from group",
            format!("Remove {} from {name}? The user is not deleted.", row.email),
            "Remove",
            Pending::RemoveMember {
                group,
                name: name.to_string(),
                id: row.id,
                email: row.email.clone(),
            },
        )
    }

    /// `users` is how many users the application has.
    pub fn invalidate_all(users: u64, application: &str) -> Confirm {
        Confirm::new(
            "Invalidate all tokens",
            match users {
                1 => format!(
                    "Invalidate the access tokens of the one user of '{application}'? \
                     They will have to log in again."
                ),
                _ => format!(
                    "Invalidate the access tokens of all {} users of '{application}'? \
                     Every one of them will have to log in again.",
                    HumanCount(users)
                ),
            },
            "Invalidate all",
            Pending::InvalidateAll,
        )
    }

    /// Asks once before a bulk job on `count` users; for a group or tag change, says
    /// how many of them are `concerned` (it changes them) when not all are. `sample`
    /// names the first of those it changes.
    pub fn bulk(
        job: Job,
        selection: Arc<Selection>,
        (count, concerned): (u64, Option<u64>),
        sample: &[String],
    ) -> Confirm {
        let who = some_of(concerned.map_or(count, |k| k.min(count)), sample);
        let n = users(count);
        // A group or tag action counts whom it would change: the headline says that
        // many, and the rest are named as left alone.
        let (changed, others) = match concerned {
            Some(k) if k < count => (
                format!("{} of the {} marked", HumanCount(k), HumanCount(count)),
                count - k,
            ),
            _ => (n.clone(), 0),
        };
        let left = |one: &str, many: &str| match others {
            0 => String::new(),
            1 => format!(" The other one {one}."),
            k => format!(" The other {} {many}.", HumanCount(k)),
        };
        let (title, message, ok) = match &job {
            Job::Change(BulkAction::Delete) => (
                "Delete users",
                format!(
                    "Delete {n}?{who} Their memberships, tags and tokens go too; this \
                     cannot be undone."
                ),
                "Delete",
            ),
            Job::Change(BulkAction::InvalidateTokens) => (
                "Invalidate tokens",
                format!("Invalidate the tokens of {n}?{who} They will have to log in again."),
                "Invalidate",
            ),
            Job::Change(BulkAction::AddToGroup(group)) => (
                "Add to group",
                format!(
                    "Add {changed} to {group}?{who}{}",
                    left("is in it already", "are in it already")
                ),
                "Add",
            ),
            Job::Change(BulkAction::RemoveFromGroup(group)) => (
                "Remove from group",
                format!(
                    "Remove {changed} from {group}?{who}{} No user is deleted.",
                    left(
                        "is not in it itself (perhaps in a subgroup)",
                        "are not in it themselves (perhaps in a subgroup)",
                    )
                ),
                "Remove",
            ),
            Job::Change(BulkAction::SetTag { key, value }) => (
                "Set tag",
                format!(
                    "Set tag {}={value} on {changed}?{who}{} Another value of {} they have \
                     is replaced.",
                    key.as_str(),
                    left("has it already", "have it already"),
                    key.as_str()
                ),
                "Set tag",
            ),
            Job::Change(BulkAction::RemoveTag(key)) => (
                "Remove tag",
                format!(
                    "Remove tag {} from {changed}?{who}{}",
                    key.as_str(),
                    left("does not have it", "do not have it")
                ),
                "Remove tag",
            ),
            Job::Change(BulkAction::Edit(_)) => {
                ("Change users", format!("Change {n}?{who}"), "Change")
            }
            Job::Export { path, replace, .. } => (
                "Export users",
                format!(
                    "Export {n} to {}?{who}{}",
                    path.display(),
                    if *replace {
                        " The file there is replaced."
                    } else {
                        ""
                    }
                ),
                if *replace { "Replace" } else { "Export" },
            ),
        };
        Confirm::new(title, message, ok, Pending::Bulk { job, selection })
    }

    /// Says what deleting `group` does, as the store does it: members only leave it,
    /// child groups move up to its parent, devices only lose the tie.
    pub fn delete_group(group: &GroupSummary, tree: &GroupTree) -> Confirm {
        let g = &group.group;
        let mut parts = vec![match group.members {
            0 => "It has no members".to_string(),
            1 => "Its 1 member stays (it only leaves this group)".to_string(),
            n => format!("Its {n} members stay (they only leave this group)"),
        }];
        let children = (tree.groups.iter())
            .filter(|c| c.group.parent_id == Some(g.id))
            .count();
        let up_to = match g.parent_id {
            Some(parent) => (tree.groups.iter())
                .find(|p| p.group.id == parent)
                .map_or_else(|| "its parent".to_string(), |p| p.group.name.clone()),
            None => "the top level".to_string(),
        };
        match children {
            0 => {}
            1 => parts.push(format!("its 1 child group moves up to {up_to}")),
            n => parts.push(format!("its {n} child groups move up to {up_to}")),
        }
        match group.devices {
            0 => {}
            1 => parts.push("its 1 device stays, unlinked from it".into()),
            n => parts.push(format!("its {n} devices stay, unlinked from it")),
        }
        Confirm::new(
            "Delete group",
            format!("Delete group {}? {}.", g.name, parts.join("; ")),
            "Delete",
            Pending::DeleteGroup {
                group: group.reference(),
            },
        )
    }

    pub fn unlink_device(device: &str, group: &str) -> Confirm {
        Confirm::new(
            "Unlink device",
            format!(
                "Unlink {device} from {group}? The device stays; members of {group} and \
                 of its subgroups no longer reach it through {group}."
            ),
            "Unlink",
            Pending::UnlinkDevice {
                device: device.to_string(),
                group: group.to_string(),
            },
        )
    }

    pub fn discard() -> Confirm {
        Confirm::new(
            "Discard changes?",
            "This form has unsaved edits. Discard them and close it?".into(),
            "Discard",
            Pending::Discard,
        )
    }

    pub fn quit() -> Confirm {
        Confirm::new(
            "Discard changes and quit?",
            "This form has unsaved edits. Quit without saving them? \
             (Ctrl-C again quits.)"
                .into(),
            "Quit",
            Pending::Quit,
        )
    }

    pub fn update(&mut self, action: Action) -> Effect {
        match action {
            Action::SwitchButton => {
                self.ok_focused = !self.ok_focused;
                Effect::None
            }
            Action::Yes => Effect::Run(self.pending.clone()),
            Action::PressButton if self.ok_focused => Effect::Run(self.pending.clone()),
            Action::PressButton | Action::Close => Effect::ClosePopup,
            _ => Effect::None,
        }
    }
}

/// Columns an email in a bulk dialog keeps at most.
const SAMPLE_EMAIL: usize = 32;

/// " alice@acme.io, bob@acme.io and 1,232 more.": the first emails of `count` users,
/// each made inert and, when long, cut keeping its domain (the `…` shows where).
fn some_of(count: u64, sample: &[String]) -> String {
    let names: Vec<String> = sample
        .iter()
        .map(|e| fit_email(&inert(e), SAMPLE_EMAIL).into_owned())
        .collect();
    let more = count.saturating_sub(names.len() as u64);
    match (names.as_slice(), more) {
        ([], _) => String::new(),
        ([one], 0) => format!(" {one}."),
        ([a, b], 0) => format!(" {a} and {b}."),
        (names, more) => format!(" {} and {} more.", names.join(", "), HumanCount(more)),
    }
}

const WIDTH: u16 = 60;

impl Confirm {
    /// The user the dialog names, if it names one.
    fn subject(&self) -> Option<&str> {
        match &self.pending {
            Pending::Delete { email, .. } | Pending::InvalidateUser { email, .. } => Some(email),
            _ => None,
        }
    }

    /// The message for a body `width` columns wide: an email too long for a line is
    /// cut keeping its domain (`fit_email`), so what follows it still shows.
    fn message_for(&self, width: u16) -> Paragraph<'static> {
        let mut text = inert(&self.message).into_owned();
        if let Some(email) = self.subject() {
            let email = inert(email);
            // One column for the `?` after it.
            let cut = fit_email(&email, (width as usize).saturating_sub(1));
            text = text.replacen(email.as_ref(), &cut, 1);
        }
        Paragraph::new(text).wrap(Wrap { trim: true })
    }
}

/// The dialog in the middle of `bounds`, whole: on a small screen it drops its blank
/// padding first, and grows over the lines below `bounds` (up to `screen`) only if
/// it must.
pub fn draw(t: &Theme, confirm: &Confirm, frame: &mut Frame, bounds: Rect, screen: Rect) {
    let width = WIDTH.min(bounds.width);
    let text_width = |side: u16| width.saturating_sub(2 + 2 * side);
    // Borders and the buttons, the text, and blank rows above and below it.
    let height = |side: u16, blank: u16| {
        confirm
            .message_for(text_width(side))
            .line_count(text_width(side)) as u16
            + 3
            + 2 * blank
    };
    // (side padding, blank rows, where it goes), roomiest first.
    let layouts = [
        (1, 1, bounds),
        (1, 0, bounds),
        (0, 0, bounds),
        (0, 0, screen),
    ];
    let (side, blank, within) = layouts
        .into_iter()
        .find(|&(side, blank, within)| height(side, blank) <= within.height)
        .unwrap_or((0, 0, screen));
    let message = confirm.message_for(text_width(side));
    let area = centered(within, width, height(side, blank));
    let block = Block::bordered()
        .title(Line::styled(format!(" {} ", confirm.title), t.danger))
        .border_style(t.danger);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let body = Rect {
        x: inner.x + side,
        y: inner.y + blank,
        width: inner.width.saturating_sub(2 * side),
        height: inner.height.saturating_sub(1 + 2 * blank),
    };
    frame.render_widget(message, body);
    let (cancel, ok) = if confirm.ok_focused {
        (t.button, t.button_focused)
    } else {
        (t.button_focused, t.button)
    };
    let mut buttons = vec![
        Span::styled("[ Cancel ]", cancel),
        Span::raw("   "),
        Span::styled(format!("[ {} ]", confirm.ok_label), ok),
    ];
    let hint = Span::styled("   y/n", t.dim);
    if buttons.iter().map(Span::width).sum::<usize>() + hint.width() <= inner.width as usize {
        buttons.push(hint);
    }
    let button_row = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(Line::from(buttons).alignment(Alignment::Center)),
        button_row,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TagKey;

    fn row() -> UserRow {
        UserRow {
            id: UserId(7),
            email: "ann@acme.io".into(),
            first_name: String::new(),
            last_name: String::new(),
            groups: vec!["Sales".into(), "EMEA".into()],
            tag_count: 0,
            created_at: 0,
            last_login: None,
        }
    }

    #[test]
    fn every_dialog_starts_on_cancel_and_enter_there_does_nothing() {
        let all = [
            Confirm::delete(&row()),
            Confirm::invalidate(&row()),
            Confirm::invalidate_all(60, "default"),
            Confirm::discard(),
            Confirm::quit(),
        ];
        for mut dialog in all {
            assert!(!dialog.ok_focused, "{}", dialog.title);
            assert!(matches!(
                dialog.update(Action::PressButton),
                Effect::ClosePopup
            ));
            dialog.update(Action::SwitchButton);
            match dialog.update(Action::PressButton) {
                Effect::Run(pending) => assert_eq!(pending, dialog.pending),
                other => panic!("{}: {other:?}", dialog.title),
            }
            assert!(matches!(dialog.update(Action::Yes), Effect::Run(_)));
            assert!(matches!(dialog.update(Action::Close), Effect::ClosePopup));
        }
    }

    fn bulk(job: Job, count: u64, sample: &[&str]) -> Confirm {
        let sample: Vec<String> = sample.iter().map(|s| s.to_string()).collect();
        Confirm::bulk(job, Arc::default(), (count, None), &sample)
    }

    #[test]
    fn a_removal_dialog_says_how_many_of_the_marked_it_concerns() {
        let sample = ["alice@acme.io".to_string(), "bob@acme.io".to_string()];
        let remove = |job: Job, concerned| {
            Confirm::bulk(job, Arc::default(), (60, Some(concerned)), &sample).message
        };
        let group = || Job::Change(BulkAction::RemoveFromGroup("Acme".into()));
        assert_eq!(
            remove(group(), 3),
            "Remove 3 of the 60 marked from Acme? alice@acme.io, bob@acme.io and 1 more. \
             The other 57 are not in it themselves (perhaps in a subgroup). No user is \
             deleted."
        );
        assert!(remove(group(), 59).contains(" The other one is not in it itself"));
        assert_eq!(
            remove(group(), 60),
            "Remove 60 users from Acme? alice@acme.io, bob@acme.io and 58 more. \
             No user is deleted.",
            "all are: nobody named as left alone"
        );
        let tag = || Job::Change(BulkAction::RemoveTag(TagKey::parse("plan").unwrap()));
        assert_eq!(
            remove(tag(), 30),
            "Remove tag plan from 30 of the 60 marked? alice@acme.io, bob@acme.io and 28 \
             more. The other 30 do not have it."
        );
        let add = || Job::Change(BulkAction::AddToGroup("Acme".into()));
        assert!(
            remove(add(), 59).starts_with("Add 59 of the 60 marked to Acme? ")
                && remove(add(), 59).ends_with(" The other one is in it already."),
            "{}",
            remove(add(), 59)
        );
        let set = || {
            Job::Change(BulkAction::SetTag {
                key: TagKey::parse("plan").unwrap(),
                value: "gold".into(),
            })
        };
        assert!(
            remove(set(), 60).starts_with("Set tag plan=gold on 60 users? ")
                && remove(set(), 60).ends_with(" Another value of plan they have is replaced."),
            "{}",
            remove(set(), 60)
        );
    }

    #[test]
    fn a_bulk_dialog_states_the_count_and_a_few_emails_and_starts_on_cancel() {
        let delete = Job::Change(BulkAction::Delete);
        let mut dialog = bulk(delete.clone(), 1234, &["alice@acme.io", "bob@acme.io"]);
        assert!(
            dialog
                .message
                .starts_with("Delete 1,234 users? alice@acme.io, bob@acme.io and 1,232 more."),
            "{}",
            dialog.message
        );
        assert!(!dialog.ok_focused);
        assert!(matches!(
            dialog.update(Action::PressButton),
            Effect::ClosePopup
        ));
        assert!(dialog.pending.writes());
        let two = bulk(delete.clone(), 2, &["alice@acme.io", "bob@acme.io"]);
        assert!(
            two.message
                .starts_with("Delete 2 users? alice@acme.io and bob@acme.io.")
        );
        let one = bulk(delete, 1, &["alice@acme.io"]);
        assert!(
            one.message.starts_with("Delete 1 user? alice@acme.io."),
            "{}",
            one.message
        );
    }

    #[test]
    fn a_long_email_in_a_bulk_dialog_is_cut_keeping_its_domain_and_made_inert() {
        let long = "a-very-long-local-part-for-testing@departments.example.co.uk";
        let dialog = bulk(
            Job::Change(BulkAction::InvalidateTokens),
            5,
            &[long, "x\u{1b}[31m@a.io"],
        );
        assert!(
            dialog
                .message
                .contains("? a-ver…@departments.example.co.uk, "),
            "{}",
            dialog.message
        );
        assert!(
            dialog.message.contains("x\u{241b}[31m@a.io and 3 more."),
            "{}",
            dialog.message
        );
        assert!(!dialog.message.contains('\u{1b}'));
    }

    #[test]
    fn an_export_writes_nothing_in_the_database_and_says_when_it_replaces_a_file() {
        let export = |replace| Job::Export {
            path: "/tmp/out.csv".into(),
            format: crate::export::FileFormat::Csv,
            replace,
        };
        let fresh = bulk(export(false), 3, &["a@a.io", "b@a.io"]);
        assert!(!fresh.pending.writes());
        assert_eq!(fresh.ok_label, "Export");
        let replacing = bulk(export(true), 3, &["a@a.io", "b@a.io"]);
        assert_eq!(replacing.ok_label, "Replace");
        assert!(replacing.message.ends_with("The file there is replaced."));
    }

    #[test]
    fn only_dialogs_that_change_the_database_write() {
        assert!(Confirm::delete(&row()).pending.writes());
        assert!(Confirm::invalidate(&row()).pending.writes());
        assert!(Confirm::invalidate_all(1, "default").pending.writes());
        assert!(
            Confirm::invalidate_all(3000, "default")
                .message
                .contains("all 3,000 users"),
            "thousands separated, as everywhere else"
        );
        assert!(!Confirm::discard().pending.writes());
        assert!(!Confirm::quit().pending.writes());
        assert!(
            Confirm::delete(&row())
                .message
                .contains("They leave 2 groups.")
        );
    }
}
