//! The log file, `xusers.log`: every change to the database and every error, with the
//! application and what it concerned; never a password, token or hash. It never goes
//! to the screen, and it is the owner's alone (0600).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing::level_filters::LevelFilter;

use crate::private_file;

pub const FILE_NAME: &str = "xusers.log";

/// Past this size the log moves aside to `xusers.log.1` (older ones to `.2`, `.3`).
const MAX_BYTES: usize = 10 * 1024 * 1024;

/// How many moved-aside logs are kept.
const KEPT: usize = 3;

/// Sends this process's log to `xusers.log` in `dir` (created owner-only if missing),
/// from `level` up. Returns the file's path.
pub fn start(dir: &Path, level: LevelFilter) -> io::Result<PathBuf> {
    private_file::create_dir_all(dir)?;
    let path = dir.join(FILE_NAME);
    let mut options = private_file::options();
    options.read(true).create(true).append(true);
    // Opened here first to report a failure: the rotating writer would lose lines
    // without a word.
    options.open(&path)?;
    let file = FileRotate::new(
        &path,
        AppendCount::new(KEPT),
        ContentLimit::BytesSurpassed(MAX_BYTES),
        Compression::None,
        Some(options),
    );
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_max_level(level)
        .with_target(false)
        .try_init()
        .map_err(io::Error::other)?;
    Ok(path)
}
