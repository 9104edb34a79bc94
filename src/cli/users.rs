use clap::{Args, Subcommand, ValueEnum};

use super::export::{ExportArgs, export};
use super::import::{ImportArgs, import};
use super::output::{outln, print_json, print_users_table, users_json};
use super::user_edit::{DeleteArgs, GetArgs, SetArgs, delete, get, set};
use super::{Failure, Format, read_password};
use crate::auth::PasswordHash;
use crate::domain::{TagKey, UserDraft};
use crate::store::{
    Application, Page, Scope, Sort, SortField, Store, TagFilter, UserQuery, UserRow,
};

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
    /// Read users from CSV or JSON: all or nothing unless --partial
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScopeArg {
    All,
    Grouped,
    Ungrouped,
}

/// Which users a command acts on: the same options for listing and exporting.
#[derive(Debug, Args)]
pub struct Selection {
    /// Which users: all, in at least one group, or in none
    #[arg(long, value_enum, default_value = "all", conflicts_with = "group")]
    scope: ScopeArg,
    /// Only members of this group
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
    /// Only users with this tag (KEY) or this tag value (KEY=VALUE); repeatable
    #[arg(long, value_name = "KEY[=VALUE]")]
    tag: Vec<String>,
    /// Text that the email, first or last name must contain (any case)
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Sort by email, first, last, created or last-login
    #[arg(long, default_value = "email", value_parser = parse_sort)]
    sort: SortField,
    /// Sort in descending order
    #[arg(long)]
    desc: bool,
}

impl Selection {
    pub fn query(&self, store: &Store, app: &Application) -> Result<UserQuery, Failure> {
        let tags: Vec<TagFilter> = self.tag.iter().map(|t| TagFilter::parse(t)).collect();
        // A key no tag can have would only ever select nobody: it is a mistake.
        let bad_keys: Vec<String> = (self.tag.iter().zip(&tags))
            .filter_map(|(term, tag)| {
                let problem = TagKey::parse(&tag.key).err()?;
                Some(format!("--tag {term:?}: {problem}"))
            })
            .collect();
        if !bad_keys.is_empty() {
            return Err(Failure {
                code: 2,
                lines: bad_keys,
            });
        }
        let scope = match (&self.group, self.scope) {
            (Some(name), _) => Scope::Group(store.group_named(app.id, name)?),
            (None, ScopeArg::All) => Scope::All,
            (None, ScopeArg::Grouped) => Scope::Grouped,
            (None, ScopeArg::Ungrouped) => Scope::Ungrouped,
        };
        Ok(UserQuery {
            scope,
            tags,
            sort: Sort {
                field: self.sort,
                descending: self.desc,
            },
            ..Default::default()
        }
        .filter(self.filter.as_deref().unwrap_or("")))
    }
}

/// Hands the query's users to `each` a page at a time, at most `limit` in all.
pub fn for_each_page(
    store: &Store,
    app: &Application,
    query: &UserQuery,
    limit: usize,
    mut each: impl FnMut(Vec<UserRow>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut done = 0;
    let mut page = Page::First(PAGE.min(limit));
    while done < limit {
        let batch = store.list_users(app.id, query, &page)?;
        let full = batch.len() == PAGE.min(limit - done);
        let next = batch.last().map(|r| r.cursor(query.sort.field));
        done += batch.len();
        each(batch)?;
        match next {
            Some(cursor) if full && done < limit => {
                page = Page::After(cursor, PAGE.min(limit - done))
            }
            _ => break,
        }
    }
    Ok(())
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

fn parse_sort(s: &str) -> Result<SortField, String> {
    SortField::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = SortField::ALL.iter().map(|f| f.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

pub(super) fn parse_tag(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("'{s}' must be KEY=VALUE"))
}

const PAGE: usize = 1000;

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
