//! Loading what already exists in a cloud file (a snapshot's VMs with their
//! NICs, public IPs, port forwarding rules and tags) into the typed rows the
//! hand-written commands serve, so that lists answer as the source did.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Instant;

use super::{Nic, PfRule, PublicIp, ResourceType, State, Tag, Vm, VmState};
use crate::sim::cloud::{PortForwardingRule, PublicAddress, TagSpec, VirtualMachine};

fn vm_state(text: &str) -> VmState {
    match text.to_ascii_lowercase().as_str() {
        "stopped" => VmState::Stopped,
        "destroyed" => VmState::Destroyed,
        "error" => VmState::Error,
        _ => VmState::Running,
    }
}

/// Adds the VMs, then the public IPs, then the rules (each refers to the
/// former). The cloud was validated: references resolve.
pub(crate) fn load(
    st: &mut State,
    vms: &[VirtualMachine],
    ips: &[PublicAddress],
    rules: &[PortForwardingRule],
    created: &str,
) {
    for spec in vms {
        load_vm(st, spec, created);
    }
    for spec in ips {
        let (Some(zone), Ok(address)) = (st.zone(&spec.zoneid), spec.ipaddress.parse::<Ipv4Addr>())
        else {
            continue;
        };
        let address = u32::from(address);
        st.zones[zone].ips_used.insert(address);
        let static_nat = spec
            .virtualmachineid
            .as_deref()
            .and_then(|id| st.vm(id))
            .map(|vm| (vm, spec.vmipaddress.clone().unwrap_or_default()));
        st.add_ip(PublicIp {
            fordisplay: true,
            id: spec.id.to_ascii_lowercase(),
            address,
            ipaddress: spec.ipaddress.clone(),
            zone,
            network: spec.networkid.as_deref().and_then(|id| st.network(id)),
            source_nat: spec.issourcenat,
            state: "Allocated",
            allocated: created.to_string(),
            removed: false,
            static_nat,
        });
    }
    for spec in rules {
        let (Some(ip), Some(vm)) = (st.ip(&spec.ipaddressid), st.vm(&spec.virtualmachineid)) else {
            continue;
        };
        let Some(network) = st.ips[ip]
            .network
            .or_else(|| st.vms[vm].nics.first().map(|n| n.network))
        else {
            continue;
        };
        let vmguestip = spec.vmguestip.clone().unwrap_or_else(|| {
            st.vms[vm]
                .nics
                .iter()
                .find(|n| n.network == network)
                .and_then(|n| n.ipaddress.clone())
                .unwrap_or_default()
        });
        st.add_rule(PfRule {
            fordisplay: true,
            id: spec.id.to_ascii_lowercase(),
            ip,
            vm,
            network,
            protocol: spec.protocol.to_ascii_lowercase(),
            private_port: (
                spec.privateport,
                spec.privateendport.unwrap_or(spec.privateport),
            ),
            public_port: (
                spec.publicport,
                spec.publicendport.unwrap_or(spec.publicport),
            ),
            cidrlist: spec.cidrlist.clone().unwrap_or_else(|| "0.0.0.0/0".into()),
            vmguestip,
            state: "Active",
            removed: false,
        });
    }
}

