use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match xusers::cli::run(xusers::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            for line in &failure.lines {
                eprintln!("xusers: {line}");
            }
            ExitCode::from(failure.code)
        }
    }
}
