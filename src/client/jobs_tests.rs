//! Waiting on jobs against the simulator over HTTP, directly and through a
//! proxy that changes `listAsyncJobs` answers the way other servers do
//! (jobs missing from the list, the list forbidden, no `jobresult`).

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;
use crate::sim::test_proxy::{client_for, start_proxy, Twist};
use crate::sim::{self, RunningSim, SimConfig};

async fn simulator() -> RunningSim {
    sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        job_delay: Duration::from_millis(30),
        seed: Some(7),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

pub(crate) async fn deploy(client: &Client, name: &str) -> String {
    let mut params = Params::new();
    for (key, value) in [
        ("zoneid", sim::demo::ZONE1),
        ("serviceofferingid", sim::demo::M1_SMALL),
        ("templateid", sim::demo::DEBIAN7),
        ("name", name),
    ] {
        params.insert(key, value).unwrap();
    }
    let answer = client.call("deployVirtualMachine", &params).await.unwrap();
    answer["jobid"].as_str().unwrap().to_string()
}

pub(crate) async fn deploy_many(client: &Client, prefix: &str, count: usize) -> Vec<String> {
    let mut jobs = Vec::new();
    for i in 0..count {
        jobs.push(deploy(client, &format!("{prefix}-{i}")).await);
    }
    jobs
}

fn quick() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(30),
        first_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(50),
        ..WaitOptions::default()
    }
}

