use std::path::PathBuf;

use directories::ProjectDirs;

use super::Failure;

/// `name` inside the platform's data directory for xusers, creating the folders.
pub fn data_file(name: &str) -> Result<PathBuf, Failure> {
    Ok(data_dir()?.join(name))
}

/// The platform's data directory for xusers, created (owner-only) if missing.
pub fn data_dir() -> Result<PathBuf, Failure> {
    let dirs = ProjectDirs::from("io", "xusers", "xusers")
        .ok_or_else(|| Failure::runtime("no home directory: pass --db PATH or set XUSERS_DB"))?;
    let dir = dirs.data_dir();
    crate::private_file::create_dir_all(dir)
        .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir.to_path_buf())
}
