//! The command line: the console by default, and headless subcommands that call the
//! same store functions.

mod admin;
mod audit;
mod bulk;
mod copy;
mod export;
mod import;
mod output;
mod paths;
mod selection;
mod user_edit;
mod users;

pub use output::to_stdout;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::HumanCount;
use tracing::level_filters::LevelFilter;

use crate::demo::{DEFAULT_DEMO_USERS, seed_demo};
use crate::domain::PasswordInput;
use crate::private_file;
use crate::store::{
    Actor, Application, BulkAction, DEFAULT_APP, Location, ReadOnly, Selection, Source, Store,
    StoreError,
};
use output::{errln, outln};

#[derive(Debug, Parser)]
#[command(
    name = "xusers",
    version,
    about = "Manage an application's Experience Users"
)]
pub struct Cli {
    /// The database: a SQLite file (PATH or sqlite:PATH), or a PostgreSQL database
    /// (postgres://USER@HOST/DBNAME, or host=… dbname=… user=…) [default: the platform
    /// data directory's xusers.db]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "XUSERS_DB",
        value_name = "PATH|URL"
    )]
    // Parsed here, not by clap, whose error would quote it, password and all.
    db: Option<std::ffi::OsString>,
    /// The application whose users to manage
    #[arg(long, global = true, help_heading = "Global options", default_value = DEFAULT_APP, value_name = "NAME")]
    app: String,
    /// Open the console on the demo database (created and seeded on first use)
    #[arg(long, conflicts_with = "db")]
    demo: bool,
    /// Look without risk: every change is refused
    #[arg(long, global = true, help_heading = "Global options")]
    read_only: bool,
    /// Who the audit log names for the changes made, given before the command [default: the
    /// OS user, user@host]
    #[arg(long, env = "XUSERS_ACTOR", value_name = "NAME")]
    actor: Option<String>,
    /// What goes to the log file (xusers.log): every change and error at `info`
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "XUSERS_LOG",
        value_enum,
        default_value = "info",
        value_name = "LEVEL"
    )]
    log_level: LogLevel,
    /// The folder that holds xusers.log [default: the platform data directory]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "XUSERS_LOG_DIR",
        value_name = "DIR"
    )]
    log_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill the database with a realistic demo application
    Demo {
        /// How many users to create
        #[arg(long, default_value_t = DEFAULT_DEMO_USERS)]
        users: u64,
    },
    /// List and add users
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Log a user in and print a new access token
    Login {
        /// The user's email
        #[arg(long)]
        email: String,
        /// Read the password from standard input (one trailing newline is dropped)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print the user an access token belongs to, as JSON
    Whoami { token: String },
    /// End sessions
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Manage the group tree
    #[command(subcommand)]
    Groups(admin::GroupsCommand),
    /// Manage devices and the groups they are tied to
    #[command(subcommand)]
    Devices(admin::DevicesCommand),
    /// Manage applications (they ignore --app)
    #[command(subcommand)]
    Apps(admin::AppsCommand),
    /// Read, export, verify and prune the audit log of every change (all applications)
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Copy a whole database into a new one, or merge it into one in use (--merge):
    /// SQLite or PostgreSQL, either way (ignores --db and --app)
    Copy(copy::CopyArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Make existing access tokens stop working
    Invalidate(InvalidateArgs),
}

#[derive(Debug, Args)]
struct InvalidateArgs {
    /// Every user of the application (one write at any size)
    #[arg(long, conflicts_with = "email")]
    all: bool,
    /// One user
    #[arg(long)]
    email: Option<String>,
    /// Or the users these options select (one audit entry each)
    #[command(flatten)]
    chosen: bulk::Chosen,
    /// The same as --has-tag
    #[arg(long, value_name = "KEY[=VALUE]")]
    tag: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> LevelFilter {
        match level {
            LogLevel::Off => LevelFilter::OFF,
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
}

/// A failure to report: a message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub lines: Vec<String>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            lines: vec![message.into()],
        }
    }

    pub fn runtime(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            lines: vec![message.into()],
        }
    }

    /// Standard output's reader went away: nothing to say, and the status a shell
    /// shows for a command that SIGPIPE ended (128 + 13).
    pub fn closed_pipe() -> Failure {
        Failure {
            code: 141,
            lines: Vec::new(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Invalid(errors) => Failure {
                code: 2,
                lines: errors.iter().map(ToString::to_string).collect(),
            },
            other => Failure::runtime(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::runtime(e.to_string())
    }
}

/// Runs the command; a failure is logged (with the application and `command`, its
/// name) before it is reported.
pub fn run(cli: Cli, command: &str) -> Result<(), Failure> {
    let app = cli.app.clone();
    let result = execute(cli);
    if let Err(failure) = &result {
        for line in &failure.lines {
            tracing::error!(app, command, "{line}");
        }
    }
    result
}

fn execute(cli: Cli) -> Result<(), Failure> {
    if let Some(Command::Completions { shell }) = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        // Written by us: clap_complete panics when its own write fails.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "xusers", &mut script);
        return output::to_stdout(|out| out.write_all(&script));
    }
    start_log(cli.log_dir.as_deref(), cli.log_level);
    if let Some(Command::Copy(args)) = &cli.command {
        if cli.read_only {
            return Err(Failure::usage(
                "--read-only: a copy writes its target (--to); leave --read-only out",
            ));
        }
        return copy::run(args);
    }
    let location = if cli.demo {
        Location::Sqlite(paths::data_file("demo.db")?)
    } else {
        match &cli.db {
            Some(text) => {
                Location::parse_os(text).map_err(|e| Failure::usage(format!("--db: {e}")))?
            }
            None => Location::Sqlite(paths::data_file("xusers.db")?),
        }
    };
    // The SQLite file, if the data is in one (not on PostgreSQL).
    let db = location.sqlite_path().map(std::path::Path::to_path_buf);
    let missing_file = db.as_ref().is_some_and(|db| !db.exists());
    let source = match cli.command {
        None => Source::Console,
        Some(_) => Source::Cli,
    };
    let actor = match &cli.actor {
        Some(name) => {
            Actor::named(name, source).map_err(|e| Failure::usage(format!("--actor: {e}")))?
        }
        None => Actor::local(source),
    };
    let fresh_demo = cli.demo && missing_file;
    // Only seeding demo data creates the application it names; everything else (the
    // console before it takes the terminal) refuses an unknown one, so that a typo
    // never creates an application (`default` always exists; `apps add` adds others).
    let creates = fresh_demo || matches!(cli.command, Some(Command::Demo { .. }));
    // A database not made yet knows only `default`: a typo is refused before the file is.
    let adds_apps = matches!(cli.command, Some(Command::Apps(_)));
    if missing_file && !creates && !adds_apps && cli.app != DEFAULT_APP {
        return Err(StoreError::UnknownApplication {
            name: cli.app,
            known: vec![DEFAULT_APP.to_string()],
        }
        .into());
    }
    // Checked before opening: SQLite makes new companions with the database's mode.
    let files = db.as_deref().map(database_files).unwrap_or_default();
    if let Some(warning) = private_file::warning(&private_file::exposed(&files)) {
        errln!("warning: {warning}");
    }
    let opened = if cli.read_only {
        Store::open_read_only(location.clone())
    } else {
        Store::open(location.clone())
    };
    let mut store = opened.map_err(|e| Failure::runtime(format!("cannot open {location}: {e}")))?;
    store.set_actor(actor);
    if let Some(why) = store.read_only().filter(|why| *why != ReadOnly::Asked) {
        errln!("note: {why}: {location} is opened read-only");
    }
    match cli.command {
        Some(Command::Apps(cmd)) => return admin::apps(&mut store, cmd),
        Some(Command::Audit(cmd)) => return audit::run(&mut store, cmd),
        _ => {}
    }
    let app = if creates && !store.is_read_only() {
        store.application(&cli.app)?
    } else {
        store.existing_application(&cli.app)?
    };
    if fresh_demo {
        seed_demo(
            &mut store,
            app.id,
            DEFAULT_DEMO_USERS,
            crate::store::unix_now(),
            |_| (),
        )?;
    }
    match cli.command {
        None => {
            if !std::io::stdout().is_terminal() {
                return Err(Failure::runtime(
                    "the console needs a terminal; see `xusers --help` for commands",
                ));
            }
            // Named as messages name it: never with a connection string's password.
            crate::tui::run(store, app, location.to_string())
                .map_err(|e| Failure::runtime(e.to_string()))
        }
        Some(Command::Demo { users }) => {
            let bar = indicatif::ProgressBar::new(users).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} users  {elapsed} {msg}",
                )
                .expect("a valid template"),
            );
            let n = seed_demo(
                &mut store,
                app.id,
                users,
                crate::store::unix_now(),
                |done| {
                    bar.set_position(done);
                    if done == users {
                        bar.set_message("building indexes and the search index…");
                    }
                },
            )?;
            bar.finish_and_clear();
            outln!(
                "Added {n} demo users to '{}' in {}; every password is '{}'.",
                app.name,
                location,
                crate::demo::DEMO_PASSWORD
            )
        }
        Some(Command::Users(cmd)) => users::run(&mut store, &app, cmd),
        Some(Command::Login { email, .. }) => {
            let password = read_password()?;
            let token = store.login(app.id, &email, password.as_str())?;
            outln!("{token}")
        }
        Some(Command::Whoami { token }) => {
            let id = store.authenticate(app.id, &token)?;
            // A user deleted since the token was checked has no valid token either.
            let user = store.user(id).map_err(|e| match e {
                StoreError::UserGone(_) => StoreError::InvalidToken,
                other => other,
            })?;
            output::print_json(&crate::export::UserJson::from_user(user))
        }
        Some(Command::Completions { .. }) => unreachable!("answered before the database opens"),
        Some(Command::Copy(_)) => unreachable!("answered before the database opens"),
        Some(Command::Apps(_) | Command::Audit(_)) => {
            unreachable!("answered before an application is chosen")
        }
        Some(Command::Groups(cmd)) => admin::groups(&mut store, &app, cmd),
        Some(Command::Devices(cmd)) => admin::devices(&mut store, &app, cmd),
        Some(Command::Tokens(TokensCommand::Invalidate(args))) => {
            invalidate(&mut store, &app, args)
        }
    }
}

