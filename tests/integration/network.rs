//! Real networks (issue 21): proxies read as curl reads them, compressed
//! answers, URL credentials, calls that were never sent. Through real
//! parts: a forward proxy started by the test, the simulator, a TLS server,
//! a hostile server.

use std::io::Write as _;

use crate::support::hostile::{self, Hostile, Reply};
use crate::support::proxy::{Mode, Proxy};
use crate::support::sim::TestSim;
use crate::support::{against, csctl, texts};

fn https_server() -> (String, std::path::PathBuf, tempfile::TempDir) {
    let (endpoint, pem) = crate::cli_tls::self_signed_server();
    let folder = tempfile::tempdir().unwrap();
    let bundle = folder.path().join("ca.pem");
    std::fs::write(&bundle, pem).unwrap();
    (endpoint, bundle, folder)
}

/// `csctl call listZones` against `endpoint` with `env`, keys given.
fn call_with(endpoint: &str, env: &[(&str, &str)], extra: &[&str]) -> (bool, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = csctl(home.path());
    command.args([
        "--endpoint",
        endpoint,
        "--api-key",
        "csctl-demo-api-key",
        "--secret-key",
        "csctl-demo-secret-key",
    ]);
    command.args(extra);
    command.args(["-v", "call", "listZones"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let (stdout, stderr) = texts(&output);
    (output.status.success(), stdout, stderr)
}

#[test]
fn http_endpoints_go_through_http_proxy_and_all_proxy() {
    let sim = TestSim::start();
    let target = format!("POST {}", sim.endpoint);
    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        let proxy = Proxy::start(Mode::Open);
        let (ok, stdout, stderr) = call_with(&sim.endpoint, &[(variable, &proxy.url)], &[]);
        assert!(ok, "{variable}: {stderr}");
        assert!(stdout.contains("\"zone\""), "{stdout}");
        assert_eq!(proxy.log(), std::slice::from_ref(&target), "{variable}");
        assert!(
            stderr.contains(&format!("via proxy {}/", proxy.url)),
            "-v names the proxy: {stderr}"
        );
    }
}

#[test]
fn https_endpoints_are_tunnelled_through_https_proxy_and_all_proxy() {
    let (endpoint, bundle, _folder) = https_server();
    let authority = endpoint
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let bundle = bundle.to_str().unwrap();
    for variable in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"] {
        let proxy = Proxy::start(Mode::Open);
        let (ok, stdout, stderr) = call_with(
            &endpoint,
            &[(variable, &proxy.url)],
            &["--ca-bundle", bundle],
        );
        assert!(ok, "{variable}: {stderr}");
        assert_eq!(stdout, "{}\n");
        assert_eq!(proxy.log(), [format!("CONNECT {authority}")], "{variable}");
    }
    // HTTP_PROXY is for http endpoints only.
    let proxy = Proxy::start(Mode::Open);
    let (ok, _, stderr) = call_with(
        &endpoint,
        &[("HTTP_PROXY", &proxy.url)],
        &["--ca-bundle", bundle],
    );
    assert!(ok, "{stderr}");
    assert!(proxy.log().is_empty());
}

#[test]
fn no_proxy_and_proxy_none_go_direct() {
    let sim = TestSim::start();
    for no_proxy in ["127.0.0.1", "127.0.0.0/8", "*", "example.com, 127.0.0.1"] {
        let proxy = Proxy::start(Mode::Open);
        let (ok, _, stderr) = call_with(
            &sim.endpoint,
            &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", no_proxy)],
            &[],
        );
        assert!(ok, "{no_proxy}: {stderr}");
        assert!(proxy.log().is_empty(), "{no_proxy}: {:?}", proxy.log());
        assert!(!stderr.contains("via proxy"), "{stderr}");
    }
    let proxy = Proxy::start(Mode::Open);
    let (ok, _, stderr) = call_with(
        &sim.endpoint,
        &[("HTTP_PROXY", &proxy.url)],
        &["--proxy", "none"],
    );
    assert!(ok, "{stderr}");
    assert!(proxy.log().is_empty());
    // --proxy wins over the environment.
    let chosen = Proxy::start(Mode::Open);
    let (ok, _, stderr) = call_with(
        &sim.endpoint,
        &[("HTTP_PROXY", &proxy.url)],
        &["--proxy", &chosen.url],
    );
    assert!(ok, "{stderr}");
    assert!(proxy.log().is_empty());
    assert_eq!(chosen.log().len(), 1);
}

