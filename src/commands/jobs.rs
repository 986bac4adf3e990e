//! `csctl jobs`: the recent jobs of the journal ([`crate::journal`]) with
//! their current status, learned from the cloud in batches; `csctl jobs
//! wait [JOBID…|--last-run]`: wait for them again after Ctrl-C, SIGTERM or a
//! timeout, and print each result.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{connect, print_stdout};
use crate::cli::{GlobalArgs, JobsAction, JobsArgs, JobsWaitArgs, SimTarget};
use crate::error::Error;
use crate::journal::{self, Job};
use csctl::client::{self, Client, ClientError, JobOutcome, ListOptions, Params, WaitOptions};
use csctl::interrupt::Signals;
use csctl::output::{render_view, stdout_is_terminal, terminal_width, Fields, Format, View};

/// Jobs the list did not show that are asked about one by one, at most.
const MAX_SINGLE_QUERIES: usize = 50;

/// Runs `csctl jobs` or `csctl jobs wait`.
pub async fn run(global: &GlobalArgs, args: &JobsArgs) -> Result<(), Error> {
    let mut signals = Signals::new();
    let no_sim = SimTarget::default();
    let target = tokio::select! {
        target = connect(global, &no_sim) => target?,
        () = signals.recv() => return Err(ClientError::Cancelled.into()),
    };
    let client = target.client;
    let path = journal::path().ok_or_else(|| {
        Error::Io(format!(
            "no state folder for the job journal (no home folder, and {} is not set)",
            crate::state_dir::STATE_DIR_VARIABLE
        ))
    })?;
    let jobs = journal::read(&path).map_err(|error| {
        Error::Io(format!(
            "cannot read the job journal {}: {error}",
            path.display()
        ))
    })?;
    let endpoint = journal::clean_endpoint(&client.config().endpoint);
    match &args.action {
        None => {
            let mine: Vec<&Job> = jobs.iter().filter(|job| job.endpoint == endpoint).collect();
            let newest = &mine[mine.len().saturating_sub(args.limit)..];
            let statuses = tokio::select! {
                statuses = current_statuses(&client, newest) => statuses,
                () = signals.recv() => return Err(ClientError::Cancelled.into()),
            };
            let rows: Vec<Value> = newest
                .iter()
                .map(|job| {
                    let (status, objectid) = statuses
                        .get(&job.jobid)
                        .cloned()
                        .unwrap_or((job.status.clone().unwrap_or_else(|| "unknown".into()), None));
                    json!({
                        "jobid": job.jobid,
                        "command": job.command,
                        "status": status,
                        "objectid": objectid.or_else(|| job.objectid.clone()).unwrap_or_default(),
                        "submitted": submitted_text(job.time),
                        "run": job.run,
                        "script": job.script.clone().unwrap_or_default(),
                    })
                })
                .collect();
            print_rows(
                rows,
                args.output,
                &[
                    "jobid",
                    "command",
                    "status",
                    "objectid",
                    "submitted",
                    "script",
                ],
            )
        }
        Some(JobsAction::Wait(wait)) => {
            journal::attach(&client, None);
            wait_again(&client, &jobs, &endpoint, wait, args.output, &mut signals).await
        }
    }
}

