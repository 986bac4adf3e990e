//! Issue 23's failure cases and `csctl diff`, by their exact output: a
//! script that does not compile, a snapshot meeting 401, no endpoint, an
//! output path that cannot be written, a script that fails halfway, and
//! diffs with created, changed and deleted objects or none.

use std::path::Path;

use crate::support::exact::Test;
use crate::support::sim::TestSim;
use crate::support::{against, write_script};
use csctl::sim::demo;

/// The 401 hint the client gives (see `ApiError`'s Display).
const HINT_401: &str =
    "  hint: the server could not verify the request. Usual causes: a wrong API key \
or secret key; this machine's clock is off (signed requests carry `expires`, and the server allows \
no skew: check with `date -u`); API key access disabled for the user or account; or the command is \
not allowed for the user's role\n";

#[test]
fn a_script_that_does_not_compile_is_refused_before_the_cloud_is_read() {
    let sim = TestSim::start();
    let dir = tempfile::tempdir().unwrap();
    write_script(&dir.path().join("bad.rhai"), "let x = ;\n");
    Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["run", "--plan", "bad.rhai"])
        .stderr("csctl: error: bad.rhai:1:9: Unexpected ';'\n 1 | let x = ;\n   |         ^\n")
        .status(1)
        .run();
    assert!(sim.commands_received().is_empty(), "the cloud was read");
}

#[test]
fn a_snapshot_answered_401_stops_with_that_error() {
    let sim = TestSim::start();
    let dir = tempfile::tempdir().unwrap();
    write_script(&dir.path().join("ok.rhai"), "print(1);\n");
    let wrong = [
        "--endpoint",
        sim.endpoint.as_str(),
        "--api-key",
        sim.api_key.as_str(),
        "--secret-key",
        "not-the-secret-key",
    ];
    for args in [&["snapshot"][..], &["run", "--plan", "ok.rhai"]] {
        Test::new()
            .current_dir(dir.path())
            .args(wrong)
            .args(args)
            .stderr(format!(
                "csctl: error: [..] failed: unable to verify user credentials and/or request \
                 signature (HTTP 401, errorcode 401)\n{HINT_401}"
            ))
            .status(1)
            .run();
    }
}

#[test]
fn without_an_endpoint_the_plan_hint_names_plan_from() {
    let dir = tempfile::tempdir().unwrap();
    write_script(&dir.path().join("ok.rhai"), "print(1);\n");
    Test::new()
        .current_dir(dir.path())
        .args(["run", "--plan", "ok.rhai"])
        .stderr(
            "csctl: error: --plan rehearses on a copy of the configured cloud, and no API \
             endpoint is configured; looked at: [..]\n  hint: configure one (--endpoint, \
             $CLOUDSTACK_ENDPOINT or a profile), or rehearse on a cloud file with --plan-from \
             FILE (`csctl snapshot -o FILE` writes one)\n",
        )
        .status(2)
        .run();
}

#[test]
fn the_output_path_is_checked_before_the_cloud_is_read() {
    let sim = TestSim::start();
    Test::new()
        .sim(&sim)
        .args(["snapshot", "-o", "/dev/null"])
        .stderr("csctl: error: cannot write /dev/null: not a regular file\n")
        .status(1)
        .run();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such.json");
    Test::new()
        .sim(&sim)
        .arg("snapshot")
        .arg("-o")
        .arg(&missing)
        .redact(&dir.path().display().to_string(), "[DIR]")
        .stderr("csctl: error: cannot write [DIR]/no/such.json: No such file or directory (os error 2)\n")
        .status(1)
        .run();
    assert!(sim.commands_received().is_empty(), "the cloud was read");
}

#[test]
fn only_takes_common_names_and_what_they_need_or_refuses_with_the_list() {
    let sim = TestSim::start();
    sim.deploy(&[("name", "web-1")]);
    let output = Test::new()
        .sim(&sim)
        .args(["snapshot", "--only", "vm"])
        .any_stdout()
        .run();
    let cloud: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(cloud["virtual_machines"][0]["name"], "web-1");
    Test::new()
        .sim(&sim)
        .args(["snapshot", "--only", "vmz"])
        .stderr(
            "csctl: error: unknown resource type `vmz` (known: account, limits, zones, networks, \
             vpcs, templates, isos, serviceofferings, diskofferings, sshkeypairs, securitygroups, \
             affinitygroups, publicips, firewallrules, portforwardingrules, loadbalancerrules, \
             vms, volumes, tags)\n",
        )
        .status(2)
        .run();
}

