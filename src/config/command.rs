//! `secret_command` / `password_command`: a shell command whose standard
//! output, trimmed, is the secret.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::settings::Secret;
use super::ConfigError;

/// How long a `secret_command` may take by default: long enough to type a
/// passphrase into a password manager's prompt.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The most output read from the command (a secret is short).
const MAX_OUTPUT: u64 = 64 * 1024;

/// Runs `command` with `sh -c` (`cmd /C` on Windows). Standard input and
/// standard error stay attached to the terminal, so a password manager can
/// prompt; standard output is captured and never shown, not even in errors.
/// A command still running after `timeout` is stopped.
pub(crate) fn run_secret_command(
    profile: &str,
    key: &str,
    command: &str,
    timeout: Duration,
) -> Result<Secret, ConfigError> {
    let fail = |message: String| ConfigError::SecretCommand {
        profile: profile.to_string(),
        message: format!("`{key}` {message}"),
    };
    let mut shell = if cfg!(windows) {
        let mut shell = Command::new("cmd");
        shell.arg("/C");
        shell
    } else {
        let mut shell = Command::new("sh");
        shell.arg("-c");
        shell
    };
    let mut child = shell
        .arg(command)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| fail(format!("could not be started: {error}")))?;
    // Read the output on a thread, at most MAX_OUTPUT bytes, so that the
    // wait below can give up on a command that never ends.
    let reader = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            let mut output = Vec::new();
            stdout
                .take(MAX_OUTPUT + 1)
                .read_to_end(&mut output)
                .map(|_| output)
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "did not finish within {} and was stopped (raise `secret_command_timeout` \
                     in the profile if it waits for you)",
                    humantime::format_duration(timeout)
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(error) => return Err(fail(format!("could not be waited for: {error}"))),
        }
    };
    let output = match reader.map(|reader| reader.join()) {
        Some(Ok(Ok(output))) => output,
        Some(Ok(Err(error))) => return Err(fail(format!("output could not be read: {error}"))),
        Some(Err(_)) => return Err(fail("output could not be read".into())),
        None => Vec::new(),
    };
    if output.len() as u64 > MAX_OUTPUT {
        return Err(fail(format!(
            "printed more than {} KiB, which is no secret (its output is not shown)",
            MAX_OUTPUT / 1024
        )));
    }
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(fail(format!("{how} (its output is not shown)")));
    }
    let text = String::from_utf8(output)
        .map_err(|_| fail("printed something that is not UTF-8".into()))?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(fail("printed nothing".into()));
    }
    Ok(Secret(secret.to_string()))
}
