//! Shared helpers for the integration tests.

#![allow(dead_code)]

pub mod sim;

use std::path::PathBuf;

/// The `shared/` folder beside the project (test vectors and fixtures).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The real `csctl` binary, with an environment scrubbed of the user's
/// configuration: `HOME` and the config directories point at a fresh
/// temporary folder and no `CLOUDSTACK_*` variable is inherited.
pub fn csctl(home: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_csctl"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CLOUDSTACK_") || name.starts_with("CSCTL_") {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("NO_COLOR", "1");
    command
}

/// Answers every request on a loopback port with the same raw HTTP
/// response (for answers the simulator never gives: HTML pages, truncated
/// JSON, arbitrary error codes). Returns the endpoint.
pub fn serve_fixed(response: String) -> String {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            // Read the whole request first: closing with unread bytes would
            // reset the connection before the client reads the answer.
            let mut length = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                if line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let mut stream = reader.into_inner();
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}/client/api")
}
