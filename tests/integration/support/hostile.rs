//! A misbehaving server on 127.0.0.1, for the tests of issue 11: it
//! redirects, streams without end, throttles absurdly, echoes secrets, sends
//! escape sequences or never finishes a job, as its handler says, and
//! records every request it received (so a test can assert that nothing
//! credential-bearing reached it).
//!
//! Plain blocking sockets, one thread per connection, `Connection: close`:
//! nothing of csctl's own is used, so it judges the client as a foreign
//! server would.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server received it.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// The header lines, as received.
    pub headers: String,
    /// The body, lossily decoded.
    pub body: String,
}

impl Seen {
    /// The whole request as text (target, headers and body).
    pub fn text(&self) -> String {
        format!(
            "{} {}\n{}\n{}",
            self.method, self.target, self.headers, self.body
        )
    }

    /// The value of a form or query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?').map_or("", |(_, query)| query);
        [query, self.body.as_str()]
            .iter()
            .flat_map(|text| text.split('&'))
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| {
                percent_encoding::percent_decode_str(&value.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
    }

    /// The API command asked for.
    pub fn command(&self) -> String {
        self.param("command").unwrap_or_default()
    }
}

/// What the server does with one request.
pub enum Reply {
    /// These exact bytes, then close.
    Raw(Vec<u8>),
    /// A JSON answer with this status.
    Json(u16, String),
    /// A redirect (`status`, `Location`).
    Redirect(u16, String),
    /// A chunked JSON answer that never ends: `prefix`, then `chunk` again
    /// and again, with `pause` between chunks, until the client leaves.
    Endless {
        /// The first bytes of the body.
        prefix: String,
        /// Repeated forever.
        chunk: String,
        /// Between two chunks.
        pause: Duration,
    },
    /// Headers claiming a body of `length` bytes, then that many bytes of
    /// `fill` (or until the client leaves).
    Huge {
        /// The `Content-Length` announced and sent.
        length: u64,
        /// Byte repeated.
        fill: u8,
    },
    /// Never answers; holds the connection until the client leaves.
    Hang,
}

/// A running hostile server; it stops with the test process.
pub struct Hostile {
    /// `http://127.0.0.1:PORT/client/api`.
    pub endpoint: String,
    /// The bound address.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

impl Hostile {
    /// Serves every request with `handler`.
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                let recorded = recorded.clone();
                std::thread::spawn(move || serve(stream, &*handler, &recorded));
            }
        });
        Self {
            endpoint: format!("http://{addr}/client/api"),
            addr,
            seen,
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Whether any request received so far holds `needle` anywhere.
    pub fn saw_text(&self, needle: &str) -> bool {
        self.seen().iter().any(|seen| seen.text().contains(needle))
    }
}

fn serve(stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut words = line.split_whitespace();
    let mut seen = Seen {
        method: words.next().unwrap_or_default().to_string(),
        target: words.next().unwrap_or_default().to_string(),
        ..Seen::default()
    };
    let mut length = 0usize;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        seen.headers.push_str(&line);
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    seen.body = String::from_utf8_lossy(&body).into_owned();
    let reply = handler(&seen);
    recorded.lock().unwrap().push(seen);
    let mut stream = reader.into_inner();
    let _ = answer(&mut stream, reply);
}

fn answer(stream: &mut TcpStream, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::Raw(bytes) => stream.write_all(&bytes),
        Reply::Json(status, body) => stream.write_all(
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        ),
        Reply::Redirect(status, location) => stream.write_all(
            format!(
                "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        ),
        Reply::Endless {
            prefix,
            chunk,
            pause,
        } => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                  Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            )?;
            write_chunk(stream, prefix.as_bytes())?;
            let repeated = chunk.repeat((16 * 1024 / chunk.len().max(1)).max(1));
            loop {
                write_chunk(stream, repeated.as_bytes())?;
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
        }
        Reply::Huge { length, fill } => {
            stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {length}\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            )?;
            let block = vec![fill; 64 * 1024];
            let mut left = length;
            while left > 0 {
                let part = left.min(block.len() as u64) as usize;
                stream.write_all(&block[..part])?;
                left -= part as u64;
            }
            Ok(())
        }
        Reply::Hang => {
            // Wait for the client to go away (a read returns 0 or fails).
            let mut byte = [0u8; 1];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            let _ = stream.read(&mut byte);
            Ok(())
        }
    }
}

fn write_chunk(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(format!("{:x}\r\n", bytes.len()).as_bytes())?;
    stream.write_all(bytes)?;
    stream.write_all(b"\r\n")
}

/// A CloudStack error answer for `command`.
pub fn api_error(command: &str, code: u16, text: &str) -> Reply {
    let body = serde_json::json!({
        format!("{}response", command.to_ascii_lowercase()): {
            "uuidList": [], "errorcode": code, "cserrorcode": 9999, "errortext": text
        }
    });
    Reply::Json(code, body.to_string())
}

/// A successful answer of `command` holding `inner`.
pub fn api_answer(command: &str, inner: serde_json::Value) -> Reply {
    let body = serde_json::json!({ format!("{}response", command.to_ascii_lowercase()): inner });
    Reply::Json(200, body.to_string())
}

/// What a measured run of csctl gave.
#[derive(Debug)]
pub struct Measured {
    /// Exit status.
    pub status: std::process::ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Peak resident set size, in KiB.
    pub peak_rss_kib: u64,
}

/// Runs `command` to the end and measures its peak resident set size
/// (`wait4`'s `ru_maxrss`, of this child alone).
#[cfg(unix)]
pub fn run_measured(mut command: std::process::Command) -> Measured {
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, for which zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet reaped; the pointers are valid.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 failed");
    // Reaped already: `Child` must not wait for it again.
    std::mem::forget(child);
    Measured {
        status: std::process::ExitStatus::from_raw(status),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        peak_rss_kib: usage.ru_maxrss as u64,
    }
}
