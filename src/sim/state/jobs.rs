//! Async jobs. A job is created with its outcome already decided (so that
//! concurrent deploys see each other's names and capacity) and a due time;
//! `State::settle` (in `api::jobs`, beside the effects it runs) completes it when a later request arrives after that
//! time, applying its effect and keeping a snapshot of the result, as the
//! server stores `jobresult` when the job ends. No timer task is involved.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{cs_date, State, VmState};

/// What a VM job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VmOp {
    Deploy,
    Start,
    Stop,
    Reboot,
    Destroy,
    Expunge,
    /// `expungeVirtualMachine` of a destroyed VM (answers `success`).
    ExpungeDestroyed,
}

/// A job's effect on the world, returning the `jobresult`.
pub(crate) type Effect = Box<dyn FnOnce(&mut State) -> Value + Send>;

/// The effect applied when a job completes successfully.
pub(crate) enum Action {
    /// A VM operation: `during` is shown while it runs, `after` once done,
    /// `before` again if it fails (a failed deploy leaves the VM in `Error`).
    Vm {
        vm: usize,
        op: VmOp,
        during: VmState,
        after: VmState,
        before: VmState,
    },
    /// Any other effect: run on success, its value is the `jobresult`.
    /// Each API group defines its own (see `api/`).
    Effect(Effect),
}

pub(crate) struct Job {
    pub id: String,
    /// The Java command class (`cmd` of the job).
    pub cmd: &'static str,
    pub instance_type: Option<&'static str>,
    pub instance_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created: String,
    pub completed: String,
    /// 0 pending, 1 succeeded, 2 failed.
    pub status: u8,
    pub result_code: u16,
    pub result: Option<Value>,
    pub action: Option<Action>,
    /// Decided at creation: `(errorcode, errortext)` of a job that will fail.
    pub failure: Option<(u16, String)>,
    /// The user who started it and that user's account (uuids): the
    /// cloud's own until the server front records the caller
    /// (`tenants::claim_jobs`).
    pub user_id: String,
    pub account_id: String,
}

/// Everything needed to create a job.
pub(crate) struct NewJob {
    pub cmd: &'static str,
    pub instance_type: Option<&'static str>,
    pub instance_id: Option<String>,
    pub action: Action,
    pub failure: Option<(u16, String)>,
}

impl State {
    /// Queues a job that completes `job_delay` after `start` (now, or when
    /// the previous job on the same VM ends). Returns its index.
    pub fn create_job(
        &mut self,
        new: NewJob,
        now: Instant,
        wall: DateTime<Utc>,
        start: Instant,
    ) -> usize {
        let complete_at = start + self.job_delay;
        let completed_wall =
            wall + chrono::Duration::from_std(complete_at - now).unwrap_or_default();
        let job = Job {
            id: self.uuid(),
            cmd: new.cmd,
            instance_type: new.instance_type,
            instance_id: new.instance_id,
            created_at: wall,
            created: cs_date(wall),
            completed: cs_date(completed_wall),
            status: 0,
            result_code: 0,
            result: None,
            action: Some(new.action),
            failure: new.failure,
            user_id: self.account.userid.clone(),
            account_id: self.account.id.clone(),
        };
        self.add_job(job, complete_at)
    }

    /// Queues a job on a VM: jobs on one VM run one after the other, so the
    /// new one starts when the VM's last queued job ends.
    pub fn create_vm_job(
        &mut self,
        vm: usize,
        new: NewJob,
        now: Instant,
        wall: DateTime<Utc>,
    ) -> usize {
        let start = if self.vms[vm].queue.is_empty() {
            now
        } else {
            self.vms[vm].tail.max(now)
        };
        let (during, after) = match &new.action {
            Action::Vm { during, after, .. } => (*during, *after),
            _ => unreachable!("VM jobs carry a VM action"),
        };
        let idle = self.vms[vm].queue.is_empty();
        let failing = new.failure.is_some();
        let job = self.create_job(new, now, wall, start);
        let vm_rt = &mut self.vms[vm];
        vm_rt.tail = start + self.job_delay;
        vm_rt.queue.push_back(job);
        if !failing {
            vm_rt.projected = after;
        }
        if idle {
            vm_rt.state = during;
        }
        job
    }

    /// The job as `queryAsyncJobResult` and `listAsyncJobs` show it.
    pub fn job_view(&self, index: usize) -> JobView<'_> {
        let job = &self.jobs[index];
        JobView {
            accountid: &job.account_id,
            userid: &job.user_id,
            cmd: job.cmd,
            jobstatus: job.status,
            jobprocstatus: 0,
            jobresultcode: job.result_code,
            jobresulttype: job.result.as_ref().map(|_| "object"),
            jobresult: job.result.as_ref(),
            jobinstancetype: job.instance_type,
            jobinstanceid: job.instance_id.as_deref(),
            created: &job.created,
            completed: (job.status != 0).then_some(job.completed.as_str()),
            jobid: &job.id,
        }
    }
}

/// `AsyncJobResponse`, fields in the server's order.
#[derive(Serialize)]
pub(crate) struct JobView<'a> {
    accountid: &'a str,
    userid: &'a str,
    cmd: &'a str,
    jobstatus: u8,
    jobprocstatus: u8,
    jobresultcode: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobresulttype: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobresult: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobinstancetype: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobinstanceid: Option<&'a str>,
    created: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<&'a str>,
    jobid: &'a str,
}

/// The default job delay (`--job-delay`).
pub const DEFAULT_JOB_DELAY: Duration = Duration::from_secs(2);
