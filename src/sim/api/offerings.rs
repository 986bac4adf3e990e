//! Compute offerings: `listServiceOfferings`, `createServiceOffering`.

use serde::Serialize;

use super::{paged, paging, want, Ctx, Handlers, Ids, Keyword};
use crate::sim::cloud::ServiceOffering;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::{cs_date, State};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listServiceOfferings", list_service_offerings),
    ("createServiceOffering", create_service_offering),
    ("updateServiceOffering", update_service_offering),
    ("deleteServiceOffering", delete_service_offering),
];

/// `createServiceOffering` (sync): an offering every command that takes
/// one sees (`listServiceOfferings id=`, `deployVirtualMachine`). Without
/// `cpunumber`, `cpuspeed` or `memory` it is a custom offering (0 shown).
pub(crate) fn create_service_offering(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let number = |name: &str| -> Result<u32, ApiError> {
        match params.int(name) {
            None => Ok(0),
            Some(value) => u32::try_from(value).ok().filter(|v| *v > 0).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Failed to create service offering: specify {name} between 1 and 2147483647"
                ))
            }),
        }
    };
    let name = params.get("name").unwrap_or_default().to_string();
    let offering = ServiceOffering {
        id: ctx.st.uuid(),
        displaytext: Some(params.get("displaytext").unwrap_or(&name).to_string()),
        name,
        cpunumber: number("cpunumber")?,
        cpuspeed: number("cpuspeed")?,
        memory: number("memory")?,
    };
    let index = ctx.st.add_offering(offering, cs_date(ctx.wall));
    let view = serde_json::to_value(ctx.st.offering_view(index)).expect("in-memory");
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "serviceoffering": view }),
    )))
}

/// The live offering `id` names.
fn offering_param(ctx: &Ctx<'_>, params: &Params) -> Result<usize, ApiError> {
    let id = params.get("id").unwrap_or_default();
    ctx.st
        .offering(id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find service offering {id}")))
}

/// `updateServiceOffering` (sync): the given name and display text.
pub(crate) fn update_service_offering(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let index = offering_param(ctx, params)?;
    let offering = &mut ctx.st.offerings[index];
    if let Some(name) = params.get("name").filter(|n| !n.is_empty()) {
        offering.spec.name = name.to_string();
    }
    if let Some(text) = params.get("displaytext").filter(|t| !t.is_empty()) {
        offering.displaytext = text.to_string();
    }
    let view = serde_json::to_value(ctx.st.offering_view(index)).expect("in-memory");
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "serviceoffering": view }),
    )))
}

/// `deleteServiceOffering` (sync): gone from lists and new deploys; VMs
/// that use it keep showing it, as the server's removed rows do.
pub(crate) fn delete_service_offering(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let index = offering_param(ctx, params)?;
    ctx.st.offerings[index].removed = true;
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "success": true }),
    )))
}

pub(crate) fn list_service_offerings(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, name) = (Ids::new(params), Keyword::new(params), want(params, "name"));
    let st = &*ctx.st;
    let current = params
        .get("virtualmachineid")
        .and_then(|id| st.vm(id))
        .map(|vm| st.vms[vm].offering);
    let number =
        |name: &str, value: u32| params.int(name).is_none_or(|want| want == i64::from(value));
    let system = params.flag("issystem");
    let matches: Vec<usize> = (0..st.offerings.len())
        .filter(|&i| {
            let offering = &st.offerings[i].spec;
            !system
                && !st.offerings[i].removed
                && Some(i) != current
                && ids.allows(&offering.id)
                && name.allows(&offering.name)
                && number("cpunumber", offering.cpunumber)
                && number("memory", offering.memory)
                && number("cpuspeed", offering.cpuspeed)
                && keyword.allows(&[&offering.name])
        })
        .collect();
    Ok(paged(ctx, "serviceoffering", &matches, &page, |i| {
        st.offering_view(i)
    }))
}

#[derive(Serialize)]
pub(crate) struct OfferingView<'a> {
    id: &'a str,
    name: &'a str,
    displaytext: &'a str,
    cpunumber: u32,
    cpuspeed: u32,
    memory: u32,
    created: &'a str,
    storagetype: &'static str,
    provisioningtype: &'static str,
    offerha: bool,
    limitcpuuse: bool,
    isvolatile: bool,
    issystem: bool,
    defaultuse: bool,
    iscustomized: bool,
    #[serde(rename = "cacheMode")]
    cache_mode: &'static str,
    dynamicscalingenabled: bool,
    diskofferingstrictness: bool,
    encryptroot: bool,
    hasannotations: bool,
}

impl State {
    pub fn offering_view(&self, index: usize) -> OfferingView<'_> {
        let offering = &self.offerings[index];
        OfferingView {
            id: &offering.spec.id,
            name: &offering.spec.name,
            displaytext: &offering.displaytext,
            cpunumber: offering.spec.cpunumber,
            cpuspeed: offering.spec.cpuspeed,
            memory: offering.spec.memory,
            created: &offering.created,
            storagetype: "shared",
            provisioningtype: "thin",
            offerha: false,
            limitcpuuse: false,
            isvolatile: false,
            issystem: false,
            defaultuse: false,
            iscustomized: false,
            cache_mode: "none",
            dynamicscalingenabled: true,
            diskofferingstrictness: false,
            encryptroot: false,
            hasannotations: false,
        }
    }
}
