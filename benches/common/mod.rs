//! What the end-to-end bench binaries (`raw_loop`, `sim_load`) share: their
//! command-line options, pre-signing a request with the library (so that the
//! bytes are exactly those csctl sends) and a minimal blocking HTTP/1.1
//! keep-alive client over `std::net::TcpStream`.
//!
//! The client is deliberately bare: one request written with one `write`,
//! the answer read until its `Content-Length` is complete, the connection
//! kept. It is the network floor that csctl is compared against.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use csctl::client::{Client, ClientConfig, Credentials, HttpMethod, Params};

/// Options common to the bench binaries, read from `--name value` words
/// (unknown words, such as the `--bench` that `cargo bench` passes, are
/// skipped).
pub struct Options {
    pub endpoint: String,
    pub api_key: String,
    pub secret_key: String,
    pub command: String,
    pub method: HttpMethod,
    words: Vec<(String, String)>,
}

impl Options {
    pub fn from_args() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut words = Vec::new();
        let mut index = 0;
        while index < args.len() {
            if let Some(name) = args[index].strip_prefix("--") {
                if let Some(value) = args.get(index + 1).filter(|v| !v.starts_with("--")) {
                    words.push((name.to_string(), value.clone()));
                    index += 2;
                    continue;
                }
                words.push((name.to_string(), String::new()));
            }
            index += 1;
        }
        let find = |name: &str, default: &str| {
            words
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map_or_else(|| default.to_string(), |(_, v)| v.clone())
        };
        let env_or =
            |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.into());
        Options {
            endpoint: find(
                "endpoint",
                &env_or("CLOUDSTACK_ENDPOINT", "http://127.0.0.1:8080/client/api"),
            ),
            api_key: find("api-key", &env_or("CLOUDSTACK_KEY", "csctl-demo-api-key")),
            secret_key: find(
                "secret-key",
                &env_or("CLOUDSTACK_SECRET", "csctl-demo-secret-key"),
            ),
            command: find("command", "listZones"),
            method: find("method", "post").parse().expect("--method post|get"),
            words,
        }
    }

    /// A numeric option.
    pub fn number(&self, name: &str, default: u64) -> u64 {
        self.words
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(default, |(_, v)| {
                v.parse()
                    .unwrap_or_else(|_| panic!("--{name} takes a number"))
            })
    }

    /// Whether a flag is given.
    pub fn flag(&self, name: &str) -> bool {
        self.words.iter().any(|(n, _)| n == name)
    }
}

/// The parts of an `http://host:port/path` endpoint.
pub struct Target {
    pub host_port: String,
    pub path: String,
}

pub fn parse_endpoint(endpoint: &str) -> Target {
    let rest = endpoint
        .strip_prefix("http://")
        .expect("the bench binaries speak plain http:// only");
    let (host_port, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    Target {
        host_port: host_port.to_string(),
        path: path.to_string(),
    }
}

/// The whole HTTP request csctl would send for `options.command` (signed
/// with `signatureVersion=3`, `expires` 10 minutes ahead), as bytes to write
/// again and again.
pub fn presigned_request(options: &Options) -> Vec<u8> {
    let mut config = ClientConfig::new(
        options.endpoint.clone(),
        Credentials::ApiKey {
            api_key: options.api_key.clone(),
            secret_key: options.secret_key.clone(),
        },
    );
    config.expires = Some(Duration::from_secs(600));
    let client = Client::new(config).expect("client");
    let form = client
        .signed_query(&options.command, &Params::new())
        .expect("signed query");
    let target = parse_endpoint(&options.endpoint);
    let ua = concat!("csctl-bench/", env!("CARGO_PKG_VERSION"));
    let text = match options.method {
        HttpMethod::Post => format!(
            "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
             user-agent: {ua}\r\naccept: */*\r\ncontent-length: {}\r\n\r\n{form}",
            target.path,
            target.host_port,
            form.len()
        ),
        HttpMethod::Get => format!(
            "GET {}?{form} HTTP/1.1\r\nhost: {}\r\nuser-agent: {ua}\r\naccept: */*\r\n\r\n",
            target.path, target.host_port
        ),
    };
    text.into_bytes()
}

/// One keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    pub fn open(host_port: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(host_port)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends `request` and reads the whole answer; returns its status.
    pub fn exchange(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.stream.write_all(request)?;
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some((status, head, length)) = parse_head(&self.buffer) {
                if self.buffer.len() >= head + length {
                    // Nothing is pipelined: whatever is left would be an error.
                    return Ok(status);
                }
            }
            let read = self.stream.read(&mut chunk)?;
            if read == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

/// Status, head length and `Content-Length` of a complete response head.
fn parse_head(buffer: &[u8]) -> Option<(u16, usize, usize)> {
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..end]).ok()?;
    let status = head.get(9..12)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("the simulator always sends Content-Length");
    Some((status, end, length))
}
