use clap::{Args, Subcommand};

use super::export::{ExportArgs, export};
use super::import::{ImportArgs, import};
use super::output::{outln, print_json, print_users_table};
use super::selection::{Selection, for_each_page, parse_tag};
use super::user_edit::{DeleteArgs, GetArgs, SetArgs, delete, get, set};
use super::{Failure, Format, read_password};
use crate::auth::PasswordHash;
use crate::domain::UserDraft;
use crate::export::users_json;
use crate::store::{Application, Store};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users (every matching user unless --limit is given)
    List(ListArgs),
    /// Add a user; the password is read from standard input
    Add(AddArgs),
    /// Show one user's whole profile, with the devices reached through groups
    Get(GetArgs),
    /// Change a user's email, names, groups, tags or password
    Set(SetArgs),
    /// Delete users with their memberships, tags and tokens (all or none)
    Delete(DeleteArgs),
    /// Write the selected users as CSV or JSON (hashes only when asked for)
    Export(ExportArgs),
    /// Read users from CSV or JSON, or a Firebase, Auth0 or Keycloak export: all or nothing unless --partial
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    selection: Selection,
    /// At most this many users
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The email the user logs in with (unique in the application, whatever its case)
    #[arg(long)]
    email: String,
    /// First name (optional)
    #[arg(long, value_name = "F")]
    first: Option<String>,
    /// Last name (optional)
    #[arg(long, value_name = "L")]
    last: Option<String>,
    /// A group to join (must exist); repeatable
    #[arg(long, value_name = "G")]
    group: Vec<String>,
    /// A tag, KEY=VALUE; repeatable
    #[arg(long, value_name = "K=V", value_parser = parse_tag)]
    tag: Vec<(String, String)>,
    /// Read the password from standard input (one trailing newline is dropped)
    #[arg(long, required = true)]
    password_stdin: bool,
}

pub fn run(store: &mut Store, app: &Application, cmd: UsersCommand) -> Result<(), Failure> {
    match cmd {
        UsersCommand::List(args) => list(store, app, args),
        UsersCommand::Add(args) => add(store, app, args),
        UsersCommand::Get(args) => get(store, app, args),
        UsersCommand::Set(args) => set(store, app, args),
        UsersCommand::Delete(args) => delete(store, app, args),
        UsersCommand::Export(args) => export(store, app, args),
        UsersCommand::Import(args) => import(store, app, args),
    }
}

fn list(store: &Store, app: &Application, args: ListArgs) -> Result<(), Failure> {
    let query = args.selection.query(store, app)?;
    let limit = args.limit.unwrap_or(usize::MAX);
    match args.format {
        Format::Table => {
            let mut rows = Vec::new();
            for_each_page(store, app, &query, limit, |batch| {
                rows.extend(batch);
                Ok(())
            })?;
            print_users_table(&rows)
        }
        Format::Json => {
            // Tags are read a page at a time, never for every listed user in one query.
            let mut users = Vec::new();
            for_each_page(store, app, &query, limit, |batch| {
                users.extend(users_json(store, batch)?);
                Ok(())
            })?;
            print_json(&users)
        }
    }
}

fn add(store: &mut Store, app: &Application, args: AddArgs) -> Result<(), Failure> {
    let password = read_password()?;
    let draft = UserDraft {
        email: args.email,
        password: Some(password),
        first_name: args.first.unwrap_or_default(),
        last_name: args.last.unwrap_or_default(),
        groups: args.group,
        tags: args.tag,
    };
    let user = draft
        .validate_new()
        .map_err(|broken| store.draft_problems(app.id, &draft, None, broken))?;
    let hash = PasswordHash::new(&user.password);
    store.create_user(app.id, &user, &hash)?;
    outln!("Added {}", crate::inert::inert(user.email.as_str()))?;
    Ok(())
}
