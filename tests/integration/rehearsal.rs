//! `csctl snapshot` and `csctl run --plan` (issue 15): a simulator
//! populated by a script stands for the user's cloud; its snapshot, served
//! by a second simulator, answers the same lists; a plan changes nothing on
//! the source (its journal of state-changing requests proves it); no secret
//! of the source reaches a snapshot.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, csctl, success, write_script};

/// Fields the simulator makes up for itself (hosts, physical networks,
/// zone tokens, OS type ids, creation dates): not part of what a snapshot
/// keeps.
const VOLATILE: &[&str] = &[
    "created",
    "allocated",
    "hostid",
    "hostname",
    "guestosid",
    "ostypeid",
    "physicalnetworkid",
    "zonetoken",
    "vlanid",
    "jobid",
    "jobstatus",
];

/// The populating script: key pairs, VMs with user data (one from a
/// password-enabled template), a public IP with a port forwarding rule,
/// tags, a security group with a rule, a data volume, an ingress and an
/// egress firewall rule (both answer under `firewallrule`).
const POPULATE: &str = r#"
let net = api("listNetworks", #{}).network[0];
let kp = api("createSSHKeyPair", #{ name: "ops-key" }).keypair;
print(`PRIVATEKEY=${kp.privatekey.split("\n")[1]}`);
let vms = [];
for name in ["app-1", "app-2", "db-1"] {
    let vm = api_wait("deployVirtualMachine", #{
        zoneid: net.zoneid, networkids: net.id, name: name, keypair: "ops-key",
        serviceofferingid: "{M1_SMALL}",
        templateid: "{DEBIAN7}",
        userdata: "VE9QLVNFQ1JFVC1VU0VSREFUQQ==",
    }).virtualmachine;
    print(`PASSWORD=${vm.password}`);
    vms.push(vm);
}
let ip = api_wait("associateIpAddress", #{ networkid: net.id }).ipaddress;
api_wait("createPortForwardingRule", #{ ipaddressid: ip.id, virtualmachineid: vms[0].id,
    protocol: "tcp", privateport: 22, publicport: 2222 });
let lb = api_wait("createLoadBalancerRule", #{ publicipid: ip.id, name: "front",
    algorithm: "roundrobin", privateport: 80, publicport: 80, networkid: net.id }).loadbalancer;
api_wait("createFirewallRule", #{ ipaddressid: ip.id, protocol: "tcp",
    startport: 22, endport: 22, cidrlist: "10.0.0.0/8" });
api_wait("createEgressFirewallRule", #{ networkid: net.id, protocol: "tcp",
    startport: 80, endport: 80, cidrlist: "10.1.0.0/16" });
