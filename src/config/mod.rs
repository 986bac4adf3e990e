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
mod own;
mod parse;
mod peers;
mod settings;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::client::config::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_EXPIRES, DEFAULT_TIMEOUT};
use crate::client::{ClientConfig, Credentials, HttpMethod, SignatureAlgorithm, TlsConfig};

use own::OwnConfig;
use peers::{CmkConfig, CsConfig};
use settings::{Secret, Settings};

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

/// csctl's config file when no `--config` is given: `$CSCTL_CONFIG`, else
/// `<config dir>/csctl/config.toml` (`~/.config/csctl/config.toml`).
pub fn default_config_path(sources: &Sources) -> PathBuf {
    if let Some(path) = sources.var("CSCTL_CONFIG") {
        return sources
            .cwd
            .join(expand_tilde(Path::new(&path), sources.home_dir.as_deref()));
    }
    standard_config_path(sources)
}

fn standard_config_path(sources: &Sources) -> PathBuf {
    let dir = sources
        .config_dir
        .clone()
        .or_else(|| sources.home_dir.as_ref().map(|home| home.join(".config")))
        .unwrap_or_else(|| sources.cwd.join(".config"));
    dir.join("csctl").join("config.toml")
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
    let mut loader = Loader::new(overrides, sources)?;
    loader.ensure_cmk()?;
    loader.ensure_cs()?;
    let home = sources.home_dir.as_deref();
    let mut summaries: Vec<ProfileSummary> = Vec::new();
    let mut push = |name: &str, source, path: PathBuf, settings: Option<&Settings>| {
        let shadowed = summaries.iter().any(|s| s.name == name);
        summaries.push(ProfileSummary {
            name: name.to_string(),
            source,
            path,
            endpoint: settings.and_then(|s| s.endpoint.clone()),
            auth: settings.map_or(AuthKind::None, Settings::auth_kind),
            is_default: false,
            shadowed,
        });
    };
    if let Some(own) = &loader.own {
        for (name, settings) in &own.profiles {
            push(name, ProfileSource::Csctl, own.path.clone(), Some(settings));
        }
    }
    if let Some(cmk) = loader.cmk() {
        for name in cmk.names() {
            let settings = cmk.settings(name).ok().map(|(settings, _)| settings);
            push(
                name,
                ProfileSource::Cmk,
                cmk.path.clone(),
                settings.as_ref(),
            );
        }
    }
    let cs = loader.cs();
    for name in cs.names() {
        let settings = cs.settings(name, &sources.cwd, home).ok().map(|(s, _)| s);
        let path = cs.file_of(name).unwrap_or_default();
        push(name, ProfileSource::Cs, path, settings.as_ref());
    }
    if let Some(default) = loader.default_name(overrides) {
        if let Some(summary) = summaries
            .iter_mut()
            .find(|s| s.name == default && !s.shadowed)
        {
            summary.is_default = true;
        }
    }
    Ok(summaries)
}

