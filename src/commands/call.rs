//! `csctl call COMMAND [name=value]...`: one call, printed.

use serde_json::Value;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, retry, ClientError, WaitOptions};
use crate::error::Error;
use crate::interrupt::Signals;
use crate::output::{render_view, spinner, stdout_is_terminal, terminal_width, Fields, View};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
/// Ctrl-C or SIGTERM stops it, saying what the user needs to know: the id
/// of a job that goes on, or that a state-changing call may have been
/// applied.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let mut signals = Signals::new();
    let (words, filter) = take_filter(&args.params)?;
    let params = params::parse_assignments(&words)?;
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
        match client.job_to_wait(&args.command, &answer) {
            Some(jobid) if !args.no_wait => {
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
            _ => answer,
        }
    };
    let view = View {
        format: args.output,
        width: terminal_width(),
        fields: args.fields.clone().or(filter).unwrap_or_default(),
        terminal: stdout_is_terminal(),
        one_row_as_fields: true,
    };
    print_stdout(&render_view(&answer, &view))
}

/// Takes cloudmonkey's `filter=a,b` out of the parameters (it chooses
/// fields and is never sent to the server).
fn take_filter(words: &[String]) -> Result<(Vec<String>, Option<Fields>), Error> {
    let mut kept = Vec::with_capacity(words.len());
    let mut filter = None;
    for word in words {
        match word.split_once('=') {
            Some((name, value)) if name.eq_ignore_ascii_case("filter") => {
                filter = Some(value.parse::<Fields>().map_err(Error::Usage)?);
            }
            _ => kept.push(word.clone()),
        }
    }
    Ok((kept, filter))
}

/// The error of a call interrupted before its answer came: a read is just
/// cancelled; a state-changing call may have reached the server.
pub fn interrupted_in_flight(command: &str) -> Error {
    if retry::is_read_only(command) {
        return ClientError::Cancelled.into();
    }
    Error::Interrupted(crate::interrupt::in_flight_note(command))
}
