//! The `csctl` binary: parse the command line, dispatch, report.

use std::process::ExitCode;

use clap::Parser as _;

/// Counts live heap bytes, for the scripts' memory budget.
#[global_allocator]
static ALLOCATOR: csctl::script::memory::CountingAllocator =
    csctl::script::memory::CountingAllocator;

fn main() -> ExitCode {
    let cli = csctl::cli::Cli::parse();
    match csctl::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => ExitCode::from(csctl::error::report(&error)),
    }
}
