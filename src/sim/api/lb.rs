//! Load balancer rules: create on a public IP, assign VMs, remove them,
//! list the rule's instances. Rules are objects of kind `loadbalancerrule`
//! whose members are VM ids; listing, updating and deleting them is the
//! generic model's.

use serde_json::Value;

use super::address::live_ip;
use super::generic;
use super::{async_reply, paged, paging, Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createLoadBalancerRule", create),
    ("assignToLoadBalancerRule", assign),
    ("removeFromLoadBalancerRule", remove),
    ("listLoadBalancerRuleInstances", instances),
];

const KIND: &str = "loadbalancerrule";

fn rule(st: &State, id: &str) -> Result<usize, ApiError> {
    st.objects
        .live(KIND, id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find load balancer rule {id}")))
}

/// `createLoadBalancerRule` (async).
pub(crate) fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let algorithm = params.get("algorithm").unwrap_or_default();
    if !["roundrobin", "leastconn", "source"].contains(&algorithm) {
        return Err(ApiError::invalid(format!(
            "Invalid algorithm: {algorithm}; supported algorithms are roundrobin, leastconn and source"
        )));
    }
    for port in ["privateport", "publicport"] {
        let value = params.int(port).unwrap_or_default();
        if !(1..=65535).contains(&value) {
            return Err(ApiError::invalid(format!(
                "Invalid port {value} for {port}"
            )));
        }
    }
    let ip = match params.get("publicipid") {
        Some(id) => Some(live_ip(ctx, id)?),
        None => None,
    };
    let network = ip
        .and_then(|ip| ctx.st.ips[ip].network)
        .or_else(|| params.get("networkid").and_then(|id| ctx.st.network(id)))
        .ok_or_else(|| {
            ApiError::invalid(
                "Unable to create load balancer rule: specify publicipid or networkid",
            )
        })?;
    let index = generic::create_as(ctx, params, "listLoadBalancerRules");
    let st = &mut *ctx.st;
    let zone = &st.zones[st.networks[network].zone].spec;
    let (zone_id, zone_name) = (zone.id.clone(), zone.name.clone());
    let network_id = st.networks[network].spec.id.clone();
    let address = ip.map(|ip| (st.ips[ip].id.clone(), st.ips[ip].ipaddress.clone()));
    let obj = &mut st.objects[index];
    obj.set("algorithm", algorithm);
    obj.set("privateport", params.get("privateport").unwrap_or_default());
    obj.set("publicport", params.get("publicport").unwrap_or_default());
    obj.set(
        "protocol",
        params.get("protocol").unwrap_or("tcp").to_ascii_lowercase(),
    );
    obj.set("networkid", network_id);
    obj.set("zoneid", zone_id);
    obj.set("zonename", zone_name);
    obj.set("cidrlist", params.list("cidrlist").join(",").as_str());
    if let Some((id, address)) = address {
        obj.set("publicipid", id);
        obj.set("publicip", address);
    }
    generic::create_in_job(ctx, index, "LoadBalancerRule", "loadbalancer")
}

/// The VMs a call names: `virtualmachineids`, or `vmidipmap[i].vmid`.
fn named_vms(st: &State, params: &Params) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = params
        .list("virtualmachineids")
        .into_iter()
        .map(str::to_string)
        .collect();
    if let Some(map) = params.map("vmidipmap") {
        for entry in map.values() {
            if let Some((_, id)) = entry.iter().find(|(f, _)| f.eq_ignore_ascii_case("vmid")) {
                ids.push(id.clone());
            }
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "Unable to assign to load balancer rule: no virtual machines given",
        ));
    }
    ids.into_iter()
        .map(|id| {
            st.vm(&id)
                .filter(|&vm| !st.vms[vm].removed)
                .map(|vm| st.vms[vm].id.clone())
                .ok_or_else(|| {
                    ApiError::invalid(format!("Unable to find virtual machine with id {id}"))
                })
        })
        .collect()
}

fn member_job(
    ctx: &mut Ctx<'_>,
    index: usize,
    change: impl FnOnce(&mut Vec<String>) + Send + 'static,
) -> Reply {
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("LoadBalancerRule"),
        instance_id: Some(ctx.st.objects[index].id().to_string()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            change(&mut st.objects[index].members);
            serde_json::json!({ "success": true })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    async_reply(ctx, None, job)
}

/// `assignToLoadBalancerRule` (async).
pub(crate) fn assign(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = rule(ctx.st, params.get("id").unwrap_or_default())?;
    let vms = named_vms(ctx.st, params)?;
    Ok(member_job(ctx, index, move |members| {
        for vm in vms {
            if !members.contains(&vm) {
                members.push(vm);
            }
        }
    }))
}

/// `removeFromLoadBalancerRule` (async).
pub(crate) fn remove(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = rule(ctx.st, params.get("id").unwrap_or_default())?;
    let vms = named_vms(ctx.st, params)?;
    Ok(member_job(ctx, index, move |members| {
        members.retain(|vm| !vms.contains(vm))
    }))
}

/// `listLoadBalancerRuleInstances`: the rule's VMs.
pub(crate) fn instances(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let index = rule(ctx.st, params.get("id").unwrap_or_default())?;
    let st = &*ctx.st;
    let vms: Vec<usize> = st.objects[index]
        .members
        .iter()
        .filter_map(|id| st.vm(id))
        .filter(|&vm| !st.vms[vm].removed && st.vms[vm].state != VmState::Expunging)
        .collect();
    if params.flag("lbvmips") {
        let items: Vec<usize> = vms;
        return Ok(paged(ctx, "lbrulevmidip", &items, &page, |vm| {
            let view = serde_json::to_value(st.vm_view(vm, false)).expect("in-memory");
            let ips: Vec<Value> = st.vms[vm]
                .nics
                .iter()
                .filter_map(|n| n.ipaddress.clone().map(Value::String))
                .collect();
            serde_json::json!({ "loadbalancerruleinstance": view, "lbvmipaddresses": ips })
        }));
    }
    Ok(paged(ctx, "loadbalancerruleinstance", &vms, &page, |vm| {
        st.vm_view(vm, false)
    }))
}