/// Resolves flags, environment, profile and defaults into a client configuration.
///
/// Runs `secret_command`/`password_command` only when its value is needed.
pub fn resolve(overrides: &Overrides, sources: &Sources) -> Result<Resolved, ConfigError> {
    let mut warnings = Vec::new();

    // Endpoint from flags or environment: it also decides whether other
    // tools' files are consulted implicitly.
    let flag_endpoint = nonempty(overrides.endpoint.as_deref())
        .map(|text| {
            checked_endpoint(&text, "--endpoint").map(|url| (url, "--endpoint".to_string()))
        })
        .transpose()?;
    let env_endpoint = env_pair(
        sources,
        "CLOUDSTACK_ENDPOINT",
        "CLOUDSTACK_API_URL",
        true,
        &mut warnings,
    )
    .map(|(text, origin)| checked_endpoint(&text, &origin).map(|url| (url, origin)))
    .transpose()?;
    let given_endpoint = flag_endpoint.clone().or_else(|| env_endpoint.clone());

    let mut loader = Loader::new(overrides, sources)?;
    let selection = loader.select(
        overrides,
        given_endpoint.as_ref().map(|(_, origin)| origin.as_str()),
    )?;
    let (profile, profile_places) = match selection {
        Selected::Profile(chosen) => {
            let place = chosen.place.clone();
            (Some(*chosen), vec![place])
        }
        Selected::Nothing { notes } => (None, notes),
    };
    let empty = Settings::default();
    let settings = profile.as_ref().map_or(&empty, |chosen| &chosen.settings);
    let place = profile.as_ref().map(|chosen| chosen.place.clone());

    // Endpoint.
    let profile_endpoint = settings.endpoint.clone().zip(place.clone());
    let (endpoint, endpoint_origin) =
        given_endpoint
            .or(profile_endpoint)
            .ok_or_else(|| ConfigError::MissingEndpoint {
                looked_at: ["--endpoint", "$CLOUDSTACK_ENDPOINT", "$CLOUDSTACK_API_URL"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain(profile_places.iter().cloned())
                    .collect(),
            })?;

    // Credentials.
    let credential_places = || -> Vec<String> {
        [
            "--api-key/--secret-key",
            "$CLOUDSTACK_KEY/$CLOUDSTACK_SECRET",
            "$CLOUDSTACK_API_KEY/$CLOUDSTACK_SECRET_KEY",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(profile_places.iter().cloned())
        .collect()
    };
    let profile_name = profile.as_ref().map_or("", |chosen| chosen.name.as_str());
    let api_key = nonempty(overrides.api_key.as_deref())
        .map(|key| (key, "--api-key".to_string()))
        .or_else(|| {
            env_pair(
                sources,
                "CLOUDSTACK_KEY",
                "CLOUDSTACK_API_KEY",
                false,
                &mut warnings,
            )
        })
        .or_else(|| settings.api_key.clone().zip(place.clone()));
    let direct_secret = nonempty(overrides.secret_key.as_deref())
        .map(|secret| (Secret(secret), "--secret-key".to_string()))
        .or_else(|| {
            env_pair(
                sources,
                "CLOUDSTACK_SECRET",
                "CLOUDSTACK_SECRET_KEY",
                false,
                &mut warnings,
            )
            .map(|(secret, origin)| (Secret(secret), origin))
        })
        .or_else(|| settings.secret_key.clone().zip(place.clone()));
    let mut credentials = None;
    let mut credentials_origin = String::new();
    if let Some((api_key, key_origin)) = &api_key {
        let secret = match (&direct_secret, &settings.secret_command) {
            (Some((secret, origin)), _) => Some((secret.clone(), origin.clone())),
            (None, Some(command)) => Some((
                command::run_secret_command(
                    profile_name,
                    "secret_command",
                    command,
                    settings
                        .secret_command_timeout
                        .unwrap_or(command::DEFAULT_TIMEOUT),
                )?,
                format!("secret_command of {}", place.clone().unwrap_or_default()),
            )),
            (None, None) => None,
        };
        if let Some((secret, secret_origin)) = secret {
            credentials = Some(Credentials::ApiKey {
                api_key: api_key.clone(),
                secret_key: secret.0,
            });
            credentials_origin = if *key_origin == secret_origin {
                key_origin.clone()
            } else {
                format!("{key_origin} and {secret_origin}")
            };
        }
    }
    if credentials.is_none() {
        if let Some(username) = &settings.username {
            let password = match (&settings.password, &settings.password_command) {
                (Some(password), _) => Some(password.clone()),
                (None, Some(command)) => Some(command::run_secret_command(
                    profile_name,
                    "password_command",
                    command,
                    settings
                        .secret_command_timeout
                        .unwrap_or(command::DEFAULT_TIMEOUT),
                )?),
                (None, None) => None,
            };
            if let Some(password) = password {
                credentials = Some(Credentials::Password {
                    username: username.clone(),
                    password: password.0,
                    domain: settings.domain.clone().unwrap_or_else(|| "/".to_string()),
                });
                credentials_origin = place.clone().unwrap_or_default();
            }
        }
    }
    let credentials = match credentials {
        Some(credentials) => credentials,
        None => {
            let incomplete = |found: String, missing: &str| ConfigError::IncompleteCredentials {
                found,
                missing: missing.to_string(),
                looked_at: credential_places(),
            };
            return Err(if let Some((_, origin)) = &api_key {
                incomplete(format!("an API key (from {origin})"), "secret key")
            } else if let Some((_, origin)) = &direct_secret {
                incomplete(format!("a secret key (from {origin})"), "API key")
            } else if settings.username.is_some() {
                incomplete(
                    format!("a username (from {})", place.clone().unwrap_or_default()),
                    "password",
                )
            } else if settings.password.is_some() || settings.password_command.is_some() {
                incomplete(
                    format!("a password (from {})", place.clone().unwrap_or_default()),
                    "username",
                )
            } else {
                ConfigError::MissingCredentials {
                    looked_at: credential_places(),
                }
            });
        }
    };

    if let Some(chosen) = &profile {
        // A password login is not signed: how cmk signs does not matter.
        let password = matches!(credentials, Credentials::Password { .. });
        warnings.extend(
            chosen
                .notes
                .iter()
                .filter(|note| !(password && note.contains(peers::SIGNATURE_AUTO)))
                .cloned(),
        );
    }

    // Everything else.
    let mut client = ClientConfig::new(endpoint, credentials);
    client.signature_algorithm = settings
        .signature_algorithm
        .unwrap_or(SignatureAlgorithm::Sha1);

    client.method = match overrides.method {
        Some(method) => method,
        None => match env_method(sources)? {
            Some(method) => method,
            None => settings.method.unwrap_or(HttpMethod::Post),
        },
    };

    client.timeout = match overrides.timeout {
        Some(timeout) => timeout,
        None => match sources.var("CLOUDSTACK_TIMEOUT") {
            Some(text) => parse::parse_timeout(&text).map_err(|message| ConfigError::Invalid {
                path: "$CLOUDSTACK_TIMEOUT".into(),
                key: "timeout".into(),
                message,
            })?,
            None => settings.timeout.unwrap_or(DEFAULT_TIMEOUT),
        },
    };
    client.connect_timeout = settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    client.max_response_size = match sources.var("CLOUDSTACK_MAX_RESPONSE_SIZE") {
        Some(text) => parse::parse_size(&text).map_err(|message| ConfigError::Invalid {
            path: "$CLOUDSTACK_MAX_RESPONSE_SIZE".into(),
            key: "max_response_size".into(),
            message,
        })?,
        None => settings
            .max_response_size
            .unwrap_or(crate::client::config::DEFAULT_MAX_RESPONSE_SIZE),
    };
    client.expires = settings.expires.unwrap_or(Some(DEFAULT_EXPIRES));
    client.max_requests_per_second = settings.max_requests_per_second;
    if let Some(retries) = settings.retries {
        client.retries = retries;
    }
    client.verbosity = overrides.verbosity;
    client.tls = resolve_tls(overrides, sources, settings, place.as_deref())?;
    warnings.extend(transport_warnings(&client, overrides.insecure));

    // Origin, for humans.
    let mut overridden = Vec::new();
    if Some(&endpoint_origin) != place.as_ref() {
        overridden.push(format!("endpoint from {endpoint_origin}"));
    }
    if Some(&credentials_origin) != place.as_ref() {
        overridden.push(format!("credentials from {credentials_origin}"));
    }
    let origin = match &place {
        Some(place) if overridden.is_empty() => place.clone(),
        Some(place) => format!("{place}, with {}", overridden.join(" and ")),
        None => overridden.join(", "),
    };

    warnings.extend(loader.mode_warnings());
    Ok(Resolved {
        client,
        profile_name: profile.map(|chosen| chosen.name),
        origin,
        warnings,
    })
}

// ---------------------------------------------------------------------------
// Helpers

/// Warnings about credentials exposed on the way: a password sent over
/// plain http (except to this machine) or to a server whose certificate is
/// not verified, and `--insecure` given on the command line.
fn transport_warnings(client: &ClientConfig, insecure_flag: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let url = reqwest::Url::parse(&client.endpoint).ok();
    let host = url
        .as_ref()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let plain_http = url.as_ref().is_some_and(|url| url.scheme() == "http");
    if let Credentials::Password { username, .. } = &client.credentials {
        if plain_http && !loopback {
            warnings.push(format!(
                "the password of `{username}` is sent to {host} over plain http: anyone on the \
                 network path can read it; use an https:// endpoint"
            ));
        } else if client.tls.insecure && !plain_http {
            warnings.push(format!(
                "the password of `{username}` is sent to {host} without verifying its TLS \
                 certificate (insecure): a server impersonating it would receive the password"
            ));
        }
    } else if insecure_flag && !plain_http {
        warnings.push(format!(
            "--insecure: the TLS certificate of {host} is not verified; a server impersonating \
             it would receive your signed requests"
        ));
    }
    warnings
}

/// `~` and `~/…` are the home directory.
pub(crate) fn expand_tilde(path: &Path, home: Option<&Path>) -> PathBuf {
    if let (Some(home), Ok(rest)) = (home, path.strip_prefix("~")) {
        return home.join(rest);
    }
    path.to_path_buf()
}

fn nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

fn checked_endpoint(text: &str, origin: &str) -> Result<String, ConfigError> {
    parse::check_endpoint(text).map_err(|message| ConfigError::Invalid {
        path: origin.to_string(),
        key: "endpoint".into(),
        message,
    })
}

/// The first of two equivalent environment variables (cs/Ansible name, then
/// Terraform's), with its origin; warns when both are set and differ.
fn env_pair(
    sources: &Sources,
    first: &str,
    second: &str,
    show_values: bool,
    warnings: &mut Vec<String>,
) -> Option<(String, String)> {
    match (sources.var(first), sources.var(second)) {
        (Some(a), Some(b)) => {
            if a != b {
                warnings.push(if show_values {
                    format!("${first} (`{a}`) and ${second} (`{b}`) differ; using ${first}")
                } else {
                    format!("${first} and ${second} differ; using ${first}")
                });
            }
            Some((a, format!("${first}")))
        }
        (Some(a), None) => Some((a, format!("${first}"))),
        (None, Some(b)) => Some((b, format!("${second}"))),
        (None, None) => None,
    }
}

fn env_bool(sources: &Sources, name: &str, key: &str) -> Result<Option<bool>, ConfigError> {
    sources
        .var(name)
        .map(|text| {
            parse::parse_bool(&text).ok_or_else(|| ConfigError::Invalid {
                path: format!("${name}"),
                key: key.to_string(),
                message: format!("`{text}` is not true or false"),
            })
        })
        .transpose()
}

fn env_method(sources: &Sources) -> Result<Option<HttpMethod>, ConfigError> {
    if let Some(text) = sources.var("CLOUDSTACK_METHOD") {
        return text
            .parse()
            .map(Some)
            .map_err(|message| ConfigError::Invalid {
                path: "$CLOUDSTACK_METHOD".into(),
                key: "method".into(),
                message,
            });
    }
    Ok(env_bool(sources, "CLOUDSTACK_HTTP_GET_ONLY", "method")?
        .filter(|get_only| *get_only)
        .map(|_| HttpMethod::Get))
}

fn resolve_tls(
    overrides: &Overrides,
    sources: &Sources,
    settings: &Settings,
    place: Option<&str>,
) -> Result<TlsConfig, ConfigError> {
    let home = sources.home_dir.as_deref();
    // $CLOUDSTACK_VERIFY: a CA bundle path, or false.
    let (env_verify_off, env_bundle) = match sources.var("CLOUDSTACK_VERIFY") {
        None => (None, None),
        Some(text) => match parse::parse_bool(&text) {
            Some(verify) => ((!verify).then_some(true), None),
            None => (
                None,
                Some(sources.cwd.join(expand_tilde(Path::new(&text), home))),
            ),
        },
    };
    let insecure = if overrides.insecure {
        true
    } else if let Some(off) = env_bool(sources, "CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY", "insecure")? {
        off
    } else if let Some(off) = env_verify_off {
        off
    } else {
        settings.insecure.unwrap_or(false)
    };
    let ca_bundle = overrides
        .ca_bundle
        .as_ref()
        .map(|path| {
            (
                sources.cwd.join(expand_tilde(path, home)),
                "--ca-bundle".to_string(),
            )
        })
        .or_else(|| env_bundle.map(|path| (path, "$CLOUDSTACK_VERIFY".to_string())))
        .or_else(|| {
            settings
                .ca_bundle
                .clone()
                .map(|path| (path, place.unwrap_or_default().to_string()))
        });
    if let Some((path, origin)) = &ca_bundle {
        if !path.is_file() {
            return Err(ConfigError::Invalid {
                path: origin.clone(),
                key: "ca_bundle".into(),
                message: format!("{} is not a readable file", path.display()),
            });
        }
    }
    Ok(TlsConfig {
        insecure,
        ca_bundle: ca_bundle.map(|(path, _)| path),
    })
}

/// Files already warned about (the warning is given once per process).
static WARNED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Whether a file holding a secret can be read by group or others.
/// `check_dir`: also require that its directory lets them in (used for other
/// tools' files, which often live in a private directory such as `~/.cmk`).
#[cfg(unix)]
fn readable_by_others(path: &Path, check_dir: bool) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    if metadata.permissions().mode() & 0o077 == 0 {
        return false;
    }
    if check_dir {
        if let Some(dir) = path.parent().and_then(|dir| std::fs::metadata(dir).ok()) {
            if dir.permissions().mode() & 0o011 == 0 {
                return false;
            }
        }
    }
    true
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path, _check_dir: bool) -> bool {
    false
}

fn mode_warning(path: &Path, check_dir: bool) -> Option<String> {
    if !readable_by_others(path, check_dir) {
        return None;
    }
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    warned.insert(path.to_path_buf()).then(|| {
        let shown = path.display();
        format!("{shown} is readable by other users and holds a secret; run chmod 600 {shown}")
    })
}

// ---------------------------------------------------------------------------
// Loading files and choosing the profile

/// A profile that was found.
struct Chosen {
    name: String,
    /// "profile `x` in /path", "cmk profile `x` in /path", "cs region `x` in /path".
    place: String,
    settings: Settings,
    notes: Vec<String>,
}

enum Selected {
    Profile(Box<Chosen>),
    /// No profile; `notes` says what was looked at.
    Nothing {
        notes: Vec<String>,
    },
}

/// Loads csctl's file at once and the other tools' files only when needed.
struct Loader<'a> {
    sources: &'a Sources,
    own_path: PathBuf,
    own: Option<OwnConfig>,
    /// `None`: not loaded yet.
    cmk: Option<Option<CmkConfig>>,
    cs: Option<CsConfig>,
}