#[test]
fn run_output_json_without_plan_is_refused() {
    Test::new()
        .args(["run", "-o", "json", "x.rhai"])
        .stderr(
            "error: the following required arguments were not provided:\n  --plan\n\n\
             Usage: csctl run --plan --output <FORMAT> <SCRIPT> [NAME=VALUE]...\n\n\
             For more information, try '--help'.\n",
        )
        .status(2)
        .run();
}

#[test]
fn a_script_failing_halfway_shows_its_refused_and_failed_calls() {
    let sim = TestSim::start();
    let dir = tempfile::tempdir().unwrap();
    write_script(
        &dir.path().join("fails.rhai"),
        r#"let net = api("listNetworks", #{}).network[0];
api("createSSHKeyPair", #{ name: "k1" });
try { api("createTags", #{ resourcetype: "UserVm" }); } catch (e) { print("went on"); }
api_wait("deployVirtualMachine", #{ zoneid: net.zoneid });
"#,
    );
    Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["run", "--plan", "fails.rhai"])
        .stdout(format!(
            "went on
3 state-changing calls on a copy of the cloud (nothing was sent to the cloud)
  1. createSSHKeyPair name=k1
  2. createTags resourcetype=UserVm
     refused: Unable to execute API command createtags due to missing parameter tags (errorcode 431)
  3. deployVirtualMachine zoneid=SimZone1 ({zone})
     failed: Unable to execute API command deployvirtualmachine due to missing parameter serviceofferingid (errorcode 431) (the script stopped here)

sshkeypair: 1 to create
  + k1 ([..])

Not checked on the copy:
  - no hosts or storage pools in the copy: placement and capacity not checked (only the account's limits)
  - ids of new objects are the copy's: the cloud makes its own

Plan: 1 to create, 0 to change, 0 to delete; 1 call refused, 1 failed (the script failed: see its error below).
",
            zone = demo::ZONE1
        ))
        .stderr(
            "csctl: error: fails.rhai:4:1: deployVirtualMachine failed: Unable to execute API \
             command deployvirtualmachine due to missing parameter serviceofferingid (HTTP 431, \
             errorcode 431, cserrorcode 9999)\n 4 | api_wait(\"deployVirtualMachine\", #{ zoneid: \
             net.zoneid });\n   | ^\n",
        )
        .status(1)
        .run();
    assert!(sim.journal().is_empty(), "the cloud received a write");
}

/// A cloud with two VMs (`keep`, `gone`), its snapshot `a.json`, then
/// `gone` expunged, `keep` stopped and tagged.
fn drifted(dir: &Path) -> TestSim {
    let sim = TestSim::start();
    sim.deploy(&[("name", "keep")]);
    sim.deploy(&[("name", "gone")]);
    against(&sim, dir)
        .args(["snapshot", "-o"])
        .arg(dir.join("a.json"))
        .assert()
        .success();
    write_script(
        &dir.join("change.rhai"),
        r#"let keep = api("listVirtualMachines", #{ name: "keep" }).virtualmachine[0];
let gone = api("listVirtualMachines", #{ name: "gone" }).virtualmachine[0];
api_wait("destroyVirtualMachine", #{ id: gone.id, expunge: true });
api_wait("stopVirtualMachine", #{ id: keep.id });
api_wait("createTags", #{ resourcetype: "UserVm", resourceids: keep.id, tags: #{ env: "prod" } });
"#,
    );
    against(&sim, dir)
        .arg("run")
        .arg(dir.join("change.rhai"))
        .assert()
        .success();
    sim
}

#[test]
fn diff_shows_what_was_created_changed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let sim = drifted(dir.path());
    Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["diff", "a.json", "live"])
        .stdout(
            "tag: 1 created
  + env=prod on UserVm keep
virtualmachine: 1 changed, 1 deleted
  ~ keep ([..])
      state: Running → Stopped
  - gone ([..])
volume: 1 deleted
  - ROOT-[..] ([..])

1 created, 1 changed, 2 deleted.
",
        )
        .status(1)
        .run();
    // The same for tools.
    let output = Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["diff", "a.json", "live", "-o", "json"])
        .any_stdout()
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(
        json["summary"],
        serde_json::json!({"create": 1, "change": 1, "delete": 2})
    );
    assert_eq!(json["changes"][1]["fields"][0]["before"], "Running");
    // The other way round, and in a narrow terminal.
    against(&sim, dir.path())
        .args(["snapshot", "-o"])
        .arg(dir.path().join("b.json"))
        .assert()
        .success();
    Test::new()
        .current_dir(dir.path())
        .env("COLUMNS", "30")
        .args(["diff", "b.json", "a.json"])
        .stdout(
            "tag: 1 deleted
  - env=prod on UserVm keep
virtualmachine: 1 created, 1
    changed
  + gone
      ([..])
  ~ keep
      ([..])
      state: Stopped → Running
volume: 1 created
  + ROOT-[..]
      ([..])

2 created, 1 changed, 1
    deleted.
",
        )
        .status(1)
        .run();
}

#[test]
fn diff_of_equal_clouds_says_so_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let sim = drifted(dir.path());
    against(&sim, dir.path())
        .args(["snapshot", "-o"])
        .arg(dir.path().join("b.json"))
        .assert()
        .success();
    Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["diff", "b.json", "live"])
        .stdout("No differences.\n")
        .run();
    Test::new()
        .current_dir(dir.path())
        .args(["diff", "b.json", "missing.json"])
        .stderr(
            "csctl: error: bad cloud file missing.json: No such file or directory (os error 2)\n",
        )
        .status(1)
        .run();
}

#[test]
fn a_snapshot_meeting_a_network_error_stops_with_it() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Test::new()
        .endpoint(&format!("http://127.0.0.1:{port}/client/api"))
        .arg("snapshot")
        .stderr(
            "csctl: error: [..]: cannot connect to [ENDPOINT]: [..]\n  hint: check the \
             endpoint's host and port, and that the server is running\n",
        )
        .status(1)
        .run();
}

#[test]
fn a_call_touching_several_objects_shows_on_each() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[("name", "keep")]);
    let vm_id = vm["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    write_script(
        &dir.path().join("nic.rhai"),
        r#"let keep = api("listVirtualMachines", #{ name: "keep" }).virtualmachine[0];
let offering = api("listNetworkOfferings", #{}).networkoffering[0].id;
let net = api_wait("createNetwork", #{ name: "second", displaytext: "second",
    zoneid: keep.zoneid, networkofferingid: offering }).network;
api_wait("addNicToVirtualMachine", #{ virtualmachineid: keep.id, networkid: net.id });
api("createUser", #{ username: "ops1", account: "admin", email: "a@b.c", firstname: "a",
    lastname: "b", password: "pw-not-shown" });
"#,
    );
    let output = Test::new()
        .current_dir(dir.path())
        .sim(&sim)
        .args(["run", "--plan", "nic.rhai"])
        .any_stdout()
        .run();
    let stdout = output.stdout;
    for line in [
        format!("  2. addNicToVirtualMachine networkid=[..] virtualmachineid=keep ({vm_id})\n"),
        "network: 1 to create\n  + second (".to_string(),
        "user: 1 to create\n  + ops1 (".to_string(),
        format!("virtualmachine: 1 to change\n  ~ keep ({vm_id})\n"),
        "Plan: 2 to create, 1 to change, 0 to delete; 0 calls refused, 0 failed.\n".to_string(),
    ] {
        let (head, tail) = line.split_once("[..]").unwrap_or((&line, ""));
        assert!(
            stdout.contains(head) && stdout.contains(tail),
            "{line}\n{stdout}"
        );
    }
    assert!(!stdout.contains("pw-not-shown"), "{stdout}");
}
