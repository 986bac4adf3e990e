//! Everything the client needs to reach one cloud, once configuration has
//! been resolved (where each value comes from is the configuration's business).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::sign::SignatureAlgorithm;

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// API key and secret key: every request is signed.
    ApiKey {
        /// The user's API key (sent as `apiKey`).
        api_key: String,
        /// The secret key that signs requests; never sent, never printed.
        secret_key: String,
    },
    /// Username and password: a `login` opens a session; later calls carry
    /// the session cookie and `sessionkey`.
    Password {
        /// Login name.
        username: String,
        /// Password, sent only in the `login` POST body; never printed.
        password: String,
        /// Domain path such as `/` or `/customers/acme`.
        domain: String,
    },
    /// A session opened earlier (`csctl login`): calls carry its cookie and
    /// `sessionkey` until the server ends it.
    Session {
        /// The session key (sent as `sessionkey`); never printed.
        sessionkey: String,
        /// The `Cookie` header value (`JSESSIONID=…; sessionkey=…`); never printed.
        cookie: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey { .. } => {
                f.write_str("ApiKey { api_key: <redacted>, secret_key: <redacted> }")
            }
            Self::Password {
                username, domain, ..
            } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"<redacted>")
                .field("domain", domain)
                .finish(),
            Self::Session { .. } => {
                f.write_str("Session { sessionkey: <redacted>, cookie: <redacted> }")
            }
        }
    }
}

/// HTTP method used for API calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpMethod {
    /// Parameters in an `application/x-www-form-urlencoded` body: large
    /// userdata fits and nothing secret lands in access logs.
    #[default]
    Post,
    /// Parameters in the query string, for old or proxied servers.
    Get,
}

impl std::str::FromStr for HttpMethod {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "post" => Ok(Self::Post),
            "get" => Ok(Self::Get),
            _ => Err(format!(
                "unknown method `{text}` (expected `post` or `get`)"
            )),
        }
    }
}

/// TLS settings. Certificates are verified unless `insecure` is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// Skip certificate verification (`--insecure`). Off by default.
    pub insecure: bool,
    /// Extra PEM bundle of trusted certificate authorities.
    pub ca_bundle: Option<PathBuf>,
}

/// The fully resolved settings of one client.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The API endpoint, e.g. `https://cloud.example.com/client/api`.
    pub endpoint: String,
    /// How requests are authenticated.
    pub credentials: Credentials,
    /// HMAC used to sign requests.
    pub signature_algorithm: SignatureAlgorithm,
    /// POST (default) or GET.
    pub method: HttpMethod,
    /// How long a whole request may take.
    pub timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// The largest answer read, in bytes; a longer one fails the call.
    pub max_response_size: u64,
    /// How far ahead `expires` is set; `None` sends no `signatureVersion`/`expires`.
    pub expires: Option<Duration>,
    /// TLS settings.
    pub tls: TlsConfig,
    /// Client-side cap on requests per second; `None` means no cap.
    pub max_requests_per_second: Option<f64>,
    /// How many times a read-only call is sent again after a transient failure.
    pub retries: u32,
    /// 0: quiet; 1: one line per request and response; 2: bodies too.
    pub verbosity: u8,
    /// The proxy every request goes through (`http://`, `https://`,
    /// `socks5://` or `socks5h://`, credentials allowed), or `None` to go
    /// direct. The configuration decides it (`--proxy`, the profile, the
    /// environment as curl reads it); the client reads no environment.
    pub proxy: Option<String>,
}

impl ClientConfig {
    /// A configuration with the defaults for everything but endpoint and credentials.
    pub fn new(endpoint: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            endpoint: endpoint.into(),
            credentials,
            signature_algorithm: SignatureAlgorithm::Sha1,
            method: HttpMethod::Post,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            expires: Some(DEFAULT_EXPIRES),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            tls: TlsConfig::default(),
            max_requests_per_second: None,
            retries: DEFAULT_RETRIES,
            verbosity: 0,
            proxy: None,
        }
    }
}

/// `text` as it may be shown if it is a URL: without user info, query or
/// fragment (which could hold credentials or a signature); otherwise
/// `<not a URL>`, since text that does not parse could hold anything.
pub fn shown_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(url) => super::transport::shown_location(&url),
        Err(_) => "<not a URL>".to_string(),
    }
}

/// Default time limit of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time limit of connecting.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on the size of one answer: 64 MiB, far above any page of a
/// real cloud (a 500-VM page is a few MB), far below what hurts a machine.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 64 * 1024 * 1024;
/// Default number of retries of a read-only call.
pub const DEFAULT_RETRIES: u32 = 4;
/// Default validity window of a signed request (`expires`).
pub const DEFAULT_EXPIRES: Duration = Duration::from_secs(600);

/// The longest duration any setting accepts (a year): beyond it a value is
/// a typo or an attack, and date arithmetic could overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses a size: bytes (`1048576`) or a number with a unit (`64MiB`,
/// `512 KB`, `1G`; every unit is binary: K = 1024). At least 1 KiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("`{text}` is not a size (bytes, or a number with KiB, MiB or GiB)");
    let number: f64 = number.parse().map_err(|_| bad())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    let bytes = number * multiplier as f64;
    if !bytes.is_finite() || bytes < 1024.0 || bytes > (1u64 << 40) as f64 {
        return Err(format!("`{text}` is out of range (1 KiB to 1 TiB)"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bytes_or_binary_units_from_1_kib_to_1_tib() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size(" 512 KB "), Ok(512 << 10));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("1000").unwrap_err().contains("out of range"));
        assert!(parse_size("2048GiB").unwrap_err().contains("out of range"));
        assert!(parse_size("12 parsecs").unwrap_err().contains("not a size"));
    }
}