fn assert_all_deployed(outcomes: &[JobOutcome], jobs: &[String]) {
    assert_eq!(outcomes.len(), jobs.len());
    for (outcome, jobid) in outcomes.iter().zip(jobs) {
        assert_eq!(outcome.jobid(), jobid, "outcomes keep the order of the ids");
        let JobOutcome::Succeeded { job, .. } = outcome else {
            panic!("{jobid}: {outcome:?}");
        };
        assert_eq!(
            job["jobresult"]["virtualmachine"]["state"], "Running",
            "{job}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_jobs_cost_a_few_list_requests_not_one_poll_each() {
    let sim = simulator().await;
    let client = client_for(sim.endpoint());
    let jobs = deploy_many(&client, "b1", 40).await;
    let before = sim.stats().requests;
    let outcomes = wait_jobs(&client, &jobs, &quick(), &|_| {}).await;
    let during = sim.stats().requests - before;
    assert_all_deployed(&outcomes, &jobs);
    assert!(during < 20, "{during} requests to follow 40 jobs");

    // The old way, for comparison: one poll per job and round.
    let jobs = deploy_many(&client, "b2", 40).await;
    let before = sim.stats().requests;
    let options = WaitOptions {
        batch: false,
        ..quick()
    };
    let outcomes = wait_jobs(&client, &jobs, &options, &|_| {}).await;
    let during = sim.stats().requests - before;
    assert_all_deployed(&outcomes, &jobs);
    assert!(during >= 40, "{during}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_and_an_unknown_id_never_hide_the_others() {
    let sim = simulator().await;
    let client = client_for(sim.endpoint());
    let mut jobs = deploy_many(&client, "b3", 5).await;
    // The same name in the same network: this job fails.
    jobs.push(deploy(&client, "b3-1").await);
    jobs.push("00000000-0000-0000-0000-000000000000".into());
    jobs.push(jobs[0].clone());
    let outcomes = wait_jobs(&client, &jobs, &quick(), &|_| {}).await;
    assert_all_deployed(&outcomes[..5], &jobs[..5]);
    assert!(
        matches!(&outcomes[5], JobOutcome::Failed { errorcode, .. } if *errorcode != 0),
        "{:?}",
        outcomes[5]
    );
    assert!(
        matches!(&outcomes[6], JobOutcome::Unknown { reason, .. } if reason.contains("431")),
        "{:?}",
        outcomes[6]
    );
    assert!(
        outcomes[7].is_success(),
        "an id given twice gets its outcome twice"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_still_pending_at_the_deadline_time_out_together() {
    let sim = sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        job_delay: Duration::from_secs(60),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(sim.endpoint());
    let jobs = deploy_many(&client, "b4", 3).await;
    let options = WaitOptions {
        timeout: Duration::from_millis(200),
        ..quick()
    };
    let outcomes = wait_jobs(&client, &jobs, &options, &|_| {}).await;
    assert!(outcomes
        .iter()
        .all(|outcome| matches!(outcome, JobOutcome::TimedOut { .. })));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_the_list_does_not_show_are_polled_alone() {
    let sim = simulator().await;
    let direct = client_for(sim.endpoint());
    let jobs = deploy_many(&direct, "b5", 12).await;
    let hidden: HashSet<String> = jobs.iter().skip(1).step_by(3).cloned().collect();
    let (endpoint, proxy) = start_proxy(sim.endpoint(), Twist::Hide(hidden.clone())).await;
    let client = client_for(endpoint);
    let outcomes = wait_jobs(&client, &jobs, &quick(), &|_| {}).await;
    assert_all_deployed(&outcomes, &jobs);
    assert!(proxy.lists.load(Ordering::Relaxed) >= 1);
    let queried: HashSet<String> = proxy.queried.lock().unwrap().iter().cloned().collect();
    // The first job is polled alone once to learn the server's clock.
    for jobid in &hidden {
        assert!(
            queried.contains(jobid),
            "hidden job {jobid} was never polled"
        );
    }
    assert!(
        queried.len() <= hidden.len() + 1,
        "only the hidden jobs (and the first) are polled alone: {queried:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_forbids_the_list_still_gets_every_job_followed() {
    let sim = simulator().await;
    let direct = client_for(sim.endpoint());
    let jobs = deploy_many(&direct, "b6", 6).await;
    let (endpoint, proxy) = start_proxy(sim.endpoint(), Twist::Forbid).await;
    let client = client_for(endpoint);
    let outcomes = wait_jobs(&client, &jobs, &quick(), &|_| {}).await;
    assert_all_deployed(&outcomes, &jobs);
    assert_eq!(
        proxy.lists.load(Ordering::Relaxed),
        1,
        "a refused list is not asked again"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_jobs_listed_without_a_result_are_polled_for_it() {
    let sim = simulator().await;
    let direct = client_for(sim.endpoint());
    let jobs = deploy_many(&direct, "b7", 5).await;
    let (endpoint, _proxy) = start_proxy(sim.endpoint(), Twist::StripResults).await;
    let client = client_for(endpoint);
    let outcomes = wait_jobs(&client, &jobs, &quick(), &|_| {}).await;
    assert_all_deployed(&outcomes, &jobs);
    sim.shutdown().await;
}

#[test]
fn created_is_read_in_the_servers_own_zone() {
    let local = server_local_time("2021-09-29T17:50:11+0530").unwrap();
    assert_eq!(
        local.format("%Y-%m-%d %H:%M:%S").to_string(),
        "2021-09-29 17:50:11"
    );
    assert!(server_local_time("yesterday").is_none());
}

fn deploy_params(name: &str) -> Params {
    let mut params = Params::new();
    for (key, value) in [
        ("zoneid", sim::demo::ZONE1),
        ("serviceofferingid", sim::demo::M1_SMALL),
        ("templateid", sim::demo::DEBIAN7),
        ("name", name),
    ] {
        params.insert(key, value).unwrap();
    }
    params
}

#[test]
fn job_ids_are_read_from_strings_and_numbers() {
    use serde_json::json;
    assert_eq!(
        job_id(&json!({"jobid": "j-1", "id": "x"})).as_deref(),
        Some("j-1")
    );
    assert_eq!(job_id(&json!({"jobid": 42})).as_deref(), Some("42"));
    assert_eq!(job_id(&json!({"jobid": null})), None);
    assert_eq!(job_id(&json!({"id": "x"})), None);
    assert_eq!(job_id(&json!(["jobid"])), None);
}

#[test]
fn odd_job_ids_and_statuses_are_refused_at_once_and_shown_cut() {
    use serde_json::json;
    let long = "x".repeat(10_000);
    for odd in [
        json!({"a": 1}),
        json!(long),
        json!(1.5),
        json!(true),
        json!(""),
    ] {
        let shown = super::checked_job_id(&odd).unwrap_err();
        assert!(shown.chars().count() < 70, "{shown}");
        assert_eq!(job_id(&json!({ "jobid": odd })), None);
    }
    assert!(super::checked_job_id(&json!(long))
        .unwrap_err()
        .contains("10002 bytes"));
    for (status, shown) in [
        (Some(json!(1.0)), "1.0"),
        (Some(json!("done")), "\"done\""),
        (Some(json!(7)), "7"),
        (None, "none"),
    ] {
        let mut job = json!({"jobid": "j"});
        if let Some(status) = status {
            job["jobstatus"] = status;
        }
        match super::outcome_of("j", job) {
            Ok(JobOutcome::Unknown { reason, .. }) => assert_eq!(
                reason,
                format!("the server's job answer has jobstatus {shown}, not 0, 1 or 2")
            ),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_wait_returns_the_job_result_or_the_answer() {
    let sim = simulator().await;
    let client = client_for(sim.endpoint());
    let heard = std::sync::Mutex::new(Vec::new());
    let progress = |jobid: &str, counts: Progress| {
        heard.lock().unwrap().push((jobid.to_string(), counts));
    };
    let never = std::future::pending::<()>;
    let result = client
        .call_and_wait(
            "deployvirtualmachine",
            &deploy_params("cw-1"),
            &quick(),
            &progress,
            never(),
        )
        .await
        .unwrap();
    assert_eq!(result["virtualmachine"]["name"], "cw-1", "{result}");
    assert_eq!(result["virtualmachine"]["state"], "Running", "{result}");
    let heard = heard.into_inner().unwrap();
    assert!(!heard.is_empty());
    assert!(heard
        .iter()
        .all(|(jobid, _)| !jobid.is_empty() && *jobid == heard[0].0));
    assert_eq!(heard.last().unwrap().1.done, 1, "{heard:?}");

    // A command that starts no job: its answer, and no progress.
    let called = std::sync::atomic::AtomicBool::new(false);
    let answer = client
        .call_and_wait(
            "listZones",
            &Params::new(),
            &quick(),
            &|_, _| called.store(true, Ordering::Relaxed),
            never(),
        )
        .await
        .unwrap();
    assert!(answer["zone"].is_array(), "{answer}");
    assert!(!called.load(Ordering::Relaxed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_wait_names_the_job_that_failed() {
    let sim = simulator().await;
    let client = client_for(sim.endpoint());
    let never = std::future::pending::<()>;
    let vm = client
        .call_and_wait(
            "deployVirtualMachine",
            &deploy_params("cw-2"),
            &quick(),
            &|_, _| {},
            never(),
        )
        .await
        .unwrap();
    let mut params = Params::new();
    params
        .insert("id", vm["virtualmachine"]["id"].as_str().unwrap())
        .unwrap();
    client
        .call_and_wait("stopVirtualMachine", &params, &quick(), &|_, _| {}, never())
        .await
        .unwrap();
    let error = client
        .call_and_wait(
            "rebootVirtualMachine",
            &params,
            &quick(),
            &|_, _| {},
            never(),
        )
        .await
        .unwrap_err();
    let jobid = error.jobid().expect("the job's id").to_string();
    let CallAndWaitError::Job { outcome, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        matches!(**outcome, JobOutcome::Failed { errorcode: 530, .. }),
        "{outcome:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("job {jobid} failed: ")),
        "{error}"
    );
    assert!(
        matches!(error.into_client_error(), ClientError::JobFailed { jobid: id, .. } if id == jobid)
    );

    // An API error before any job is the call's error.
    let mut params = Params::new();
    params.insert("id", "no-such-vm").unwrap();
    let error = client
        .call_and_wait(
            "rebootVirtualMachine",
            &params,
            &quick(),
            &|_, _| {},
            never(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallAndWaitError::Call(ClientError::Api(_))),
        "{error:?}"
    );
    assert_eq!(error.jobid(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_wait_stops_when_cancelled_and_says_which_job_goes_on() {
    let sim = sim::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        job_delay: Duration::from_secs(600),
        seed: Some(7),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(sim.endpoint());
    // Cancelled before the answer came: no job.
    let before = sim.stats().requests;
    let error = client
        .call_and_wait(
            "deployVirtualMachine",
            &deploy_params("cw-3"),
            &quick(),
            &|_, _| {},
            async {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallAndWaitError::Call(ClientError::Cancelled)),
        "{error:?}"
    );
    assert_eq!(sim.stats().requests, before, "nothing was sent");

    // Cancelled once the wait began: the job goes on.
    let waiting = tokio::sync::Notify::new();
    let error = client
        .call_and_wait(
            "deployVirtualMachine",
            &deploy_params("cw-4"),
            &quick(),
            &|_, _| waiting.notify_one(),
            waiting.notified(),
        )
        .await
        .unwrap_err();
    let CallAndWaitError::Cancelled { jobid } = &error else {
        panic!("{error:?}");
    };
    let mut params = Params::new();
    params.insert("jobid", jobid.as_str()).unwrap();
    let job = client.call("queryAsyncJobResult", &params).await.unwrap();
    assert_eq!(job["jobstatus"], 0, "the job goes on: {job}");
    assert!(matches!(error.into_client_error(), ClientError::Cancelled));
}
