//! Starting the simulator for tests.
//!
//! [`TestSim`] runs `csctl::sim` on its own tokio runtime in a background
//! thread, so sync tests (assert_cmd) and async tests can both use it; it
//! stops when dropped. Defaults: a free loopback port, job delay 20 ms,
//! seed 42, the demo cloud and credentials.
//!
//! The request helpers (`signed_get`, `api`, `wait_job`, …) use a blocking
//! HTTP client: call them from sync tests only.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use csctl::client::sign::{format_expires, sign, SignatureAlgorithm};
use csctl::sim::{RunningSim, SimConfig, SimStats};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

/// The job delay tests run with.
pub const TEST_JOB_DELAY: Duration = Duration::from_millis(20);
/// The seed tests run with.
pub const TEST_SEED: u64 = 42;

/// A simulator for one test.
pub struct TestSim {
    /// `http://127.0.0.1:PORT/client/api`.
    pub endpoint: String,
    /// The API key it accepts.
    pub api_key: String,
    /// Its secret key.
    pub secret_key: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The configuration it runs with.
    pub config: SimConfig,
    sim: Option<RunningSim>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    client: OnceLock<reqwest::blocking::Client>,
}

/// An HTTP answer as received.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl RawResponse {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), HTTP {}: {}", self.status, self.body))
    }
}

