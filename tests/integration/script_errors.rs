//! `csctl run` failures: what the user reads, and the exit status.

use std::io::BufRead as _;
use std::time::Duration;

use crate::script_helpers::*;
use crate::support::sim::TestSim;
use crate::support::Test;

#[test]
fn a_syntax_error_shows_file_line_column_and_a_caret() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "bad.rhai",
        "print(\"never\");\nlet x = (1 + ;\n",
    );
    // Nothing ran: no output.
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path])
        .stderr(
            "\
csctl: error: [HOME]/bad.rhai:2:14: Unexpected ';'
 2 | let x = (1 + ;
   |              ^
",
        )
        .status(1)
        .run();
}

#[test]
fn an_uncaught_api_error_names_the_call_and_the_server_error() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "deploy.rhai",
        "let zone = \"x\";\nlet vm = api(\"deployVirtualMachine\", #{ name: \"a\" });\n",
    );
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path])
        .stderr(
            "\
csctl: error: [HOME]/deploy.rhai:2:10: deployVirtualMachine failed: Unable to execute API command \
deployvirtualmachine due to missing parameter zoneid (HTTP 431, errorcode 431, cserrorcode 9999)
 2 | let vm = api(\"deployVirtualMachine\", #{ name: \"a\" });
   |          ^
",
        )
        .status(1)
        .run();
}

#[test]
fn a_caught_api_error_is_a_map_with_the_server_fields() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "catch.rhai",
        r#"
        try {
            api("deployVirtualMachine", #{ serviceofferingid: "x" });
            print("not reached");
        } catch (e) {
            print(`${e.errorcode} ${e.cserrorcode} ${e.http_status} ${e.command} ${e.error}`);
            print(e.errortext);
            print(e.message);
        }
        try { api("listZones", #{ id: "not-a-uuid" }); } catch (e) { print(`second: ${e.errorcode}`); }
        print("done");
        "#,
    );
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "431 9999 431 deployVirtualMachine api");
    assert_eq!(
        lines[1],
        "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"
    );
    assert!(
        lines[2].starts_with("deployVirtualMachine failed: Unable to execute"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("second: 431"), "{stdout}");
    assert_eq!(lines.last(), Some(&"done"));
}

#[test]
fn api_returns_answers_with_json_types_and_list_all_pages() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "types.rhai",
        r#"
        let zones = api("listZones");
        print(`${type_of(zones.count)} ${zones.count} ${type_of(zones.zone)} ${type_of(zones.zone[0].securitygroupsenabled)}`);
        let offerings = list_all("listServiceOfferings", #{ pagesize: 1 });
        let names = offerings.map(|o| o.name);
        names.sort();
        print(`${offerings.len()} ${names}`);
        print(type_of(api("listVirtualMachines").virtualmachine));
        let vm = api_wait("deployVirtualMachine", #{
            zoneid: zones.zone[0].id, serviceofferingid: offerings.filter(|o| o.name == "m1.small")[0].id,
            templateid: "{DEBIAN7}", name: "typed", startvm: true,
        }).virtualmachine;
        print(`${vm.name} ${vm.state} ${type_of(vm.cpunumber)} ${type_of(vm.nic)}`);
        "#,
    );
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "i64 2 array bool");
    assert_eq!(
        lines[1],
        "4 [\"m1.extralarge\", \"m1.large\", \"m1.medium\", \"m1.small\"]"
    );
    assert_eq!(lines[2], "()");
    assert_eq!(lines[3], "typed Running i64 array");
}

/// A simulator whose first zone holds only `max_vms` VMs: one more deploy
/// fails its job with error 533.
fn small_zone(max_vms: u32) -> TestSim {
    TestSim::start_with(|config| config.cloud.zones[0].max_vms = max_vms)
}

