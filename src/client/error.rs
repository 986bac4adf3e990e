//! What can go wrong talking to a cloud, as typed errors whose `Display` is
//! the one readable message a user sees.

use std::fmt;

use super::params::ParamError;

/// An error answer of the API: `{"<command>response": {"errorcode": …}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The command that was called, as the user spelled it.
    pub command: String,
    /// The HTTP status of the answer (the server sets it to `errorcode`).
    pub http_status: u16,
    /// CloudStack's `errorcode` (431 parameter error, 530 internal error, …).
    pub errorcode: i64,
    /// CloudStack's `cserrorcode` (exception class), absent on some paths.
    pub cserrorcode: Option<i64>,
    /// The server's explanation.
    pub errortext: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {} (HTTP {}, errorcode {}",
            self.command, self.errortext, self.http_status, self.errorcode
        )?;
        if let Some(cserrorcode) = self.cserrorcode {
            write!(f, ", cserrorcode {cserrorcode}")?;
        }
        f.write_str(")")?;
        if self.errorcode == 401 || self.http_status == 401 {
            f.write_str(
                "\n  hint: the server could not verify the request. Usual causes: a wrong API key \
                 or secret key; this machine's clock is off (signed requests carry `expires`, and \
                 the server allows no skew: check with `date -u`); API key access disabled for the \
                 user or account; or the command is not allowed for the user's role",
            )?;
        }
        if self.errorcode == 429 {
            f.write_str(
                "\n  hint: the server throttles API calls (api.throttling); lower the rate with \
                 `max_requests_per_second` in the profile",
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// How a request failed below the API level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing answered at the address (refused, unreachable).
    Connect,
    /// The TLS handshake failed, usually an untrusted certificate.
    Tls,
    /// The request time limit passed.
    Timeout,
    /// No connection within `connect_timeout` (TCP, proxy or TLS
    /// handshake): the request was never sent.
    ConnectTimeout,
    /// The proxy refused the tunnel or asked for authentication: the
    /// request never reached the endpoint.
    Proxy,
    /// Anything else (connection reset, bad HTTP, …).
    Other,
}

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a CloudStack error.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The server refused (401 or 432) a command the API catalogue does not
    /// know: most likely a typo rather than a credentials problem.
    #[error(
        "{} is not a known CloudStack command{}\n  (the server answered HTTP {}, errorcode {}: {})",
        source.command,
        unknown_command_hint(suggestions),
        source.http_status,
        source.errorcode,
        source.errortext
    )]
    UnknownCommand {
        /// The server's answer.
        source: ApiError,
        /// The closest known command names, best first.
        suggestions: Vec<String>,
    },
    /// The server answered something that is not JSON, e.g. a proxy's error page.
    #[error(
        "{command}: the server answered HTTP {status} with {content_type} instead of JSON: \
         {first_line}{}", not_json_hint(*status, endpoint)
    )]
    NotJson {
        /// The command that was called.
        command: String,
        /// The endpoint that answered.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The answer's `Content-Type`, or `no content type`.
        content_type: String,
        /// The first non-empty line of the body, shortened.
        first_line: String,
    },
    /// The answer claimed JSON but did not parse (truncated, say).
    #[error("{command}: the server's answer (HTTP {status}) is not valid JSON: {message}")]
    InvalidJson {
        /// The command that was called.
        command: String,
        /// HTTP status.
        status: u16,
        /// The parser's description, with line and column.
        message: String,
    },
    /// An async answer whose `jobid` is not a short string or number.
    #[error("{command}: the server answered a job id that is not one: {shown}; not waited for")]
    OddJobId {
        /// The command that was called.
        command: String,
        /// What came back, cut short.
        shown: String,
    },
    /// Valid JSON without the `<command>response` key.
    #[error("{command}: the answer has no `{expected}` key (keys: {found})")]
    MissingResponse {
        /// The command that was called.
        command: String,
        /// The key that was expected.
        expected: String,
        /// The keys that were there.
        found: String,
    },
    /// The request did not get an HTTP answer.
    #[error("{command}: {message}{}", transport_hint(*kind))]
    Transport {
        /// The command that was called.
        command: String,
        /// What kind of failure.
        kind: TransportKind,
        /// A readable description, naming the endpoint.
        message: String,
    },
    /// The server redirected the request to another origin (host, port or
    /// scheme): it was not followed, so no credential went there.
    #[error(
        "{command}: {endpoint} redirected the request to {location}, another origin; not \
         followed, so that no credential is sent there\n  hint: if the cloud has moved, set the \
         endpoint to its new address (after checking that it is really yours)"
    )]
    RedirectRefused {
        /// The command that was called.
        command: String,
        /// The endpoint that answered with the redirect.
        endpoint: String,
        /// Where the redirect pointed (without query or user info).
        location: String,
    },
    /// The server redirected the request again and again within its origin.
    #[error("{command}: {endpoint} redirected the request too many times")]
    TooManyRedirects {
        /// The command that was called.
        command: String,
        /// The endpoint that answered with the redirects.
        endpoint: String,
    },
    /// The answer is larger than `max_response_size`; it was not read further.
    #[error(
        "{command}: the answer from {endpoint} is larger than {} (max_response_size); not read \
         further\n  hint: ask for less (a list command takes page and pagesize), or raise \
         `max_response_size` in the profile or $CLOUDSTACK_MAX_RESPONSE_SIZE if the server is \
         trusted",
        show_size(*limit)
    )]
    TooLarge {
        /// The command that was called.
        command: String,
        /// The endpoint that answered.
        endpoint: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// Parameters that cannot be sent.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// A parameter that csctl sets itself was given by the caller.
    #[error("parameter `{0}` is set by csctl and cannot be given")]
    Reserved(String),
    /// A saved login session was refused: it expired or was logged out.
    #[error(
        "the login session for {0} has ended (it expired, or was logged out); log in again with `csctl login`"
    )]
    SessionEnded(String),
    /// Signing was asked for with password credentials.
    #[error("signing needs an API key and a secret key; this profile logs in with a password")]
    NeedsApiKey,
    /// The endpoint setting is not an http(s) URL.
    #[error("the endpoint `{0}` is not an http:// or https:// URL")]
    BadEndpoint(String),
    /// The proxy setting is not a proxy URL csctl can use (shown without
    /// its credentials).
    #[error(
        "the proxy `{0}` is not a usable proxy URL (http://, https://, socks5:// or socks5h://)"
    )]
    BadProxy(String),
    /// The TLS settings cannot be used (unreadable CA bundle, …).
    #[error("TLS set-up failed: {0}")]
    TlsSetup(String),
    /// A state-changing call failed in a way that leaves its effect unknown.
    #[error(
        "{command} may or may not have been applied: {source}\n  hint: it was not retried, since \
         it changes state; check with the matching list command (e.g. listVirtualMachines or \
         listAsyncJobs) before calling it again"
    )]
    MaybeApplied {
        /// The command that was called.
        command: String,
        /// What happened.
        #[source]
        source: Box<ClientError>,
    },
    /// The server throttles and asks for a wait longer than csctl obeys.
    #[error(
        "{command}: the server throttles (HTTP 429) and asks to wait {}, longer than the {} \
         csctl waits at most; not retried: {source}",
        show_wait(*asked),
        show_wait(super::retry::MAX_THROTTLE_WAIT)
    )]
    ThrottledTooLong {
        /// The command that was called.
        command: String,
        /// The wait the server asked for.
        asked: std::time::Duration,
        /// The 429 answer.
        #[source]
        source: Box<ClientError>,
    },
    /// An async job ended in failure.
    #[error("job {jobid} failed: {errortext} (errorcode {errorcode})")]
    JobFailed {
        /// The job's id.
        jobid: String,
        /// The job result's `errorcode`.
        errorcode: i64,
        /// The job result's `errortext`.
        errortext: String,
    },
    /// A job did not end within the time allowed.
    #[error(
        "job {jobid} did not finish within {waited}; it may still complete: check with \
         `csctl call queryAsyncJobResult jobid={jobid}`"
    )]
    JobTimeout {
        /// The job's id.
        jobid: String,
        /// How long was waited, readable.
        waited: String,
    },
    /// The user pressed Ctrl-C.
    #[error("interrupted")]
    Cancelled,
}

