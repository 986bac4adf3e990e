//! HTTP/1.1 exchanges with the endpoint's origin, over plain TCP or TLS:
//! one path for `http://` and `https://`, built on hyper's connection API.
//!
//! A [`Transport`] keeps a pool of keep-alive connections to its one origin
//! (a client talks to one endpoint, and follows redirects only within its
//! origin), follows same-origin redirects (at most [`MAX_REDIRECTS`]),
//! refuses any other, and reads at most `max_response_size` bytes of an
//! answer. Time limits on the whole exchange are the caller's
//! ([`super::http`]); connecting has its own. A connection has no task of
//! its own: the exchange using it drives it ([`drive`]), so that a call's
//! socket is read in the task that awaits the answer.
//!
//! Why not a general-purpose client: reqwest, used before, parsed the URL
//! twice more per request for its redirect support, whatever the policy,
//! and carried layers csctl does not use; a call's cost is measured in
//! docs/performance.md.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use http::{Method, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use url::{Host, Url};

use super::config::{ClientConfig, HttpMethod};
use super::error::{ClientError, TransportKind};
use super::tls::TlsSettings;

/// How many same-origin redirects one request may follow.
const MAX_REDIRECTS: usize = 5;

/// Idle connections kept per client, for concurrent page fetches and waits.
const MAX_IDLE: usize = 64;

/// A request body: the whole form, or nothing.
type Body = Full<Bytes>;

/// What the server answered, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, when it is text.
    pub content_type: Option<String>,
    /// The `name=value` of every cookie the server set (for login).
    pub cookies: Vec<String>,
    /// The body, at most `max_response_size` bytes.
    pub body: Vec<u8>,
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
    /// TLS could not be set up (no usable roots…).
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

/// Exchanges with one origin, over a pool of keep-alive connections.
pub(crate) struct Transport {
    endpoint: Url,
    /// Where the endpoint's requests go (origin-form: path and query).
    endpoint_target: String,
    /// `endpoint_target` parsed once, for POST requests.
    endpoint_uri: Uri,
    /// The `Host` header of every request.
    host_header: HeaderValue,
    /// The name the TLS certificate must carry.
    server_name: ServerName<'static>,
    connect_timeout: Duration,
    max_response_size: u64,
    tls_settings: TlsSettings,
    /// Built on the first `https://` connection; shared with the
    /// transports of [`Transport::with_own_pool`].
    tls: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
    idle: Mutex<Vec<Connection>>,
}

/// A keep-alive connection: the handle requests are sent through, and the
/// connection itself, which the exchange using it drives (see [`drive`]).
struct Connection {
    sender: SendRequest<Body>,
    /// `None` once the connection has ended.
    driver: Option<Driver>,
    /// The waker its exchanges poll with (see [`drive`]).
    wake: Arc<SelfWake>,
}

/// hyper's connection future: reads and writes the socket.
type Driver = Pin<Box<dyn Future<Output = Result<(), hyper::Error>> + Send>>;

impl Connection {
    fn is_usable(&self) -> bool {
        self.driver.is_some() && !self.sender.is_closed()
    }
}

