//! `queryAsyncJobResult` (`listAsyncJobs` has a file of its own).

use super::Ctx;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};

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
