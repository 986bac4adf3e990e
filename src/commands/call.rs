//! `csctl call COMMAND [name=value]...`: one call, printed.

use serde_json::Value;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, WaitOptions};
use crate::error::Error;
use crate::output::{render_view, spinner, stdout_is_terminal, terminal_width, Fields, View};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let (words, filter) = take_filter(&args.params)?;
    let params = params::parse_assignments(&words)?;
    let target = connect(global, &args.target).await?;
    let client = &target.client;
    let answer = if args.all {
        client::list_all(client, &args.command, &params)
            .await?
            .into_answer()
    } else {
        let answer = client.call(&args.command, &params).await?;
        match client.job_to_wait(&args.command, &answer) {
            Some(jobid) if !args.no_wait => {
                let spinner = spinner(&format!("waiting for job {jobid}"));
                let job = client::wait_job(client, &jobid, &WaitOptions::default()).await;
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
