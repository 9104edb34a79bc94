//! `xusers copy --from DB --to DB`: a whole database into a new one, SQLite or
//! PostgreSQL either way, with a progress bar when stderr is a terminal.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use clap::Args;
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

use super::output::outln;
use super::{Failure, database_files};
use crate::store::{CopyReport, Location, Store};

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy: PATH, sqlite:PATH, or a PostgreSQL connection string
    #[arg(long, value_name = "PATH|URL")]
    from: OsString,
    /// The new database to copy it into (made if need be; refused unless empty)
    #[arg(long, value_name = "PATH|URL")]
    to: OsString,
    /// Copy into a database that holds users already (not available yet)
    #[arg(long)]
    merge: bool,
}

fn location(flag: &str, text: &OsString) -> Result<Location, Failure> {
    Location::parse_os(text).map_err(|e| Failure::usage(format!("{flag}: {e}")))
}

pub fn run(args: &CopyArgs) -> Result<(), Failure> {
    let (from, to) = (location("--from", &args.from)?, location("--to", &args.to)?);
    if args.merge {
        return Err(Failure::runtime(
            "--merge is not available yet: copy into a new database (nothing was changed)",
        ));
    }
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
    let copied = Store::open(to.clone())
        .map_err(|e| format!("cannot open {to}: {e}"))
        .and_then(|mut target| {
            copy_showing_progress(&source, &mut target)
                .map_err(|e| format!("cannot copy {from} to {to}: {e}; nothing was changed"))
        });
    let report = match copied {
        Ok(report) => report,
        Err(message) => {
            if let Some(path) = made {
                remove_database(path);
            }
            return Err(Failure::runtime(message));
        }
    };
    tracing::info!(from = %from, to = %to, "copy the database");
    let n = |table: &str, one: &str, many: &str| {
        let rows = report.rows(table);
        format!(
            "{} {}",
            HumanCount(rows),
            if rows == 1 { one } else { many }
        )
    };
    outln!(
        "Copied {}, {}, {}, {}, {} and {} from {from} to {to} in {:.1} s.",
        n("users", "user", "users"),
        n("groups", "group", "groups"),
        n("devices", "device", "devices"),
        n("applications", "application", "applications"),
        n("tokens", "token", "tokens"),
        n("audit", "audit entry", "audit entries"),
        started.elapsed().as_secs_f64()
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

fn copy_showing_progress(
    source: &Store,
    target: &mut Store,
) -> Result<CopyReport, crate::store::StoreError> {
    let bar = match std::io::stderr().is_terminal() {
        true => ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {elapsed}  {msg}")
                .expect("a valid template"),
        ),
        false => ProgressBar::hidden(),
    };
    let mut step = "";
    let report = source.copy_into(target, &mut |progress| {
        if progress.step != step {
            step = progress.step;
            bar.set_length(progress.total);
            bar.set_message(step);
        }
        bar.set_position(progress.done);
    });
    bar.finish_and_clear();
    report
}

/// Removes a SQLite database file and the companions SQLite kept beside it.
fn remove_database(path: &Path) {
    for file in database_files(path) {
        let _ = std::fs::remove_file(file);
    }
}