impl<'a> Loader<'a> {
    fn new(overrides: &Overrides, sources: &'a Sources) -> Result<Self, ConfigError> {
        let home = sources.home_dir.as_deref();
        let (own_path, explicit) = match &overrides.config_file {
            Some(path) => (sources.cwd.join(expand_tilde(path, home)), true),
            None => (
                default_config_path(sources),
                sources.var("CSCTL_CONFIG").is_some(),
            ),
        };
        let own = OwnConfig::load(&own_path, explicit, home)?;
        Ok(Self {
            sources,
            own_path,
            own,
            cmk: None,
            cs: None,
        })
    }

    fn cmk_path(&self) -> Option<PathBuf> {
        self.sources
            .home_dir
            .as_ref()
            .map(|home| home.join(".cmk").join("config"))
    }

    /// cs's files, highest priority first.
    fn cs_paths(&self) -> Vec<PathBuf> {
        let home = self.sources.home_dir.as_deref();
        let mut paths = Vec::new();
        if let Some(path) = self.sources.var("CLOUDSTACK_CONFIG") {
            paths.push(self.sources.cwd.join(expand_tilde(Path::new(&path), home)));
        }
        paths.push(self.sources.cwd.join("cloudstack.ini"));
        if let Some(home) = home {
            paths.push(home.join(".cloudstack.ini"));
        }
        let mut unique: Vec<PathBuf> = Vec::new();
        for path in paths {
            if !unique.contains(&path) {
                unique.push(path);
            }
        }
        unique
    }

