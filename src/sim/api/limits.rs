//! `updateResourceLimit`: the account's limit for one resource type,
//! kept, so `listResourceLimits` and the checks that count resources
//! (`deployVirtualMachine`, `associateIpAddress`) see it.

use serde_json::Value;

use super::accounts::{object, RESOURCE_TYPES};
use super::generic::{self, view};
use super::{Ctx, Handlers};
use crate::sim::api::views::DOMAIN;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[("updateResourceLimit", update)];

/// `updateResourceLimit`: the server's checks (`ResourceLimitManagerImpl`):
/// a known resource type, a `max` of -1 (unlimited, also when absent) or
/// more; the account's row of that type changed, or made when the cloud
/// listed none.
pub(crate) fn update(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let typed = params.get("resourcetype").unwrap_or_default();
    let number = typed
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n < RESOURCE_TYPES.len())
        .ok_or_else(|| ApiError::invalid("Please specify valid resource type"))?;
    let max = match params.get("max") {
        None | Some("") => -1,
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(format!("Unable to decode parameter max: {text}")))?,
    };
    if max < -1 {
        return Err(ApiError::invalid(
            "Please specify either '-1' for an infinite limit, or a limit that is at least '0'.",
        ));
    }
    let st = &mut *ctx.st;
    let existing = st.objects.of_kind("resourcelimit").find(|&i| {
        let limit = &st.objects[i];
        limit.text("resourcetype").as_deref() == Some(&number.to_string())
            || limit.str("resourcetypename") == Some(RESOURCE_TYPES[number])
    });
    let index = match existing {
        Some(index) => index,
        None => {
            let account = st.account.clone();
            let id = st.uuid();
            generic::seed(
                st,
                "listResourceLimits",
                object(&[
                    ("id", id.into()),
                    ("account", account.name.into()),
                    ("domainid", account.domainid.into()),
                    ("domain", DOMAIN.into()),
                    ("resourcetype", number.to_string().into()),
                    ("resourcetypename", RESOURCE_TYPES[number].into()),
                ]),
            )
        }
    };
    st.objects[index].set("max", Value::from(max));
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "resourcelimit": view(ctx.st, index) }),
    )))
}
