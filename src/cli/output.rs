use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use unicode_width::UnicodeWidthStr;

use super::Failure;
use crate::inert::inert;
use crate::store::{Store, User, UserId, UserRow};

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

/// A user as the JSON output shows it (a stable shape scripts rely on).
#[derive(Debug, Serialize)]
pub struct UserJson {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub created: String,
    pub last_login: Option<String>,
}

impl UserJson {
    pub fn from_row(row: UserRow, tags: BTreeMap<String, String>) -> UserJson {
        UserJson {
            email: row.email,
            first_name: Some(row.first_name).filter(|s| !s.is_empty()),
            last_name: Some(row.last_name).filter(|s| !s.is_empty()),
            groups: row.groups,
            tags,
            created: rfc3339(row.created_at),
            last_login: row.last_login.map(rfc3339),
        }
    }

    pub fn from_user(user: User) -> UserJson {
        UserJson {
            email: user.email,
            first_name: user.first_name,
            last_name: user.last_name,
            groups: user.groups,
            tags: user.tags,
            created: rfc3339(user.created_at),
            last_login: user.last_login.map(rfc3339),
        }
    }
}

/// A page of list rows as user objects, with their tags read in one query.
pub fn users_json(store: &Store, rows: Vec<UserRow>) -> Result<Vec<UserJson>, Failure> {
    let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
    let mut tags = store.tags_of(&ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let t = tags.remove(&row.id).unwrap_or_default();
            UserJson::from_row(row, t)
        })
        .collect())
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Where a command writes, to name it when a write fails.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    Stdout,
    File(&'a Path),
}

impl Destination<'_> {
    /// A failed write, in one line. A reader that closed its end of the pipe
    /// (`xusers users list | head`) wants no more: that ends quietly, as `git log | head`
    /// does.
    pub fn failure(self, e: io::Error) -> Failure {
        match (self, e.kind()) {
            (Destination::Stdout, io::ErrorKind::BrokenPipe) => Failure::closed_pipe(),
            (Destination::Stdout, _) => {
                Failure::runtime(format!("cannot write to standard output: {e}"))
            }
            (Destination::File(path), _) => {
                Failure::runtime(format!("cannot write {}: {e}", path.display()))
            }
        }
    }
}

/// Runs `write` on buffered standard output and flushes it: a failed write is a
/// [`Failure`], never a panic (as `println!` would make it).
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let mut out = BufWriter::new(io::stdout().lock());
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Destination::Stdout.failure(e))
}

/// `println!` that returns a [`Failure`] instead of panicking when the write fails.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::to_stdout(|out| {
            std::io::Write::write_fmt(out, format_args!("{}\n", format_args!($($arg)*)))
        })
    };
}
pub(crate) use outln;

/// `eprintln!` that never panics: a closed or full stderr only loses the message.
macro_rules! errln {
    ($($arg:tt)*) => {{
        let line = format_args!("{}\n", format_args!($($arg)*));
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), line);
    }};
}
pub(crate) use errln;

pub fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    to_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        writeln!(out)
    })
}

/// The users as an aligned table; stored text is shown inert.
pub fn print_users_table(rows: &[UserRow]) -> Result<(), Failure> {
    let cells = rows
        .iter()
        .map(|r| {
            vec![
                inert(&r.email).into_owned(),
                inert(&r.first_name).into_owned(),
                inert(&r.last_name).into_owned(),
                inert(&r.groups.join(", ")).into_owned(),
                r.tag_count.to_string(),
                r.last_login.map(rfc3339).unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    print_table(
        &["EMAIL", "FIRST", "LAST", "GROUPS", "TAGS", "LAST LOGIN"],
        cells,
    )
}

/// Aligned columns, measured in display width (callers make stored text inert).
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) -> Result<(), Failure> {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    to_stdout(|out| {
        for row in std::iter::once(&header).chain(&rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.width())))
                .collect();
            writeln!(out, "{}", line.join("  ").trim_end())?;
        }
        Ok(())
    })
}
