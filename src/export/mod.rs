//! Writing users as CSV or as the JSON export document, a page at a time so that a
//! million users never sit in memory: `users export` and the console's export of
//! marked users share it.

pub mod csv_cell;
mod user_json;

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::store::{Application, Selection, Sort, Store, StoreError, UserId};
pub use user_json::{UserJson, rfc3339, users_json};

/// The formats users are exported and imported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    Csv,
    Json,
}

impl FileFormat {
    /// The format a file's extension names, if it names one.
    pub fn of(path: &Path) -> Option<FileFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            _ => None,
        }
    }
}

/// The version of the JSON export document (import reads it and every older one).
pub const DOCUMENT_VERSION: u64 = 1;

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

/// What to write, and how.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    pub format: FileFormat,
    pub sort: Sort,
    /// Each user's stored password hash too (for moving users elsewhere).
    pub with_password_hashes: bool,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Writing to the destination failed.
    #[error("{0}")]
    Write(#[from] io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(String),
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> ExportError {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(e) => ExportError::Write(e),
            _ => ExportError::Csv(message),
        }
    }
}

#[derive(Serialize)]
struct ExportedUser {
    #[serde(flatten)]
    user: UserJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    password_hash: Option<String>,
}

/// Where rows go: a CSV writer, or the JSON document being written.
enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json { out: W, first: bool },
}

/// Writes the selection's users to `out` (flushed at the end); `progress` hears how
/// many are written after each page. Returns how many users were written.
pub fn write_users<W: Write>(
    store: &Store,
    app: &Application,
    selection: &Selection,
    options: ExportOptions,
    mut out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let with_hashes = options.with_password_hashes;
    let mut sink = match options.format {
        FileFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            let mut header = CSV_COLUMNS.to_vec();
            if with_hashes {
                header.push("password_hash");
            }
            writer.write_record(&header)?;
            Sink::Csv(Box::new(writer))
        }
        FileFormat::Json => {
            let name = serde_json::to_string(&app.name).expect("a string serialises");
            write!(
                out,
                "{{\"format\":\"xusers-users\",\"version\":{DOCUMENT_VERSION},\"application\":{name},\"users\":["
            )?;
            Sink::Json { out, first: true }
        }
    };
    let mut written = 0;
    store.for_each_selected(app.id, selection, options.sort, usize::MAX, |rows| {
        let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
        let mut hashes = if with_hashes {
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
                Sink::Csv(writer) => write_csv_row(writer, &user, with_hashes)?,
                Sink::Json { out, first } => {
                    let separator: &[u8] = if *first { b"\n" } else { b",\n" };
                    *first = false;
                    out.write_all(separator)?;
                    serde_json::to_writer(&mut *out, &user).map_err(io::Error::from)?;
                }
            }
        }
        written += ids.len() as u64;
        progress(written);
        Ok::<_, ExportError>(())
    })?;
    match sink {
        Sink::Csv(mut writer) => writer.flush()?,
        Sink::Json { mut out, .. } => {
            out.write_all(b"\n]}\n")?;
            out.flush()?;
        }
    }
    Ok(written)
}

fn write_csv_row<W: Write>(
    writer: &mut csv::Writer<W>,
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
