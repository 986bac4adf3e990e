//! The HTTP client: builds each request (signed, or carrying a session),
//! sends it, and decodes the answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use reqwest::header::{HeaderValue, CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::Value;

use super::config::{ClientConfig, Credentials, HttpMethod};
use super::error::{ClientError, TransportKind};
use super::known::{self, CatalogRef, SharedCatalog};
use super::pacer::Pacer;
use super::params::Params;
use super::response::{self, RawAnswer};
use super::retry::{Decision, RetryPolicy};
use super::sign::{self, java_url_encode};
use super::trace::Tracer;

/// Parameters csctl sets on every request; callers may not give them.
const RESERVED: &[&str] = &[
    "command",
    "apikey",
    "response",
    "signature",
    "signatureversion",
    "expires",
    "sessionkey",
];

/// A CloudStack API client. Cheap to clone: clones share one connection pool
/// and one login session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// Built on the first request (see [`Client::http`]).
    http: OnceLock<reqwest::Client>,
    /// `config.endpoint`, parsed once rather than on every request.
    url: reqwest::Url,
    config: ClientConfig,
    tracer: Tracer,
    // Shared with the clients of `with_own_pool`.
    session: Arc<tokio::sync::Mutex<Option<Session>>>,
    pacer: Arc<Pacer>,
    retry: RetryPolicy,
    requests: Arc<AtomicU64>,
    retries: Arc<AtomicU64>,
    /// The API catalogue: exact names, parameter checks, async (shared with
    /// `with_own_pool` clients).
    catalog: SharedCatalog,
}

/// Counters of what a client did, for reports and soak tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent (logins and retries included).
    pub requests: u64,
    /// Calls sent again after a transient failure or a 429.
    pub retries: u64,
    /// HTTP 429 answers received.
    pub throttled: u64,
}

/// A logged-in session (password credentials).
#[derive(Clone)]
struct Session {
    sessionkey: String,
    cookie: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.config.endpoint)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. Fails on an endpoint that is not an http(s) URL or
    /// TLS settings that cannot be used.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let url = reqwest::Url::parse(&config.endpoint)
            .map_err(|_| ClientError::BadEndpoint(config.endpoint.clone()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ClientError::BadEndpoint(config.endpoint.clone()));
        }
        // Building the reqwest client loads the system's CA certificates
        // (about 4 ms): done on the first request, so that commands and
        // scripts that send none start fast. A CA bundle is still checked
        // here, so that its errors show before anything runs.
        let http = OnceLock::new();
        if config.tls.ca_bundle.is_some() {
            let _ = http.set(build_http(&config)?);
        }
        let scrub = match &config.credentials {
            Credentials::ApiKey { secret_key, .. } => vec![secret_key.clone()],
            Credentials::Password { password, .. } => vec![password.clone()],
        };
        let tracer = Tracer::new(config.verbosity, scrub);
        let pacer = Pacer::new(config.max_requests_per_second);
        let retries = config.retries;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                url,
                config,
                tracer,
                session: Arc::new(tokio::sync::Mutex::new(None)),
                pacer: Arc::new(pacer),
                retry: RetryPolicy {
                    max_attempts: retries + 1,
                    ..RetryPolicy::default()
                },
                requests: Arc::new(AtomicU64::new(0)),
                retries: Arc::new(AtomicU64::new(0)),
                catalog: SharedCatalog::default(),
            }),
        })
    }

    /// A client like this one (same settings, login session, rate limit and
    /// counters) with a connection pool of its own. Connections belong to
    /// the tokio runtime that opened them and make progress only while it
    /// runs: a caller that drives requests on a runtime of its own (the
    /// script host's current-thread runtime) uses such a client, so that
    /// the other runtime's requests never wait on its connections.
    pub fn with_own_pool(&self) -> Result<Self, ClientError> {
        let inner = &self.inner;
        Ok(Self {
            inner: Arc::new(Inner {
                http: OnceLock::new(),
                url: inner.url.clone(),
                config: inner.config.clone(),
                tracer: inner.tracer.clone(),
                session: inner.session.clone(),
                pacer: inner.pacer.clone(),
                retry: inner.retry.clone(),
                requests: inner.requests.clone(),
                retries: inner.retries.clone(),
                catalog: inner.catalog.clone(),
            }),
        })
    }

    /// The API catalogue this client (and its clones) consults: the
    /// built-in one unless [`Client::set_catalog`] gave another.
    pub fn catalog(&self) -> CatalogRef {
        self.inner.catalog.get()
    }

    /// Makes the client (and its clones) consult `catalog`, e.g. the
    /// built-in one with the endpoint's `listApis` answer laid over it.
    pub fn set_catalog(&self, catalog: CatalogRef) {
        self.inner.catalog.set(catalog);
    }

    /// The job to wait for after `command` answered `answer`, if any: the
    /// catalogue says whether the command is async, and an answer shaped
    /// like a job (`{jobid}`) counts for commands it does not know.
    pub fn job_to_wait(&self, command: &str, answer: &Value) -> Option<String> {
        known::job_to_wait(&self.catalog(), command, answer)
    }

    /// What this client (and its clones) did so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            throttled: self.inner.pacer.throttled_count(),
        }
    }
}

