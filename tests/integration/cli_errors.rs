//! Bad input and failures: each gives one readable message on stderr and the
//! documented exit status, never a panic.

use std::net::TcpListener;

use crate::support::sim::TestSim;
use crate::support::{csctl, demo, serve_fixed, Test};

fn against(sim: &TestSim, home: &std::path::Path) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args(["--endpoint", &sim.endpoint, "--api-key", &sim.api_key]);
    command
}

/// The hint of a 401: what usually causes it.
const HINT_401: &str =
    "  hint: the server could not verify the request. Usual causes: a wrong API key or \
     secret key; this machine's clock is off (signed requests carry `expires`, and the server \
     allows no skew: check with `date -u`); API key access disabled for the user or account; or \
     the command is not allowed for the user's role\n";

/// `csctl` pointed at `sim` with its API key and `secret`.
fn with_secret(sim: &TestSim, secret: &str) -> Test {
    Test::new()
        .args(["--endpoint", &sim.endpoint, "--api-key", &sim.api_key])
        .args(["--secret-key", secret])
        .redact(&sim.endpoint, "[ENDPOINT]")
}

#[test]
fn a_wrong_secret_is_a_401_with_its_usual_causes() {
    let sim = TestSim::start();
    // Exact: no secret is echoed, no panic or backtrace.
    with_secret(&sim, "not-the-secret")
        .args(["call", "listZones"])
        .stderr(format!(
            "csctl: error: listZones failed: unable to verify user credentials and/or request \
             signature (HTTP 401, errorcode 401)\n{HINT_401}"
        ))
        .status(1)
        .run();
}

#[test]
fn an_api_error_shows_its_codes() {
    let sim = TestSim::start();
    Test::new()
        .sim(&sim)
        .args(["call", "deployVirtualMachine"])
        .stderr(
            "csctl: error: deployVirtualMachine failed: Unable to execute API command \
             deployvirtualmachine due to missing parameter zoneid (HTTP 431, errorcode 431, \
             cserrorcode 9999)\n",
        )
        .status(1)
        .run();
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
    let deploy = [
        "call".to_string(),
        "deployVirtualMachine".into(),
        format!("zoneid={zone}"),
        format!("serviceofferingid={}", demo::M1_SMALL),
        format!("templateid={}", demo::DEBIAN7),
        "name=twin".into(),
    ];
    Test::new().sim(&sim).args(&deploy).any_stdout().run();
    // The same name again fails in the job, like a real deploy.
    Test::new()
        .sim(&sim)
        .args(&deploy)
        .stderr(format!(
            "csctl: error: job [..] failed: The vm with hostName twin already exists in the network \
             domain: cs1sim.internal; network=Ntwk[{}|Guest|\
             DefaultIsolatedNetworkOfferingWithSourceNatService] (errorcode 431)\n",
            demo::NETWORK
        ))
        .status(1)
        .run();
}

#[test]
fn malformed_parameters_are_usage_errors() {
    let nowhere = "http://127.0.0.1:9/client/api";
    Test::new()
        .endpoint(nowhere)
        .args(["call", "listZones", "novalue"])
        .stderr("csctl: error: malformed parameter `novalue`: expected name=value\n")
        .status(2)
        .run();
    Test::new()
        .endpoint(nowhere)
        .args(["call", "listZones", "zoneid=a", "ZONEID=b"])
        .stderr(
            "csctl: error: parameter `ZONEID` is given more than once (names are compared \
             ignoring case)\n",
        )
        .status(2)
        .run();
    Test::new()
        .endpoint(nowhere)
        .args(["call", "deployVirtualMachine", "userdata=@/no/such/file"])
        .stderr(
            "csctl: error: cannot read `/no/such/file` for parameter `userdata`: No such file or \
             directory (os error 2)\n",
        )
        .status(2)
        .run();
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    Test::new()
        .args(["call", "--frobnicate", "listZones"])
        .stderr(
            "error: unexpected argument '--frobnicate' found

  tip: to pass '--frobnicate' as a value, use '-- --frobnicate'

Usage: csctl call [OPTIONS] <COMMAND> [NAME=VALUE]...

For more information, try '--help'.
",
        )
        .status(2)
        .run();
}

