//! The paths issue 13 made faster, through the real binary and over HTTP:
//! the simulator's `listAsyncJobs` (what batched waits read), `call --all`
//! writing rows page by page, and `wait_jobs` in a script following many
//! jobs with a few list requests.

use std::collections::HashSet;

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, success, write_script};

fn deploy_started(sim: &TestSim, name: &str) -> Value {
    sim.start_deploy(&[("name", name)])
}

/// Deploys `count` VMs named `{prefix}-1`… and waits for them all; their job ids.
fn deployed_jobs(sim: &TestSim, prefix: &str, count: usize) -> Vec<String> {
    let jobs: Vec<String> = (1..=count)
        .map(|i| {
            deploy_started(sim, &format!("{prefix}-{i}"))["jobid"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for job in &jobs {
        sim.wait_job(job);
    }
    jobs
}

#[test]
fn list_async_jobs_pages_oldest_first_and_narrows_by_startdate() {
    let sim = TestSim::start();
    let jobs = deployed_jobs(&sim, "job", 3);
    let page = sim.api("listAsyncJobs", &[("page", "1"), ("pagesize", "2")]);
    assert_eq!(page["count"], 3);
    let listed = page["asyncjobs"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["jobid"], jobs[0].as_str(), "oldest first");
    assert_eq!(listed[1]["jobid"], jobs[1].as_str());
    assert_eq!(listed[0]["jobstatus"], 1);
    assert_eq!(
        listed[0]["jobresult"]["virtualmachine"]["name"], "job-1",
        "ended jobs carry their result"
    );
    let page = sim.api("listAsyncJobs", &[("page", "2"), ("pagesize", "2")]);
    assert_eq!(page["asyncjobs"][0]["jobid"], jobs[2].as_str());

    let created = listed[0]["created"].as_str().unwrap();
    let since = created[..19].replace('T', " ");
    let narrowed = sim.api("listAsyncJobs", &[("startdate", &since)]);
    assert_eq!(
        narrowed["count"], 3,
        "startdate keeps jobs created at or after it"
    );
    let future = sim.api("listAsyncJobs", &[("startdate", "2999-01-01 00:00:00")]);
    assert_eq!(future, serde_json::json!({}), "nothing created after 2999");
    let day = sim.api("listAsyncJobs", &[("startdate", "2999-01-01")]);
    assert_eq!(day, serde_json::json!({}));
}

#[test]
fn call_all_writes_each_row_once_as_jsonl_and_csv() {
    let sim = TestSim::start();
    deployed_jobs(&sim, "row", 12);
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args([
            "call",
            "listVirtualMachines",
            "pagesize=5",
            "--all",
            "-o",
            "jsonl",
        ])
        .args(["--page-concurrency", "3"])
        .output()
        .unwrap();
    let text = success(&output);
    let names: Vec<String> = text
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("row-{i}")).collect();
    assert_eq!(names, expected, "every row once, in the server's order");

    let output = against(&sim, home.path())
        .args([
            "call",
            "listVirtualMachines",
            "pagesize=5",
            "--all",
            "-o",
            "csv",
        ])
        .output()
        .unwrap();
    let text = success(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 13, "a header and 12 rows:\n{text}");
    assert!(
        lines[0].split(',').any(|column| column == "name"),
        "{}",
        lines[0]
    );
    let distinct: HashSet<&str> = lines[1..].iter().copied().collect();
    assert_eq!(distinct.len(), 12);

    let output = against(&sim, home.path())
        .args([
            "call",
            "listVirtualMachines",
            "--all",
            "--page-concurrency",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("from 1 to 64"));
}

#[test]
fn a_script_waits_on_many_jobs_with_a_few_requests() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("many.rhai");
    write_script(
        &script,
        r#"
let jobs = [];
for i in 0..30 {
    jobs.push(api("deployVirtualMachine", #{ zoneid: "{ZONE1}", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}", name: `many-${i}` }));
}
let before = client_stats().requests;
let results = wait_jobs(jobs);
let during = client_stats().requests - before;
print(`results ${results.len()} running ${results.filter(|r| r.virtualmachine.state == "Running").len()}`);
print(`requests ${during}`);
let alone = [];
for i in 0..5 {
    alone.push(api("deployVirtualMachine", #{ zoneid: "{ZONE1}", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}", name: `alone-${i}` }));
}
print(`alone ${wait_jobs(alone, #{ batch: false }).len()}`);
"#,
    );
    let output = against(&sim, home.path())
        .arg("run")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = success(&output);
    assert!(stdout.contains("results 30 running 30"), "{stdout}");
    let requests: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("requests "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(requests < 30, "{requests} requests to wait on 30 jobs");
    assert!(stdout.contains("alone 5"), "{stdout}");
}
