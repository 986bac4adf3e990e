//! `csctl completions SHELL`: the script a shell sources, generated from the
//! clap definitions (the pages of `csctl man` are in `man.rs`).

use super::print_stdout;
use crate::cli::CompletionsArgs;
use crate::error::Error;

/// Prints the completion script of a shell.
pub fn completions(args: &CompletionsArgs) -> Result<(), Error> {
    let invoked = std::env::args().next().unwrap_or_else(|| "csctl".into());
    let mut script = Vec::new();
    crate::completion::registration(args.shell, &invoked, &mut script)
        .map_err(|error| Error::Io(format!("cannot write the completion script: {error}")))?;
    print_stdout(&String::from_utf8_lossy(&script))
}
