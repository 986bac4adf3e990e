//! Injected faults (`--fail-rate`) and cloud files (`--cloud`).

use crate::support::sim::TestSim;

#[test]
fn fail_rate_one_answers_every_request_with_an_html_503() {
    let sim = TestSim::start_with(|config| config.fail_rate = 1.0);
    for _ in 0..3 {
        let response = sim.get_query("command=listZones");
        assert_eq!(response.status, 503);
        assert_eq!(response.content_type, "text/html");
        assert!(
            response
                .body
                .contains("<title>503 Service Temporarily Unavailable</title>"),
            "{}",
            response.body
        );
    }
    let stats = sim.stats();
    assert_eq!(
        (stats.requests, stats.failed_injected, stats.rejected_auth),
        (3, 3, 0)
    );
}

#[test]
fn a_partial_fail_rate_fails_about_that_fraction_and_leaves_the_rest_alone() {
    let outcomes = || {
        let sim = TestSim::start_with(|config| config.fail_rate = 0.3);
        let statuses: Vec<u16> = (0..200)
            .map(|_| sim.signed_get_status(&[("command", "listZones")]))
            .collect();
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "{statuses:?}"
        );
        let failed = statuses.iter().filter(|s| **s == 503).count();
        assert_eq!(sim.stats().failed_injected, failed as u64);
        statuses
    };
    let first = outcomes();
    let failed = first.iter().filter(|s| **s == 503).count();
    assert!(
        (30..=90).contains(&failed),
        "{failed} of 200 failed at rate 0.3"
    );
    // With a seed, the same requests fail every run.
    assert_eq!(first, outcomes());
}

#[test]
fn injected_failures_do_not_touch_the_cloud() {
    let sim = TestSim::start_with(|config| config.fail_rate = 0.5);
    let mut accepted = 0;
    for i in 0..40 {
        let name = format!("f{i}");
        let status = sim.signed_get_status(&[
            ("command", "deployVirtualMachine"),
            ("zoneid", csctl::sim::demo::ZONE1),
            ("serviceofferingid", csctl::sim::demo::M1_SMALL),
            ("templateid", csctl::sim::demo::DEBIAN7),
            ("name", &name),
        ]);
        if status == 200 {
            accepted += 1;
        }
    }
    assert!(accepted > 0 && accepted < 40, "{accepted}");
    // Count VMs with retries, since list calls may be refused too.
    let count = loop {
        let query =
            crate::support::sim::encode(&sim.signed_params(&[("command", "listVirtualMachines")]));
        let response = sim.get_query(&query);
        if response.status == 200 {
            break response.json()["listvirtualmachinesresponse"]["count"]
                .as_u64()
                .unwrap_or(0);
        }
    };
    assert_eq!(count, accepted);
}

#[test]
fn a_cloud_file_replaces_the_default_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.toml");
    std::fs::write(
        &path,
        r#"
[account]
name = "ops"
username = "operator"
password = "s3cret"

[[zones]]
id = "11111111-1111-4111-8111-111111111111"
name = "Lab"
max_vms = 1
public_ip_range = "192.0.2.10-192.0.2.20"

[[networks]]
id = "22222222-2222-4222-8222-222222222222"
name = "lab-net"
zoneid = "11111111-1111-4111-8111-111111111111"
cidr = "172.16.0.0/24"
source_nat_ip = { id = "33333333-3333-4333-8333-333333333333", ipaddress = "192.0.2.10" }

[[templates]]
id = "44444444-4444-4444-8444-444444444444"
name = "Alpine 3.20"

[[service_offerings]]
id = "55555555-5555-4555-8555-555555555555"
name = "tiny"
cpunumber = 1
cpuspeed = 500
memory = 512
"#,
    )
    .unwrap();
    let cloud = csctl::sim::load_cloud_file(&path).unwrap();
    let sim = TestSim::start_with(move |config| config.cloud = cloud);
    let zones = sim.api("listZones", &[]);
    assert_eq!(
        (zones["count"].as_u64(), zones["zone"][0]["name"].as_str()),
        (Some(1), Some("Lab"))
    );
    let job = sim.deploy_in(
        "11111111-1111-4111-8111-111111111111",
        "55555555-5555-4555-8555-555555555555",
        "44444444-4444-4444-8444-444444444444",
        "first",
    );
    let vm = &job["jobresult"]["virtualmachine"];
    assert_eq!(
        (vm["account"].as_str(), vm["nic"][0]["ipaddress"].as_str()),
        (Some("ops"), Some("172.16.0.2"))
    );
    let second = sim.deploy_in(
        "11111111-1111-4111-8111-111111111111",
        "55555555-5555-4555-8555-555555555555",
        "44444444-4444-4444-8444-444444444444",
        "second",
    );
    assert_eq!(second["jobresult"]["errorcode"], 533, "max_vms = 1");
    let login = sim.post_form(
        None,
        "command=login&username=operator&password=s3cret",
        None,
    );
    assert_eq!(login.status, 200);

    std::fs::write(&path, "[[zones]]\nid = \"nope\"\nname = \"x\"\n").unwrap();
    let error = csctl::sim::load_cloud_file(&path).unwrap_err().to_string();
    assert!(
        error.contains("cloud.toml") && error.contains("zone `x`: id `nope` is not a uuid"),
        "{error}"
    );
}

impl TestSim {
    fn signed_get_status(&self, params: &[(&str, &str)]) -> u16 {
        let query = crate::support::sim::encode(&self.signed_params(params));
        self.get_query(&query).status
    }

    fn deploy_in(
        &self,
        zone: &str,
        offering: &str,
        template: &str,
        name: &str,
    ) -> serde_json::Value {
        let started = self.api(
            "deployVirtualMachine",
            &[
                ("zoneid", zone),
                ("serviceofferingid", offering),
                ("templateid", template),
                ("name", name),
            ],
        );
        self.wait_job(started["jobid"].as_str().unwrap())
    }
}