fn submitted_text(time: i64) -> String {
    chrono::DateTime::from_timestamp(time, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn print_rows(rows: Vec<Value>, format: Format, columns: &[&str]) -> Result<(), Error> {
    let answer = json!({ "count": rows.len(), "job": rows });
    let fields = match format {
        Format::Table | Format::Column | Format::Csv => {
            Fields::Only(columns.iter().map(|c| c.to_string()).collect())
        }
        _ => Fields::default(),
    };
    let view = View {
        format,
        width: terminal_width(),
        fields,
        terminal: stdout_is_terminal(),
        one_row_as_fields: false,
    };
    print_stdout(&render_view(&answer, &view))
}

/// The status (`pending`, `succeeded`, `failed`) and object id of each job,
/// from `listAsyncJobs` pages (one request for up to 500 jobs), and for
/// jobs the list does not show, `queryAsyncJobResult` one by one (a few).
async fn current_statuses(
    client: &Client,
    jobs: &[&Job],
) -> HashMap<String, (String, Option<String>)> {
    let mut statuses = HashMap::new();
    if jobs.is_empty() {
        return statuses;
    }
    let mut params = Params::new();
    if let Some(oldest) = jobs.iter().map(|job| job.time).min() {
        // listAsyncJobs' startdate is a date; a day back covers time zones.
        if let Some(date) = chrono::DateTime::from_timestamp(oldest - 86_400, 0) {
            let _ = params.insert("startdate", date.format("%Y-%m-%d").to_string());
        }
    }
    let wanted: std::collections::HashSet<&str> =
        jobs.iter().map(|job| job.jobid.as_str()).collect();
    let _ = client::for_each_page(
        client,
        "listAsyncJobs",
        &params,
        &ListOptions::default(),
        |_, page| {
            for job in page {
                if let Some(id) = client::job_id(&job) {
                    if wanted.contains(id.as_str()) {
                        statuses.insert(id, status_of(&job));
                    }
                }
            }
            Ok(())
        },
    )
    .await;
    let missing: Vec<&str> = jobs
        .iter()
        .map(|job| job.jobid.as_str())
        .filter(|id| !statuses.contains_key(*id))
        .take(MAX_SINGLE_QUERIES)
        .collect();
    let queries = missing.iter().map(|id| async move {
        let mut params = Params::new();
        params.insert("jobid", *id).ok()?;
        let job = client.call("queryAsyncJobResult", &params).await.ok()?;
        Some((id.to_string(), status_of(&job)))
    });
    for (id, status) in futures::future::join_all(queries)
        .await
        .into_iter()
        .flatten()
    {
        statuses.insert(id, status);
    }
    statuses
}

fn status_of(job: &Value) -> (String, Option<String>) {
    let status = match job
        .get("jobstatus")
        .and_then(csctl::client::response::as_integer)
    {
        Some(0) => "pending",
        Some(1) => "succeeded",
        Some(2) => "failed",
        Some(3) => "cancelled",
        _ => "unknown",
    };
    let objectid = job
        .get("jobresult")
        .and_then(Value::as_object)
        .and_then(|result| {
            result
                .values()
                .find_map(|v| v.get("id").and_then(Value::as_str))
        })
        .or_else(|| job.get("jobinstanceid").and_then(Value::as_str))
        .map(str::to_string);
    (status.to_string(), objectid)
}

async fn wait_again(
    client: &Client,
    jobs: &[Job],
    endpoint: &str,
    args: &JobsWaitArgs,
    format: Format,
    signals: &mut Signals,
) -> Result<(), Error> {
    let chosen: Vec<(String, String)> = if args.last_run {
        let last = journal::last_run(jobs, endpoint, None, None);
        if last.is_empty() {
            return Err(Error::Usage(format!(
                "the job journal has no jobs for {endpoint}: nothing to wait for"
            )));
        }
        last.iter()
            .map(|job| (job.jobid.clone(), job.command.clone()))
            .collect()
    } else {
        let commands: HashMap<&str, &str> = jobs
            .iter()
            .map(|job| (job.jobid.as_str(), job.command.as_str()))
            .collect();
        args.jobids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    commands.get(id.as_str()).unwrap_or(&"").to_string(),
                )
            })
            .collect()
    };
    let ids: Vec<String> = chosen.iter().map(|(id, _)| id.clone()).collect();
    let options = WaitOptions {
        timeout: args.wait_timeout,
        ..WaitOptions::default()
    };
    let outcomes = tokio::select! {
        outcomes = client::wait_jobs(client, &ids, &options, &|_| {}) => outcomes,
        () = signals.recv() => {
            return Err(Error::Interrupted(format!(
                "{} jobs go on in the cloud; wait again with `csctl jobs wait {}`",
                ids.len(),
                if args.last_run { "--last-run".to_string() } else { ids.join(" ") }
            )))
        }
    };
    let mut failed = 0;
    let rows: Vec<Value> = outcomes
        .iter()
        .zip(&chosen)
        .map(|(outcome, (_, command))| {
            let (status, objectid, result) = match outcome {
                JobOutcome::Succeeded { job, .. } => {
                    let (_, objectid) = status_of(job);
                    ("succeeded", objectid, job.get("jobresult").cloned().unwrap_or(Value::Null))
                }
                JobOutcome::Failed { errortext, .. } => {
                    failed += 1;
                    ("failed", None, Value::String(errortext.clone()))
                }
                JobOutcome::TimedOut { .. } => {
                    failed += 1;
                    ("timeout", None, Value::String(format!("still pending after {}", humantime::format_duration(args.wait_timeout))))
                }
                JobOutcome::Unknown { reason, .. } => {
                    failed += 1;
                    ("unknown", None, Value::String(reason.clone()))
                }
            };
            let summary = match (&objectid, &result) {
                (_, Value::String(text)) => text.clone(),
                (Some(id), _) => id.clone(),
                _ => String::new(),
            };
            json!({
                "jobid": outcome.jobid(),
                "command": command,
                "status": status,
                "objectid": objectid.unwrap_or_default(),
                "result": if matches!(format, Format::Json | Format::Jsonl) { result } else { Value::String(summary) },
            })
        })
        .collect();
    print_rows(rows, format, &["jobid", "command", "status", "result"])?;
    if failed > 0 {
        return Err(Error::Script(format!(
            "{failed} of {} jobs did not succeed",
            ids.len()
        )));
    }
    Ok(())
}
