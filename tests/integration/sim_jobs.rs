//! Async jobs over HTTP: the deploy workflow of the tutorial, job shapes
//! against the captures, VM state changes, failures (duplicate name, zone
//! capacity), queued operations and determinism with a seed.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::support::shared_dir;
use crate::support::sim::TestSim;

use csctl::sim::demo::{DEBIAN7, M1_SMALL, NETWORK, ZONE1, ZONE2};

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(shared_dir().join("fixtures").join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn object(value: &Value) -> &Map<String, Value> {
    value.as_object().unwrap()
}

/// The keys of `ours` that `captured` has too, in our order, equal the
/// captured keys we have, in the captured order.
fn same_order(ours: &Value, captured: &Value) {
    let (ours, captured) = (object(ours), object(captured));
    let mine: Vec<&String> = ours.keys().filter(|k| captured.contains_key(*k)).collect();
    let theirs: Vec<&String> = captured.keys().filter(|k| ours.contains_key(*k)).collect();
    assert_eq!(mine, theirs);
}

fn deploy_params(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("zoneid", ZONE1),
        ("serviceofferingid", M1_SMALL),
        ("templateid", DEBIAN7),
        ("networkids", NETWORK),
        ("name", name),
        ("displayname", name),
    ]
}

#[test]
fn the_tutorial_deploy_runs_to_a_running_vm() {
    let sim = TestSim::start();
    // Look-ups of the tutorial.
    let zone = sim.api("listNetworks", &[("id", NETWORK)])["network"][0]["zoneid"].clone();
    assert_eq!(zone, ZONE1);
    let ip = sim.api("listPublicIpAddresses", &[("associatednetworkid", NETWORK)]);
    assert!(ip["publicipaddress"][0]["id"].is_string());

    let started = sim.api("deployVirtualMachine", &deploy_params("web01"));
    assert_eq!(
        keys(&started),
        ["id", "jobid"],
        "async-create answers id then jobid"
    );
    let (vm, jobid) = (
        started["id"].as_str().unwrap(),
        started["jobid"].as_str().unwrap(),
    );
    let job = sim.wait_job(jobid);
    assert_eq!(job["jobstatus"], 1, "{job}");
    let captured = fixture("cloudstack-go/VirtualMachineService.json");
    let captured_job = &captured["deployVirtualMachine"]["deployvirtualmachineresponse"];
    assert_eq!(keys(&job), keys(captured_job), "job fields and order");
    assert_eq!(
        job["cmd"],
        "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin"
    );
    assert_eq!(
        (job["jobresultcode"].clone(), job["jobresulttype"].clone()),
        (json!(0), json!("object"))
    );
    assert_eq!(
        (
            job["jobinstancetype"].as_str(),
            job["jobinstanceid"].as_str()
        ),
        (Some("VirtualMachine"), Some(vm))
    );
    assert_eq!(job["jobid"], jobid);

    let result = &job["jobresult"]["virtualmachine"];
    same_order(result, &captured_job["jobresult"]["virtualmachine"]);
    for name in keys(&captured_job["jobresult"]["virtualmachine"]) {
        assert!(result.get(name).is_some(), "job result VM lacks {name}");
    }
    assert_eq!(result["id"], vm);
    assert_eq!(result["name"], "web01");
    assert_eq!(result["state"], "Running");
    assert_eq!(result["templatename"], "Debian 7 - Minimal - 64bits");
    assert_eq!(result["serviceofferingname"], "m1.small");
    assert_eq!(result["zonename"], "SimZone1");
    assert_eq!(result["jobid"], jobid);
    assert_eq!(result["jobstatus"], 0);
    assert!(
        result["password"].as_str().is_some_and(|p| p.len() == 9),
        "Debian 7 is password-enabled"
    );
    let nic = &result["nic"][0];
    assert_eq!(nic["networkid"], NETWORK);
    assert_eq!(nic["ipaddress"], "10.1.0.2");
    assert_eq!(nic["gateway"], "10.1.0.1");
    assert_eq!(nic["netmask"], "255.255.0.0");

    let listed = sim.api("listVirtualMachines", &[("id", vm)]);
    let listed_vm = &listed["virtualmachine"][0];
    assert_eq!(listed_vm["state"], "Running");
    assert!(
        listed_vm.get("password").is_none(),
        "the password is only in the deploy result"
    );
    assert!(listed_vm.get("jobid").is_none(), "no job pending any more");
    let libcloud = fixture("libcloud/listVirtualMachines_default.json");
    let libcloud_vm = &libcloud["listvirtualmachinesresponse"]["virtualmachine"][0];
    for name in keys(libcloud_vm) {
        assert!(listed_vm.get(name).is_some(), "listed VM lacks {name}");
    }
}