#[test]
fn an_endpoint_that_is_not_a_url_is_a_usage_error() {
    Test::new()
        .args(["--endpoint", "cloud.example.com", "--api-key", "k", "--secret-key", "s"])
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: invalid `endpoint` in --endpoint: `cloud.example.com` is not an http:// \
             or https:// URL (e.g. https://cloud.example.com/client/api)\n",
        )
        .status(2)
        .run();
}

#[test]
fn missing_credentials_name_every_place_looked_at() {
    let home = tempfile::tempdir().unwrap();
    Test::new()
        .home(home.path())
        .current_dir(home.path())
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: no API endpoint configured; looked at: --endpoint, \
             $CLOUDSTACK_ENDPOINT, $CLOUDSTACK_API_URL, [HOME]/.config/csctl/config.toml (not \
             found), [HOME]/.cmk/config (not found), [HOME]/cloudstack.ini (not found), \
             [HOME]/.cloudstack.ini (not found)
  hint: to try csctl without a cloud, add --sim (the embedded simulator), e.g. `csctl call \
             listZones --sim`\n",
        )
        .status(2)
        .run();
}

#[test]
fn connection_refused_says_so() {
    // Bind then drop a listener: the port is free and nothing answers.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Test::new()
        .endpoint(&format!("http://127.0.0.1:{port}/client/api"))
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: listZones: cannot connect to [ENDPOINT]: tcp connect error: [..]
  hint: check the endpoint's host and port, and that the server is running\n",
        )
        .status(1)
        .run();
}

#[test]
fn dns_failure_says_so() {
    // The resolver's own words differ between systems.
    Test::new()
        .endpoint("http://no-such-host.invalid/client/api")
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: listZones: cannot resolve the host of [ENDPOINT]: dns error: [..]
  hint: check the host name in the endpoint\n",
        )
        .status(1)
        .run();
}

/// `csctl call listZones` against a server that always gives `status`,
/// `content_type` and `body`: it must fail with status 1 and exactly
/// `stderr` (`[ENDPOINT]` for the server's endpoint).
fn call_answered_with(status: &str, content_type: &str, body: &str, stderr: &str) {
    let endpoint = serve_fixed(format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    Test::new()
        .endpoint(&endpoint)
        .args(["call", "listZones"])
        .stderr(stderr)
        .status(1)
        .run();
}

#[test]
fn an_html_page_instead_of_json_is_explained() {
    call_answered_with(
        "200 OK",
        "text/html",
        "<html><body>Cloud portal login</body></html>",
        "csctl: error: listZones: the server answered HTTP 200 with text/html instead of JSON: \
         <html><body>Cloud portal login</body></html>
  hint: is [ENDPOINT] the API endpoint (it usually ends in /client/api)?\n",
    );
}

#[test]
fn truncated_json_is_explained() {
    call_answered_with(
        "200 OK",
        "application/json",
        r#"{"listzonesresponse":{"count""#,
        "csctl: error: listZones: the server's answer (HTTP 200) is not valid JSON: EOF while \
         parsing an object at line 1 column 29\n",
    );
}

#[test]
fn an_answer_without_the_response_key_is_explained() {
    call_answered_with(
        "200 OK",
        "application/json",
        r#"{"other":1}"#,
        "csctl: error: listZones: the answer has no `listzonesresponse` key (keys: other)\n",
    );
}

#[test]
fn clock_skew_that_expires_requests_is_explained() {
    // The server's clock runs 15 minutes ahead: the 10-minute `expires`
    // csctl signs is already past when the request arrives. The server
    // answers as to a wrong signature; the hint names the clock.
    let sim =
        TestSim::start_with(|config| config.clock_ahead = std::time::Duration::from_secs(900));
    Test::new()
        .sim(&sim)
        .args(["call", "listZones"])
        .stderr(format!(
            "csctl: error: listZones failed: unable to verify user credentials and/or request \
             signature (HTTP 401, errorcode 401)\n{HINT_401}"
        ))
        .status(1)
        .run();
}
