//! The simulator's hand-written semantics around VMs (key pairs, volumes,
//! NICs, firewall, static NAT, load balancers, security groups, accounts)
//! and the generic resource model, over HTTP.

use serde_json::Value;

use crate::support::sim::TestSim;

use csctl::sim::demo::{DEBIAN7, M1_SMALL, NETWORK, ZONE1};
/// `ssh-keygen -E md5 -lf` prints 17:9c:a8:89:48:4a:85:83:d6:ee:ed:98:5e:86:40:93 for it.
const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDOC+NzrNysntp41qMGoGYX9SHUoSGtEny894a7mP3nw test";

fn error(sim: &TestSim, params: &[(&str, &str)]) -> (u16, String) {
    let (status, body) = sim.signed_get(params);
    let key = format!("{}response", params[0].1.to_ascii_lowercase());
    (
        status,
        body[key]["errortext"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The `id` of an object in an answer.
fn id_of(id: &Value) -> String {
    id.as_str().expect("an id").to_string()
}

/// Acquires a public address in the demo network: its id.
fn associate_ip(sim: &TestSim) -> String {
    let started = sim.api("associateIpAddress", &[("networkid", NETWORK)]);
    job_result(sim, &started)["ipaddress"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn job_result(sim: &TestSim, started: &Value) -> Value {
    let job = sim.wait_job(started["jobid"].as_str().expect("a jobid"));
    assert_eq!(job["jobstatus"], 1, "{job}");
    job["jobresult"].clone()
}

#[test]
fn ssh_key_pairs_are_created_registered_listed_and_deleted() {
    let sim = TestSim::start();
    let created = &sim.api("createSSHKeyPair", &[("name", "k1")])["keypair"];
    assert!(created["privatekey"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assert_eq!(created["fingerprint"].as_str().unwrap().len(), 47);
    let (status, text) = error(&sim, &[("command", "createSSHKeyPair"), ("name", "k1")]);
    assert_eq!(
        (status, text.as_str()),
        (431, "A key pair with name 'k1' already exists.")
    );

    let (status, text) = error(
        &sim,
        &[
            ("command", "registerSSHKeyPair"),
            ("name", "bad"),
            ("publickey", "ssh-foo AAAA"),
        ],
    );
    assert_eq!((status, text.as_str()), (431, "Public key is invalid"));
    let registered = &sim.api(
        "registerSSHKeyPair",
        &[("name", "k2"), ("publickey", PUBLIC_KEY)],
    )["keypair"];
    assert_eq!(
        registered["fingerprint"],
        "17:9c:a8:89:48:4a:85:83:d6:ee:ed:98:5e:86:40:93"
    );
    assert!(registered.get("privatekey").is_none());

    let listed = sim.api("listSSHKeyPairs", &[]);
    assert_eq!(listed["count"], 2);
    assert!(listed["sshkeypair"][0].get("privatekey").is_none());
    let by_name = sim.api("listSSHKeyPairs", &[("name", "k2")]);
    assert_eq!(
        by_name["sshkeypair"][0]["fingerprint"],
        registered["fingerprint"]
    );

    assert_eq!(
        sim.api("deleteSSHKeyPair", &[("name", "k1")])["success"],
        true
    );
    let (status, text) = error(&sim, &[("command", "deleteSSHKeyPair"), ("name", "k1")]);
    assert_eq!(status, 431);
    assert!(
        text.starts_with("A key pair with name 'k1' does not exist"),
        "{text}"
    );
    assert_eq!(sim.api("listSSHKeyPairs", &[])["count"], 1);

    let (status, text) = error(
        &sim,
        &[
            ("command", "deployVirtualMachine"),
            ("zoneid", ZONE1),
            ("serviceofferingid", M1_SMALL),
            ("templateid", DEBIAN7),
            ("keypair", "k1"),
        ],
    );
    assert_eq!(
        (status, text.as_str()),
        (431, "A key pair with name 'k1' was not found.")
    );
    let vm = sim.deploy(&[("keypair", "k2")]);
    assert_eq!(vm["jobresult"]["virtualmachine"]["keypairs"], "k2");
}

#[test]
fn keys_are_registered_as_the_server_checks_them() {
    let sim = TestSim::start();
    // The server checks the type and the two parts, not the key inside:
    // its fingerprint is the MD5 of the decoded second part.
    let registered = &sim.api(
        "registerSSHKeyPair",
        &[("name", "short"), ("publickey", "ssh-rsa AAAA a comment")],
    )["keypair"];
    assert_eq!(
        registered["fingerprint"],
        "69:3e:9a:f8:4d:3d:fc:c7:1e:64:0e:00:5b:dc:5e:2e"
    );
    // Material without a space is the Base64 of a key line.
    let encoded = "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSURPQytOenJOeXNudHA0MXFNR29HWVg5U0hVb1NHdEVueTg5NGE3bVAzbncgdGVzdA==";
    let registered = &sim.api(
        "registerSSHKeyPair",
        &[("name", "encoded"), ("publickey", encoded)],
    )["keypair"];
    assert_eq!(
        registered["fingerprint"],
        "17:9c:a8:89:48:4a:85:83:d6:ee:ed:98:5e:86:40:93"
    );
    for bad in ["ssh-rsa", "rsa AAAA", "bm90IGEga2V5"] {
        let (status, text) = error(
            &sim,
            &[
                ("command", "registerSSHKeyPair"),
                ("name", "bad"),
                ("publickey", bad),
            ],
        );
        assert_eq!(
            (status, text.as_str()),
            (431, "Public key is invalid"),
            "{bad}"
        );
    }
    let vm = sim.deploy(&[("keypair", "short")]);
    assert_eq!(vm["jobresult"]["virtualmachine"]["keypairs"], "short");
}

#[test]
fn resource_limits_are_kept() {
    let sim = TestSim::start();
    let held = sim.api("listVirtualMachines", &[])["count"]
        .as_u64()
        .unwrap_or(0);
    let max = (held + 1).to_string();
    let updated = &sim.api(
        "updateResourceLimit",
        &[("resourcetype", "0"), ("max", &max)],
    )["resourcelimit"];
    assert_eq!(updated["max"], held + 1);
    assert_eq!(updated["resourcetypename"], "user_vm");
    let listed = sim.api("listResourceLimits", &[("resourcetype", "0")]);
    assert_eq!(listed["count"], 1, "{listed}");
    assert_eq!(listed["resourcelimit"][0]["max"], held + 1);
    sim.deploy(&[]);
    let (status, _) = error(
        &sim,
        &[
            ("command", "deployVirtualMachine"),
            ("zoneid", ZONE1),
            ("serviceofferingid", M1_SMALL),
            ("templateid", DEBIAN7),
        ],
    );
    assert_eq!(status, 535);
    let (status, text) = error(
        &sim,
        &[
            ("command", "updateResourceLimit"),
            ("resourcetype", "0"),
            ("max", "-2"),
        ],
    );
    assert_eq!(status, 431, "{text}");
    sim.api("updateResourceLimit", &[("resourcetype", "0")]);
    let listed = sim.api("listResourceLimits", &[("resourcetype", "0")]);
    assert_eq!(listed["resourcelimit"][0]["max"], -1);
}

#[test]
fn a_vm_has_a_root_volume_nics_and_takes_data_volumes() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[("name", "web")])["jobresult"]["virtualmachine"].clone();
    let vm_id = vm["id"].as_str().unwrap();
    let volumes = sim.api("listVolumes", &[("virtualmachineid", vm_id)]);
    assert_eq!(volumes["count"], 1, "{volumes}");
    assert_eq!(volumes["volume"][0]["type"], "ROOT");
    assert_eq!(volumes["volume"][0]["vmname"], "web");

    let nics = sim.api("listNics", &[("virtualmachineid", vm_id)]);
    assert_eq!(nics["count"], 1);
    assert_eq!(nics["nic"][0]["id"], vm["nic"][0]["id"]);
    assert_eq!(nics["nic"][0]["virtualmachineid"], vm_id);

    let offering = sim.api("listDiskOfferings", &[("name", "Small")])["diskoffering"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = sim.api(
        "createVolume",
        &[
            ("name", "data"),
            ("zoneid", ZONE1),
            ("diskofferingid", &offering),
        ],
    );
    let volume = job_result(&sim, &started)["volume"].clone();
    assert_eq!(
        (volume["type"].as_str(), volume["state"].as_str()),
        (Some("DATADISK"), Some("Allocated"))
    );
    assert_eq!(volume["size"], 5u64 << 30);
    let id = volume["id"].as_str().unwrap();
    let started = sim.api("attachVolume", &[("id", id), ("virtualmachineid", vm_id)]);
    let attached = job_result(&sim, &started)["volume"].clone();
    assert_eq!(attached["virtualmachineid"], vm_id);
    assert_eq!(attached["deviceid"], 1);
    assert_eq!(
        sim.api("listVolumes", &[("virtualmachineid", vm_id)])["count"],
        2
    );
    let (status, text) = error(&sim, &[("command", "deleteVolume"), ("id", id)]);
    assert_eq!(
        (status, text.as_str()),
        (
            431,
            "Please specify a volume that is not attached to any VM."
        )
    );
    let started = sim.api("detachVolume", &[("id", id)]);
    assert!(job_result(&sim, &started)["volume"]
        .get("virtualmachineid")
        .is_none());
    assert_eq!(sim.api("deleteVolume", &[("id", id)])["success"], true);
    assert_eq!(
        sim.api("listVolumes", &[("virtualmachineid", vm_id)])["count"],
        1
    );

    let started = sim.api(
        "destroyVirtualMachine",
        &[("id", vm_id), ("expunge", "true")],
    );
    job_result(&sim, &started);
    assert_eq!(
        sim.api("listVolumes", &[]).get("count"),
        None,
        "the ROOT volume goes with the VM"
    );
}

#[test]
fn firewall_static_nat_and_ip_forwarding_rules() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = sim.api("associateIpAddress", &[("zoneid", ZONE1)]);
    let ip = job_result(&sim, &started)["ipaddress"].clone();
    assert_eq!(ip["associatednetworkid"], NETWORK, "the zone's one network");
    let ip_id = ip["id"].as_str().unwrap();

    let started = sim.api(
        "createFirewallRule",
        &[
            ("ipaddressid", ip_id),
            ("protocol", "tcp"),
            ("startport", "22"),
            ("cidrlist", "10.0.0.0/8"),
        ],
    );
    let rule = job_result(&sim, &started)["firewallrule"].clone();
    assert_eq!(rule["id"], started["id"]);
    assert_eq!(
        (rule["startport"].as_i64(), rule["endport"].as_i64()),
        (Some(22), Some(22))
    );
    assert_eq!(
        (rule["state"].as_str(), rule["cidrlist"].as_str()),
        (Some("Active"), Some("10.0.0.0/8"))
    );
    assert_eq!(
        sim.api("listFirewallRules", &[("ipaddressid", ip_id)])["count"],
        1
    );
    let started = sim.api(
        "deleteFirewallRule",
        &[("id", rule["id"].as_str().unwrap())],
    );
    assert_eq!(job_result(&sim, &started)["success"], true);
    assert_eq!(sim.api("listFirewallRules", &[]).get("count"), None);

    let (status, text) = error(
        &sim,
        &[
            ("command", "createIpForwardingRule"),
            ("ipaddressid", ip_id),
            ("protocol", "tcp"),
            ("startport", "80"),
        ],
    );
    assert_eq!(status, 431);
    assert!(text.contains("static nat is not enabled"), "{text}");
    let enabled = sim.api(
        "enableStaticNat",
        &[("ipaddressid", ip_id), ("virtualmachineid", &vm)],
    );
    assert_eq!(enabled["success"], true);
    let shown = &sim.api("listPublicIpAddresses", &[("id", ip_id)])["publicipaddress"][0];
    assert_eq!(
        (
            shown["isstaticnat"].as_bool(),
            shown["virtualmachineid"].as_str()
        ),
        (Some(true), Some(vm.as_str()))
    );
    assert_eq!(
        sim.api("listPublicIpAddresses", &[("isstaticnat", "true")])["count"],
        1
    );
    let started = sim.api(
        "createIpForwardingRule",
        &[
            ("ipaddressid", ip_id),
            ("protocol", "tcp"),
            ("startport", "80"),
        ],
    );
    let forwarding = job_result(&sim, &started)["ipforwardingrule"].clone();
    assert_eq!(forwarding["virtualmachineid"], vm.as_str());
    assert_eq!(
        sim.api("listIpForwardingRules", &[("ipaddressid", ip_id)])["count"],
        1
    );
    let started = sim.api("disableStaticNat", &[("ipaddressid", ip_id)]);
    job_result(&sim, &started);
    assert_eq!(
        sim.api("listIpForwardingRules", &[]).get("count"),
        None,
        "its rules go too"
    );
}

#[test]
fn load_balancer_rules_take_instances() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ip = associate_ip(&sim);
    let started = sim.api(
        "createLoadBalancerRule",
        &[
            ("name", "web"),
            ("algorithm", "roundrobin"),
            ("privateport", "80"),
            ("publicport", "80"),
            ("publicipid", &ip),
        ],
    );
    let rule = job_result(&sim, &started)["loadbalancer"].clone();
    assert_eq!(
        (rule["publicipid"].as_str(), rule["state"].as_str()),
        (Some(ip.as_str()), Some("Active"))
    );
    let rule_id = rule["id"].as_str().unwrap();
    let started = sim.api(
        "assignToLoadBalancerRule",
        &[("id", rule_id), ("virtualmachineids", &vm)],
    );
    assert_eq!(job_result(&sim, &started)["success"], true);
    let instances = sim.api("listLoadBalancerRuleInstances", &[("id", rule_id)]);
    assert_eq!(instances["loadbalancerruleinstance"][0]["id"], vm.as_str());
    let started = sim.api(
        "removeFromLoadBalancerRule",
        &[("id", rule_id), ("virtualmachineids", &vm)],
    );
    job_result(&sim, &started);
    assert_eq!(
        sim.api("listLoadBalancerRuleInstances", &[("id", rule_id)])
            .get("count"),
        None
    );
    assert_eq!(
        sim.api("listLoadBalancerRules", &[("publicipid", &ip)])["count"],
        1
    );
}

#[test]
fn security_groups_accounts_and_capabilities() {
    let sim = TestSim::start();
    let groups = sim.api("listSecurityGroups", &[]);
    assert_eq!(groups["securitygroup"][0]["name"], "default");
    let group = &sim.api("createSecurityGroup", &[("name", "web")])["securitygroup"];
    assert_eq!(group["ingressrule"], serde_json::json!([]));
    let started = sim.api(
        "authorizeSecurityGroupIngress",
        &[
            ("securitygroupname", "web"),
            ("protocol", "tcp"),
            ("startport", "80"),
            ("endport", "80"),
            ("cidrlist", "0.0.0.0/0"),
        ],
    );
    let group = job_result(&sim, &started)["securitygroup"].clone();
    let rule = &group["ingressrule"][0];
    assert_eq!(
        (rule["startport"].as_i64(), rule["cidr"].as_str()),
        (Some(80), Some("0.0.0.0/0"))
    );
    let listed = sim.api("listSecurityGroups", &[("securitygroupname", "web")]);
    assert_eq!(listed["count"], 1);
    let started = sim.api(
        "revokeSecurityGroupIngress",
        &[("id", rule["ruleid"].as_str().unwrap())],
    );
    job_result(&sim, &started);
    let listed = sim.api("listSecurityGroups", &[("securitygroupname", "web")]);
    assert_eq!(
        listed["securitygroup"][0]["ingressrule"],
        serde_json::json!([])
    );

    let accounts = sim.api("listAccounts", &[]);
    assert_eq!(
        (
            accounts["count"].as_i64(),
            accounts["account"][0]["name"].as_str()
        ),
        (Some(1), Some("admin"))
    );
    assert_eq!(sim.api("listUsers", &[("username", "admin")])["count"], 1);
    assert_eq!(sim.api("listDomains", &[])["domain"][0]["name"], "ROOT");
    assert_eq!(sim.api("listResourceLimits", &[])["count"], 12);
    assert_eq!(
        sim.api("listResourceLimits", &[("resourcetype", "0")])["resourcelimit"][0]["max"],
        -1
    );
    let capability = &sim.api("listCapabilities", &[])["capability"];
    assert_eq!(capability["securitygroupsenabled"], false);
    assert!(capability["cloudstackversion"].is_string());
}

#[test]
fn the_generic_model_creates_lists_updates_and_deletes_any_kind() {
    let sim = TestSim::start();
    let created = &sim.api(
        "createDiskOffering",
        &[
            ("name", "huge"),
            ("displaytext", "Huge"),
            ("disksize", "500"),
        ],
    )["diskoffering"];
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["disksize"], 500,
        "typed from the catalogue's field type"
    );
    assert_eq!(
        created["domain"], "ROOT",
        "plausible values for the other fields"
    );
    let listed = sim.api("listDiskOfferings", &[("name", "huge")]);
    assert_eq!(
        (
            listed["count"].as_i64(),
            listed["diskoffering"][0]["id"].as_str()
        ),
        (Some(1), Some(id))
    );
    assert_eq!(
        sim.api("listDiskOfferings", &[("keyword", "hug")])["count"],
        1
    );
    assert_eq!(
        sim.api("listDiskOfferings", &[("id", id), ("disksize", "5")])
            .get("count"),
        None
    );
    let updated = &sim.api(
        "updateDiskOffering",
        &[("id", id), ("displaytext", "Larger")],
    )["diskoffering"];
    assert_eq!(updated["displaytext"], "Larger");
    assert_eq!(
        sim.api("deleteDiskOffering", &[("id", id)])["success"],
        true
    );
    assert_eq!(
        sim.api("listDiskOfferings", &[("name", "huge")])
            .get("count"),
        None
    );

    // Async: the result under the catalogue's key, through the jobs.
    let started = sim.api("createProject", &[("name", "p1"), ("displaytext", "P1")]);
    let project = job_result(&sim, &started)["project"].clone();
    assert_eq!(project["id"], started["id"]);
    assert_eq!(sim.api("listProjects", &[("name", "p1")])["count"], 1);
    let (status, _) = sim.signed_get(&[("command", "listProjects"), ("page", "1")]);
    assert_eq!(status, 431, "paging rules apply");
}

#[test]
fn a_cloud_file_holds_objects_of_any_kind() {
    let mut cloud = csctl::sim::Cloud::demo();
    let mut offering = serde_json::Map::new();
    offering.insert("id".into(), "99999999-9999-4999-8999-999999999999".into());
    offering.insert("name".into(), "gold".into());
    offering.insert("disksize".into(), 100.into());
    cloud.objects.insert("diskoffering".into(), vec![offering]);
    let mut project = serde_json::Map::new();
    project.insert("name".into(), "lab".into());
    cloud.objects.insert("projects".into(), vec![project]);
    let sim = TestSim::start_with(|config| config.cloud = cloud.clone());
    let listed = sim.api("listDiskOfferings", &[("name", "gold")]);
    assert_eq!(
        listed["diskoffering"][0]["id"],
        "99999999-9999-4999-8999-999999999999"
    );
    assert_eq!(listed["diskoffering"][0]["disksize"], 100);
    assert_eq!(sim.api("listProjects", &[])["project"][0]["name"], "lab");

    let mut bad = csctl::sim::Cloud::demo();
    bad.objects.insert("rockets".into(), vec![]);
    let error = bad.validate().unwrap_err();
    assert!(error.contains("`rockets`"), "{error}");
}

/// The ids a list command answers with.
fn listed_ids(sim: &TestSim, command: &str, key: &str) -> Vec<String> {
    sim.api(command, &[("listall", "true")])[key]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A data volume made and attached to `vm_id`: its id.
fn attached_data_volume(sim: &TestSim, vm_id: &str) -> String {
    let offering = sim.api("listDiskOfferings", &[("name", "Small")])["diskoffering"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = sim.api(
        "createVolume",
        &[
            ("name", "data"),
            ("zoneid", ZONE1),
            ("diskofferingid", &offering),
        ],
    );
    let id = job_result(sim, &started)["volume"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = sim.api("attachVolume", &[("id", &id), ("virtualmachineid", vm_id)]);
    job_result(sim, &started);
    id
}

#[test]
fn destroyed_vms_are_recovered_stopped_or_expunged_by_the_settings() {
    let sim = TestSim::start();
    let settings = sim.api("listConfigurations", &[("name", "expunge.delay")]);
    assert_eq!(settings["configuration"][0]["value"], "86400", "{settings}");
    assert!(settings["configuration"][0].get("id").is_none());

    let vm = sim.deploy(&[])["jobresult"]["virtualmachine"].clone();
    let vm_id = vm["id"].as_str().unwrap();
    let (status, text) = error(&sim, &[("command", "recoverVirtualMachine"), ("id", vm_id)]);
    assert_eq!(
        (status, text),
        (431, format!("Vm with id {vm_id} is not in the right state"))
    );
    let data = attached_data_volume(&sim, vm_id);
    let started = sim.api(
        "destroyVirtualMachine",
        &[("id", vm_id), ("volumeids", &data)],
    );
    assert_eq!(
        job_result(&sim, &started)["virtualmachine"]["state"],
        "Destroyed"
    );
    assert!(!listed_ids(&sim, "listVolumes", "volume").contains(&data));
    let recovered = &sim.api("recoverVirtualMachine", &[("id", vm_id)])["virtualmachine"];
    assert_eq!(recovered["state"], "Stopped");
    let listed = sim.api("listVirtualMachines", &[("id", vm_id)]);
    assert_eq!(listed["virtualmachine"][0]["state"], "Stopped");

    // Only DATADISKs of this VM may go with it.
    let root = sim.api(
        "listVolumes",
        &[("virtualmachineid", vm_id), ("type", "ROOT")],
    )["volume"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, text) = error(
        &sim,
        &[
            ("command", "destroyVirtualMachine"),
            ("id", vm_id),
            ("volumeids", &root),
        ],
    );
    assert_eq!(status, 431);
    assert!(
        text.starts_with("The following supplied volumes are not DATADISK attached to the VM"),
        "{text}"
    );

    // With no delay, the expunge task takes a destroyed VM at once.
    for name in ["expunge.delay", "expunge.interval"] {
        let updated =
            &sim.api("updateConfiguration", &[("name", name), ("value", "0")])["configuration"];
        assert_eq!(updated["value"], "0", "{updated}");
    }
    let started = sim.api("destroyVirtualMachine", &[("id", vm_id)]);
    job_result(&sim, &started);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (status, text) = error(&sim, &[("command", "recoverVirtualMachine"), ("id", vm_id)]);
    assert_eq!(status, 431, "{text}");
    assert!(!listed_ids(&sim, "listVirtualMachines", "virtualmachine").contains(&vm_id.to_string()));
    assert!(
        !listed_ids(&sim, "listVolumes", "volume").contains(&root),
        "the ROOT volume goes with the VM"
    );
}

#[test]
fn an_attached_volume_is_extracted_only_from_a_stopped_vm() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[])["jobresult"]["virtualmachine"].clone();
    let vm_id = vm["id"].as_str().unwrap();
    let data = attached_data_volume(&sim, vm_id);
    let extract = [
        ("id", data.as_str()),
        ("zoneid", ZONE1),
        ("mode", "HTTP_DOWNLOAD"),
    ];
    let started = sim.api("extractVolume", &extract);
    let job = sim.wait_job(started["jobid"].as_str().unwrap());
    assert_eq!(job["jobstatus"], 2, "{job}");
    assert_eq!(job["jobresult"]["errorcode"], 531, "{job}");
    let started = sim.api("stopVirtualMachine", &[("id", vm_id)]);
    job_result(&sim, &started);
    let started = sim.api("extractVolume", &extract);
    job_result(&sim, &started);
}

#[test]
fn ids_made_by_one_command_are_taken_by_the_others() {
    let sim = TestSim::start();
    let offering = sim.api(
        "createServiceOffering",
        &[
            ("name", "tiny"),
            ("displaytext", "Tiny"),
            ("cpunumber", "1"),
            ("cpuspeed", "500"),
            ("memory", "256"),
        ],
    )["serviceoffering"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = sim.api("listServiceOfferings", &[("id", &offering)]);
    assert_eq!(listed["serviceoffering"][0]["name"], "tiny", "{listed}");

    let network_offering = sim.api("listNetworkOfferings", &[])["networkoffering"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let network = &sim.api(
        "createNetwork",
        &[
            ("name", "back"),
            ("zoneid", ZONE1),
            ("networkofferingid", &network_offering),
            ("gateway", "10.20.0.1"),
            ("netmask", "255.255.255.0"),
        ],
    )["network"];
    assert_eq!(network["cidr"], "10.20.0.0/24", "{network}");
    let network = network["id"].as_str().unwrap().to_string();
    let listed = sim.api("listNetworks", &[("id", &network)]);
    assert_eq!(listed["network"][0]["name"], "back", "{listed}");

    let domain = sim.api("createDomain", &[("name", "team")])["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.api(
        "createAccount",
        &[
            ("username", "teamlead"),
            ("password", "pw"),
            ("email", "t@example.com"),
            ("firstname", "T"),
            ("lastname", "L"),
            ("accounttype", "0"),
            ("domainid", &domain),
        ],
    );
    let started = sim.api(
        "deployVirtualMachine",
        &[
            ("zoneid", ZONE1),
            ("templateid", DEBIAN7),
            ("serviceofferingid", &offering),
            ("networkids", &network),
            ("domainid", &domain),
            ("account", "teamlead"),
        ],
    );
    let vm = &job_result(&sim, &started)["virtualmachine"];
    assert_eq!(vm["serviceofferingname"], "tiny", "{vm}");
    assert_eq!(vm["nic"][0]["networkname"], "back", "{vm}");
    assert!(vm["nic"][0]["ipaddress"]
        .as_str()
        .unwrap()
        .starts_with("10.20.0."));

    let ostype = sim.api("listOsTypes", &[])["ostype"][0].clone();
    let registered = sim.api(
        "registerTemplate",
        &[
            ("name", "golden"),
            ("displaytext", "Golden"),
            ("url", "http://192.0.2.1/golden.qcow2"),
            ("format", "QCOW2"),
            ("hypervisor", "KVM"),
            ("zoneid", ZONE1),
            ("ostypeid", ostype["id"].as_str().unwrap()),
        ],
    );
    let template = registered["template"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        registered["template"][0]["ostypename"],
        ostype["description"]
    );
    let listed = sim.api(
        "listTemplates",
        &[("templatefilter", "self"), ("id", &template)],
    );
    assert_eq!(listed["template"][0]["name"], "golden", "{listed}");
    let started = sim.api(
        "deployVirtualMachine",
        &[
            ("zoneid", ZONE1),
            ("templateid", &template),
            ("serviceofferingid", &offering),
        ],
    );
    assert_eq!(
        job_result(&sim, &started)["virtualmachine"]["templatename"],
        "golden"
    );

    let role = sim.api("createRole", &[("name", "ops"), ("type", "User")])["role"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let account = &sim.api(
        "createAccount",
        &[
            ("username", "ops1"),
            ("password", "pw"),
            ("email", "ops1@example.com"),
            ("firstname", "O"),
            ("lastname", "P"),
            ("roleid", &role),
        ],
    )["account"];
    assert!(account["id"].is_string(), "{account}");
}

/// Signs and sends one call that must fail: (HTTP status, error text).
fn refused(sim: &TestSim, command: &str, params: &[(&str, &str)]) -> (u16, String) {
    let mut all = vec![("command", command)];
    all.extend_from_slice(params);
    let (status, body) = sim.signed_get(&all);
    let key = format!("{}response", command.to_ascii_lowercase());
    let text = body[&key]["errortext"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, text)
}

/// `createZone` with the required parameters: the answer's status and body.
fn create_zone(sim: &TestSim, name: &str, networktype: &str) -> (u16, Value) {
    let (status, body) = sim.signed_get(&[
        ("command", "createZone"),
        ("name", name),
        ("dns1", "192.0.2.53"),
        ("internaldns1", "10.0.0.2"),
        ("networktype", networktype),
    ]);
    (status, body["createzoneresponse"].clone())
}

#[test]
fn a_zone_made_by_create_zone_is_one_zone_everywhere() {
    let sim = TestSim::start();
    let (status, made) = create_zone(&sim, "lab", "Advanced");
    assert_eq!(status, 200, "{made}");
    let zone = made["zone"].clone();
    // New zones start disabled, as the server's do.
    assert_eq!(zone["allocationstate"], "Disabled", "{zone}");
    let id = zone["id"].as_str().unwrap().to_string();
    let listed = sim.api("listZones", &[("id", &id)]);
    assert_eq!(listed["zone"][0]["name"], "lab", "{listed}");
    assert_eq!(
        {
            let (status, answer) = create_zone(&sim, "lab", "Basic");
            (
                status,
                answer["errortext"].as_str().unwrap_or_default().to_string(),
            )
        },
        (
            431,
            "A zone with that name already exists. Please specify a unique zone name.".into()
        )
    );
    // Enabling needs a physical network with management and public
    // traffic, as the server's `editZone` checks; nothing changes before.
    let enable = [
        ("id", id.as_str()),
        ("name", "lab2"),
        ("allocationstate", "Enabled"),
    ];
    assert_eq!(
        refused(&sim, "updateZone", &enable),
        (
            431,
            "Cannot enable this Zone since: Unable to find the default physical network with \
             traffic=Management in the specified zone id"
                .into()
        )
    );
    let started = sim.api(
        "createPhysicalNetwork",
        &[("name", "lab-physical"), ("zoneid", &id)],
    );
    let physical = id_of(&job_result(&sim, &started)["physicalnetwork"]["id"]);
    for traffic in ["Management", "Public"] {
        let started = sim.api(
            "addTrafficType",
            &[("physicalnetworkid", &physical), ("traffictype", traffic)],
        );
        job_result(&sim, &started);
    }
    let updated = sim.api("updateZone", &enable);
    // The server adds storage traffic beside the management traffic.
    let traffic = sim.api("listTrafficTypes", &[("physicalnetworkid", &physical)]);
    assert_eq!(traffic["count"], 3, "{traffic}");
    // The demo zones carry every traffic type already.
    sim.api(
        "updateZone",
        &[("id", ZONE1), ("allocationstate", "Enabled")],
    );
    assert_eq!(updated["zone"]["name"], "lab2", "{updated}");
    assert_eq!(updated["zone"]["allocationstate"], "Enabled", "{updated}");

    // Its id is taken by the commands that take a zone.
    let ostype = id_of(&sim.api("listOsTypes", &[])["ostype"][0]["id"]);
    let registered = sim.api(
        "registerTemplate",
        &[
            ("name", "lab-image"),
            ("displaytext", "Lab image"),
            ("url", "http://192.0.2.1/lab.qcow2"),
            ("format", "QCOW2"),
            ("hypervisor", "KVM"),
            ("zoneid", &id),
            ("ostypeid", &ostype),
        ],
    );
    let template = id_of(&registered["template"][0]["id"]);
    let network_offering = id_of(&sim.api("listNetworkOfferings", &[])["networkoffering"][0]["id"]);
    let network = id_of(
        &sim.api(
            "createNetwork",
            &[
                ("name", "lab-net"),
                ("zoneid", &id),
                ("networkofferingid", &network_offering),
            ],
        )["network"]["id"],
    );
    let started = sim.api(
        "deployVirtualMachine",
        &[
            ("zoneid", &id),
            ("templateid", &template),
            ("serviceofferingid", M1_SMALL),
            ("networkids", &network),
        ],
    );
    let vm = job_result(&sim, &started)["virtualmachine"].clone();
    assert_eq!(vm["zonename"], "lab2", "{vm}");

    // A zone with a VM in it is not deletable; an empty one is, and then
    // its id names a removed row: the parameter layer takes it, the
    // service does not find it.
    let (status, text) = refused(&sim, "deleteZone", &[("id", &id)]);
    assert_eq!(status, 530);
    assert!(
        text.starts_with("The zone cannot be deleted because there are "),
        "{text}"
    );
    let empty = id_of(&create_zone(&sim, "spare", "Advanced").1["zone"]["id"]);
    sim.api("deleteZone", &[("id", &empty)]);
    assert_eq!(sim.api("listZones", &[("id", &empty)])["zone"], Value::Null);
    let (status, text) = refused(
        &sim,
        "deployVirtualMachine",
        &[
            ("zoneid", &empty),
            ("templateid", DEBIAN7),
            ("serviceofferingid", M1_SMALL),
        ],
    );
    assert_eq!(
        (status, text),
        (431, format!("Unable to find zone by id={empty}"))
    );
}

#[test]
fn networks_offerings_vms_rules_and_addresses_change_in_their_own_rows() {
    let sim = TestSim::start();
    // A network: updated, restarted, then refused while a VM uses it.
    let started = sim.api(
        "updateNetwork",
        &[("id", NETWORK), ("displaytext", "front end")],
    );
    let network = job_result(&sim, &started)["network"].clone();
    assert_eq!(network["displaytext"], "front end", "{network}");
    let listed = sim.api("listNetworks", &[("id", NETWORK)]);
    assert_eq!(listed["network"][0]["displaytext"], "front end", "{listed}");
    let started = sim.api("restartNetwork", &[("id", NETWORK)]);
    assert_eq!(job_result(&sim, &started)["success"], true);

    let deployed = sim.deploy(&[]);
    let vm = id_of(&deployed["jobresult"]["virtualmachine"]["id"]);
    let started = sim.api("deleteNetwork", &[("id", NETWORK)]);
    let job = sim.wait_job(started["jobid"].as_str().unwrap());
    assert_eq!(job["jobstatus"], 2, "{job}");
    assert_eq!(
        job["jobresult"]["errortext"], "Failed to delete network",
        "{job}"
    );

    // The VM: display name and group, a new offering, a new root disk.
    let updated = sim.api(
        "updateVirtualMachine",
        &[("id", &vm), ("displayname", "web one"), ("group", "web")],
    );
    assert_eq!(
        updated["virtualmachine"]["displayname"], "web one",
        "{updated}"
    );
    let started = sim.api(
        "scaleVirtualMachine",
        &[
            ("id", &vm),
            ("serviceofferingid", csctl::sim::demo::M1_MEDIUM),
        ],
    );
    job_result(&sim, &started);
    let started = sim.api(
        "restoreVirtualMachine",
        &[
            ("virtualmachineid", &vm),
            ("templateid", csctl::sim::demo::CENTOS7),
        ],
    );
    job_result(&sim, &started);
    let listed = &sim.api("listVirtualMachines", &[("id", &vm)])["virtualmachine"][0];
    assert_eq!(listed["displayname"], "web one", "{listed}");
    assert_eq!(listed["group"], "web", "{listed}");
    assert_eq!(
        listed["serviceofferingid"],
        csctl::sim::demo::M1_MEDIUM,
        "{listed}"
    );
    assert_eq!(listed["templateid"], csctl::sim::demo::CENTOS7, "{listed}");

    // A rule and an address: fordisplay and the private port kept.
    let ip = associate_ip(&sim);
    let started = sim.api(
        "createPortForwardingRule",
        &[
            ("ipaddressid", &ip),
            ("protocol", "tcp"),
            ("publicport", "2222"),
            ("privateport", "22"),
            ("virtualmachineid", &vm),
        ],
    );
    let rule = id_of(&job_result(&sim, &started)["portforwardingrule"]["id"]);
    let started = sim.api(
        "updatePortForwardingRule",
        &[
            ("id", &rule),
            ("privateport", "2200"),
            ("fordisplay", "false"),
        ],
    );
    job_result(&sim, &started);
    let listed = &sim.api("listPortForwardingRules", &[("id", &rule)])["portforwardingrule"][0];
    assert_eq!(listed["privateport"], "2200", "{listed}");
    assert_eq!(listed["fordisplay"], false, "{listed}");
    let started = sim.api("updateIpAddress", &[("id", &ip), ("fordisplay", "false")]);
    job_result(&sim, &started);
    let listed = &sim.api("listPublicIpAddresses", &[("id", &ip)])["publicipaddress"][0];
    assert_eq!(listed["fordisplay"], false, "{listed}");

    // An offering: renamed, then deleted: gone from lists and deploys,
    // still shown by the VM that uses it.
    let renamed = sim.api(
        "updateServiceOffering",
        &[("id", csctl::sim::demo::M1_MEDIUM), ("name", "m1.mid")],
    );
    assert_eq!(renamed["serviceoffering"]["name"], "m1.mid", "{renamed}");
    sim.api(
        "deleteServiceOffering",
        &[("id", csctl::sim::demo::M1_MEDIUM)],
    );
    let listed = sim.api(
        "listServiceOfferings",
        &[("id", csctl::sim::demo::M1_MEDIUM)],
    );
    assert_eq!(listed["serviceoffering"], Value::Null, "{listed}");
    let (status, text) = refused(
        &sim,
        "deployVirtualMachine",
        &[
            ("zoneid", ZONE1),
            ("templateid", DEBIAN7),
            ("serviceofferingid", csctl::sim::demo::M1_MEDIUM),
        ],
    );
    assert_eq!(status, 431, "{text}");
    let listed = &sim.api("listVirtualMachines", &[("id", &vm)])["virtualmachine"][0];
    assert_eq!(listed["serviceofferingname"], "m1.mid", "{listed}");
}

#[test]
fn deleting_a_network_takes_its_addresses_and_every_rule_on_them() {
    let sim = TestSim::start();
    let network_offering = id_of(&sim.api("listNetworkOfferings", &[])["networkoffering"][0]["id"]);
    let network = id_of(
        &sim.api(
            "createNetwork",
            &[
                ("name", "short-lived"),
                ("zoneid", ZONE1),
                ("networkofferingid", &network_offering),
            ],
        )["network"]["id"],
    );
    let started = sim.api("associateIpAddress", &[("networkid", &network)]);
    let ip = id_of(&job_result(&sim, &started)["ipaddress"]["id"]);
    let started = sim.api(
        "createFirewallRule",
        &[
            ("ipaddressid", &ip),
            ("protocol", "tcp"),
            ("startport", "22"),
        ],
    );
    let firewall = id_of(&job_result(&sim, &started)["firewallrule"]["id"]);
    let started = sim.api(
        "createEgressFirewallRule",
        &[("networkid", &network), ("protocol", "all")],
    );
    let egress = id_of(&job_result(&sim, &started)["firewallrule"]["id"]);
    let started = sim.api("deleteNetwork", &[("id", &network)]);
    assert_eq!(job_result(&sim, &started)["success"], true);
    for (list, id) in [
        ("listNetworks", &network),
        ("listPublicIpAddresses", &ip),
        ("listFirewallRules", &firewall),
        ("listEgressFirewallRules", &egress),
    ] {
        let listed = sim.api(list, &[("id", id)]);
        assert_eq!(listed.get("count"), None, "{list}: {listed}");
    }
}
