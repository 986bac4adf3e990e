//! Exact output: run the real binary and compare its whole stdout, stderr
//! and exit status (after casey/just's `tests/test.rs`).
//!
//! ```ignore
//! Test::new()
//!     .sim(&sim)
//!     .args(["call", "listZones", "novalue"])
//!     .stderr("csctl: error: malformed parameter `novalue`: expected name=value\n")
//!     .status(2)
//!     .run();
//! ```
//!
//! What is not given is expected empty (stdout, stderr) or 0 (status), so a
//! test says everything the command prints; [`Test::any_stdout`] (and
//! [`Test::any_stderr`]) leave a stream to the test's own checks of
//! [`Output`] (a JSON answer read back as JSON). `COLUMNS` is unset unless
//! given, so widths do not follow the terminal the tests run from. Parts
//! that vary from run to run are written as placeholders:
//! - `[ENDPOINT]` stands for the endpoint of the simulator given to
//!   [`Test::sim`] (or to [`Test::endpoint`]), `[HOME]` for the home folder,
//!   and [`Test::redact`] adds more;
//! - `[..]` matches any text within one line (a port, a generated id).
//!
//! On a mismatch the test fails with a diff of each stream that differs.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::sim::TestSim;

/// The placeholder matching any text within a line.
const ANY: &str = "[..]";

/// A `csctl` run and the output it must give.
#[must_use = "a Test does nothing until .run()"]
pub struct Test {
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    stdout: Option<String>,
    stderr: Option<String>,
    status: i32,
    home: Home,
    current_dir: Option<PathBuf>,
    redactions: Vec<(String, String)>,
}

enum Home {
    Own(tempfile::TempDir),
    Given(PathBuf),
}

impl Home {
    fn path(&self) -> &Path {
        match self {
            Home::Own(dir) => dir.path(),
            Home::Given(path) => path,
        }
    }
}

/// What a run printed (already checked), for further checks; placeholders
/// already stand for what they replace (`[ENDPOINT]`, `[HOME]`).
pub struct Output {
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
    /// The home folder it ran with, when the test made it (kept alive so
    /// files the run wrote can be read).
    pub home: Option<tempfile::TempDir>,
}

impl Test {
    /// `csctl` with no arguments, in a fresh home folder and the scrubbed
    /// environment of [`super::csctl`]; expecting no output and status 0.
    pub fn new() -> Self {
        Test {
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            stdout: Some(String::new()),
            stderr: Some(String::new()),
            status: 0,
            home: Home::Own(tempfile::tempdir().expect("a temporary home")),
            current_dir: None,
            redactions: Vec::new(),
        }
    }

    /// Runs in `home` (with its config files) instead of a fresh folder.
    pub fn home(mut self, home: &Path) -> Self {
        self.home = Home::Given(home.to_path_buf());
        self
    }

