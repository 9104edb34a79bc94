//! `users get`, `users set` and `users delete`: one user's whole profile, edits to it,
//! and deletion.

use clap::Args;
use serde::Serialize;

use super::bulk::{self, Chosen, Verb, confirmed};
use super::output::{outln, print_json, to_stdout};
use super::{Failure, Format, read_password};
use crate::auth::PasswordHash;
use crate::domain::{PasswordInput, TagKey, UserDraft};
use crate::export::{UserJson, rfc3339};
use crate::inert::inert;
use crate::store::{
    Application, BulkAction, ReachedDevice, Selection, Store, StoreError, User, UserId,
};

#[derive(Debug, Args)]
pub struct GetArgs {
    email: String,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The user to change; or select users with the options below (then only groups
    /// and tags change)
    email: Option<String>,
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
    #[command(flatten)]
    chosen: Chosen,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The users to delete; or select them with the options below
    emails: Vec<String>,
    #[command(flatten)]
    chosen: Chosen,
    /// The same as --has-tag
    #[arg(long, value_name = "KEY[=VALUE]")]
    tag: Vec<String>,
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
    let selection = args.chosen.selection(store, app, &[])?;
    let email = match (&args.email, selection) {
        (Some(_), Some(_)) => return Err(Failure::usage(EMAILS_AND_SELECTION)),
        (None, None) => {
            return Err(Failure::usage(
                "name the user to change by email, or select users with --scope, --group, \
                 --has-tag or --filter",
            ));
        }
        (None, Some(selection)) => return set_selected(store, app, &args, &selection),
        (Some(_), None) if args.chosen.dry_run => {
            return Err(Failure::usage(
                "--dry-run needs a selection (--scope, --group, --has-tag or --filter)",
            ));
        }
        (Some(email), None) => email,
    };
    let id = store.find_user(app.id, email)?;
    let password = if args.password_stdin {
        Some(read_password()?)
    } else {
        None
    };
    let mut hash = None;
    for attempt in 1.. {
        let user = store.user(id).map_err(|e| e.naming(&[(id, email)]))?;
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
            saved => saved.map_err(|e| e.naming(&[(id, email)]))?,
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

/// Emails and selection options in one command.
const EMAILS_AND_SELECTION: &str = "name users by email or select them with --scope, --group, \
     --has-tag or --filter, not both";

/// `users set` over a selection: its group and tag changes, to every selected user.
fn set_selected(
    store: &mut Store,
    app: &Application,
    args: &SetArgs,
    selection: &Selection,
) -> Result<(), Failure> {
    if args.new_email.is_some()
        || args.first.is_some()
        || args.last.is_some()
        || args.password_stdin
    {
        return Err(Failure::usage(
            "with a selection, users set changes only groups and tags (--add-group, \
             --remove-group, --tag, --untag)",
        ));
    }
    let key = |k: &str, option: &str| {
        TagKey::parse(k).map_err(|problem| format!("{option} {k:?}: {problem}"))
    };
    let mut edits = Vec::new();
    let mut problems = Vec::new();
    edits.extend(
        args.remove_group
            .iter()
            .cloned()
            .map(BulkAction::RemoveFromGroup),
    );
    edits.extend(args.add_group.iter().cloned().map(BulkAction::AddToGroup));
    for k in &args.untag {
        match key(k, "--untag") {
            Ok(key) => edits.push(BulkAction::RemoveTag(key)),
            Err(problem) => problems.push(problem),
        }
    }
    for (k, value) in &args.tag {
        match key(k, "--tag") {
            Ok(key) => edits.push(BulkAction::SetTag {
                key,
                value: value.clone(),
            }),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(Failure {
            code: 2,
            lines: problems,
        });
    }
    if edits.is_empty() {
        return Err(Failure::usage(
            "nothing to change: give --add-group, --remove-group, --tag or --untag",
        ));
    }
    let action = match <[BulkAction; 1]>::try_from(edits) {
        Ok([edit]) => edit,
        Err(edits) => BulkAction::Edit(edits),
    };
    bulk::run(store, app, selection, &action, &args.chosen, Verb::Change)
}

pub fn delete(store: &mut Store, app: &Application, args: DeleteArgs) -> Result<(), Failure> {
    let selection = args.chosen.selection(store, app, &args.tag)?;
    match (selection, args.emails.is_empty()) {
        (Some(_), false) => return Err(Failure::usage(EMAILS_AND_SELECTION)),
        (None, true) => {
            return Err(Failure::usage(
                "name the users to delete by email, or select them with --scope, --group, \
                 --has-tag or --filter",
            ));
        }
        (Some(selection), true) => {
            return bulk::run(
                store,
                app,
                &selection,
                &BulkAction::Delete,
                &args.chosen,
                Verb::Delete,
            );
        }
        (None, false) => {}
    }
    // One user named twice (in any case) is one user, under the first spelling given.
    let mut users: Vec<(UserId, &str)> = Vec::new();
    for email in &args.emails {
        let id = store.find_user(app.id, email)?;
        if users.iter().all(|(known, _)| *known != id) {
            users.push((id, email));
        }
    }
    let ids: Vec<UserId> = users.iter().map(|(id, _)| *id).collect();
    if args.chosen.dry_run {
        let selection = Selection::of_ids(ids);
        return bulk::run(
            store,
            app,
            &selection,
            &BulkAction::Delete,
            &args.chosen,
            Verb::Delete,
        );
    }
    let emails: Vec<&str> = users.iter().map(|(_, email)| *email).collect();
    if !args.chosen.yes && !confirmed(&format!("Delete {}?", emails.join(", ")))? {
        return Err(Failure::runtime("nothing deleted"));
    }
    store.delete_users(&ids).map_err(|e| e.naming(&users))?;
    outln!("Deleted {} user(s)", ids.len())?;
    Ok(())
}