fn load_vm(st: &mut State, spec: &VirtualMachine, created: &str) {
    let (Some(zone), Some(template), Some(offering)) = (
        st.zone(&spec.zoneid),
        st.template(&spec.templateid),
        st.offering(&spec.serviceofferingid),
    ) else {
        return;
    };
    let state = vm_state(&spec.state);
    let live = !matches!(state, VmState::Destroyed | VmState::Error);
    let lower_name = spec.name.to_ascii_lowercase();
    let mut nics = Vec::with_capacity(spec.nics.len());
    for nic in &spec.nics {
        let Some(network) = st.network(&nic.networkid) else {
            continue;
        };
        let address = nic
            .ipaddress
            .as_deref()
            .and_then(|a| a.parse::<Ipv4Addr>().ok())
            .map(u32::from);
        let net = &mut st.networks[network];
        if let Some(address) = address {
            if state != VmState::Error && address >= net.base && address < net.base + net.size {
                net.used.insert(address - net.base);
            }
        }
        if state != VmState::Error {
            *net.names.entry(lower_name.clone()).or_default() += 1;
        }
        let mac = nic.macaddress.clone().unwrap_or_else(|| {
            let b = st.random_bytes::<3>();
            format!("02:00:{:02x}:{:02x}:{:02x}:01", b[0], b[1], b[2])
        });
        nics.push(Nic {
            id: nic.id.to_ascii_lowercase(),
            network,
            ip: address,
            ipaddress: nic.ipaddress.clone(),
            mac,
            isdefault: nic.isdefault,
        });
    }
    if live {
        st.zones[zone].active_vms += 1;
    }
    let instancename = spec.instancename.clone().unwrap_or_else(|| {
        let n = st.next_instance();
        format!("i-2-{n}-VM")
    });
    st.add_vm(Vm {
        id: spec.id.to_ascii_lowercase(),
        name: spec.name.clone(),
        displayname: spec
            .displayname
            .clone()
            .unwrap_or_else(|| spec.name.clone()),
        zone,
        template,
        offering,
        nics,
        state,
        projected: state,
        queue: VecDeque::new(),
        tail: Instant::now(),
        created: spec.created.clone().unwrap_or_else(|| created.to_string()),
        instancename,
        keypairs: spec.keypairs.clone(),
        group: spec.group.clone(),
        details: Vec::new(),
        password: None,
        removed: false,
        counted: live,
        holds_name: state != VmState::Error,
    });
}

/// Adds the tags whose resource type is known.
pub(crate) fn load_tags(st: &mut State, tags: &[TagSpec]) {
    for spec in tags {
        if let Some(resourcetype) = ResourceType::parse(&spec.resourcetype) {
            st.add_tag(Tag {
                key: spec.key.clone(),
                value: spec.value.clone(),
                resourcetype,
                resourceid: spec.resourceid.to_ascii_lowercase(),
                removed: false,
            });
        }
    }
}

/// Sets the members (VM ids) of objects of the file (load balancer rules).
pub(crate) fn load_members(
    st: &mut State,
    members: &std::collections::BTreeMap<String, Vec<String>>,
) {
    for (id, vms) in members {
        if let Some(index) = st.objects.find(id) {
            st.objects[index].members = vms.iter().map(|vm| vm.to_ascii_lowercase()).collect();
        }
    }
}

/// Puts back the values a snapshot kept ([`super::cloud::Cloud::kept`]) in
/// place of those the simulator made up when it loaded the cloud, so that
/// a served copy answers as its source did.
pub(crate) fn load_kept(
    st: &mut State,
    kept: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) {
    for (id, fields) in kept {
        let field = |name: &str| fields.get(name).cloned();
        if let Some(zone) = st.zone(id) {
            let zone = &mut st.zones[zone];
            for (name, slot) in [
                ("zonetoken", &mut zone.zonetoken),
                ("hostid", &mut zone.host_id),
                ("hostname", &mut zone.host_name),
                ("publicnetworkid", &mut zone.public_network_id),
                ("physicalnetworkid", &mut zone.physical_network_id),
                ("vlanid", &mut zone.vlan_id),
            ] {
                if let Some(value) = field(name) {
                    *slot = value;
                }
            }
        } else if let Some(template) = st.template(id) {
            let template = &mut st.templates[template];
            if let Some(created) = field("created") {
                template.created = created;
            }
            if let Some(ostypeid) = field("ostypeid") {
                template.ostypeid = ostypeid;
            }
        } else if let Some(offering) = st.offering(id) {
            if let Some(created) = field("created") {
                st.offerings[offering].created = created;
            }
        } else if let Some(ip) = st.ip(id) {
            if let Some(allocated) = field("allocated") {
                st.ips[ip].allocated = allocated;
            }
        } else if let Some(object) = st.objects.find(id) {
            for (name, value) in fields {
                st.objects[object].set(name, value.clone());
            }
        }
    }
}
