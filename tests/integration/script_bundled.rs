//! The bundled scripts, run through the binary against the simulator; the
//! cloud's state is checked afterwards through the API.

use serde_json::Value;

use crate::script_helpers::*;
use crate::support::csctl;
use crate::support::sim::TestSim;

/// The value printed after `label` on a line of `stdout`.
fn printed(stdout: &str, label: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|rest| rest.trim().to_string())
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{stdout}"))
}

fn named<'a>(vms: &'a [Value], name: &str) -> &'a Value {
    vms.iter()
        .find(|vm| vm["name"] == name)
        .unwrap_or_else(|| panic!("no VM {name} in {vms:?}"))
}

#[test]
fn deploy_debian7_with_no_arguments_deploys_into_the_only_network() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let stdout = success(&run(&sim, home.path(), "scripts/deploy_debian7.rhai", &[]));
    assert!(
        stdout.contains("no network_id given: using the account's only network"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no hostname given: using debian7-"),
        "{stdout}"
    );
    assert!(stdout.contains("VM deployed:"), "{stdout}");
    let id = printed(&stdout, "id:");
    let name = printed(&stdout, "name:");
    assert_eq!(printed(&stdout, "state:"), "Running");
    let ip = printed(&stdout, "ip:");
    assert!(ip.starts_with("10.1."), "{stdout}");

    let vms = live_vms(&sim, home.path());
    assert_eq!(vms.len(), 1, "{vms:?}");
    let vm = &vms[0];
    assert_eq!(vm["id"], id.as_str());
    assert_eq!(vm["name"], name.as_str());
    assert_eq!(vm["displayname"], name.as_str());
    assert_eq!(vm["state"], "Running");
    assert_eq!(vm["templateid"], DEBIAN7);
    assert_eq!(vm["serviceofferingid"], M1_SMALL);
    assert_eq!(vm["nic"][0]["networkid"], NETWORK);
    assert_eq!(vm["nic"][0]["ipaddress"], ip.as_str());
}

#[test]
fn deploy_debian7_takes_its_arguments_and_refuses_a_used_or_bad_host_name() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let network = format!("network_id={NETWORK}");
    let offering = format!("service_offering_id={M1_MEDIUM}");
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_debian7.rhai",
        &[&network, &offering, "hostname=web01"],
    ));
    assert!(!stdout.contains("no network_id given"), "{stdout}");
    assert!(stdout.contains("offering:  m1.medium"), "{stdout}");
    assert!(stdout.contains("public IP: 203.0.113.10"), "{stdout}");
    let vm = named(&live_vms(&sim, home.path()), "web01").clone();
    assert_eq!(
        (vm["serviceofferingid"].as_str(), vm["templateid"].as_str()),
        (Some(M1_MEDIUM), Some(DEBIAN7))
    );
    assert_eq!(vm["state"], "Running");

    // The same name again, in any case: refused before deploying.
    let stderr = failure(
        &run(
            &sim,
            home.path(),
            "scripts/deploy_debian7.rhai",
            &["hostname=WEB01"],
        ),
        1,
    );
    assert!(
        stderr.contains("a VM named WEB01 already exists in network default-isolated"),
        "{stderr}"
    );
    assert!(stderr.contains("scripts/deploy_debian7.rhai:"), "{stderr}");
    for bad in ["hostname=web_01", "hostname=1web", "hostname=web-"] {
        let stderr = failure(
            &run(&sim, home.path(), "scripts/deploy_debian7.rhai", &[bad]),
            1,
        );
        assert!(stderr.contains("host name"), "{bad}: {stderr}");
        assert!(
            stderr.contains("scripts/lib/common.rhai:"),
            "the error names the module's file: {stderr}"
        );
    }
    let stderr = failure(
        &run(
            &sim,
            home.path(),
            "scripts/deploy_debian7.rhai",
            &["network_id=5c8d7e6f-0000-4c3d-9e4f-5a6b7c8d9e01"],
        ),
        1,
    );
    assert!(
        stderr.contains("there is no network with id 5c8d7e6f-0000-4c3d-9e4f-5a6b7c8d9e01"),
        "{stderr}"
    );
    let stderr = failure(
        &run(
            &sim,
            home.path(),
            "scripts/deploy_debian7.rhai",
            &["template_id=0a1b2c3d-0000-4a6b-8c7d-9e0f1a2b3c4d"],
        ),
        1,
    );
    assert!(stderr.contains("is not available in zone"), "{stderr}");
    assert_eq!(live_vms(&sim, home.path()).len(), 1);
}

