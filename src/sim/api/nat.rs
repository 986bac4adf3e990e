//! Static NAT and IP forwarding rules: `enableStaticNat` ties a public IP
//! to a VM, `createIpForwardingRule` opens ports on it, `disableStaticNat`
//! unties it (and its rules go). Rules are objects of kind
//! `ipforwardingrule`; `listIpForwardingRules` and
//! `deleteIpForwardingRule` are the generic model's.

use super::address::live_ip;
use super::generic;
use super::{async_reply, Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("enableStaticNat", enable_static_nat),
    ("disableStaticNat", disable_static_nat),
    ("createIpForwardingRule", create_ip_forwarding_rule),
];

const RULES: &str = "ipforwardingrule";

/// `enableStaticNat` (sync).
pub(crate) fn enable_static_nat(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("ipaddressid").unwrap_or_default())?;
    let vm_id = params.get("virtualmachineid").unwrap_or_default();
    let st = &mut *ctx.st;
    let vm = st
        .vm(vm_id)
        .filter(|&vm| {
            !st.vms[vm].removed
                && !matches!(
                    st.vms[vm].state,
                    VmState::Destroyed | VmState::Expunging | VmState::Error
                )
        })
        .ok_or_else(|| {
            ApiError::invalid(format!("Unable to find virtual machine with id {vm_id}"))
        })?;
    if st.ips[ip].source_nat {
        return Err(ApiError::invalid(format!(
            "Can't enable static nat on the source nat ip address {}",
            st.ips[ip].ipaddress
        )));
    }
    if let Some((other, _)) = &st.ips[ip].static_nat {
        if *other != vm {
            return Err(ApiError::invalid(format!(
                "Failed to enable static nat for the ip address id={} as it's already assigned to another vm",
                st.ips[ip].id
            )));
        }
    }
    let guest = params
        .get("vmguestip")
        .map(str::to_string)
        .or_else(|| st.vms[vm].nics.first().and_then(|n| n.ipaddress.clone()))
        .unwrap_or_default();
    if st.ips[ip].network.is_none() {
        st.ips[ip].network = st.vms[vm].nics.first().map(|n| n.network);
    }
    st.ips[ip].static_nat = Some((vm, guest));
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "success": true }),
    )))
}

/// `disableStaticNat` (async): the address's IP forwarding rules go too.
pub(crate) fn disable_static_nat(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("ipaddressid").unwrap_or_default())?;
    if ctx.st.ips[ip].static_nat.is_none() {
        return Err(ApiError::invalid(format!(
            "Specified IP address id is not associated with any vm Id: {}",
            ctx.st.ips[ip].id
        )));
    }
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("IpAddress"),
        instance_id: Some(ctx.st.ips[ip].id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.ips[ip].static_nat = None;
            let address_id = st.ips[ip].id.clone();
            let rules: Vec<usize> = st
                .objects
                .of_kind(RULES)
                .filter(|&i| st.objects[i].str("ipaddressid") == Some(address_id.as_str()))
                .collect();
            for rule in rules {
                st.objects[rule].removed = true;
            }
            serde_json::json!({ "success": true })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

/// `createIpForwardingRule` (async): needs static NAT on the address.
pub(crate) fn create_ip_forwarding_rule(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("ipaddressid").unwrap_or_default())?;
    let Some((vm, guest)) = ctx.st.ips[ip].static_nat.clone() else {
        return Err(ApiError::invalid(format!(
            "Can't create ip forwarding rules for address {}, static nat is not enabled",
            ctx.st.ips[ip].ipaddress
        )));
    };
    let protocol = params
        .get("protocol")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !["tcp", "udp", "icmp"].contains(&protocol.as_str()) {
        return Err(ApiError::invalid(format!(
            "Invalid protocol: {protocol}; supported protocols are tcp, udp and icmp"
        )));
    }
    let start = params.int("startport").unwrap_or_default();
    let end = params.int("endport").unwrap_or(start);
    if !(1..=65535).contains(&start) || !(start..=65535).contains(&end) {
        return Err(ApiError::invalid(format!(
            "Invalid port range {start}-{end}"
        )));
    }
    let index = generic::create_as(ctx, params, "listIpForwardingRules");
    let st = &mut *ctx.st;
    let (address, address_id) = (st.ips[ip].ipaddress.clone(), st.ips[ip].id.clone());
    let (vm_id, vm_name, vm_display) = {
        let rt = &st.vms[vm];
        (rt.id.clone(), rt.name.clone(), rt.displayname.clone())
    };
    let rule = &mut st.objects[index];
    rule.set("protocol", protocol);
    rule.set("startport", start);
    rule.set("endport", end);
    rule.set("privateport", start);
    rule.set("privateendport", end);
    rule.set("publicport", start);
    rule.set("publicendport", end);
    rule.set("ipaddress", address);
    rule.set("ipaddressid", address_id);
    rule.set("virtualmachineid", vm_id);
    rule.set("virtualmachinename", vm_name);
    rule.set("virtualmachinedisplayname", vm_display);
    rule.set("vmguestip", guest);
    generic::create_in_job(ctx, index, "FirewallRule", "ipforwardingrule")
}
