//! The `csctl` binary: parse the command line, dispatch, report.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (CSCTL_COMPLETE=<shell>) is answered here.
    csctl::completion::answer_if_asked();
    let cli = csctl::cli::parse();
    match csctl::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => ExitCode::from(csctl::error::report(&error)),
    }
}
