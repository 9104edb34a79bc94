//! Every command that writes to standard output, through the real binary, when that
//! output cannot be written: a pipe whose reader has gone ends quietly (status 141, as
//! SIGPIPE gives `git log | head`), a full disk says so in one line and exits 1. Never
//! a panic.

mod common;

use std::fs;
use std::io::Write;
use std::process::{Output, Stdio};

use common::cli::*;

/// A database with one user (with a token), one group and one device, copied for each
/// run so that every command finds what it needs.
struct Template {
    env: Env,
    token: String,
}

fn template() -> Template {
    let env = Env::new();
    env.add("a@x.io", "long enough", &[]).success();
    env.cmd().args(["groups", "add", "G"]).assert().success();
    env.cmd()
        .args(["devices", "add", "D", "--group", "G"])
        .assert()
        .success();
    let token = stdout(&env.login("a@x.io", "long enough").success())
        .trim()
        .to_string();
    Template { env, token }
}

/// Each command with its arguments and standard input.
fn commands(t: &Template, import: &str) -> Vec<(Vec<String>, &'static str)> {
    let plain: &[(&str, &'static str)] = &[
        ("--help", ""),
        ("--version", ""),
        ("--app fresh demo --users 3", ""),
        ("users list", ""),
        ("users list --format json", ""),
        (
            "users add --email new@x.io --password-stdin",
            "long enough\n",
        ),
        ("users get a@x.io", ""),
        ("users get a@x.io --format json", ""),
        ("users set a@x.io --first Z", ""),
        ("users delete a@x.io --yes", ""),
        ("users export", ""),
        ("users export --format json", ""),
        ("login --email a@x.io --password-stdin", "long enough\n"),
        ("tokens invalidate --all --yes", ""),
        ("groups list", ""),
        ("groups list --format json", ""),
        ("groups add H", ""),
        ("groups rename G H", ""),
        ("groups move G --root", ""),
        ("groups delete G", ""),
        ("devices list", ""),
        ("devices add E", ""),
        ("devices link D --group G", ""),
        ("devices unlink D --group G", ""),
        ("devices delete D", ""),
        ("apps list", ""),
        ("apps add other", ""),
        ("apps set-limit default 10", ""),
        ("apps set-lockout default --failures 3 --minutes 5", ""),
        ("completions bash", ""),
        ("audit list", ""),
        ("audit list --format json", ""),
        ("audit export", ""),
        ("audit verify", ""),
        ("audit prune --before 2000-01-01T00:00:00Z", ""),
    ];
    let mut all: Vec<(Vec<String>, &'static str)> = plain
        .iter()
        .map(|(args, stdin)| (args.split(' ').map(String::from).collect(), *stdin))
        .collect();
    all.push((vec!["whoami".into(), t.token.clone()], ""));
    all.push((vec!["users".into(), "import".into(), import.into()], ""));
    // Into a new file each time the list is made (a copy refuses a target in use).
    static COPIES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let to = t.env.dir.path().join(format!("copy-{n}.db"));
    all.push((
        vec![
            "copy".into(),
            "--from".into(),
            t.env.db().to_string_lossy().into_owned(),
            "--to".into(),
            to.to_string_lossy().into_owned(),
        ],
        "",
    ));
    all
}

/// Runs `args` on a fresh copy of the template with `stdout` as its output.
fn run(t: &Template, args: &[String], stdin: &str, stdout: Stdio) -> Output {
    let env = Env::new();
    fs::copy(t.env.db(), env.db()).unwrap();
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn import_file(t: &Template) -> String {
    let path = t.env.dir.path().join("import.json");
    fs::write(
        &path,
        r#"[{"email": "imported@x.io", "password": "long enough"}]"#,
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn every_command_is_covered() {
    let t = template();
    let import = import_file(&t);
    let covered: Vec<Vec<String>> = commands(&t, &import).into_iter().map(|c| c.0).collect();
    let all = command_paths();
    let leaves: Vec<&Vec<String>> = all
        .iter()
        .filter(|p| !all.iter().any(|q| q.len() > p.len() && q.starts_with(p)))
        .collect();
    assert!(leaves.len() > 25, "{leaves:?}");
    for leaf in leaves {
        assert!(
            covered
                .iter()
                .any(|args| args.windows(leaf.len()).any(|w| w == leaf.as_slice())),
            "`xusers {}` is not tested here",
            leaf.join(" ")
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let t = template();
    let import = import_file(&t);
    for (args, stdin) in commands(&t, &import) {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = run(&t, &args, stdin, writer.into());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_full_disk_is_one_line_and_exit_1() {
    let t = template();
    let import = import_file(&t);
    for (args, stdin) in commands(&t, &import) {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run(&t, &args, stdin, full.into());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "xusers: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn an_export_file_that_cannot_be_written_is_named() {
    let t = template();
    let out = run(
        &t,
        &["users", "export", "--output", "/dev/full"].map(String::from),
        "",
        Stdio::null(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "xusers: cannot write /dev/full: No space left on device (os error 28)\n"
    );
}
