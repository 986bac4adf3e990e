//! `queryAsyncJobResult` and `listAsyncJobs`.

use super::{account_matches, paged, paging, Ctx, Handlers};
use crate::sim::catalog::parse_date;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};

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
    // The job is the whole answer: no inner object name.
    Ok(Reply::ok(envelope(ctx.api.key, &ctx.st.job_view(job))))
}

pub(crate) fn list_async_jobs(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let since = params.get("startdate").and_then(parse_date);
    let st = &*ctx.st;
    let wanted = account_matches(ctx, params);
    let matches: Vec<usize> = (0..st.jobs.len())
        .filter(|&i| wanted && since.is_none_or(|since| st.jobs[i].created_at >= since))
        .collect();
    Ok(paged(ctx, "asyncjobs", &matches, &page, |i| st.job_view(i)))
}
