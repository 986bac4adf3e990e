//! Waiting for async jobs: one, or hundreds at once.
//!
//! One job is polled with `queryAsyncJobResult`. Many jobs are followed with
//! `listAsyncJobs`, which gives the state (and, once ended, the `jobresult`)
//! of up to 500 of the caller's jobs per request: a wait on 500 jobs costs a
//! request or two per round instead of 500, which matters under the API rate
//! limit. `startdate` narrows the list to the jobs waited for. Any job the
//! list does not show (another account's job, a purged job, a server that
//! forbids the list) is polled alone with `queryAsyncJobResult`: no job is
//! ever reported lost because the list missed it.
//!
//! Rounds start short (most jobs end quickly on a healthy cloud) and back
//! off to a cap; a semaphore bounds the single polls in flight. Only
//! `jobstatus` says whether a job has ended. A job whose polls keep failing
//! is reported as unknown with its id, never dropped, and a failed job never
//! hides the others' results.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::error::ClientError;
use super::http::Client;
use super::paging::MAX_PAGE_SIZE;
use super::params::Params;
use super::response::as_integer;

/// How to wait.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    /// Give up on jobs still pending after this long (from the start of the wait).
    pub timeout: Duration,
    /// The first pause between two polls of a job.
    pub first_interval: Duration,
    /// The longest pause between two polls of a job (back-off cap).
    pub max_interval: Duration,
    /// Polls in flight at once, across all jobs.
    pub concurrency: usize,
    /// Failed polls in a row after which a job is reported as unknown.
    pub max_poll_failures: u32,
    /// Follow many jobs with `listAsyncJobs` pages (`false`: one
    /// `queryAsyncJobResult` per job and round, as older csctl did).
    pub batch: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3600),
            first_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
            concurrency: 16,
            max_poll_failures: 10,
            batch: true,
        }
    }
}

/// How one job ended, as far as the wait could tell.
#[derive(Clone, Debug)]
pub enum JobOutcome {
    /// `jobstatus` 1: the job object, with the entity under `jobresult`.
    Succeeded {
        /// The job's id.
        jobid: String,
        /// The whole `queryAsyncJobResult` object.
        job: Value,
    },
    /// `jobstatus` 2 (or 3, cancelled).
    Failed {
        /// The job's id.
        jobid: String,
        /// `jobresult.errorcode` (530 when the server gave none).
        errorcode: i64,
        /// `jobresult.errortext`.
        errortext: String,
        /// The whole `queryAsyncJobResult` object.
        job: Value,
    },
    /// Still pending when the wait's time ran out.
    TimedOut {
        /// The job's id.
        jobid: String,
    },
    /// Polling kept failing, or the server does not know the job.
    Unknown {
        /// The job's id.
        jobid: String,
        /// The last poll error.
        reason: String,
    },
}

impl JobOutcome {
    /// The job's id.
    pub fn jobid(&self) -> &str {
        match self {
            Self::Succeeded { jobid, .. }
            | Self::Failed { jobid, .. }
            | Self::TimedOut { jobid }
            | Self::Unknown { jobid, .. } => jobid,
        }
    }

    /// Whether the job succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Succeeded { .. })
    }

    /// The outcome as an error, for callers that wait on a single job.
    pub fn into_result(self, waited: Duration) -> Result<Value, ClientError> {
        match self {
            Self::Succeeded { job, .. } => Ok(job),
            Self::Failed {
                jobid,
                errorcode,
                errortext,
                ..
            } => Err(ClientError::JobFailed {
                jobid,
                errorcode,
                errortext,
            }),
            Self::TimedOut { jobid } => Err(ClientError::JobTimeout {
                jobid,
                waited: humantime::format_duration(round_to_millis(waited)).to_string(),
            }),
            Self::Unknown { jobid, reason } => Err(ClientError::JobTimeout {
                jobid,
                waited: format!("the polls kept failing ({reason})"),
            }),
        }
    }
}

/// Counts reported while waiting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Jobs that succeeded.
    pub done: usize,
    /// Jobs that failed, timed out or are unknown.
    pub failed: usize,
    /// Jobs still pending.
    pub pending: usize,
}

/// The `jobid` of an answer (an async command's `{jobid}`, a job object):
/// the text of a string, the digits of a number.
pub fn job_id(answer: &Value) -> Option<String> {
    checked_job_id(answer.get("jobid")?).ok().flatten()
}

