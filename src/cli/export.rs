//! `users export`: every selected user as CSV or as a JSON document, streamed a page
//! at a time so that a million users never sit in memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::output::{Destination, FileFormat, UserJson, users_json};
use super::selection::{Selection, for_each_page};
use super::{Failure, csv_cell};
use crate::private_file;
use crate::store::{Application, Store, UserId};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    selection: Selection,
    /// The document's format [default: from the output file's extension, else csv]
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Write here instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Include each user's argon2id password hash (for moving users elsewhere)
    #[arg(long)]
    with_password_hashes: bool,
}

/// The version of the JSON export document (import reads it and every older one).
pub(super) const DOCUMENT_VERSION: u64 = 1;

/// The CSV columns; groups and tags are JSON inside their cells (names and values may
/// hold any character).
const CSV_COLUMNS: [&str; 7] = [
    "email",
    "first_name",
    "last_name",
    "groups",
    "tags",
    "created",
    "last_login",
];

#[derive(Serialize)]
struct ExportedUser {
    #[serde(flatten)]
    user: UserJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
}

/// Where rows go: a CSV writer, or the JSON document being written.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<Box<dyn Write>>>>),
    Json {
        out: BufWriter<Box<dyn Write>>,
        first: bool,
    },
}

pub fn export(store: &Store, app: &Application, args: ExportArgs) -> Result<(), Failure> {
    let query = args.selection.query(store, app)?;
    let destination = match &args.output {
        Some(path) => Destination::File(path),
        None => Destination::Stdout,
    };
    let failed = |e: io::Error| destination.failure(e);
    let out: Box<dyn Write> = match &args.output {
        Some(path) if args.with_password_hashes => {
            Box::new(private_file::create(path).map_err(failed)?)
        }
        Some(path) => Box::new(File::create(path).map_err(failed)?),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(FileFormat::of))
        .unwrap_or(FileFormat::Csv);
    let mut sink = match format {
        FileFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            let mut header = CSV_COLUMNS.to_vec();
            if args.with_password_hashes {
                header.push("password_hash");
            }
            writer
                .write_record(&header)
                .map_err(|e| csv_failure(e, destination))?;
            Sink::Csv(Box::new(writer))
        }
        FileFormat::Json => {
            let name = serde_json::to_string(&app.name).expect("a string serialises");
            write!(
                out,
                "{{\"format\":\"xusers-users\",\"version\":{DOCUMENT_VERSION},\"application\":{name},\"users\":["
            )
            .map_err(failed)?;
            Sink::Json { out, first: true }
        }
    };
    let bar = indicatif::ProgressBar::new(store.count_users(app.id, &query)?);
    for_each_page(store, app, &query, usize::MAX, |rows| {
        let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
        let mut hashes = if args.with_password_hashes {
            store.password_hashes_of(&ids)?
        } else {
            Default::default()
        };
        for (id, user) in ids.iter().zip(users_json(store, rows)?) {
            let user = ExportedUser {
                password_hash: hashes.remove(id),
                user,
            };
            match &mut sink {
                Sink::Csv(writer) => write_csv_row(writer, &user, args.with_password_hashes)
                    .map_err(|e| csv_failure(e, destination))?,
                Sink::Json { out, first } => {
                    let separator: &[u8] = if *first { b"\n" } else { b",\n" };
                    *first = false;
                    out.write_all(separator)
                        .and_then(|()| Ok(serde_json::to_writer(&mut *out, &user)?))
                        .map_err(failed)?;
                }
            }
            bar.inc(1);
        }
        Ok(())
    })?;
    match sink {
        Sink::Csv(mut writer) => writer.flush().map_err(failed)?,
        Sink::Json { mut out, .. } => out
            .write_all(b"\n]}\n")
            .and_then(|()| out.flush())
            .map_err(failed)?,
    }
    bar.finish_and_clear();
    Ok(())
}

fn write_csv_row(
    writer: &mut csv::Writer<BufWriter<Box<dyn Write>>>,
    user: &ExportedUser,
    with_hash: bool,
) -> csv::Result<()> {
    let u = &user.user;
    let mut record = vec![
        u.email.clone(),
        u.first_name.clone().unwrap_or_default(),
        u.last_name.clone().unwrap_or_default(),
        json_cell(&u.groups),
        json_cell(&u.tags),
        u.created.clone(),
        u.last_login.clone().unwrap_or_default(),
    ];
    if with_hash {
        record.push(user.password_hash.clone().unwrap_or_default());
    }
    writer.write_record(record.iter().map(|cell| csv_cell::escape(cell)))
}

fn json_cell(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

fn csv_failure(e: csv::Error, destination: Destination) -> Failure {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => destination.failure(e),
        _ => Failure::runtime(format!("cannot write CSV: {message}")),
    }
}
