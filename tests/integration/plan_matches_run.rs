//! A plan you can trust (issue 23): each bundled script and a set of
//! varied ones run twice, with `run --plan` against a copy of a cloud X
//! (the binary snapshots X with read-only calls) and for real against X
//! itself (a simulator; its journal gives what was sent). The sequences of
//! state-changing commands, with their parameters, are the same, refused
//! and failed calls included, and so are the exit statuses.

use std::path::Path;

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, write_script};

/// Cloud X: key pairs, VMs, a public address with a port forwarding rule,
/// an ingress and an egress firewall rule, a load balancer, tags, a data
/// volume.
const POPULATE: &str = r#"
let net = api("listNetworks", #{}).network[0];
api("createSSHKeyPair", #{ name: "ops-key" });
let vms = [];
for name in ["app-1", "app-2", "db-1"] {
    vms.push(api_wait("deployVirtualMachine", #{
        zoneid: net.zoneid, networkids: net.id, name: name, keypair: "ops-key",
        serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}",
    }).virtualmachine);
}
let ip = api_wait("associateIpAddress", #{ networkid: net.id }).ipaddress;
api_wait("createPortForwardingRule", #{ ipaddressid: ip.id, virtualmachineid: vms[0].id,
    protocol: "tcp", privateport: 22, publicport: 2222 });
api_wait("createFirewallRule", #{ ipaddressid: ip.id, protocol: "tcp", startport: 2222,
    endport: 2222, cidrlist: "10.0.0.0/8" });
api_wait("createEgressFirewallRule", #{ networkid: net.id, protocol: "tcp", startport: 80,
    endport: 80 });
let lb = api_wait("createLoadBalancerRule", #{ publicipid: ip.id, name: "front",
    algorithm: "roundrobin", privateport: 80, publicport: 80, networkid: net.id }).loadbalancer;
