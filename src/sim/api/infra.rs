//! What a fresh cloud has beyond the cloud file's zones, networks,
//! templates and offerings: per zone a pod, a cluster, a host, a primary
//! storage pool, a physical network (with the ids the typed views show)
//! carrying guest, management, public and storage traffic
//! and the system VMs; a virtual router per network; the management
//! server; disk offerings, OS types, the hypervisor, the network offering,
//! affinity group types. All are objects of the generic store, listed by
//! the generic model; a cloud file's `objects` are added after them.

use serde_json::{Map, Value};

use super::generic;
use crate::sim::kinds::list_command_for_key;
use crate::sim::objects::kind_of;
use crate::sim::state::State;

/// The network offering the typed networks show.
pub(crate) const NETWORK_OFFERING_ID: &str = "9b5d4a3c-2e1f-4a6b-8c7d-0e1f2a3b4c5d";

fn object(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A uuid made from another and a word: the same every time.
fn derived_id(base: &str, word: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::new()
        .chain_update(base.as_bytes())
        .chain_update(word.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Adds the infrastructure every cloud has.
pub(crate) fn seed(st: &mut State) {
    for zone in 0..st.zones.len() {
        let (zone_id, zone_name, host_id, host_name, physical) = {
            let rt = &st.zones[zone];
            (
                rt.spec.id.clone(),
                rt.spec.name.clone(),
                rt.host_id.clone(),
                rt.host_name.clone(),
                rt.physical_network_id.clone(),
            )
        };
        let in_zone = |pairs: &[(&str, Value)]| {
            let mut map = object(pairs);
            map.insert("zoneid".into(), zone_id.clone().into());
            map.insert("zonename".into(), zone_name.clone().into());
            map
        };
        let pod = generic::seed(
            st,
            "listPods",
            in_zone(&[
                ("name", format!("{zone_name}-pod1").into()),
                ("gateway", "192.168.0.1".into()),
                ("netmask", "255.255.255.0".into()),
                ("allocationstate", "Enabled".into()),
            ]),
        );
        let pod_id = st.objects[pod].id().to_string();
        let cluster = generic::seed(
            st,
            "listClusters",
            in_zone(&[
                ("name", format!("{zone_name}-cluster1").into()),
                ("podid", pod_id.clone().into()),
                ("hypervisortype", "KVM".into()),
                ("clustertype", "CloudManaged".into()),
                ("allocationstate", "Enabled".into()),
                ("managedstate", "Managed".into()),
            ]),
        );
        let cluster_id = st.objects[cluster].id().to_string();
        generic::seed(
            st,
            "listHosts",
            in_zone(&[
                ("id", host_id.into()),
                ("name", host_name.into()),
                ("type", "Routing".into()),
                ("state", "Up".into()),
                ("resourcestate", "Enabled".into()),
                ("hypervisor", "KVM".into()),
                ("podid", pod_id.clone().into()),
                ("clusterid", cluster_id.clone().into()),
                ("ipaddress", "192.168.0.10".into()),
                ("cpunumber", 64.into()),
                ("cpuspeed", 2400.into()),
                ("memorytotal", (512u64 << 30).into()),
            ]),
        );
        generic::seed(
            st,
            "listStoragePools",
            in_zone(&[
                ("name", format!("{zone_name}-primary").into()),
                ("podid", pod_id.into()),
                ("clusterid", cluster_id.into()),
                ("type", "NetworkFilesystem".into()),
                ("scope", "CLUSTER".into()),
                ("state", "Up".into()),
                ("disksizetotal", (10u64 << 40).into()),
            ]),
        );
        generic::seed(
            st,
            "listPhysicalNetworks",
            in_zone(&[
                ("id", physical.clone().into()),
                ("name", format!("{zone_name}-physical").into()),
                ("state", "Enabled".into()),
                ("isolationmethods", "VLAN".into()),
            ]),
        );
        // The traffic an enabled advanced zone carries (`updateZone`
        // checks for them); ids derived from the physical network's, so
        // the seeded RNG's sequence is unchanged.
        for traffic in ["Guest", "Management", "Public", "Storage"] {
            generic::seed(
                st,
                "addTrafficType",
                object(&[
                    ("id", derived_id(&physical, traffic).into()),
                    ("physicalnetworkid", physical.clone().into()),
                    ("traffictype", traffic.into()),
                ]),
            );
        }
    }
    for network in 0..st.networks.len() {
        let (id, name, zone) = {
            let rt = &st.networks[network];
            (rt.spec.id.clone(), rt.spec.name.clone(), rt.zone)
        };
        let zone = &st.zones[zone];
        let (zone_id, zone_name, host_id, host_name) = (
            zone.spec.id.clone(),
            zone.spec.name.clone(),
            zone.host_id.clone(),
            zone.host_name.clone(),
        );
        let number = 10 + network;
        generic::seed(
            st,
            "listRouters",
            object(&[
                ("name", format!("r-{number}-VM").into()),
                ("zoneid", zone_id.into()),
                ("zonename", zone_name.into()),
                ("hostid", host_id.into()),
                ("hostname", host_name.into()),
                ("guestnetworkid", id.into()),
                ("guestnetworkname", name.into()),
                ("state", "Running".into()),
                ("role", "VIRTUAL_ROUTER".into()),
                ("redundantstate", "UNKNOWN".into()),
                ("requiresupgrade", false.into()),
                ("version", super::accounts::CLOUDSTACK_VERSION.into()),
            ]),
        );
    }
    for zone in 0..st.zones.len() {
        let rt = &st.zones[zone];
        let (zone_id, zone_name, host_id, host_name) = (
            rt.spec.id.clone(),
            rt.spec.name.clone(),
            rt.host_id.clone(),
            rt.host_name.clone(),
        );
        for (number, kind, prefix) in [(1, "consoleproxy", "v"), (2, "secondarystoragevm", "s")] {
            generic::seed(
                st,
                "listSystemVms",
                object(&[
                    ("name", format!("{prefix}-{}-VM", number + 2 * zone).into()),
                    ("systemvmtype", kind.into()),
                    ("zoneid", zone_id.clone().into()),
                    ("zonename", zone_name.clone().into()),
                    ("hostid", host_id.clone().into()),
                    ("hostname", host_name.clone().into()),
                    ("state", "Running".into()),
                    ("agentstate", "Up".into()),
                    ("hypervisor", "KVM".into()),
                ]),
            );
        }
    }
    generic::seed(
        st,
        "listManagementServers",
        object(&[
            ("name", "csctl-sim".into()),
            ("state", "Up".into()),
            ("version", super::accounts::CLOUDSTACK_VERSION.into()),
            ("serviceip", "127.0.0.1".into()),
        ]),
    );
    for (name, size, custom) in [
        ("Small", 5u64, false),
        ("Medium", 20, false),
        ("Custom", 0, true),
    ] {
        generic::seed(
            st,
            "listDiskOfferings",
            object(&[
                ("name", name.into()),
                ("displaytext", format!("{name} Disk").into()),
                ("disksize", size.into()),
                ("iscustomized", custom.into()),
                ("storagetype", "shared".into()),
                ("provisioningtype", "thin".into()),
            ]),
        );
    }
    for (name, category) in [
        ("Debian GNU/Linux 12 (64-bit)", "Debian"),
        ("Ubuntu 22.04 LTS", "Ubuntu"),
        ("CentOS 7", "CentOS"),
        ("Windows Server 2019 (64-bit)", "Windows"),
        ("Other Linux (64-bit)", "Other"),
    ] {
        generic::seed(
            st,
            "listOsTypes",
            object(&[
                ("name", name.into()),
                ("description", name.into()),
                ("oscategoryname", category.into()),
                ("isuserdefined", false.into()),
            ]),
        );
    }
    generic::seed(st, "listHypervisors", object(&[("name", "KVM".into())]));
    generic::seed(
        st,
        "listNetworkOfferings",
        object(&[
            ("id", NETWORK_OFFERING_ID.into()),
            (
                "name",
                "DefaultIsolatedNetworkOfferingWithSourceNatService".into(),
            ),
            (
                "displaytext",
                "Offering for Isolated networks with Source Nat service enabled".into(),
            ),
            ("guestiptype", "Isolated".into()),
            ("traffictype", "Guest".into()),
            ("isdefault", true.into()),
            ("specifyvlan", false.into()),
            ("conservemode", true.into()),
            ("availability", "Required".into()),
            ("state", "Enabled".into()),
        ]),
    );
    for kind in ["host anti-affinity", "host affinity"] {
        // Types have no id of their own; the store's is not shown.
        let index = generic::seed(
            st,
            "listAffinityGroupTypes",
            object(&[("type", kind.into())]),
        );
        st.objects[index].fields.remove("id");
    }
}

/// Adds a cloud file's objects (validated: every key names a list command).
pub(crate) fn seed_objects(
    st: &mut State,
    objects: &std::collections::BTreeMap<String, Vec<Map<String, Value>>>,
    complete: bool,
) {
    for (key, items) in objects {
        let Some(list) = list_command_for_key(key) else {
            continue;
        };
        // A kind the file lists is all of that kind: the simulator's own
        // defaults of it (disk offerings…) go, as a snapshot of a cloud
        // holds everything of the kinds it took.
        let defaults: Vec<usize> = st.objects.of_kind(&kind_of(list)).collect();
        for index in defaults {
            st.objects[index].removed = true;
        }
        for item in items {
            let index = generic::seed(st, list, item.clone());
            if complete {
                st.objects[index]
                    .fields
                    .retain(|name, _| name == "id" || item.contains_key(name));
            }
        }
    }
}
