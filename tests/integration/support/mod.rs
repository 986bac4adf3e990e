//! Shared helpers for the integration tests.
//!
//! - [`sim::TestSim`] runs the simulator on a free loopback port;
//! - [`Test`] runs `csctl` and compares its whole output ([`exact`]);
//! - [`csctl`], [`against`] and [`csctl_process`] give the binary in a
//!   scrubbed environment for the tests that check parts of its output;
//! - [`demo`] holds the demo cloud's ids; scripts written with
//!   [`write_script`] may say `{ZONE1}`, `{M1_SMALL}`… instead;
//! - [`write_config`] and [`write_private`] write credentials files as csctl
//!   wants them (owner-only).

#![allow(dead_code)]

pub mod exact;
pub mod hostile;
pub mod proxy;
pub mod sim;

use std::path::{Path, PathBuf};

pub use csctl::sim::demo;
pub use exact::Test;

/// The demo cloud's ids by the name [`with_demo_ids`] replaces.
const DEMO_IDS: &[(&str, &str)] = &[
    ("{ZONE1}", demo::ZONE1),
    ("{ZONE2}", demo::ZONE2),
    ("{NETWORK}", demo::NETWORK),
    ("{SOURCE_NAT_IP}", demo::SOURCE_NAT_IP),
    ("{DEBIAN7}", demo::DEBIAN7),
    ("{M1_SMALL}", demo::M1_SMALL),
    ("{M1_MEDIUM}", demo::M1_MEDIUM),
];

/// `text` (a script, a REPL line) with `{ZONE1}`, `{ZONE2}`, `{NETWORK}`,
/// `{SOURCE_NAT_IP}`, `{DEBIAN7}`, `{M1_SMALL}` and `{M1_MEDIUM}` replaced
/// by the demo cloud's ids ([`demo`]): scripts keep their line numbers and
/// their braces, which `format!` would make them escape.
pub fn with_demo_ids(text: &str) -> String {
    DEMO_IDS
        .iter()
        .fold(text.to_string(), |text, (name, id)| text.replace(name, id))
}

/// Writes the script `text` at `path` (creating its folder), with the demo
/// cloud's ids filled in ([`with_demo_ids`]).
pub fn write_script(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, with_demo_ids(text)).unwrap();
}

/// The `shared/` folder beside the project (test vectors and fixtures).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Writes `text` at `path` (creating its folder) readable by its owner
/// only, as csctl wants files holding credentials.
pub fn write_private(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Writes `text` as csctl's config file in `home`
/// (`.config/csctl/config.toml`, private); returns its path.
pub fn write_config(home: &Path, text: &str) -> PathBuf {
    let path = home.join(".config/csctl/config.toml");
    write_private(&path, text);
    path
}

/// The output's stdout and stderr as text, for messages.
pub fn texts(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts that the run succeeded and returns its stdout.
pub fn success(output: &std::process::Output) -> String {
    let (stdout, stderr) = texts(output);
    assert!(
        output.status.success(),
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
}

/// Asserts that the run failed with `code` and returns its stderr.
pub fn failure(output: &std::process::Output, code: i32) -> String {
    let (stdout, stderr) = texts(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stderr
}

/// Sets the scrubbed environment every test runs the binary in: `HOME` and
/// the XDG directories in `home`, no `CLOUDSTACK_*`/`CSCTL_*` variable
/// inherited, no colour.
pub fn scrub_environment(command: &mut std::process::Command, home: &Path) {
    for (name, _) in std::env::vars() {
        let proxy = name.to_ascii_lowercase().ends_with("_proxy");
        if name.starts_with("CLOUDSTACK_") || name.starts_with("CSCTL_") || proxy {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("NO_COLOR", "1");
}

/// The real `csctl` binary as a plain process (for signals and terminals),
/// in the scrubbed environment.
pub fn csctl_process(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_csctl"));
    scrub_environment(&mut command, home);
    command
}

/// The real `csctl` binary, in the scrubbed environment.
pub fn csctl(home: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(csctl_process(home))
}

/// The flags that point csctl at `sim`.
pub fn sim_flags(sim: &sim::TestSim) -> [&str; 6] {
    [
        "--endpoint",
        &sim.endpoint,
        "--api-key",
        &sim.api_key,
        "--secret-key",
        &sim.secret_key,
    ]
}

/// The real `csctl` binary pointed at `sim`.
pub fn against(sim: &sim::TestSim, home: &Path) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args(sim_flags(sim));
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

/// Says why a test did nothing (a program it needs is not installed): on
/// the test's stderr, which `cargo test` shows with `--nocapture`.
#[allow(clippy::disallowed_macros)] // the test run's own note, not csctl output
pub fn skip_note(why: &str) {
    eprintln!("note: skipped: {why}");
}