    fn ensure_cmk(&mut self) -> Result<(), ConfigError> {
        if self.cmk.is_none() {
            let cmk = match self.cmk_path() {
                Some(path) => CmkConfig::load(&path)?,
                None => None,
            };
            self.cmk = Some(cmk);
        }
        Ok(())
    }

    fn ensure_cs(&mut self) -> Result<(), ConfigError> {
        if self.cs.is_none() {
            // The working directory's cloudstack.ini is trusted only when
            // $CLOUDSTACK_CONFIG names it.
            let home = self.sources.home_dir.as_deref();
            let local = self.sources.cwd.join("cloudstack.ini");
            let named = self
                .sources
                .var("CLOUDSTACK_CONFIG")
                .map(|path| self.sources.cwd.join(expand_tilde(Path::new(&path), home)));
            let cs = CsConfig::load(&self.cs_paths())?;
            self.cs = Some(if named.as_ref() == Some(&local) {
                cs
            } else {
                cs.distrust(local)
            });
        }
        Ok(())
    }

    /// Only after `ensure_cmk`.
    fn cmk(&self) -> Option<&CmkConfig> {
        self.cmk.as_ref().and_then(Option::as_ref)
    }

    /// Only after `ensure_cs`.
    fn cs(&self) -> &CsConfig {
        self.cs.as_ref().expect("ensure_cs was called")
    }