api_wait("assignToLoadBalancerRule", #{ id: lb.id, virtualmachineids: [vms[1].id] });
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: vms[0].id, tags: #{ env: "prod" } });
api_wait("createVolume", #{ name: "data-1", zoneid: net.zoneid,
    diskofferingid: api("listDiskOfferings", #{}).diskoffering[0].id });
print("populated");
"#;

/// Creates: a key pair, a VM with it, a volume attached to the VM.
const CREATE: &str = r#"
let net = api("listNetworks", #{}).network[0];
api("createSSHKeyPair", #{ name: "new-key" });
let vm = api_wait("deployVirtualMachine", #{ zoneid: net.zoneid, networkids: net.id,
    name: "web-9", keypair: "new-key", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}" }).virtualmachine;
let volume = api_wait("createVolume", #{ name: "data-2", zoneid: net.zoneid,
    diskofferingid: api("listDiskOfferings", #{}).diskoffering[0].id }).volume;
api_wait("attachVolume", #{ id: volume.id, virtualmachineid: vm.id });
"#;

/// Tags every VM with two keys, and removes one tag.
const TAG: &str = r#"
let ids = api("listVirtualMachines", #{}).virtualmachine.map(|vm| vm.id);
ids.sort();
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: ids, tags: #{ team: "ops", tier: "web" } });
let app1 = api("listVirtualMachines", #{ name: "app-1" }).virtualmachine[0];
api_wait("deleteTags", #{ resourcetype: "UserVm", resourceids: app1.id, tags: #{ env: "prod" } });
"#;

/// Rules: a new address with an ingress rule, port forwarding and a load
/// balancer; an egress rule; a rule on the existing address.
const RULES: &str = r#"
let net = api("listNetworks", #{}).network[0];
let app2 = api("listVirtualMachines", #{ name: "app-2" }).virtualmachine[0];
let ip = api_wait("associateIpAddress", #{ networkid: net.id }).ipaddress;
api_wait("createFirewallRule", #{ ipaddressid: ip.id, protocol: "tcp", startport: 443, endport: 443 });
api_wait("createPortForwardingRule", #{ ipaddressid: ip.id, virtualmachineid: app2.id,
    protocol: "tcp", privateport: 443, publicport: 443 });
api_wait("createEgressFirewallRule", #{ networkid: net.id, protocol: "udp", startport: 53, endport: 53 });
let lb = api("listLoadBalancerRules", #{}).loadbalancerrule[0];
api_wait("assignToLoadBalancerRule", #{ id: lb.id, virtualmachineids: [app2.id] });
"#;

/// Tears everything down, rules first.
const TEARDOWN: &str = r#"
for rule in api("listFirewallRules", #{}).firewallrule ?? [] {
    api_wait("deleteFirewallRule", #{ id: rule.id });
}
for rule in api("listEgressFirewallRules", #{}).firewallrule ?? [] {
    api_wait("deleteEgressFirewallRule", #{ id: rule.id });
}
for rule in api("listPortForwardingRules", #{}).portforwardingrule ?? [] {
    api_wait("deletePortForwardingRule", #{ id: rule.id });
}
for rule in api("listLoadBalancerRules", #{}).loadbalancerrule ?? [] {
    api_wait("deleteLoadBalancerRule", #{ id: rule.id });
}
let vms = api("listVirtualMachines", #{}).virtualmachine ?? [];
vms.sort(|a, b| if a.name < b.name { -1 } else { 1 });
for vm in vms {
    api_wait("destroyVirtualMachine", #{ id: vm.id, expunge: true });
}
api("deleteSSHKeyPair", #{ name: "ops-key" });
"#;

/// Fails halfway: a refused call the script catches, then one it does not.
const FAILS_HALFWAY: &str = r#"
let app1 = api("listVirtualMachines", #{ name: "app-1" }).virtualmachine[0];
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: app1.id, tags: #{ step: "1" } });
try {
    api_wait("stopVirtualMachine", #{ id: "00000000-0000-4000-8000-00000000dead" });
} catch (e) {
    print("went on");
}
api_wait("createVolume", #{ name: "no-zone" });
api_wait("stopVirtualMachine", #{ id: app1.id });
"#;

/// One call as the comparison sees it: command, outcome, parameters.
#[derive(Debug, PartialEq)]
struct Call {
    command: String,
    ok: bool,
    params: Vec<(String, String)>,
}

/// A cloud X, populated through the binary.
fn cloud_x(home: &Path) -> TestSim {
    let x = TestSim::start();
    let script = home.join("populate.rhai");
    write_script(&script, POPULATE);
    let output = against(&x, home).arg("run").arg(&script).output().unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("populated"),
        "{output:?}"
    );
    x
}

/// Parameter values compared: an id made during the run (not in X) is
/// `<new>`, as each side makes its own; a secret is not compared.
fn normalised(value: &str, x_ids: &str, redacted: bool) -> String {
    if redacted {
        return "<redacted>".into();
    }
    value
        .split(',')
        .map(|part| {
            if uuid::Uuid::parse_str(part).is_ok() && !x_ids.contains(part) {
                "<new>".to_string()
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs `script` with `args` as a plan and for real; asserts the same
/// calls and status. Returns the plan's JSON.
fn compare(script: &Path, args: &[&str]) -> Value {
    let home = tempfile::tempdir().unwrap();
    let x = cloud_x(home.path());
    // Everything X holds, by id, to tell its ids from those made later.
    let x_ids = [
        "listVirtualMachines",
        "listVolumes",
        "listPublicIpAddresses",
        "listFirewallRules",
        "listEgressFirewallRules",
        "listPortForwardingRules",
        "listLoadBalancerRules",
        "listSSHKeyPairs",
        "listNetworks",
        "listZones",
        "listTemplates",
        "listServiceOfferings",
        "listDiskOfferings",
    ]
    .iter()
    .map(|command| {
        let params: &[(&str, &str)] = if *command == "listTemplates" {
            &[("templatefilter", "all")]
        } else {
            &[]
        };
        x.api(command, params).to_string()
    })
    .collect::<String>();
    let written_before = x.journal().len();
    let plan = against(&x, home.path())
        .args(["run", "--plan", "-o", "json"])
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        x.journal().len(),
        written_before,
        "the plan sent a write to X"
    );
    let stdout = String::from_utf8_lossy(&plan.stdout);
    let json: Value = serde_json::from_str(&stdout[stdout.find("\n{").map_or(0, |at| at + 1)..])
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let real = against(&x, home.path())
        .arg("run")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let planned: Vec<Call> = json["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| Call {
            command: call["command"].as_str().unwrap().into(),
            ok: call["outcome"] == "ok",
            params: call["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let v = v.as_str().unwrap();
                    (k.clone(), normalised(v, &x_ids, v == "<redacted>"))
                })
                .collect(),
        })
        .collect();
    let sent: Vec<Call> = x.journal()[written_before..]
        .iter()
        .zip(
            json["calls"]
                .as_array()
                .unwrap()
                .iter()
                .chain(std::iter::repeat(&Value::Null)),
        )
        .map(|(entry, planned)| Call {
            command: entry.command.clone(),
            ok: entry.status == 200 && !entry.job_failed,
            params: entry
                .params
                .iter()
                .map(|(k, v)| {
                    let redacted = planned["params"][k] == "<redacted>";
                    (k.clone(), normalised(v, &x_ids, redacted))
                })
                .collect(),
        })
        .collect();
    assert_eq!(
        planned,
        sent,
        "{}: the plan and the real run differ\nplan stderr: {}\nreal stderr: {}",
        script.display(),
        String::from_utf8_lossy(&plan.stderr),
        String::from_utf8_lossy(&real.stderr)
    );
    assert_eq!(
        plan.status.code(),
        real.status.code(),
        "{}: exit statuses differ\nplan: {}\nreal: {}",
        script.display(),
        String::from_utf8_lossy(&plan.stderr),
        String::from_utf8_lossy(&real.stderr)
    );
    json
}

fn varied(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.rhai"));
    write_script(&path, text);
    (dir, path)
}

fn bundled(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

#[test]
fn bundled_deploy_cluster() {
    let plan = compare(&bundled("deploy_cluster.rhai"), &["count=3", "prefix=node"]);
    assert_eq!(plan["summary"]["calls"], 3);
}

#[test]
fn bundled_deploy_debian7() {
    // A fixed name: by default it is made of the time of day.
    let plan = compare(&bundled("deploy_debian7.rhai"), &["hostname=deb-1"]);
    assert_eq!(plan["calls"][0]["command"], "deployVirtualMachine");
}

#[test]
fn bundled_inventory_writes_nothing() {
    let plan = compare(&bundled("inventory.rhai"), &[]);
    assert_eq!(plan["summary"]["calls"], 0);
}

#[test]
fn bundled_teardown() {
    let plan = compare(&bundled("teardown.rhai"), &["prefix=app", "confirm=yes"]);
    assert!(plan["summary"]["delete"].as_u64().unwrap() >= 2, "{plan}");
}

#[test]
fn varied_create() {
    let (_dir, script) = varied("create", CREATE);
    let plan = compare(&script, &[]);
    assert_eq!(plan["summary"]["failed"], 0);
}

#[test]
fn varied_tag() {
    let (_dir, script) = varied("tag", TAG);
    let plan = compare(&script, &[]);
    // Two keys on each of the three VMs; one tag gone.
    let tags: Vec<&Value> = plan["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "tag")
        .collect();
    assert_eq!(tags.iter().filter(|t| t["action"] == "create").count(), 6);
    assert_eq!(tags.iter().filter(|t| t["action"] == "delete").count(), 1);
}

#[test]
fn varied_rules() {
    let (_dir, script) = varied("rules", RULES);
    compare(&script, &[]);
}

// Ingress and egress rules share the answer key `firewallrule`: a served
// copy that mixed them up planned no `deleteFirewallRule` (issue 22).
#[test]
fn varied_teardown_with_ingress_and_egress_rules() {
    let (_dir, script) = varied("teardown", TEARDOWN);
    let plan = compare(&script, &[]);
    let commands: Vec<&str> = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(commands.contains(&"deleteFirewallRule"), "{commands:?}");
    assert!(
        commands.contains(&"deleteEgressFirewallRule"),
        "{commands:?}"
    );
}

#[test]
fn varied_one_that_fails_halfway() {
    let (_dir, script) = varied("fails", FAILS_HALFWAY);
    let plan = compare(&script, &[]);
    let outcomes: Vec<(&str, &str)> = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["command"].as_str().unwrap(),
                c["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("createTags", "ok"),
            ("stopVirtualMachine", "refused"),
            ("createVolume", "failed")
        ]
    );
    assert_eq!(plan["summary"]["refused"], 1);
    assert_eq!(plan["summary"]["failed"], 1);
    assert!(plan["error"].as_str().unwrap().contains("createVolume"));
}
