//! Zones: `listZones`.

use serde::Serialize;

use super::{paged, paging, want, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::Tags;
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[("listZones", list_zones)];

pub(crate) fn list_zones(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (name, networktype) = (want(params, "name"), want(params, "networktype"));
    let st = &*ctx.st;
    let matches: Vec<usize> = (0..st.zones.len())
        .filter(|&i| {
            let zone = &st.zones[i].spec;
            ids.allows(&zone.id)
                && name.allows(&zone.name)
                && networktype.allows(&zone.networktype)
                && keyword.allows(&[&zone.name])
                && st.has_tags(&zone.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "zone", &matches, &page, |i| st.zone_view(i)))
}

#[derive(Serialize)]
pub(crate) struct ZoneView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    dns1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns2: Option<&'a str>,
    internaldns1: &'a str,
    networktype: &'a str,
    securitygroupsenabled: bool,
    allocationstate: &'static str,
    zonetoken: &'a str,
    dhcpprovider: &'static str,
    localstorageenabled: bool,
    tags: Tags<'a>,
}

impl State {
    pub fn zone_view(&self, index: usize) -> ZoneView<'_> {
        let zone = &self.zones[index];
        ZoneView {
            id: &zone.spec.id,
            name: &zone.spec.name,
            description: zone.spec.description.as_deref(),
            dns1: &zone.spec.dns1,
            dns2: zone.spec.dns2.as_deref(),
            internaldns1: "10.0.0.2",
            networktype: &zone.spec.networktype,
            securitygroupsenabled: false,
            allocationstate: "Enabled",
            zonetoken: &zone.zonetoken,
            dhcpprovider: "VirtualRouter",
            localstorageenabled: false,
            tags: self.tags(&zone.spec.id),
        }
    }
}
