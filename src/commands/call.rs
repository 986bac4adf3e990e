//! `csctl call COMMAND [name=value]...`: one call, printed.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::{connect, print_stdout, terminal_width};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, response, WaitOptions};
use crate::error::Error;

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
        if args.no_wait || !response::is_async_answer(&answer) {
            answer
        } else {
            let jobid = answer["jobid"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| answer["jobid"].to_string());
            let spinner = spinner(&format!("waiting for job {jobid}"));
            let job = client::wait_job(client, &jobid, &WaitOptions::default()).await;
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

/// A spinner on stderr when it is a terminal; hidden otherwise.
fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(message.to_string());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}