#[test]
fn a_pending_job_has_no_result_and_the_vm_is_starting() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_secs(600));
    let started = sim.api("deployVirtualMachine", &deploy_params("slow"));
    let job = sim.api(
        "queryAsyncJobResult",
        &[("jobid", started["jobid"].as_str().unwrap())],
    );
    assert_eq!(
        keys(&job),
        [
            "accountid",
            "userid",
            "cmd",
            "jobstatus",
            "jobprocstatus",
            "jobresultcode",
            "jobinstancetype",
            "jobinstanceid",
            "created",
            "jobid"
        ]
    );
    assert_eq!(
        (job["jobstatus"].clone(), job["jobresultcode"].clone()),
        (json!(0), json!(0))
    );
    let vm = &sim.api("listVirtualMachines", &[])["virtualmachine"][0];
    assert_eq!(vm["state"], "Starting");
    assert_eq!(
        (vm["jobid"].clone(), vm["jobstatus"].clone()),
        (started["jobid"].clone(), json!(0))
    );
    assert!(
        vm["nic"][0]["ipaddress"].is_string(),
        "the address is reserved at once"
    );
    let jobs = sim.api("listAsyncJobs", &[]);
    assert_eq!(jobs["count"], 1);
    assert_eq!(jobs["asyncjobs"][0]["jobid"], started["jobid"]);
}

