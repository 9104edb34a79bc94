//! `users export`: every selected user as CSV or as a JSON document (written by
//! `crate::export`), with a progress bar.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use super::Failure;
use super::output::Destination;
use super::selection::Selection;
use crate::export::{ExportError, ExportOptions, FileFormat, write_users};
use crate::private_file;
use crate::store::{Application, Store};

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
    let options = ExportOptions {
        format: args
            .format
            .or_else(|| args.output.as_deref().and_then(FileFormat::of))
            .unwrap_or(FileFormat::Csv),
        sort: query.sort,
        with_password_hashes: args.with_password_hashes,
    };
    let bar = indicatif::ProgressBar::new(store.count_users(app.id, &query)?);
    let selection = crate::store::Selection::of_query(query);
    write_users(
        store,
        app,
        &selection,
        options,
        BufWriter::new(out),
        &mut |written| bar.set_position(written),
    )
    .map_err(|e| match e {
        ExportError::Store(e) => e.into(),
        ExportError::Write(e) => destination.failure(e),
        csv @ ExportError::Csv(_) => Failure::runtime(csv.to_string()),
    })?;
    bar.finish_and_clear();
    Ok(())
}
