//! `wait_jobs` and `wait_job`: waiting on async jobs, many at once;
//! `previous_jobs`: the jobs of the script's previous run.

use std::sync::Arc;
use std::time::Duration;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map};

use super::{throw_map, FnResult};
use crate::client::{self, JobOutcome, WaitOptions};
use crate::script::convert::json_to_dynamic;
use crate::script::progress::JobsProgress;
use crate::script::HostState;

pub(crate) fn register(engine: &mut Engine, state: &Arc<HostState>) {
    let s = state.clone();
    FuncRegistration::new("wait_jobs")
        .with_volatility(true)
        .with_params_info(["jobs: Array", "Array"])
        .with_comments(["/// Waits for all `jobs` at once (job ids, or the maps async `api` calls return) and returns\n/// their results in the same order. If any fails or times out, waits for the others, then throws\n/// `#{failed: [...], results: [...], message}`."])
        .register_into_engine(engine, move |jobs: Array| -> FnResult<Array> { wait_all(&s, &jobs, &Map::new()) });
    let s = state.clone();
    FuncRegistration::new("wait_jobs")
        .with_volatility(true)
        .with_params_info(["jobs: Array", "options: Map", "Array"])
        .with_comments(["/// `wait_jobs(jobs)` with options: `timeout` (seconds, in all), `interval` (seconds, the\n/// longest pause between two polls of a job), `concurrency` (single polls in flight), `batch` (bool: follow many jobs with\n/// `listAsyncJobs` pages; `false` polls each job alone), `progress` (bool)."])
        .register_into_engine(engine, move |jobs: Array, options: Map| -> FnResult<Array> {
            wait_all(&s, &jobs, &options)
        });

    let s = state.clone();
    FuncRegistration::new("previous_jobs")
        .with_volatility(true)
        .with_params_info(["Array"])
        .with_comments(["/// The async jobs this script's previous run submitted (from the job journal): maps with
/// `jobid`, `command`, `params`, `status` (as last seen, or ()), `objectid`, `run`.
/// Pass them to `wait_jobs` to pick up what an interrupted run left going."])
        .register_into_engine(engine, move || -> FnResult<Array> {
            Ok(s.previous_jobs().iter().map(json_to_dynamic).collect())
        });

    let s = state.clone();
    FuncRegistration::new("wait_job")
        .with_volatility(true)
        .with_params_info(["job: Dynamic", "Dynamic"])
        .with_comments(["/// Waits for one job (an id, or the map an async `api` call returns) and returns its result.\n/// A failed job throws `#{jobid, status, errorcode, errortext, message}`."])
        .register_into_engine(engine, move |job: Dynamic| -> FnResult<Dynamic> {
            let jobid = job_id(&job, "wait_job", None)?;
            wait_one(&s, &jobid, &s.wait_defaults(), "wait_job")
        });
    let s = state.clone();
    FuncRegistration::new("wait_job")
        .with_volatility(true)
        .with_params_info(["job: Dynamic", "options: Map", "Dynamic"])
        .with_comments(["/// `wait_job(job)` with the options of `wait_jobs`."])
        .register_into_engine(
            engine,
            move |job: Dynamic, options: Map| -> FnResult<Dynamic> {
                let jobid = job_id(&job, "wait_job", None)?;
                let (options, _) = wait_options(&s, &options, "wait_job")?;
                wait_one(&s, &jobid, &options, "wait_job")
            },
        );
}

/// Waits for one job: its result, or a thrown map describing the failure.
/// `what` names the caller in messages (`wait_job`, or the command of `api_wait`).
pub(crate) fn wait_one(
    state: &HostState,
    jobid: &str,
    options: &WaitOptions,
    what: &str,
) -> FnResult<Dynamic> {
    let bar = JobsProgress::new(1, state.progress.load(std::sync::atomic::Ordering::Relaxed));
    let ids = [jobid.to_string()];
    let outcomes = state
        .block_on(client::wait_jobs(&state.client, &ids, options, &|p| {
            bar.update(p)
        }))
        .inspect_err(|_| {
            note_pending(state, what, &ids);
        })?;
    drop(bar);
    let outcome = outcomes.into_iter().next().expect("one outcome per job");
    if let JobOutcome::Succeeded { job, .. } = &outcome {
        return Ok(job_result(job));
    }
    Err(job_failure(&outcome, options.timeout, what))
}

/// The thrown map of a job that did not succeed (`timeout`: the wait's
/// limit); `what` names the caller in the message.
pub(crate) fn job_failure(
    outcome: &JobOutcome,
    timeout: Duration,
    what: &str,
) -> Box<rhai::EvalAltResult> {
    let failure = failure_of(outcome, timeout);
    let message = format!("{what}: {}", failure.text);
    throw_map("job", message, failure.map)
}

/// Ends a script interrupted while waiting for `pending` jobs, after
/// saying which (they go on in the cloud) and how to check them.
pub(crate) fn interrupted_wait(
    state: &HostState,
    what: &str,
    pending: &[String],
) -> Box<rhai::EvalAltResult> {
    note_pending(state, what, pending);
    crate::script::terminated()
}

/// The id of the job an outcome is about.
fn outcome_jobid(outcome: &JobOutcome) -> &str {
    match outcome {
        JobOutcome::Succeeded { jobid, .. }
        | JobOutcome::Failed { jobid, .. }
        | JobOutcome::TimedOut { jobid, .. }
        | JobOutcome::Unknown { jobid, .. } => jobid,
    }
}

/// After an interrupted wait: says on stderr which jobs were still pending
/// (they go on in the cloud) and how to check them.
pub(crate) fn note_pending(state: &HostState, what: &str, pending: &[String]) {
    if pending.is_empty() || !state.interrupter.is_interrupted() {
        return;
    }
    state.emit(
        crate::script::Stream::Stderr,
        &format!(
            "csctl: {what} interrupted; {}",
            crate::interrupt::pending_jobs_note(pending)
        ),
    );
}

fn wait_all(state: &HostState, jobs: &Array, options: &Map) -> FnResult<Array> {
    let (options, progress) = wait_options(state, options, "wait_jobs")?;
    let ids = jobs
        .iter()
        .enumerate()
        .map(|(index, job)| job_id(job, "wait_jobs", Some(index)))
        .collect::<FnResult<Vec<String>>>()?;
    if ids.is_empty() {
        return Ok(Array::new());
    }
    let bar = JobsProgress::new(ids.len(), progress);
    // The jobs that ended, so that an interrupted wait can list the others.
    let ended = std::sync::Mutex::new(std::collections::HashSet::new());
    // Each job's answer is cut down to its `jobresult`, in script form, as
    // soon as the job ends: a wait on a thousand VMs never holds a thousand
    // whole JSON answers at once.
    let outcomes = state
        .block_on(client::jobs::wait_jobs_with(
            &state.client,
            &ids,
            &options,
            &|p| bar.update(p),
            |outcome| {
                ended
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(outcome_jobid(&outcome).to_string());
                match outcome {
                    JobOutcome::Succeeded { job, .. } => Ok(job_result(&job)),
                    other => Err(Box::new(other)),
                }
            },
        ))
        .inspect_err(|_| {
            let ended = ended
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let pending: Vec<String> = ids
                .iter()
                .filter(|id| !ended.contains(*id))
                .cloned()
                .collect();
            note_pending(state, "wait_jobs", &pending);
        })?;
    drop(bar);

    let mut results = Array::with_capacity(outcomes.len());
    let mut failed = Array::new();
    let mut texts = Vec::new();
    for (index, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(result) => results.push(result),
            Err(outcome) => {
                results.push(Dynamic::UNIT);
                let mut failure = failure_of(&outcome, options.timeout);
                failure
                    .map
                    .insert("index".into(), Dynamic::from_int(index as i64));
                texts.push(failure.text);
                failed.push(failure.map.into());
            }
        }
    }
    if failed.is_empty() {
        return Ok(results);
    }
    const SHOWN: usize = 3;
    let mut message = format!(
        "{} of {} jobs failed: {}",
        failed.len(),
        ids.len(),
        texts[..texts.len().min(SHOWN)].join("; ")
    );
    if texts.len() > SHOWN {
        message.push_str(&format!(
            "; and {} more (see `failed`)",
            texts.len() - SHOWN
        ));
    }
    let mut fields = Map::new();
    fields.insert("failed".into(), failed.into());
    fields.insert("results".into(), results.into());
    Err(throw_map("jobs", message, fields))
}

struct Failure {
    map: Map,
    text: String,
}

fn failure_of(outcome: &JobOutcome, timeout: Duration) -> Failure {
    let mut map = Map::new();
    map.insert("jobid".into(), outcome.jobid().into());
    let (status, errorcode, errortext, text) = match outcome {
        JobOutcome::Failed {
            jobid,
            errorcode,
            errortext,
            ..
        } => (
            "failed",
            Dynamic::from_int(*errorcode),
            errortext.clone(),
            format!("job {jobid} failed: {errortext} (errorcode {errorcode})"),
        ),
        JobOutcome::TimedOut { jobid } => {
            let waited =
                humantime::format_duration(Duration::from_millis(timeout.as_millis() as u64));
            let errortext = format!("still pending after {waited}; it may still complete");
            let text = format!("job {jobid} timed out: {errortext}");
            ("timeout", Dynamic::UNIT, errortext, text)
        }
        JobOutcome::Unknown { jobid, reason } => (
            "unknown",
            Dynamic::UNIT,
            reason.clone(),
            format!("job {jobid} could not be followed: {reason}"),
        ),
        JobOutcome::Succeeded { jobid, .. } => (
            "succeeded",
            Dynamic::UNIT,
            String::new(),
            format!("job {jobid} succeeded"),
        ),
    };
    map.insert("status".into(), status.into());
    map.insert("errorcode".into(), errorcode);
    map.insert("errortext".into(), errortext.into());
    Failure { map, text }
}

/// What a job gives a script: its `jobresult` (`#{virtualmachine: ...}`).
fn job_result(job: &serde_json::Value) -> Dynamic {
    job.get("jobresult").map_or(Dynamic::UNIT, json_to_dynamic)
}

/// A job id from an id (string or number) or a map with `jobid`.
fn job_id(job: &Dynamic, function: &str, index: Option<usize>) -> FnResult<String> {
    let which = index.map_or(String::new(), |index| format!(" (item {index})"));
    if job.is_string() {
        return Ok(job.clone().into_string().unwrap_or_default());
    }
    if let Ok(number) = job.as_int() {
        return Ok(number.to_string());
    }
    if let Some(map) = job.read_lock::<Map>() {
        return match map.get("jobid") {
            Some(id) if id.is_string() || id.is_int() => job_id(id, function, index),
            _ => Err(throw_map(
                "params",
                format!("{function}: the map{which} has no `jobid`: pass job ids or what an async api() call returns"),
                Map::new(),
            )),
        };
    }
    Err(throw_map(
        "params",
        format!(
            "{function}: expected a job id or a map with `jobid`{which}, got a {}",
            job.type_name()
        ),
        Map::new(),
    ))
}

/// The wait options of a script's `options` map over the host's defaults,
/// and whether to show the progress bar.
pub(crate) fn wait_options(
    state: &HostState,
    options: &Map,
    function: &str,
) -> FnResult<(WaitOptions, bool)> {
    let mut wait = state.wait_defaults();
    let mut progress = state.progress.load(std::sync::atomic::Ordering::Relaxed);
    for (key, value) in options {
        match key.as_str() {
            "timeout" => wait.timeout = seconds(value, function, key)?,
            "interval" => {
                wait.max_interval = seconds(value, function, key)?.max(Duration::from_millis(1));
                wait.first_interval = wait.first_interval.min(wait.max_interval);
            }
            "concurrency" => match value.as_int() {
                Ok(count) if count >= 1 => wait.concurrency = count as usize,
                _ => return Err(bad_option(function, key, "a whole number of at least 1", value)),
            },
            "poll_failures" => match value.as_int() {
                Ok(count) if count >= 1 => wait.max_poll_failures = count as u32,
                _ => return Err(bad_option(function, key, "a whole number of at least 1", value)),
            },
            "batch" => match value.as_bool() {
                Ok(flag) => wait.batch = flag,
                Err(_) => return Err(bad_option(function, key, "true or false", value)),
            },
            "progress" => match value.as_bool() {
                Ok(flag) => progress = progress && flag,
                Err(_) => return Err(bad_option(function, key, "true or false", value)),
            },
            other => {
                return Err(throw_map(
                    "params",
                    format!("{function}: unknown option `{other}` (options are timeout, interval, concurrency, poll_failures, batch, progress)"),
                    Map::new(),
                ))
            }
        }
    }
    Ok((wait, progress))
}

fn seconds(value: &Dynamic, function: &str, key: &str) -> FnResult<Duration> {
    let seconds = value
        .as_float()
        .or_else(|_| value.as_int().map(|n| n as f64));
    match seconds {
        Ok(seconds) if seconds.is_finite() && (0.0..=1e9).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(bad_option(function, key, "a number of seconds", value)),
    }
}

fn bad_option(
    function: &str,
    key: &str,
    expected: &str,
    value: &Dynamic,
) -> Box<rhai::EvalAltResult> {
    throw_map(
        "params",
        format!("{function}: option `{key}` must be {expected}, not {value:?}"),
        Map::new(),
    )
}
