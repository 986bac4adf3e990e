//! Zones: `listZones`, and the admin's `createZone`, `updateZone` and
//! `deleteZone` (the server's `ConfigurationManagerImpl`).

use serde::Serialize;

use super::{paged, paging, want, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::Tags;
use crate::sim::cloud::Zone;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listZones", list_zones),
    ("createZone", create_zone),
    ("updateZone", update_zone),
    ("deleteZone", delete_zone),
];

/// `createZone` (sync): a zone with no hosts, pods or networks yet,
/// `Disabled` unless `allocationstate` says otherwise ("Zone will be
/// disabled since 3.0"). The checks run in the server's order
/// (`checkZoneParameters`).
pub(crate) fn create_zone(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = params.get("name").unwrap_or_default().to_string();
    let networktype = match params.get("networktype").unwrap_or_default() {
        t if t.eq_ignore_ascii_case("advanced") => "Advanced",
        t if t.eq_ignore_ascii_case("basic") => "Basic",
        _ => {
            return Err(ApiError::invalid(
                "Invalid zone type; only Advanced and Basic values are supported",
            ))
        }
    };
    let allocationstate = check_zone_parameters(ctx.st, params, &name, true)?.unwrap_or("Disabled");
    let zone = Zone {
        id: ctx.st.uuid(),
        name,
        description: None,
        networktype: networktype.into(),
        dns1: params.get("dns1").unwrap_or_default().to_string(),
        dns2: params
            .get("dns2")
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        max_vms: 10_000,
        public_ip_range: None,
    };
    let index = ctx.st.add_zone(zone, allocationstate);
    Ok(zone_reply(ctx, index))
}

/// `updateZone` (sync): the given name, DNS servers and allocation state.
/// Enabling needs no physical network here (the server asks for one with
/// management traffic).
pub(crate) fn update_zone(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default();
    let index = ctx
        .st
        .zone(id)
        .ok_or_else(|| ApiError::invalid(format!("unable to find zone by id {id}")))?;
    let old = ctx.st.zones[index].spec.name.clone();
    let name = params.get("name").unwrap_or(&old).to_string();
    let allocationstate = check_zone_parameters(ctx.st, params, &name, name != old)?;
    if allocationstate == Some("Enabled") {
        enable(ctx.st, index)?;
    }
    let zone = &mut ctx.st.zones[index];
    zone.spec.name = name;
    if let Some(dns1) = params.get("dns1") {
        zone.spec.dns1 = dns1.to_string();
    }
    if let Some(dns2) = params.get("dns2") {
        zone.spec.dns2 = Some(dns2.to_string()).filter(|d| !d.is_empty());
    }
    if let Some(state) = allocationstate {
        zone.allocationstate = state;
    }
    Ok(zone_reply(ctx, index))
}

/// The live generic objects of a kind in this zone (by their `zoneid`).
fn in_zone<'a>(st: &'a State, kind: &str, zone_id: &'a str) -> impl Iterator<Item = usize> + 'a {
    st.objects.of_kind(kind).filter(move |&i| {
        st.objects[i]
            .text("zoneid")
            .is_some_and(|z| z.eq_ignore_ascii_case(zone_id))
    })
}

/// What enabling a zone asks of it (`editZone`): a physical network with
/// management traffic and, in an advanced zone, one with public traffic.
/// Without storage traffic, the management network's physical network
/// gets it, as the server adds it.
fn enable(st: &mut State, index: usize) -> Result<(), ApiError> {
    let zone = &st.zones[index].spec;
    let physical: Vec<String> = in_zone(st, "physicalnetwork", &zone.id)
        .map(|i| st.objects[i].id().to_string())
        .collect();
    let carrying = |traffic: &str| {
        st.objects.of_kind("traffictype").find_map(|i| {
            let row = &st.objects[i];
            let network = row.text("physicalnetworkid")?;
            (physical.iter().any(|p| p.eq_ignore_ascii_case(&network))
                && row
                    .text("traffictype")
                    .is_some_and(|t| t.eq_ignore_ascii_case(traffic)))
            .then_some(network)
        })
    };
    let mut needed = vec!["Management"];
    if zone.networktype == "Advanced" {
        needed.push("Public");
    }
    if let Some(missing) = needed.into_iter().find(|t| carrying(t).is_none()) {
        return Err(ApiError::invalid(format!(
            "Cannot enable this Zone since: Unable to find the default physical network with \
             traffic={missing} in the specified zone id"
        )));
    }
    if carrying("Storage").is_none() {
        let management = carrying("Management").expect("checked above");
        let mut storage = serde_json::Map::new();
        storage.insert("physicalnetworkid".into(), management.into());
        storage.insert("traffictype".into(), "Storage".into());
        super::generic::seed(st, "addTrafficType", storage);
    }
    Ok(())
}