    fn own_profile(&self, name: &str) -> Option<Chosen> {
        let own = self.own.as_ref()?;
        let settings = own.profiles.get(name)?;
        Some(Chosen {
            name: name.to_string(),
            place: format!("profile `{name}` in {}", own.path.display()),
            settings: settings.clone(),
            notes: Vec::new(),
        })
    }

    fn cmk_profile(&self, name: &str) -> Result<Option<Chosen>, ConfigError> {
        let Some(cmk) = self.cmk().filter(|cmk| cmk.has(name)) else {
            return Ok(None);
        };
        let (settings, notes) = cmk.settings(name)?;
        Ok(Some(Chosen {
            name: name.to_string(),
            place: cmk.place(name),
            settings,
            notes,
        }))
    }

    fn cs_profile(&self, name: &str) -> Result<Option<Chosen>, ConfigError> {
        let cs = self.cs();
        if !cs.has(name) {
            return Ok(None);
        }
        let (settings, notes) =
            cs.settings(name, &self.sources.cwd, self.sources.home_dir.as_deref())?;
        Ok(Some(Chosen {
            name: name.to_string(),
            place: cs.place(name),
            settings,
            notes,
        }))
    }

    /// A named profile: csctl's file, then cmk's, then cs's.
    fn find(&mut self, name: &str) -> Result<Chosen, ConfigError> {
        if let Some(chosen) = self.own_profile(name) {
            return Ok(chosen);
        }
        self.ensure_cmk()?;
        if let Some(chosen) = self.cmk_profile(name)? {
            return Ok(chosen);
        }
        self.ensure_cs()?;
        if let Some(chosen) = self.cs_profile(name)? {
            return Ok(chosen);
        }
        Err(self.unknown(name))
    }

