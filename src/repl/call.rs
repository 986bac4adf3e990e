//! Running one shorthand call: the request, then, for an async command,
//! the wait for its job (with a spinner on a terminal), all of it stopped by
//! Ctrl-C through the script host's interrupter.

use serde_json::Value;

use crate::client::{self, Client, ClientError, Params, WaitOptions};
use crate::script::Interrupter;

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
    let answer = runtime
        .block_on(async {
            tokio::select! {
                biased;
                () = token.cancelled() => None,
                answer = client.call(api, params) => Some(answer),
            }
        })
        .ok_or(CallError::Interrupted { jobid: None })?
        .map_err(CallError::Client)?;
    let Some(jobid) = client.job_to_wait(api, &answer) else {
        return Ok(answer);
    };
    let spinner = crate::output::spinner(&format!(
        "waiting for job {jobid} of {api} (Ctrl-C stops waiting)"
    ));
    let options = WaitOptions::default();
    let job = runtime.block_on(async {
        tokio::select! {
            biased;
            () = token.cancelled() => None,
            job = client::wait_job(client, &jobid, &options) => Some(job),
        }
    });
    spinner.finish_and_clear();
    let job = job
        .ok_or_else(|| CallError::Interrupted {
            jobid: Some(jobid.clone()),
        })?
        .map_err(CallError::Client)?;
    Ok(job.get("jobresult").cloned().unwrap_or(Value::Null))
}
