//! `secret_command` / `password_command`: a shell command whose standard
//! output, trimmed, is the secret.

use std::io::Read as _;
use std::process::{Command, Stdio};

use super::settings::Secret;
use super::ConfigError;

/// Runs `command` with `sh -c` (`cmd /C` on Windows). Standard input and
/// standard error stay attached to the terminal, so a password manager can
/// prompt; standard output is captured and never shown, not even in errors.
pub(crate) fn run_secret_command(
    profile: &str,
    key: &str,
    command: &str,
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
    let mut output = Vec::new();
    let read = child
        .stdout
        .take()
        .map(|mut stdout| stdout.read_to_end(&mut output));
    let status = child
        .wait()
        .map_err(|error| fail(format!("could not be waited for: {error}")))?;
    if let Some(Err(error)) = read {
        return Err(fail(format!("output could not be read: {error}")));
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
