//! List answers -> a simulator cloud. Typed parts for what the simulator's
//! hand-written commands serve, generic objects (by list key) for the rest.
//! Anything that would not load (a VM whose template was not taken, a
//! network without a CIDR) is left out with a warning, never guessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::Listed;
use csctl::sim::{
    Account, Cloud, Network, PortForwardingRule, PublicAddress, PublicIpSpec, ServiceOffering,
    TagSpec, Template, VirtualMachine, VmNic, Zone,
};

fn text(item: &Value, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number<T: std::str::FromStr>(item: &Value, field: &str) -> Option<T> {
    text(item, field).and_then(|t| t.parse().ok())
}

fn flag(item: &Value, field: &str) -> bool {
    match item.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// An IPv4 CIDR the simulator can serve (`a.b.c.d/n`, n at most 30).
fn usable_cidr(text: &str) -> bool {
    text.split_once('/').is_some_and(|(address, prefix)| {
        address.parse::<std::net::Ipv4Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 30)
    })
}

fn is_uuid(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

/// The generic kinds: (list command, key in `objects`). The key is the
/// list's noun, not its answer key: several lists share an answer key
/// (`listFirewallRules` and `listEgressFirewallRules` both answer
/// `firewallrule`), and the cloud file must keep them apart.
const GENERIC: &[(&str, &str)] = &[
    ("listVPCs", "vpc"),
    ("listDiskOfferings", "diskoffering"),
    ("listSSHKeyPairs", "sshkeypair"),
    ("listSecurityGroups", "securitygroup"),
    ("listAffinityGroups", "affinitygroup"),
    ("listFirewallRules", "firewallrule"),
    ("listEgressFirewallRules", "egressfirewallrule"),
    ("listLoadBalancerRules", "loadbalancerrule"),
    ("listVolumes", "volume"),
    ("listResourceLimits", "resourcelimit"),
];

/// Builds the cloud; returns it with what was left out.
pub fn to_cloud(listed: &Listed) -> (Cloud, Vec<String>) {
    let mut warnings = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut fresh = |id: &str| is_uuid(id) && ids.insert(id.to_ascii_lowercase());

    let account = account(listed);
    fresh(&account.id);
    fresh(&account.userid);
    fresh(&account.domainid);

    let mut zones = Vec::new();
    for (index, item) in listed.items("listZones", "").iter().enumerate() {
        let (Some(id), Some(name)) = (text(item, "id"), text(item, "name")) else {
            continue;
        };
        if !fresh(&id) {
            continue;
        }
        zones.push(Zone {
            id,
            name,
            description: text(item, "description"),
            networktype: text(item, "networktype").unwrap_or_else(|| "Advanced".into()),
            dns1: text(item, "dns1").unwrap_or_else(|| "8.8.8.8".into()),
            dns2: text(item, "dns2"),
            max_vms: 10_000,
            // A snapshot cannot know which public addresses are free: a
            // rehearsal hands out addresses of 198.18.0.0/15 (RFC 2544),
            // recognisably not the cloud's.
            public_ip_range: Some(format!(
                "198.18.{}.1-198.18.{}.254",
                index % 256,
                index % 256
            )),
        });
    }
    let zone_ids: HashSet<String> = zones.iter().map(|z| z.id.to_ascii_lowercase()).collect();

    // Public IPs first: networks take their source-NAT address.
    let ips = listed.items("listPublicIpAddresses", "");
    let mut networks = Vec::new();
    for item in listed.items("listNetworks", "") {
        let (Some(id), Some(name), Some(zoneid)) =
            (text(item, "id"), text(item, "name"), text(item, "zoneid"))
        else {
            continue;
        };
        let Some(cidr) = text(item, "cidr").filter(|c| usable_cidr(c)) else {
            warnings.push(format!(
                "network {name} ({id}) left out: it has no IPv4 CIDR of /30 or larger"
            ));
            continue;
        };
        if !zone_ids.contains(&zoneid.to_ascii_lowercase()) || !fresh(&id) {
            continue;
        }
        let source_nat_ip = ips
            .iter()
            .find(|ip| {
                flag(ip, "issourcenat")
                    && text(ip, "associatednetworkid").is_some_and(|n| n.eq_ignore_ascii_case(&id))
            })
            .and_then(|ip| {
                Some(PublicIpSpec {
                    id: text(ip, "id")?,
                    ipaddress: text(ip, "ipaddress")?,
                })
            });
        networks.push(Network {
            id,
            name,
            displaytext: text(item, "displaytext"),
            zoneid,
            cidr,
            networkdomain: text(item, "networkdomain"),
            source_nat_ip,
        });
    }
    let network_ids: HashSet<String> = networks.iter().map(|n| n.id.to_ascii_lowercase()).collect();
    let nat_ids: HashSet<String> = networks
        .iter()
        .filter_map(|n| n.source_nat_ip.as_ref())
        .map(|ip| ip.id.to_ascii_lowercase())
        .collect();
    for id in &nat_ids {
        fresh(id);
    }

    let templates = templates(listed, &zone_ids, &mut fresh);
    let template_ids: HashSet<String> = templates
        .iter()
        .map(|t| t.id.to_ascii_lowercase())
        .collect();

    let mut service_offerings = Vec::new();
    for item in listed.items("listServiceOfferings", "") {
        let (Some(id), Some(name)) = (text(item, "id"), text(item, "name")) else {
            continue;
        };
        if !fresh(&id) {
            continue;
        }
        service_offerings.push(ServiceOffering {
            id,
            name,
            displaytext: text(item, "displaytext"),
            cpunumber: number(item, "cpunumber").unwrap_or(1),
            cpuspeed: number(item, "cpuspeed").unwrap_or(1000),
            memory: number(item, "memory").unwrap_or(1024),
        });
    }
    let offering_ids: HashSet<String> = service_offerings
        .iter()
        .map(|o| o.id.to_ascii_lowercase())
        .collect();

    let mut virtual_machines = Vec::new();
    for item in listed.items("listVirtualMachines", "") {
        let (Some(id), Some(name)) = (text(item, "id"), text(item, "name")) else {
            continue;
        };
        let zoneid = text(item, "zoneid").unwrap_or_default();
        let templateid = text(item, "templateid").unwrap_or_default();
        let offeringid = text(item, "serviceofferingid").unwrap_or_default();
        let missing = [
            ("zone", &zoneid, &zone_ids),
            ("template", &templateid, &template_ids),
            ("service offering", &offeringid, &offering_ids),
        ]
        .into_iter()
        .find(|(_, id, known)| !known.contains(&id.to_ascii_lowercase()));
        if let Some((what, missing_id, _)) = missing {
            warnings.push(format!(
                "virtual machine {name} ({id}) left out: its {what} {missing_id} is not in the snapshot"
            ));
            continue;
        }
        if !fresh(&id) {
            continue;
        }
        let nics = item
            .get("nic")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|nic| {
                let networkid = text(nic, "networkid")?;
                if !network_ids.contains(&networkid.to_ascii_lowercase()) {
                    return None;
                }
                Some(VmNic {
                    id: text(nic, "id").filter(|id| fresh(id))?,
                    networkid,
                    ipaddress: text(nic, "ipaddress"),
                    macaddress: text(nic, "macaddress"),
                    isdefault: flag(nic, "isdefault"),
                })
            })
            .collect();
        virtual_machines.push(VirtualMachine {
            id,
            displayname: text(item, "displayname"),
            name,
            zoneid,
            templateid,
            serviceofferingid: offeringid,
            state: text(item, "state").unwrap_or_else(|| "Running".into()),
            nics,
            keypairs: text(item, "keypairs").or_else(|| text(item, "keypair")),
            group: text(item, "group"),
            created: text(item, "created"),
            instancename: text(item, "instancename"),
        });
    }
    let vm_ids: HashSet<String> = virtual_machines
        .iter()
        .map(|v| v.id.to_ascii_lowercase())
        .collect();

    let mut public_ips = Vec::new();
    for item in ips {
        let (Some(id), Some(ipaddress), Some(zoneid)) = (
            text(item, "id"),
            text(item, "ipaddress"),
            text(item, "zoneid"),
        ) else {
            continue;
        };
        if nat_ids.contains(&id.to_ascii_lowercase())
            || !zone_ids.contains(&zoneid.to_ascii_lowercase())
            || !fresh(&id)
        {
            continue;
        }
        let networkid = text(item, "associatednetworkid")
            .filter(|n| network_ids.contains(&n.to_ascii_lowercase()));
        let virtualmachineid = text(item, "virtualmachineid")
            .filter(|v| flag(item, "isstaticnat") && vm_ids.contains(&v.to_ascii_lowercase()));
        public_ips.push(PublicAddress {
            id,
            ipaddress,
            zoneid,
            networkid,
            issourcenat: flag(item, "issourcenat"),
            vmipaddress: virtualmachineid
                .as_ref()
                .and_then(|_| text(item, "vmipaddress")),
            virtualmachineid,
        });
    }
    let address_ids: HashSet<String> = public_ips
        .iter()
        .map(|ip| ip.id.to_ascii_lowercase())
        .chain(nat_ids.iter().cloned())
        .collect();

    let mut port_forwarding_rules = Vec::new();
    for item in listed.items("listPortForwardingRules", "") {
        let rule = (|| {
            Some(PortForwardingRule {
                id: text(item, "id")?,
                ipaddressid: text(item, "ipaddressid")
                    .filter(|i| address_ids.contains(&i.to_ascii_lowercase()))?,
                virtualmachineid: text(item, "virtualmachineid")
                    .filter(|v| vm_ids.contains(&v.to_ascii_lowercase()))?,
                protocol: text(item, "protocol")?,
                privateport: number(item, "privateport")?,
                privateendport: number(item, "privateendport"),
                publicport: number(item, "publicport")?,
                publicendport: number(item, "publicendport"),
                cidrlist: text(item, "cidrlist"),
                vmguestip: text(item, "vmguestip"),
            })
        })();
        match rule {
            Some(rule) if fresh(&rule.id) => port_forwarding_rules.push(rule),
            Some(_) => {}
            None => warnings.push(format!(
                "port forwarding rule {} left out: its address or VM is not in the snapshot",
                text(item, "id").unwrap_or_default()
            )),
        }
    }

    let mut objects: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    let mut generic = |command: &str, filter: &str, key: &str| {
        let Some((_, items)) = listed.lists.get(&(command.to_string(), filter.to_string())) else {
            return;
        };
        for item in items {
            let Value::Object(map) = item else { continue };
            let mut map = map.clone();
            if let Some(id) = map.get("id").and_then(Value::as_str) {
                if !is_uuid(id) {
                    // Not an id the simulator can serve: it makes one.
                    map.remove("id");
                } else if !fresh(id) {
                    continue;
                }
            }
            // Volatile: a job in flight on the source is not one here.
            map.remove("jobid");
            map.remove("jobstatus");
            objects.entry(key.to_string()).or_default().push(map);
        }
    };
    for (command, key) in GENERIC {
        generic(command, "", key);
    }
    for filter in super::TEMPLATE_FILTERS {
        generic("listIsos", filter, "iso");
    }

    // Members of the load balancer rules kept: the VMs of the snapshot.
    let mut members = BTreeMap::new();
    for rule in objects.get("loadbalancerrule").into_iter().flatten() {
        let Some(id) = rule.get("id").and_then(Value::as_str) else {
            continue;
        };
        let vms: Vec<String> = listed
            .items("listLoadBalancerRuleInstances", id)
            .iter()
            .filter_map(|vm| text(vm, "id"))
            .filter(|vm| vm_ids.contains(&vm.to_ascii_lowercase()))
            .collect();
        if !vms.is_empty() {
            members.insert(id.to_string(), vms);
        }
    }

    let tags = listed
        .items("listTags", "")
        .iter()
        .filter_map(|tag| {
            Some(TagSpec {
                key: text(tag, "key")?,
                value: text(tag, "value").unwrap_or_default(),
                resourcetype: text(tag, "resourcetype")?,
                resourceid: text(tag, "resourceid")?,
            })
        })
        .filter(|tag| csctl::sim::tag_type_known(&tag.resourcetype))
        .collect();

    let cloud = Cloud {
        account,
        zones,
        networks,
        templates,
        service_offerings,
        objects,
        virtual_machines,
        public_ips,
        port_forwarding_rules,
        tags,
        members,
        complete_objects: true,
        kept: kept(listed),
    };
    (cloud, warnings)
}

/// The account and its user (the demo login password: the real one is never read).
fn account(listed: &Listed) -> Account {
    let mut account = Account::default();
    if let Some(item) = listed.items("listAccounts", "").first() {
        if let Some(name) = text(item, "name") {
            account.name = name;
        }
        if let Some(id) = text(item, "id").filter(|id| is_uuid(id)) {
            account.id = id;
        }
        if let Some(domain) = text(item, "domainid").filter(|id| is_uuid(id)) {
            account.domainid = domain;
        }
        let users = listed.items("listUsers", "");
        let user = users
            .iter()
            .find(|u| text(u, "account") == Some(account.name.clone()))
            .or_else(|| {
                item.get("user")
                    .and_then(Value::as_array)
                    .and_then(|u| u.first())
            });
        if let Some(user) = user {
            if let Some(name) = text(user, "username") {
                account.username = name;
            }
            if let Some(id) = text(user, "id").filter(|id| is_uuid(id)) {
                account.userid = id;
            }
            if let Some(first) = text(user, "firstname") {
                account.firstname = first;
            }
            if let Some(last) = text(user, "lastname") {
                account.lastname = last;
            }
        }
    }
    account
}

/// One template per id over every filter: its zones, and the filters it
/// appeared under (featured, owned by the account, public).
fn templates(
    listed: &Listed,
    zone_ids: &HashSet<String>,
    fresh: &mut impl FnMut(&str) -> bool,
) -> Vec<Template> {
    let mut order: Vec<String> = Vec::new();
    let mut rows: HashMap<String, (Value, Vec<String>, bool, bool, bool)> = HashMap::new();
    for filter in super::TEMPLATE_FILTERS {
        for item in listed.items("listTemplates", filter) {
            let Some(id) = text(item, "id") else { continue };
            let entry = rows.entry(id.to_ascii_lowercase()).or_insert_with(|| {
                order.push(id.to_ascii_lowercase());
                (item.clone(), Vec::new(), false, false, false)
            });
            if flag(item, "crossZones") {
                entry.4 = true;
            }
            if let Some(zone) = text(item, "zoneid") {
                if zone_ids.contains(&zone.to_ascii_lowercase()) && !entry.1.contains(&zone) {
                    entry.1.push(zone);
                }
            } else {
                entry.4 = true; // cross-zone: every zone
            }
            entry.2 |= *filter == "featured" || flag(item, "isfeatured");
            entry.3 |= matches!(*filter, "self" | "selfexecutable");
        }
    }
    let mut templates = Vec::new();
    for id in order {
        let (item, zones, featured, owned, everywhere) = &rows[&id];
        let (Some(id), Some(name)) = (text(item, "id"), text(item, "name")) else {
            continue;
        };
        if !fresh(&id) || (zones.is_empty() && !everywhere) {
            continue;
        }
        templates.push(Template {
            id,
            name,
            displaytext: text(item, "displaytext"),
            zoneids: (!everywhere).then(|| zones.clone()),
            ostypename: text(item, "ostypename").unwrap_or_else(|| "Other Linux (64-bit)".into()),
            hypervisor: text(item, "hypervisor").unwrap_or_else(|| "KVM".into()),
            format: text(item, "format").unwrap_or_else(|| "QCOW2".into()),
            size: number(item, "size").unwrap_or(10 * 1024 * 1024 * 1024),
            featured: *featured,
            public: flag(item, "ispublic"),
            owned: *owned,
            passwordenabled: flag(item, "passwordenabled"),
        });
    }
    templates
}

/// The values a served copy would otherwise make up (see
/// [`Cloud::kept`]): zones' tokens, hosts, public and physical networks;
/// templates' dates and OS types; offerings' dates; addresses' allocation
/// dates; the account's and users' dates.
fn kept(listed: &Listed) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut kept: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    // `field` of `item` kept under `owner`'s id as `name` (the first value wins).
    let mut keep = |owner: Option<String>, name: &str, item: &Value, field: &str| {
        if let (Some(owner), Some(value)) = (owner.filter(|id| is_uuid(id)), text(item, field)) {
            kept.entry(owner.to_ascii_lowercase())
                .or_default()
                .entry(name.to_string())
                .or_insert(value);
        }
    };
    for item in listed.items("listZones", "") {
        keep(text(item, "id"), "zonetoken", item, "zonetoken");
    }
    for item in listed.items("listVirtualMachines", "") {
        keep(text(item, "zoneid"), "hostid", item, "hostid");
        keep(text(item, "zoneid"), "hostname", item, "hostname");
    }
    for item in listed.items("listNetworks", "") {
        keep(
            text(item, "zoneid"),
            "physicalnetworkid",
            item,
            "physicalnetworkid",
        );
    }
    for item in listed.items("listPublicIpAddresses", "") {
        keep(text(item, "zoneid"), "publicnetworkid", item, "networkid");
        keep(
            text(item, "zoneid"),
            "physicalnetworkid",
            item,
            "physicalnetworkid",
        );
        keep(text(item, "zoneid"), "vlanid", item, "vlanid");
        keep(text(item, "id"), "allocated", item, "allocated");
    }
    for filter in super::TEMPLATE_FILTERS {
        for item in listed.items("listTemplates", filter) {
            keep(text(item, "id"), "created", item, "created");
            keep(text(item, "id"), "ostypeid", item, "ostypeid");
        }
    }
    for command in ["listServiceOfferings", "listAccounts", "listUsers"] {
        for item in listed.items(command, "") {
            keep(text(item, "id"), "created", item, "created");
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listed(lists: &[(&str, &str, Value)]) -> Listed {
        let mut listed = Listed::default();
        for (command, filter, items) in lists {
            listed.lists.insert(
                (command.to_string(), filter.to_string()),
                (None, items.as_array().unwrap().clone()),
            );
        }
        listed
    }

    #[test]
    fn what_would_not_load_is_left_out_with_a_warning() {
        let zone = "11111111-1111-4111-8111-111111111111";
        let listed = listed(&[
            ("listZones", "", json!([{"id": zone, "name": "z"}])),
            (
                "listNetworks",
                "",
                json!([
                    {"id": "22222222-2222-4222-8222-222222222222", "name": "tiny", "zoneid": zone, "cidr": "10.0.0.0/31"},
                    {"id": "33333333-3333-4333-8333-333333333333", "name": "l2", "zoneid": zone}
                ]),
            ),
            (
                "listVirtualMachines",
                "",
                json!([{"id": "44444444-4444-4444-8444-444444444444", "name": "vm", "zoneid": zone,
                        "templateid": "55555555-5555-4555-8555-555555555555",
                        "serviceofferingid": "66666666-6666-4666-8666-666666666666"}]),
            ),
            (
                "listSSHKeyPairs",
                "",
                json!([{"id": "not-a-uuid", "name": "k", "privatekey": "x"}]),
            ),
        ]);
        let (cloud, warnings) = to_cloud(&listed);
        cloud.validate().unwrap();
        assert!(cloud.networks.is_empty() && cloud.virtual_machines.is_empty());
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[2].contains("template"), "{warnings:?}");
        let key = &cloud.objects["sshkeypair"][0];
        assert!(key.get("id").is_none() && key["name"] == "k");
        assert!(cloud.complete_objects);
    }
}
