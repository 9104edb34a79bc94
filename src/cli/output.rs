use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::Failure;
use crate::export::rfc3339;
use crate::inert::inert;
use crate::store::UserRow;

/// "user" or "users", after a count.
pub fn plural(users: u64) -> &'static str {
    if users == 1 { "user" } else { "users" }
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
