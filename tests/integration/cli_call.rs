//! `csctl call` and `csctl sign`: the real binary against the simulator over HTTP.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, csctl, Test};

use csctl::sim::demo::{DEBIAN7, M1_EXTRALARGE, M1_LARGE, M1_MEDIUM, M1_SMALL};

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(output)))
}

fn first_zone_id(sim: &TestSim, home: &std::path::Path) -> String {
    let output = against(sim, home)
        .args(["call", "listZones"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_of(&output.stdout)["zone"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn call_prints_the_unwrapped_answer_as_json() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args(["call", "listZones"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer = json_of(&output.stdout);
    assert!(answer["count"].as_i64().unwrap() >= 2, "{answer}");
    assert!(answer["zone"][0]["id"].is_string());
}

#[test]
fn call_renders_tables_csv_and_json_lines() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let args = ["call", "listServiceOfferings"];
    // An offering's default columns, ids whole.
    Test::new()
        .sim(&sim)
        .args(args)
        .args(["-o", "table"])
        .stdout(format!(
            "\
┌───────────────┬──────┬──────┬────────┬──────────────────────────────────────┐
│ name          ┆ cpus ┆ mhz  ┆ memory ┆ id                                   │
╞═══════════════╪══════╪══════╪════════╪══════════════════════════════════════╡
│ m1.small      ┆ 1    ┆ 1000 ┆ 1024   ┆ {M1_SMALL} │
│ m1.medium     ┆ 2    ┆ 2000 ┆ 2048   ┆ {M1_MEDIUM} │
│ m1.large      ┆ 4    ┆ 2000 ┆ 8192   ┆ {M1_LARGE} │
│ m1.extralarge ┆ 8    ┆ 2000 ┆ 16384  ┆ {M1_EXTRALARGE} │
└───────────────┴──────┴──────┴────────┴──────────────────────────────────────┘
"
        ))
        .run();
    // Every field, in the answer's order; a header and four offerings.
    let rest = "shared,thin,false,false,false,false,false,false,none,true,false,false,false";
    Test::new()
        .sim(&sim)
        .args(args)
        .args(["-o", "csv"])
        .stdout(format!(
            "\
id,name,displaytext,cpunumber,cpuspeed,memory,created,storagetype,provisioningtype,offerha,\
limitcpuuse,isvolatile,issystem,defaultuse,iscustomized,cacheMode,dynamicscalingenabled,\
diskofferingstrictness,encryptroot,hasannotations
{M1_SMALL},m1.small,\"1 vCPU, 1 GB RAM\",1,1000,1024,[..],{rest}
{M1_MEDIUM},m1.medium,\"2 vCPU, 2 GB RAM\",2,2000,2048,[..],{rest}
{M1_LARGE},m1.large,\"4 vCPU, 8 GB RAM\",4,2000,8192,[..],{rest}
{M1_EXTRALARGE},m1.extralarge,\"8 vCPU, 16 GB RAM\",8,2000,16384,[..],{rest}
"
        ))
        .run();
    let jsonl = against(&sim, home.path())
        .args(args)
        .args(["-o", "jsonl"])
        .output()
        .unwrap();
    for line in String::from_utf8(jsonl.stdout).unwrap().lines() {
        assert!(json_of(line.as_bytes())["id"].is_string(), "{line}");
    }
}

#[test]
fn call_all_fetches_every_page() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let one_page = against(&sim, home.path())
        .args([
            "call",
            "listTemplates",
            "templatefilter=featured",
            "page=1",
            "pagesize=1",
        ])
        .output()
        .unwrap();
    let one_page = json_of(&one_page.stdout);
    let total = one_page["count"].as_u64().unwrap();
    assert!(
        total >= 3,
        "the default cloud has several templates: {one_page}"
    );
    assert_eq!(one_page["template"].as_array().unwrap().len(), 1);
    let all = against(&sim, home.path())
        .args([
            "call",
            "listTemplates",
            "templatefilter=featured",
            "pagesize=1",
            "--all",
        ])
        .output()
        .unwrap();
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let all = json_of(&all.stdout);
    assert_eq!(
        all["template"].as_array().unwrap().len() as u64,
        total,
        "{all}"
    );
}

#[test]
fn call_waits_for_async_jobs_unless_told_not_to() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let zone = first_zone_id(&sim, home.path());
    let deploy = |name: &str| {
        vec![
            "call".to_string(),
            "deployVirtualMachine".into(),
            format!("zoneid={zone}"),
            format!("serviceofferingid={M1_SMALL}"),
            format!("templateid={DEBIAN7}"),
            format!("name={name}"),
        ]
    };
    let waited = against(&sim, home.path())
        .args(deploy("waited"))
        .output()
        .unwrap();
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let vm = json_of(&waited.stdout);
    assert_eq!(vm["virtualmachine"]["name"], "waited", "{vm}");
    assert_eq!(vm["virtualmachine"]["state"], "Running", "{vm}");

    let queued = against(&sim, home.path())
        .args(deploy("queued"))
        .arg("--no-wait")
        .output()
        .unwrap();
    let queued = json_of(&queued.stdout);
    assert!(
        queued["jobid"].is_string() && queued["id"].is_string(),
        "{queued}"
    );
}

#[test]
fn call_works_with_get_requests_too() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    against(&sim, home.path())
        .args(["--method", "get", "call", "listZones", "name=Zone 1~x"])
        .assert()
        .success();
}

#[test]
fn sign_prints_a_query_string_the_server_accepts() {
    // One line: the parameters in the order given, then the ones csctl
    // adds; `~` and spaces percent-encoded as the server's check encodes
    // them; `expires` and the signature vary with the time.
    let output = Test::new()
        .args(["--api-key", "KEY", "--secret-key", "SECRET"])
        .args([
            "sign",
            "deployVirtualMachine",
            "zoneid=z1",
            "name=vm~1",
            "displayname=hello world*",
        ])
        .stdout(
            "command=deployVirtualMachine&zoneid=z1&name=vm%7E1&displayname=hello%20world*\
             &response=json&apiKey=KEY&signatureVersion=3&expires=[..]&signature=[..]\n",
        )
        .run();
    let line = output.stdout;
    let pairs: Vec<(String, String)> = url_decode_pairs(line.trim());
    let signature = pairs
        .iter()
        .find(|(n, _)| n == "signature")
        .unwrap()
        .1
        .clone();
    assert_eq!(
        csctl::client::sign::sign(&pairs, "SECRET", Default::default()),
        signature
    );
    let expires = &pairs.iter().find(|(n, _)| n == "expires").unwrap().1;
    assert!(
        chrono::DateTime::parse_from_str(expires, "%Y-%m-%dT%H:%M:%S%z").is_ok(),
        "{line}"
    );
}

#[test]
fn a_signed_query_string_from_sign_is_accepted_by_the_simulator() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args(["sign", "listZones", "keyword=a~b"])
        .output()
        .unwrap();
    let query = String::from_utf8(output.stdout).unwrap();
    let answer = reqwest::blocking::get(format!("{}?{}", sim.endpoint, query.trim())).unwrap();
    assert_eq!(
        answer.status().as_u16(),
        200,
        "{}",
        answer.text().unwrap_or_default()
    );
}

#[test]
fn sign_works_against_the_in_process_simulator() {
    Test::new()
        .args(["sign", "--sim", "listZones"])
        .stdout(format!(
            "command=listZones&response=json&apiKey={}&signatureVersion=3&expires=[..]\
             &signature=[..]\n",
            csctl::sim::demo::API_KEY
        ))
        .run();
}

#[test]
fn call_works_against_the_in_process_simulator() {
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .args([
            "call",
            "--sim",
            "listTemplates",
            "templatefilter=featured",
            "-o",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Debian 7 - Minimal - 64bits"));
}

#[test]
fn verbose_logs_redact_every_secret() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .args(["-vv", "call", "listZones"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("command=listZones"), "{stderr}");
    assert!(stderr.contains("<redacted>"), "{stderr}");
    assert!(
        !stderr.contains(&sim.secret_key),
        "secret key leaked: {stderr}"
    );
    assert!(!stderr.contains(&sim.api_key), "API key leaked: {stderr}");
    assert!(
        !stderr.contains("signature=") || stderr.contains("signature=<redacted>"),
        "{stderr}"
    );
}

/// Decodes `a=b&c=d` (percent-encoded) into pairs.
fn url_decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .unwrap()
        .into_owned()
}
