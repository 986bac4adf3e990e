//! Public IP addresses: list, associate, disassociate.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::{async_reply, effect_job, paged, paging, want, want_flag, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::{ipv4, Tags};
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply, CS_SERVER_API};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{cs_date, PublicIp, State};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listPublicIpAddresses", list_public_ip_addresses),
    ("associateIpAddress", associate_ip_address),
    ("disassociateIpAddress", disassociate_ip_address),
    ("updateIpAddress", update_ip_address),
];

/// `updateIpAddress` (async): whether end users see the address
/// (`fordisplay`); the job's result is the address.
pub(crate) fn update_ip_address(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("id").unwrap_or_default())?;
    let fordisplay = params.get("fordisplay").map(|_| params.flag("fordisplay"));
    let instance = ("IpAddress", ctx.st.ips[ip].id.clone());
    let effect = move |st: &mut State| {
        if let Some(shown) = fordisplay {
            st.ips[ip].fordisplay = shown;
        }
        let view = serde_json::to_value(st.ip_view(ip)).expect("in-memory");
        serde_json::json!({ "ipaddress": view })
    };
    Ok(effect_job(ctx, instance, effect, None))
}

const ASSOCIATE_CMD: &str = "org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd";
const DISASSOCIATE_CMD: &str =
    "org.apache.cloudstack.api.command.user.address.DisassociateIPAddrCmd";

pub(crate) fn list_public_ip_addresses(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (address, zone_id, state) = (
        want(params, "ipaddress"),
        want(params, "zoneid"),
        want(params, "state"),
    );
    let (associated, network_id) = (
        want(params, "associatednetworkid"),
        want(params, "networkid"),
    );
    let (vlan, physical) = (want(params, "vlanid"), want(params, "physicalnetworkid"));
    let source_nat = want_flag(params, "issourcenat");
    let static_nat = want_flag(params, "isstaticnat");
    let st = &*ctx.st;
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let wanted =
        params.get("vpcid").is_none() && want_flag(params, "forvirtualnetwork").allows(true);
    let matches: Vec<usize> = (0..st.ips.len())
        .filter(|&i| {
            let ip = &st.ips[i];
            let zone = &st.zones[ip.zone];
            let network = ip
                .network
                .map(|n| st.networks[n].spec.id.as_str())
                .unwrap_or_default();
            wanted
                && !ip.removed
                && ids.allows(&ip.id)
                && scope.shows_id(&st.tenants, &ip.id)
                && address.allows(&ip.ipaddress)
                && zone_id.allows(&zone.spec.id)
                && associated.allows(network)
                && network_id.allows(network)
                && vlan.allows(&zone.vlan_id)
                && physical.allows(&zone.physical_network_id)
                && state.allows(ip.state)
                && source_nat.allows(ip.source_nat)
                && static_nat.allows(ip.static_nat.is_some())
                && keyword.allows(&[&ip.ipaddress])
                && st.has_tags(&ip.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "publicipaddress", &matches, &page, |i| {
        st.ip_view(i)
    }))
}

pub(crate) fn associate_ip_address(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let command = ctx.command();
    if let Some(vpc) = params.get("vpcid") {
        return Err(ApiError::no_entity(command, "vpcid", vpc));
    }
    let held = ctx.st.ips.iter().filter(|ip| !ip.removed).count();
    super::accounts::check_limit(ctx.st, 1, held)?;
    let mut network = params.get("networkid").and_then(|id| ctx.st.network(id));
    let zone = match (network, params.get("zoneid").and_then(|id| ctx.st.zone(id))) {
        (Some(network), _) => ctx.st.networks[network].zone,
        (None, Some(zone)) => {
            // As the server: the account's one isolated network in the zone.
            let mut in_zone = (0..ctx.st.networks.len())
                .filter(|&n| ctx.st.networks[n].zone == zone && !ctx.st.networks[n].removed);
            if let (Some(only), None) = (in_zone.next(), in_zone.next()) {
                network = Some(only);
            }
            zone
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "Unable to figure out zone to assign ip to. Please specify either zoneId, or networkId, or vpcId in the call",
            ))
        }
    };
    let address = match params.get("ipaddress") {
        Some(text) => {
            let free = text.parse::<Ipv4Addr>().ok().map(u32::from).filter(|a| {
                let zone = &ctx.st.zones[zone];
                zone.ip_range
                    .is_some_and(|(first, last)| (first..=last).contains(a))
                    && !zone.ips_used.contains(a)
            });
            let address = free.ok_or_else(|| {
                ApiError::invalid(format!(
                    "Unable to find available public IP addresses: {text} is not a free address of zone {}",
                    ctx.st.zones[zone].spec.name
                ))
            })?;
            ctx.st.zones[zone].ips_used.insert(address);
            address
        }
        None => ctx.st.allocate_public_ip(zone).ok_or_else(|| {
            ApiError::new(533, Some(CS_SERVER_API), "Insufficient address capacity")
        })?,
    };
    let id = ctx.st.uuid();
    let ip = ctx.st.add_ip(PublicIp {
        fordisplay: true,
        id: id.clone(),
        address,
        ipaddress: ipv4(address),
        zone,
        network,
        source_nat: false,
        state: "Allocating",
        allocated: cs_date(ctx.wall),
        removed: false,
        static_nat: None,
    });
    let job = NewJob {
        cmd: ASSOCIATE_CMD,
        instance_type: Some("IpAddress"),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.ips[ip].state = "Allocated";
            let view = serde_json::to_value(st.ip_view(ip)).expect("in-memory");
            serde_json::json!({ "ipaddress": view })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// A live public IP, or the error of a removed one.
pub(crate) fn live_ip(ctx: &Ctx<'_>, id: &str) -> Result<usize, ApiError> {
    ctx.st
        .ip(id)
        .filter(|&ip| !ctx.st.ips[ip].removed)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find ip address by id={id}")))
}

/// Gives an address back to its zone: gone from lists, with its tags and
/// its port forwarding rules.
pub(crate) fn release_ip(st: &mut State, ip: usize) {
    let rt = &mut st.ips[ip];
    rt.removed = true;
    let (zone, address, id) = (rt.zone, rt.address, rt.id.clone());
    st.zones[zone].ips_used.remove(&address);
    st.remove_tags(&id, |_| true);
    for rule in st.rules.iter_mut().filter(|r| r.ip == ip) {
        rule.removed = true;
    }
}

pub(crate) fn disassociate_ip_address(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("id").unwrap_or_default())?;
    let failure = ctx.st.ips[ip].source_nat.then(|| {
        (
            530,
            "ip address is used for source nat purposes and can not be disassociated.".to_string(),
        )
    });
    if failure.is_none() {
        ctx.st.ips[ip].state = "Releasing";
    }
    let job = NewJob {
        cmd: DISASSOCIATE_CMD,
        instance_type: Some("IpAddress"),
        instance_id: Some(ctx.st.ips[ip].id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            release_ip(st, ip);
            serde_json::json!({ "success": true })
        })),
        failure,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

