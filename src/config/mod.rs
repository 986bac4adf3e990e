//! Configuration: profiles, environment and flags, resolved into a
//! [`ClientConfig`].
//!
//! One precedence, field by field: **flags > environment > profile > defaults**.
//!
//! The profile comes from csctl's own TOML file (`~/.config/csctl/config.toml`),
//! or, read-only, from cloudmonkey's `~/.cmk/config` or the `cs` client's
//! `cloudstack.ini`. `docs/configuration.md` documents the rules; the tests in
//! `tests.rs` pin them down.
//!
//! How it is built:
//! - `inputs`: what is read ([`Overrides`] from the command line, [`Sources`]
//!   for the environment and directories);
//! - `loader`: finds and reads the files (`own` for csctl's TOML, `peers` for
//!   cmk's and cs's INI files, each giving a profile's `settings`) and chooses
//!   the profile;
//! - `layers`: each source as a layer of optional values, each with the
//!   origin users read in messages, merged field by field;
//! - `parse`: one parser per kind of value, shared by every source;
//! - `resolve`: the merge, the checks, and the [`ClientConfig`];
//! - `command`: `secret_command` and `password_command`;
//! - `keyring_store`: secret keys in the OS keyring (`secret_keyring`).

mod command;
mod error;
mod inputs;
mod keyring_store;
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
use std::path::PathBuf;

use crate::client::ClientConfig;

use loader::expand_tilde;

pub use error::ConfigError;
pub use inputs::{EnvLookup, Overrides, Sources};
pub use keyring_store::{
    save_secret as save_keyring_secret, KeyringError, SERVICE as KEYRING_SERVICE,
};
pub use loader::default_config_path;
pub use parse::{parse_duration, parse_positive_duration, parse_size, MAX_DURATION};
pub use settings::AuthKind;

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

/// What signing needs (`csctl sign`): the credentials, the signature
/// algorithm and the validity window, chosen exactly as [`resolve`] chooses
/// them, but without requiring an endpoint (signing sends nothing).
pub fn resolve_signing(
    overrides: &Overrides,
    sources: &Sources,
) -> Result<SigningSettings, ConfigError> {
    resolve::resolve_signing(overrides, sources)
}

/// The result of [`resolve_signing`].
#[derive(Debug)]
pub struct SigningSettings {
    /// The credentials to sign with (API keys; a password login cannot sign).
    pub credentials: crate::client::Credentials,
    /// How to sign.
    pub signature_algorithm: crate::client::sign::SignatureAlgorithm,
    /// The validity window of a signed request (`None`: no `expires`).
    pub expires: Option<std::time::Duration>,
    /// Warnings for the user; print each as `warning: {text}` on stderr.
    pub warnings: Vec<String>,
}
