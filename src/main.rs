//! The `preflight` binary: parses the command line, then runs a headless subcommand or opens
//! the app window.

use std::process::ExitCode;

use clap::Parser;
use preflight::cli::{Cli, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = preflight::cli::run(cli).and_then(|outcome| match outcome {
        Outcome::Exit(code) => Ok(code),
        Outcome::OpenWindow(file) => preflight::ui::run(file).map(|()| ExitCode::SUCCESS),
    });
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
