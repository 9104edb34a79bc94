//! `users get`, `users set` and `users delete`: one user's whole profile, edits to it,
//! and deletion.

use std::io::{BufRead, IsTerminal};

use clap::Args;
use serde::Serialize;

use super::output::{outln, print_json, to_stdout};
use super::{Failure, Format, read_password};
use crate::auth::PasswordHash;
use crate::domain::{PasswordInput, UserDraft};
use crate::export::{UserJson, rfc3339};
use crate::inert::inert;
use crate::store::{Application, ReachedDevice, Store, StoreError, User, UserId};

#[derive(Debug, Args)]
pub struct GetArgs {
    email: String,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    email: String,
    /// A new email address
    #[arg(long = "email", value_name = "NEW")]
    new_email: Option<String>,
    /// A new first name ("" clears it)
    #[arg(long, value_name = "F")]
    first: Option<String>,
    /// A new last name ("" clears it)
    #[arg(long, value_name = "L")]
    last: Option<String>,
    /// Join a group; repeatable
    #[arg(long, value_name = "G")]
    add_group: Vec<String>,
    /// Leave a group; repeatable
    #[arg(long, value_name = "G")]
    remove_group: Vec<String>,
    /// Set a tag, KEY=VALUE; repeatable
    #[arg(long, value_name = "K=V", value_parser = super::selection::parse_tag)]
    tag: Vec<(String, String)>,
    /// Remove a tag; repeatable
    #[arg(long, value_name = "K")]
    untag: Vec<String>,
    /// Read a new password from standard input (ends the user's sessions)
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[arg(required = true)]
    emails: Vec<String>,
    /// Do not ask (required when not on a terminal)
    #[arg(long)]
    yes: bool,
}

/// `users get --format json`: the list's user object plus the devices reached and
/// the algorithm of the stored password hash (never the hash).
#[derive(Serialize)]
struct ProfileJson {
    #[serde(flatten)]
    user: UserJson,
    devices: Vec<DeviceJson>,
    password_scheme: &'static str,
}

#[derive(Serialize)]
struct DeviceJson {
    name: String,
    via_group: String,
}

pub fn get(store: &Store, app: &Application, args: GetArgs) -> Result<(), Failure> {
    let id = store.find_user(app.id, &args.email)?;
    let user = store.user(id).map_err(|e| e.naming(&[(id, &args.email)]))?;
    let devices = store.user_devices(id)?;
    match args.format {
        Format::Json => print_json(&ProfileJson {
            password_scheme: store
                .password_hashes_of(&[id])?
                .get(&id)
                .and_then(|h| PasswordHash::parse(h).ok())
                .map_or("unknown", |h| h.scheme()),
            user: UserJson::from_user(user),
            devices: devices
                .into_iter()
                .map(|d| DeviceJson {
                    name: d.device,
                    via_group: d.via_group,
                })
                .collect(),
        }),
        Format::Table => print_profile(&user, &devices),
    }
}

fn print_profile(user: &User, devices: &[ReachedDevice]) -> Result<(), Failure> {
    let or_none = |s: &Option<String>| s.as_deref().map_or("-".into(), |s| inert(s).into_owned());
    let tags: Vec<String> = user
        .tags
        .iter()
        .map(|(k, v)| format!("{k}={}", inert(v)))
        .collect();
    let reached: Vec<String> = devices
        .iter()
        .map(|d| format!("{} (via {})", inert(&d.device), inert(&d.via_group)))
        .collect();
    let rows = [
        ("email", inert(&user.email).into_owned()),
        ("first name", or_none(&user.first_name)),
        ("last name", or_none(&user.last_name)),
        ("groups", inert(&user.groups.join(", ")).into_owned()),
        ("tags", tags.join(", ")),
        ("devices", reached.join(", ")),
        ("created", rfc3339(user.created_at)),
        (
            "last login",
            user.last_login.map_or("never".into(), rfc3339),
        ),
    ];
    to_stdout(|out| {
        for (label, value) in rows {
            writeln!(out, "{label:<11} {value}")?;
        }
        Ok(())
    })
}

/// How often `set` re-reads the user and applies its changes again when another
/// administrator saved the same user in between (it only changes what it names).
const SET_ATTEMPTS: usize = 10;

pub fn set(store: &mut Store, app: &Application, args: SetArgs) -> Result<(), Failure> {
    let id = store.find_user(app.id, &args.email)?;
    let password = if args.password_stdin {
        Some(read_password()?)
    } else {
        None
    };
    let mut hash = None;
    for attempt in 1.. {
        let user = store.user(id).map_err(|e| e.naming(&[(id, &args.email)]))?;
        let version = user.version;
        let draft = edited(&args, user, password.clone());
        let changes = draft
            .validate_changes()
            .map_err(|broken| store.draft_problems(app.id, &draft, Some(id), broken))?;
        if hash.is_none() {
            hash = changes.password.as_ref().map(PasswordHash::new);
        }
        match store.update_user(app.id, id, &changes, hash.as_ref(), Some(version)) {
            Err(StoreError::Conflict) if attempt < SET_ATTEMPTS => continue,
            saved => saved.map_err(|e| e.naming(&[(id, &args.email)]))?,
        }
        outln!("Saved {}", crate::inert::inert(changes.email.as_str()))?;
        break;
    }
    Ok(())
}

/// The user with what `set` names changed.
fn edited(args: &SetArgs, user: User, password: Option<PasswordInput>) -> UserDraft {
    let mut groups = user.groups;
    groups.retain(|g| !args.remove_group.contains(g));
    groups.extend(args.add_group.iter().cloned());
    let mut tags = user.tags;
    tags.retain(|k, _| !args.untag.contains(k));
    tags.extend(args.tag.iter().cloned());
    UserDraft {
        email: args.new_email.clone().unwrap_or(user.email),
        password,
        first_name: args.first.clone().or(user.first_name).unwrap_or_default(),
        last_name: args.last.clone().or(user.last_name).unwrap_or_default(),
        groups,
        tags: tags.into_iter().collect(),
    }
}

pub fn delete(store: &mut Store, app: &Application, args: DeleteArgs) -> Result<(), Failure> {
    // One user named twice (in any case) is one user, under the first spelling given.
    let mut users: Vec<(UserId, &str)> = Vec::new();
    for email in &args.emails {
        let id = store.find_user(app.id, email)?;
        if users.iter().all(|(known, _)| *known != id) {
            users.push((id, email));
        }
    }
    let emails: Vec<&str> = users.iter().map(|(_, email)| *email).collect();
    if !args.yes && !confirmed(&emails)? {
        return Err(Failure::runtime("nothing deleted"));
    }
    let ids: Vec<UserId> = users.iter().map(|(id, _)| *id).collect();
    store.delete_users(&ids).map_err(|e| e.naming(&users))?;
    outln!("Deleted {} user(s)", ids.len())?;
    Ok(())
}

/// Asks on the terminal; without one, deleting needs `--yes`.
fn confirmed(emails: &[&str]) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "not on a terminal: pass --yes to delete without asking",
        ));
    }
    to_stdout(|out| write!(out, "Delete {}? [y/N] ", emails.join(", ")))?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