/// A page instead of JSON: from a server that is down or overloaded (or a
/// proxy saying so), the endpoint may well be right; otherwise it is likely
/// not the API's.
fn not_json_hint(status: u16, endpoint: &str) -> String {
    match status {
        502..=504 => {
            "\n  hint: the server, or a proxy in front of it, is unavailable or overloaded; \
                      try again later"
                .to_string()
        }
        _ => format!("\n  hint: is {endpoint} the API endpoint (it usually ends in /client/api)?"),
    }
}

fn unknown_command_hint(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        return "; `csctl apis PATTERN` lists the commands csctl knows".into();
    }
    let names: Vec<&str> = suggestions.iter().map(String::as_str).collect();
    format!("; did you mean {}?", crate::catalog::or_list(&names))
}

/// A wait as people read it, whole seconds above a minute (`3years 2months`).
fn show_wait(wait: std::time::Duration) -> String {
    let wait = if wait >= std::time::Duration::from_secs(60) {
        std::time::Duration::from_secs(wait.as_secs())
    } else {
        wait
    };
    humantime::format_duration(wait).to_string()
}

/// A byte count as people read it: `64 MiB`, `1.5 KiB`, `100 bytes`.
pub fn show_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if bytes % size == 0 {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

fn transport_hint(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Tls => {
            "\n  hint: if the server uses a private or self-signed certificate, trust its CA with \
             --ca-bundle FILE (or `ca_bundle` in the profile); --insecure skips verification \
             (not recommended)"
        }
        TransportKind::Dns => "\n  hint: check the host name in the endpoint",
        TransportKind::Connect => {
            "\n  hint: check the endpoint's host and port, and that the server is running"
        }
        TransportKind::Timeout => {
            "\n  hint: raise the limit with --timeout SECONDS if the server is just slow"
        }
        TransportKind::ConnectTimeout => {
            "\n  note: the request was never sent\n  hint: raise `connect_timeout` in the \
             profile if the server (or the proxy) is just slow to answer"
        }
        TransportKind::Proxy => {
            "\n  hint: check the proxy (--proxy, the profile's `proxy`, HTTPS_PROXY, \
             HTTP_PROXY, ALL_PROXY; NO_PROXY for hosts reached directly)"
        }
        TransportKind::Other => "",
    }
}

impl ClientError {
    /// Whether the server certainly did not act on the request, so that
    /// sending it again cannot do anything twice.
    pub fn is_rejected_before_processing(&self) -> bool {
        match self {
            Self::Api(error) => error.errorcode == 429,
            Self::Transport { kind, .. } => {
                matches!(
                    kind,
                    TransportKind::Dns
                        | TransportKind::Connect
                        | TransportKind::Tls
                        | TransportKind::ConnectTimeout
                        | TransportKind::Proxy
                )
            }
            _ => false,
        }
    }
}
