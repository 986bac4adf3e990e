//! [`ConfigError`]: why configuration could not be resolved.

use std::io;
use std::path::PathBuf;

/// Why configuration could not be resolved. Messages are one line and never
/// contain a secret.
#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    /// No endpoint anywhere.
    #[error(
        "no API endpoint configured; looked at: {}\n  hint: to try csctl without a cloud, add --sim \
         (the embedded simulator), e.g. `csctl call listZones --sim`",
        .looked_at.join(", ")
    )]
    MissingEndpoint {
        /// Every place consulted, in precedence order.
        looked_at: Vec<String>,
    },
    /// Neither API keys nor username/password anywhere.
    #[error(
        "no credentials configured (an API key and secret key, or a username and password); looked at: {}",
        .looked_at.join(", ")
    )]
    MissingCredentials {
        /// Every place consulted, in precedence order.
        looked_at: Vec<String>,
    },
    /// Half a credential: an API key without secret key, a username without password…
    #[error("found {found} but no {missing}; looked at: {}", .looked_at.join(", "))]
    IncompleteCredentials {
        /// What was found and where, e.g. "an API key (from $CLOUDSTACK_KEY)".
        found: String,
        /// What is missing, e.g. "secret key".
        missing: String,
        /// Every place consulted, in precedence order.
        looked_at: Vec<String>,
    },
    /// `-p NAME` (or `$CSCTL_PROFILE`, or `default_profile`) names no profile.
    #[error(
        "unknown profile `{name}`; available: {}; looked in: {}",
        if .available.is_empty() { "none".to_string() } else { .available.join(", ") },
        .files.join(", ")
    )]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// Every profile name found.
        available: Vec<String>,
        /// Every file searched.
        files: Vec<String>,
    },
    /// A config file exists but cannot be read (or an explicit one is missing).
    #[error("cannot read config file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A config file is not valid TOML/INI, or has an unknown key or bad value.
    #[error("cannot parse config file {}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// `line L, column C: what is wrong`.
        message: String,
    },
    /// `secret_command` / `password_command` failed.
    #[error("cannot get the secret of profile `{profile}`: {message}")]
    SecretCommand {
        /// The profile whose command failed.
        profile: String,
        /// What happened (never the command's output).
        message: String,
    },
    /// A file holding a secret or a command csctl would run, which users
    /// other than its owner can change (ssh refuses such files too).
    #[error(
        "{} can be changed by other users and holds a secret or a command csctl would run; \
         refusing to use it\n  hint: chmod 600 {}",
        .path.display(),
        .path.display()
    )]
    WritableByOthers {
        /// The file.
        path: PathBuf,
    },
    /// A value that is well-formed but wrong, from any source.
    #[error("invalid `{key}` in {path}: {message}")]
    Invalid {
        /// Where the value came from: a file and profile, `$VARIABLE` or `--flag`.
        path: String,
        /// The setting.
        key: String,
        /// What is wrong.
        message: String,
    },
}
