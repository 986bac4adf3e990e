//! The round trip (issue 22): a varied cloud built through the API (every
//! kind a snapshot covers, several of each), taken with `csctl snapshot`,
//! served back by `csctl sim --cloud FILE`, answers every list command the
//! snapshot reads exactly as the source does, field by field, ids included.
//!
//! The only fields allowed to differ are in [`ALLOWED_TO_DIFFER`], each
//! with its reason (docs/rehearsal.md says the same).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, csctl_process, success, write_script};

/// Fields a served copy may answer differently, and why:
/// - `created` of the rows a snapshot does not keep as typed objects with
///   their date is set when the copy starts;
/// - `jobid` / `jobstatus`: a job in flight on the source is not one on the
///   copy (nothing is in flight when the snapshot is taken, but the
///   server's rows may still name their last job).
const ALLOWED_TO_DIFFER: &[&str] = &[];

/// The building script: every kind a snapshot covers, several of each.
const BUILD: &str = r#"
let zones = api("listZones", #{}).zone;
let z1 = zones[0].id;
let net0 = api("listNetworks", #{}).network[0];
let nof = api("listNetworkOfferings", #{}).networkoffering[0].id;
let os = api("listOsTypes", #{}).ostype;
let nets = [net0.id];
for n in ["web-net", "db-net"] {
    nets.push(api("createNetwork", #{ zoneid: z1, networkofferingid: nof, name: n,
        displaytext: n }).network.id);
}
let so = api("createServiceOffering", #{ name: "tiny", displaytext: "Tiny", cpunumber: 1,
    cpuspeed: 500, memory: 256 }).serviceoffering;
let dof = api("createDiskOffering", #{ name: "big-disk", displaytext: "Big",
    disksize: 50 }).diskoffering;
api("createSSHKeyPair", #{ name: "k-made" });
api("registerSSHKeyPair", #{ name: "k-given", publickey:
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0e3xzdXd2eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+Q u@h" });
let golden = api("registerTemplate", #{ name: "golden", displaytext: "Golden",
    url: "http://example.com/g.qcow2", format: "qcow2", hypervisor: "KVM", zoneid: z1,
    ostypeid: os[0].id, ispublic: true }).template[0];
api("registerIso", #{ name: "rescue", displaytext: "Rescue", url: "http://example.com/r.iso",
    zoneid: z1, ostypeid: os[1].id, isfeatured: true, ispublic: true });
api("registerIso", #{ name: "tools", displaytext: "Tools", url: "http://example.com/t.iso",
    zoneid: z1, ostypeid: os[1].id, ispublic: true });
api("registerIso", #{ name: "mine", displaytext: "Mine", url: "http://example.com/m.iso",
    zoneid: z1, ostypeid: os[1].id });
api_wait("createAffinityGroup", #{ name: "spread", type: "host anti-affinity" });
api_wait("createAffinityGroup", #{ name: "pack", type: "host affinity" });
let vms = [];
let i = 0;
for name in ["app-1", "app-2", "db-1", "tmp-1"] {
    vms.push(api_wait("deployVirtualMachine", #{
        zoneid: z1, networkids: nets[i % 3], name: name, keypair: "k-made",
        serviceofferingid: if i == 2 { so.id } else { "{M1_SMALL}" },
        templateid: if i == 3 { golden.id } else { "{DEBIAN7}" },
    }).virtualmachine);
    i += 1;
}
api_wait("stopVirtualMachine", #{ id: vms[3].id });
let vols = [];
for n in ["data-1", "data-2", "data-3"] {
    vols.push(api_wait("createVolume", #{ name: n, zoneid: z1, diskofferingid: dof.id }).volume);
}
api_wait("attachVolume", #{ id: vols[0].id, virtualmachineid: vms[0].id });
let root = api("listVolumes", #{ virtualmachineid: vms[3].id, type: "ROOT" }).volume[0];
let snap = api_wait("createSnapshot", #{ volumeid: root.id }).snapshot;
api_wait("createTemplate", #{ name: "from-volume", displaytext: "From volume",
    volumeid: root.id, ostypeid: os[2].id });
api_wait("createTemplate", #{ name: "from-snapshot", displaytext: "From snapshot",
    snapshotid: snap.id, ostypeid: os[3].id });
for g in ["web", "db"] {
    let sg = api("createSecurityGroup", #{ name: g, description: g + " group" }).securitygroup;
    api_wait("authorizeSecurityGroupIngress", #{ securitygroupid: sg.id, protocol: "tcp",
        startport: 443, endport: 443, cidrlist: "0.0.0.0/0" });
    api_wait("authorizeSecurityGroupEgress", #{ securitygroupid: sg.id, protocol: "udp",
        startport: 53, endport: 53, cidrlist: "10.0.0.0/8" });
}
let ips = [];
for k in 0..3 {
    ips.push(api_wait("associateIpAddress", #{ networkid: net0.id }).ipaddress);
}
api_wait("createPortForwardingRule", #{ ipaddressid: ips[0].id, virtualmachineid: vms[0].id,
    protocol: "tcp", privateport: 22, publicport: 2222 });
api_wait("createPortForwardingRule", #{ ipaddressid: ips[0].id, virtualmachineid: vms[0].id,
    protocol: "udp", privateport: 53, publicport: 5353 });
api_wait("createFirewallRule", #{ ipaddressid: ips[0].id, protocol: "tcp", startport: 22,
    endport: 22, cidrlist: "10.0.0.0/8" });
api_wait("createFirewallRule", #{ ipaddressid: ips[1].id, protocol: "tcp", startport: 80,
    endport: 80, cidrlist: "0.0.0.0/0" });
api_wait("createEgressFirewallRule", #{ networkid: net0.id, protocol: "tcp", startport: 80,
    endport: 80, cidrlist: "10.1.0.0/16" });
api_wait("createEgressFirewallRule", #{ networkid: net0.id, protocol: "udp", startport: 53,
    endport: 53, cidrlist: "10.2.0.0/16" });