#[derive(Serialize)]
pub(crate) struct IpView<'a> {
    id: &'a str,
    ipaddress: &'a str,
    allocated: &'a str,
    zoneid: &'a str,
    zonename: &'a str,
    issourcenat: bool,
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
    forvirtualnetwork: bool,
    vlanid: &'a str,
    vlanname: &'static str,
    isstaticnat: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    virtualmachineid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    virtualmachinename: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    virtualmachinedisplayname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vmipaddress: Option<&'a str>,
    issystem: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    associatednetworkid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associatednetworkname: Option<&'a str>,
    networkid: &'a str,
    state: &'static str,
    physicalnetworkid: &'a str,
    tags: Tags<'a>,
    isportable: bool,
    fordisplay: bool,
}

impl State {
    pub fn ip_view(&self, index: usize) -> IpView<'_> {
        let ip = &self.ips[index];
        let zone = &self.zones[ip.zone];
        let network = ip.network.map(|n| &self.networks[n]);
        let nat_vm = ip.static_nat.as_ref().map(|(vm, _)| &self.vms[*vm]);
        IpView {
            id: &ip.id,
            ipaddress: &ip.ipaddress,
            allocated: &ip.allocated,
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            issourcenat: ip.source_nat,
            owner: self.tenants.owner_view_of(&ip.id),
            forvirtualnetwork: true,
            vlanid: &zone.vlan_id,
            vlanname: "vlan://untagged",
            isstaticnat: nat_vm.is_some(),
            virtualmachineid: nat_vm.map(|vm| vm.id.as_str()),
            virtualmachinename: nat_vm.map(|vm| vm.name.as_str()),
            virtualmachinedisplayname: nat_vm.map(|vm| vm.displayname.as_str()),
            vmipaddress: ip.static_nat.as_ref().map(|(_, guest)| guest.as_str()),
            issystem: false,
            associatednetworkid: network.map(|n| n.spec.id.as_str()),
            associatednetworkname: network.map(|n| n.spec.name.as_str()),
            networkid: &zone.public_network_id,
            state: ip.state,
            physicalnetworkid: &zone.physical_network_id,
            tags: self.tags(&ip.id),
            isportable: false,
            fordisplay: ip.fordisplay,
        }
    }
}
