//! `queryAsyncJobResult` and `listAsyncJobs`, and completing jobs when
//! their time has come.

use std::time::Instant;

use serde_json::Value;

use super::{paged, paging, Ctx, Handlers};
use crate::sim::catalog::parse_date;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, VmOp};
use crate::sim::state::{State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("queryAsyncJobResult", query_async_job_result),
    ("listAsyncJobs", list_async_jobs),
];

pub(crate) fn query_async_job_result(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let job = ctx
        .st
        .job(params.get("jobid").unwrap_or_default())
        .expect("checked by the catalog");
    crate::sim::state::tenants::check_job_access(ctx.st, &ctx.caller, job)?;
    // The job is the whole answer: no inner object name.
    Ok(Reply::ok(envelope(ctx.api.key, &ctx.st.job_view(job))))
}

pub(crate) fn list_async_jobs(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let since = params.get("startdate").and_then(parse_date);
    let st = &*ctx.st;
    // Owned as any object is: the caller's own jobs, more with `listall`,
    // `account`, `domainid` (see `tenants::list_scope`).
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let matches: Vec<usize> = (0..st.jobs.len())
        .filter(|&i| {
            scope.shows_id(&st.tenants, &st.jobs[i].id)
                && since.is_none_or(|since| st.jobs[i].created_at >= since)
        })
        .collect();
    Ok(paged(ctx, "asyncjobs", &matches, &page, |i| st.job_view(i)))
}

/// Job completion: the model queues jobs (`state::jobs`); completing one
/// runs its effect, which the handlers define, so it lives here.
impl State {
    /// Completes, in order, every job whose time has come. Jobs finish
    /// lazily: nothing runs between requests, and a request sees the world
    /// as if each job had finished exactly at its due time. Then the
    /// expunge task's due runs (see `vm::expunge_destroyed`).
    pub fn settle(&mut self, now: Instant) {
        while let Some(job) = self.next_due(now) {
            self.complete_job(job);
        }
        self.expunge_destroyed(now);
    }

    /// Completes one job (called by `settle` in due order).
    pub(crate) fn complete_job(&mut self, index: usize) {
        let Some(action) = self.jobs[index].action.take() else {
            return;
        };
        let failure = self.jobs[index].failure.take();
        let result = match failure {
            Some((code, text)) => {
                self.undo(&action);
                Err((code, text))
            }
            None => Ok(self.apply(index, action)),
        };
        let job = &mut self.jobs[index];
        match result {
            Ok(value) => {
                job.status = 1;
                job.result = Some(value);
            }
            Err((code, text)) => {
                job.status = 2;
                job.result_code = 530;
                job.result = Some(serde_json::json!({"errorcode": code, "errortext": text}));
            }
        }
    }

    /// What a failing job leaves behind.
    fn undo(&mut self, action: &Action) {
        if let Action::Vm { vm, op, before, .. } = *action {
            self.vms[vm].queue.pop_front();
            if op == VmOp::Deploy {
                self.vms[vm].state = VmState::Error;
                self.vms[vm].projected = VmState::Error;
                self.release_vm(vm, true);
            } else {
                self.vms[vm].state = before;
            }
            self.start_next_vm_job(vm);
        }
    }

    /// Applies a successful job's effect and returns its `jobresult`.
    fn apply(&mut self, index: usize, action: Action) -> Value {
        match action {
            Action::Vm {
                vm,
                op,
                after,
                before,
                ..
            } => {
                let job_id = self.jobs[index].id.clone();
                let result = self.finish_vm_job(vm, op, before, after, job_id);
                self.start_next_vm_job(vm);
                result
            }
            Action::Effect(effect) => effect(self),
        }
    }

    /// When a VM job ends, the next one queued on the VM begins: the VM
    /// shows that job's transitional state.
    fn start_next_vm_job(&mut self, vm: usize) {
        if let Some(&next) = self.vms[vm].queue.front() {
            if let Some(Action::Vm { during, .. }) = &self.jobs[next].action {
                self.vms[vm].state = *during;
            }
        }
    }
}
