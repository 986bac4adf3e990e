//! HTTP exchanges with the endpoint's origin, on reqwest: one path for
//! `http://` and `https://`, direct or through a proxy.
//!
//! A [`Transport`] holds a reqwest client (its pool of keep-alive
//! connections), built on the first exchange so that nothing is set up for
//! a command that never sends a request; its redirect policy follows
//! same-origin redirects only (at most [`MAX_REDIRECTS`]); answers are asked
//! for compressed and decoded as they stream in, and at most
//! `max_response_size` *decoded* bytes are read (a gzip bomb ends with the
//! size message, in bounded memory). Time limits on the whole exchange are
//! the caller's ([`super::http`]); connecting (TCP, proxy and TLS
//! handshakes) has its own.
//!
//! At `-vv` the answer's bytes on the wire are counted too. reqwest drops
//! `Content-Length` and `Content-Encoding` of an answer it decodes (and
//! answers are mostly chunked anyway), and its connector layers cannot wrap
//! a connection's IO (their `Conn` is sealed); so the verbose client is
//! built without reqwest's decoding and puts the very layer reqwest itself
//! decodes with, tower-http's `Decompression`, above a counter of the body
//! as it arrives ([`counted`]). The default path is reqwest's own, at no
//! cost.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, SET_COOKIE};
use url::Url;

use super::config::{ClientConfig, HttpMethod};
use super::counted;
use super::error::{ClientError, TransportKind};
use super::tls::TlsSettings;

/// How many same-origin redirects one request may follow.
const MAX_REDIRECTS: usize = 5;

/// Idle connections kept per client, for concurrent page fetches and waits.
const MAX_IDLE: usize = 64;

/// What the server answered, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, when it is text.
    pub content_type: Option<String>,
    /// The `name=value` of every cookie the server set (for login).
    pub cookies: Vec<String>,
    /// The decoded body, at most `max_response_size` bytes.
    pub body: Vec<u8>,
    /// What came over the wire, when counted (`-vv`).
    pub wire: Option<counted::Wire>,
}

/// Why an exchange got no answer to decode.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Resolving, connecting, TLS or the HTTP exchange failed.
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// The causes, e.g. `tcp connect error: Connection refused (os error 111)`.
        detail: String,
    },
    /// A redirect to another origin, where it shows (no user info, query or
    /// fragment).
    RedirectRefused(String),
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects,
    /// The answer is larger than `max_response_size`.
    TooLarge,
    /// The client could not be set up (TLS without usable roots, a proxy
    /// URL reqwest refuses…).
    Setup(ClientError),
}

impl Failure {
    fn transport(kind: TransportKind, detail: impl Into<String>) -> Self {
        Self::Transport {
            kind,
            detail: detail.into(),
        }
    }
}

/// The pieces of a request a call sends.
pub(crate) struct Outgoing<'a> {
    /// POST (the form in the body) or GET (the form as the query).
    pub method: HttpMethod,
    /// The `application/x-www-form-urlencoded` parameters.
    pub form: String,
    /// A `Cookie` header (a login session's).
    pub cookie: Option<&'a str>,
}

/// Exchanges with one origin, over reqwest's pool of keep-alive connections.
pub(crate) struct Transport {
    /// The endpoint, without user info.
    endpoint: Url,
    connect_timeout: Duration,
    max_response_size: u64,
    /// Whether answers' bytes on the wire are counted (`-vv`).
    count_wire: bool,
    /// `Authorization: Basic …` from the endpoint URL's user info, if any.
    basic_auth: Option<HeaderValue>,
    /// The proxy every request goes through, if any (credentials included).
    proxy: Option<Url>,
    tls_settings: TlsSettings,
    /// Built when first needed (an `https://` endpoint or proxy); shared
    /// with the transports of [`Transport::with_own_pool`].
    tls: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
    /// Built on the first exchange.
    http: OnceLock<reqwest::Client>,
}

impl Transport {
    /// A transport to `url`'s origin with `config`'s limits, proxy and TLS
    /// settings (a CA bundle is read now). `url` carries no user info:
    /// `basic_auth` is what it held.
    pub(crate) fn new(
        url: &Url,
        config: &ClientConfig,
        basic_auth: Option<HeaderValue>,
    ) -> Result<Self, ClientError> {
        let proxy = match &config.proxy {
            Some(text) => Some(
                Url::parse(text)
                    .map_err(|_| ClientError::BadProxy(super::config::shown_url(text)))?,
            ),
            None => None,
        };
        Ok(Self {
            endpoint: url.clone(),
            connect_timeout: config.connect_timeout,
            max_response_size: config.max_response_size,
            count_wire: config.verbosity >= 2,
            basic_auth,
            proxy,
            tls_settings: TlsSettings::load(&config.tls)?,
            tls: Arc::new(OnceLock::new()),
            http: OnceLock::new(),
        })
    }

