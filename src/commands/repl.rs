//! `csctl repl`: the interactive shell (see [`crate::repl`]). This file only
//! connects: to the configured cloud, or to an in-process simulator with
//! `--sim`.

use super::{connect, overrides};
use crate::cli::{GlobalArgs, ReplArgs};
use crate::error::Error;
use crate::repl::{self, Connection, Options};
use csctl::client::Client;
use csctl::config::{self, Sources};

/// Runs the REPL until `:quit` or Ctrl-D. Called from the main thread,
/// outside the runtime.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    global: &GlobalArgs,
    args: &ReplArgs,
) -> Result<(), Error> {
    let options = Options {
        overrides: overrides(global),
    };
    let connection = if args.target.sim {
        let target = runtime.block_on(connect(global, &args.target))?;
        Connection {
            client: target.client,
            profile: None,
            sim: target.sim,
        }
    } else {
        // Resolved here rather than through `connect`, to know the profile.
        let resolved = config::resolve(&options.overrides, &Sources::from_process())?;
        for warning in &resolved.warnings {
            crate::error::write_stderr(&format!("csctl: warning: {warning}"));
        }
        Connection {
            client: Client::new(resolved.client)?,
            profile: resolved.profile_name,
            sim: None,
        }
    };
    crate::journal::attach(&connection.client, None);
    repl::run(runtime, connection, options)
}
