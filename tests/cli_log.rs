//! The log file: every change and every error, with the application and what it
//! concerned; never a password, token or hash; never on the screen; owner-only.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use assert_cmd::Command;
use common::cli::*;
use xusers::auth::token_digest;

fn logs(env: &Env) -> PathBuf {
    env.dir.path().join("logs")
}

/// `xusers --db <temp>` logging into [`logs`].
fn cmd(env: &Env) -> Command {
    let mut cmd = env.cmd();
    cmd.env("XUSERS_LOG_DIR", logs(env));
    cmd
}

fn log_text(env: &Env) -> String {
    fs::read_to_string(logs(env).join("xusers.log")).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The log line that has all of `parts`.
fn line_with<'a>(log: &'a str, parts: &[&str]) -> &'a str {
    log.lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line with {parts:?} in:\n{log}"))
}

#[test]
fn a_session_of_writes_is_logged_without_a_secret() {
    let env = Env::new();
    let (first, second) = ("first-Secret-1", "second-Secret-2");
    let login = |password: &str| {
        let out = cmd(&env)
            .args(["login", "--email", "a@x.io", "--password-stdin"])
            .write_stdin(password.to_string())
            .assert()
            .success();
        stdout(&out).trim().to_string()
    };
    let quiet = |args: &[&str], stdin: &str| {
        cmd(&env)
            .args(args)
            .write_stdin(stdin.to_string())
            .assert()
            .success()
            .stderr("");
    };
    quiet(&["groups", "add", "Staff"], "");
    quiet(
        &["users", "add", "--email", "a@x.io", "--password-stdin"],
        &format!("{first}\n"),
    );
    let old_token = login(first);
    quiet(
        &[
            "users",
            "set",
            "a@x.io",
            "--add-group",
            "Staff",
            "--password-stdin",
        ],
        &format!("{second}\n"),
    );
    let token = login(second);
    quiet(&["whoami", &token], "");
    quiet(&["tokens", "invalidate", "--email", "a@x.io", "--yes"], "");
    let export = env.dir.path().join("out.json");
    quiet(
        &[
            "users",
            "export",
            "--with-password-hashes",
            "--output",
            export.to_str().unwrap(),
        ],
        "",
    );
    let exported: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&export).unwrap()).unwrap();
    let hash = exported["users"][0]["password_hash"]
        .as_str()
        .unwrap()
        .to_string();
    cmd(&env)
        .args(["login", "--email", "a@x.io", "--password-stdin"])
        .write_stdin("wrong password")
        .assert()
        .code(1);
    quiet(&["devices", "add", "Printer", "--group", "Staff"], "");
    quiet(&["users", "delete", "a@x.io", "--yes"], "");

    let log = log_text(&env);
    for parts in [
        &["INFO", "migrate the schema to version 1"][..],
        &["INFO", "add group", "app=\"default\"", "Staff"],
        &["INFO", "add user", "app=\"default\"", "a@x.io"],
        &["INFO", "log in", "a@x.io"],
        &["INFO", "save user, with a new password", "a@x.io"],
        &["INFO", "invalidate tokens", "a@x.io"],
        &[
            "WARN",
            "log in failed",
            "a@x.io",
            "invalid email or password",
        ],
        &["ERROR", "invalid email or password", "command=\"login\""],
        &["INFO", "add device", "Printer"],
        &["INFO", "delete users", "a@x.io"],
    ] {
        line_with(&log, parts);
    }
    for secret in [
        first.to_string(),
        second.to_string(),
        old_token.clone(),
        token.clone(),
        hex(&token_digest(&token)),
        hex(&token_digest(&old_token)),
        hash.clone(),
        "$argon2".to_string(),
    ] {
        assert!(!log.contains(&secret), "the log holds {secret}:\n{log}");
    }
}

#[test]
fn the_log_is_private_and_lives_in_the_data_directory_by_default() {
    let env = Env::new();
    // Run from the test's folder, so that a log written to the working directory
    // would be found below.
    env.cmd()
        .current_dir(env.dir.path())
        .args(["users", "add", "--email", "a@x.io", "--password-stdin"])
        .write_stdin("long enough\n")
        .assert()
        .success();
    let file = env.data_home().join("xusers/xusers.log");
    let log = fs::read_to_string(&file).unwrap();
    line_with(&log, &["add user", "a@x.io"]);
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The only log anywhere under the test's folder (working directory, HOME,
    // database folder and data directory alike) is that one.
    assert_eq!(log_files(env.dir.path()), [file]);
}

/// Every file under `dir` whose name starts with `xusers.log`.
fn log_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(log_files(&path));
        } else if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("xusers.log"))
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn the_level_comes_from_the_option_or_xusers_log() {
    let env = Env::new();
    cmd(&env)
        .args(["--log-level", "off", "groups", "add", "A"])
        .assert()
        .success();
    assert!(
        !logs(&env).join("xusers.log").exists(),
        "off writes nothing"
    );
    cmd(&env)
        .env("XUSERS_LOG", "error")
        .args(["groups", "add", "B"])
        .assert()
        .success();
    cmd(&env)
        .env("XUSERS_LOG", "error")
        .args(["groups", "delete", "nothing-here"])
        .assert()
        .code(1);
    let log = log_text(&env);
    assert!(!log.contains("add group"), "info is below error:\n{log}");
    line_with(
        &log,
        &["ERROR", "no such group: nothing-here", "groups delete"],
    );
    cmd(&env)
        .args(["--log-level", "loud", "groups", "list"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'loud'"));
}

#[test]
fn a_log_that_cannot_be_written_is_a_note_and_the_command_goes_on() {
    let env = Env::new();
    env.cmd()
        .env("XUSERS_LOG_DIR", "/dev/null/logs")
        .args(["groups", "add", "A"])
        .assert()
        .success()
        .stdout("Added group A\n")
        .stderr(predicates::str::starts_with(
            "note: no log file: cannot write /dev/null/logs/xusers.log:",
        ));
}

#[test]
fn a_full_log_moves_aside_and_a_new_one_starts() {
    let env = Env::new();
    fs::create_dir_all(logs(&env)).unwrap();
    let full = fs::File::create(logs(&env).join("xusers.log")).unwrap();
    full.set_len(10 * 1024 * 1024 + 1).unwrap();
    drop(full);
    cmd(&env).args(["groups", "add", "A"]).assert().success();
    let moved = logs(&env).join("xusers.log.1");
    assert!(fs::metadata(&moved).unwrap().len() > 10 * 1024 * 1024);
    let current = logs(&env).join("xusers.log");
    assert!(fs::metadata(&current).unwrap().len() < 1024);
    assert_eq!(
        fs::metadata(&current).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
