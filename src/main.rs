use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use xusers::cli::{Cli, Failure, to_stdout};

fn main() -> ExitCode {
    let result = match Cli::command().try_get_matches() {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => xusers::cli::run(cli, &command_name(&matches)),
            Err(e) => answer_clap(e),
        },
        Err(e) => answer_clap(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let mut stderr = std::io::stderr().lock();
            for line in &failure.lines {
                // A closed stderr only loses the message.
                let _ = writeln!(stderr, "xusers: {}", xusers::inert::inert(line));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// "users list", "console" …: the command's name, never its arguments (a token, say).
fn command_name(matches: &ArgMatches) -> String {
    let mut names = Vec::new();
    let mut at = matches;
    while let Some((name, sub)) = at.subcommand() {
        names.push(name);
        at = sub;
    }
    if names.is_empty() {
        "console".into()
    } else {
        names.join(" ")
    }
}

/// `--help` and `--version` written like any other output (clap ignores a failed
/// write); usage errors as clap prints them.
fn answer_clap(e: clap::Error) -> Result<(), Failure> {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion if !std::io::stdout().is_terminal() => {
            let text = e.render().to_string();
            to_stdout(|out| out.write_all(text.as_bytes()))
        }
        _ => e.exit(),
    }
}
