//! The API catalogue in use: command names in any case, typos answered with
//! suggestions, unknown parameters warned about, and `csctl apis`. The real
//! binary against the simulator over HTTP.

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, csctl, write_config, Test};

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(output)))
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_mistyped_command_gets_the_closest_names_not_a_credentials_hint() {
    let sim = TestSim::start();
    Test::new()
        .sim(&sim)
        .args(["call", "listZone"])
        .stderr(
            "csctl: error: listZone is not a known CloudStack command; did you mean listZones?
  (the server answered HTTP 401, errorcode 401: unable to verify user credentials and/or \
             request signature)\n",
        )
        .status(1)
        .run();
    // A correct command refused for its credentials keeps that explanation.
    let output = Test::new()
        .args(["--endpoint", &sim.endpoint, "--api-key", &sim.api_key])
        .args(["--secret-key", "wrong", "call", "listZones"])
        .any_stderr()
        .status(1)
        .run();
    assert!(output.stderr.contains("clock"), "{}", output.stderr);
    assert!(!output.stderr.contains("not a known"), "{}", output.stderr);
}

#[test]
fn command_names_are_resolved_in_any_case() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    for name in ["listzones", "LISTZONES", "listZones"] {
        let output = against(&sim, home.path())
            .args(["call", name])
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", stderr_of(&output));
        assert!(json_of(&output.stdout)["zone"].is_array(), "{name}");
    }
    // `sign` signs the exact name.
    against(&sim, home.path())
        .args(["sign", "listzones"])
        .assert()
        .success()
        .stdout(predicate::str::contains("command=listZones"));
}

#[test]
fn an_unknown_parameter_is_warned_about_once_and_still_sent() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = Test::new()
        .sim(&sim)
        .args(["call", "listZones", "nmae=SimZone1", "name=SimZone2"])
        .stderr("csctl: warning: nmae is not a parameter of listZones; did you mean name?\n")
        .any_stdout()
        .run();
    assert_eq!(
        json_of(output.stdout.as_bytes())["zone"][0]["name"],
        "SimZone2"
    );
    // Known parameters, map entries and names in another case: no warning.
    let output = against(&sim, home.path())
        .args(["call", "listzones", "NAME=SimZone1", "tags[0].key=a"])
        .args(["tags[0].value=b"])
        .output()
        .unwrap();
    assert!(
        !stderr_of(&output).contains("warning"),
        "{}",
        stderr_of(&output)
    );
}

fn write_script(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("script.rhai");
    crate::support::write_script(&path, text);
    path
}

