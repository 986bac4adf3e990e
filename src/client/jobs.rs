//! Waiting for async jobs: one, or hundreds at once.
//!
//! Each job is polled with `queryAsyncJobResult` on its own schedule, which
//! starts short (most jobs end quickly on a healthy cloud) and backs off to a
//! cap; a semaphore bounds the polls in flight, so a thousand jobs never mean
//! a thousand simultaneous requests. Only `jobstatus` says whether a job has
//! ended. A job whose polls keep failing is reported as unknown with its id,
//! never dropped, and a failed job never hides the others' results.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::error::ClientError;
use super::http::Client;
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
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3600),
            first_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
            concurrency: 16,
            max_poll_failures: 10,
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
    let permits = Semaphore::new(options.concurrency.max(1));
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let total = jobids.len();
    let report = |outcome: &JobOutcome| {
        let (done, failed) = if outcome.is_success() {
            (
                done.fetch_add(1, Ordering::Relaxed) + 1,
                failed.load(Ordering::Relaxed),
            )
        } else {
            (
                done.load(Ordering::Relaxed),
                failed.fetch_add(1, Ordering::Relaxed) + 1,
            )
        };
        progress(Progress {
            done,
            failed,
            pending: total - done - failed,
        });
    };
    progress(Progress {
        done: 0,
        failed: 0,
        pending: total,
    });
    let waits = jobids.iter().map(|jobid| async {
        let outcome = wait_one(client, jobid, options, deadline, &permits).await;
        report(&outcome);
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
            Ok(Some(outcome)) => return outcome,
            Ok(None) => failures = 0,
            Err(error) => {
                let reason = error.to_string();
                // An id the server does not know will not become known.
                let permanent = matches!(&error, ClientError::Api(api) if api.errorcode == 431);
                failures += 1;
                client.tracer().note(&format!(
                    "polling job {jobid} failed ({failures}): {reason}"
                ));
                if permanent || failures >= options.max_poll_failures {
                    return JobOutcome::Unknown {
                        jobid: jobid.to_string(),
                        reason,
                    };
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

/// Polls a job once: `None` while it is pending.
async fn poll(client: &Client, jobid: &str) -> Result<Option<JobOutcome>, ClientError> {
    let mut params = Params::new();
    params.insert("jobid", jobid)?;
    let job = client.call("queryAsyncJobResult", &params).await?;
    let status = job.get("jobstatus").and_then(as_integer).unwrap_or(0);
    let jobid = jobid.to_string();
    Ok(match status {
        0 => None,
        1 => Some(JobOutcome::Succeeded { jobid, job }),
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
            Some(JobOutcome::Failed {
                jobid,
                errorcode,
                errortext,
                job,
            })
        }
    })
}

fn round_to_millis(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis() as u64)
}
