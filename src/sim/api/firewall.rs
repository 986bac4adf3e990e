//! Port forwarding rules and firewall rules.

use serde::Serialize;

use super::address::live_ip;
use super::{async_reply, effect_job, paged, paging, want, Ctx, Handlers, Ids};
use crate::sim::api::views::Tags;
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply, CS_SERVER_API};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{PfRule, State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createPortForwardingRule", create_port_forwarding_rule),
    ("listPortForwardingRules", list_port_forwarding_rules),
    ("deletePortForwardingRule", delete_port_forwarding_rule),
    ("updatePortForwardingRule", update_port_forwarding_rule),
    ("createFirewallRule", create_firewall_rule),
];

const CREATE_RULE_CMD: &str =
    "org.apache.cloudstack.api.command.user.firewall.CreatePortForwardingRuleCmd";
const DELETE_RULE_CMD: &str =
    "org.apache.cloudstack.api.command.user.firewall.DeletePortForwardingRuleCmd";

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
        fordisplay: true,
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
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.rules[rule].state = "Active";
            let view = serde_json::to_value(st.rule_view(rule)).expect("in-memory");
            serde_json::json!({ "portforwardingrule": view })
        })),
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
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let matches: Vec<usize> = (0..st.rules.len())
        .filter(|&i| {
            let rule = &st.rules[i];
            !rule.removed
                && scope.shows_id(&st.tenants, &rule.id)
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

/// The live port forwarding rule `id` names.
fn rule_param(ctx: &Ctx<'_>, params: &Params) -> Result<usize, ApiError> {
    let id = params.get("id").unwrap_or_default();
    ctx.st
        .rule(id)
        .filter(|&rule| !ctx.st.rules[rule].removed)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find port forwarding rule by id={id}")))
}

pub(crate) fn delete_port_forwarding_rule(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let rule = rule_param(ctx, params)?;
    ctx.st.rules[rule].state = "Revoke";
    let job = NewJob {
        cmd: DELETE_RULE_CMD,
        instance_type: Some("FirewallRule"),
        instance_id: Some(ctx.st.rules[rule].id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.rules[rule].removed = true;
            let id = st.rules[rule].id.clone();
            st.remove_tags(&id, |_| true);
            serde_json::json!({ "success": true })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

/// `updatePortForwardingRule` (async): the private ports, the VM's guest
/// address and `fordisplay`; the job's result is the rule.
pub(crate) fn update_port_forwarding_rule(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let rule = rule_param(ctx, params)?;
    let private = match params.get("privateport") {
        Some(_) => Some(port_range(params, "privateport", "privateendport")?),
        None => None,
    };
    let guest_ip = params.get("vmguestip").map(str::to_string);
    let fordisplay = params.get("fordisplay").map(|_| params.flag("fordisplay"));
    let instance = ("FirewallRule", ctx.st.rules[rule].id.clone());
    let effect = move |st: &mut State| {
        let row = &mut st.rules[rule];
        if let Some(ports) = private {
            row.private_port = ports;
        }
        if let Some(ip) = guest_ip {
            row.vmguestip = ip;
        }
        if let Some(shown) = fordisplay {
            row.fordisplay = shown;
        }
        let view = serde_json::to_value(st.rule_view(rule)).expect("in-memory");
        serde_json::json!({ "portforwardingrule": view })
    };
    Ok(effect_job(ctx, instance, effect, None))
}

#[derive(Serialize)]
pub(crate) struct RuleView<'a> {
    id: &'a str,
    privateport: String,
    privateendport: String,
    protocol: &'a str,
    publicport: String,
    publicendport: String,
    virtualmachineid: &'a str,
    virtualmachinename: &'a str,
    virtualmachinedisplayname: &'a str,
    ipaddressid: &'a str,
    ipaddress: &'a str,
    vmguestip: &'a str,
    state: &'static str,
    cidrlist: &'a str,
    tags: Tags<'a>,
    networkid: &'a str,
    fordisplay: bool,
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
}

impl State {
    pub fn rule_view(&self, index: usize) -> RuleView<'_> {
        let rule = &self.rules[index];
        let vm = &self.vms[rule.vm];
        let ip = &self.ips[rule.ip];
        RuleView {
            id: &rule.id,
            privateport: rule.private_port.0.to_string(),
            privateendport: rule.private_port.1.to_string(),
            protocol: &rule.protocol,
            publicport: rule.public_port.0.to_string(),
            publicendport: rule.public_port.1.to_string(),
            virtualmachineid: &vm.id,
            virtualmachinename: &vm.name,
            virtualmachinedisplayname: &vm.displayname,
            ipaddressid: &ip.id,
            ipaddress: &ip.ipaddress,
            vmguestip: &rule.vmguestip,
            state: rule.state,
            cidrlist: &rule.cidrlist,
            tags: self.tags(&rule.id),
            networkid: &self.networks[rule.network].spec.id,
            fordisplay: rule.fordisplay,
            owner: self.tenants.owner_view_of(&rule.id),
        }
    }
}

/// `createFirewallRule` (async): ingress rules on a public IP, objects of
/// kind `firewallrule`; listing and deleting them is the generic model's.
pub(crate) fn create_firewall_rule(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let ip = live_ip(ctx, params.get("ipaddressid").unwrap_or_default())?;
    let protocol = params
        .get("protocol")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !["tcp", "udp", "icmp", "all"].contains(&protocol.as_str()) {
        return Err(ApiError::invalid(format!(
            "Invalid protocol: {protocol}; supported protocols are tcp, udp, icmp and all"
        )));
    }
    let ports = match protocol.as_str() {
        "tcp" | "udp" => {
            let start = params.int("startport");
            let end = params.int("endport").or(start);
            match (start, end) {
                (Some(start), Some(end))
                    if (1..=65535).contains(&start) && (start..=65535).contains(&end) =>
                {
                    Some((start, end))
                }
                (None, None) => None,
                (start, end) => {
                    return Err(ApiError::invalid(format!(
                        "Invalid port range {}-{}",
                        start.unwrap_or_default(),
                        end.unwrap_or_default()
                    )))
                }
            }
        }
        _ => None,
    };
    let cidrlist = match params.list("cidrlist") {
        list if list.is_empty() => "0.0.0.0/0".to_string(),
        list => list.join(","),
    };
    let network = ctx.st.ips[ip]
        .network
        .map(|n| ctx.st.networks[n].spec.id.clone());
    let (address, address_id) = (ctx.st.ips[ip].ipaddress.clone(), ctx.st.ips[ip].id.clone());
    let index = super::generic::create_as(ctx, params, "listFirewallRules");
    let rule = &mut ctx.st.objects[index];
    rule.set("protocol", protocol);
    match ports {
        Some((start, end)) => {
            rule.set("startport", start);
            rule.set("endport", end);
        }
        None => {
            rule.fields.remove("startport");
            rule.fields.remove("endport");
        }
    }
    rule.set("cidrlist", cidrlist);
    rule.set("ipaddress", address);
    rule.set("ipaddressid", address_id);
    if let Some(network) = network {
        rule.set("networkid", network);
    }
    rule.set("traffictype", "Ingress");
    rule.set("fordisplay", true);
    super::generic::create_in_job(ctx, index, "FirewallRule", "firewallrule")
}
