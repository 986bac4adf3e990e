//! The `csctl` binary: parse the command line, dispatch, report.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = csctl::cli::parse();
    match csctl::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => ExitCode::from(csctl::error::report(&error)),
    }
}