    /// The same transport with an empty pool of its own: connections belong
    /// to the runtime that opened them (see `Client::with_own_pool`).
    pub(crate) fn with_own_pool(&self) -> Self {
        Self {
            endpoint: self.endpoint.clone(),
            connect_timeout: self.connect_timeout,
            max_response_size: self.max_response_size,
            count_wire: self.count_wire,
            basic_auth: self.basic_auth.clone(),
            proxy: self.proxy.clone(),
            tls_settings: self.tls_settings.clone(),
            tls: self.tls.clone(),
            http: OnceLock::new(),
        }
    }

    /// The proxy requests go through, as it may be shown (no credentials).
    pub(crate) fn shown_proxy(&self) -> Option<String> {
        self.proxy.as_ref().map(shown_location)
    }

    /// Sends `outgoing` to the endpoint, follows same-origin redirects, and
    /// reads the answer whole.
    pub(crate) async fn exchange(&self, outgoing: Outgoing<'_>) -> Result<Answer, Failure> {
        let http = self.http()?;
        let mut request = match outgoing.method {
            HttpMethod::Post => http
                .post(self.endpoint.clone())
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .body(outgoing.form),
            HttpMethod::Get => {
                let mut url = self.endpoint.clone();
                let query = match url.query() {
                    Some(query) if !query.is_empty() => format!("{query}&{}", outgoing.form),
                    _ => outgoing.form,
                };
                url.set_query(Some(&query));
                http.get(url)
            }
        };
        if let Some(value) = outgoing
            .cookie
            .and_then(|text| HeaderValue::from_str(text).ok())
        {
            request = request.header(COOKIE, value);
        }
        if let Some(value) = &self.basic_auth {
            request = request.header(http::header::AUTHORIZATION, value.clone());
        }
        if self.count_wire {
            return self.exchange_counted(http, request).await;
        }
        let response = request.send().await.map_err(classify)?;
        self.read(response).await
    }

    /// [`Self::exchange`] at `-vv`: reqwest's decoding layer over a counter
    /// of the bytes as they arrive (see the module's doc).
    async fn exchange_counted(
        &self,
        http: &reqwest::Client,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, Failure> {
        use http_body_util::BodyExt as _;
        let request = request.build().map_err(classify)?;
        let (response, count) = counted::send(http, request).await.map_err(classify)?;
        let limit = self.max_response_size;
        let head = Head::of(response.status().as_u16(), response.headers(), limit)?;
        let mut body = std::pin::pin!(response.into_body());
        let mut bytes = Vec::with_capacity(head.capacity);
        while let Some(frame) = body.as_mut().frame().await {
            let frame = frame.map_err(classify_boxed)?;
            if let Ok(chunk) = frame.into_data() {
                append_capped(&mut bytes, &chunk, limit)?;
            }
        }
        Ok(head.answer(bytes, Some(count.wire())))
    }

    /// The reqwest client, built on first use.
    fn http(&self) -> Result<&reqwest::Client, Failure> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = self.build().map_err(Failure::Setup)?;
        Ok(self.http.get_or_init(|| http))
    }

    fn build(&self) -> Result<reqwest::Client, ClientError> {
        let endpoint = self.endpoint.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if !same_origin(&endpoint, attempt.url()) {
                let location = shown_location(attempt.url());
                return attempt.error(Redirect::Refused(location));
            }
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(Redirect::TooMany);
            }
            attempt.follow()
        });
        let mut builder = reqwest::Client::builder()
            .redirect(redirects)
            .connect_timeout(self.connect_timeout)
            .pool_max_idle_per_host(MAX_IDLE)
            .http1_only()
            // Requests are small and sent whole: no reason to wait.
            .tcp_nodelay(true)
            .user_agent(concat!("csctl/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(self.tls_config()?.as_ref().clone());
        if self.count_wire {
            // Decoded above the byte counter instead (`counted`).
            builder = builder.no_gzip().no_deflate().no_brotli().no_zstd();
        }
        builder = match &self.proxy {
            // Only the configuration decides (it read the environment):
            // reqwest must not read it again.
            None => builder.no_proxy(),
            Some(proxy) => builder.no_proxy().proxy(
                reqwest::Proxy::all(proxy.as_str())
                    .map_err(|_| ClientError::BadProxy(shown_location(proxy)))?,
            ),
        };
        builder
            .build()
            .map_err(|error| ClientError::TlsSetup(describe(&error)))
    }

    /// The rustls configuration: the real one when TLS will be spoken (an
    /// `https://` endpoint or proxy); otherwise one that trusts nothing and
    /// costs nothing, since loading the system's roots costs millions of
    /// instructions that a plain `http://` endpoint never needs.
    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, ClientError> {
        let speaks_tls = self.endpoint.scheme() == "https"
            || self
                .proxy
                .as_ref()
                .is_some_and(|proxy| proxy.scheme() == "https");
        if !speaks_tls {
            return self.tls_settings.unused_config();
        }
        if let Some(config) = self.tls.get() {
            return Ok(config.clone());
        }
        let config = self.tls_settings.client_config()?;
        Ok(self.tls.get_or_init(|| config).clone())
    }

    /// Reads the answer whole, decoded, at most `max_response_size` bytes.
    async fn read(&self, mut response: reqwest::Response) -> Result<Answer, Failure> {
        let limit = self.max_response_size;
        let head = Head::of(response.status().as_u16(), response.headers(), limit)?;
        let mut bytes = Vec::with_capacity(head.capacity);
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            append_capped(&mut bytes, &chunk, limit)?;
        }
        Ok(head.answer(bytes, None))
    }
}