#[test]
fn a_failed_job_among_many_is_reported_after_the_others_finish() {
    let sim = small_zone(3);
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "many.rhai",
        r#"
        let jobs = [];
        for i in 1..=5 {
            jobs.push(api("deployVirtualMachine", #{
                zoneid: "{ZONE1}", name: `vm-${i}`,
                serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}",
            }));
        }
        try {
            wait_jobs(jobs.map(|j| j.jobid));
            print("not reached");
        } catch (e) {
            print(`${e.failed.len()} failed, ${e.results.filter(|r| r != ()).len()} succeeded, ${e.results.len()} results`);
            for f in e.failed {
                print(`${f.index} ${f.status} ${f.errorcode} ${f.jobid == jobs[f.index].jobid}`);
            }
            print(e.message);
        }
        wait_jobs(jobs);
        "#,
    );
    let output = run(&sim, home.path(), &path, &[]);
    let stderr = failure(&output, 1);
    let stdout = texts(&output).0;
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "2 failed, 3 succeeded, 5 results", "{stdout}");
    for line in &lines[1..3] {
        assert!(line.ends_with(" failed 533 true"), "{stdout}");
    }
    assert!(lines[3].starts_with("2 of 5 jobs failed: job "), "{stdout}");
    assert!(lines[3].contains("(errorcode 533)"), "{stdout}");
    // Uncaught, the same message, located at the call.
    assert!(
        stderr.starts_with(&format!(
            "csctl: error: {path}:19:9: 2 of 5 jobs failed: job "
        )),
        "{stderr}"
    );
    // A failed deploy leaves its VM in the Error state, as on a real cloud.
    let states: Vec<String> = live_vms(&sim, home.path())
        .iter()
        .map(|vm| vm["state"].to_string())
        .collect();
    assert_eq!(
        states
            .iter()
            .filter(|state| *state == "\"Running\"")
            .count(),
        3,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|state| *state == "\"Error\"").count(),
        2,
        "{states:?}"
    );
}

#[test]
fn deploy_cluster_summarizes_partial_failure() {
    let sim = small_zone(4);
    let home = tempfile::tempdir().unwrap();
    let output = run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=6", "prefix=db"],
    );
    let stderr = failure(&output, 1);
    let stdout = texts(&output).0;
    assert!(stdout.contains("4 of 6 VMs deployed"), "{stdout}");
    assert!(stdout.contains("(failed, job "), "{stdout}");
    assert!(stderr.contains("2 of 6 deployments failed"), "{stderr}");
    assert!(stderr.contains("scripts/deploy_cluster.rhai:"), "{stderr}");
    assert_eq!(
        live_vms(&sim, home.path())
            .iter()
            .filter(|vm| vm["state"] == "Running")
            .count(),
        4
    );
}

#[test]
fn a_job_that_outlives_the_timeout_is_reported_as_timed_out() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_secs(120));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "slow.rhai",
        r#"
        let job = api("deployVirtualMachine", #{
            zoneid: "{ZONE1}",
            serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}",
        });
        try {
            wait_jobs([job], #{ timeout: 0.3, interval: 0.05 });
        } catch (e) {
            let f = e.failed[0];
            print(`${f.status} ${type_of(f.errorcode)} ${e.results.len()} ${type_of(e.results[0])}`);
        }
        wait_job(job, #{ timeout: 0.2 });
        "#,
    );
    let output = run(&sim, home.path(), &path, &[]);
    let stderr = failure(&output, 1);
    assert_eq!(texts(&output).0, "timeout () 1 ()\n");
    assert!(
        stderr.contains(&format!("{path}:12:9: wait_job: job ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("timed out: still pending after 200ms; it may still complete"),
        "{stderr}"
    );
}

#[test]
fn a_missing_argument_says_how_to_give_it() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let stderr = failure(&run(&sim, home.path(), "scripts/teardown.rhai", &[]), 1);
    assert!(
        stderr.starts_with("csctl: error: scripts/teardown.rhai:"),
        "{stderr}"
    );
    assert!(
        stderr.contains(": missing script argument `prefix`: run with prefix=VALUE\n"),
        "{stderr}"
    );
    // A thrown message is one line: no source excerpt.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let stderr = failure(
        &run(
            &sim,
            home.path(),
            "scripts/deploy_cluster.rhai",
            &["count=many"],
        ),
        1,
    );
    assert!(
        stderr.contains("script argument `count` must be a whole number, not `many`"),
        "{stderr}"
    );
}