#[test]
fn proxy_credentials_are_used_and_never_printed() {
    let sim = TestSim::start();
    let (endpoint, bundle, _folder) = https_server();
    let proxy = Proxy::start(Mode::Auth("squid:hunter22".into()));
    let with_credentials = proxy.url.replace("http://", "http://squid:hunter22@");
    let (ok, _, stderr) = call_with(&sim.endpoint, &[("HTTP_PROXY", &with_credentials)], &[]);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("hunter22"), "{stderr}");
    let (ok, _, stderr) = call_with(
        &endpoint,
        &[("HTTPS_PROXY", &with_credentials)],
        &["--ca-bundle", bundle.to_str().unwrap()],
    );
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("hunter22"), "{stderr}");
    assert_eq!(proxy.log().len(), 2, "{:?}", proxy.log());

    // Without them: the proxy's 407 gets its own message, http and https.
    for (endpoint, variable) in [(&sim.endpoint, "HTTP_PROXY"), (&endpoint, "HTTPS_PROXY")] {
        let (ok, _, stderr) = call_with(
            endpoint,
            &[(variable, &proxy.url)],
            &["--ca-bundle", bundle.to_str().unwrap()],
        );
        assert!(!ok);
        assert!(
            stderr.contains("the proxy asks for authentication (407)"),
            "{variable}: {stderr}"
        );
    }
}

#[test]
fn a_refusing_proxy_says_so() {
    let (endpoint, bundle, _folder) = https_server();
    let proxy = Proxy::start(Mode::Refusing);
    let (ok, _, stderr) = call_with(
        &endpoint,
        &[("HTTPS_PROXY", &proxy.url)],
        &["--ca-bundle", bundle.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        stderr.contains("the proxy refused to open a tunnel (CONNECT) to the endpoint"),
        "{stderr}"
    );
    assert!(!stderr.contains("may or may not"), "{stderr}");
    assert!(
        proxy.log()[0].starts_with("refused CONNECT"),
        "{:?}",
        proxy.log()
    );
}

#[test]
fn the_simulator_compresses_for_clients_that_ask_and_csctl_asks() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let query = against(&sim, home.path())
        .args(["sign", "listApis"])
        .output()
        .unwrap();
    let query = String::from_utf8(query.stdout).unwrap();
    let url = format!("{}?{}", sim.endpoint, query.trim());
    let authority = sim
        .endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let path = &url[url.find("/client").unwrap()..];
    let raw = |encoding: &str| {
        use std::io::Read as _;
        let mut stream = std::net::TcpStream::connect(authority).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\n{encoding}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        answer
    };
    let plain = raw("");
    let gzip = raw("Accept-Encoding: gzip\r\n");
    let head =
        |answer: &[u8]| String::from_utf8_lossy(&answer[..answer.len().min(400)]).to_lowercase();
    assert!(
        head(&gzip).contains("content-encoding: gzip"),
        "{}",
        head(&gzip)
    );
    // As requests asks (and with quality values): compressed.
    for asked in [
        "gzip, deflate",
        "br;q=1.0, gzip;q=0.8, *;q=0.1",
        "zstd,gzip,deflate,br",
    ] {
        let answer = raw(&format!("Accept-Encoding: {asked}\r\n"));
        assert!(
            head(&answer).contains("content-encoding: gzip"),
            "{asked}: {}",
            head(&answer)
        );
    }
    // What Python cs 5 sends (it prepares its requests outside the
    // session, so http.client adds `identity`): not compressed, as Jetty.
    let identity = raw("Accept-Encoding: identity\r\n");
    assert!(
        !head(&identity).contains("content-encoding"),
        "{}",
        head(&identity)
    );
    // Uncompressed answers carry their length, as Jetty's do (not chunked).
    for answer in [&plain, &identity] {
        assert!(
            head(answer).contains("content-length:") && !head(answer).contains("chunked"),
            "{}",
            head(answer)
        );
    }
    assert!(
        gzip.len() * 3 < plain.len(),
        "{} vs {}",
        gzip.len(),
        plain.len()
    );
    // And csctl decodes it transparently.
    let output = against(&sim, home.path())
        .args(["call", "listApis", "name=listZones"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("\"listZones\""), "{stdout}");
}

/// The `< … on the wire …` line of a `-vv` run of `csctl call listApis`
/// against `sim`, and its standard output.
fn wire_line(sim: &TestSim) -> (String, String) {
    let home = tempfile::tempdir().unwrap();
    let output = against(sim, home.path())
        .args(["-vv", "call", "listApis"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.contains("on the wire"))
        .unwrap_or_else(|| panic!("no wire line in:\n{stderr}"))
        .to_string();
    (line, stdout)
}

/// `12.5 KiB` or `900 bytes` as a byte count (approximate for units).
fn size_of(text: &str) -> f64 {
    let mut words = text.split_whitespace();
    let value: f64 = words.next().unwrap().parse().unwrap();
    let unit = match words.next().unwrap() {
        "bytes" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        other => panic!("unit {other}"),
    };
    value * unit
}

#[test]
fn verbose_answers_show_their_bytes_on_the_wire_and_decoded() {
    let sim = TestSim::start();
    let (line, stdout) = wire_line(&sim);
    // `< 92.7 KiB on the wire (gzip), 1.5 MiB decoded`
    let rest = line.strip_prefix("< ").expect(&line);
    let (wire, rest) = rest.split_once(" on the wire (gzip), ").expect(&line);
    let decoded = rest.strip_suffix(" decoded").expect(&line);
    assert!(
        size_of(wire) * 5.0 < size_of(decoded),
        "the simulator's gzip should shrink listApis well: {line}"
    );
    // Decoded as on the default path.
    assert!(stdout.contains("\"listZones\""), "{stdout}");

    let plain = TestSim::start_with(|config| config.compress = false);
    let (line, plain_stdout) = wire_line(&plain);
    let wire = line
        .strip_prefix("< ")
        .and_then(|rest| rest.strip_suffix(" on the wire, not compressed"))
        .expect(&line);
    assert_eq!(wire, decoded, "{line}");
    assert_eq!(plain_stdout, stdout);
}

#[test]
fn a_gzip_bomb_ends_with_the_size_message() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1 << 20];
    encoder
        .write_all(b"{\"listzonesresponse\":{\"zone\":[")
        .unwrap();
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let body = encoder.finish().unwrap();
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    let server = Hostile::start(move |_| Reply::Raw(answer.clone()));
    // At -vv too, where the bytes on the wire are counted under the decoder.
    for extra in [&[][..], &["-vv"][..]] {
        let (ok, _, stderr) = call_with(
            &server.endpoint,
            &[("CLOUDSTACK_MAX_RESPONSE_SIZE", "1MiB")],
            extra,
        );
        assert!(!ok);
        assert!(
            stderr.contains("is larger than 1 MiB"),
            "{extra:?}: {stderr}"
        );
    }
}

