//! The HTTP client: builds each request (signed, or carrying a session),
//! sends it, and decodes the answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::config::{ClientConfig, Credentials, HttpMethod};
use super::error::{ClientError, TransportKind};
use super::known::{self, CatalogRef, SharedCatalog};
use super::pacer::Pacer;
use super::params::Params;
use super::response::{self, RawAnswer};
use super::retry::{Decision, RetryPolicy};
use super::sign::{self, push_java_url_encoded};
use super::signed::{url_with_query, Pair, Signer};
use super::trace::Tracer;
use super::transport::{Failure, Outgoing, Transport};

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

/// How an answer becomes a value: [`response::decode`] (a
/// `serde_json::Value`), or a decoder with the same rules into another form
/// (the script host decodes straight into Rhai values). Arguments: the
/// command, the endpoint (for messages) and the answer.
pub type Decoder<T> = fn(&str, &str, RawAnswer<'_>) -> Result<T, ClientError>;

/// A CloudStack API client. Cheap to clone: clones share one connection pool
/// and one login session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// The connection pool and TLS settings of the endpoint's origin.
    transport: Transport,
    /// The endpoint as the `-v` log shows it, with the proxy if any.
    shown_target: String,
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
    /// Signs requests (API-key credentials only); its HMAC is keyed once.
    signer: Option<Signer>,
    /// Told of the jobs submitted and ended (shared with `with_own_pool`).
    observer: super::observe::SharedObserver,
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

/// A logged-in session (password credentials, or one saved by a login).
#[derive(Clone)]
pub(super) struct Session {
    pub(super) sessionkey: String,
    pub(super) cookie: String,
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
        let mut config = config;
        let (url, basic_auth) = endpoint_and_basic_auth(&config.endpoint)?;
        // Never shown again with its user info: messages and the log name
        // the endpoint from here on.
        config.endpoint = url.to_string();
        let transport = Transport::new(&url, &config, basic_auth)?;
        let mut scrub = match &config.credentials {
            Credentials::ApiKey { secret_key, .. } => vec![secret_key.clone()],
            Credentials::Password { password, .. } => vec![password.clone()],
            Credentials::Session { sessionkey, cookie } => vec![sessionkey.clone(), cookie.clone()],
        };
        if let Some(proxy) = config
            .proxy
            .as_deref()
            .and_then(|text| url::Url::parse(text).ok())
        {
            scrub.extend(proxy.password().map(str::to_string));
        }
        let tracer = Tracer::new(config.verbosity, scrub);
        let shown_target = match transport.shown_proxy() {
            Some(proxy) => format!("{} via proxy {proxy}", config.endpoint),
            None => config.endpoint.clone(),
        };
        let pacer = Pacer::new(config.max_requests_per_second);
        let retries = config.retries;
        let signer = Signer::from_config(&config).ok();
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                shown_target,
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
                signer,
                observer: super::observe::SharedObserver::default(),
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
                transport: inner.transport.with_own_pool(),
                shown_target: inner.shown_target.clone(),
                config: inner.config.clone(),
                tracer: inner.tracer.clone(),
                session: inner.session.clone(),
                pacer: inner.pacer.clone(),
                retry: inner.retry.clone(),
                requests: inner.requests.clone(),
                retries: inner.retries.clone(),
                catalog: inner.catalog.clone(),
                signer: inner.signer.clone(),
                observer: inner.observer.clone(),
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

    /// Makes the client (and its clones) tell `observer` of every async
    /// job it submits ([`Client::call`], [`Client::call_and_wait`]) and of
    /// every job end its waits see.
    pub fn set_job_observer(&self, observer: std::sync::Arc<dyn super::JobObserver>) {
        self.inner.observer.set(observer);
    }

    /// Tells the job observer, if any, when `answer` to `command` started a
    /// job. For callers that decode answers themselves ([`Client::call_with`]).
    pub fn note_submitted(&self, command: &str, params: &Params, answer: &Value) {
        if let Some(observer) = self.inner.observer.get() {
            if let Some(jobid) = self.job_to_wait(command, answer) {
                observer.submitted(command, params, &jobid, answer);
            }
        }
    }

    /// Tells the job observer, if any, that a wait saw a job end.
    pub(crate) fn note_ended(&self, outcome: &super::JobOutcome) {
        if let Some(observer) = self.inner.observer.get() {
            observer.ended(outcome);
        }
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

impl Client {
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
        let answer = self.call_with(command, params, response::decode).await?;
        self.note_submitted(command, params, &answer);
        Ok(answer)
    }

    /// [`Client::call`] with the answer decoded by `decode`.
    pub async fn call_with<T>(
        &self,
        command: &str,
        params: &Params,
        decode: Decoder<T>,
    ) -> Result<T, ClientError> {
        check_reserved(params)?;
        let catalog = self.catalog();
        let command = &*known::canonical_name(&catalog, command);
        known::warn_unknown_params(&catalog, command, params);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.inner.pacer.acquire().await;
            let error = match self.call_once(command, params, decode).await {
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
                Decision::ThrottledTooLong(asked) => {
                    self.inner.pacer.throttled(Duration::ZERO);
                    return Err(ClientError::ThrottledTooLong {
                        command: command.to_string(),
                        asked,
                        source: Box::new(error),
                    });
                }
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
    async fn call_once<T>(
        &self,
        command: &str,
        params: &Params,
        decode: Decoder<T>,
    ) -> Result<T, ClientError> {
        match &self.inner.config.credentials {
            Credentials::ApiKey { .. } => {
                let pairs = self.sign_pairs(command, params)?;
                self.send(command, &pairs, None, decode).await
            }
            Credentials::Password { .. } => self.call_in_session(command, params, decode).await,
            Credentials::Session { sessionkey, cookie } => {
                let session = Session {
                    sessionkey: sessionkey.clone(),
                    cookie: cookie.clone(),
                };
                match self
                    .send_in_session(command, params, &session, decode)
                    .await
                {
                    // A saved session cannot log in again by itself.
                    Err(ClientError::Api(error)) if error.http_status == 401 => Err(
                        ClientError::SessionEnded(self.inner.config.endpoint.clone()),
                    ),
                    other => other,
                }
            }
        }
    }

    /// The exact parameters a signed request carries, `signature` last.
    /// The command's name is sent as this client's catalogue spells it.
    /// Needs API-key credentials.
    pub fn signed_pairs(
        &self,
        command: &str,
        params: &Params,
    ) -> Result<Vec<(String, String)>, ClientError> {
        self.signer()?
            .signed_pairs_in(&self.catalog(), command, params)
    }

    /// [`Client::signed_pairs`] form-encoded: the query string of a signed
    /// GET request for `command`, sent nowhere.
    pub fn signed_query(&self, command: &str, params: &Params) -> Result<String, ClientError> {
        Ok(encode_form(&self.signed_pairs(command, params)?))
    }

    /// A signed GET URL for `command` at this client's endpoint, valid
    /// until its `expires`.
    pub fn signed_url(&self, command: &str, params: &Params) -> Result<String, ClientError> {
        Ok(url_with_query(
            &self.inner.config.endpoint,
            &self.signed_query(command, params)?,
        ))
    }

    /// What signs this client's requests: [`ClientError::NeedsApiKey`] for
    /// a password login.
    pub fn signer(&self) -> Result<&Signer, ClientError> {
        self.inner.signer.as_ref().ok_or(ClientError::NeedsApiKey)
    }

    /// [`Client::signed_pairs`] for parameters already checked (a call
    /// checks once, not at every attempt): a fresh `expires` and signature.
    fn sign_pairs<'a>(
        &'a self,
        command: &'a str,
        params: &'a Params,
    ) -> Result<Vec<Pair<'a>>, ClientError> {
        Ok(self.signer()?.pairs(command, params))
    }

    async fn call_in_session<T>(
        &self,
        command: &str,
        params: &Params,
        decode: Decoder<T>,
    ) -> Result<T, ClientError> {
        let session = self.session(false).await?;
        match self
            .send_in_session(command, params, &session, decode)
            .await
        {
            // The session may have expired: log in again, once.
            Err(ClientError::Api(error)) if error.http_status == 401 => {
                self.inner
                    .tracer
                    .note("session rejected (HTTP 401); logging in again");
                let session = self.session(true).await?;
                self.send_in_session(command, params, &session, decode)
                    .await
            }
            other => other,
        }
    }

    pub(super) async fn send_in_session<T>(
        &self,
        command: &str,
        params: &Params,
        session: &Session,
        decode: Decoder<T>,
    ) -> Result<T, ClientError> {
        let mut pairs: Vec<Pair<'_>> = Vec::with_capacity(params.len() + 3);
        pairs.push(("command".into(), command.into()));
        pairs.extend(
            params
                .pairs()
                .iter()
                .map(|(name, value)| (name.as_str().into(), value.as_str().into())),
        );
        pairs.push(("response".into(), "json".into()));
        pairs.push(("sessionkey".into(), session.sessionkey.as_str().into()));
        self.send(command, &pairs, Some(&session.cookie), decode)
            .await
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
        let pairs: Vec<Pair<'_>> = vec![
            ("command".into(), "login".into()),
            ("username".into(), username.as_str().into()),
            ("password".into(), password.as_str().into()),
            ("domain".into(), domain.as_str().into()),
            ("response".into(), "json".into()),
        ];
        // Login is always a POST: the server refuses it otherwise.
        let (inner, cookies) = self
            .exchange("login", HttpMethod::Post, &pairs, None, response::decode)
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
        super::trace::remember_secret(&sessionkey);
        self.inner.tracer.note(&format!("logged in as {username}"));
        Ok(Session {
            sessionkey,
            cookie: cookies.join("; "),
        })
    }

    /// Sends one request with the configured method and decodes its answer.
    async fn send<T>(
        &self,
        command: &str,
        pairs: &[Pair<'_>],
        cookie: Option<&str>,
        decode: Decoder<T>,
    ) -> Result<T, ClientError> {
        let method = self.inner.config.method;
        let (answer, _) = self
            .exchange(command, method, pairs, cookie, decode)
            .await?;
        Ok(answer)
    }

    /// Sends one request and decodes its answer; also returns the
    /// `name=value` of every cookie the server set (for login).
    pub(super) async fn exchange<T>(
        &self,
        command: &str,
        method: HttpMethod,
        pairs: &[Pair<'_>],
        cookie: Option<&str>,
        decode: Decoder<T>,
    ) -> Result<(T, Vec<String>), ClientError> {
        let config = &self.inner.config;
        let label = match method {
            HttpMethod::Post => "POST",
            HttpMethod::Get => "GET",
        };
        self.inner
            .tracer
            .request(label, &self.inner.shown_target, pairs);
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let outgoing = Outgoing {
            method,
            form: encode_form(pairs),
            cookie,
        };
        let started = Instant::now();
        // The time limit covers the whole exchange, answer body included:
        // a server that trickles an endless answer cannot hold csctl.
        // Boxed: the exchange's state is large, and every future that awaits
        // it (up to the script host's `block_on`) would otherwise hold and
        // move it by value.
        let exchange = Box::pin(self.inner.transport.exchange(outgoing));
        let answer = tokio::time::timeout(config.timeout, exchange)
            .await
            .map_err(|_| ClientError::Transport {
                command: command.to_string(),
                kind: TransportKind::Timeout,
                message: format!(
                    "timed out talking to {}: no complete answer within {}",
                    config.endpoint,
                    humantime::format_duration(config.timeout)
                ),
            })?
            .map_err(|failure| self.failed(command, failure))?;
        if answer.status == 407 {
            if let Some(proxy) = self.inner.transport.shown_proxy() {
                return Err(ClientError::Transport {
                    command: command.to_string(),
                    kind: TransportKind::Proxy,
                    message: format!(
                        "the proxy {proxy} did not let the request through to {}: the proxy \
                         asks for authentication (407): give its user and password in the \
                         proxy URL (http://user:password@proxy:port)",
                        config.endpoint
                    ),
                });
            }
        }
        self.inner.tracer.response(
            answer.status,
            answer.content_type.as_deref(),
            &answer.body,
            started.elapsed(),
            answer
                .wire
                .as_ref()
                .map(|wire| (wire.bytes, wire.encoding.as_deref())),
        );
        let raw = RawAnswer {
            status: answer.status,
            content_type: answer.content_type.as_deref(),
            body: &answer.body,
        };
        let decoded = decode(command, &config.endpoint, raw)?;
        Ok((decoded, answer.cookies))
    }

    /// Describes an exchange that got no answer, naming the endpoint (never
    /// the URL: a GET URL holds the API key and signature).
    fn failed(&self, command: &str, failure: Failure) -> ClientError {
        let endpoint = &self.inner.config.endpoint;
        match failure {
            Failure::Transport { kind, detail } => {
                let what = match kind {
                    TransportKind::Timeout => "timed out talking to",
                    TransportKind::ConnectTimeout => "could not connect in time to",
                    TransportKind::Proxy => "the proxy did not let the request through to",
                    TransportKind::Dns => "cannot resolve the host of",
                    TransportKind::Tls => "TLS handshake failed with",
                    TransportKind::Connect => "cannot connect to",
                    TransportKind::Other => "request failed to",
                };
                // Through a proxy, resolving and connecting are the proxy's.
                let via = match (kind, self.inner.transport.shown_proxy()) {
                    (
                        TransportKind::Dns | TransportKind::Connect | TransportKind::ConnectTimeout,
                        Some(proxy),
                    ) => format!(" (through the proxy {proxy})"),
                    _ => String::new(),
                };
                ClientError::Transport {
                    command: command.to_string(),
                    kind,
                    message: format!("{what} {endpoint}{via}: {detail}"),
                }
            }
            Failure::RedirectRefused(location) => ClientError::RedirectRefused {
                command: command.to_string(),
                endpoint: endpoint.clone(),
                location,
            },
            Failure::TooManyRedirects => ClientError::TooManyRedirects {
                command: command.to_string(),
                endpoint: endpoint.clone(),
            },
            Failure::TooLarge => ClientError::TooLarge {
                command: command.to_string(),
                endpoint: endpoint.clone(),
                limit: self.inner.config.max_response_size,
            },
            Failure::Setup(error) => error,
        }
    }
}

/// The endpoint URL without user info, and the `Authorization: Basic`
/// header its user info makes (sent with every request, as python's
/// requests does); refused when it is not an http(s) URL with a host.
fn endpoint_and_basic_auth(
    endpoint: &str,
) -> Result<(url::Url, Option<http::HeaderValue>), ClientError> {
    let shown = || ClientError::BadEndpoint(super::config::shown_url(endpoint));
    let mut url = url::Url::parse(endpoint).map_err(|_| shown())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(shown());
    }
    if url.username().is_empty() && url.password().is_none() {
        return Ok((url, None));
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    super::trace::remember_secret(&password);
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut header = http::HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| shown())?;
    header.set_sensitive(true);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok((url, Some(header)))
}

/// Refuses parameters csctl sets itself ([`RESERVED`]).
pub(super) fn check_reserved(params: &Params) -> Result<(), ClientError> {
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
/// Callers outside the client use [`Client::signed_query`] or
/// [`Signer::signed_query`].
pub(super) fn encode_form<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut encoded = String::with_capacity(
        pairs
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
            .sum::<usize>()
            + 16,
    );
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            encoded.push('&');
        }
        push_java_url_encoded(&mut encoded, name.as_ref());
        encoded.push('=');
        push_java_url_encoded(&mut encoded, value.as_ref());
    }
    encoded
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_signed_url_is_accepted_by_the_simulator() {
        let sim = crate::sim::start(crate::sim::SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..crate::sim::SimConfig::default()
        })
        .await
        .unwrap();
        let client = crate::sim::test_proxy::client_for(sim.endpoint());
        let mut params = Params::new();
        params.insert("available", "true").unwrap();
        let url = client.signed_url("listzones", &params).unwrap();
        assert!(
            url.starts_with(&format!(
                "{}?command=listZones&available=true&",
                sim.endpoint()
            )),
            "{url}"
        );
        let answer = reqwest::get(&url).await.unwrap();
        assert_eq!(answer.status(), 200);
        let json: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        assert!(json["listzonesresponse"]["zone"].is_array(), "{json}");
        // The client's query and its signer's carry the same parameters.
        let unsigned = |query: String| query.split_once("&expires=").unwrap().0.to_string();
        let query = client.signed_query("listzones", &Params::new()).unwrap();
        let again = client.signer().unwrap();
        let again = again.signed_query("listZones", &Params::new()).unwrap();
        assert_eq!(unsigned(query), unsigned(again));
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