/// The reqwest client (connection pool, TLS settings) of a configuration.
fn build_http(config: &ClientConfig) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(64)
        .user_agent(concat!("csctl/", env!("CARGO_PKG_VERSION")));
    if config.tls.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(path) = &config.tls.ca_bundle {
        let pem = std::fs::read(path).map_err(|error| {
            ClientError::TlsSetup(format!("cannot read CA bundle {}: {error}", path.display()))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            ClientError::TlsSetup(format!("{} holds no PEM certificate", path.display()))
        })?;
        if certificates.is_empty() {
            return Err(ClientError::TlsSetup(format!(
                "{} holds no PEM certificate",
                path.display()
            )));
        }
        builder = builder.tls_certs_merge(certificates);
    }
    builder
        .build()
        .map_err(|error| ClientError::TlsSetup(error_chain(&error)))
}

impl Client {
    /// The reqwest client, built on first use.
    fn http(&self) -> Result<&reqwest::Client, ClientError> {
        if let Some(http) = self.inner.http.get() {
            return Ok(http);
        }
        let http = build_http(&self.inner.config)?;
        Ok(self.inner.http.get_or_init(|| http))
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The request log.
    pub fn tracer(&self) -> &Tracer {
        &self.inner.tracer
    }

    /// Calls `command` and returns the unwrapped response object (what sits
    /// under `<command>response`). Transient failures are retried as
    /// [`RetryPolicy`] allows; a state-changing call whose effect is unknown
    /// fails with [`ClientError::MaybeApplied`].
    ///
    /// The command's name is sent as the API catalogue spells it
    /// (`listzones` → `listZones`); parameters it does not have get a
    /// warning on stderr but are sent; a 401 or 432 answer to a command the
    /// catalogue does not know is [`ClientError::UnknownCommand`].
    pub async fn call(&self, command: &str, params: &Params) -> Result<Value, ClientError> {
        check_reserved(params)?;
        let catalog = self.catalog();
        let command = &*known::canonical_name(&catalog, command);
        known::warn_unknown_params(&catalog, command, params);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.inner.pacer.acquire().await;
            let error = match self.call_once(command, params).await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            match self.inner.retry.decide(command, &error, attempt) {
                Decision::Retry(delay) => {
                    self.inner.tracer.note(&format!(
                        "{command} attempt {attempt} failed; retrying in {} ms: {error}",
                        delay.as_millis()
                    ));
                    tokio::time::sleep(delay).await;
                }
                Decision::RetryThrottled(delay) => {
                    let rate = self.inner.pacer.throttled(delay);
                    self.inner.tracer.note(&format!(
                        "{command} throttled (HTTP 429); waiting {} ms{}",
                        delay.as_millis(),
                        if rate.is_finite() {
                            format!(", then at most {rate:.1} requests/s")
                        } else {
                            String::new()
                        }
                    ));
                }
                Decision::Fail => return Err(known::explain(&catalog, command, error)),
                Decision::MaybeApplied => {
                    return Err(ClientError::MaybeApplied {
                        command: command.to_string(),
                        source: Box::new(error),
                    })
                }
            }
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// One attempt of [`Client::call`].
    async fn call_once(&self, command: &str, params: &Params) -> Result<Value, ClientError> {
        match &self.inner.config.credentials {
            Credentials::ApiKey { .. } => {
                let pairs = self.sign_pairs(command, params)?;
                self.send(command, &pairs, None).await
            }
            Credentials::Password { .. } => self.call_in_session(command, params).await,
        }
    }

    /// The exact parameters a signed request carries, `signature` last.
    /// Needs API-key credentials.
    pub fn signed_pairs(
        &self,
        command: &str,
        params: &Params,
    ) -> Result<Vec<(String, String)>, ClientError> {
        check_reserved(params)?;
        let catalog = self.catalog();
        self.sign_pairs(&known::canonical_name(&catalog, command), params)
    }

    /// [`Client::signed_pairs`] for parameters already checked (a call
    /// checks once, not at every attempt): a fresh `expires` and signature.
    fn sign_pairs(
        &self,
        command: &str,
        params: &Params,
    ) -> Result<Vec<(String, String)>, ClientError> {
        let Credentials::ApiKey {
            api_key,
            secret_key,
        } = &self.inner.config.credentials
        else {
            return Err(ClientError::NeedsApiKey);
        };
        let mut pairs = Vec::with_capacity(params.len() + 6);
        pairs.push(("command".to_string(), command.to_string()));
        pairs.extend(params.pairs().iter().cloned());
        pairs.push(("response".into(), "json".into()));
        pairs.push(("apiKey".into(), api_key.clone()));
        if let Some(window) = self.inner.config.expires {
            let expires = chrono::Utc::now() + window;
            pairs.push(("signatureVersion".into(), "3".into()));
            pairs.push(("expires".into(), sign::format_expires(expires)));
        }
        let signature = sign::sign(&pairs, secret_key, self.inner.config.signature_algorithm);
        pairs.push(("signature".into(), signature));
        Ok(pairs)
    }

    async fn call_in_session(&self, command: &str, params: &Params) -> Result<Value, ClientError> {
        let session = self.session(false).await?;
        match self.send_in_session(command, params, &session).await {
            // The session may have expired: log in again, once.
            Err(ClientError::Api(error)) if error.http_status == 401 => {
                self.inner
                    .tracer
                    .note("session rejected (HTTP 401); logging in again");
                let session = self.session(true).await?;
                self.send_in_session(command, params, &session).await
            }
            other => other,
        }
    }

    async fn send_in_session(
        &self,
        command: &str,
        params: &Params,
        session: &Session,
    ) -> Result<Value, ClientError> {
        let mut pairs = Vec::with_capacity(params.len() + 3);
        pairs.push(("command".to_string(), command.to_string()));
        pairs.extend(params.pairs().iter().cloned());
        pairs.push(("response".into(), "json".into()));
        pairs.push(("sessionkey".into(), session.sessionkey.clone()));
        self.send(command, &pairs, Some(&session.cookie)).await
    }

    /// The current session, logging in when there is none (or `renew`).
    async fn session(&self, renew: bool) -> Result<Session, ClientError> {
        let mut slot = self.inner.session.lock().await;
        if let (Some(session), false) = (slot.as_ref(), renew) {
            return Ok(session.clone());
        }
        let session = self.login().await?;
        *slot = Some(session.clone());
        Ok(session)
    }

    async fn login(&self) -> Result<Session, ClientError> {
        let Credentials::Password {
            username,
            password,
            domain,
        } = &self.inner.config.credentials
        else {
            unreachable!("login is only used with password credentials");
        };
        let pairs = vec![
            ("command".to_string(), "login".to_string()),
            ("username".into(), username.clone()),
            ("password".into(), password.clone()),
            ("domain".into(), domain.clone()),
            ("response".into(), "json".into()),
        ];
        // Login is always a POST: the server refuses it otherwise.
        let (inner, cookies) = self
            .exchange("login", HttpMethod::Post, &pairs, None)
            .await?;
        let sessionkey = inner
            .get("sessionkey")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ClientError::MissingResponse {
                command: "login".into(),
                expected: "loginresponse.sessionkey".into(),
                found: "a login answer without a session key".into(),
            })?;
        self.inner.tracer.note(&format!("logged in as {username}"));
        Ok(Session {
            sessionkey,
            cookie: cookies.join("; "),
        })
    }

    /// Sends one request with the configured method and decodes its answer.
    async fn send(
        &self,
        command: &str,
        pairs: &[(String, String)],
        cookie: Option<&str>,
    ) -> Result<Value, ClientError> {
        let method = self.inner.config.method;
        let (answer, _) = self.exchange(command, method, pairs, cookie).await?;
        Ok(answer)
    }

    /// Sends one request and decodes its answer; also returns the
    /// `name=value` of every cookie the server set (for login).
    async fn exchange(
        &self,
        command: &str,
        method: HttpMethod,
        pairs: &[(String, String)],
        cookie: Option<&str>,
    ) -> Result<(Value, Vec<String>), ClientError> {
        let config = &self.inner.config;
        let encoded = encode_form(pairs);
        let request = match method {
            HttpMethod::Post => self
                .http()?
                .post(self.inner.url.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(encoded),
            HttpMethod::Get => {
                let separator = if config.endpoint.contains('?') {
                    '&'
                } else {
                    '?'
                };
                self.http()?
                    .get(format!("{}{separator}{encoded}", config.endpoint))
            }
        };
        let request = match cookie.and_then(|text| HeaderValue::from_str(text).ok()) {
            Some(value) => request.header(COOKIE, value),
            None => request,
        };
        let label = match method {
            HttpMethod::Post => "POST",
            HttpMethod::Get => "GET",
        };
        self.inner.tracer.request(label, &config.endpoint, pairs);
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let answer = request
            .send()
            .await
            .map_err(|error| transport_error(command, &config.endpoint, &error))?;
        let cookies = answer
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .filter_map(|text| text.split(';').next())
            .map(|pair| pair.trim().to_string())
            .collect();
        let status = answer.status().as_u16();
        let content_type = header_text(answer.headers().get(CONTENT_TYPE));
        let bytes = answer
            .bytes()
            .await
            .map_err(|error| transport_error(command, &config.endpoint, &error))?;
        self.inner
            .tracer
            .response(status, content_type.as_deref(), &bytes, started.elapsed());
        let raw = RawAnswer {
            status,
            content_type: content_type.as_deref(),
            body: &bytes,
        };
        let decoded = response::decode(command, &config.endpoint, raw)?;
        Ok((decoded, cookies))
    }
}

fn check_reserved(params: &Params) -> Result<(), ClientError> {
    match params.pairs().iter().find(|(name, _)| {
        RESERVED
            .iter()
            .any(|reserved| sign::java_equals_ignore_case(name, reserved))
    }) {
        Some((name, _)) => Err(ClientError::Reserved(name.clone())),
        None => Ok(()),
    }
}

/// Encodes pairs as `application/x-www-form-urlencoded` (names and values
/// percent-encoded with Java's set, which every form decoder accepts).
pub fn encode_form(pairs: &[(String, String)]) -> String {
    let mut encoded = String::with_capacity(
        pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum::<usize>()
            + 16,
    );
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            encoded.push('&');
        }
        encoded.push_str(&java_url_encode(name));
        encoded.push('=');
        encoded.push_str(&java_url_encode(value));
    }
    encoded
}

