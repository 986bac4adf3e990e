//! Faults: retries, rate limits, jobs under failing polls, secrets in traced
//! runs. The binary talks HTTP to the simulator with faults switched on.

use std::path::Path;

use predicates::prelude::*;

use crate::support::sim::TestSim;
use crate::support::{against, csctl};

use csctl::sim::demo::{DEBIAN7, M1_SMALL, ZONE1};

fn write_script(home: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = home.join(name);
    crate::support::write_script(&path, text);
    path
}

#[test]
fn read_only_calls_are_retried_through_proxy_errors() {
    let sim = TestSim::start_with(|config| {
        config.fail_rate = 0.5;
        config.seed = Some(3);
    });
    let home = tempfile::tempdir().unwrap();
    for _ in 0..5 {
        against(&sim, home.path())
            .args(["call", "listZones"])
            .assert()
            .success();
    }
    assert!(
        sim.stats().failed_injected > 0,
        "the fault must have been hit"
    );
}

#[test]
fn a_write_whose_effect_is_unknown_is_not_sent_twice() {
    let sim = TestSim::start_with(|config| config.fail_rate = 1.0);
    let home = tempfile::tempdir().unwrap();
    against(&sim, home.path())
        .args([
            "call",
            "deployVirtualMachine",
            &format!("zoneid={ZONE1}"),
            &format!("serviceofferingid={M1_SMALL}"),
            &format!("templateid={DEBIAN7}"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "deployVirtualMachine may or may not have been applied",
        ))
        .stderr(predicate::str::contains("check with"))
        .stderr(predicate::str::contains("HTTP 503"));
    assert_eq!(
        sim.stats().requests,
        1,
        "a state-changing call is never retried blindly"
    );
}

#[test]
fn throttled_calls_wait_and_slow_down_until_they_finish() {
    let sim = TestSim::start_with(|config| config.rate_limit = Some(150));
    let home = tempfile::tempdir().unwrap();
    let script = write_script(
        home.path(),
        "burst.rhai",
        "for i in 0..250 { api(\"listZones\"); }\nprint(\"done\");\n",
    );
    against(&sim, home.path())
        .args(["run"])
        .arg(&script)
        .assert()
        .success()
        .stdout("done\n");
    assert!(
        sim.stats().throttled > 0,
        "the burst must have met the limit"
    );
}

#[test]
fn a_rate_cap_in_the_profile_keeps_under_the_server_limit() {
    let sim = TestSim::start_with(|config| config.rate_limit = Some(100));
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join(".config/csctl");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"lab\"\n[profiles.lab]\nendpoint = \"{}\"\napi_key = \"{}\"\nmax_requests_per_second = 60\n",
            sim.endpoint, sim.api_key
        ),
    )
    .unwrap();
    let script = write_script(
        home.path(),
        "paced.rhai",
        "for i in 0..80 { api(\"listZones\"); }\n",
    );
    csctl(home.path())
        .env("CLOUDSTACK_SECRET", &sim.secret_key)
        .arg("run")
        .arg(&script)
        .assert()
        .success();
    assert_eq!(
        sim.stats().throttled,
        0,
        "paced calls never meet the server's limit"
    );
}

#[test]
fn wait_jobs_rides_out_failing_polls() {
    // Deploy on a healthy simulator, then wait while a fifth of requests fail.
    let sim = TestSim::start_with(|config| {
        config.fail_rate = 0.2;
        config.seed = Some(7);
        config.job_delay = std::time::Duration::from_millis(50);
    });
    let home = tempfile::tempdir().unwrap();
    let script = write_script(
        home.path(),
        "faulty.rhai",
        &format!(
            r#"
// Deploys whose answer was lost are found again by name, never sent twice.
fn deploy(name) {{
    loop {{
        try {{
            return api("deployVirtualMachine", #{{ zoneid: "{ZONE1}", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}", name: name }});
        }} catch (e) {{
            if !e.message.contains("may or may not have been applied") {{ throw e; }}
            let found = list_all("listVirtualMachines", #{{ name: name }});
            if found.len() > 0 {{ return found[0].id; }}
        }}
    }}
}}
let jobs = [];
let found = [];
for i in 1..=12 {{
    let deployed = deploy(`vm-${{i}}`);
    if type_of(deployed) == "map" {{ jobs.push(deployed); }} else {{ found.push(deployed); }}
}}
let results = wait_jobs(jobs);
print(`waited ${{results.len()}} jobs, found ${{found.len()}} by name`);
let vms = list_all("listVirtualMachines", #{{}});
print(`vms: ${{vms.len()}}`);
"#
        ),
    );
    let output = against(&sim, home.path())
        .arg("run")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("vms: 12"), "{stdout}");
    let stats = sim.stats();
    assert_eq!(
        stats.vms_created, 12,
        "exactly the intended VMs, none twice"
    );
    assert!(stats.failed_injected > 0);
}

#[test]
fn a_job_the_server_does_not_know_is_reported_not_dropped() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let script = write_script(
        home.path(),
        "unknown.rhai",
        r#"
let vm = api("deployVirtualMachine", #{ zoneid: "{ZONE1}", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}" });
try {
    wait_jobs([vm, "00000000-0000-0000-0000-000000000000"]);
} catch (e) {
    print(`failed: ${e.failed.len()} ${e.failed[0].status} ${e.failed[0].jobid}`);
    print(`results: ${e.results.len()} first ok: ${e.results[0] != ()}`);
}
"#,
    );
    against(&sim, home.path())
        .arg("run")
        .arg(&script)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "failed: 1 unknown 00000000-0000-0000-0000-000000000000",
        ))
        .stdout(predicate::str::contains("results: 2 first ok: true"));
}