    /// Runs from `dir`.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.current_dir = Some(dir.to_path_buf());
        self
    }

    /// Points csctl at `sim` (its endpoint and keys as flags, first);
    /// `[ENDPOINT]` stands for its endpoint in the expected output.
    pub fn sim(self, sim: &TestSim) -> Self {
        self.args(super::sim_flags(sim))
            .redact(&sim.endpoint, "[ENDPOINT]")
    }

    /// Points csctl at `endpoint` with throwaway keys (`k`, `s`);
    /// `[ENDPOINT]` stands for it in the expected output.
    pub fn endpoint(self, endpoint: &str) -> Self {
        self.args([
            "--endpoint",
            endpoint,
            "--api-key",
            "k",
            "--secret-key",
            "s",
        ])
        .redact(endpoint, "[ENDPOINT]")
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// Gives `input` on stdin (otherwise stdin is empty).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// The whole stdout expected.
    pub fn stdout(mut self, expected: impl Into<String>) -> Self {
        self.stdout = Some(expected.into());
        self
    }

    /// Leaves stdout unchecked: the test reads [`Output::stdout`] itself.
    pub fn any_stdout(mut self) -> Self {
        self.stdout = None;
        self
    }

    /// The whole stderr expected.
    pub fn stderr(mut self, expected: impl Into<String>) -> Self {
        self.stderr = Some(expected.into());
        self
    }

    /// Leaves stderr unchecked: the test reads [`Output::stderr`] itself.
    pub fn any_stderr(mut self) -> Self {
        self.stderr = None;
        self
    }

    /// The exit status expected.
    pub fn status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    /// Writes `placeholder` for `text` wherever the output holds it
    /// (longer texts are replaced first).
    pub fn redact(mut self, text: &str, placeholder: &str) -> Self {
        self.redactions
            .push((text.to_string(), placeholder.to_string()));
        self
    }

    /// Runs csctl and checks its stdout, stderr and status; panics with a
    /// diff of what differs.
    #[track_caller]
    pub fn run(self) -> Output {
        let mut command = super::csctl_process(self.home.path());
        command
            .env_remove("COLUMNS")
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn().expect("csctl starts");
        let mut stdin = child.stdin.take().expect("a stdin pipe");
        let input = self.stdin.clone().unwrap_or_default();
        // Fed from a thread, so that a command answering before it has read
        // everything cannot block on a full stdout pipe; one that exits
        // without reading closes the pipe, which is not an error here.
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("csctl ends");
        feeder.join().expect("stdin written");

        let mut redactions = self.redactions.clone();
        redactions.push((self.home.path().display().to_string(), "[HOME]".into()));
        redactions.sort_by_key(|(text, _)| std::cmp::Reverse(text.len()));
        let redact = |bytes: &[u8]| {
            let text = String::from_utf8(bytes.to_vec())
                .unwrap_or_else(|e| panic!("csctl printed invalid UTF-8: {e}"));
            redactions
                .iter()
                .filter(|(text, _)| !text.is_empty())
                .fold(text, |text, (from, to)| text.replace(from, to))
        };
        let stdout = redact(&output.stdout);
        let stderr = redact(&output.stderr);
        let status = output.status.code();

        let mut problems = Vec::new();
        if status != Some(self.status) {
            problems.push(format!(
                "exit status: expected {}, got {}",
                self.status,
                status.map_or_else(|| format!("{:?}", output.status), |s| s.to_string())
            ));
        }
        for (name, expected, actual) in [
            ("stdout", &self.stdout, &stdout),
            ("stderr", &self.stderr, &stderr),
        ] {
            let Some(expected) = expected else { continue };
            if !matches(expected, actual) {
                problems.push(format!("{name} differs:\n{}", diff(expected, actual)));
            }
        }
        if !problems.is_empty() {
            let args: Vec<_> = self.args.iter().map(|a| a.to_string_lossy()).collect();
            panic!(
                "csctl {}\n{}\n--- whole stdout ---\n{stdout}--- whole stderr ---\n{stderr}",
                args.join(" "),
                problems.join("\n")
            );
        }
        Output {
            stdout,
            stderr,
            home: match self.home {
                Home::Own(dir) => Some(dir),
                Home::Given(_) => None,
            },
        }
    }
}

/// Whether `actual` is `expected`, each `[..]` of `expected` matching any
/// text within its line.
fn matches(expected: &str, actual: &str) -> bool {
    if !expected.contains(ANY) {
        return expected == actual;
    }
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let actual_lines: Vec<&str> = actual.split('\n').collect();
    expected_lines.len() == actual_lines.len()
        && expected_lines
            .iter()
            .zip(&actual_lines)
            .all(|(pattern, line)| line_matches(pattern, line))
}

/// Whether `line` matches `pattern`, where `[..]` matches any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut pieces = pattern.split(ANY);
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    // Each middle piece at its first place left: the earliest match leaves
    // the most room for the pieces after it.
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// A unified diff from `expected` to `actual`; lines of `actual` that
/// match their `[..]` line are shown as that line, so only real
/// differences stand out.
fn diff(expected: &str, actual: &str) -> String {
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let shown: Vec<&str> = actual
        .split('\n')
        .enumerate()
        .map(|(i, line)| match expected_lines.get(i) {
            Some(pattern) if pattern.contains(ANY) && line_matches(pattern, line) => *pattern,
            _ => line,
        })
        .collect();
    let shown = shown.join("\n");
    similar::TextDiff::from_lines(expected, shown.as_str())
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .missing_newline_hint(true)
        .to_string()
}

#[test]
fn placeholders_match_within_a_line() {
    assert!(line_matches("port [..] is closed", "port 4242 is closed"));
    assert!(line_matches("[..]", ""));
    assert!(line_matches("a[..]b[..]c", "a-b-b-c"));
    assert!(line_matches("x[..]", "x"));
    assert!(!line_matches("a[..]b", "ba"));
    assert!(!line_matches("ab[..]ba", "aba"));
    assert!(matches("one [..]\ntwo\n", "one 1\ntwo\n"));
    assert!(!matches("one [..]\n", "one 1\nextra\n"));
    assert!(!matches("exact\n", "exact"));
}

#[test]
fn a_diff_shows_only_what_differs() {
    let shown = diff("a [..]\nb\n", "a 1\nc\n");
    assert!(shown.contains("-b\n+c\n"), "{shown}");
    assert!(!shown.contains("+a 1"), "{shown}");
}
