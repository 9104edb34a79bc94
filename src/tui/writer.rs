//! Writing off the UI thread, on a connection of its own: a write that meets another
//! process's lock waits there (up to the busy timeout) while the console stays usable.
//! One write at a time; its outcome arrives on the console's one channel as
//! `Action::Written`.

use indicatif::HumanCount;
use std::sync::mpsc::{self, Sender};

use super::action::Action;
use super::background::{self, Priority};
use super::events::Event;
use super::query_worker::Connect;
use super::session::user_gone;
use super::written::{GroupOutcome, SaveOutcome, Written};
use crate::auth::PasswordHash;
use crate::domain::{NewUser, UserChanges};
use crate::store::{Actor, AppId, GroupRef, Location, MembersAdded, Store, StoreError, UserId};

/// A change the console asks for.
#[derive(Debug)]
pub enum Write {
    Delete {
        id: UserId,
        email: String,
    },
    InvalidateUser {
        id: UserId,
        email: String,
    },
    InvalidateAll {
        application: AppId,
        name: String,
    },
    /// Add users to a group (`name` is how the console knows it).
    AddMembers {
        application: AppId,
        group: i64,
        name: String,
        users: Vec<(UserId, String)>,
    },
    RemoveMember {
        application: AppId,
        group: i64,
        name: String,
        id: UserId,
        email: String,
    },
    Create {
        application: AppId,
        user: NewUser,
        hash: PasswordHash,
    },
    Update {
        application: AppId,
        id: UserId,
        changes: UserChanges,
        hash: Option<PasswordHash>,
        version: i64,
    },
    /// A change of the group tree or of a group's devices.
    Group(GroupWrite),
}

/// A change of the group tree or of a group's devices.
#[derive(Debug)]
pub enum GroupWrite {
    AddGroup {
        application: AppId,
        name: String,
        parent: Option<String>,
    },
    /// Rename and move a group, as it was read.
    EditGroup {
        application: AppId,
        group: GroupRef,
        name: String,
        parent: Option<String>,
    },
    DeleteGroup {
        application: AppId,
        group: GroupRef,
    },
    /// Tie (`link`) or untie a device and a group.
    LinkDevice {
        application: AppId,
        device: String,
        group: String,
        link: bool,
    },
    /// A new device, tied to a group.
    AddDevice {
        application: AppId,
        name: String,
        group: String,
    },
}

pub struct Writer {
    jobs: Sender<Write>,
}

impl Writer {
    /// Writes through a connection to `location`, opened at the first write (a read-only
    /// console never writes, so never opens one), recording `actor` in the audit log.
    pub fn start(
        location: Location,
        connect: Connect,
        actor: Actor,
        outbox: Sender<Event>,
    ) -> Writer {
        let (jobs, inbox) = mpsc::channel::<Write>();
        // The store logs every write: the writer logs where the console's thread does.
        let log = tracing::dispatcher::get_default(|log| log.clone());
        background::spawn("xusers-writer", Priority::Background, move || {
            tracing::dispatcher::with_default(&log, || {
                let mut store = None;
                while let Ok(job) = inbox.recv() {
                    let opened = match store.take() {
                        Some(opened) => Ok(opened),
                        None => connect(&location).map(|mut opened| {
                            opened.set_actor(actor.clone());
                            opened
                        }),
                    };
                    let written = match opened {
                        Ok(mut opened) => {
                            let written = write(&mut opened, job);
                            store = Some(opened);
                            written
                        }
                        Err(e) => failed(&job, e),
                    };
                    if outbox.send(Event::Done(Action::Written(written))).is_err() {
                        return;
                    }
                }
            })
        });
        Writer { jobs }
    }

    pub fn send(&self, write: Write) {
        let _ = self.jobs.send(write);
    }
}

fn write(store: &mut Store, job: Write) -> Written {
    let result = match &job {
        Write::Delete { id, email } => store.delete_user(*id).map(|()| format!("Deleted {email}")),
        Write::InvalidateUser { id, email } => store.invalidate_user_tokens(*id).map(|n| {
            let tokens = if n == 1 { "token" } else { "tokens" };
            format!("Invalidated {} {tokens} of {email}", HumanCount(n as u64))
        }),
        Write::InvalidateAll { application, name } => {
            store.invalidate_all_tokens(*application).map(|n| {
                let users = if n == 1 { "user" } else { "users" };
                format!(
                    "Invalidated every token: all {} {users} of '{name}' must log in again",
                    HumanCount(n as u64)
                )
            })
        }
        Write::AddMembers {
            application,
            group,
            name,
            users,
        } => {
            let ids: Vec<UserId> = users.iter().map(|(id, _)| *id).collect();
            store
                .add_members(*application, *group, &ids)
                .map(|done| added(&done, name, users))
        }
        Write::RemoveMember {
            application,
            group,
            name,
            id,
            email,
        } => store
            .remove_member(*application, *group, *id)
            .map(|()| format!("Removed {email} from {name} (the user stays)")),
        Write::Create {
            application,
            user,
            hash,
        } => return saved(store.create_user(*application, user, hash)),
        Write::Update {
            application,
            id,
            changes,
            hash,
            version,
        } => {
            let result =
                store.update_user(*application, *id, changes, hash.as_ref(), Some(*version));
            return saved(result.map(|()| *id));
        }
        Write::Group(change) => return write_group(store, change),
    };
    match result {
        Ok(message) => Written::Changed {
            message,
            failed: false,
        },
        Err(e) => failed(&job, e),
    }
}