impl TestSim {
    /// The default test simulator.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// A test simulator with some settings changed.
    pub fn start_with(configure: impl FnOnce(&mut SimConfig)) -> Self {
        let mut config = SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            job_delay: TEST_JOB_DELAY,
            seed: Some(TEST_SEED),
            ..SimConfig::default()
        };
        configure(&mut config);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let for_thread = config.clone();
        let thread = std::thread::Builder::new()
            .name("test-sim".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the simulator");
                runtime.block_on(async move {
                    let started = csctl::sim::start(for_thread).await;
                    let failed = started.is_err();
                    let _ = started_tx.send(started);
                    if !failed {
                        let _ = stopped.await;
                    }
                });
            })
            .expect("a thread for the simulator");
        let sim = started_rx
            .recv()
            .expect("the simulator thread reports")
            .unwrap_or_else(|e| panic!("simulator did not start: {e}"));
        TestSim {
            endpoint: sim.endpoint(),
            api_key: config.api_key.clone(),
            secret_key: config.secret_key.clone(),
            addr: sim.addr(),
            config,
            sim: Some(sim),
            stop: Some(stop),
            thread: Some(thread),
            client: OnceLock::new(),
        }
    }

    /// Requests to a simulator running elsewhere (a `csctl sim` process):
    /// the request helpers work, the in-process counters do not.
    pub fn attach(endpoint: &str, api_key: &str, secret_key: &str) -> Self {
        TestSim {
            endpoint: endpoint.to_string(),
            api_key: api_key.to_string(),
            secret_key: secret_key.to_string(),
            addr: endpoint
                .trim_start_matches("http://")
                .split('/')
                .next()
                .and_then(|a| a.parse().ok())
                .expect("an http://ADDR/ endpoint"),
            config: SimConfig::default(),
            sim: None,
            stop: None,
            thread: None,
            client: OnceLock::new(),
        }
    }

    /// A config-file profile `name` for this simulator: endpoint, API key
    /// and secret key, as TOML.
    pub fn profile(&self, name: &str) -> String {
        format!(
            "[profiles.{name}]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_key = \"{}\"\n",
            self.endpoint, self.api_key, self.secret_key
        )
    }

    /// Starts a deploy of the demo template and offering in the first zone
    /// (plus `extra`), without waiting: the answer (`id`, `jobid`).
    pub fn start_deploy(&self, extra: &[(&str, &str)]) -> Value {
        let mut params = vec![
            ("zoneid", csctl::sim::demo::ZONE1),
            ("serviceofferingid", csctl::sim::demo::M1_SMALL),
            ("templateid", csctl::sim::demo::DEBIAN7),
        ];
        params.extend_from_slice(extra);
        self.api("deployVirtualMachine", &params)
    }

    /// The simulator's counters.
    pub fn stats(&self) -> SimStats {
        self.sim.as_ref().expect("running").stats()
    }

    /// How many requests each command received.
    pub fn commands_received(&self) -> std::collections::BTreeMap<String, u64> {
        self.sim.as_ref().expect("running").commands_received()
    }

    /// Every state-changing request it received, in order.
    pub fn journal(&self) -> Vec<csctl::sim::JournalEntry> {
        self.sim.as_ref().expect("running").journal()
    }

    fn client(&self) -> &reqwest::blocking::Client {
        self.client.get_or_init(|| {
            reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client")
        })
    }

    /// `params` plus `apiKey`, `response=json`, `signatureVersion=3`,
    /// `expires` (10 minutes ahead) when absent, and `signature`.
    pub fn signed_params(&self, params: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let has = |all: &[(String, String)], name: &str| {
            all.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        let expires = format_expires(chrono::Utc::now() + chrono::Duration::minutes(10));
        for (name, value) in [
            ("apiKey", self.api_key.as_str()),
            ("response", "json"),
            ("signatureVersion", "3"),
            ("expires", expires.as_str()),
        ] {
            if !has(&all, name) {
                all.push((name.to_string(), value.to_string()));
            }
        }
        let signature = sign(&all, &self.secret_key, SignatureAlgorithm::Sha1);
        all.push(("signature".to_string(), signature));
        all
    }

    /// A signed GET: (HTTP status, JSON body).
    pub fn signed_get(&self, params: &[(&str, &str)]) -> (u16, Value) {
        let response = self.get_query(&encode(&self.signed_params(params)));
        (response.status, response.json())
    }

    /// A signed POST with every parameter in the form body.
    pub fn signed_post(&self, params: &[(&str, &str)]) -> (u16, Value) {
        let response = self.post_form(None, &encode(&self.signed_params(params)), None);
        (response.status, response.json())
    }

    /// A GET with this exact query string.
    pub fn get_query(&self, query: &str) -> RawResponse {
        let url = format!("{}?{}", self.endpoint, query);
        raw(self
            .client()
            .get(url)
            .send()
            .expect("the simulator answers"))
    }

    /// A POST with an optional query string, a form body and optional cookies.
    pub fn post_form(&self, query: Option<&str>, body: &str, cookies: Option<&str>) -> RawResponse {
        let url = match query {
            Some(query) => format!("{}?{}", self.endpoint, query),
            None => self.endpoint.clone(),
        };
        let mut request = self
            .client()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string());
        if let Some(cookies) = cookies {
            request = request.header("cookie", cookies);
        }
        raw(request.send().expect("the simulator answers"))
    }

    /// A signed call that must succeed: the object under `<command>response`.
    pub fn api(&self, command: &str, params: &[(&str, &str)]) -> Value {
        let mut all = vec![("command", command)];
        all.extend_from_slice(params);
        let (status, body) = self.signed_get(&all);
        assert_eq!(status, 200, "{command} failed: {body}");
        let key = format!("{}response", command.to_ascii_lowercase());
        body.get(&key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {body}"))
    }

    /// Polls `queryAsyncJobResult` until the job is done; its response object.
    pub fn wait_job(&self, jobid: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let job = self.api("queryAsyncJobResult", &[("jobid", jobid)]);
            if job["jobstatus"] != 0 {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {jobid} still pending: {job}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Deploys a VM from the demo template and offering in the first zone
    /// and waits for it: the job result.
    pub fn deploy(&self, extra: &[(&str, &str)]) -> Value {
        let started = self.start_deploy(extra);
        self.wait_job(started["jobid"].as_str().expect("a jobid"))
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        drop(self.sim.take());
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The blocking client owns a runtime: drop it outside any async context.
        if let Some(client) = self.client.take() {
            std::thread::spawn(move || drop(client)).join().ok();
        }
    }
}

fn raw(response: reqwest::blocking::Response) -> RawResponse {
    let status = response.status().as_u16();
    let headers = response.headers();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let set_cookies = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let body = response.text().expect("a readable body");
    RawResponse {
        status,
        content_type,
        set_cookies,
        body,
    }
}

/// Percent-encodes pairs for the wire (everything but letters and digits).
pub fn encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}