api_wait("assignToLoadBalancerRule", #{ id: lb.id, virtualmachineids: [vms[1].id, vms[2].id] });
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: vms[0].id, tags: #{ env: "prod" } });
let sg = api("createSecurityGroup", #{ name: "web" }).securitygroup;
api_wait("authorizeSecurityGroupIngress", #{ securitygroupid: sg.id, protocol: "tcp",
    startport: 443, endport: 443, cidrlist: "0.0.0.0/0" });
api_wait("createVolume", #{ name: "data-1", zoneid: net.zoneid,
    diskofferingid: api("listDiskOfferings", #{}).diskoffering[0].id });
print("populated");
"#;

/// The lists compared between the source and the served snapshot.
const LISTS: &[(&str, &[(&str, &str)])] = &[
    ("listZones", &[]),
    ("listNetworks", &[]),
    ("listTemplates", &[("templatefilter", "featured")]),
    ("listTemplates", &[("templatefilter", "self")]),
    ("listTemplates", &[("templatefilter", "community")]),
    ("listServiceOfferings", &[]),
    ("listDiskOfferings", &[]),
    ("listVirtualMachines", &[]),
    ("listVolumes", &[]),
    ("listPublicIpAddresses", &[]),
    ("listPortForwardingRules", &[]),
    ("listFirewallRules", &[]),
    ("listEgressFirewallRules", &[]),
    ("listTags", &[]),
    ("listSSHKeyPairs", &[]),
    ("listSecurityGroups", &[]),
    ("listAffinityGroups", &[]),
    ("listLoadBalancerRules", &[]),
    ("listResourceLimits", &[]),
];

/// A simulator populated by [`POPULATE`] run with the real binary; the
/// script's output (secrets it saw) is returned too.
fn populated(home: &Path) -> (TestSim, String) {
    let source = TestSim::start_with(|config| {
        config.cloud.account.password = "s3cret-login-of-the-source".into();
    });
    let script = home.join("populate.rhai");
    write_script(&script, POPULATE);
    let stdout = success(
        &against(&source, home)
            .args(["run", script.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(stdout.contains("populated"), "{stdout}");
    (source, stdout)
}

fn snapshot(source: &TestSim, home: &Path) -> PathBuf {
    let file = home.join("snapshot.json");
    against(source, home)
        .args(["snapshot", "-o", file.to_str().unwrap()])
        .assert()
        .success();
    file
}

/// The items of a list, volatile fields removed, sorted.
fn items(sim: &TestSim, command: &str, params: &[(&str, &str)]) -> Vec<String> {
    let answer = sim.api(command, params);
    let mut rows: Vec<String> = answer
        .as_object()
        .into_iter()
        .flat_map(|map| map.values())
        .filter_map(Value::as_array)
        .flatten()
        .map(|item| {
            let mut item = item.clone();
            strip_volatile(&mut item);
            canonical(&item)
        })
        .collect();
    rows.sort();
    rows
}

/// JSON text with object keys sorted, so that field order does not count.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = fields
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

fn strip_volatile(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            map.values_mut().for_each(strip_volatile);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

#[test]
fn a_served_snapshot_answers_the_same_lists_and_taking_it_changed_nothing() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let changes_before = source.journal().len();
    let received_before = source.commands_received();
    let file = snapshot(&source, home.path());
    assert_eq!(
        source.journal().len(),
        changes_before,
        "the snapshot sent a state-changing command"
    );
    // Every command the snapshot sent, by the source's own count.
    let catalog = csctl::catalog::builtin();
    let mut sent = Vec::new();
    for (command, count) in source.commands_received() {
        if received_before.get(&command) != Some(&count) {
            assert!(
                catalog.is_read_only(&command),
                "the snapshot sent {command}"
            );
            sent.push(command);
        }
    }
    for expected in [
        "listVirtualMachines",
        "listTemplates",
        "listResourceLimits",
        "listTags",
    ] {
        assert!(
            sent.iter().any(|c| c == expected),
            "{expected} not sent: {sent:?}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let cloud = csctl::sim::load_cloud_file(&file).unwrap();
    let copy = TestSim::start_with(|config| config.cloud = cloud);
    for (command, params) in LISTS {
        let (want, got) = (
            items(&source, command, params),
            items(&copy, command, params),
        );
        assert!(
            !want.is_empty() || *command == "listAffinityGroups",
            "{command}: empty on the source"
        );
        assert_eq!(want, got, "{command} {params:?} answers differently");
    }
    let lb = &source.api("listLoadBalancerRules", &[])["loadbalancerrule"][0];
    let lb_id = lb["id"].as_str().unwrap();
    let members = items(&source, "listLoadBalancerRuleInstances", &[("id", lb_id)]);
    assert_eq!(members.len(), 2);
    assert_eq!(
        members,
        items(&copy, "listLoadBalancerRuleInstances", &[("id", lb_id)])
    );
    let vm = &source.api("listVirtualMachines", &[("name", "app-1")])["virtualmachine"][0];
    let vm_id = vm["id"].as_str().unwrap();
    assert_eq!(
        items(&source, "listNics", &[("virtualmachineid", vm_id)]),
        items(&copy, "listNics", &[("virtualmachineid", vm_id)])
    );
}

#[test]
fn a_snapshot_holds_no_secret_of_the_source() {
    let home = tempfile::tempdir().unwrap();
    let (source, printed) = populated(home.path());
    let file = snapshot(&source, home.path());
    let text = std::fs::read_to_string(&file).unwrap();
    let secrets: Vec<&str> = printed
        .lines()
        .filter_map(|l| {
            l.strip_prefix("PASSWORD=")
                .or_else(|| l.strip_prefix("PRIVATEKEY="))
        })
        .collect();
    assert_eq!(secrets.len(), 4, "{printed}");
    for secret in secrets.iter().copied().chain([
        "VE9QLVNFQ1JFVC1VU0VSREFUQQ==",
        "s3cret-login-of-the-source",
        "BEGIN",
    ]) {
        assert!(
            secret.len() > 4 && !text.contains(secret),
            "the snapshot holds {secret}"
        );
    }
    for field in [
        "\"privatekey\"",
        "\"userdata\"",
        "\"apikey\"",
        "\"secretkey\"",
        "\"password\"",
    ] {
        assert!(!text.contains(field), "the snapshot has a {field} field");
    }
    assert!(
        text.contains("ops-key"),
        "the key pair's public part is kept"
    );
}

#[test]
fn a_plan_of_deploy_cluster_shows_twenty_creates_and_changes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let changes_before = source.journal().len();
    let vms_before = source.api("listVirtualMachines", &[])["count"].clone();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deploy_cluster.rhai");
    let stdout = success(
        &against(&source, home.path())
            .args(["run", "--plan", script.to_str().unwrap(), "count=20"])
            .output()
            .unwrap(),
    );
    assert!(
        stdout.contains("virtualmachine: 20 to create\n")
            && stdout.contains("volume: 20 to create\n")
            && stdout.ends_with(
                "Plan: 40 to create, 0 to change, 0 to delete; 0 calls refused, 0 failed.\n"
            ),
        "{stdout}"
    );
    assert_eq!(stdout.matches("\n  + node-").count(), 20, "{stdout}");
    assert_eq!(
        source.journal().len(),
        changes_before,
        "the source saw a state-changing call"
    );
    assert_eq!(source.api("listVirtualMachines", &[])["count"], vms_before);

    // The same from a file, for tools; a failing script keeps its status.
    let file = snapshot(&source, home.path());
    let output = csctl(home.path())
        .args([
            "run",
            "--plan",
            "--plan-from",
            file.to_str().unwrap(),
            "-o",
            "json",
        ])
        .args([script.to_str().unwrap(), "count=2", "prefix=api"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let plan: Value = serde_json::from_slice(
        &output.stdout[output.stdout.iter().position(|b| *b == b'{').unwrap()..],
    )
    .unwrap();
    assert_eq!(plan["summary"]["create"], 4);
    assert_eq!(plan["objects"][0]["type"], "virtualmachine");
    assert_eq!(plan["objects"][0]["action"], "create");
    assert_eq!(plan["calls"][0]["command"], "deployVirtualMachine");
    let clash = csctl(home.path())
        .args(["run", "--plan", "--plan-from", file.to_str().unwrap()])
        .args([script.to_str().unwrap(), "count=0"])
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&clash.stdout)
        .contains("Plan: 0 to create, 0 to change, 0 to delete; 0 calls refused, 0 failed"));
}

#[test]
fn a_served_snapshot_enforces_the_accounts_limits() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let file = snapshot(&source, home.path());
    let mut cloud: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for limit in cloud["objects"]["resourcelimit"].as_array_mut().unwrap() {
        match limit["resourcetypename"].as_str() {
            Some("user_vm") => limit["max"] = 4.into(),
            Some("public_ip") => limit["max"] = 2.into(),
            _ => {}
        }
    }
    std::fs::write(&file, cloud.to_string()).unwrap();
    let copy = TestSim::start_with(|config| {
        config.cloud = csctl::sim::load_cloud_file(&file).unwrap();
    });
    copy.deploy(&[("name", "fourth")]);
    let (status, body) = copy.signed_get(&[
        ("command", "deployVirtualMachine"),
        ("zoneid", csctl::sim::demo::ZONE1),
        ("serviceofferingid", csctl::sim::demo::M1_SMALL),
        ("templateid", csctl::sim::demo::DEBIAN7),
    ]);
    assert_eq!(status, 535, "{body}");
    let error = &body["deployvirtualmachineresponse"];
    assert_eq!(error["errorcode"], 535);
    assert!(error["errortext"]
        .as_str()
        .unwrap()
        .starts_with("Maximum number of resources of type 'user_vm' for account name=admin"));
    let (status, body) = copy.signed_get(&[
        ("command", "associateIpAddress"),
        ("networkid", csctl::sim::demo::NETWORK),
    ]);
    assert_eq!(status, 535, "{body}");
    assert!(body.to_string().contains("type 'public_ip'"));
}

#[test]
fn only_and_skip_choose_the_resource_types() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let output = against(&source, home.path())
        .args(["snapshot", "--skip", "tags,volumes"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let cloud: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(cloud.get("tags").is_none() && cloud["objects"].get("volume").is_none());
    assert_eq!(cloud["virtual_machines"].as_array().unwrap().len(), 3);

    let output = against(&source, home.path())
        .args(["snapshot", "--only", "templates"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let cloud: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(cloud["templates"].as_array().unwrap().len(), 5);
    assert!(cloud.get("virtual_machines").is_none());

    against(&source, home.path())
        .args(["snapshot", "--only", "vmz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown resource type `vmz`"));
}

#[test]
fn a_plan_tells_creates_changes_and_deletes_apart_and_redacts_secrets() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let file = snapshot(&source, home.path());
    let script = home.path().join("mixed.rhai");
    write_script(
        &script,
        r#"
let net = api("listNetworks", #{}).network[0];
let vm = api("listVirtualMachines", #{ name: "app-1" }).virtualmachine[0];
let ip = api_wait("associateIpAddress", #{ networkid: net.id }).ipaddress;
let lb = api_wait("createLoadBalancerRule", #{ publicipid: ip.id, name: "web-lb",
    algorithm: "roundrobin", privateport: 80, publicport: 80, networkid: net.id });
api_wait("assignToLoadBalancerRule", #{ id: lb.loadbalancer.id, virtualmachineids: vm.id });
api_wait("stopVirtualMachine", #{ id: vm.id });
api_wait("deployVirtualMachine", #{ zoneid: net.zoneid, networkids: net.id, name: "extra",
    serviceofferingid: "{M1_SMALL}",
    templateid: "{DEBIAN7}", userdata: "U0VDUkVULUlOLVBMQU4=" });
api_wait("destroyVirtualMachine", #{ id: vm.id, expunge: true });
api("deleteSSHKeyPair", #{ name: "ops-key" });
"#,
    );
    let output = csctl(home.path())
        .args(["run", "--plan", "--plan-from", file.to_str().unwrap()])
        .arg(&script)
        .output()
        .unwrap();
    let stdout = success(&output);
    // Every object touched, the ones the calls do not name included (the
    // expunged VM's rule, tag and volume).
    for line in [
        "loadbalancerrule: 1 to create\n  + web-lb (",
        "portforwardingrule: 1 to delete\n  - tcp 2222 -> app-1:22 on ",
        "publicipaddress: 1 to create\n  + 198.18.0.1 (",
        "sshkeypair: 1 to delete\n  - ops-key (",
        "tag: 1 to delete\n  - env=prod on UserVm app-1\n",
        "virtualmachine: 1 to create, 1 to delete\n  + extra (",
        "  - app-1 (",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    assert!(
        stdout
            .ends_with("Plan: 4 to create, 0 to change, 5 to delete; 0 calls refused, 0 failed.\n"),
        "{stdout}"
    );
    assert!(stdout.contains("userdata=<redacted>"), "{stdout}");
    assert!(!stdout.contains("U0VDUkVULUlOLVBMQU4="), "{stdout}");
}

#[test]
fn the_binary_serves_a_snapshot_with_sim_cloud() {
    let home = tempfile::tempdir().unwrap();
    let (source, _) = populated(home.path());
    let file = snapshot(&source, home.path());
    let stdout = success(
        &csctl(home.path())
            .args(["call", "listVirtualMachines", "--sim", "--sim-cloud"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    let mut names: Vec<&str> = answer["virtualmachine"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vm| vm["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["app-1", "app-2", "db-1"]);
}
