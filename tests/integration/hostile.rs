//! csctl against a hostile or broken server (issue 11): redirects, endless
//! answers, absurd waits, echoed secrets, escape sequences, jobs that never
//! end. Each test asserts the clear message, the exit status, and that
//! nothing secret went where it should not.

use std::path::Path;

use serde_json::json;

use crate::support::hostile::{api_answer, Hostile, Reply};
use crate::support::{csctl, failure, write_config, write_private};

const API_KEY: &str = "hostile-api-key-AAAA";
const SECRET_KEY: &str = "hostile-secret-key-BBBB";
const PASSWORD: &str = "hostile-password-CCCC";

/// csctl with API-key flags pointed at `endpoint`.
fn keyed(home: &Path, endpoint: &str) -> assert_cmd::Command {
    assert_cmd::Command::from_std(keyed_process(home, endpoint))
}

/// [`keyed`] as a plain process (for signals and measured runs).
fn keyed_process(home: &Path, endpoint: &str) -> std::process::Command {
    let mut command = crate::support::csctl_process(home);
    command.args([
        "--endpoint",
        endpoint,
        "--api-key",
        API_KEY,
        "--secret-key",
        SECRET_KEY,
    ]);
    command
}

/// A profile `login` (username and password) for `endpoint`, written in
/// `home`'s csctl config.
fn write_login_profile(home: &Path, endpoint: &str) {
    write_config(
        home,
        &format!(
            "[profiles.login]\nendpoint = \"{endpoint}\"\nusername = \"admin\"\npassword = \"{PASSWORD}\"\n"
        ),
    );
}

/// A server that answers everything with a valid empty zone list (and a
/// session to a login): what a credential thief would run.
fn thief() -> Hostile {
    Hostile::start(|seen| match seen.command().as_str() {
        "login" => api_answer(
            "login",
            json!({"sessionkey": "stolen", "username": "admin"}),
        ),
        command => api_answer(command, json!({"count": 0, "zone": []})),
    })
}

/// Asserts that no request `server` received holds a credential.
fn assert_no_credential(server: &Hostile) {
    for seen in server.seen() {
        let text = seen.text();
        for secret in [API_KEY, SECRET_KEY, PASSWORD, "signature=", "password="] {
            assert!(
                !text.contains(secret),
                "`{secret}` reached the other origin:\n{text}"
            );
        }
    }
}

