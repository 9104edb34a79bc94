//! The command line: the console by default, and headless subcommands that call the
//! same store functions.

mod admin;
mod csv_cell;
mod export;
mod import;
mod output;
mod paths;
mod user_edit;
mod users;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::demo::{DEFAULT_DEMO_USERS, seed_demo};
use crate::domain::PasswordInput;
use crate::store::{DEFAULT_APP, ReadOnly, Store, StoreError};

#[derive(Debug, Parser)]
#[command(
    name = "xusers",
    version,
    about = "Manage an application's Experience Users"
)]
pub struct Cli {
    /// The database file [default: the platform data directory's xusers.db]
    #[arg(long, global = true, env = "XUSERS_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// The application whose users to manage
    #[arg(long, global = true, default_value = DEFAULT_APP, value_name = "NAME")]
    app: String,
    /// Open the console on the demo database (created and seeded on first use)
    #[arg(long, conflicts_with = "db")]
    demo: bool,
    /// Look without risk: every change is refused
    #[arg(long, global = true)]
    read_only: bool,
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
#[group(required = true, multiple = false)]
struct InvalidateArgs {
    /// Every user of the application
    #[arg(long)]
    all: bool,
    /// One user
    #[arg(long)]
    email: Option<String>,
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

pub fn run(cli: Cli) -> Result<(), Failure> {
    if let Some(Command::Completions { shell }) = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "xusers", &mut std::io::stdout());
        return Ok(());
    }
    let db = if cli.demo {
        paths::data_file("demo.db")?
    } else {
        match cli.db {
            Some(path) => path,
            None => paths::data_file("xusers.db")?,
        }
    };
    let fresh_demo = cli.demo && !db.exists();
    let opened = if cli.read_only {
        Store::open_read_only(&db)
    } else {
        Store::open(&db)
    };
    let mut store =
        opened.map_err(|e| Failure::runtime(format!("cannot open {}: {e}", db.display())))?;
    if let Some(why) = store.read_only().filter(|why| *why != ReadOnly::Asked) {
        eprintln!("note: {why}: {} is opened read-only", db.display());
    }
    if let Some(Command::Apps(cmd)) = cli.command {
        return admin::apps(&mut store, cmd);
    }
    // Only seeding demo data creates the application it names; everything else (the
    // console before it takes the terminal) refuses an unknown one, so that a typo
    // never creates an application (`default` always exists; `apps add` adds others).
    let creates = fresh_demo || matches!(cli.command, Some(Command::Demo { .. }));
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
            crate::tui::run(store, app, db).map_err(|e| Failure::runtime(e.to_string()))
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
            println!(
                "Added {n} demo users to '{}' in {}; every password is '{}'.",
                app.name,
                db.display(),
                crate::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Some(Command::Users(cmd)) => users::run(&mut store, &app, cmd),
        Some(Command::Login { email, .. }) => {
            let password = read_password()?;
            let token = store.login(app.id, &email, password.as_str())?;
            println!("{token}");
            Ok(())
        }
        Some(Command::Whoami { token }) => {
            let id = store.authenticate(app.id, &token)?;
            output::print_json(&output::UserJson::from_user(store.user(id)?))
        }
        Some(Command::Completions { .. }) => unreachable!("answered before the database opens"),
        Some(Command::Apps(_)) => unreachable!("answered before an application is chosen"),
        Some(Command::Groups(cmd)) => admin::groups(&mut store, &app, cmd),
        Some(Command::Devices(cmd)) => admin::devices(&mut store, &app, cmd),
        Some(Command::Tokens(TokensCommand::Invalidate(args))) => {
            match args.email {
                Some(email) => {
                    let id = store.find_user(app.id, &email)?;
                    let n = store.invalidate_user_tokens(id)?;
                    println!("Invalidated {n} token(s) of {email}.");
                }
                None => {
                    let n = store.invalidate_all_tokens(app.id)?;
                    println!(
                        "Invalidated every token of the {n} user(s) of '{}'.",
                        app.name
                    );
                }
            }
            Ok(())
        }
    }
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