/// Adds a piece of the decoded body, or stops once the body would pass
/// `limit` (`max_response_size`): the one size cap both read paths keep.
fn append_capped(bytes: &mut Vec<u8>, chunk: &[u8], limit: u64) -> Result<(), Failure> {
    if (bytes.len() + chunk.len()) as u64 > limit {
        return Err(Failure::TooLarge);
    }
    bytes.extend_from_slice(chunk);
    Ok(())
}

/// What an answer's head tells before its body is read.
struct Head {
    status: u16,
    content_type: Option<String>,
    cookies: Vec<String>,
    /// The room to set aside for the body.
    capacity: usize,
}

impl Head {
    /// The head of an answer, or [`Failure::TooLarge`] when it declares a
    /// body larger than `limit`.
    fn of(status: u16, headers: &HeaderMap, limit: u64) -> Result<Self, Failure> {
        // The decoding layer drops `Content-Length` and `Content-Encoding`
        // of an answer it decodes: a length left is that of the body as
        // read.
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(Failure::TooLarge);
        }
        let cookies = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .filter_map(|text| text.split(';').next())
            .map(|pair| pair.trim().to_string())
            .collect();
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        Ok(Self {
            status,
            content_type,
            cookies,
            capacity: declared.unwrap_or(8 * 1024).min(limit) as usize,
        })
    }

    fn answer(self, body: Vec<u8>, wire: Option<counted::Wire>) -> Answer {
        Answer {
            status: self.status,
            content_type: self.content_type,
            cookies: self.cookies,
            body,
            wire,
        }
    }
}

/// Why the redirect policy stopped a request.
#[derive(Debug)]
enum Redirect {
    /// To another origin, shown without user info, query or fragment.
    Refused(String),
    /// More than [`MAX_REDIRECTS`].
    TooMany,
}

impl std::fmt::Display for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(location) => write!(f, "redirect to {location} refused"),
            Self::TooMany => f.write_str("too many redirects"),
        }
    }
}

impl std::error::Error for Redirect {}

/// What kind of failure a reqwest error is, described without its URL (a
/// GET URL holds the API key and signature).
fn classify(error: reqwest::Error) -> Failure {
    let error = error.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut tls = false;
    let mut proxy = None;
    while let Some(cause) = source {
        if let Some(redirect) = cause.downcast_ref::<Redirect>() {
            return match redirect {
                Redirect::Refused(location) => Failure::RedirectRefused(location.clone()),
                Redirect::TooMany => Failure::TooManyRedirects,
            };
        }
        if is_tls(cause) {
            tls = true;
        }
        // hyper-util's tunnel errors are private: known by their text.
        let text = cause.to_string();
        if text.ends_with("proxy authorization required") {
            proxy = Some(ProxyRefusal::Auth);
        } else if text == "unsuccessful" || text.ends_with("tunnel error: unsuccessful") {
            proxy = Some(ProxyRefusal::Refused);
        }
        source = cause.source();
    }
    let detail = describe(&error);
    if error.is_connect() && error.is_timeout() {
        return Failure::transport(TransportKind::ConnectTimeout, detail);
    }
    if let Some(refusal) = proxy {
        let detail = match refusal {
            ProxyRefusal::Auth => {
                "the proxy asks for authentication (407): give its user and password in the \
                 proxy URL (http://user:password@proxy:port)"
            }
            ProxyRefusal::Refused => "the proxy refused to open a tunnel (CONNECT) to the endpoint",
        };
        return Failure::transport(TransportKind::Proxy, detail);
    }
    let kind = if tls {
        TransportKind::Tls
    } else if error.is_timeout() {
        TransportKind::Timeout
    } else if detail.contains("dns error") {
        TransportKind::Dns
    } else if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    Failure::transport(kind, detail)
}

