//! `csctl call COMMAND [name=value]...`: one call, printed.

use std::io::Write as _;
use std::sync::OnceLock;

use super::{connect, print_stdout};
use crate::cli::{CallArgs, GlobalArgs};
use crate::error::Error;
use csctl::client::{self, CallAndWaitError, ClientError, ListOptions, Params, WaitOptions};
use csctl::interrupt::Signals;
use csctl::output::{self, render_view, stdout_is_terminal, terminal_width, Fields, Format, View};

/// Calls the command; waits for its job unless `--no-wait`; prints the answer.
/// Ctrl-C or SIGTERM stops it, saying what the user needs to know: the id
/// of a job that goes on, or that a state-changing call may have been
/// applied.
pub async fn run(global: &GlobalArgs, args: &CallArgs) -> Result<(), Error> {
    let mut signals = Signals::new();
    let (words, filter) = take_filter(&args.params)?;
    let params = client::parse_assignments(&words)?;
    let target = tokio::select! {
        target = connect(global, &args.target) => target?,
        () = signals.recv() => return Err(ClientError::Cancelled.into()),
    };
    let client = &target.client;
    crate::journal::attach(client, None);
    let options = ListOptions {
        concurrency: args.page_concurrency,
    };
    if let Some(expr) = &args.query {
        // A mistake in the query is told before anything is sent.
        output::query::check(expr)?;
    }
    if args.all && args.query.is_none() && args.output != Format::Json {
        // Every format that shows rows goes through the one row writer,
        // page by page (a table keeps its rows until the last page).
        let view = view_of(args, filter);
        return tokio::select! {
            streamed = stream_all(client, &args.command, &params, &options, &view) => streamed,
            () = signals.recv() => Err(ClientError::Cancelled.into()),
        };
    }
    let answer = if args.all {
        tokio::select! {
            all = client::list_all_with(client, &args.command, &params, &options) => all?.into_answer(),
            () = signals.recv() => return Err(ClientError::Cancelled.into()),
        }
    } else if args.no_wait {
        tokio::select! {
            answer = client.call(&args.command, &params) => answer?,
            () = signals.recv() => return Err(interrupted_in_flight(&args.command)),
        }
    } else {
        let spinner = OnceLock::new();
        let progress = |jobid: &str, _| {
            spinner.get_or_init(|| output::spinner(&format!("waiting for job {jobid}")));
        };
        let waited = client
            .call_and_wait(
                &args.command,
                &params,
                &WaitOptions::default(),
                &progress,
                signals.recv(),
            )
            .await;
        if let Some(spinner) = spinner.get() {
            spinner.finish_and_clear();
        }
        match waited {
            Ok(answer) => answer,
            Err(CallAndWaitError::Call(ClientError::Cancelled)) => {
                return Err(interrupted_in_flight(&args.command))
            }
            Err(CallAndWaitError::Cancelled { jobid }) => {
                return Err(Error::Interrupted(format!(
                    "job {jobid} ({}) goes on in the cloud; wait for it again with \
                     `csctl jobs wait {jobid}`, or check it with \
                     `csctl call queryAsyncJobResult jobid={jobid}`",
                    args.command
                )))
            }
            Err(other) => return Err(other.into_client_error().into()),
        }
    };
    let view = view_of(args, filter);
    match &args.query {
        Some(expr) => print_stdout(&output::query::render(expr, &answer, &view)?),
        None => print_stdout(&render_view(&answer, &view)),
    }
}

/// How the answer is shown: the format and fields asked for (`--fields`,
/// else cloudmonkey's `filter=`), at the terminal's width.
fn view_of(args: &CallArgs, filter: Option<Fields>) -> View {
    View {
        format: args.output,
        width: terminal_width(),
        fields: args.fields.clone().or(filter).unwrap_or_default(),
        terminal: stdout_is_terminal(),
        one_row_as_fields: true,
    }
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
    if client::is_read_only(command) {
        return ClientError::Cancelled.into();
    }
    Error::Interrupted(csctl::interrupt::in_flight_note(command))
}

/// `--all` in a format that shows rows: each page goes to the row writer
/// as soon as the pages before it did. JSON Lines and CSV are written page
/// by page, so memory stays flat whatever the list's size (CSV columns are
/// the first page's: the union of its rows' keys); a table or columns are
/// drawn once the last page came.
async fn stream_all(
    client: &client::Client,
    command: &str,
    params: &Params,
    options: &ListOptions,
    view: &View,
) -> Result<(), Error> {
    // The writer a whole answer is printed with, given a page at a time.
    let mut writer = output::RowWriter::new(view, None);
    let mut stdout = std::io::stdout().lock();
    let mut started = false;
    let mut failure: Option<std::io::Error> = None;
    let mut warned = false;
    let walked = client::for_each_page(client, command, params, options, |key, rows| {
        writer.learn_key(key);
        let mut text = String::new();
        if !started {
            started = true;
            text.push_str(&writer.begin(&rows));
        } else if !warned {
            // The header went out with the first page: say so when a later
            // row has a field it lacks, rather than drop it silently.
            if let Some(extra) = writer.missing_column(&rows) {
                warned = true;
                crate::error::write_stderr(&format!(
                    "csctl: warning: `{extra}` appears only after the first page and is not in the CSV \
                     (columns come from the first page when streaming); -o jsonl or -o json shows every field"
                ));
            }
        }
        text.push_str(&writer.rows(rows));
        stdout.write_all(text.as_bytes()).map_err(|error| {
            failure = Some(error);
            ClientError::Cancelled
        })
    })
    .await;
    // A failed walk ends nothing: a half table is worse than none.
    if failure.is_none() && walked.is_ok() {
        if let Err(error) = stdout.write_all(writer.end().as_bytes()) {
            failure = Some(error);
        }
    }
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