#[test]
fn every_cloudstack_error_code_gives_one_readable_message() {
    for code in [
        401, 405, 429, 430, 431, 432, 530, 531, 532, 533, 534, 535, 536, 537,
    ] {
        let body = format!(
            r#"{{"listzonesresponse":{{"uuidList":[],"errorcode":{code},"cserrorcode":9999,"errortext":"text for {code}, please retry after [1] ms."}}}}"#
        );
        let response = format!(
            "HTTP/1.1 {code} Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let endpoint = crate::support::serve_fixed(response);
        let home = tempfile::tempdir().unwrap();
        let mut command = csctl(home.path());
        command.args([
            "--endpoint",
            &endpoint,
            "--api-key",
            "k",
            "--secret-key",
            "s",
        ]);
        // A 429 is retried after the delay in its text (1 ms here), then reported.
        let output = command.args(["call", "listZones"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{code}: {stderr}");
        assert!(
            stderr.starts_with("csctl: error: listZones failed: text for"),
            "{code}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("errorcode {code}")),
            "{code}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{code}: {stderr}");
    }
}

#[test]
fn a_traced_run_never_shows_a_secret() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    crate::support::write_config(
        home.path(),
        &format!(
            "{}[profiles.login]\nendpoint = \"{}\"\nusername = \"{}\"\npassword = \"{}\"\n",
            sim.profile("keys"),
            sim.endpoint,
            csctl::sim::demo::USERNAME,
            csctl::sim::demo::PASSWORD
        ),
    );
    let script = write_script(
        home.path(),
        "traced.rhai",
        r#"
print(api("listZones").count);
print(signed_url("listZones", #{}).len() > 0);
let vm = api_wait("deployVirtualMachine", #{ zoneid: "{ZONE1}", serviceofferingid: "{M1_SMALL}", templateid: "{DEBIAN7}" });
try { api("deployVirtualMachine", #{}); } catch (e) { print(e.errorcode); }
api("listNoSuchThing");
"#,
    );
    let mut transcript = String::new();
    for profile in ["keys", "login"] {
        for extra in [&["-vv", "run"][..], &["-vv", "call", "listZones"][..]] {
            let mut command = csctl(home.path());
            command.args(["-p", profile]).args(extra);
            if extra.contains(&"run") {
                command.arg(&script);
            }
            let output = command.output().unwrap();
            transcript.push_str(&String::from_utf8_lossy(&output.stdout));
            transcript.push_str(&String::from_utf8_lossy(&output.stderr));
        }
    }
    assert!(transcript.contains("command=login"), "the login was traced");
    assert!(transcript.contains("<redacted>"));
    // The demo password is the word "password", which the trace names: the
    // `password=` checks below cover it.
    for secret in [sim.secret_key.as_str(), sim.api_key.as_str()] {
        assert!(
            !transcript.contains(secret),
            "`{secret}` leaked:\n{transcript}"
        );
    }
    for line in transcript.lines() {
        for name in ["signature=", "sessionkey=", "apiKey=", "password="] {
            if let Some(at) = line.find(name) {
                assert!(
                    line[at + name.len()..].starts_with("<redacted>"),
                    "`{name}` shown in: {line}"
                );
            }
        }
        for name in ["\"sessionkey\":", "\"password\":"] {
            if let Some(at) = line.find(name) {
                assert!(
                    line[at + name.len()..].starts_with("\"<redacted>\""),
                    "{line}"
                );
            }
        }
    }
}
