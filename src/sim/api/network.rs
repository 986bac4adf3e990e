//! Guest networks: `listNetworks`, `createNetwork`, `updateNetwork`,
//! `restartNetwork`, `deleteNetwork`.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::{effect_job, paged, paging, want, want_flag, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::{Pairs, Tags};
use crate::sim::cloud::{self, Network};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listNetworks", list_networks),
    ("createNetwork", create_network),
    ("updateNetwork", update_network),
    ("restartNetwork", restart_network),
    ("deleteNetwork", delete_network),
];

/// The live network `id` names.
fn network_param(ctx: &Ctx<'_>, params: &Params) -> Result<usize, ApiError> {
    let id = params.get("id").unwrap_or_default();
    ctx.st
        .network(id)
        .ok_or_else(|| ApiError::invalid(format!("unable to find network {id}")))
}

/// The job instance of a network.
fn instance(st: &State, index: usize) -> (&'static str, String) {
    ("Network", st.networks[index].spec.id.clone())
}

/// `updateNetwork` (async): the given name, display text and network
/// domain, in the job's result.
pub(crate) fn update_network(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = network_param(ctx, params)?;
    let given = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let (name, displaytext, domain) = (given("name"), given("displaytext"), given("networkdomain"));
    Ok(effect_job(
        ctx,
        instance(ctx.st, index),
        move |st: &mut State| {
            let network = &mut st.networks[index];
            if let Some(name) = name {
                network.spec.name = name;
            }
            if let Some(text) = displaytext {
                network.displaytext = text;
            }
            if let Some(domain) = domain {
                network.networkdomain = domain;
            }
            let view = serde_json::to_value(st.network_view(index)).expect("in-memory");
            serde_json::json!({ "network": view })
        },
        None,
    ))
}

/// `restartNetwork` (async): nothing a list shows changes.
pub(crate) fn restart_network(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = network_param(ctx, params)?;
    Ok(effect_job(
        ctx,
        instance(ctx.st, index),
        |_: &mut State| serde_json::json!({ "success": true }),
        None,
    ))
}

/// `deleteNetwork` (async): the network, its addresses and their rules go.
/// As the server's `destroyNetwork`, the job fails while a VM that is not
/// expunged still has a NIC in it.
pub(crate) fn delete_network(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = network_param(ctx, params)?;
    let in_use = ctx
        .st
        .vms
        .iter()
        .any(|vm| !vm.removed && vm.nics.iter().any(|nic| nic.network == index));
    let failure = in_use.then(|| (530, "Failed to delete network".to_string()));
    Ok(effect_job(
        ctx,
        instance(ctx.st, index),
        move |st: &mut State| {
            st.networks[index].removed = true;
            let id = st.networks[index].spec.id.clone();
            st.remove_tags(&id, |_| true);
            let mut addresses = vec![id];
            for ip in 0..st.ips.len() {
                if st.ips[ip].network == Some(index) && !st.ips[ip].removed {
                    super::address::release_ip(st, ip);
                    addresses.push(st.ips[ip].id.clone());
                }
            }
            remove_generic_rules(st, &addresses);
            serde_json::json!({ "success": true })
        },
        failure,
    ))
}

/// Takes away the rules of the generic store (firewall, egress, IP
/// forwarding, load balancing: the kinds sharing the server's
/// `firewall_rules` table) whose `networkid` or `ipaddressid` is one of
/// `ids`.
fn remove_generic_rules(st: &mut State, ids: &[String]) {
    let named = |value: Option<String>| {
        value.is_some_and(|v| ids.iter().any(|id| id.eq_ignore_ascii_case(&v)))
    };
    let mut gone = Vec::new();
    for kind in crate::sim::kinds::kinds_of_class("FirewallRuleResponse") {
        for i in st.objects.of_kind(kind) {
            let rule = &st.objects[i];
            if named(rule.text("networkid")) || named(rule.text("ipaddressid")) {
                gone.push(i);
            }
        }
    }
    for i in gone {
        st.objects[i].removed = true;
        let id = st.objects[i].id().to_string();
        st.remove_tags(&id, |_| true);
    }
}

/// The guest CIDR of a network made without `gateway` and `netmask` (the
/// zone's default guest CIDR: isolated networks may all use it).
const DEFAULT_GUEST_CIDR: &str = "10.1.1.0/24";

