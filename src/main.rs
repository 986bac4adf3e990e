//! The `csctl` binary: parse the command line, dispatch, report.

mod cli;
mod commands;
mod completion;
mod error;
mod journal;
mod repl;
mod sessions;
mod snapshot;
mod state_dir;

use std::process::ExitCode;

/// Counts live heap bytes, for the scripts' memory budget.
#[global_allocator]
static ALLOCATOR: csctl::script::memory::CountingAllocator =
    csctl::script::memory::CountingAllocator;

fn main() -> ExitCode {
    // A shell asking for completions (CSCTL_COMPLETE=<shell>) is answered here.
    crate::completion::answer_if_asked();
    // reqwest is built without a crypto provider of its own (ring instead of
    // aws-lc-rs keeps the binary small); the client hands it a ready rustls
    // configuration, and this default covers any other TLS use.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The client's warnings (unknown parameters) go out as every message does.
    csctl::client::set_warning_sink(|warning| {
        crate::error::write_stderr(&format!("csctl: warning: {warning}"));
    });
    match crate::cli::parse().and_then(crate::commands::dispatch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => ExitCode::from(crate::error::report(&error)),
    }
}