fn invalidate(store: &mut Store, app: &Application, args: InvalidateArgs) -> Result<(), Failure> {
    let selection = args.chosen.selection(store, app, &args.tag)?;
    match (selection, args.email, args.all) {
        (Some(selection), None, false) => bulk::run(
            store,
            app,
            &selection,
            &BulkAction::InvalidateTokens,
            &args.chosen,
            bulk::Verb::InvalidateTokens,
        ),
        (Some(_), _, _) => Err(Failure::usage(
            "say whose tokens once: --all, --email, or a selection (--scope, --group, \
             --has-tag, --filter)",
        )),
        // A dry run of --email or --all: what the same users selected would show.
        (None, email, all) if args.chosen.dry_run && (email.is_some() || all) => {
            let selection = match email {
                Some(email) => Selection::of_ids([store.find_user(app.id, &email)?]),
                None => Selection::of_query(Default::default()),
            };
            bulk::run(
                store,
                app,
                &selection,
                &BulkAction::InvalidateTokens,
                &args.chosen,
                bulk::Verb::InvalidateTokens,
            )
        }
        (None, Some(email), _) => {
            let id = store.find_user(app.id, &email)?;
            let email = crate::inert::inert(&email);
            let question = format!("End every session of {email}?");
            if !args.chosen.yes && !bulk::confirmed(&question)? {
                return Err(Failure::runtime("nothing was changed"));
            }
            let n = store.invalidate_user_tokens(id)? as u64;
            let tokens = if n == 1 { "token" } else { "tokens" };
            outln!("Invalidated {} {tokens} of {email}.", HumanCount(n))
        }
        (None, None, true) => {
            let users = store.scope_counts(app.id)?.all;
            let name = crate::inert::inert(&app.name);
            let question = format!(
                "Void every token of the {} {} of '{name}'?",
                HumanCount(users),
                output::plural(users)
            );
            if !args.chosen.yes && !bulk::confirmed(&question)? {
                return Err(Failure::runtime("nothing was changed"));
            }
            let n = store.invalidate_all_tokens(app.id)? as u64;
            outln!(
                "Every token of the {} {} of '{name}' is void: they log in again.",
                HumanCount(n),
                output::plural(n)
            )
        }
        (None, None, false) => Err(Failure::usage(
            "say whose tokens: --all, --email EMAIL, or a selection (--scope, --group, \
             --has-tag, --filter)",
        )),
    }
}