/// The longest job id taken (a UUID is 36 characters; old servers sent
/// numbers): anything longer is not a job id.
const MAX_JOB_ID: usize = 64;

/// A `jobid` value as a job id: a short string or a whole number (`None`
/// for `null`); anything else is refused, shown cut short.
pub(crate) fn checked_job_id(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if !text.is_empty() && text.len() <= MAX_JOB_ID => {
            Ok(Some(text.clone()))
        }
        Value::Number(number) if number.is_u64() => Ok(Some(number.to_string())),
        other => Err(shown_cut(other)),
    }
}

/// A JSON value as the server sent it, cut to a few dozen characters.
pub(crate) fn shown_cut(value: &Value) -> String {
    const MAX: usize = 40;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
        None => text,
    }
}

/// How [`Client::call_and_wait`] ended without a result.
#[derive(Debug)]
pub enum CallAndWaitError {
    /// The call failed, or was cancelled before its answer came
    /// ([`ClientError::Cancelled`]): no job is known.
    Call(ClientError),
    /// The job ended without success: failed, still pending when the wait
    /// ran out, or could not be followed.
    Job {
        /// How it ended.
        outcome: Box<JobOutcome>,
        /// The wait's time limit (for the message of a job that timed out).
        timeout: Duration,
    },
    /// Cancelled while waiting: the job goes on in the cloud.
    Cancelled {
        /// The job that goes on.
        jobid: String,
    },
}

impl CallAndWaitError {
    /// The id of the job the call started, if it started one.
    pub fn jobid(&self) -> Option<&str> {
        match self {
            Self::Call(_) => None,
            Self::Job { outcome, .. } => Some(outcome.jobid()),
            Self::Cancelled { jobid } => Some(jobid),
        }
    }

    /// The error as one [`ClientError`]: a failed job is
    /// [`ClientError::JobFailed`], one that timed out or could not be
    /// followed [`ClientError::JobTimeout`], a cancellation
    /// [`ClientError::Cancelled`].
    pub fn into_client_error(self) -> ClientError {
        match self {
            Self::Call(error) => error,
            Self::Job { outcome, timeout } => match outcome.into_result(timeout) {
                Err(error) => error,
                Ok(_) => unreachable!("a job that succeeded is not an error"),
            },
            Self::Cancelled { .. } => ClientError::Cancelled,
        }
    }
}

impl std::fmt::Display for CallAndWaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Call(error) => error.fmt(f),
            Self::Job { outcome, timeout } => match (**outcome).clone().into_result(*timeout) {
                Err(error) => error.fmt(f),
                Ok(_) => write!(f, "job {} succeeded", outcome.jobid()),
            },
            Self::Cancelled { jobid } => write!(f, "interrupted; job {jobid} goes on in the cloud"),
        }
    }
}

impl std::error::Error for CallAndWaitError {}

impl Client {
    /// Calls `command`; when the catalogue (or the answer's shape) says it
    /// started a job, waits for the job and returns its `jobresult` (null
    /// when it has none), else returns the answer. `progress` hears of the
    /// wait (the job's id and counts; not called when there is no job).
    /// When `cancelled` completes first, the call or wait stops: before the
    /// answer came, [`CallAndWaitError::Call`] with
    /// [`ClientError::Cancelled`]; while waiting,
    /// [`CallAndWaitError::Cancelled`] with the job's id.
    pub async fn call_and_wait(
        &self,
        command: &str,
        params: &Params,
        options: &WaitOptions,
        progress: &(dyn Fn(&str, Progress) + Sync),
        cancelled: impl std::future::Future<Output = ()>,
    ) -> Result<Value, CallAndWaitError> {
        let mut cancelled = std::pin::pin!(cancelled);
        let answer = tokio::select! {
            biased;
            () = &mut cancelled => return Err(CallAndWaitError::Call(ClientError::Cancelled)),
            answer = self.call(command, params) => answer.map_err(CallAndWaitError::Call)?,
        };
        if let Some(Err(shown)) = answer.get("jobid").map(checked_job_id) {
            return Err(CallAndWaitError::Call(ClientError::OddJobId {
                command: command.to_string(),
                shown,
            }));
        }
        let Some(jobid) = self.job_to_wait(command, &answer) else {
            return Ok(answer);
        };
        let ids = [jobid];
        let report = |counts: Progress| progress(&ids[0], counts);
        let outcome = tokio::select! {
            biased;
            () = &mut cancelled => None,
            outcomes = wait_jobs(self, &ids, options, &report) => outcomes.into_iter().next(),
        };
        let [jobid] = ids;
        match outcome {
            None => Err(CallAndWaitError::Cancelled { jobid }),
            Some(JobOutcome::Succeeded { job, .. }) => Ok(match job {
                Value::Object(mut fields) => fields.remove("jobresult").unwrap_or(Value::Null),
                _ => Value::Null,
            }),
            Some(outcome) => Err(CallAndWaitError::Job {
                outcome: Box::new(outcome),
                timeout: options.timeout,
            }),
        }
    }
}