/// `createNetwork` (sync): a guest network every command that takes a
/// network sees (`listNetworks id=`, `deployVirtualMachine networkids=`).
/// `gateway` and `netmask` go together and give its CIDR.
pub(crate) fn create_network(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let cidr = match (params.get("gateway"), params.get("netmask")) {
        (None, None) => DEFAULT_GUEST_CIDR.to_string(),
        (Some(gateway), Some(netmask)) => {
            let parse = |text: &str| text.trim().parse::<std::net::Ipv4Addr>().ok();
            let (Some(gateway), Some(netmask)) = (parse(gateway), parse(netmask)) else {
                return Err(ApiError::invalid("Invalid gateway or netmask"));
            };
            let mask = u32::from(netmask);
            let prefix = mask.leading_ones();
            if mask.count_ones() != prefix || prefix > 30 {
                return Err(ApiError::invalid(format!("Invalid netmask {netmask}")));
            }
            let base = std::net::Ipv4Addr::from(u32::from(gateway) & mask);
            format!("{base}/{prefix}")
        }
        _ => {
            return Err(ApiError::invalid(
                "gateway and netmask must be given together",
            ))
        }
    };
    if cloud::parse_cidr(&cidr).is_err() {
        return Err(ApiError::invalid(format!("Invalid CIDR {cidr}")));
    }
    let id = ctx.st.uuid();
    let name = params.get("name").unwrap_or_default().to_string();
    let network = Network {
        id,
        displaytext: Some(params.get("displaytext").unwrap_or(&name).to_string()),
        name,
        zoneid: params.get("zoneid").unwrap_or_default().to_string(),
        cidr,
        networkdomain: params.get("networkdomain").map(str::to_string),
        source_nat_ip: None,
    };
    if ctx.st.zone(&network.zoneid).is_none() {
        return Err(ApiError::invalid(format!(
            "Unable to find zone by id {}",
            network.zoneid
        )));
    }
    let index = ctx.st.add_network(network);
    let view = serde_json::to_value(ctx.st.network_view(index)).expect("in-memory");
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "network": view }),
    )))
}

pub(crate) fn list_networks(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (zone, name) = (want(params, "zoneid"), want(params, "name"));
    let st = &*ctx.st;
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let type_ok = params
        .get("type")
        .is_none_or(|t| t.eq_ignore_ascii_case("isolated") || t.eq_ignore_ascii_case("all"));
    let wanted = type_ok
        && params.get("vpcid").is_none()
        && want_flag(params, "canusefordeploy").allows(true)
        && want(params, "traffictype").allows("Guest");
    let matches: Vec<usize> = (0..st.networks.len())
        .filter(|&i| {
            let network = &st.networks[i];
            wanted
                && !network.removed
                && ids.allows(&network.spec.id)
                && scope.shows_id(&st.tenants, &network.spec.id)
                && zone.allows(&st.zones[network.zone].spec.id)
                && name.allows(&network.spec.name)
                && keyword.allows(&[&network.spec.name, &network.displaytext])
                && st.has_tags(&network.spec.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "network", &matches, &page, |i| {
        st.network_view(i)
    }))
}

/// Names of services, written as `[{"name": …}, …]`.
struct Services;

impl Serialize for Services {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Service {
            name: &'static str,
        }
        const NAMES: [&str; 9] = [
            "Vpn",
            "Dhcp",
            "Dns",
            "Firewall",
            "Lb",
            "UserData",
            "SourceNat",
            "StaticNat",
            "PortForwarding",
        ];
        let mut seq = serializer.serialize_seq(Some(NAMES.len()))?;
        for name in NAMES {
            seq.serialize_element(&Service { name })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
pub(crate) struct NetworkView<'a> {
    id: &'a str,
    name: &'a str,
    displaytext: &'a str,
    broadcastdomaintype: &'static str,
    traffictype: &'static str,
    gateway: &'a str,
    netmask: &'a str,
    cidr: &'a str,
    zoneid: &'a str,
    zonename: &'a str,
    networkofferingid: &'static str,
    networkofferingname: &'static str,
    networkofferingdisplaytext: &'static str,
    networkofferingconservemode: bool,
    networkofferingavailability: &'static str,
    issystem: bool,
    state: &'static str,
    related: &'a str,
    broadcasturi: &'a str,
    dns1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns2: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    acltype: &'static str,
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
    service: Services,
    networkdomain: &'a str,
    physicalnetworkid: &'a str,
    restartrequired: bool,
    specifyipranges: bool,
    canusefordeploy: bool,
    ispersistent: bool,
    tags: Tags<'a>,
    details: Pairs<'a>,
    displaynetwork: bool,
    strechedl2subnet: bool,
    redundantrouter: bool,
}

impl State {
    pub fn network_view(&self, index: usize) -> NetworkView<'_> {
        let network = &self.networks[index];
        let zone = &self.zones[network.zone];
        NetworkView {
            id: &network.spec.id,
            name: &network.spec.name,
            displaytext: &network.displaytext,
            broadcastdomaintype: "Vlan",
            traffictype: "Guest",
            gateway: &network.gateway,
            netmask: &network.netmask,
            cidr: &network.cidr,
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            networkofferingid: "9b5d4a3c-2e1f-4a6b-8c7d-0e1f2a3b4c5d",
            networkofferingname: "DefaultIsolatedNetworkOfferingWithSourceNatService",
            networkofferingdisplaytext:
                "Offering for Isolated networks with Source Nat service enabled",
            networkofferingconservemode: true,
            networkofferingavailability: "Required",
            issystem: false,
            state: "Implemented",
            related: &network.spec.id,
            broadcasturi: &network.vlan_uri,
            dns1: &zone.spec.dns1,
            dns2: zone.spec.dns2.as_deref(),
            kind: "Isolated",
            acltype: "Account",
            owner: self.tenants.owner_view_of(&network.spec.id),
            service: Services,
            networkdomain: &network.networkdomain,
            physicalnetworkid: &zone.physical_network_id,
            restartrequired: false,
            specifyipranges: false,
            canusefordeploy: true,
            ispersistent: false,
            tags: self.tags(&network.spec.id),
            details: Pairs(&[]),
            displaynetwork: true,
            strechedl2subnet: false,
            redundantrouter: false,
        }
    }
}