#[test]
fn url_credentials_are_sent_as_basic_auth_and_never_printed() {
    let server = Hostile::start(|_| hostile::api_answer("listZones", serde_json::json!({})));
    let endpoint = server
        .endpoint
        .replace("http://", "http://operator:s3cr3t-pw@");
    let (ok, stdout, stderr) = call_with(&endpoint, &[], &[]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "{}\n");
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
    // "operator:s3cr3t-pw" in base64.
    assert!(
        server.saw_text("Basic b3BlcmF0b3I6czNjcjN0LXB3"),
        "{:?}",
        server.seen()
    );
    // `sign` prints no credentials either.
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .args([
            "--endpoint",
            &endpoint,
            "--api-key",
            "k",
            "--secret-key",
            "s",
            "sign",
            "listZones",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&output);
    assert!(
        !stdout.contains("s3cr3t-pw") && !stderr.contains("s3cr3t-pw"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_call_never_sent_says_so_and_names_connect_timeout() {
    // Accepts connections and never answers the TLS handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("https://{}/client/api", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    crate::support::write_config(
        home.path(),
        &format!(
            "[profiles.slow]\nendpoint = \"{endpoint}\"\napi_key = \"k\"\nsecret_key = \"s\"\n\
             connect_timeout = \"200ms\"\nretries = 0\n"
        ),
    );
    let output = csctl(home.path())
        .args(["-p", "slow", "call", "deployVirtualMachine", "zoneid=z"])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("could not connect in time"), "{stderr}");
    assert!(stderr.contains("the request was never sent"), "{stderr}");
    assert!(stderr.contains("connect_timeout"), "{stderr}");
    assert!(!stderr.contains("may or may not"), "{stderr}");
}