/// `deleteZone` (sync): refused while anything is in the zone, in the
/// server's order (`checkIfZoneIsDeletable`); then gone from lists.
pub(crate) fn delete_zone(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default();
    let index = ctx
        .st
        .zone(id)
        .ok_or_else(|| ApiError::invalid(format!("A zone with ID: {id} does not exist.")))?;
    let st = &*ctx.st;
    let zone_id = st.zones[index].spec.id.clone();
    let generic_in_zone = |kind: &str| in_zone(st, kind, &zone_id).next().is_some();
    let blocker = if generic_in_zone("host") {
        Some("there are servers in this zone.")
    } else if generic_in_zone("pod") {
        Some("there are pods in this zone.")
    } else if st.ips.iter().any(|ip| !ip.removed && ip.zone == index) {
        Some("there are public IP addresses allocated in this zone.")
    } else if st.vms.iter().any(|vm| !vm.removed && vm.zone == index) {
        Some("there are virtual machines in this zone.")
    } else if generic_in_zone("volume") {
        Some("there are storage volumes in this zone.")
    } else if generic_in_zone("physicalnetwork") {
        Some("there are physical networks in this zone.")
    } else if generic_in_zone("imagestore") {
        Some("there are Secondary storages in this zone")
    } else {
        None
    };
    if let Some(blocker) = blocker {
        return Err(ApiError::new(
            530,
            Some(crate::sim::respond::CS_CLOUD_RUNTIME),
            format!("The zone cannot be deleted because {blocker}"),
        ));
    }
    ctx.st.zones[index].removed = true;
    for network in ctx.st.networks.iter_mut().filter(|n| n.zone == index) {
        network.removed = true;
    }
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "success": true }),
    )))
}

/// The server's `checkZoneParameters`: a unique name (when it is new),
/// IPv4 DNS servers, a known allocation state (which it gives back).
fn check_zone_parameters(
    st: &State,
    params: &Params,
    name: &str,
    check_duplicates: bool,
) -> Result<Option<&'static str>, ApiError> {
    if check_duplicates && st.zones.iter().any(|z| !z.removed && z.spec.name == name) {
        return Err(ApiError::invalid(
            "A zone with that name already exists. Please specify a unique zone name.",
        ));
    }
    for (param, what) in [
        ("dns1", "DNS1"),
        ("dns2", "DNS2"),
        ("internaldns1", "internal DNS1"),
        ("internaldns2", "internal DNS2"),
    ] {
        let value = params.get(param).unwrap_or_default();
        if !value.is_empty() && value.parse::<std::net::Ipv4Addr>().is_err() {
            return Err(ApiError::invalid(format!(
                "Please enter a valid IP address for {what}"
            )));
        }
    }
    match params.get("allocationstate").unwrap_or_default() {
        "" => Ok(None),
        "Enabled" => Ok(Some("Enabled")),
        "Disabled" => Ok(Some("Disabled")),
        other => Err(ApiError::invalid(format!(
            "Unable to resolve Allocation State '{other}' to a supported state"
        ))),
    }
}

/// A zone's answer, `{"zone": …}`.
fn zone_reply(ctx: &Ctx<'_>, index: usize) -> Reply {
    let view = serde_json::to_value(ctx.st.zone_view(index)).expect("in-memory");
    Reply::ok(envelope(ctx.api.key, &serde_json::json!({ "zone": view })))
}

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
            !st.zones[i].removed
                && ids.allows(&zone.id)
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
            allocationstate: zone.allocationstate,
            zonetoken: &zone.zonetoken,
            dhcpprovider: "VirtualRouter",
            localstorageenabled: false,
            tags: self.tags(&zone.spec.id),
        }
    }
}
