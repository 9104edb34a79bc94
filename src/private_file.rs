//! Files that hold secrets (the database with every password hash and token digest,
//! the log, exports with hashes) are the owner's alone, as ssh and PostgreSQL keep
//! theirs: folders 0700, files 0600.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Options that create a missing file readable and writable by its owner only.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(0o600);
    options
}

/// Creates (or empties) `path` for writing, owner-only even when it existed before.
pub fn create(path: &Path) -> io::Result<File> {
    let file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Creates an empty owner-only `path` unless it exists, so that what is written to it
/// later (SQLite gives its `-wal` and `-shm` files the database's mode) stays private.
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match options().write(true).create_new(true).open(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Creates `dir` and any missing parents, owner-only.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Of `paths`, the existing files other accounts may open.
pub fn exposed(paths: &[PathBuf]) -> Vec<&Path> {
    paths
        .iter()
        .map(PathBuf::as_path)
        .filter(|p| others_may_open(p))
        .collect()
}

#[cfg(unix)]
fn others_may_open(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn others_may_open(_: &Path) -> bool {
    false
}

/// A one-line warning that the database files `paths` are exposed, with the `chmod`
/// that fixes it.
pub fn warning(paths: &[&Path]) -> Option<String> {
    if paths.is_empty() {
        return None;
    }
    let quoted: Vec<String> = paths
        .iter()
        .map(|p| {
            let text = p.to_string_lossy();
            shlex::try_quote(&text).map_or_else(|_| text.to_string(), |q| q.into_owned())
        })
        .collect();
    Some(format!(
        "other accounts can read {}, which holds password hashes; fix with: chmod 600 {}",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        quoted.join(" ")
    ))
}
