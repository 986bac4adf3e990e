//! The `csctl` binary: parse the command line, dispatch, report.

use std::process::ExitCode;

/// Counts live heap bytes, for the scripts' memory budget.
#[global_allocator]
static ALLOCATOR: csctl::script::memory::CountingAllocator =
    csctl::script::memory::CountingAllocator;

fn main() -> ExitCode {
    csctl::script::memory::tune_allocator();
    // A shell asking for completions (CSCTL_COMPLETE=<shell>) is answered here.
    csctl::completion::answer_if_asked();
    let cli = csctl::cli::parse();
    match csctl::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => ExitCode::from(csctl::error::report(&error)),
    }
}