#[test]
fn vm_states_follow_stop_start_reboot_and_destroy() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[("name", "cycle")])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = |command: &str, extra: &[(&str, &str)]| {
        let mut params = vec![("id", vm.as_str())];
        params.extend_from_slice(extra);
        let started = sim.api(command, &params);
        assert_eq!(keys(&started), ["jobid"], "{command} answers only a jobid");
        sim.wait_job(started["jobid"].as_str().unwrap())
    };
    let state = |job: &Value| {
        job["jobresult"]["virtualmachine"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    let job = run("stopVirtualMachine", &[]);
    assert_eq!(state(&job), "Stopped");
    assert_eq!(
        job["cmd"],
        "org.apache.cloudstack.api.command.admin.vm.StopVMCmdByAdmin"
    );
    assert!(job["jobresult"]["virtualmachine"].get("hostid").is_none());
    let job = run("rebootVirtualMachine", &[]);
    assert_eq!(job["jobstatus"], 2, "a stopped VM cannot reboot");
    assert_eq!(
        job["jobresult"],
        json!({"errorcode": 530, "errortext": "Failed to reboot vm instance"})
    );
    assert_eq!(state(&run("startVirtualMachine", &[])), "Running");
    assert_eq!(state(&run("rebootVirtualMachine", &[])), "Running");
    assert_eq!(state(&run("destroyVirtualMachine", &[])), "Destroyed");
    // A destroyed VM is still listed (admins see them) until expunged.
    assert_eq!(
        sim.api("listVirtualMachines", &[("id", &vm)])["virtualmachine"][0]["state"],
        "Destroyed"
    );
    assert_eq!(
        sim.api("listVirtualMachines", &[("state", "Present")]),
        json!({})
    );
    assert_eq!(
        state(&run("destroyVirtualMachine", &[("expunge", "true")])),
        "Expunging"
    );
    assert_eq!(sim.api("listVirtualMachines", &[]), json!({}));
    // Expunged: still a known id, but gone.
    let job = run("startVirtualMachine", &[]);
    assert_eq!(job["jobstatus"], 2);

    let stats = sim.stats();
    assert_eq!((stats.vms_created, stats.vms_destroyed), (1, 1));
    assert_eq!(stats.vms_destroyed_by_id_count.get(&vm), Some(&2));
}

#[test]
fn operations_on_a_busy_vm_wait_their_turn() {
    let sim = TestSim::start();
    let started = sim.api("deployVirtualMachine", &deploy_params("queued"));
    let vm = started["id"].as_str().unwrap();
    // No waiting: the stop is queued behind the deploy.
    let stop = sim.api("stopVirtualMachine", &[("id", vm)]);
    let deploy = sim.wait_job(started["jobid"].as_str().unwrap());
    assert_eq!(deploy["jobresult"]["virtualmachine"]["state"], "Running");
    let stop = sim.wait_job(stop["jobid"].as_str().unwrap());
    assert_eq!(stop["jobresult"]["virtualmachine"]["state"], "Stopped");
    assert_eq!(
        sim.api("listVirtualMachines", &[("id", vm)])["virtualmachine"][0]["state"],
        "Stopped"
    );
}

#[test]
fn a_duplicate_name_in_the_network_fails_the_job() {
    let sim = TestSim::start();
    assert_eq!(sim.deploy(&[("name", "twin")])["jobstatus"], 1);
    let job = sim.deploy(&[("name", "TWIN")]);
    assert_eq!(
        (job["jobstatus"].clone(), job["jobresultcode"].clone()),
        (json!(2), json!(530)),
        "{job}"
    );
    assert_eq!(keys(&job["jobresult"]), ["errorcode", "errortext"]);
    assert_eq!(job["jobresult"]["errorcode"], 431);
    let text = job["jobresult"]["errortext"].as_str().unwrap();
    assert!(
        text.starts_with("The vm with hostName TWIN already exists in the network domain: cs1sim.internal; network=Ntwk["),
        "{text}"
    );
    assert!(job.get("completed").is_some());
    // The failed VM is left in Error, as a real failed deploy is.
    let failed = sim.api("listVirtualMachines", &[("state", "Error")]);
    assert_eq!(failed["count"], 1);
    assert_eq!(failed["virtualmachine"][0]["id"], job["jobinstanceid"]);
    // A destroyed (not expunged) VM keeps its name; an expunged one frees it.
    let first = sim.api(
        "listVirtualMachines",
        &[("name", "twin"), ("state", "Running")],
    );
    let first = first["virtualmachine"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let destroy = sim.api("destroyVirtualMachine", &[("id", &first)]);
    sim.wait_job(destroy["jobid"].as_str().unwrap());
    assert_eq!(sim.deploy(&[("name", "twin")])["jobstatus"], 2);
    let expunge = sim.api(
        "destroyVirtualMachine",
        &[("id", &first), ("expunge", "true")],
    );
    sim.wait_job(expunge["jobid"].as_str().unwrap());
    assert_eq!(sim.deploy(&[("name", "twin")])["jobstatus"], 1);
}

#[test]
fn a_full_zone_fails_the_deploy_with_533() {
    let sim = TestSim::start_with(|config| config.cloud.zones[0].max_vms = 2);
    assert_eq!(sim.deploy(&[("name", "one")])["jobstatus"], 1);
    assert_eq!(sim.deploy(&[("name", "two")])["jobstatus"], 1);
    let job = sim.deploy(&[("name", "three")]);
    assert_eq!(
        (job["jobstatus"].clone(), job["jobresultcode"].clone()),
        (json!(2), json!(530))
    );
    assert_eq!(
        job["jobresult"],
        json!({"errorcode": 533, "errortext": "Unable to create a deployment for VM[User|i-2-3-VM]"})
    );
    // Destroying one frees its place.
    let vm = sim.api("listVirtualMachines", &[("name", "one")])["virtualmachine"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let destroy = sim.api("destroyVirtualMachine", &[("id", &vm)]);
    sim.wait_job(destroy["jobid"].as_str().unwrap());
    assert_eq!(sim.deploy(&[("name", "four")])["jobstatus"], 1);
}

#[test]
fn deploy_defaults_and_validation() {
    let sim = TestSim::start();
    sim.api("createSSHKeyPair", &[("name", "mykey")]);
    // No name: `VM-<uuid>`; no network: the zone's network; startvm=false: Stopped.
    let job = sim.deploy(&[
        ("startvm", "false"),
        ("details[0].cpuNumber", "2"),
        ("keypair", "mykey"),
    ]);
    let vm = &job["jobresult"]["virtualmachine"];
    assert_eq!(vm["name"], format!("VM-{}", vm["id"].as_str().unwrap()));
    assert_eq!(vm["displayname"], vm["name"]);
    assert_eq!(vm["state"], "Stopped");
    assert_eq!(vm["nic"][0]["networkid"], NETWORK);
    assert_eq!(vm["details"], json!({"cpuNumber": "2"}));
    assert_eq!(vm["keypairs"], "mykey");

    let (status, body) = sim.signed_get(&[
        ("command", "deployVirtualMachine"),
        ("zoneid", ZONE1),
        ("serviceofferingid", M1_SMALL),
        ("templateid", DEBIAN7),
        ("name", "9lives"),
    ]);
    assert_eq!(status, 431);
    assert!(body["deployvirtualmachineresponse"]["errortext"]
        .as_str()
        .unwrap()
        .starts_with("Invalid name. Vm name can contain"));
    assert_eq!(body["deployvirtualmachineresponse"]["cserrorcode"], 4350);
    // The second zone has no guest network.
    let (status, _) = sim.signed_get(&[
        ("command", "deployVirtualMachine"),
        ("zoneid", ZONE2),
        ("serviceofferingid", M1_SMALL),
        ("templateid", DEBIAN7),
    ]);
    assert_eq!(status, 431);
    // A requested address.
    let job = sim.deploy(&[("name", "fixed"), ("ipaddress", "10.1.7.7")]);
    assert_eq!(
        job["jobresult"]["virtualmachine"]["nic"][0]["ipaddress"],
        "10.1.7.7"
    );
}

#[test]
fn query_async_job_result_of_an_unknown_job_is_a_431() {
    let sim = TestSim::start();
    let (status, body) =
        sim.signed_get(&[("command", "queryAsyncJobResult"), ("jobid", "no-such-job")]);
    assert_eq!(status, 431);
    assert_eq!(
        body["queryasyncjobresultresponse"]["errortext"],
        "Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid \
         value=no-such-job due to incorrect long value format, or entity does not exist or due to incorrect \
         parameter annotation for the field in api cmd class."
    );
}

#[test]
fn a_seed_makes_ids_repeat() {
    let ids = || {
        let sim = TestSim::start_with(|config| config.seed = Some(7));
        let job = sim.deploy(&[("name", "same")]);
        let vm = &job["jobresult"]["virtualmachine"];
        (
            vm["id"].clone(),
            vm["nic"][0]["macaddress"].clone(),
            job["jobid"].clone(),
        )
    };
    assert_eq!(ids(), ids());
}

#[test]
fn concurrent_deploys_get_distinct_names_and_addresses() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(5));
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let sim = &sim;
            scope.spawn(move || {
                let client = reqwest::blocking::Client::new();
                for i in 0..15 {
                    let name = format!("w{worker}-{i}");
                    let mut params = deploy_params(&name);
                    params.insert(0, ("command", "deployVirtualMachine"));
                    let query = crate::support::sim::encode(&sim.signed_params(&params));
                    let response = client
                        .get(format!("{}?{query}", sim.endpoint))
                        .send()
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                }
            });
        }
    });
    let (status, body) = sim.signed_get(&[("command", "listVirtualMachines"), ("pagesize", "-1")]);
    assert_eq!(status, 200);
    let vms = body["listvirtualmachinesresponse"]["virtualmachine"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(vms.len(), 60);
    let mut addresses: Vec<&str> = vms
        .iter()
        .map(|vm| vm["nic"][0]["ipaddress"].as_str().unwrap())
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), 60);
}

#[test]
fn large_userdata_goes_by_post() {
    let sim = TestSim::start();
    // 1 MiB of base64, the largest `userdata` a server takes.
    let userdata = "QUJD+/=".repeat(1024 * 1024 / 7);
    let mut params = deploy_params("big");
    params.insert(0, ("command", "deployVirtualMachine"));
    params.push(("userdata", &userdata));
    let (status, body) = sim.signed_post(&params);
    assert_eq!(status, 200, "{body}");
    let too_long = "A".repeat(1_048_577);
    let mut params = deploy_params("bigger");
    params.insert(0, ("command", "deployVirtualMachine"));
    params.push(("userdata", &too_long));
    let (status, body) = sim.signed_post(&params);
    assert_eq!(status, 431);
    assert_eq!(
        body["deployvirtualmachineresponse"]["errortext"],
        "Unable to execute API command deployvirtualmachine due to invalid value. Value greater than \
         max allowed length 1048576 for param: userdata"
    );
}
