//! `csctl run SCRIPT [name=value]...`: runs a Rhai script against the
//! configured cloud (or `--sim`), with the pairs as the constant map `ARGS`.

use std::path::{Path, PathBuf};

use super::connect;
use crate::cli::{GlobalArgs, RunArgs};
use crate::error::Error;
use csctl::client::ClientError;
use csctl::script::{self, ArgumentUse, ScriptError, ScriptHost};

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
    let path = script_path(&args.script);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| Error::Io(format!("cannot read script {}: {error}", path.display())))?;
    if args.plan {
        return super::plan::run(runtime, global, args, &script_args, &text);
    }
    let target = runtime.block_on(connect(global, &args.target))?;
    let host = ScriptHost::new(target.client.clone(), runtime.handle().clone());
    previous_jobs(&host, &target.client, &path);
    let ctrl_c = host.install_ctrl_c_handler(crate::error::exit_interrupted_again);
    let name = path.to_string_lossy();
    let result = host.run_source(&name, &text, &script_args);
    drop(ctrl_c);
    // The simulator, if any, serves until the script is done.
    drop(target);
    if !matches!(result, Err(ScriptError::Interrupted)) {
        if let Some(warning) = unread_warning(&name, &host.argument_use(&script_args)) {
            crate::error::write_stderr(&format!("csctl: warning: {warning}"));
        }
    }
    match result {
        Ok(_) => Ok(()),
        Err(ScriptError::Interrupted) => Err(ClientError::Cancelled.into()),
        Err(error @ ScriptError::Read { .. }) => Err(Error::Io(error.to_string())),
        Err(error) => Err(Error::Script(error.to_string())),
    }
}

/// Writes this run's jobs into the job journal and gives the script the
/// jobs of its previous run (`previous_jobs()`): the same script file, the
/// same cloud.
fn previous_jobs(host: &ScriptHost, client: &csctl::client::Client, path: &Path) {
    let script = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned();
    let run = crate::journal::attach(client, Some(&script));
    let Some(file) = crate::journal::path() else {
        return;
    };
    let endpoint = client.config().endpoint.clone();
    // Read only if the script asks: the journal can be megabytes.
    host.set_previous_jobs_with(move || {
        let jobs = crate::journal::read(&file).unwrap_or_default();
        crate::journal::last_run(&jobs, &endpoint, Some(&script), run.as_deref())
            .into_iter()
            .map(crate::journal::job_json)
            .collect()
    });
}

/// The script file: `path` as given, or with `.rhai` added when that is
/// what exists (`csctl run scripts/deploy_debian7`).
fn script_path(path: &Path) -> PathBuf {
    if path.extension().is_none() && !path.is_file() {
        let with = path.with_extension("rhai");
        if with.is_file() {
            return with;
        }
    }
    path.to_path_buf()
}

/// The warning for arguments the script never read, naming those it reads
/// and the closest one for a misspelling (`cout=5`: `count`).
fn unread_warning(script: &str, use_: &ArgumentUse) -> Option<String> {
    if use_.unread.is_empty() {
        return None;
    }
    let described: Vec<String> = use_
        .unread
        .iter()
        .map(|(name, value)| {
            let closest = use_
                .read
                .iter()
                .map(|read| (strsim::damerau_levenshtein(name, read), read))
                .filter(|(distance, read)| *distance <= (read.len() / 3).clamp(1, 3))
                .min();
            match closest {
                Some((_, read)) => format!("{name}={value} (did you mean {read}=?)"),
                None => format!("{name}={value}"),
            }
        })
        .collect();
    let reads = if use_.read.is_empty() {
        "it reads no arguments".to_string()
    } else {
        format!("it reads: {}", use_.read.join(", "))
    };
    let noun = if described.len() == 1 {
        "argument"
    } else {
        "arguments"
    };
    Some(format!(
        "{script} never read the {noun} {}; {reads}",
        described.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_arguments_are_named_with_the_closest_read_one() {
        let use_ = ArgumentUse {
            read: vec!["count".into(), "prefix".into()],
            unread: vec![("cout".into(), "5".into())],
        };
        assert_eq!(
            unread_warning("deploy_cluster.rhai", &use_).unwrap(),
            "deploy_cluster.rhai never read the argument cout=5 (did you mean count=?); it reads: count, prefix"
        );
        assert_eq!(unread_warning("x", &ArgumentUse::default()), None);
    }
}