#[test]
fn the_readme_first_command_deploys_on_the_embedded_simulator() {
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .current_dir(project_dir())
        .args([
            "run",
            "--sim",
            "--sim-job-delay",
            "20ms",
            "scripts/deploy_debian7.rhai",
        ])
        .output()
        .unwrap();
    let stdout = success(&output);
    assert!(stdout.contains("VM deployed:"), "{stdout}");
    assert_eq!(printed(&stdout, "state:"), "Running");
    assert!(
        printed(&stdout, "name:").starts_with("debian7-"),
        "{stdout}"
    );
}

#[test]
fn a_cluster_of_twenty_gives_twenty_running_vms_and_teardown_removes_them() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    success(&run(
        &sim,
        home.path(),
        "scripts/deploy_debian7.rhai",
        &["hostname=keeper"],
    ));

    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=20", "prefix=web"],
    ));
    assert!(stdout.contains("20 of 20 VMs deployed"), "{stdout}");
    let cluster = live_vms(&sim, home.path());
    assert_eq!(cluster.len(), 21);
    for i in 1..=20 {
        let vm = named(&cluster, &format!("web-{i:02}"));
        assert_eq!(vm["state"], "Running", "{vm}");
        assert_eq!(vm["templateid"], DEBIAN7);
        assert_eq!(vm["serviceofferingid"], M1_SMALL);
        assert_eq!(vm["nic"][0]["networkid"], NETWORK);
    }
    // Run again, the cluster is left alone; VMs of those names with other
    // settings that cannot change in place are reported, not duplicated.
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=20", "prefix=web"],
    ));
    assert!(
        stdout.contains("20 of 20 VMs deployed (0 created now, 20 already there)"),
        "{stdout}"
    );
    let output = run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &[
            "count=2",
            "prefix=web",
            &format!("service_offering_id={M1_MEDIUM}"),
        ],
    );
    let stderr = failure(&output, 1);
    assert!(stderr.contains("2 of 2 deployments failed"), "{stderr}");
    let stdout = texts(&output).0;
    assert!(
        stdout.contains("already exists with other [\"serviceofferingid\"]"),
        "{stdout}"
    );
    assert_eq!(live_vms(&sim, home.path()).len(), 21);

    // Without confirm=yes, teardown only lists.
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/teardown.rhai",
        &["prefix=web-"],
    ));
    assert!(
        stdout.contains("20 VMs whose names start with \"web-\""),
        "{stdout}"
    );
    assert!(stdout.contains("web-07"), "{stdout}");
    assert!(stdout.contains("confirm=yes"), "{stdout}");
    assert_eq!(live_vms(&sim, home.path()).len(), 21);

    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/teardown.rhai",
        &["prefix=web-", "confirm=yes"],
    ));
    assert!(stdout.contains("destroyed 20 of 20 VMs"), "{stdout}");
    let remaining = vms(&sim, home.path());
    assert!(
        remaining
            .iter()
            .all(|vm| !vm["name"].as_str().unwrap().starts_with("web-")),
        "{remaining:?}"
    );
    assert_eq!(named(&remaining, "keeper")["state"], "Running");

    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/teardown.rhai",
        &["prefix=web-", "confirm=yes"],
    ));
    assert!(stdout.contains("nothing to do"), "{stdout}");
}

#[test]
fn inventory_lists_the_ids_a_deployment_needs() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let stdout = success(&run(&sim, home.path(), "scripts/inventory.rhai", &[]));
    for expected in [
        "Zones (2)",
        "SimZone1",
        "Networks (1)",
        NETWORK,
        "203.0.113.10",
        "Debian 7 - Minimal - 64bits",
        DEBIAN7,
        "m1.small",
        M1_SMALL,
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected} in:\n{stdout}"
        );
    }
}