/// Starts the log in `dir` (else the data directory); a log that cannot be written
/// gets a note and the command goes on without it.
fn start_log(dir: Option<&std::path::Path>, level: LogLevel) {
    if matches!(level, LogLevel::Off) {
        return;
    }
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => match paths::data_dir() {
            Ok(dir) => dir,
            Err(failure) => {
                let why = failure.lines.join("; ");
                return errln!("note: no log file ({why}); pass --log-dir DIR");
            }
        },
    };
    if let Err(e) = crate::log::start(&dir, level.into()) {
        let file = dir.join(crate::log::FILE_NAME);
        errln!("note: no log file: cannot write {}: {e}", file.display());
    }
}

/// The database file and the companions SQLite keeps beside it.
fn database_files(db: &std::path::Path) -> Vec<PathBuf> {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        files.push(name.into());
    }
    files
}

/// The password given on standard input, without its one trailing line ending.
pub(crate) fn read_password() -> Result<PasswordInput, Failure> {
    let mut input = String::new();
    let read = std::io::stdin().read_to_string(&mut input);
    // The buffer becomes the password itself, wiped when dropped, even on error.
    let mut password = PasswordInput::from(input);
    read.map_err(|e| Failure::usage(format!("cannot read the password from stdin: {e}")))?;
    let text = password.as_str();
    let text = match text.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => text,
    };
    if text.len() != password.as_str().len() {
        password = PasswordInput::from(text);
    }
    Ok(password)
}