let lb = api_wait("createLoadBalancerRule", #{ publicipid: ips[1].id, name: "front",
    algorithm: "roundrobin", privateport: 80, publicport: 80, networkid: net0.id }).loadbalancer;
api_wait("createLoadBalancerRule", #{ publicipid: ips[1].id, name: "back",
    algorithm: "leastconn", privateport: 8080, publicport: 8080, networkid: net0.id });
api_wait("assignToLoadBalancerRule", #{ id: lb.id, virtualmachineids: [vms[0].id, vms[1].id] });
api_wait("enableStaticNat", #{ ipaddressid: ips[2].id, virtualmachineid: vms[1].id });
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: [vms[0].id, vms[1].id],
    tags: #{ env: "prod", team: "web" } });
api_wait("createTags", #{ resourcetype: "Volume", resourceids: vols[1].id,
    tags: #{ backup: "daily" } });
api_wait("createTags", #{ resourcetype: "Network", resourceids: nets[1], tags: #{ tier: "web" } });
api_wait("createTags", #{ resourcetype: "PublicIpAddress", resourceids: ips[0].id,
    tags: #{ role: "ssh" } });
let vpcof = api("listVPCOfferings", #{});
if vpcof.contains("vpcoffering") {
    for n in ["vpc-1", "vpc-2"] {
        api_wait("createVPC", #{ name: n, displaytext: n, cidr: "10.10.0.0/16", zoneid: z1,
            vpcofferingid: vpcof.vpcoffering[0].id });
    }
}
api("updateResourceLimit", #{ resourcetype: 0, max: 40 });
api("updateResourceLimit", #{ resourcetype: 1, max: 7 });
print("built");
"#;

/// Every list command a snapshot reads (`snapshot::Kind::calls`), with the
/// filter it reads under.
const LISTS: &[(&str, &[(&str, &str)])] = &[
    ("listAccounts", &[]),
    ("listUsers", &[]),
    ("listResourceLimits", &[]),
    ("listZones", &[]),
    ("listNetworks", &[]),
    ("listVPCs", &[]),
    ("listTemplates", &[("templatefilter", "featured")]),
    ("listTemplates", &[("templatefilter", "self")]),
    ("listTemplates", &[("templatefilter", "selfexecutable")]),
    ("listTemplates", &[("templatefilter", "sharedexecutable")]),
    ("listTemplates", &[("templatefilter", "executable")]),
    ("listTemplates", &[("templatefilter", "community")]),
    ("listIsos", &[("isofilter", "featured")]),
    ("listIsos", &[("isofilter", "self")]),
    ("listIsos", &[("isofilter", "selfexecutable")]),
    ("listIsos", &[("isofilter", "sharedexecutable")]),
    ("listIsos", &[("isofilter", "executable")]),
    ("listIsos", &[("isofilter", "community")]),
    ("listServiceOfferings", &[]),
    ("listDiskOfferings", &[]),
    ("listSSHKeyPairs", &[]),
    ("listSecurityGroups", &[]),
    ("listAffinityGroups", &[]),
    ("listPublicIpAddresses", &[]),
    ("listFirewallRules", &[]),
    ("listEgressFirewallRules", &[]),
    ("listPortForwardingRules", &[]),
    ("listLoadBalancerRules", &[]),
    ("listVirtualMachines", &[]),
    ("listVolumes", &[]),
    ("listTags", &[]),
];

/// The lists the source answers with nothing: no template or ISO is shared
/// with the account by another one, and the demo cloud has no VPC offering.
const EMPTY: &[&str] = &[
    "listVPCs []",
    "listTemplates [(\"templatefilter\", \"sharedexecutable\")]",
    "listIsos [(\"isofilter\", \"sharedexecutable\")]",
];

/// `csctl sim --cloud FILE` on a free port, stopped when dropped.
struct Served {
    child: Child,
    sim: TestSim,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(file: &Path, home: &Path) -> Served {
    let mut child = csctl_process(home)
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--job-delay",
            "10ms",
            "--cloud",
        ])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut endpoint, mut key, mut secret) = (None, None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once("listening on ") {
            endpoint = Some(rest.split_whitespace().next().unwrap().to_string());
        } else if let Some(rest) = line.trim().strip_prefix("api key:") {
            key = Some(rest.trim().to_string());
        } else if let Some(rest) = line.trim().strip_prefix("secret key:") {
            secret = Some(rest.trim().to_string());
        }
        if line.contains("Ctrl-C") {
            break;
        }
    }
    // Keep reading so that the process never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let sim = TestSim::attach(
        &endpoint.expect("a banner with the endpoint"),
        &key.expect("the api key"),
        &secret.expect("the secret key"),
    );
    Served { child, sim }
}

/// The rows of a list, by id (or by their text when they have none), with
/// the fields allowed to differ left out.
fn rows(sim: &TestSim, command: &str, params: &[(&str, &str)]) -> BTreeMap<String, Value> {
    let mut all = vec![("listall", "true")];
    all.extend_from_slice(params);
    let answer = sim.api(command, &all);
    let mut rows = BTreeMap::new();
    for item in answer
        .as_object()
        .into_iter()
        .flat_map(|map| map.values())
        .filter_map(Value::as_array)
        .flatten()
    {
        let mut item = item.clone();
        strip(&mut item);
        let mut key = match (item.get("id"), item.get("zoneid")) {
            (Some(Value::String(id)), Some(Value::String(zone))) => format!("{id}@{zone}"),
            (Some(Value::String(id)), _) => id.clone(),
            _ => item.to_string(),
        };
        while rows.contains_key(&key) {
            key.push('+');
        }
        rows.insert(key, item);
    }
    rows
}

fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !ALLOWED_TO_DIFFER.contains(&k.as_str()));
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// Every difference between two answers, one line each.
fn differences(
    command: &str,
    want: &BTreeMap<String, Value>,
    got: &BTreeMap<String, Value>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (key, row) in want {
        let Some(other) = got.get(key) else {
            found.push(format!("{command}: {key} missing from the copy"));
            continue;
        };
        let (Value::Object(a), Value::Object(b)) = (row, other) else {
            continue;
        };
        for (field, value) in a {
            match b.get(field) {
                None => found.push(format!("{command} {key}: {field} missing (source {value})")),
                Some(copy) if copy != value => found.push(format!(
                    "{command} {key}: {field} source {value} copy {copy}"
                )),
                _ => {}
            }
        }
        for (field, value) in b {
            if !a.contains_key(field) {
                found.push(format!(
                    "{command} {key}: {field} only on the copy ({value})"
                ));
            }
        }
    }
    for key in got.keys().filter(|key| !want.contains_key(*key)) {
        found.push(format!("{command}: {key} only on the copy"));
    }
    found
}

#[test]
fn a_varied_cloud_served_from_its_snapshot_answers_every_list_the_same() {
    let home = tempfile::tempdir().unwrap();
    let source = TestSim::start();
    let script = home.path().join("build.rhai");
    write_script(&script, BUILD);
    let stdout = success(
        &against(&source, home.path())
            .args(["run", script.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(stdout.contains("built"), "{stdout}");
    let file = home.path().join("cloud.json");
    against(&source, home.path())
        .args(["snapshot", "-o", file.to_str().unwrap()])
        .assert()
        .success();
    let served = serve(&file, home.path());
    let copy = &served.sim;

    let mut found = Vec::new();
    let mut compared = 0;
    let mut empty = Vec::new();
    for (command, params) in LISTS {
        let (want, got) = (rows(&source, command, params), rows(copy, command, params));
        compared += want.len();
        if want.is_empty() {
            empty.push(format!("{command} {params:?}"));
        }
        found.extend(differences(&format!("{command} {params:?}"), &want, &got));
    }
    // The members of each load balancer rule, as the snapshot reads them.
    for rule in rows(&source, "listLoadBalancerRules", &[]).values() {
        let id = rule["id"].as_str().unwrap();
        let params = [("id", id)];
        let (want, got) = (
            rows(&source, "listLoadBalancerRuleInstances", &params),
            rows(copy, "listLoadBalancerRuleInstances", &params),
        );
        compared += want.len();
        found.extend(differences("listLoadBalancerRuleInstances", &want, &got));
    }
    assert!(compared > 60, "only {compared} rows compared");
    assert_eq!(empty, EMPTY, "lists empty on the source");
    assert!(
        found.is_empty(),
        "{} differences:\n{}",
        found.len(),
        found.join("\n")
    );
}
