//! Scripts that can be run again: `ensure`, `ensure_all`, `ensure_rules`,
//! the bundled deploy_cluster.rhai run twice, under faults and after a
//! SIGTERM, and the job journal (`csctl jobs`, `csctl jobs wait`).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::script_helpers::*;
use crate::support::sim::TestSim;

fn state_dir(home: &Path) -> std::path::PathBuf {
    home.join(".local/state/csctl")
}

#[test]
fn each_chosen_kind_is_created_then_unchanged_then_changed() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "kinds.rhai",
        r#"
        fn show(label, r) { print(`${label}: ${r.action} ${r.changed} ${r.cannot_change}`); r }
        let vm_id = #{ name: "app-1", zoneid: "{ZONE1}" };
        let vm_spec = #{ serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}", networkids: "{NETWORK}" };
        let vm = show("vm", ensure("vm", vm_id, vm_spec)).object;
        show("vm", ensure("vm", #{ name: "APP-1", zoneid: "{ZONE1}" }, vm_spec));
        show("vm", ensure("vm", vm_id, #{ displayname: "App one", serviceofferingid: "{M1_MEDIUM}" }));

        show("keypair", ensure("keypair", #{ name: "ops" }));
        show("keypair", ensure("keypair", #{ name: "ops" }));

        let disk = list_all("listDiskOfferings")[0].id;
        let vol = show("volume", ensure("volume", #{ name: "data", zoneid: "{ZONE1}" }, #{ diskofferingid: disk })).object;
        show("volume", ensure("volume", #{ name: "data", zoneid: "{ZONE1}" }, #{ diskofferingid: disk }));
        let moved = show("volume", ensure("volume", #{ name: "data", zoneid: "{ZONE1}" }, #{ virtualmachineid: vm.id }));
        print(`attached to the vm: ${moved.object.virtualmachineid == vm.id}`);
        show("volume", ensure("volume", #{ name: "data", zoneid: "{ZONE1}" }, #{ virtualmachineid: vm.id }));

        show("network", ensure("network", #{ name: "default-isolated", zoneid: "{ZONE1}" }));
        show("network", ensure("network", #{ name: "default-isolated", zoneid: "{ZONE1}" }, #{ displaytext: "renamed" }));

        let ip = show("ip", ensure("ip", #{ networkid: "{NETWORK}" })).object;
        show("ip", ensure("ip", #{ networkid: "{NETWORK}" }));
        print(`not the source NAT address: ${ip.id != "{SOURCE_NAT_IP}"}`);

        show("affinity", ensure("affinitygroup", #{ name: "spread" }, #{ type: "host anti-affinity" }));
        show("affinity", ensure("affinitygroup", #{ name: "spread" }, #{ type: "host anti-affinity" }));
        show("affinity", ensure("affinitygroup", #{ name: "spread" }, #{ type: "host affinity" }));

        let tag = #{ resourceid: vm.id, resourcetype: "UserVm", key: "env" };
        show("tag", ensure("tag", tag, #{ value: "prod" }));
        show("tag", ensure("tag", tag, #{ value: "prod" }));
        show("tag", ensure("tag", tag, #{ value: "test" }));
        print(list_all("listTags", #{ resourceid: vm.id }).map(|t| `${t.key}=${t.value}`));

        let ssh = #{ protocol: "tcp", startport: 22 };
        show("firewall", ensure("firewallrule", #{ ipaddressid: ip.id }, ssh));
        show("firewall", ensure("firewallrule", #{ ipaddressid: ip.id }, #{ protocol: "TCP", startport: "22", endport: 22, cidrlist: "0.0.0.0/0" }));
        show("egress", ensure("egressfirewallrule", #{ networkid: "{NETWORK}" }, #{ protocol: "tcp", startport: 443, cidrlist: "10.1.1.0/24" }));
        show("egress", ensure("egressfirewallrule", #{ networkid: "{NETWORK}" }, #{ protocol: "tcp", startport: 443, cidrlist: "10.1.1.0/24" }));
        let pf = #{ protocol: "tcp", publicport: 2222, privateport: 22, virtualmachineid: vm.id };
        show("portforwarding", ensure("portforwardingrule", #{ ipaddressid: ip.id }, pf));
        show("portforwarding", ensure("portforwardingrule", #{ ipaddressid: ip.id }, pf));
        let lb = #{ name: "web", publicport: 80, privateport: 8080, algorithm: "roundrobin" };
        show("lb", ensure("loadbalancerrule", #{ publicipid: ip.id }, lb));
        show("lb", ensure("loadbalancerrule", #{ publicipid: ip.id }, lb));
        lb.algorithm = "leastconn";
        show("lb", ensure("loadbalancerrule", #{ publicipid: ip.id }, lb));
        let sg = #{ securitygroupname: "default" };
        show("ingress", ensure("securitygroupingress", sg, #{ protocol: "tcp", startport: 22, cidrlist: "192.0.2.0/24" }));
        show("ingress", ensure("securitygroupingress", sg, #{ protocol: "tcp", startport: 22, cidrlist: "192.0.2.0/24" }));
        "#,
    );
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    assert_eq!(
        stdout,
        r#"vm: created [] []
vm: unchanged [] []
vm: changed ["displayname"] ["serviceofferingid"]
keypair: created [] []
keypair: unchanged [] []
volume: created [] []
volume: unchanged [] []
volume: changed ["virtualmachineid"] []
attached to the vm: true
volume: unchanged [] []
network: unchanged [] []
network: changed ["displaytext"] []
ip: created [] []
ip: unchanged [] []
not the source NAT address: true
affinity: created [] []
affinity: unchanged [] []
affinity: unchanged [] ["type"]
tag: created [] []
tag: unchanged [] []
tag: changed ["value"] []
["env=test"]
firewall: created [] []
firewall: unchanged [] []
egress: created [] []
egress: unchanged [] []
portforwarding: created [] []
portforwarding: unchanged [] []
lb: created [] []
lb: unchanged [] []
lb: changed ["algorithm", "name"] []
ingress: created [] []
ingress: unchanged [] []
"#
    );
}

#[test]
fn rule_sets_compare_as_sets_and_only_exclusive_removes_extras() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "rules.rhai",
        r#"
        let ip = ensure("ip", #{ networkid: "{NETWORK}" }).object;
        let scope = #{ ipaddressid: ip.id };
        let rules = [
            #{ protocol: "tcp", startport: 22, cidrlist: "10.0.0.0/8,192.0.2.0/24" },
            #{ protocol: "tcp", startport: 80, endport: 80 },
            #{ protocol: "icmp", icmptype: -1, icmpcode: -1 },
        ];
        let r = ensure_rules("firewallrule", scope, rules);
        print(`${r.action} created ${r.created.len()}`);
        // Another order, other spellings of the same rules.
        let again = [
            #{ protocol: "ICMP", icmptype: "-1", icmpcode: "-1" },
            #{ protocol: "tcp", startport: "80" },
            #{ protocol: "tcp", startport: 22, endport: 22, cidrlist: ["192.0.2.0/24", "10.0.0.0/8"] },
        ];
        let r = ensure_rules("firewallrule", scope, again);
        print(`${r.action} unchanged ${r.unchanged.len()} created ${r.created.len()}`);
        // Fewer rules: the extra one stays unless exclusive.
        let r = ensure_rules("firewallrule", scope, [again[1], again[2]]);
        print(`${r.action} extra ${r.extra.len()} removed ${r.removed.len()}`);
        let r = ensure_rules("firewallrule", scope, [again[1], again[2]], #{ exclusive: true });
        print(`${r.action} removed ${r.removed.len()} ${r.removed[0].protocol}`);
        print(`left ${list_all("listFirewallRules", scope).len()}`);
        let r = ensure_rules("firewallrule", scope, [again[2], again[1]], #{ exclusive: true });
        print(`${r.action}`);
        "#,
    );
    let before = sim.journal().len();
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    assert_eq!(
        stdout,
        "changed created 3\nunchanged unchanged 3 created 0\nunchanged extra 1 removed 0\n\
         changed removed 1 icmp\nleft 2\nunchanged\n"
    );
    let writes: Vec<String> = sim.journal()[before..]
        .iter()
        .map(|entry| entry.command.clone())
        .collect();
    assert_eq!(
        writes,
        [
            "associateIpAddress",
            "createFirewallRule",
            "createFirewallRule",
            "createFirewallRule",
            "deleteFirewallRule"
        ]
    );
}

#[test]
fn deploy_cluster_run_again_sends_no_write_and_its_plan_is_empty() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=5", "prefix=idem"],
    ));
    assert!(
        stdout.contains("5 of 5 VMs deployed (5 created now"),
        "{stdout}"
    );
    let writes = sim.journal().len();
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=5", "prefix=idem"],
    ));
    assert!(
        stdout.contains("5 of 5 VMs deployed (0 created now, 5 already there)"),
        "{stdout}"
    );
    assert_eq!(sim.journal().len(), writes, "the second run sent a write");

    let script = project_dir().join("scripts/deploy_cluster.rhai");
    let stdout = success(
        &against(&sim, home.path())
            .args([
                "run",
                "--plan",
                script.to_str().unwrap(),
                "count=5",
                "prefix=idem",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        stdout.contains("Plan: 0 to create, 0 to change, 0 to delete; 0 calls refused, 0 failed."),
        "{stdout}"
    );
    assert_eq!(sim.journal().len(), writes);
}

#[test]
fn under_injected_faults_repeated_runs_end_with_exactly_count_vms() {
    let sim = TestSim::start_with(|config| {
        config.job_delay = Duration::from_millis(10);
        config.fail_rate = 0.2;
        config.seed = Some(24);
    });
    let home = tempfile::tempdir().unwrap();
    let mut succeeded = false;
    for _ in 0..15 {
        let output = run(
            &sim,
            home.path(),
            "scripts/deploy_cluster.rhai",
            &["count=8", "prefix=flaky"],
        );
        if output.status.success() {
            succeeded = true;
            break;
        }
    }
    assert!(succeeded, "no run succeeded in 15 tries at 20% faults");
    // Count with the faults still on: the binary retries read-only calls.
    let vms = loop {
        let output = against(&sim, home.path())
            .args(["call", "listVirtualMachines", "--all", "listall=true"])
            .output()
            .unwrap();
        if output.status.success() {
            let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            break answer["virtualmachine"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
    };
    let mut names: Vec<String> = vms
        .iter()
        .filter(|vm| vm["name"].as_str().unwrap_or("").starts_with("flaky-"))
        .map(|vm| vm["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let expected: Vec<String> = (1..=8).map(|i| format!("flaky-{i:02}")).collect();
    assert_eq!(names, expected, "exactly count VMs, no duplicate");
}

#[test]
fn a_run_stopped_by_sigterm_while_waiting_is_resumed_by_jobs_wait_last_run() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(1500));
    let home = tempfile::tempdir().unwrap();
    let mut command = crate::support::csctl_process(home.path());
    command
        .current_dir(project_dir())
        .args(crate::support::sim_flags(&sim))
        .args([
            "run",
            "scripts/deploy_cluster.rhai",
            "count=3",
            "prefix=term",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    // Wait until the three jobs are in the journal: the script is waiting.
    let journal = state_dir(home.path()).join("jobs.jsonl");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.matches("\"submitted\"").count() == 3 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no jobs journaled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sigterm(child.id());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("3 jobs still pending"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(!std::fs::read_to_string(&journal)
        .unwrap()
        .contains(&sim.secret_key));

    let listed = against(&sim, home.path())
        .args(["jobs", "-o", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_str(&success(&listed)).unwrap();
    assert_eq!(listed["count"], 3);
    assert!(listed["job"][0]["command"] == "deployVirtualMachine");

    let waited = against(&sim, home.path())
        .args(["jobs", "wait", "--last-run", "-o", "json"])
        .output()
        .unwrap();
    let waited: serde_json::Value = serde_json::from_str(&success(&waited)).unwrap();
    let jobs = waited["job"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    let mut names: Vec<&str> = jobs
        .iter()
        .map(|job| {
            assert_eq!(job["status"], "succeeded", "{job}");
            job["result"]["virtualmachine"]["name"].as_str().unwrap()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["term-01", "term-02", "term-03"]);

    // The journal now knows how they ended; a run of the script picks up
    // what its previous run left (none pending) and deploys nothing new.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text.matches("\"ended\"").count(), 3);
    let stdout = success(&run(
        &sim,
        home.path(),
        "scripts/deploy_cluster.rhai",
        &["count=3", "prefix=term"],
    ));
    assert!(
        stdout.contains("(0 created now, 3 already there)"),
        "{stdout}"
    );
}

fn sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn previous_jobs_gives_a_script_the_jobs_of_its_last_run() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "again.rhai",
        r#"
        let before = previous_jobs();
        print(`previous: ${before.len()} ${before.map(|j| j.command)}`);
        if !before.is_empty() {
            print(`results: ${wait_jobs(before).len()}`);
        }
        api("createAffinityGroup", #{ name: `g${before.len()}`, type: "host anti-affinity" });
        "#,
    );
    let first = success(&run(&sim, home.path(), &path, &[]));
    assert_eq!(first, "previous: 0 []\n");
    let second = success(&run(&sim, home.path(), &path, &[]));
    assert_eq!(
        second,
        "previous: 1 [\"createAffinityGroup\"]\nresults: 1\n"
    );
}

#[test]
fn any_catalogue_kind_works_through_the_generic_path() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "generic.rhai",
        r#"
        print(ensure("instancegroup", #{ name: "batch" }).action);
        print(ensure("InstanceGroup", #{ name: "batch" }).action);
        try { ensure("zebra", #{ name: "z" }); } catch (e) { print(e.message); }
        try { ensure("vm", #{ hostname: "z" }); } catch (e) { print(e.message); }
        "#,
    );
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    assert_eq!(
        stdout,
        "created\nunchanged\n\
         ensure: unknown kind `zebra`: it needs a list and a create command in the catalogue \
         (kinds with chosen identities: virtualmachine, sshkeypair, volume, network, publicipaddress, affinitygroup)\n\
         ensure: `hostname` does not identify a virtualmachine: its identity is made of name, zoneid\n"
    );
}

#[test]
fn csctl_call_journals_its_job_with_secrets_redacted_and_jobs_lists_it() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_millis(20));
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args([
            "call",
            "deployVirtualMachine",
            &format!("zoneid={ZONE1}"),
            &format!("serviceofferingid={M1_SMALL}"),
            &format!("templateid={DEBIAN7}"),
            "name=called",
            "userdata=c2VjcmV0LXVzZXJkYXRh",
            "--no-wait",
        ])
        .output()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&success(&output)).unwrap();
    let jobid = answer["jobid"].as_str().unwrap().to_string();
    let journal = std::fs::read_to_string(state_dir(home.path()).join("jobs.jsonl")).unwrap();
    assert!(journal.contains(&jobid), "{journal}");
    assert!(journal.contains("\"userdata\":\"<redacted>\""), "{journal}");
    assert!(!journal.contains("c2VjcmV0LXVzZXJkYXRh"), "{journal}");
    assert!(!journal.contains(&sim.api_key), "{journal}");

    let waited = against(&sim, home.path())
        .args(["jobs", "wait", &jobid, "-o", "csv"])
        .output()
        .unwrap();
    let stdout = success(&waited);
    assert!(
        stdout.starts_with("jobid,command,status,result\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{jobid},deployVirtualMachine,succeeded,")),
        "{stdout}"
    );
}

#[test]
fn ensure_all_waits_as_long_as_its_timeout_says() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::from_secs(120));
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "slow.rhai",
        r#"
        let r = ensure_all("vm", [#{ name: "slow-1", zoneid: "{ZONE1}" }],
            #{ serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}" }, #{ timeout: 0.3, interval: 0.05 });
        print(`${r[0].action}: ${r[0].error}`);
        "#,
    );
    let started = Instant::now();
    let stdout = success(&run(&sim, home.path(), &path, &[]));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(stdout.starts_with("failed: "), "{stdout}");
    assert!(stdout.contains("did not finish within 300ms"), "{stdout}");
}