/// Runs `work` while driving the connection, in the caller's own task: a
/// call's socket is read where its answer is awaited, so no other task is
/// woken in between. When the connection ends, hyper fails what was in
/// flight, and `work` learns it at once.
///
/// The connection and its requests signal each other through channels,
/// which wake the task they are polled in: those wakes, made while this
/// very future is being polled, are answered by polling again at once
/// ([`SelfWake`]), not by waking the executor, which would look for I/O
/// (a system call) before polling again.
async fn drive<F: Future>(driver: &mut Option<Driver>, wake: &Arc<SelfWake>, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|outer| {
        wake.set_outer(outer.waker());
        let waker = Waker::from(wake.clone());
        let mut context = Context::from_waker(&waker);
        for _ in 0..MAX_REPOLLS {
            wake.begin();
            if let Poll::Ready(output) = work.as_mut().poll(&mut context) {
                wake.end();
                return Poll::Ready(output);
            }
            let mut again = false;
            if let Some(connection) = driver {
                if connection.as_mut().poll(&mut context).is_ready() {
                    // Dropped, so that everything it held in flight fails now.
                    *driver = None;
                    again = true;
                }
            }
            if !(wake.end() || again) {
                return Poll::Pending;
            }
        }
        // Still waking itself: let the executor run the others first.
        outer.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// How many times in a row [`drive`] polls again on its own wakes.
const MAX_REPOLLS: usize = 32;

/// The waker [`drive`] polls with: a wake during its poll asks for another
/// poll; any other is passed to the executor's waker.
#[derive(Default)]
struct SelfWake {
    polling: AtomicBool,
    again: AtomicBool,
    outer: Mutex<Option<Waker>>,
}

impl SelfWake {
    fn set_outer(&self, waker: &Waker) {
        let mut outer = self
            .outer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !outer.as_ref().is_some_and(|known| known.will_wake(waker)) {
            *outer = Some(waker.clone());
        }
    }

    fn begin(&self) {
        self.again.store(false, Ordering::SeqCst);
        self.polling.store(true, Ordering::SeqCst);
    }

    /// Ends a poll: whether it was woken meanwhile.
    fn end(&self) -> bool {
        self.polling.store(false, Ordering::SeqCst);
        self.again.swap(false, Ordering::SeqCst)
    }
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.polling.load(Ordering::SeqCst) {
            self.again.store(true, Ordering::SeqCst);
            // Still polling: it will see `again`. Otherwise the poll may
            // have ended before the store, so the executor is woken too.
            if self.polling.load(Ordering::SeqCst) {
                return;
            }
        }
        let outer = self
            .outer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(waker) = outer.as_ref() {
            waker.wake_by_ref();
        }
    }
}

impl Transport {
    /// A transport to `url`'s origin with `config`'s limits and TLS
    /// settings (a CA bundle is read now).
    pub(crate) fn new(url: &Url, config: &ClientConfig) -> Result<Self, ClientError> {
        let bad_endpoint = || ClientError::BadEndpoint(config.endpoint.clone());
        let host = url.host_str().ok_or_else(bad_endpoint)?;
        let host_header = match url.port() {
            Some(port) => HeaderValue::from_str(&format!("{host}:{port}")),
            None => HeaderValue::from_str(host),
        }
        .map_err(|_| bad_endpoint())?;
        let server_name = match url.host().ok_or_else(bad_endpoint)? {
            Host::Domain(name) => {
                ServerName::try_from(name.to_string()).map_err(|_| bad_endpoint())?
            }
            Host::Ipv4(address) => ServerName::IpAddress(std::net::IpAddr::V4(address).into()),
            Host::Ipv6(address) => ServerName::IpAddress(std::net::IpAddr::V6(address).into()),
        };
        Ok(Self {
            endpoint: url.clone(),
            endpoint_target: origin_form(url),
            endpoint_uri: Uri::try_from(origin_form(url)).map_err(|_| bad_endpoint())?,
            host_header,
            server_name,
            connect_timeout: config.connect_timeout,
            max_response_size: config.max_response_size,
            tls_settings: TlsSettings::load(&config.tls)?,
            tls: Arc::new(OnceLock::new()),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The same transport with an empty pool of its own: connections belong
    /// to the runtime that opened them (see `Client::with_own_pool`).
    pub(crate) fn with_own_pool(&self) -> Self {
        Self {
            endpoint: self.endpoint.clone(),
            endpoint_target: self.endpoint_target.clone(),
            endpoint_uri: self.endpoint_uri.clone(),
            host_header: self.host_header.clone(),
            server_name: self.server_name.clone(),
            connect_timeout: self.connect_timeout,
            max_response_size: self.max_response_size,
            tls_settings: self.tls_settings.clone(),
            tls: self.tls.clone(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends `outgoing` to the endpoint, follows same-origin redirects, and
    /// reads the answer whole.
    pub(crate) async fn exchange(&self, outgoing: Outgoing<'_>) -> Result<Answer, Failure> {
        let mut method = match outgoing.method {
            HttpMethod::Post => Method::POST,
            HttpMethod::Get => Method::GET,
        };
        let mut body = Bytes::new();
        let mut target = match outgoing.method {
            HttpMethod::Post => {
                body = Bytes::from(outgoing.form);
                self.endpoint_uri.clone()
            }
            HttpMethod::Get => {
                let mut target = self.endpoint_target.clone();
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str(&outgoing.form);
                parse_target(target)?
            }
        };
        let mut current: Option<Url> = None;
        for hop in 0..=MAX_REDIRECTS {
            let request = self.request(&method, target.clone(), &body, outgoing.cookie);
            let (response, mut connection) = self.send(request).await?;
            let Some(next) = redirect_target(&response, current.as_ref().unwrap_or(&self.endpoint))
            else {
                let answer = drive(
                    &mut connection.driver,
                    &connection.wake,
                    self.read(response),
                )
                .await?;
                self.check_in(connection);
                return Ok(answer);
            };
            if !same_origin(&self.endpoint, &next) {
                return Err(Failure::RedirectRefused(shown_location(&next)));
            }
            if hop == MAX_REDIRECTS {
                return Err(Failure::TooManyRedirects);
            }
            // As browsers do: 301, 302 and 303 turn a POST into a GET
            // without a body; 307 and 308 repeat the request as it was.
            if matches!(response.status().as_u16(), 301..=303) && method == Method::POST {
                method = Method::GET;
                body = Bytes::new();
            }
            target = parse_target(origin_form(&next))?;
            current = Some(next);
        }
        Err(Failure::TooManyRedirects)
    }

    fn request(
        &self,
        method: &Method,
        uri: Uri,
        body: &Bytes,
        cookie: Option<&str>,
    ) -> Request<Body> {
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, self.host_header.clone());
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(concat!("csctl/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
        if *method == Method::POST {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        if let Some(value) = cookie.and_then(|text| HeaderValue::from_str(text).ok()) {
            headers.insert(COOKIE, value);
        }
        request
    }

    /// Sends a request on an idle connection, or a new one, and returns
    /// the answer's head with the connection its body arrives on. A request
    /// that an idle connection could not take (closed meanwhile) goes on
    /// another; one that was written is never sent twice here (retrying is
    /// the caller's decision, by command).
    async fn send(
        &self,
        mut request: Request<Body>,
    ) -> Result<(Response<Incoming>, Connection), Failure> {
        loop {
            let (mut connection, reused) = match self.check_out() {
                Some(connection) => (connection, true),
                // Boxed: connecting (TLS above all) takes a large state,
                // needed only when no idle connection is left.
                None => (Box::pin(self.connect()).await?, false),
            };
            let Connection {
                sender,
                driver,
                wake,
            } = &mut connection;
            if let Err(error) = drive(driver, wake, sender.ready()).await {
                if reused {
                    continue;
                }
                return Err(Failure::transport(TransportKind::Other, describe(&error)));
            }
            // In an `async` block, so that handing the request over (which
            // wakes the connection) happens inside `drive`'s poll.
            match drive(driver, wake, async {
                sender.try_send_request(request).await
            })
            .await
            {
                Ok(response) => return Ok((response, connection)),
                Err(mut error) => match error.take_message() {
                    Some(unsent) if reused => request = unsent,
                    _ => {
                        let error = error.into_error();
                        let kind = if error.is_timeout() {
                            TransportKind::Timeout
                        } else {
                            TransportKind::Other
                        };
                        return Err(Failure::transport(kind, describe(&error)));
                    }
                },
            }
        }
    }

    /// Reads the answer whole, at most `max_response_size` bytes (the
    /// caller drives its connection meanwhile).
    async fn read(&self, response: Response<Incoming>) -> Result<Answer, Failure> {
        let limit = self.max_response_size;
        let (parts, mut body) = response.into_parts();
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(Failure::TooLarge);
        }
        let capacity = declared.unwrap_or(8 * 1024).min(limit);
        let mut bytes = Vec::with_capacity(capacity as usize);
        while let Some(frame) = body.frame().await {
            let frame = frame
                .map_err(|error| Failure::transport(TransportKind::Other, describe(&error)))?;
            if let Ok(data) = frame.into_data() {
                if (bytes.len() + data.len()) as u64 > limit {
                    return Err(Failure::TooLarge);
                }
                bytes.extend_from_slice(&data);
            }
        }
        let cookies = parts
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .filter_map(|text| text.split(';').next())
            .map(|pair| pair.trim().to_string())
            .collect();
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        Ok(Answer {
            status: parts.status.as_u16(),
            content_type,
            cookies,
            body: bytes,
        })
    }

    fn check_out(&self) -> Option<Connection> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some(connection) = idle.pop() {
            if connection.is_usable() {
                return Some(connection);
            }
        }
        None
    }

    fn check_in(&self, connection: Connection) {
        if !connection.is_usable() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    /// Opens a connection (resolving, TCP, TLS for `https://`) within the
    /// connect time limit.
    async fn connect(&self) -> Result<Connection, Failure> {
        let connecting = async {
            let stream = self.open_tcp().await?;
            if self.endpoint.scheme() == "https" {
                let config = self.tls_config()?;
                let stream = tokio_rustls::TlsConnector::from(config)
                    .connect(self.server_name.clone(), stream)
                    .await
                    .map_err(|error| Failure::transport(TransportKind::Tls, describe(&error)))?;
                handshake(TokioIo::new(stream)).await
            } else {
                handshake(TokioIo::new(stream)).await
            }
        };
        match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(connected) => connected,
            Err(_) => Err(Failure::transport(
                TransportKind::Timeout,
                format!(
                    "no connection within {}",
                    humantime::format_duration(self.connect_timeout)
                ),
            )),
        }
    }

    async fn open_tcp(&self) -> Result<TcpStream, Failure> {
        let port = self.endpoint.port_or_known_default().unwrap_or(80);
        let addresses: Vec<SocketAddr> = match self.endpoint.host() {
            Some(Host::Ipv4(address)) => vec![SocketAddr::from((address, port))],
            Some(Host::Ipv6(address)) => vec![SocketAddr::from((address, port))],
            Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|error| {
                    Failure::transport(TransportKind::Dns, format!("dns error: {error}"))
                })?
                .collect(),
            None => Vec::new(),
        };
        let mut last_error = None;
        for address in addresses {
            match TcpStream::connect(address).await {
                Ok(stream) => {
                    // Requests are small and sent whole: no reason to wait.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(match last_error {
            Some(error) => Failure::transport(
                TransportKind::Connect,
                format!("tcp connect error: {error}"),
            ),
            None => Failure::transport(TransportKind::Dns, "dns error: no address found"),
        })
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, Failure> {
        if let Some(config) = self.tls.get() {
            return Ok(config.clone());
        }
        let config = self.tls_settings.client_config().map_err(Failure::Setup)?;
        Ok(self.tls.get_or_init(|| config).clone())
    }
}

/// Starts HTTP/1.1 on a connected stream.
async fn handshake<I>(io: I) -> Result<Connection, Failure>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|error| Failure::transport(TransportKind::Other, describe(&error)))?;
    Ok(Connection {
        sender,
        driver: Some(Box::pin(connection)),
        wake: Arc::default(),
    })
}

/// A request target as hyper takes it.
fn parse_target(target: String) -> Result<Uri, Failure> {
    Uri::try_from(target)
        .map_err(|error| Failure::transport(TransportKind::Other, error.to_string()))
}

/// The request target of `url` (origin-form): its path and query.
fn origin_form(url: &Url) -> String {
    url[url::Position::BeforePath..url::Position::AfterQuery].to_string()
}

/// Where a redirect answer points, resolved against the URL it answered;
/// `None` for any other answer (or a redirect without a usable `Location`,
/// which is then the answer).
fn redirect_target(response: &Response<Incoming>, base: &Url) -> Option<Url> {
    if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    base.join(location).ok()
}

/// Whether two URLs share scheme, host and port (so an https request is
/// never sent on over plain http).
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Where a redirect pointed, without user info, query or fragment (which
/// could hold anything the server chose to put there).
fn shown_location(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// An error and its sources joined by `: `, each said once.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
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

    #[test]
    fn the_request_target_is_the_path_and_query() {
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(origin_form(&url("http://h:8080/client/api")), "/client/api");
        assert_eq!(origin_form(&url("http://h/a/b?x=1#frag")), "/a/b?x=1");
        assert_eq!(origin_form(&url("http://h")), "/");
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
        let transport = Transport::new(&url, &config).unwrap();
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
