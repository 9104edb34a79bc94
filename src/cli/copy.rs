//! `xusers copy --from DB --to DB`: a whole database into a new one, SQLite or
//! PostgreSQL either way, or with `--merge` into one in use; with a progress bar when
//! stderr is a terminal.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use clap::Args;
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

use super::import::ConflictArg;
use super::output::outln;
use super::{Failure, database_files};
use crate::store::{
    CopyProgress, CopyReport, Location, MergeOptions, MergeReport, OnConflict, Store, StoreError,
    Tally,
};

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy: PATH, sqlite:PATH, or a PostgreSQL connection string
    #[arg(long, value_name = "PATH|URL")]
    from: OsString,
    /// The database to copy it into (made if need be; refused unless empty, or --merge)
    #[arg(long, value_name = "PATH|URL")]
    to: OsString,
    /// Merge into a database in use: applications, groups and devices matched by name,
    /// users by email within their application (see --on-conflict), ids the target's.
    /// Users come with their password hashes, names, groups and tags; their tokens and
    /// failed logins, and the source's audit log, are not copied (merged users sign in
    /// again; the target's log records the merge)
    #[arg(long)]
    merge: bool,
    /// With --merge, a user in both: fail (the default: refuse the merge), skip (keep
    /// the target's) or update (the source's names, password hash, groups and tags win)
    #[arg(long, value_enum, requires = "merge")]
    on_conflict: Option<ConflictArg>,
}

fn location(flag: &str, text: &OsString) -> Result<Location, Failure> {
    Location::parse_os(text).map_err(|e| Failure::usage(format!("{flag}: {e}")))
}

/// What a copy or a merge did.
enum Done {
    Copied(CopyReport),
    Merged(MergeReport),
}

pub fn run(args: &CopyArgs) -> Result<(), Failure> {
    let (from, to) = (location("--from", &args.from)?, location("--to", &args.to)?);
    if same_database(&from, &to) {
        return Err(Failure::usage(format!(
            "--from and --to both name {to}: a copy goes into another database"
        )));
    }
    if let Some(path) = from.sqlite_path().filter(|path| !path.exists()) {
        return Err(Failure::runtime(format!(
            "cannot copy {from}: there is no file {}",
            path.display()
        )));
    }
    let source = Store::open(from.clone())
        .map_err(|e| Failure::runtime(format!("cannot open {from}: {e}")))?;
    // A file this copy makes goes again if the copy fails: nothing is left behind.
    let made = to.sqlite_path().filter(|path| !path.exists());
    let started = Instant::now();
    let target = Store::open(to.clone()).map_err(|e| format!("cannot open {to}: {e}"));
    // Names that differ may still reach one database (a URL and a key=value string,
    // another user, a hard link): what the databases say of themselves decides.
    if let Ok(target) = &target {
        let (a, b) = (source.identity(), target.identity());
        if matches!((&a, &b), (Ok(Some(a)), Ok(Some(b))) if a == b) {
            return Err(Failure::usage(format!(
                "--from {from} and --to {to} are one database: a copy goes into another database (nothing was changed)"
            )));
        }
    }
    let done = target.and_then(|mut target| match args.merge {
        false => showing_progress(|progress| source.copy_into(&mut target, progress))
            .map(Done::Copied)
            .map_err(|e| format!("cannot copy {from} to {to}: {e}; nothing was changed")),
        true => {
            let options = MergeOptions {
                origin: from.to_string(),
                on_conflict: args.on_conflict.map_or(OnConflict::Fail, Into::into),
            };
            showing_progress(|progress| source.merge_into(&mut target, &options, progress))
                .map(Done::Merged)
                .map_err(|e| format!("cannot merge {from} into {to}: {e}; nothing was changed"))
        }
    });
    let done = match done {
        Ok(done) => done,
        Err(message) => {
            if let Some(path) = made {
                remove_database(path);
            }
            return Err(Failure::runtime(message));
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match done {
        Done::Copied(report) => copied(&report, &from, &to, seconds),
        Done::Merged(report) => merged(&report, &from, &to, seconds),
    }
}

/// `n` things, named one or many.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", HumanCount(n), if n == 1 { one } else { many })
}

fn copied(
    report: &CopyReport,
    from: &Location,
    to: &Location,
    seconds: f64,
) -> Result<(), Failure> {
    tracing::info!(from = %from, to = %to, "copy the database");
    let n = |table: &str, one: &str, many: &str| count(report.rows(table), one, many);
    outln!(
        "Copied {}, {}, {}, {}, {} and {} from {from} to {to} in {seconds:.1} s.",
        n("users", "user", "users"),
        n("groups", "group", "groups"),
        n("devices", "device", "devices"),
        n("applications", "application", "applications"),
        n("tokens", "token", "tokens"),
        n("audit", "audit entry", "audit entries"),
    )
}

fn merged(
    report: &MergeReport,
    from: &Location,
    to: &Location,
    seconds: f64,
) -> Result<(), Failure> {
    let users = report.users;
    tracing::info!(
        from = %from,
        to = %to,
        added = users.added,
        updated = users.updated,
        skipped = users.kept,
        "merge the database"
    );
    let tally = |t: Tally, one: &str, many: &str, updated: &str| {
        let mut parts = vec![format!("{} added", count(t.added, one, many))];
        if t.updated > 0 {
            parts.push(format!("{} {updated}", HumanCount(t.updated)));
        }
        parts.push(format!("{} already there", HumanCount(t.kept)));
        parts.join(", ")
    };
    outln!(
        "Merged {from} into {to} in {seconds:.1} s: {} added, {} updated, {} skipped; {}; {}; {}.",
        count(users.added, "user", "users"),
        HumanCount(users.updated),
        HumanCount(users.kept),
        tally(report.groups, "group", "groups", "changed"),
        tally(report.devices, "device", "devices", "tied to more groups"),
        tally(
            report.applications,
            "application",
            "applications",
            "changed"
        ),
    )
}

/// Whether both name one database (a copy onto itself would wait for its own locks on
/// PostgreSQL): one file, or one database on the same servers, whoever connects.
fn same_database(from: &Location, to: &Location) -> bool {
    match (from, to) {
        (Location::Sqlite(a), Location::Sqlite(b)) => {
            matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        (Location::Postgres(a), Location::Postgres(b)) => {
            let dbname = |c: &postgres::Config| c.get_dbname().or(c.get_user()).map(str::to_owned);
            a.get_hosts() == b.get_hosts()
                && a.get_ports() == b.get_ports()
                && dbname(a) == dbname(b)
        }
        _ => false,
    }
}

/// Runs a copy or merge, showing its progress on stderr when that is a terminal.
fn showing_progress<T>(
    run: impl FnOnce(&mut dyn FnMut(CopyProgress)) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let bar = match std::io::stderr().is_terminal() {
        true => ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {elapsed}  {msg}")
                .expect("a valid template"),
        ),
        false => ProgressBar::hidden(),
    };
    let mut step = "";
    let done = run(&mut |progress| {
        if progress.step != step {
            step = progress.step;
            bar.set_length(progress.total);
            bar.set_message(step);
        }
        bar.set_position(progress.done);
    });
    bar.finish_and_clear();
    done
}

/// Removes a SQLite database file and the companions SQLite kept beside it.
fn remove_database(path: &Path) {
    for file in database_files(path) {
        let _ = std::fs::remove_file(file);
    }
}
