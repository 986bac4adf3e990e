//! `--query EXPR` (jq syntax through jaq) on `csctl call`, `query=` in the
//! REPL, `jq(value, expr)` in scripts, and `--fields '!name'`.

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, success, Test};

fn deploy_vms(sim: &TestSim, count: usize) {
    for n in 1..=count {
        sim.deploy(&[("name", &format!("web-{n:02}"))]);
    }
}

#[test]
fn call_query_filters_counts_and_prints_each_result_as_jq_does() {
    let sim = TestSim::start();
    deploy_vms(&sim, 3);
    Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "--query",
            ".virtualmachine[] | select(.name != \"web-02\") | .name",
        ])
        .stdout("\"web-01\"\n\"web-03\"\n")
        .run();
    Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "--all",
            "--query",
            "[.virtualmachine[] | select(.state == \"Running\")] | length",
        ])
        .stdout("3\n")
        .run();
    Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "--query",
            ".virtualmachine[] | {name, state}",
            "-o",
            "csv",
        ])
        .stdout("name,state\nweb-01,Running\nweb-02,Running\nweb-03,Running\n")
        .run();
    // After paging: --all with one VM per page still sees all three.
    Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "--all",
            "pagesize=1",
            "-o",
            "jsonl",
            "--query",
            ".virtualmachine[] | {name}",
        ])
        .stdout("{\"name\":\"web-01\"}\n{\"name\":\"web-02\"}\n{\"name\":\"web-03\"}\n")
        .run();
}

#[test]
fn a_bad_query_is_refused_before_anything_is_sent() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args(["-v", "call", "listZones", "--query", ".zone["])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("csctl: error: invalid query `.zone[`: expected"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("listZones"),
        "a request was sent: {stderr}"
    );
    let output = against(&sim, home.path())
        .args(["call", "listZones", "--query", ".count.x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("csctl: error: query `.count.x` failed: "),
        "{stderr}"
    );
}

#[test]
fn fields_with_a_bang_leave_those_fields_out_in_every_format() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 2);
    let json: Value = serde_json::from_str(&success(
        &against(&sim, home.path())
            .args(["call", "listVirtualMachines", "--fields", "!id,!nic"])
            .output()
            .unwrap(),
    ))
    .unwrap();
    let first = json["virtualmachine"][0].as_object().unwrap();
    assert!(
        first.contains_key("name") && first.contains_key("state"),
        "{json}"
    );
    assert!(
        !first.contains_key("id") && !first.contains_key("nic"),
        "{json}"
    );
    for format in ["csv", "jsonl", "table"] {
        let text = success(
            &against(&sim, home.path())
                .env("COLUMNS", "400")
                .args([
                    "call",
                    "listVirtualMachines",
                    "--fields",
                    "!id,!nic",
                    "-o",
                    format,
                ])
                .output()
                .unwrap(),
        );
        assert!(
            text.contains("web-01") && text.contains("name"),
            "{format}: {text}"
        );
        assert!(
            !text.contains("\"id\"") && !text.contains(",id,"),
            "{format}: {text}"
        );
    }
    let output = against(&sim, home.path())
        .args(["call", "listVirtualMachines", "--fields", "name,!id"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_repl_takes_query_and_scripts_have_jq() {
    let sim = TestSim::start();
    deploy_vms(&sim, 2);
    Test::new()
        .sim(&sim)
        .args(["repl"])
        .stdin("listVirtualMachines query='[.virtualmachine[].name]'\n_.count\n")
        .stdout("[\n  \"web-01\",\n  \"web-02\"\n]\n2\n")
        .any_stderr()
        .run();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("q.rhai");
    std::fs::write(
        &script,
        r#"
let vms = api("listVirtualMachines");
print(jq(vms, "[.virtualmachine[] | .name] | join(\",\")"));
print(jq(vms, ".virtualmachine | length"));
print(jq(vms, ".virtualmachine[].name"));
try { jq(vms, ".[") } catch (e) { print(e.error) }
"#,
    )
    .unwrap();
    Test::new()
        .sim(&sim)
        .arg("run")
        .arg(&script)
        .stdout("web-01,web-02\n2\n[\"web-01\", \"web-02\"]\nquery\n")
        .run();
}