/// What adding users to a group did, said plainly, naming the group as it is now (and
/// as the console `known` it, when someone renamed it meanwhile).
fn added(done: &MembersAdded, known: &str, users: &[(UserId, String)]) -> String {
    let name = match done.group == known {
        true => known.to_string(),
        false => format!("{} (renamed from {known} meanwhile)", done.group),
    };
    let email = |id: &UserId| {
        users
            .iter()
            .find(|(u, _)| u == id)
            .map_or("", |(_, e)| e.as_str())
    };
    let mut message = match done.added.as_slice() {
        [] => format!("Nobody added to {name}"),
        [one] => format!("Added {} to {name}", email(one)),
        many => format!("Added {} users to {name}", many.len()),
    };
    match done.already.as_slice() {
        [] => {}
        [one] => message.push_str(&format!(" ({} was in it already)", email(one))),
        many => message.push_str(&format!(" ({} were in it already)", many.len())),
    }
    message
}

fn saved(result: crate::store::Result<UserId>) -> Written {
    Written::Saved(match result {
        Ok(id) => SaveOutcome::Saved(id),
        Err(StoreError::Invalid(errors)) => SaveOutcome::Invalid(errors),
        Err(StoreError::Conflict) => SaveOutcome::Conflict,
        Err(StoreError::UserGone(_)) => SaveOutcome::Gone,
        Err(other) => SaveOutcome::Failed(other.to_string()),
    })
}

/// A write that failed, said plainly and naming its user.
fn failed(job: &Write, e: StoreError) -> Written {
    let message = match (job, e) {
        (
            Write::Delete { email, .. } | Write::InvalidateUser { email, .. },
            StoreError::UserGone(_),
        ) => user_gone(email),
        (Write::Delete { id, email } | Write::InvalidateUser { id, email }, e) => {
            e.naming(&[(*id, email)]).to_string()
        }
        (Write::InvalidateAll { .. }, e) => e.to_string(),
        (
            Write::AddMembers { name, .. } | Write::RemoveMember { name, .. },
            StoreError::NotFound { what: "group", .. },
        ) => {
            format!("no such group: {name} (someone else deleted it)")
        }
        (Write::RemoveMember { name, email, .. }, StoreError::NotMember(_)) => {
            format!("{email} is no longer in {name}: someone else removed them meanwhile")
        }
        (Write::RemoveMember { id, email, .. }, e) => e.naming(&[(*id, email)]).to_string(),
        (Write::AddMembers { users, .. }, e) => {
            let named: Vec<(UserId, &str)> = users
                .iter()
                .map(|(id, email)| (*id, email.as_str()))
                .collect();
            match e {
                StoreError::UserGone(gone) => named.iter().find(|(id, _)| *id == gone).map_or_else(
                    || e.to_string(),
                    |(_, email)| format!("{}; nobody was added", user_gone(email)),
                ),
                e => e.to_string(),
            }
        }
        (Write::Create { .. } | Write::Update { .. }, e) => return saved(Err(e)),
        (Write::Group(_), e) => return Written::Group(group_failed(e)),
    };
    Written::Changed {
        message,
        failed: true,
    }
}

/// A change of the group tree or of a group's devices.
fn write_group(store: &mut Store, job: &GroupWrite) -> Written {
    let done = |message: String, select: Option<&str>| GroupOutcome::Done {
        message,
        select: select.map(String::from),
    };
    let result = match job {
        GroupWrite::AddGroup {
            application,
            name,
            parent,
        } => store
            .create_group(*application, name, parent.as_deref())
            .map(|g| done(format!("Added group {}", g.name), Some(&g.name))),
        GroupWrite::EditGroup {
            application,
            group,
            name,
            parent,
        } => store
            .edit_group(*application, group, name, parent.as_deref())
            .map(|()| done(format!("Saved group {}", name.trim()), Some(name.trim()))),
        GroupWrite::DeleteGroup { application, group } => store
            .delete_group_read(*application, group)
            .map(|()| done(format!("Deleted group {}", group.name), None)),
        GroupWrite::LinkDevice {
            application,
            device,
            group,
            link,
        } => store
            .link_device(*application, device, group, *link)
            .map(|changed| match (changed, link) {
                (true, true) => done(format!("Linked {device} to {group}"), None),
                (true, false) => done(format!("Unlinked {device} from {group}"), None),
                (false, true) => GroupOutcome::Stale(format!(
                    "{device} was linked to {group} already (someone else linked it) — reloaded"
                )),
                (false, false) => GroupOutcome::Stale(format!(
                    "{device} was no longer linked to {group} (someone else unlinked it) — reloaded"
                )),
            }),
        GroupWrite::AddDevice {
            application,
            name,
            group,
        } => store.create_device(*application, name, &[group]).map(|_| {
            done(
                format!("Added device {}, linked to {group}", name.trim()),
                None,
            )
        }),
    };
    Written::Group(result.unwrap_or_else(group_failed))
}

/// Why a change of the group tree failed, and whether the tree must be read afresh.
fn group_failed(e: StoreError) -> GroupOutcome {
    match e {
        StoreError::Invalid(errors) => GroupOutcome::Invalid(errors),
        StoreError::GroupChanged(_) => GroupOutcome::Stale(format!("{e} — reloaded")),
        StoreError::NotFound { .. } => {
            GroupOutcome::Stale(format!("{e} (someone else deleted it) — reloaded"))
        }
        other => GroupOutcome::Failed(other.to_string()),
    }
}
