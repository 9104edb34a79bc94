use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use xusers::cli::{Cli, Failure, to_stdout};

fn main() -> ExitCode {
    let result = match Cli::try_parse() {
        Ok(cli) => xusers::cli::run(cli),
        Err(e) => answer_clap(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let mut stderr = std::io::stderr().lock();
            for line in &failure.lines {
                // A closed stderr only loses the message.
                let _ = writeln!(stderr, "xusers: {line}");
            }
            ExitCode::from(failure.code)
        }
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