fn header_text(value: Option<&HeaderValue>) -> Option<String> {
    value
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// Describes a failed request without its URL (a GET URL holds the API key
/// and signature).
fn transport_error(command: &str, endpoint: &str, error: &reqwest::Error) -> ClientError {
    let chain = error_chain(error);
    let lower = chain.to_ascii_lowercase();
    let kind = if error.is_timeout() {
        TransportKind::Timeout
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        TransportKind::Dns
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        TransportKind::Tls
    } else if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    let what = match kind {
        TransportKind::Timeout => "timed out talking to",
        TransportKind::Dns => "cannot resolve the host of",
        TransportKind::Tls => "TLS handshake failed with",
        TransportKind::Connect => "cannot connect to",
        TransportKind::Other => "request failed to",
    };
    ClientError::Transport {
        command: command.to_string(),
        kind,
        message: format!("{what} {endpoint}: {chain}"),
    }
}

/// The sources of an error joined by `: `, skipping reqwest's own top line
/// (which repeats the URL).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper-util's "client error (Connect)" says nothing the next cause does not.
        let is_wrapper = text.starts_with("client error (");
        if !is_wrapper && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push("request error".into());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_forms_with_the_signature_escaped() {
        let pairs = vec![
            ("tags[0].key".to_string(), "a b".to_string()),
            ("signature".to_string(), "ab+/c=".to_string()),
        ];
        assert_eq!(
            encode_form(&pairs),
            "tags%5B0%5D.key=a%20b&signature=ab%2B%2Fc%3D"
        );
    }

    #[test]
    fn refuses_reserved_names_as_java_compares_them() {
        let config = ClientConfig::new(
            "http://127.0.0.1:1/client/api",
            Credentials::ApiKey {
                api_key: "k".into(),
                secret_key: "s".into(),
            },
        );
        let client = Client::new(config).unwrap();
        for name in [
            "Signature",
            "\u{17F}ignature",
            "s\u{130}gnature",
            "APIKEY",
            "Expires",
        ] {
            let mut params = Params::new();
            params.insert(name, "x").unwrap();
            assert!(
                matches!(
                    client.signed_pairs("listZones", &params),
                    Err(ClientError::Reserved(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_endpoints_that_are_not_urls() {
        for endpoint in ["cloud.example.com", "ftp://x/", "http://"] {
            let config = ClientConfig::new(
                endpoint,
                Credentials::ApiKey {
                    api_key: "k".into(),
                    secret_key: "s".into(),
                },
            );
            assert!(
                matches!(Client::new(config), Err(ClientError::BadEndpoint(_))),
                "{endpoint}"
            );
        }
    }
}
