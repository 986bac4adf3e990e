//! `csctl call COMMAND [name=value]...`: one call, printed.

use std::io::Write as _;

use serde_json::Value;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::client::{self, params, response, ClientError, ListOptions, Params, WaitOptions};
use crate::error::Error;
use crate::output::{self, spinner, terminal_width, Format};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let params = params::parse_assignments(&args.params)?;
    let target = connect(global, &args.target).await?;
    let client = &target.client;
    let options = ListOptions {
        concurrency: args.page_concurrency,
    };
    if args.all && matches!(args.output, Format::Jsonl | Format::Csv) {
        return stream_all(client, &args.command, &params, &options, args.output).await;
    }
    let answer = if args.all {
        client::list_all_with(client, &args.command, &params, &options)
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
    print_stdout(&output::render(&answer, args.output, terminal_width()))
}

/// `--all` as JSON Lines or CSV: each page's rows are written as soon as
/// the pages before it were, so memory stays flat whatever the list's size.
/// CSV columns are the first page's (the union of its rows' keys).
async fn stream_all(
    client: &client::Client,
    command: &str,
    params: &Params,
    options: &ListOptions,
    format: Format,
) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    let mut columns: Option<Vec<String>> = None;
    let mut failure: Option<std::io::Error> = None;
    let mut warned = false;
    let walked = client::for_each_page(client, command, params, options, |_, rows| {
        let text = match format {
            Format::Csv => {
                let header = columns.is_none();
                let columns = columns.get_or_insert_with(|| {
                    let mut columns = output::columns(&rows);
                    if columns.is_empty() {
                        columns.push("value".into());
                    }
                    columns
                });
                // The header is written with the first page: say so when a
                // later row has a field it lacks, rather than drop it silently.
                if !header && !warned {
                    if let Some(extra) = output::columns(&rows)
                        .into_iter()
                        .find(|column| !columns.contains(column))
                    {
                        warned = true;
                        eprintln!(
                            "csctl: warning: `{}` appears only after the first page and is not in the CSV \
                             (columns come from the first page when streaming); -o jsonl or -o json shows every field",
                            extra
                                .chars()
                                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                                .collect::<String>()
                        );
                    }
                }
                output::csv_rows(&rows, columns, header)
            }
            _ => rows.iter().map(|row| format!("{row}\n")).collect(),
        };
        stdout.write_all(text.as_bytes()).map_err(|error| {
            failure = Some(error);
            ClientError::Cancelled
        })
    })
    .await;
    let flushed = stdout.flush();
    match (failure, walked) {
        (Some(error), _) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (Some(error), _) => Err(Error::Io(format!("cannot write the output: {error}"))),
        (None, Err(error)) => Err(error.into()),
        (None, Ok(())) => match flushed {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(Error::Io(format!("cannot write the output: {error}")))
            }
            _ => Ok(()),
        },
    }
}
