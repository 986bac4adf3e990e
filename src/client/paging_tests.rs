//! Walking lists against the simulator over HTTP, directly and through a
//! proxy that repeats rows across pages or ignores `page`.

use std::collections::HashSet;
use std::time::Duration;

use super::*;
use crate::client::jobs::tests::deploy_many;
use crate::client::{wait_jobs, WaitOptions};
use crate::sim::test_proxy::{client_for, start_proxy, Twist};
use crate::sim::{self, RunningSim, SimConfig};

/// A simulator holding `count` VMs.
async fn with_vms(count: usize) -> RunningSim {
    let sim = sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        job_delay: Duration::from_millis(1),
        seed: Some(3),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(sim.endpoint());
    let jobs = deploy_many(&client, "vm", count).await;
    let outcomes = wait_jobs(&client, &jobs, &WaitOptions::default(), &|_| {}).await;
    assert!(outcomes.iter().all(JobOutcome::is_success));
    sim
}

use crate::client::JobOutcome;

fn paged(size: usize) -> Params {
    let mut params = Params::new();
    params.set("pagesize", size.to_string());
    params
}

fn ids(all: &AllItems) -> Vec<String> {
    all.items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fetched_together_keep_the_server_order() {
    let sim = with_vms(23).await;
    let client = client_for(sim.endpoint());
    let one_by_one = list_all_with(
        &client,
        "listVirtualMachines",
        &paged(5),
        &ListOptions { concurrency: 1 },
    )
    .await
    .unwrap();
    let together = list_all_with(
        &client,
        "listVirtualMachines",
        &paged(5),
        &ListOptions { concurrency: 4 },
    )
    .await
    .unwrap();
    assert_eq!(together.key.as_deref(), Some("virtualmachine"));
    assert_eq!(ids(&together).len(), 23);
    assert_eq!(ids(&together), ids(&one_by_one));
    let mut streamed = Vec::new();
    for_each_page(
        &client,
        "listVirtualMachines",
        &paged(5),
        &ListOptions::default(),
        |key, rows| {
            assert_eq!(key, "virtualmachine");
            streamed.push(rows.len());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(streamed, [5, 5, 5, 5, 3], "one call per page, in order");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_repeated_on_a_later_page_are_dropped() {
    let sim = with_vms(12).await;
    let (endpoint, _proxy) = start_proxy(sim.endpoint(), Twist::RepeatRows).await;
    let client = client_for(endpoint);
    let all = list_all(&client, "listVirtualMachines", &paged(5))
        .await
        .unwrap();
    let ids = ids(&all);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "no row twice: {ids:?}");
    assert_eq!(ids.len(), 12);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_page_ends_the_walk() {
    let sim = with_vms(12).await;
    let (endpoint, _proxy) = start_proxy(sim.endpoint(), Twist::IgnorePage).await;
    let client = client_for(endpoint);
    let all = list_all(&client, "listVirtualMachines", &paged(5))
        .await
        .unwrap();
    assert_eq!(ids(&all).len(), 5, "page 1, once");
    sim.shutdown().await;
}

#[test]
fn the_same_template_in_two_zones_is_two_rows() {
    let a = serde_json::json!({"id": "t", "zoneid": "z1"});
    let b = serde_json::json!({"id": "t", "zoneid": "z2"});
    assert_ne!(identity(&a), identity(&b));
    let tag = serde_json::json!({"key": "k", "value": "v"});
    assert_eq!(identity(&tag), tag.to_string());
}