#[test]
fn signed_requests_are_never_redirected_to_another_origin() {
    let home = tempfile::tempdir().unwrap();
    let thief = thief();
    for status in [301, 302, 303, 307, 308] {
        // Another port on the same host, and the same port under another
        // host name: both are other origins.
        let other_port = format!("http://127.0.0.1:{}/client/api", thief.addr.port());
        let endpoint_server = Hostile::start(move |_| Reply::Redirect(status, other_port.clone()));
        let other_host = format!(
            "http://localhost:{}/x?signature=echo",
            endpoint_server.addr.port()
        );
        let renamed = Hostile::start(move |_| Reply::Redirect(status, other_host.clone()));
        for (server, to) in [
            (
                &endpoint_server,
                format!("http://127.0.0.1:{}/client/api", thief.addr.port()),
            ),
            (
                &renamed,
                format!("http://localhost:{}/x", endpoint_server.addr.port()),
            ),
        ] {
            let output = keyed(home.path(), &server.endpoint)
                .args(["call", "listZones"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{status}: {stderr}");
            assert!(
                stderr.contains(&format!("redirected the request to {to}, another origin")),
                "{status}: {stderr}"
            );
            assert!(!stderr.contains("signature=echo"), "{stderr}");
            assert_eq!(server.seen().len(), 1, "a refused redirect is not retried");
        }
        // The renamed server pointed at the first endpoint server under
        // another name: it saw only its own request.
        assert_eq!(endpoint_server.seen().len(), 1);
    }
    assert!(thief.seen().is_empty(), "{:?}", thief.seen());
}

#[test]
fn a_password_login_is_never_redirected_to_another_origin() {
    let home = tempfile::tempdir().unwrap();
    let thief = thief();
    let to = format!("http://127.0.0.1:{}/client/api", thief.addr.port());
    let shown = to.clone();
    let server = Hostile::start(move |_| Reply::Redirect(307, to.clone()));
    write_login_profile(home.path(), &server.endpoint);
    let output = csctl(home.path())
        .args(["-p", "login", "call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(
        stderr.contains(&format!(
            "login: {} redirected the request to {shown}",
            server.endpoint
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    assert!(thief.seen().is_empty(), "{:?}", thief.seen());
    assert_no_credential(&thief);
}

#[test]
fn a_redirect_within_the_same_origin_is_followed() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|seen| {
        if seen.target.starts_with("/client/api") {
            Reply::Redirect(307, "/moved/api".into())
        } else {
            api_answer(
                &seen.command(),
                json!({"count": 1, "zone": [{"name": "z1"}]}),
            )
        }
    });
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("z1"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    // A 307 keeps the method and the body: the signed request reached the
    // same server twice, and nothing else.
    assert_eq!(seen[1].target, "/moved/api");
    assert_eq!(seen[1].param("apiKey").as_deref(), Some(API_KEY));
}

#[test]
fn endless_same_origin_redirects_stop() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| Reply::Redirect(302, "/client/api".into()));
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones", "--output", "json"])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(
        stderr.contains("redirected the request too many times"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 6, "not retried");
}

// ---------------------------------------------------------------------------
// Bounded resources

#[cfg(unix)]
fn measured(home: &Path, endpoint: &str, args: &[&str]) -> crate::support::hostile::Measured {
    let mut command = keyed_process(home, endpoint);
    command.args(args);
    crate::support::hostile::run_measured(command)
}

/// Peak RSS allowed to a csctl process fed absurd input, in KiB.
const RSS_BOUND_KIB: u64 = 300 * 1024;

#[cfg(unix)]
#[test]
fn an_endless_answer_stops_at_the_size_cap_in_bounded_memory() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| Reply::Endless {
        prefix: r#"{"listzonesresponse":{"count":1,"zone":["#.into(),
        chunk: r#"{"name":"zone","id":"x"},"#.into(),
        pause: std::time::Duration::ZERO,
    });
    let run = measured(home.path(), &server.endpoint, &["call", "listZones"]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is larger than 64 MiB (max_response_size); not read further"),
        "{}",
        run.stderr
    );
    assert_eq!(server.seen().len(), 1, "not retried");
    assert!(
        run.peak_rss_kib < RSS_BOUND_KIB,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );

    // A smaller cap from the environment.
    let mut command = keyed_process(home.path(), &server.endpoint);
    command
        .args(["call", "listZones"])
        .env("CLOUDSTACK_MAX_RESPONSE_SIZE", "1MiB");
    let run = crate::support::hostile::run_measured(command);
    assert!(run.stderr.contains("larger than 1 MiB"), "{}", run.stderr);
    assert!(
        run.peak_rss_kib < 100 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

#[test]
fn an_answer_announcing_a_terabyte_is_refused_before_it_is_read() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| Reply::Huge {
        length: 1 << 40,
        fill: b' ',
    });
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(stderr.contains("is larger than 64 MiB"), "{stderr}");
}

#[test]
fn a_trickling_answer_times_out_on_the_whole_exchange() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| Reply::Endless {
        prefix: r#"{"createtagsresponse":{"#.into(),
        chunk: " ".into(),
        pause: std::time::Duration::from_millis(20),
    });
    let output = keyed(home.path(), &server.endpoint)
        .args([
            "--timeout",
            "300ms",
            "call",
            "createTags",
            "resourcetype=UserVm",
        ])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(
        stderr.contains("no complete answer within 300ms")
            && stderr.contains("may or may not have been applied"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 1, "a write is not sent twice");
}