    /// After `find` failed (so every file is loaded).
    fn unknown(&self, name: &str) -> ConfigError {
        let mut available: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            if !available.iter().any(|existing| existing == name) {
                available.push(name.to_string());
            }
        };
        if let Some(own) = &self.own {
            own.profiles.keys().for_each(|name| add(name));
        }
        if let Some(cmk) = self.cmk() {
            cmk.names().for_each(&mut add);
        }
        self.cs().names().for_each(&mut add);

        let shown = |path: &Path, exists: bool| {
            if exists {
                path.display().to_string()
            } else {
                format!("{} (not found)", path.display())
            }
        };
        let mut files = vec![shown(&self.own_path, self.own.is_some())];
        if let Some(path) = self.cmk_path() {
            files.push(shown(&path, self.cmk().is_some()));
        }
        for (path, exists) in &self.cs().files {
            files.push(shown(path, *exists));
        }
        ConfigError::UnknownProfile {
            name: name.to_string(),
            available,
            files,
        }
    }

    /// The name `-p`/`$CSCTL_PROFILE` asks for.
    fn requested(&self, overrides: &Overrides) -> Option<String> {
        nonempty(overrides.profile.as_deref()).or_else(|| self.sources.var("CSCTL_PROFILE"))
    }

    /// Chooses the profile. `given_endpoint`: where the endpoint came from,
    /// if flags or environment gave one (then other tools' files are not
    /// consulted implicitly).
    fn select(
        &mut self,
        overrides: &Overrides,
        given_endpoint: Option<&str>,
    ) -> Result<Selected, ConfigError> {
        if let Some(name) = self.requested(overrides) {
            return self
                .find(&name)
                .map(|chosen| Selected::Profile(Box::new(chosen)));
        }
        let own_path = self.own_path.display().to_string();
        let mut notes = Vec::new();
        match &self.own {
            Some(own) => {
                if let Some(name) = own.default_profile.clone() {
                    return self
                        .find(&name)
                        .map(|chosen| Selected::Profile(Box::new(chosen)));
                }
                if let Some(chosen) = self.own_profile("default") {
                    return Ok(Selected::Profile(Box::new(chosen)));
                }
                // One profile: there is nothing to choose.
                if let (1, Some(only)) = (own.profiles.len(), own.profiles.keys().next()) {
                    if let Some(chosen) = self.own_profile(&only.clone()) {
                        return Ok(Selected::Profile(Box::new(chosen)));
                    }
                }
                if !own.profiles.is_empty() {
                    let names: Vec<&str> = own.profiles.keys().map(String::as_str).collect();
                    notes.push(format!(
                        "{own_path} (profiles {} but no default_profile and no profile named `default`; choose one with -p)",
                        names.join(", ")
                    ));
                    return Ok(Selected::Nothing { notes });
                }
                notes.push(format!("{own_path} (no profiles)"));
            }
            None => notes.push(format!("{own_path} (not found)")),
        }
        if let Some(origin) = given_endpoint {
            notes.push(format!(
                "~/.cmk/config and cloudstack.ini (not consulted because the endpoint comes from {origin}; choose a profile with -p)"
            ));
            return Ok(Selected::Nothing { notes });
        }

        // cloudmonkey's current profile.
        self.ensure_cmk()?;
        if let Some(path) = self.cmk_path() {
            let shown = path.display();
            match self.cmk() {
                None => notes.push(format!("{shown} (not found)")),
                Some(cmk) => match cmk.current().map(str::to_string) {
                    Some(current) if cmk.has(&current) => {
                        if let Some(chosen) = self.cmk_profile(&current)? {
                            return Ok(Selected::Profile(Box::new(chosen)));
                        }
                    }
                    Some(current) => notes.push(format!(
                        "{shown} (its current profile `{current}` is not defined)"
                    )),
                    None => notes.push(format!("{shown} (no current profile)")),
                },
            }
        }

        // cs's region.
        self.ensure_cs()?;
        let region = self
            .sources
            .var("CLOUDSTACK_REGION")
            .unwrap_or_else(|| "cloudstack".to_string());
        if let Some(chosen) = self.cs_profile(&region)? {
            return Ok(Selected::Profile(Box::new(chosen)));
        }
        for (path, exists) in &self.cs().files {
            notes.push(if *exists {
                format!("{} (no region `{region}`)", path.display())
            } else {
                format!("{} (not found)", path.display())
            });
        }
        Ok(Selected::Nothing { notes })
    }

    /// The profile used without `-p` (ignoring the endpoint-from-environment rule).
    fn default_name(&self, overrides: &Overrides) -> Option<String> {
        if let Some(name) = self.requested(overrides) {
            return Some(name);
        }
        if let Some(own) = &self.own {
            if let Some(name) = &own.default_profile {
                return Some(name.clone());
            }
            if own.profiles.len() == 1 {
                return own.profiles.keys().next().cloned();
            }
            if !own.profiles.is_empty() {
                return own
                    .profiles
                    .contains_key("default")
                    .then(|| "default".to_string());
            }
        }
        if let Some(current) = self.cmk().and_then(CmkConfig::current) {
            if self.cmk().is_some_and(|cmk| cmk.has(current)) {
                return Some(current.to_string());
            }
        }
        let region = self
            .sources
            .var("CLOUDSTACK_REGION")
            .unwrap_or_else(|| "cloudstack".to_string());
        self.cs
            .as_ref()
            .filter(|cs| cs.has(&region))
            .map(|_| region)
    }

    /// Warnings for files that hold a secret and that others can read.
    fn mode_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(own) = self.own.as_ref().filter(|own| own.holds_secret()) {
            warnings.extend(mode_warning(&own.path, false));
        }
        if let Some(cmk) = self.cmk().filter(|cmk| cmk.holds_secret()) {
            warnings.extend(mode_warning(&cmk.path, true));
        }
        if let Some(cs) = &self.cs {
            for path in cs.secret_files() {
                warnings.extend(mode_warning(path, true));
            }
        }
        warnings
    }
}
