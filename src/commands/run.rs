//! `csctl run SCRIPT [name=value]...`: runs a Rhai script against the
//! configured cloud (or `--sim`), with the pairs as the constant map `ARGS`.

use super::connect;
use crate::cli::{GlobalArgs, RunArgs};
use crate::client::ClientError;
use crate::error::Error;
use crate::script::{self, ScriptError, ScriptHost};

/// Runs the script to completion. Called from the main thread, outside the
/// runtime: script functions block on the runtime from this thread.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    global: &GlobalArgs,
    args: &RunArgs,
) -> Result<(), Error> {
    let script_args = script::parse_args(&args.args).map_err(Error::Usage)?;
    // Read the script before connecting: a typo in its name should not
    // start a simulator or ask for a password.
    let text = std::fs::read_to_string(&args.script).map_err(|error| {
        Error::Io(format!(
            "cannot read script {}: {error}",
            args.script.display()
        ))
    })?;
    if args.plan {
        return super::plan::run(runtime, global, args, &script_args, &text);
    }
    let target = runtime.block_on(connect(global, &args.target))?;
    let host = ScriptHost::new(target.client.clone(), runtime.handle().clone());
    let ctrl_c = host.install_ctrl_c_handler();
    let result = host.run_source(&args.script.to_string_lossy(), &text, &script_args);
    drop(ctrl_c);
    // The simulator, if any, serves until the script is done.
    drop(target);
    match result {
        Ok(_) => Ok(()),
        Err(ScriptError::Interrupted) => Err(ClientError::Cancelled.into()),
        Err(error @ ScriptError::Read { .. }) => Err(Error::Io(error.to_string())),
        Err(error) => Err(Error::Script(error.to_string())),
    }
}
