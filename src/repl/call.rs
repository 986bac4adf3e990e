//! Running one shorthand call: the request, then, for an async command,
//! the wait for its job (with a spinner on a terminal), all of it stopped by
//! Ctrl-C through the script host's interrupter.

use std::sync::OnceLock;

use serde_json::Value;

use csctl::client::{CallAndWaitError, Client, ClientError, Params, WaitOptions};
use csctl::script::Interrupter;

/// How a call did not give an answer.
#[derive(Debug)]
pub enum CallError {
    /// The request or the job failed.
    Client(ClientError),
    /// Ctrl-C; `jobid` is the job that goes on without us, if any.
    Interrupted {
        /// The job being waited for when the user pressed Ctrl-C.
        jobid: Option<String>,
    },
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Client(error) => error.fmt(f),
            Self::Interrupted { jobid: None } => f.write_str("interrupted"),
            Self::Interrupted { jobid: Some(jobid) } => write!(
                f,
                "interrupted; job {jobid} goes on on the server (queryAsyncJobResult jobid={jobid})"
            ),
        }
    }
}

impl From<CallAndWaitError> for CallError {
    fn from(error: CallAndWaitError) -> Self {
        match error {
            CallAndWaitError::Call(ClientError::Cancelled) => Self::Interrupted { jobid: None },
            CallAndWaitError::Cancelled { jobid } => Self::Interrupted { jobid: Some(jobid) },
            other => Self::Client(other.into_client_error()),
        }
    }
}

/// Calls `api` with `params` and, when the answer is a job, waits for it and
/// returns its `jobresult`. Call from outside the runtime.
pub fn execute(
    runtime: &tokio::runtime::Handle,
    client: &Client,
    interrupter: &Interrupter,
    api: &str,
    params: &Params,
) -> Result<Value, CallError> {
    let token = interrupter.token();
    let spinner = OnceLock::new();
    let progress = |jobid: &str, _| {
        spinner.get_or_init(|| {
            csctl::output::spinner(&format!(
                "waiting for job {jobid} of {api} (Ctrl-C stops waiting)"
            ))
        });
    };
    let waited = runtime.block_on(client.call_and_wait(
        api,
        params,
        &WaitOptions::default(),
        &progress,
        token.cancelled(),
    ));
    if let Some(spinner) = spinner.get() {
        spinner.finish_and_clear();
    }
    Ok(waited?)
}