/// Waits for one job.
pub async fn wait_job(
    client: &Client,
    jobid: &str,
    options: &WaitOptions,
) -> Result<Value, ClientError> {
    let outcomes = wait_jobs(client, &[jobid.to_string()], options, &|_| {}).await;
    let outcome = outcomes.into_iter().next().expect("one outcome per job");
    outcome.into_result(options.timeout)
}

/// Waits for every job at once and returns their outcomes in the order of
/// `jobids`. `progress` is called whenever a job ends.
pub async fn wait_jobs(
    client: &Client,
    jobids: &[String],
    options: &WaitOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<JobOutcome> {
    wait_jobs_with(client, jobids, options, progress, |outcome| outcome).await
}

/// Counts ended jobs and reports them to the caller's `progress`.
struct Tally<'a> {
    done: AtomicUsize,
    failed: AtomicUsize,
    total: usize,
    progress: &'a (dyn Fn(Progress) + Sync),
}

impl<'a> Tally<'a> {
    fn new(total: usize, progress: &'a (dyn Fn(Progress) + Sync)) -> Self {
        progress(Progress {
            done: 0,
            failed: 0,
            pending: total,
        });
        Self {
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            total,
            progress,
        }
    }

    fn ended(&self, outcome: &JobOutcome, count: usize) {
        let (done, failed) = if outcome.is_success() {
            (
                self.done.fetch_add(count, Ordering::Relaxed) + count,
                self.failed.load(Ordering::Relaxed),
            )
        } else {
            (
                self.done.load(Ordering::Relaxed),
                self.failed.fetch_add(count, Ordering::Relaxed) + count,
            )
        };
        (self.progress)(Progress {
            done,
            failed,
            pending: self.total - done - failed,
        });
    }
}

/// [`wait_jobs`], with each outcome passed through `map` as soon as its job
/// ends: a caller that keeps only part of each result (a script keeps
/// `jobresult`, in its own form) then never holds a thousand whole job
/// answers at once.
pub async fn wait_jobs_with<T>(
    client: &Client,
    jobids: &[String],
    options: &WaitOptions,
    progress: &(dyn Fn(Progress) + Sync),
    map: impl Fn(JobOutcome) -> T,
) -> Vec<T> {
    let deadline = Instant::now() + options.timeout;
    let tally = Tally::new(jobids.len(), progress);
    let map = |outcome: JobOutcome| {
        client.note_ended(&outcome);
        map(outcome)
    };
    let distinct: HashSet<&str> = jobids.iter().map(String::as_str).collect();
    if options.batch && distinct.len() > 1 {
        return wait_batched(client, jobids, options, deadline, &tally, map).await;
    }
    let permits = Semaphore::new(options.concurrency.max(1));
    let waits = jobids.iter().map(|jobid| async {
        let outcome = wait_one(client, jobid, options, deadline, &permits).await;
        tally.ended(&outcome, 1);
        map(outcome)
    });
    futures::future::join_all(waits).await
}

