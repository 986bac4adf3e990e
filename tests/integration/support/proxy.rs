//! A forward proxy on 127.0.0.1, as corporate networks have: `CONNECT`
//! tunnels for https, absolute-form requests for http, optional Basic proxy
//! authentication, or a refusing mode. It logs what it forwarded (`CONNECT
//! host:port`, `POST http://host:port/path`), so a test can prove which
//! requests went through it.
//!
//! Plain blocking sockets, one thread per connection: nothing of csctl's
//! own, so it judges the client as a foreign proxy would.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the proxy behaves.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    /// Forwards everything.
    #[default]
    Open,
    /// Asks for `Proxy-Authorization: Basic` of this `user:password`
    /// (407 otherwise).
    Auth(String),
    /// Refuses every request with 403.
    Refusing,
}

/// A running proxy; it stops with the test process.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts a proxy behaving as `mode` says.
    pub fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let recorded = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorded = recorded.clone();
                let mode = mode.clone();
                std::thread::spawn(move || serve(stream, &mode, &recorded));
            }
        });
        Self { url, log }
    }

    /// What it forwarded (or refused, marked `refused` / `407`) so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(client: TcpStream, mode: &Mode, log: &Mutex<Vec<String>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let request_line = head[0].trim_end().to_string();
    let mut parts = request_line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let header = |name: &str| {
        head.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let mut client = client;
    let refuse = |client: &mut TcpStream, status: &str, extra: &str| {
        let _ = client.write_all(
            format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
    };
    match mode {
        Mode::Refusing => {
            log.lock()
                .unwrap()
                .push(format!("refused {method} {target}"));
            return refuse(&mut client, "403 Forbidden", "");
        }
        Mode::Auth(credentials) => {
            use base64::Engine as _;
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            );
            if header("proxy-authorization").as_deref() != Some(expected.as_str()) {
                log.lock().unwrap().push(format!("407 {method} {target}"));
                return refuse(
                    &mut client,
                    "407 Proxy Authentication Required",
                    "Proxy-Authenticate: Basic realm=\"test\"\r\n",
                );
            }
        }
        Mode::Open => {}
    }
    log.lock().unwrap().push(format!("{method} {target}"));
    if method == "CONNECT" {
        let Ok(upstream) = TcpStream::connect(&target) else {
            return refuse(&mut client, "502 Bad Gateway", "");
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        // Whatever the client sent after its head is already in `reader`.
        let buffered = reader.buffer().to_vec();
        pipe(reader.into_inner(), upstream, &buffered);
        return;
    }
    // Absolute form: `POST http://host:port/path HTTP/1.1`.
    let Some(rest) = target.strip_prefix("http://") else {
        return refuse(&mut client, "400 Bad Request", "");
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Ok(mut upstream) = TcpStream::connect(authority) else {
        return refuse(&mut client, "502 Bad Gateway", "");
    };
    let mut forwarded = format!(
        "{method} {} {}\r\n",
        if path.is_empty() { "/" } else { path },
        parts.next().unwrap_or("HTTP/1.1")
    );
    for line in &head[1..] {
        if !line.to_ascii_lowercase().starts_with("proxy-") {
            forwarded.push_str(line);
        }
    }
    let _ = upstream.write_all(forwarded.as_bytes());
    let buffered = reader.buffer().to_vec();
    pipe(reader.into_inner(), upstream, &buffered);
}

/// Copies both ways until either side closes; `first` goes upstream first.
fn pipe(client: TcpStream, mut upstream: TcpStream, first: &[u8]) {
    let _ = upstream.write_all(first);
    let mut client_read = client.try_clone().unwrap();
    let mut upstream_write = upstream.try_clone().unwrap();
    let up = std::thread::spawn(move || {
        let mut buffer = [0u8; 16384];
        while let Ok(read) = client_read.read(&mut buffer) {
            if read == 0 || upstream_write.write_all(&buffer[..read]).is_err() {
                break;
            }
        }
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let mut client_write = client;
    let _ = std::io::copy(&mut upstream, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}
