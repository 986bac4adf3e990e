//! The settings one profile can hold, whatever file it came from (values are
//! parsed by [`super::parse`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::parse::{
    de_endpoint, de_expires, de_nonempty, de_parsed, de_proxy, de_rate, de_secret, de_size,
    de_timeout,
};
use crate::client::{sign::SignatureAlgorithm, HttpMethod};

/// A secret value: compared and cloned like a string, never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything a profile may set. `None` means "not set here", so the next
/// layer (defaults) applies.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    #[serde(default, deserialize_with = "de_endpoint")]
    pub endpoint: Option<String>,
    #[serde(default, deserialize_with = "de_nonempty")]
    pub api_key: Option<String>,
    #[serde(default, deserialize_with = "de_secret")]
    pub secret_key: Option<Secret>,
    #[serde(default, deserialize_with = "de_nonempty")]
    pub secret_command: Option<String>,
    /// A private file holding the secret key (`csctl keys --save` writes one).
    pub secret_file: Option<PathBuf>,
    /// `true`: the secret key is in the OS keyring (service `csctl`, account
    /// the profile's name); `csctl keys --save` sets it.
    pub secret_keyring: Option<bool>,
    #[serde(default, deserialize_with = "de_nonempty")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "de_secret")]
    pub password: Option<Secret>,
    #[serde(default, deserialize_with = "de_nonempty")]
    pub password_command: Option<String>,
    /// How long `secret_command`/`password_command` may run.
    #[serde(default, deserialize_with = "de_timeout")]
    pub secret_command_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "de_nonempty")]
    pub domain: Option<String>,
    #[serde(default, deserialize_with = "de_parsed")]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    #[serde(default, deserialize_with = "de_parsed")]
    pub method: Option<HttpMethod>,
    #[serde(default, deserialize_with = "de_timeout")]
    pub timeout: Option<Duration>,
    #[serde(default, deserialize_with = "de_timeout")]
    pub connect_timeout: Option<Duration>,
    /// `Some(None)`: explicitly turned off.
    #[serde(default, deserialize_with = "de_expires")]
    pub expires: Option<Option<Duration>>,
    pub insecure: Option<bool>,
    pub ca_bundle: Option<PathBuf>,
    #[serde(default, deserialize_with = "de_rate")]
    pub max_requests_per_second: Option<f64>,
    /// Retries of a read-only call after a transient failure.
    pub retries: Option<u32>,
    /// The largest answer read, in bytes.
    #[serde(default, deserialize_with = "de_size")]
    pub max_response_size: Option<u64>,
    /// The proxy URL; `Some(None)`: explicitly no proxy (`""` or `"none"`).
    #[serde(default, deserialize_with = "de_proxy")]
    pub proxy: Option<Option<String>>,
}

impl Settings {
    /// Whether this profile stores a secret in the file itself.
    pub fn holds_secret(&self) -> bool {
        self.secret_key.is_some() || self.password.is_some()
    }

    /// Whether the profile has some way to authenticate.
    pub fn auth_kind(&self) -> AuthKind {
        if self.api_key.is_some()
            && (self.secret_key.is_some()
                || self.secret_command.is_some()
                || self.secret_file.is_some()
                || self.secret_keyring == Some(true))
        {
            AuthKind::ApiKey
        } else if self.username.is_some()
            && (self.password.is_some() || self.password_command.is_some())
        {
            AuthKind::Password
        } else {
            AuthKind::None
        }
    }
}

/// How a profile authenticates, as far as its file tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// API key and secret key (or `secret_command`).
    ApiKey,
    /// Username and password (or `password_command`).
    Password,
    /// Neither is complete in the file (the environment may still supply it).
    None,
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ApiKey => "api key",
            Self::Password => "password",
            Self::None => "none",
        })
    }
}
