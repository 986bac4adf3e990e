//! Configuration: profiles, environment and flags, resolved into a
//! [`ClientConfig`].
//!
//! One precedence, field by field: **flags > environment > profile > defaults**.
//!
//! The profile comes from csctl's own TOML file (`~/.config/csctl/config.toml`),
//! or, read-only, from cloudmonkey's `~/.cmk/config` or the `cs` client's
//! `cloudstack.ini`. `docs/configuration.md` documents the rules; the tests in
//! `tests.rs` pin them down.

mod command;
mod layers;
mod loader;
mod own;
mod parse;
mod peers;
mod resolve;
mod settings;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::{ClientConfig, HttpMethod};

use loader::expand_tilde;

pub use loader::default_config_path;
pub use parse::{parse_duration, parse_positive_duration, parse_size, MAX_DURATION};
pub use settings::AuthKind;

// ---------------------------------------------------------------------------
// Public API

/// What the command line said (every field optional).
#[derive(Clone, Default)]
pub struct Overrides {
    /// `--endpoint URL`
    pub endpoint: Option<String>,
    /// `--api-key KEY`
    pub api_key: Option<String>,
    /// `--secret-key SECRET` (never printed, not even by `Debug`)
    pub secret_key: Option<String>,
    /// `--profile/-p NAME`
    pub profile: Option<String>,
    /// `--config FILE`: csctl's config file instead of the default one; it must exist.
    pub config_file: Option<PathBuf>,
    /// `--timeout SECONDS`
    pub timeout: Option<Duration>,
    /// `--insecure`: `true` turns TLS verification off; `false` means "not given".
    pub insecure: bool,
    /// `--ca-bundle FILE`
    pub ca_bundle: Option<PathBuf>,
    /// `--method post|get`
    pub method: Option<HttpMethod>,
    /// Number of `-v`.
    pub verbosity: u8,
}

impl fmt::Debug for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overrides")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("profile", &self.profile)
            .field("config_file", &self.config_file)
            .field("timeout", &self.timeout)
            .field("insecure", &self.insecure)
            .field("ca_bundle", &self.ca_bundle)
            .field("method", &self.method)
            .field("verbosity", &self.verbosity)
            .finish()
    }
}

/// Looks up an environment variable (`std::env::var(name).ok()` in real use).
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String>>;

/// Where settings come from; injectable so tests need no real home or environment.
pub struct Sources {
    /// Looks up an environment variable.
    pub env: EnvLookup,
    /// The user's configuration directory (`$XDG_CONFIG_HOME` or `~/.config`).
    pub config_dir: Option<PathBuf>,
    /// The user's home directory (for `~/.cmk/config` and `~/.cloudstack.ini`).
    pub home_dir: Option<PathBuf>,
    /// The current directory (for `./cloudstack.ini` and relative paths).
    pub cwd: PathBuf,
}

impl Sources {
    /// The real process environment, home and current directory.
    pub fn from_process() -> Self {
        let home_dir = dirs::home_dir();
        let config_dir = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
            .or_else(|| {
                if cfg!(windows) {
                    dirs::config_dir()
                } else {
                    home_dir.as_ref().map(|home| home.join(".config"))
                }
            });
        Self {
            env: Box::new(|name| std::env::var(name).ok()),
            config_dir,
            home_dir,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// A non-empty environment variable, trimmed.
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sources")
            .field("config_dir", &self.config_dir)
            .field("home_dir", &self.home_dir)
            .field("cwd", &self.cwd)
            .finish_non_exhaustive()
    }
}

/// The result of [`resolve`].
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Everything the client needs.
    pub client: ClientConfig,
    /// The profile used, if any.
    pub profile_name: Option<String>,
    /// Human text: where the settings came from, e.g.
    /// "profile `prod` in /home/u/.config/csctl/config.toml".
    pub origin: String,
    /// Warnings for the user; print each as `warning: {text}` on stderr.
    pub warnings: Vec<String>,
}

/// Which tool's file a profile comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// csctl's own `config.toml`.
    Csctl,
    /// cloudmonkey's `~/.cmk/config` (read-only).
    Cmk,
    /// The `cs` client's `cloudstack.ini` (read-only).
    Cs,
}

impl fmt::Display for ProfileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csctl => "csctl",
            Self::Cmk => "cmk",
            Self::Cs => "cs",
        })
    }
}

/// One profile, as listed by [`list_profiles`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileSummary {
    /// Name to give to `-p`.
    pub name: String,
    /// Whose file defines it.
    pub source: ProfileSource,
    /// The file (for `cs`, the highest-priority file defining the region).
    pub path: PathBuf,
    /// Its endpoint, if it has a valid one.
    pub endpoint: Option<String>,
    /// How it authenticates, as far as the file tells.
    pub auth: AuthKind,
    /// The profile used when no `-p` is given.
    pub is_default: bool,
    /// A profile of the same name in a higher-priority file hides this one.
    pub shadowed: bool,
}

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

/// Every profile csctl can use, from its own file and, read-only, from cmk's
/// and cs's files; csctl's own first.
pub fn list_profiles(sources: &Sources) -> Result<Vec<ProfileSummary>, ConfigError> {
    list_profiles_for(&Overrides::default(), sources)
}

/// [`list_profiles`], honouring `--config` and `--profile` from `overrides`.
pub fn list_profiles_for(
    overrides: &Overrides,
    sources: &Sources,
) -> Result<Vec<ProfileSummary>, ConfigError> {
    loader::Loader::new(overrides, sources)?.summaries(overrides)
}

/// Resolves flags, environment, profile and defaults into a client configuration.
///
/// Runs `secret_command`/`password_command` only when its value is needed.
pub fn resolve(overrides: &Overrides, sources: &Sources) -> Result<Resolved, ConfigError> {
    resolve::resolve(overrides, sources)
}
