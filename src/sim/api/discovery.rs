//! API discovery: `listApis`.

use super::{Ctx, Handlers};
use crate::sim::catalog;
use crate::sim::params::Params;
use crate::sim::respond::{list_reply, ApiError, Reply, CS_SERVER_API};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[("listApis", list_apis)];

pub(crate) fn list_apis(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let apis: Vec<_> = match params.get("name") {
        Some(name) => {
            let api = catalog::find(name).ok_or_else(|| {
                ApiError::new(
                    530,
                    Some(CS_SERVER_API),
                    "Api Discovery plugin was unable to find an api by that name or process any apis",
                )
            })?;
            vec![api]
        }
        None => catalog::all(),
    };
    Ok(list_reply(
        ctx.api.key,
        "api",
        apis.len(),
        apis.into_iter().map(catalog::api_view),
    ))
}