/// [`classify`] for the decoding layer's errors: reqwest's own, or the
/// decoder's (a corrupt compressed body).
fn classify_boxed(error: Box<dyn std::error::Error + Send + Sync>) -> Failure {
    match error.downcast::<reqwest::Error>() {
        Ok(error) => classify(*error),
        Err(other) => Failure::transport(
            TransportKind::Other,
            format!("cannot decode the answer: {}", describe(other.as_ref())),
        ),
    }
}

/// Whether `error` is a rustls error, or an `io::Error` that wraps one
/// (perhaps in another `io::Error`): `io::Error::source()` skips what it
/// wraps, so the chain alone does not show it.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    let mut wrapped = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref);
    while let Some(inner) = wrapped {
        if inner.is::<rustls::Error>() {
            return true;
        }
        wrapped = inner
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref);
    }
    false
}

/// How a proxy stopped a tunnel.
enum ProxyRefusal {
    Auth,
    Refused,
}

/// Whether two URLs share scheme, host and port (so an https request is
/// never sent on over plain http).
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A URL without user info, query or fragment (which could hold anything:
/// credentials, a signature, what a server chose to put there).
pub(crate) fn shown_location(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// An error and its sources joined by `: `, each said once; reqwest's own
/// wrappers ("error sending request", "client error (Connect)") are left
/// out, as they say nothing the message does not.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        let wrapper = text.starts_with("error sending request")
            || text.starts_with("client error (")
            || text == "error decoding response body";
        if !text.is_empty() && !wrapper && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
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
    fn redirects_are_followed_within_one_origin_only() {
        let url = |text: &str| Url::parse(text).unwrap();
        let endpoint = url("https://cloud.example.com/client/api");
        assert!(same_origin(
            &endpoint,
            &url("https://cloud.example.com:443/other")
        ));
        for other in [
            "http://cloud.example.com/client/api",
            "https://cloud.example.com:8443/client/api",
            "https://evil.example.com/client/api",
        ] {
            assert!(!same_origin(&endpoint, &url(other)), "{other}");
        }
        assert_eq!(
            shown_location(&url("http://u:p@evil.example.com/a?signature=x#f")),
            "http://evil.example.com/a"
        );
    }

    /// A server that answers one request per connection, then closes it
    /// (as a server does when its keep-alive limit is reached); returns its
    /// endpoint and the number of connections it accepted.
    fn one_answer_per_connection() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}/client/api", listener.local_addr().unwrap());
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.ends_with(b"\r\n\r\n") {
                    let read = stream.read(&mut buffer).unwrap();
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&buffer[..read]);
                }
                let body = b"{}";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
                // Dropped: the connection closes after one answer.
            }
        });
        (endpoint, accepted)
    }

    #[test]
    fn a_connection_the_server_closed_is_not_used_again() {
        closed_connections_are_replaced(Duration::from_millis(30));
    }

    #[test]
    fn a_connection_closed_just_after_its_answer_is_not_used_again() {
        closed_connections_are_replaced(Duration::ZERO);
    }

    /// Three requests, `pause` apart, to a server that closes each
    /// connection after one answer: each succeeds, on a connection of its
    /// own.
    fn closed_connections_are_replaced(pause: Duration) {
        let (endpoint, accepted) = one_answer_per_connection();
        let url = Url::parse(&endpoint).unwrap();
        let config = ClientConfig::new(
            endpoint.clone(),
            super::super::config::Credentials::ApiKey {
                api_key: "k".into(),
                secret_key: "s".into(),
            },
        );
        let transport = Transport::new(&url, &config, None).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            for _ in 0..3 {
                let answer = transport
                    .exchange(Outgoing {
                        method: HttpMethod::Get,
                        form: "command=listZones".into(),
                        cookie: None,
                    })
                    .await
                    .unwrap();
                assert_eq!((answer.status, &answer.body[..]), (200, &b"{}"[..]));
                tokio::time::sleep(pause).await;
            }
        });
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[test]
    fn errors_are_described_with_their_causes_once() {
        #[derive(Debug)]
        struct Wrapper(std::io::Error, &'static str);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.1)
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let cause = || std::io::Error::other("connection reset");
        assert_eq!(
            describe(&Wrapper(cause(), "error reading a body")),
            "error reading a body: connection reset"
        );
        // A cause its wrapper already quotes is not said twice.
        assert_eq!(
            describe(&Wrapper(cause(), "io: connection reset")),
            "io: connection reset"
        );
    }
}
