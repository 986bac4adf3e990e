//! `listAsyncJobs`, as the server answers it
//! (`QueryManagerImpl.searchForAsyncJobs`): the caller's jobs, oldest
//! first (by id), those created at or after `startdate` when it is given,
//! paged like every list, each job as `queryAsyncJobResult` shows it, with
//! its `jobresult` once it has ended. csctl's `wait_jobs` follows many jobs
//! with it.

use super::catalog::parse_date;
use super::commands::{account_matches, paged, paging, Ctx};
use super::params::Params;
use super::respond::{ApiError, Reply};

pub(crate) fn list_async_jobs(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    // `startdate` is read in the server's zone, which `created` shows.
    let since = params.get("startdate").and_then(parse_date);
    let st = &*ctx.st;
    let wanted = account_matches(ctx, params);
    let matches: Vec<usize> = (0..st.jobs.len())
        .filter(|&i| wanted && since.is_none_or(|since| st.jobs[i].created_at >= since))
        .collect();
    Ok(paged(ctx, "asyncjobs", &matches, &page, |i| st.job_view(i)))
}
