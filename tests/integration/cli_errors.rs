//! Bad input and failures: each gives one readable message on stderr and the
//! documented exit status, never a panic.

use std::net::TcpListener;

use predicates::prelude::*;

use crate::support::sim::TestSim;
use crate::support::{csctl, demo, serve_fixed};

fn against(sim: &TestSim, home: &std::path::Path) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args(["--endpoint", &sim.endpoint, "--api-key", &sim.api_key]);
    command
}

/// `csctl` pointed at `endpoint` with throwaway credentials.
fn with_endpoint(home: &std::path::Path, endpoint: &str) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args([
        "--endpoint",
        endpoint,
        "--api-key",
        "k",
        "--secret-key",
        "s",
    ]);
    command
}

/// stderr must be a readable message: no panic, no backtrace.
fn readable() -> impl Predicate<str> {
    predicate::str::contains("csctl: error:")
        .and(predicate::str::contains("panicked").not())
        .and(predicate::str::contains("RUST_BACKTRACE").not())
}

#[test]
fn a_wrong_secret_is_a_401_with_its_usual_causes() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    against(&sim, home.path())
        .args(["--secret-key", "not-the-secret", "call", "listZones"])
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains(
            "unable to verify user credentials and/or request signature",
        ))
        .stderr(predicate::str::contains("HTTP 401"))
        .stderr(predicate::str::contains("clock"))
        .stderr(predicate::str::contains("not-the-secret").not());
}

#[test]
fn an_api_error_shows_its_codes() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    against(&sim, home.path())
        .args([
            "--secret-key",
            &sim.secret_key,
            "call",
            "deployVirtualMachine",
        ])
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains(
            "Unable to execute API command deployvirtualmachine due to missing parameter zoneid",
        ))
        .stderr(predicate::str::contains("errorcode 431"));
}

#[test]
fn a_failed_job_is_an_error_with_its_code() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let secret = sim.secret_key.clone();
    let zone = {
        let output = against(&sim, home.path())
            .args(["--secret-key", &secret, "call", "listZones"])
            .output()
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        answer["zone"][0]["id"].as_str().unwrap().to_string()
    };
    let deploy = |name: &str| {
        let mut command = against(&sim, home.path());
        command.args([
            "--secret-key",
            &secret,
            "call",
            "deployVirtualMachine",
            &format!("zoneid={zone}"),
            &format!("serviceofferingid={}", demo::M1_SMALL),
            &format!("templateid={}", demo::DEBIAN7),
            &format!("name={name}"),
        ]);
        command
    };
    deploy("twin").assert().success();
    // The same name again fails in the job, like a real deploy.
    deploy("twin")
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains("job "))
        .stderr(predicate::str::contains("failed"));
}

#[test]
fn malformed_parameters_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    with_endpoint(home.path(), "http://127.0.0.1:9/client/api")
        .args(["call", "listZones", "novalue"])
        .assert()
        .code(2)
        .stderr(readable())
        .stderr(predicate::str::contains(
            "malformed parameter `novalue`: expected name=value",
        ));
    with_endpoint(home.path(), "http://127.0.0.1:9/client/api")
        .args(["call", "listZones", "zoneid=a", "ZONEID=b"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("given more than once"));
    with_endpoint(home.path(), "http://127.0.0.1:9/client/api")
        .args(["call", "deployVirtualMachine", "userdata=@/no/such/file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read `/no/such/file`"));
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .args(["call", "--frobnicate", "listZones"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--frobnicate"));
}

#[test]
fn an_endpoint_that_is_not_a_url_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    with_endpoint(home.path(), "cloud.example.com")
        .args(["call", "listZones"])
        .assert()
        .code(2)
        .stderr(readable())
        .stderr(predicate::str::contains(
            "is not an http:// or https:// URL",
        ));
}

#[test]
fn missing_credentials_name_every_place_looked_at() {
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .args(["call", "listZones"])
        .assert()
        .code(2)
        .stderr(readable())
        .stderr(predicate::str::contains("CLOUDSTACK_ENDPOINT"))
        .stderr(predicate::str::contains("config.toml"));
}

#[test]
fn connection_refused_says_so() {
    // Bind then drop a listener: the port is free and nothing answers.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    with_endpoint(home.path(), &format!("http://127.0.0.1:{port}/client/api"))
        .args(["call", "listZones"])
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains("cannot connect to"));
}

#[test]
fn dns_failure_says_so() {
    let home = tempfile::tempdir().unwrap();
    with_endpoint(home.path(), "http://no-such-host.invalid/client/api")
        .args(["call", "listZones"])
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains("no-such-host.invalid"));
}

/// `csctl call listZones` against a server that always gives `status`,
/// `content_type` and `body`.
fn call_answered_with(status: &str, content_type: &str, body: &str) -> assert_cmd::assert::Assert {
    let endpoint = serve_fixed(format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .args([
            "--endpoint",
            &endpoint,
            "--api-key",
            "k",
            "--secret-key",
            "s",
        ])
        .args(["call", "listZones"])
        .assert()
        .code(1)
        .stderr(readable())
}

#[test]
fn an_html_page_instead_of_json_is_explained() {
    call_answered_with(
        "200 OK",
        "text/html",
        "<html><body>Cloud portal login</body></html>",
    )
    .stderr(predicate::str::contains(
        "HTTP 200 with text/html instead of JSON",
    ))
    .stderr(predicate::str::contains("Cloud portal login"));
}

#[test]
fn truncated_json_is_explained() {
    call_answered_with(
        "200 OK",
        "application/json",
        r#"{"listzonesresponse":{"count""#,
    )
    .stderr(predicate::str::contains("is not valid JSON"));
}

#[test]
fn an_answer_without_the_response_key_is_explained() {
    call_answered_with("200 OK", "application/json", r#"{"other":1}"#).stderr(
        predicate::str::contains("no `listzonesresponse` key (keys: other)"),
    );
}

#[test]
fn clock_skew_that_expires_requests_is_explained() {
    // The server's clock runs 15 minutes ahead: the 10-minute `expires`
    // csctl signs is already past when the request arrives.
    let sim =
        TestSim::start_with(|config| config.clock_ahead = std::time::Duration::from_secs(900));
    let home = tempfile::tempdir().unwrap();
    against(&sim, home.path())
        .args(["--secret-key", &sim.secret_key, "call", "listZones"])
        .assert()
        .code(1)
        .stderr(readable())
        .stderr(predicate::str::contains("HTTP 401"))
        .stderr(predicate::str::contains("clock is off"));
}
