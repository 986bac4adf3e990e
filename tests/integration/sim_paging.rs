//! Paging and list filters over HTTP: `count` is the number of matches, a
//! page past the end keeps `count`, an empty list is `{}`.

use serde_json::{json, Value};

use crate::support::sim::TestSim;

/// A simulator with `n` running VMs named `node-1…`, deployed in one go.
fn with_vms(n: usize) -> (TestSim, Vec<String>) {
    let sim = TestSim::start();
    let mut jobs = Vec::new();
    let mut ids = Vec::new();
    for i in 1..=n {
        let name = format!("node-{i}");
        let started = sim.start_deploy(&[("name", &name)]);
        ids.push(started["id"].as_str().unwrap().to_string());
        jobs.push(started["jobid"].as_str().unwrap().to_string());
    }
    for job in jobs {
        assert_eq!(sim.wait_job(&job)["jobstatus"], 1);
    }
    (sim, ids)
}

fn names(answer: &Value) -> Vec<String> {
    answer["virtualmachine"]
        .as_array()
        .map(|vms| {
            vms.iter()
                .map(|vm| vm["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn pages_slice_the_matches_and_count_all_of_them() {
    let (sim, _) = with_vms(7);
    let page = |n: &str| sim.api("listVirtualMachines", &[("page", n), ("pagesize", "3")]);
    let first = page("1");
    assert_eq!(first["count"], 7);
    assert_eq!(names(&first), ["node-1", "node-2", "node-3"]);
    assert_eq!(names(&page("3")), ["node-7"]);
    assert_eq!(page("3")["count"], 7);
    // Past the end: the count stays, the array goes (ApiResponseSerializer).
    assert_eq!(page("4"), json!({"count": 7}));
    assert_eq!(
        sim.api("listVirtualMachines", &[("pagesize", "-1")])["count"],
        7
    );
    assert_eq!(names(&sim.api("listVirtualMachines", &[])).len(), 7);
}

#[test]
fn list_filters_narrow_and_count() {
    let (sim, ids) = with_vms(12);
    let count = |params: &[(&str, &str)]| sim.api("listVirtualMachines", params)["count"].clone();
    // `name` is a substring match, like the server's LIKE.
    assert_eq!(count(&[("name", "node-1")]), 4); // node-1, node-10, node-11, node-12
    assert_eq!(count(&[("keyword", "NODE-2")]), 1);
    assert_eq!(count(&[("id", &ids[3])]), 1);
    let two = format!("{},{}", ids[0], ids[5]);
    assert_eq!(count(&[("ids", &two)]), 2);
    assert_eq!(count(&[("state", "running")]), 12);
    assert_eq!(
        sim.api("listVirtualMachines", &[("state", "Stopped")]),
        json!({})
    );
    assert_eq!(
        count(&[("zoneid", csctl::sim::demo::ZONE1), ("listall", "true")]),
        12
    );
    assert_eq!(count(&[("networkid", csctl::sim::demo::NETWORK)]), 12);
    assert_eq!(count(&[("templateid", csctl::sim::demo::DEBIAN7)]), 12);
    assert_eq!(
        sim.api(
            "listVirtualMachines",
            &[("zoneid", csctl::sim::demo::ZONE2)]
        ),
        json!({})
    );
    // An account that does not exist is an error, as on the server.
    let (status, body) = sim.signed_get(&[
        ("command", "listVirtualMachines"),
        ("account", "someone-else"),
    ]);
    assert_eq!(status, 431, "{body}");
    let filtered = sim.api(
        "listVirtualMachines",
        &[("name", "node-1"), ("page", "2"), ("pagesize", "3")],
    );
    assert_eq!(filtered["count"], 4);
    assert_eq!(names(&filtered), ["node-12"]);
}

#[test]
fn page_size_is_capped_at_500_by_default() {
    let sim = TestSim::start();
    let (status, body) =
        sim.signed_get(&[("command", "listZones"), ("page", "1"), ("pagesize", "500")]);
    assert_eq!(status, 200, "{body}");
    let (status, _) =
        sim.signed_get(&[("command", "listZones"), ("page", "1"), ("pagesize", "501")]);
    assert_eq!(status, 431);
    let (status, body) =
        sim.signed_get(&[("command", "listZones"), ("page", "2"), ("pagesize", "-1")]);
    assert_eq!(status, 431);
    assert_eq!(
        body["listzonesresponse"]["errortext"],
        "Can't specify page parameter when pagesize is -1 (Unlimited)"
    );
}