#[test]
fn a_throttle_asking_for_years_is_not_obeyed() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|seen| {
        crate::support::hostile::api_error(
            &seen.command(),
            429,
            "The given user has reached his/her account api limit, please retry after [99999999999] ms.",
        )
    });
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(
        stderr.contains("asks to wait 3years")
            && stderr.contains("longer than the 1m csctl waits at most; not retried"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn upload_parameters_are_never_sent_twice() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| {
        Reply::Raw(
            b"HTTP/1.1 503 Unavailable\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>"
                .to_vec(),
        )
    });
    let output = keyed(home.path(), &server.endpoint)
        .args([
            "call",
            "getUploadParamsForVolume",
            "name=v",
            "format=QCOW2",
            "zoneid=z",
        ])
        .output()
        .unwrap();
    let stderr = failure(&output, 1);
    assert!(
        stderr.contains("may or may not have been applied"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 1, "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_parameter_file_without_end_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let server = thief();
    let run = measured(
        home.path(),
        &server.endpoint,
        &["call", "createTags", "userdata=@/dev/zero"],
    );
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "cannot read `/dev/zero` for parameter `userdata`: the file is larger than 16 MiB"
        ),
        "{}",
        run.stderr
    );
    assert!(server.seen().is_empty());
    assert!(
        run.peak_rss_kib < RSS_BOUND_KIB,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

// ---------------------------------------------------------------------------
// Secrets

#[test]
fn a_server_echoing_secrets_gets_them_scrubbed_from_every_line() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|seen| {
        let command = seen.command();
        if command == "createSSHKeyPair" {
            return api_answer(
                &command,
                json!({"keypair": {"name": "k", "fingerprint": "f", "privatekey": "-----BEGIN PRIVATE KEY-----SECRETPEM"}}),
            );
        }
        let echo = format!(
            "bad request: secret {SECRET_KEY}, signature {}, signature={} apiKey={}",
            seen.param("signature").unwrap_or_default(),
            seen.param("signature").unwrap_or_default(),
            seen.param("apiKey").unwrap_or_default(),
        );
        crate::support::hostile::api_error(&command, 431, &echo)
    });
    let mut transcript = String::new();
    for args in [
        &["-vv", "call", "listZones"][..],
        &["call", "listZones"][..],
        &["-vv", "call", "createSSHKeyPair", "name=k"][..],
        &[
            "-v",
            "call",
            "updateVpnCustomerGateway",
            "ipsecpsk=PSK-VALUE-1",
            "details[0].key=password",
            "details[0].value=DETAIL-SECRET",
            "presharedkey=PSK-VALUE-2",
        ][..],
    ] {
        let output = keyed(home.path(), &server.endpoint)
            .args(args)
            .output()
            .unwrap();
        transcript.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    assert!(
        transcript.contains("csctl: error: listZones failed: bad request"),
        "{transcript}"
    );
    let mut secrets = vec![
        SECRET_KEY.to_string(),
        API_KEY.to_string(),
        "SECRETPEM".into(),
        "PSK-VALUE-1".into(),
        "PSK-VALUE-2".into(),
        "DETAIL-SECRET".into(),
    ];
    secrets.extend(
        server
            .seen()
            .iter()
            .filter_map(|seen| seen.param("signature")),
    );
    for secret in &secrets {
        assert!(
            !transcript.contains(secret.as_str()),
            "`{secret}` leaked:\n{transcript}"
        );
    }
}

#[cfg(unix)]
#[test]
fn escape_sequences_from_the_server_are_shown_not_obeyed_on_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|seen| {
        crate::support::hostile::api_error(
            &seen.command(),
            431,
            "\u{1b}]0;owned\u{7}\u{1b}[2J\rfake",
        )
    });
    let mut command = keyed_process(home.path(), &server.endpoint);
    command.args(["call", "listZones"]);
    let options = rexpect::session::Options::new().timeout_ms(Some(15_000));
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();
    let text = session.exp_eof().unwrap();
    assert!(
        text.contains("\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{d}fake"),
        "{text:?}"
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

/// A job id that would write the clipboard (OSC 52), clear the screen and
/// reverse the line (U+202E) if a terminal obeyed it.
const HOSTILE_JOBID: &str = "\u{1b}]52;c;b3duZWQ=\u{7}\u{1b}[2J\u{202e}job";

#[cfg(unix)]
#[test]
fn the_job_wait_spinner_shows_a_hostile_job_id_without_obeying_it() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let home = tempfile::tempdir().unwrap();
    let polls = AtomicUsize::new(0);
    let server = Hostile::start(move |seen| {
        let command = seen.command();
        match command.as_str() {
            "deployVirtualMachine" => {
                api_answer(&command, json!({"id": "vm-1", "jobid": HOSTILE_JOBID}))
            }
            // Pending twice (the spinner is drawn), then done.
            "queryAsyncJobResult" | "listAsyncJobs" if polls.fetch_add(1, Ordering::SeqCst) < 2 => {
                api_answer(
                    &command,
                    json!({"jobid": HOSTILE_JOBID, "jobstatus": 0, "jobprocstatus": 0}),
                )
            }
            _ => api_answer(
                "queryAsyncJobResult",
                json!({"jobid": HOSTILE_JOBID, "jobstatus": 1,
                       "jobresult": {"virtualmachine": {"id": "vm-1"}}}),
            ),
        }
    });
    let mut command = keyed_process(home.path(), &server.endpoint);
    command.args([
        "call",
        "deployVirtualMachine",
        "zoneid=z",
        "serviceofferingid=s",
        "templateid=t",
    ]);
    let options = rexpect::session::Options::new().timeout_ms(Some(15_000));
    let mut session = rexpect::session::spawn_with_options(command, options).unwrap();
    let text = session.exp_eof().unwrap();
    assert!(
        text.contains("waiting for job \\u{1b}]52;c;b3duZWQ=\\u{7}\\u{1b}[2J\\u{202e}job"),
        "{text:?}"
    );
    assert!(!text.contains("\u{1b}]52"), "{text:?}");
    assert!(!text.contains("\u{1b}[2J"), "{text:?}");
    assert!(!text.contains('\u{202e}'), "{text:?}");
    assert!(text.contains("vm-1"), "{text:?}");
}

