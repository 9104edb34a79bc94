//! Running the real binary against a private database and data directory.

use std::path::PathBuf;

use assert_cmd::Command;
use tempfile::TempDir;
use xusers::store::Location;

pub struct Env {
    pub dir: TempDir,
    /// A PostgreSQL database's connection string; `None`: the SQLite file [`Env::db`].
    postgres: Option<String>,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        }
    }

    /// An environment whose commands use a new store of `backend`'s kind; `None`
    /// (after one line saying so) where PostgreSQL cannot run here.
    pub fn on(backend: super::backend::Backend) -> Option<Env> {
        let postgres = match backend {
            super::backend::Backend::Sqlite => None,
            super::backend::Backend::Postgres => Some(super::pg::fresh_database()?),
        };
        Some(Env {
            postgres,
            ..Env::new()
        })
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("x.db")
    }

    /// The database the commands use, for the test to open as well.
    pub fn location(&self) -> Location {
        match &self.postgres {
            Some(database) => database.parse().unwrap(),
            None => Location::Sqlite(self.db()),
        }
    }

    /// `xusers --db <temp>` (or the PostgreSQL database) with a private data directory.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// [`Env::cmd`] as a plain std command, for wiring its streams by hand.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = self.bare_std();
        match &self.postgres {
            Some(database) => cmd.arg("--db").arg(database),
            None => cmd.arg("--db").arg(self.db()),
        };
        cmd
    }

    /// `xusers` with a private data directory (and log), no database named.
    pub fn bare(&self) -> Command {
        Command::from_std(self.bare_std())
    }

    fn bare_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("xusers"));
        cmd.env_remove("XUSERS_DB")
            .env_remove("XUSERS_LOG")
            .env_remove("XUSERS_LOG_DIR")
            .env("XDG_DATA_HOME", self.data_home())
            .env("HOME", self.dir.path());
        cmd
    }

    /// What the platform data directory resolves to under [`Env::bare`].
    pub fn data_home(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn add(&self, email: &str, password: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["users", "add", "--email", email, "--password-stdin"])
            .args(extra)
            .write_stdin(format!("{password}\n"))
            .assert()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn emails(&self, extra: &[&str]) -> Vec<String> {
        let list = self.json(&[&["users", "list", "--format", "json"], extra].concat());
        list.as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn login(&self, email: &str, password: &str) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["login", "--email", email, "--password-stdin"])
            .write_stdin(password.to_string())
            .assert()
    }
}

/// Every command path clap knows (`["users", "list"]` …), parents before none.
pub fn command_paths() -> Vec<Vec<String>> {
    fn paths(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            paths(sub, &path, out);
            out.push(path);
        }
    }
    let mut all = Vec::new();
    paths(
        &<xusers::cli::Cli as clap::CommandFactory>::command(),
        &[],
        &mut all,
    );
    all
}

pub fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}