#[test]
fn scripts_resolve_names_warn_once_and_catch_typos_with_suggestions() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let script = write_script(
        home.path(),
        r#"
let zones = api("listzones", #{});
print(`zones: ${zones.count}`);
for i in 0..3 { api("listZones", #{ nmae: "SimZone1" }); }
try {
    api("listZone", #{});
} catch (e) {
    print(`suggested: ${e.suggestions}`);
    print(`code: ${e.errorcode}`);
}
let job = api_wait("deployvirtualmachine", #{
    zoneid: zones.zone[0].id,
    serviceofferingid: "{M1_SMALL}",
    templateid: "{DEBIAN7}",
});
print(`deployed: ${job.virtualmachine.state}`);
"#,
    );
    let output = against(&sim, home.path())
        .args(["run", script.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("zones: 2"), "{stdout}");
    assert!(stdout.contains("suggested: [\"listZones\"]"), "{stdout}");
    assert!(stdout.contains("code: 401"), "{stdout}");
    assert!(stdout.contains("deployed: Running"), "{stdout}");
    assert_eq!(
        stderr
            .matches("nmae is not a parameter of listZones")
            .count(),
        1,
        "{stderr}"
    );
}

#[test]
fn apis_lists_commands_matching_a_pattern() {
    let home = tempfile::tempdir().unwrap();
    Test::new()
        .args(["apis", "list*sshkey*"])
        .stdout("listSSHKeyPairs\n")
        .run();
    // A word matches anywhere in the name; each line names the required
    // parameters.
    Test::new()
        .args(["apis", "sshkeypair"])
        .stdout(
            "createSSHKeyPair           name
deleteSSHKeyPair           name
listSSHKeyPairs
registerSSHKeyPair         name publickey
",
        )
        .run();
    let output = csctl(home.path())
        .args(["apis", "virtualmachine"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let deploy = text
        .lines()
        .find(|line| line.starts_with("deployVirtualMachine "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(deploy.contains("async"), "{deploy}");
    assert!(
        deploy.contains("serviceofferingid") && deploy.contains("zoneid"),
        "{deploy}"
    );
    // Every command without a pattern.
    let output = csctl(home.path()).args(["apis"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).lines().count() >= 917);
    // For tools.
    let output = csctl(home.path())
        .args(["apis", "sshkeypair", "-o", "json"])
        .output()
        .unwrap();
    let list = json_of(&output.stdout);
    let create = list
        .as_array()
        .unwrap()
        .iter()
        .find(|api| api["name"] == "createSSHKeyPair")
        .unwrap();
    assert_eq!(create["async"], false);
    assert_eq!(create["required"], serde_json::json!(["name"]));
}

#[test]
fn apis_describes_one_command() {
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .args(["apis", "DEPLOYVIRTUALMACHINE"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("deployVirtualMachine (async"), "{text}");
    let zoneid = text
        .lines()
        .find(|line| line.starts_with("  * zoneid "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        zoneid.contains("uuid") && zoneid.contains("ids from listZones"),
        "{zoneid}"
    );
    assert!(
        text.contains("Answer: an object under \"virtualmachine\" in the job result"),
        "{text}"
    );
    let output = csctl(home.path())
        .args(["apis", "listZones", "-o", "json"])
        .output()
        .unwrap();
    let api = json_of(&output.stdout);
    assert_eq!(api["name"], "listZones");
    assert_eq!(api["async"], false);
    assert_eq!(api["response"]["key"], "zone");
    assert_eq!(api["response"]["list"], true);
    assert!(api["response"]["fields"]["name"] == "string", "{api}");
    let id = api["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|param| param["name"] == "id")
        .unwrap();
    assert_eq!(id["type"], "uuid");
    assert_eq!(id["list_command"], "listZones");
}

#[test]
fn apis_suggests_names_for_a_typo() {
    Test::new()
        .args(["apis", "listZonez"])
        .stderr(
            "csctl: error: no CloudStack command matches `listZonez`; did you mean listZones?\n",
        )
        .status(2)
        .run();
}

#[test]
fn apis_describes_a_command_in_full() {
    Test::new()
        .args(["apis", "deletesshkeypair"])
        .stdout(
            "deleteSSHKeyPair

Parameters (* required):
  * name       string
    account    string
    domainid   uuid    ids from listDomains
    projectid  uuid    ids from listProjects

Answer: fields directly in the answer
  fields: displaytext, jobid, jobstatus, success
",
        )
        .run();
}

#[test]
fn apis_uses_the_cached_list_apis_of_the_profile() {
    let home = tempfile::tempdir().unwrap();
    let endpoint = "https://cloud.example.com/client/api";
    write_config(
        home.path(),
        &format!(
            "[profiles.lab]\nendpoint = \"{endpoint}\"\napi_key = \"k\"\nsecret_command = \"false\"\n"
        ),
    );
    let cache = home.path().join(".cache/csctl");
    std::fs::create_dir_all(&cache).unwrap();
    let doc = serde_json::json!({
        "format": 1,
        "endpoint": endpoint,
        "profile": "lab",
        "fetched_at": 1_700_000_000u64,
        "apis": [
            {"name": "frobnicateWidget", "isasync": true, "description": "A plugin's command",
             "params": [{"name": "widgetid", "type": "uuid", "required": true}]}
        ]
    });
    std::fs::write(cache.join("apis-0123456789abcdef.json"), doc.to_string()).unwrap();
    // `secret_command = "false"` would fail: reading the cache never runs it.
    let output = csctl(home.path())
        .args(["-p", "lab", "apis", "frobnicatewidget"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("frobnicateWidget (async"), "{text}");
    assert!(text.contains("A plugin's command"), "{text}");
    assert!(text.contains("* widgetid"), "{text}");
    // Without the profile's cache, the built-in catalogue does not know it.
    let other = tempfile::tempdir().unwrap();
    csctl(other.path())
        .args(["apis", "frobnicateWidget"])
        .assert()
        .code(2);
}