// ---------------------------------------------------------------------------
// Interrupts

#[cfg(unix)]
fn signal(child: &std::process::Child, terminate: bool) {
    let status = std::process::Command::new("kill")
        .arg(if terminate { "-TERM" } else { "-INT" })
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (up to 15 s) until `server` has seen a request for which `what` holds.
fn wait_for(server: &Hostile, what: impl Fn(&crate::support::hostile::Seen) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !server.seen().iter().any(&what) {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never came"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A cloud whose jobs never end.
fn never_ending_jobs() -> Hostile {
    Hostile::start(|seen| {
        let command = seen.command();
        match command.as_str() {
            "deployVirtualMachine" => {
                let name = seen.param("name").unwrap_or_default();
                api_answer(
                    &command,
                    json!({"id": format!("vm-{name}"), "jobid": format!("job-{name}")}),
                )
            }
            "queryAsyncJobResult" => api_answer(
                &command,
                json!({"jobid": seen.param("jobid"), "jobstatus": 0, "jobprocstatus": 0}),
            ),
            "listAsyncJobs" => api_answer(&command, json!({"count": 0, "asyncjobs": []})),
            _ => Reply::Hang,
        }
    })
}

#[cfg(unix)]
#[test]
fn an_interrupted_call_names_the_job_that_goes_on() {
    for (terminate, code) in [(false, 130), (true, 143)] {
        let home = tempfile::tempdir().unwrap();
        let server = never_ending_jobs();
        let mut command = keyed_process(home.path(), &server.endpoint);
        command
            .args(["call", "deployVirtualMachine", "name=a"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = command.spawn().unwrap();
        wait_for(&server, |seen| seen.command() != "deployVirtualMachine");
        signal(&child, terminate);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert!(
            stderr.contains("job job-a (deployVirtualMachine) goes on in the cloud")
                && stderr.contains("`csctl call queryAsyncJobResult jobid=job-a`"),
            "{stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_write_interrupted_in_flight_may_have_been_applied() {
    let home = tempfile::tempdir().unwrap();
    let server = never_ending_jobs();
    let mut command = keyed_process(home.path(), &server.endpoint);
    command
        .args(["call", "createTags", "resourcetype=UserVm"])
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    wait_for(&server, |seen| seen.command() == "createTags");
    signal(&child, false);
    let output = child.wait_with_output().unwrap();
    let stderr = failure(&output, 130);
    assert!(
        stderr.contains("createTags was sent and may have been applied"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_script_interrupted_in_wait_jobs_lists_the_pending_jobs() {
    let home = tempfile::tempdir().unwrap();
    let server = never_ending_jobs();
    let script = home.path().join("wait.rhai");
    std::fs::write(
        &script,
        r#"
let a = api("deployVirtualMachine", #{ name: "one" });
let b = api("deployVirtualMachine", #{ name: "two" });
wait_jobs([a, b]);
"#,
    )
    .unwrap();
    let mut command = keyed_process(home.path(), &server.endpoint);
    command
        .arg("run")
        .arg(&script)
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    wait_for(&server, |seen| seen.command() != "deployVirtualMachine");
    signal(&child, true);
    let output = child.wait_with_output().unwrap();
    let stderr = failure(&output, 143);
    assert!(
        stderr.contains("wait_jobs interrupted; 2 jobs still pending, which go on in the cloud: job-one job-two"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------
// Absurd values

fn run_script(home: &Path, text: &str) -> std::process::Output {
    let server = thief();
    let script = home.join("absurd.rhai");
    std::fs::write(&script, text).unwrap();
    keyed(home, &server.endpoint)
        .arg("run")
        .arg(&script)
        .output()
        .unwrap()
}

#[test]
fn absurd_script_values_are_ordinary_script_errors() {
    let home = tempfile::tempdir().unwrap();
    let deep = "let a = []; for i in 0..2000 { a = [a]; } ";
    let deep_map = "let a = #{}; for i in 0..2000 { a = #{ x: a }; } ";
    for (text, expected) in [
        (
            format!("{deep} print(a);"),
            "nested more than 128 levels deep",
        ),
        (
            format!("{deep_map} debug(a);"),
            "nested more than 128 levels deep",
        ),
        (format!("{deep} to_json(a);"), "value[0][0]"),
        (
            format!("{deep_map} api(\"listZones\", #{{ x: a }});"),
            "args.x.x.x",
        ),
        (
            "[1].pad(100000000000, 0);".to_string(),
            "pad: 100000000000 is more than the 16777216 a value may hold",
        ),
        (
            "blob(100000000000);".to_string(),
            "blob: 100000000000 is more than the 67108864 a value may hold",
        ),
        (
            "\"x\".pad(100000000000, \"ab\");".to_string(),
            "pad: 100000000000 is more than the 67108864 a value may hold",
        ),
    ] {
        let output = run_script(home.path(), &text);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{text}: {stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("overflow"),
            "{stderr}"
        );
    }
    // Memory stays bounded while the string doubles up to its limit.
    #[cfg(unix)]
    {
        let server = thief();
        let script = home.path().join("double.rhai");
        std::fs::write(&script, "let s = \"ab\"; loop { s += s; }").unwrap();
        let mut command = keyed_process(home.path(), &server.endpoint);
        command
            .arg("run")
            .arg(&script)
            .env("CSCTL_SCRIPT_MEMORY", "128MiB");
        let run = crate::support::hostile::run_measured(command);
        assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("the script uses more than 128 MiB of memory (set CSCTL_SCRIPT_MEMORY"),
            "{}",
            run.stderr
        );
        assert!(
            run.peak_rss_kib < RSS_BOUND_KIB,
            "peak RSS {} KiB",
            run.peak_rss_kib
        );
    }
    // Arrays that keep growing meet the budget too.
    #[cfg(unix)]
    {
        let server = thief();
        let script = home.path().join("grow.rhai");
        std::fs::write(&script, "let a = [1]; loop { a.push(a); }").unwrap();
        let mut command = keyed_process(home.path(), &server.endpoint);
        command
            .arg("run")
            .arg(&script)
            .env("CSCTL_SCRIPT_MEMORY", "64MiB");
        let run = crate::support::hostile::run_measured(command);
        assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
        assert!(
            run.stderr.contains("more than 64 MiB of memory"),
            "{}",
            run.stderr
        );
        assert!(
            run.peak_rss_kib < RSS_BOUND_KIB,
            "peak RSS {} KiB",
            run.peak_rss_kib
        );
    }
    // Shallow values print as Rhai prints them.
    let output = run_script(
        home.path(),
        r#"print([1, "x", 2.5, (), #{a: [true]}]); print(`${[1, 2]}`);"#,
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "[1, \"x\", 2.5, (), #{\"a\": [true]}]\n[1, 2]\n"
    );
}

// ---------------------------------------------------------------------------
// Durations, flags

#[test]
fn durations_have_one_grammar_and_a_range() {
    let home = tempfile::tempdir().unwrap();
    let server = thief();
    for (flag, value) in [
        ("--timeout", "1e300"),
        ("--timeout", "1000000years"),
        ("--timeout", "0"),
    ] {
        let output = keyed(home.path(), &server.endpoint)
            .args([flag, value, "call", "listZones"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    for value in ["90s", "90", "1.5", "2m"] {
        keyed(home.path(), &server.endpoint)
            .args(["--timeout", value, "call", "listZones"])
            .assert()
            .success();
    }
    csctl(home.path())
        .args(["call", "listZones", "--sim", "--sim-job-delay", "2"])
        .assert()
        .success();

    write_config(
        home.path(),
        &format!(
        "[profiles.default]\nendpoint = \"{}\"\napi_key = \"k\"\nsecret_command = \"echo s\"\nexpires = \"1000000years\"\n",
        server.endpoint
    ),
    );
    let output = csctl(home.path())
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 2);
    assert!(
        stderr.contains("`1000000years` is too long (at most 365 days)"),
        "{stderr}"
    );
}

#[test]
fn keys_beginning_with_a_hyphen_are_accepted() {
    let home = tempfile::tempdir().unwrap();
    let server = thief();
    csctl(home.path())
        .args([
            "--endpoint",
            &server.endpoint,
            "--api-key",
            "-key",
            "--secret-key",
            "--secret",
        ])
        .args(["call", "listZones"])
        .assert()
        .success();
    assert_eq!(server.seen()[0].param("apiKey").as_deref(), Some("-key"));
}

// ---------------------------------------------------------------------------
// Configuration

#[test]
fn a_cloudstack_ini_in_the_working_directory_cannot_redirect_a_region() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let good = thief();
    let evil = thief();
    write_private(
        &home.path().join(".cloudstack.ini"),
        &format!(
            "[cloudstack]\nendpoint = {}\nkey = {API_KEY}\nsecret = {SECRET_KEY}\n",
            good.endpoint
        ),
    );
    let local = work.path().join("cloudstack.ini");
    std::fs::write(
        &local,
        format!(
            "[cloudstack]\nendpoint = {}\nexpiration = -1\n",
            evil.endpoint
        ),
    )
    .unwrap();
    let output = csctl(home.path())
        .current_dir(work.path())
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 2);
    assert!(
        stderr.contains("sets the endpoint of cs region `cloudstack`")
            && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(evil.seen().is_empty() && good.seen().is_empty());

    // Naming the file trusts it.
    csctl(home.path())
        .current_dir(work.path())
        .env("CLOUDSTACK_CONFIG", &local)
        .args(["call", "listZones"])
        .assert()
        .success();
    assert_eq!(evil.seen().len(), 1);

    // Weakening only: a warning.
    std::fs::write(&local, "[cloudstack]\nexpiration = -1\n").unwrap();
    let output = csctl(home.path())
        .current_dir(work.path())
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("sets `expiration` of cs region `cloudstack`"),
        "{stderr}"
    );
}

#[test]
fn a_secret_command_that_never_ends_is_stopped() {
    let home = tempfile::tempdir().unwrap();
    let server = thief();
    write_config(
        home.path(),
        &format!(
        "[profiles.default]\nendpoint = \"{}\"\napi_key = \"k\"\nsecret_command = \"sleep 30\"\nsecret_command_timeout = \"200ms\"\n",
        server.endpoint
    ),
    );
    let output = csctl(home.path())
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = failure(&output, 2);
    assert!(
        stderr.contains("`secret_command` did not finish within 200ms and was stopped"),
        "{stderr}"
    );
    assert!(server.seen().is_empty());
}

#[test]
fn a_password_over_plain_http_or_unverified_tls_is_warned_about() {
    let home = tempfile::tempdir().unwrap();
    // 192.0.2.1 (TEST-NET-1) never answers: the warning comes first.
    for (endpoint, expected) in [
        ("http://192.0.2.1:9/client/api", "over plain http"),
        (
            "https://192.0.2.1:9/client/api",
            "without verifying its TLS certificate",
        ),
    ] {
        write_login_profile(home.path(), endpoint);
        let output = csctl(home.path())
            .args([
                "-p",
                "login",
                "--insecure",
                "--timeout",
                "200ms",
                "call",
                "createTags",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "csctl: warning: the password of `admin` is sent to 192.0.2.1 {expected}"
            )),
            "{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------
// The REPL and the simulator

#[cfg(unix)]
#[test]
fn the_repl_keeps_no_secret_line_and_private_files_and_survives_absurd_values() {
    use crate::repl_pty::{Repl, PLAIN_PROMPT};
    use std::os::unix::fs::PermissionsExt as _;

    let sim = crate::support::sim::TestSim::start();
    let args = [
        "repl",
        "--endpoint",
        sim.endpoint.as_str(),
        "--api-key",
        sim.api_key.as_str(),
        "--secret-key",
        sim.secret_key.as_str(),
    ];
    let mut repl = Repl::start(&args, PLAIN_PROMPT);
    repl.prompt();
    repl.run("login username=admin password=HISTORY-SECRET-1");
    repl.run("let keys = #{ secretkey: \"HISTORY-SECRET-2\" };");
    repl.run("listZones");
    let output = repl.run("let a = []; for i in 0..300 { a = [a]; } print(a);");
    assert!(
        output.contains("nested more than 128 levels deep"),
        "{output}"
    );
    let output = repl.run("6 * 7");
    assert!(output.contains("42"), "the REPL goes on: {output}");
    let home = repl.quit_with_ctrl_d();

    let history_file = home.path().join(".local/share/csctl/history");
    let history = std::fs::read_to_string(&history_file).unwrap();
    assert!(history.contains("listZones"), "{history}");
    assert!(!history.contains("HISTORY-SECRET"), "{history}");
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&history_file), 0o600);
    assert_eq!(mode(history_file.parent().unwrap()), 0o700);
    let cache_dir = home.path().join(".cache/csctl");
    assert_eq!(mode(&cache_dir), 0o700);
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600);
    }
}

#[test]
fn the_simulator_serves_through_idle_sockets() {
    let sim = crate::support::sim::TestSim::start_with(|config| {
        config.max_connections = 32;
        config.idle_timeout = std::time::Duration::from_millis(200);
    });
    // More idle sockets than the cap: they hold their slots until the idle
    // timeout closes them, then real clients get through.
    let idle: Vec<std::net::TcpStream> = (0..200)
        .filter_map(|_| std::net::TcpStream::connect(sim.addr).ok())
        .collect();
    assert!(idle.len() >= 32);
    let home = tempfile::tempdir().unwrap();
    crate::support::against(&sim, home.path())
        .args(["call", "listZones"])
        .assert()
        .success();
    // An idle socket was closed by the server.
    use std::io::Read as _;
    let mut first = &idle[0];
    first
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut byte = [0u8; 1];
    match first.read(&mut byte) {
        Ok(0) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the idle socket is still open: {other:?}"),
    }
}