#[test]
fn bad_script_arguments_and_files_are_reported_before_connecting() {
    let home = tempfile::tempdir().unwrap();
    let run_sim = |args: &[&str]| {
        crate::support::csctl(home.path())
            .current_dir(project_dir())
            .arg("run")
            .args(args)
            .output()
            .unwrap()
    };
    let stderr = failure(&run_sim(&["scripts/inventory.rhai", "zone"]), 2);
    assert!(
        stderr.contains("script argument `zone` is not name=value"),
        "{stderr}"
    );
    let stderr = failure(&run_sim(&["scripts/inventory.rhai", "a=1", "a=2"]), 2);
    assert!(stderr.contains("given more than once"), "{stderr}");
    let stderr = failure(&run_sim(&["--sim", "scripts/nope.rhai"]), 1);
    assert!(
        stderr.contains("cannot read script scripts/nope.rhai"),
        "{stderr}"
    );
}

#[test]
fn an_error_thrown_in_an_imported_module_names_its_file() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    script(
        home.path(),
        "lib/cloud.rhai",
        "fn zone_named(name) {\n    let zones = list_all(\"listZones\", #{ name: name });\n    if zones.is_empty() { throw `no zone named ${name}`; }\n    zones[0]\n}\n",
    );
    let main = script(home.path(), "main.rhai", "import \"lib/cloud\" as cloud;\nprint(cloud::zone_named(\"SimZone1\").id);\ncloud::zone_named(\"Atlantis\");\n");
    let output = run(&sim, home.path(), &main, &[]);
    let stderr = failure(&output, 1);
    assert_eq!(texts(&output).0, format!("{ZONE1}\n"));
    let module = home.path().join("lib/cloud.rhai");
    assert!(
        stderr.starts_with(&format!(
            "csctl: error: {}:3:27: no zone named Atlantis\n",
            module.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("in function `zone_named`, called at {main}:3:8")),
        "{stderr}"
    );
}

/// The binary started directly (not through assert_cmd), so that a signal
/// can be sent to it while it runs.
fn spawn_script(sim: &TestSim, home: &std::path::Path, path: &str) -> std::process::Child {
    crate::support::csctl_process(home)
        .args(crate::support::sim_flags(sim))
        .args(["run", path])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the script to print `ready`, sends SIGINT, and checks that it
/// ends with status 130 and `interrupted`; returns its stderr.
fn interrupt_when_ready(mut child: std::process::Child) -> String {
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    // The last line; a wait interrupted lists its pending jobs before it.
    assert!(stderr.ends_with("csctl: error: interrupted\n"), "{stderr}");
    stderr.into_owned()
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_a_sleeping_script_that_catches_everything() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "sleepy.rhai",
        "print(\"ready\");\ntry { sleep(600); } catch { print(\"caught\"); }\nprint(\"after\");\n",
    );
    let stderr = interrupt_when_ready(spawn_script(&sim, home.path(), &path));
    assert_eq!(stderr, "csctl: error: interrupted\n");
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_a_wait_on_slow_jobs() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_secs(600));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "waiting.rhai",
        r#"
        let job = api("deployVirtualMachine", #{
            zoneid: "{ZONE1}",
            serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}",
        });
        print("ready");
        wait_jobs([job]);
        "#,
    );
    // The signal may come before wait_jobs starts; when it comes during the
    // wait, the pending job is listed first (hostile.rs tests that case).
    let stderr = interrupt_when_ready(spawn_script(&sim, home.path(), &path));
    assert!(
        stderr == "csctl: error: interrupted\n"
            || stderr.starts_with("csctl: wait_jobs interrupted; 1 job still pending"),
        "{stderr}"
    );
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_a_busy_loop() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "busy.rhai",
        "print(\"ready\");\nlet n = 0;\nloop { n += 1; }\n",
    );
    let stderr = interrupt_when_ready(spawn_script(&sim, home.path(), &path));
    assert_eq!(stderr, "csctl: error: interrupted\n");
}

#[test]
fn deploy_debian7_reports_the_error_code_of_a_failed_job() {
    let sim = small_zone(0);
    let home = tempfile::tempdir().unwrap();
    let output = run(
        &sim,
        home.path(),
        "scripts/deploy_debian7.rhai",
        &["hostname=full"],
    );
    let stderr = failure(&output, 1);
    assert!(
        texts(&output).0.contains("deploying full: VM "),
        "{}",
        texts(&output).0
    );
    assert!(
        stderr.starts_with("csctl: error: scripts/deploy_debian7.rhai:"),
        "{stderr}"
    );
    assert!(stderr.contains(": deployment of full failed: "), "{stderr}");
    assert!(stderr.contains("(errorcode 533, job "), "{stderr}");
}
