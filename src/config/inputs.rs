//! What resolution reads: the command line ([`Overrides`]) and the
//! process's environment, home and working directory ([`Sources`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::HttpMethod;

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
    /// `--proxy URL` (empty or `none`: no proxy, whatever the environment
    /// says); its credentials are never printed, not even by `Debug`.
    pub proxy: Option<String>,
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
            .field(
                "proxy",
                &self.proxy.as_deref().map(crate::client::config::shown_url),
            )
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
    pub(super) fn var(&self, name: &str) -> Option<String> {
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
