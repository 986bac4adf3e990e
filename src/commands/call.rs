//! `csctl call COMMAND [name=value]...`: one call, printed.

use serde_json::Value;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, WaitOptions};
use crate::error::Error;
use crate::output::{spinner, terminal_width};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let params = params::parse_assignments(&args.params)?;
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
    print_stdout(&crate::output::render(
        &answer,
        args.output,
        terminal_width(),
    ))
}
