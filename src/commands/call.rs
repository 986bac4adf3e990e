//! `csctl call COMMAND [name=value]...`: one call, printed.

use serde_json::Value;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, response, retry, ClientError, WaitOptions};
use crate::error::Error;
use crate::interrupt::Signals;
use crate::output::{spinner, terminal_width};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
/// Ctrl-C or SIGTERM stops it, saying what the user needs to know: the id
/// of a job that goes on, or that a state-changing call may have been
/// applied.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let mut signals = Signals::new();
    let params = params::parse_assignments(&args.params)?;
    let target = tokio::select! {
        target = connect(global, &args.target) => target?,
        () = signals.recv() => return Err(ClientError::Cancelled.into()),
    };
    let client = &target.client;
    let answer = if args.all {
        tokio::select! {
            all = client::list_all(client, &args.command, &params) => all?.into_answer(),
            () = signals.recv() => return Err(ClientError::Cancelled.into()),
        }
    } else {
        let answer = tokio::select! {
            answer = client.call(&args.command, &params) => answer?,
            () = signals.recv() => return Err(interrupted_in_flight(&args.command)),
        };
        if args.no_wait || !response::is_async_answer(&answer) {
            answer
        } else {
            let jobid = answer["jobid"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| answer["jobid"].to_string());
            let spinner = spinner(&format!("waiting for job {jobid}"));
            let options = WaitOptions::default();
            let job = tokio::select! {
                job = client::wait_job(client, &jobid, &options) => job,
                () = signals.recv() => {
                    spinner.finish_and_clear();
                    return Err(Error::Interrupted(format!(
                        "job {jobid} ({}) goes on in the cloud; check it later with \
                         `csctl call queryAsyncJobResult jobid={jobid}`",
                        args.command
                    )));
                }
            };
            spinner.finish_and_clear();
            job?.get("jobresult").cloned().unwrap_or(Value::Null)
        }
    };
    print_stdout(&crate::output::render(
        &answer,
        args.output,
        terminal_width(),
    ))
}

/// The error of a call interrupted before its answer came: a read is just
/// cancelled; a state-changing call may have reached the server.
pub fn interrupted_in_flight(command: &str) -> Error {
    if retry::is_read_only(command) {
        return ClientError::Cancelled.into();
    }
    Error::Interrupted(crate::interrupt::in_flight_note(command))
}
