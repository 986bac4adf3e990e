//! Public IP addresses and port forwarding rules.

use std::net::Ipv4Addr;

use super::{account_matches, async_reply, paged, paging, want, want_flag, Ctx, Ids, Keyword};
use crate::sim::jobs::{Action, NewJob};
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply, CS_SERVER_API};
use crate::sim::state::{cs_date, PfRule, PublicIp, VmState};
use crate::sim::views::ipv4;

const ASSOCIATE_CMD: &str = "org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd";
const DISASSOCIATE_CMD: &str =
    "org.apache.cloudstack.api.command.user.address.DisassociateIPAddrCmd";
const CREATE_RULE_CMD: &str =
    "org.apache.cloudstack.api.command.user.firewall.CreatePortForwardingRuleCmd";
const DELETE_RULE_CMD: &str =
    "org.apache.cloudstack.api.command.user.firewall.DeletePortForwardingRuleCmd";

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
    let st = &*ctx.st;
    let wanted = account_matches(ctx, params)
        && params.get("vpcid").is_none()
        && want_flag(params, "isstaticnat").allows(false)
        && want_flag(params, "forvirtualnetwork").allows(true);
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
                && address.allows(&ip.ipaddress)
                && zone_id.allows(&zone.spec.id)
                && associated.allows(network)
                && network_id.allows(network)
                && vlan.allows(&zone.vlan_id)
                && physical.allows(&zone.physical_network_id)
                && state.allows(ip.state)
                && source_nat.allows(ip.source_nat)
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
    let network = params.get("networkid").and_then(|id| ctx.st.network(id));
    let zone = match (network, params.get("zoneid").and_then(|id| ctx.st.zone(id))) {
        (Some(network), _) => ctx.st.networks[network].zone,
        (None, Some(zone)) => zone,
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
        id: id.clone(),
        address,
        ipaddress: ipv4(address),
        zone,
        network,
        source_nat: false,
        state: "Allocating",
        allocated: cs_date(ctx.wall),
        removed: false,
    });
    let job = NewJob {
        cmd: ASSOCIATE_CMD,
        instance_type: Some("IpAddress"),
        instance_id: Some(id.clone()),
        action: Action::AssociateIp { ip },
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// A live public IP, or the error of a removed one.
fn live_ip(ctx: &Ctx<'_>, id: &str) -> Result<usize, ApiError> {
    ctx.st
        .ip(id)
        .filter(|&ip| !ctx.st.ips[ip].removed)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find ip address by id={id}")))
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
        action: Action::DisassociateIp { ip },
        failure,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

fn port_range(params: &Params, start: &str, end: &str) -> Result<(u16, u16), ApiError> {
    let first = params.int(start).unwrap_or_default();
    let last = params.int(end).unwrap_or(first);
    let valid = |port: i64| (1..=65535).contains(&port);
    if !valid(first) || !valid(last) || first > last {
        return Err(ApiError::invalid(format!(
            "Invalid port range {first}-{last}"
        )));
    }
    Ok((first as u16, last as u16))
}

pub(crate) fn create_port_forwarding_rule(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("ipaddressid").unwrap_or_default())?;
    let vm_id = params.get("virtualmachineid").unwrap_or_default();
    let vm = ctx
        .st
        .vm(vm_id)
        .filter(|&vm| {
            !matches!(
                ctx.st.vms[vm].state,
                VmState::Destroyed | VmState::Expunging | VmState::Error
            )
        })
        .filter(|&vm| !ctx.st.vms[vm].removed)
        .ok_or_else(|| {
            ApiError::invalid(format!("Unable to find virtual machine with id {vm_id}"))
        })?;
    let protocol = params
        .get("protocol")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if protocol != "tcp" && protocol != "udp" {
        return Err(ApiError::invalid(format!(
            "Invalid protocol: {protocol}; supported protocols are tcp and udp"
        )));
    }
    let private_port = port_range(params, "privateport", "privateendport")?;
    let public_port = port_range(params, "publicport", "publicendport")?;
    if private_port.1 - private_port.0 != public_port.1 - public_port.0 {
        return Err(ApiError::invalid(
            "Private port range and public port range must be of the same size",
        ));
    }
    let network = ctx.st.ips[ip]
        .network
        .or_else(|| params.get("networkid").and_then(|id| ctx.st.network(id)))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "Unable to create port forwarding rule; ip id={} is not associated with any network",
                ctx.st.ips[ip].id
            ))
        })?;
    let vm_rt = &ctx.st.vms[vm];
    let nic = vm_rt
        .nics
        .iter()
        .find(|nic| nic.network == network)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "Unable to create port forwarding rule; vm {} doesn't have a nic in network {}",
                vm_rt.name, ctx.st.networks[network].spec.name
            ))
        })?;
    let vmguestip = params
        .get("vmguestip")
        .map(str::to_string)
        .or_else(|| nic.ipaddress.clone())
        .unwrap_or_default();
    if let Some(other) = ctx.st.rules.iter().find(|rule| {
        !rule.removed
            && rule.ip == ip
            && rule.protocol == protocol
            && rule.public_port.0 <= public_port.1
            && public_port.0 <= rule.public_port.1
    }) {
        return Err(ApiError::new(
            537,
            Some(CS_SERVER_API),
            format!(
                "The range specified, {}-{}, conflicts with rule {} which has {}-{}",
                public_port.0, public_port.1, other.id, other.public_port.0, other.public_port.1
            ),
        ));
    }
    let id = ctx.st.uuid();
    let rule = ctx.st.add_rule(PfRule {
        id: id.clone(),
        ip,
        vm,
        network,
        protocol,
        private_port,
        public_port,
        cidrlist: params.get("cidrlist").unwrap_or("0.0.0.0/0").to_string(),
        vmguestip,
        state: "Add",
        removed: false,
    });
    let job = NewJob {
        cmd: CREATE_RULE_CMD,
        instance_type: Some("FirewallRule"),
        instance_id: Some(id.clone()),
        action: Action::CreateRule { rule },
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

pub(crate) fn list_port_forwarding_rules(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, tags) = (Ids::new(params), params.key_values("tags"));
    let (ip_id, network_id) = (want(params, "ipaddressid"), want(params, "networkid"));
    let st = &*ctx.st;
    let wanted = account_matches(ctx, params);
    let matches: Vec<usize> = (0..st.rules.len())
        .filter(|&i| {
            let rule = &st.rules[i];
            wanted
                && !rule.removed
                && ids.allows(&rule.id)
                && ip_id.allows(&st.ips[rule.ip].id)
                && network_id.allows(&st.networks[rule.network].spec.id)
                && st.has_tags(&rule.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "portforwardingrule", &matches, &page, |i| {
        st.rule_view(i)
    }))
}

pub(crate) fn delete_port_forwarding_rule(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default();
    let rule = ctx
        .st
        .rule(id)
        .filter(|&rule| !ctx.st.rules[rule].removed)
        .ok_or_else(|| {
            ApiError::invalid(format!("Unable to find port forwarding rule by id={id}"))
        })?;
    ctx.st.rules[rule].state = "Revoke";
    let job = NewJob {
        cmd: DELETE_RULE_CMD,
        instance_type: Some("FirewallRule"),
        instance_id: Some(ctx.st.rules[rule].id.clone()),
        action: Action::DeleteRule { rule },
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}