async fn wait_one(
    client: &Client,
    jobid: &str,
    options: &WaitOptions,
    deadline: Instant,
    permits: &Semaphore,
) -> JobOutcome {
    let mut interval = options.first_interval;
    let mut failures = 0;
    loop {
        let poll = {
            let _permit = permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            poll(client, jobid).await
        };
        match poll {
            Ok(job) => match outcome_of(jobid, job) {
                Ok(outcome) => return outcome,
                Err(_) => failures = 0,
            },
            Err(error) => {
                failures += 1;
                if let Some(outcome) = failed_poll(client, jobid, error.into(), failures, options) {
                    return outcome;
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return JobOutcome::TimedOut {
                jobid: jobid.to_string(),
            };
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval.mul_f64(1.5)).min(options.max_interval);
    }
}

/// Notes a failed poll; the outcome when the job is to be given up on (an
/// id the server does not know, or too many failures in a row).
fn failed_poll(
    client: &Client,
    jobid: &str,
    failure: PollFailure,
    failures: u32,
    options: &WaitOptions,
) -> Option<JobOutcome> {
    let PollFailure { reason, permanent } = failure;
    client.tracer().note(&format!(
        "polling job {jobid} failed ({failures}): {reason}"
    ));
    (permanent || failures >= options.max_poll_failures).then(|| JobOutcome::Unknown {
        jobid: jobid.to_string(),
        reason,
    })
}

/// Why a poll gave no state.
struct PollFailure {
    reason: String,
    /// The server does not know the job: it will not become known.
    permanent: bool,
}

impl From<ClientError> for PollFailure {
    fn from(error: ClientError) -> Self {
        Self {
            permanent: matches!(&error, ClientError::Api(api) if api.errorcode == 431),
            reason: error.to_string(),
        }
    }
}

/// Polls a job once with `queryAsyncJobResult`.
async fn poll(client: &Client, jobid: &str) -> Result<Value, ClientError> {
    let mut params = Params::new();
    params.insert("jobid", jobid)?;
    client.call("queryAsyncJobResult", &params).await
}

/// How a job object says its job ended; the object back while it is
/// pending (`jobstatus` 0).
fn outcome_of(jobid: &str, job: Value) -> Result<JobOutcome, Value> {
    let jobid = jobid.to_string();
    // Only 0 (pending), 1, 2 and 3 (cancelled) mean anything: any other
    // answer would be polled until the wait's time runs out.
    let status = match job.get("jobstatus") {
        Some(value) => as_integer(value).filter(|status| (0..=3).contains(status)),
        None => None,
    };
    let Some(status) = status else {
        let shown = job.get("jobstatus").map_or("none".to_string(), shown_cut);
        return Ok(JobOutcome::Unknown {
            jobid,
            reason: format!("the server's job answer has jobstatus {shown}, not 0, 1 or 2"),
        });
    };
    Ok(match status {
        0 => return Err(job),
        1 => JobOutcome::Succeeded { jobid, job },
        _ => {
            let result = job.get("jobresult");
            let errorcode = result
                .and_then(|r| r.get("errorcode"))
                .and_then(as_integer)
                .or_else(|| job.get("jobresultcode").and_then(as_integer))
                .unwrap_or(530);
            let errortext = result
                .and_then(|r| r.get("errortext"))
                .and_then(Value::as_str)
                .unwrap_or(if status == 3 {
                    "the job was cancelled"
                } else {
                    "the job failed"
                })
                .to_string();
            JobOutcome::Failed {
                jobid,
                errorcode,
                errortext,
                job,
            }
        }
    })
}

/// The list `listAsyncJobs` answers with.
const LIST_COMMAND: &str = "listAsyncJobs";

/// Pages of `listAsyncJobs` read in one round at most: past that, the jobs
/// not found yet are polled alone.
const MAX_LIST_PAGES: usize = 50;

/// How far before the first job's `created` the first list starts: jobs
/// given to one wait are usually created together, and any created earlier
/// still end (polled alone).
const STARTDATE_MARGIN: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// One distinct job of a batched wait.
struct Tracked {
    jobid: String,
    /// Where its outcome goes in the caller's order (an id given twice has two).
    indexes: Vec<usize>,
    /// Failed polls in a row.
    failures: u32,
    /// A whole list round did not show it: polled alone from then on.
    alone: bool,
    /// When the server says it was created, in the server's own zone (the
    /// zone `startdate` is read in).
    created: Option<chrono::NaiveDateTime>,
}

/// What one round learnt of a job.
enum Seen {
    Pending(Option<chrono::NaiveDateTime>),
    Ended(JobOutcome),
    /// To be polled alone this round.
    Alone,
    Failed(PollFailure),
}

/// Many jobs, a round at a time: one `listAsyncJobs` walk for the jobs it
/// shows, single polls for the others.
async fn wait_batched<T>(
    client: &Client,
    jobids: &[String],
    options: &WaitOptions,
    deadline: Instant,
    tally: &Tally<'_>,
    map: impl Fn(JobOutcome) -> T,
) -> Vec<T> {
    let mut results: Vec<Option<T>> = jobids.iter().map(|_| None).collect();
    let mut pending: Vec<Tracked> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (index, jobid) in jobids.iter().enumerate() {
        match position.get(jobid.as_str()) {
            Some(&at) => pending[at].indexes.push(index),
            None => {
                position.insert(jobid, pending.len());
                pending.push(Tracked {
                    jobid: jobid.clone(),
                    indexes: vec![index],
                    failures: 0,
                    alone: false,
                    created: None,
                });
            }
        }
    }
    let permits = Semaphore::new(options.concurrency.max(1));
    let mut listing = true;
    let mut startdate_works = true;
    let mut first_round = true;
    // The `created` of the first job, when the first round polled it.
    let mut anchor = None;
    let mut interval = options.first_interval;
    loop {
        let mut seen: Vec<Option<Seen>> = pending.iter().map(|_| None).collect();
        if listing && first_round {
            // One job's `created` tells the server's clock and zone, which
            // `startdate` is read in.
            seen[0] = Some(match poll(client, &pending[0].jobid).await {
                Ok(job) => {
                    anchor = created_of(&job);
                    seen_in(&pending[0].jobid, job)
                }
                Err(error) => Seen::Failed(error.into()),
            });
        }
        first_round = false;
        let listed: Vec<usize> = (0..pending.len())
            .filter(|&at| listing && !pending[at].alone && seen[at].is_none())
            .collect();
        if !listed.is_empty() {
            let known: Vec<chrono::NaiveDateTime> = listed
                .iter()
                .filter_map(|&at| pending[at].created)
                .collect();
            let since = if !startdate_works {
                None
            } else if known.len() == listed.len() {
                known.into_iter().min()
            } else {
                known
                    .into_iter()
                    .chain(anchor)
                    .min()
                    .map(|created| created - STARTDATE_MARGIN)
            };
            let wanted: HashSet<&str> = listed
                .iter()
                .map(|&at| pending[at].jobid.as_str())
                .collect();
            match list_jobs(client, since, &wanted).await {
                Ok(mut found) => {
                    for &at in &listed {
                        seen[at] = Some(match found.remove(pending[at].jobid.as_str()) {
                            Some(job) => seen_in(&pending[at].jobid, job),
                            None => {
                                client.tracer().note(&format!(
                                    "job {} is not in {LIST_COMMAND}: polling it alone",
                                    pending[at].jobid
                                ));
                                pending[at].alone = true;
                                Seen::Alone
                            }
                        });
                    }
                }
                Err(ClientError::Api(error)) if error.errorcode != 429 => {
                    if since.is_some() && error.errorcode == 431 {
                        startdate_works = false;
                    } else {
                        listing = false;
                    }
                    client.tracer().note(&format!(
                        "{LIST_COMMAND} refused ({error}); {}",
                        if listing {
                            "listing without startdate"
                        } else {
                            "polling every job alone"
                        }
                    ));
                    for &at in &listed {
                        seen[at] = Some(Seen::Alone);
                    }
                }
                Err(error) => {
                    let reason = error.to_string();
                    for &at in &listed {
                        seen[at] = Some(Seen::Failed(PollFailure {
                            reason: format!("{LIST_COMMAND} failed: {reason}"),
                            permanent: false,
                        }));
                    }
                }
            }
        }
        // Jobs the list did not settle, polled alone, a few at a time.
        let alone: Vec<usize> = (0..pending.len())
            .filter(|&at| matches!(seen[at], None | Some(Seen::Alone)))
            .collect();
        let polls = alone.iter().map(|&at| {
            let jobid = pending[at].jobid.as_str();
            let permits = &permits;
            async move {
                let _permit = permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                match poll(client, jobid).await {
                    Ok(job) => seen_in(jobid, job),
                    Err(error) => Seen::Failed(error.into()),
                }
            }
        });
        for (at, polled) in alone.iter().zip(futures::future::join_all(polls).await) {
            seen[*at] = Some(polled);
        }

        let mut still = Vec::with_capacity(pending.len());
        for (mut job, seen) in pending.into_iter().zip(seen) {
            let ended = match seen {
                Some(Seen::Ended(outcome)) => Some(outcome),
                Some(Seen::Pending(created)) => {
                    job.failures = 0;
                    job.created = created.or(job.created);
                    None
                }
                Some(Seen::Failed(failure)) => {
                    job.failures += 1;
                    failed_poll(client, &job.jobid, failure, job.failures, options)
                }
                Some(Seen::Alone) | None => None,
            };
            match ended {
                Some(outcome) => deliver(&mut results, &job, outcome, tally, &map),
                None => still.push(job),
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            for job in std::mem::take(&mut pending) {
                let outcome = JobOutcome::TimedOut {
                    jobid: job.jobid.clone(),
                };
                deliver(&mut results, &job, outcome, tally, &map);
            }
            break;
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval.mul_f64(1.5)).min(options.max_interval);
    }
    results
        .into_iter()
        .map(|result| result.expect("every job has an outcome"))
        .collect()
}

/// Hands a job's outcome to the caller (once per place its id was given).
fn deliver<T>(
    results: &mut [Option<T>],
    job: &Tracked,
    outcome: JobOutcome,
    tally: &Tally<'_>,
    map: &impl Fn(JobOutcome) -> T,
) {
    tally.ended(&outcome, job.indexes.len());
    let (last, others) = job.indexes.split_last().expect("at least one index");
    for &index in others {
        results[index] = Some(map(outcome.clone()));
    }
    results[*last] = Some(map(outcome));
}

/// What a job object (from the list or a poll) says. An ended job without
/// `jobresult` is polled alone, which always carries it.
fn seen_in(jobid: &str, job: Value) -> Seen {
    match outcome_of(jobid, job) {
        Ok(outcome) => {
            let has_result = match &outcome {
                JobOutcome::Succeeded { job, .. } | JobOutcome::Failed { job, .. } => {
                    job.get("jobresult").is_some()
                }
                _ => true,
            };
            if has_result {
                Seen::Ended(outcome)
            } else {
                Seen::Alone
            }
        }
        Err(job) => Seen::Pending(created_of(&job)),
    }
}

/// A job's `created`, in the server's local time.
fn created_of(job: &Value) -> Option<chrono::NaiveDateTime> {
    job.get("created")
        .and_then(Value::as_str)
        .and_then(server_local_time)
}

/// The server's local time in a `created` such as
/// `2021-09-29T17:50:11+0530`: `startdate` is read in the server's zone.
fn server_local_time(created: &str) -> Option<chrono::NaiveDateTime> {
    let local = created.get(..19)?;
    chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S").ok()
}

/// The jobs of `wanted` that `listAsyncJobs` shows, by id: pages are read
/// until every wanted job was seen, a page is short, `count` is reached, or
/// a page shows nothing new (a server that ignores `page`).
async fn list_jobs(
    client: &Client,
    since: Option<chrono::NaiveDateTime>,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, Value>, ClientError> {
    let mut params = Params::new();
    if let Some(since) = since {
        params.set("startdate", since.format("%Y-%m-%d %H:%M:%S").to_string());
    }
    params.set("pagesize", MAX_PAGE_SIZE.to_string());
    let mut found: HashMap<String, Value> = HashMap::new();
    let mut ids_seen: HashSet<String> = HashSet::new();
    for page in 1..=MAX_LIST_PAGES {
        params.set("page", page.to_string());
        let mut answer = client.call(LIST_COMMAND, &params).await?;
        let count = answer.get("count").and_then(as_integer);
        let items = match answer.get_mut("asyncjobs") {
            Some(Value::Array(items)) => std::mem::take(items),
            _ => Vec::new(),
        };
        let length = items.len();
        let mut new_items = 0;
        for job in items {
            let Some(jobid) = job_id(&job) else {
                continue;
            };
            if !ids_seen.insert(jobid.clone()) {
                continue;
            }
            new_items += 1;
            if wanted.contains(jobid.as_str()) {
                found.insert(jobid, job);
            }
        }
        let complete = found.len() >= wanted.len()
            || length < MAX_PAGE_SIZE
            || new_items == 0
            || count.is_some_and(|count| ids_seen.len() as i64 >= count);
        if complete {
            break;
        }
    }
    Ok(found)
}

fn round_to_millis(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis() as u64)
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
pub(crate) mod tests;
