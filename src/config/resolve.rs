//! Resolution: the layers of flags, environment, the chosen profile and the
//! defaults, merged field by field, then checked and turned into a
//! [`ClientConfig`].

use std::fmt;
use std::path::PathBuf;

use super::command;
use super::layers::{check, settled, take, Environment, Invalid, Layer, Origin, Place, Sourced};
use super::loader::{Loader, Selected};
use super::parse;
use super::peers;
use super::settings::Secret;
use super::{ConfigError, Overrides, Resolved, SigningSettings, Sources};
use crate::client::{ClientConfig, Credentials, TlsConfig};

/// Where the credentials came from: one origin, or the API key's and the
/// secret key's when they differ.
struct CredentialsOrigin(Vec<Origin>);

impl fmt::Display for CredentialsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, origin) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" and ")?;
            }
            origin.fmt(f)?;
        }
        Ok(())
    }
}

/// The layers merged, with the profile they chose: what both
/// [`resolve`] and [`resolve_signing`] start from.
struct Merged<'a> {
    merged: Layer,
    loader: Loader<'a>,
    profile: Option<super::loader::Chosen>,
    profile_places: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Merged<'a> {
    /// Merges flags, environment, the chosen profile and the defaults.
    /// `given_endpoint` of flags or environment is checked first: it also
    /// decides whether other tools' files are consulted implicitly.
    fn new(overrides: &Overrides, sources: &'a Sources) -> Result<Self, ConfigError> {
        let flags = Layer::flags(overrides, sources);
        let env = Environment::read(sources);
        let mut warnings = Vec::new();

        check(&flags.endpoint)?;
        check(&env.layer.endpoint)?;
        warnings.extend(env.conflict("endpoint"));
        let given_endpoint = [&flags.endpoint, &env.layer.endpoint]
            .into_iter()
            .find_map(|field| field.as_ref().and_then(|value| value.as_ref().ok()))
            .map(|endpoint| endpoint.origin.clone());

        let mut loader = Loader::new(overrides, sources)?;
        let (profile, profile_places) = match loader.select(overrides, given_endpoint.as_ref())? {
            Selected::Profile(chosen) => {
                let place = chosen.place.to_string();
                (Some(*chosen), vec![place])
            }
            Selected::Nothing { notes } => (None, notes),
        };
        // The environment's credentials are consulted only without flags.
        if flags.api_key.is_none() {
            warnings.extend(env.conflict("api_key"));
        }
        if flags.secret_key.is_none() {
            warnings.extend(env.conflict("secret_key"));
        }
        let profile_layer = profile.as_ref().map_or_else(Layer::default, |chosen| {
            Layer::profile(&chosen.settings, &chosen.place)
        });
        let merged = flags.or(env.layer).or(profile_layer).or(Layer::defaults());
        Ok(Self {
            merged,
            loader,
            profile,
            profile_places,
            warnings,
        })
    }

    /// The credentials, and the chosen profile's notes that apply to them.
    fn credentials(&mut self) -> Result<(Credentials, CredentialsOrigin), ConfigError> {
        let profile_name = self
            .profile
            .as_ref()
            .map_or("", |chosen| chosen.name.as_str());
        let found = credentials(&mut self.merged, profile_name, &self.profile_places)?;
        if let Some(chosen) = &self.profile {
            // A password login is not signed: how cmk signs does not matter.
            let password = matches!(found.0, Credentials::Password { .. });
            self.warnings.extend(
                chosen
                    .notes
                    .iter()
                    .filter(|note| !(password && note.contains(peers::SIGNATURE_AUTO)))
                    .cloned(),
            );
        }
        Ok(found)
    }
}

/// See [`super::resolve`].
pub(super) fn resolve(overrides: &Overrides, sources: &Sources) -> Result<Resolved, ConfigError> {
    let mut chosen = Merged::new(overrides, sources)?;

    // Endpoint.
    let Sourced {
        value: endpoint,
        origin: endpoint_origin,
    } = take(chosen.merged.endpoint.take())?.ok_or_else(|| ConfigError::MissingEndpoint {
        looked_at: ["--endpoint", "$CLOUDSTACK_ENDPOINT", "$CLOUDSTACK_API_URL"]
            .iter()
            .map(|s| s.to_string())
            .chain(chosen.profile_places.iter().cloned())
            .collect(),
    })?;

    let (credentials, credentials_origin) = chosen.credentials()?;

    // Everything else, in the order their errors are reported.
    let Merged {
        merged,
        loader,
        profile,
        mut warnings,
        ..
    } = chosen;
    let mut client = ClientConfig::new(endpoint, credentials);
    client.signature_algorithm = settled(merged.signature_algorithm)?;
    client.method = settled(merged.method)?;
    client.timeout = settled(merged.timeout)?;
    client.connect_timeout = settled(merged.connect_timeout)?;
    client.max_response_size = settled(merged.max_response_size)?;
    client.expires = settled(merged.expires)?;
    client.max_requests_per_second = take(merged.max_requests_per_second)?.map(|rate| rate.value);
    client.retries = settled(merged.retries)?;
    client.verbosity = overrides.verbosity;
    let insecure = take(merged.insecure)?.expect("the defaults layer sets this field");
    client.tls = tls(insecure.value, take(merged.ca_bundle)?)?;
    client.proxy = proxy_for(&client.endpoint, take(merged.proxy)?, sources)?;
    warnings.extend(transport_warnings(&client, &insecure.origin));

    let place: Option<Place> = profile.as_ref().map(|chosen| chosen.place.clone());
    let origin = origin_text(place.as_ref(), &endpoint_origin, &credentials_origin);
    warnings.extend(loader.mode_warnings());
    Ok(Resolved {
        client,
        profile_name: profile.map(|chosen| chosen.name),
        origin,
        warnings,
    })
}

/// See [`super::resolve_signing`].
pub(super) fn resolve_signing(
    overrides: &Overrides,
    sources: &Sources,
) -> Result<SigningSettings, ConfigError> {
    let mut chosen = Merged::new(overrides, sources)?;
    // Signing sends nothing: an endpoint is not needed, but a broken one
    // is still reported.
    take(chosen.merged.endpoint.take())?;
    let (credentials, _) = chosen.credentials()?;
    let Merged {
        merged,
        loader,
        mut warnings,
        ..
    } = chosen;
    let settings = SigningSettings {
        credentials,
        signature_algorithm: settled(merged.signature_algorithm)?,
        expires: settled(merged.expires)?,
        warnings: Vec::new(),
    };
    warnings.extend(loader.mode_warnings());
    Ok(SigningSettings {
        warnings,
        ..settings
    })
}

/// The credentials (API keys, else username and password), running
/// `secret_command`/`password_command` only when its value is needed; or
/// what is missing, with `profile_places` among the places looked at.
fn credentials(
    merged: &mut Layer,
    profile_name: &str,
    profile_places: &[String],
) -> Result<(Credentials, CredentialsOrigin), ConfigError> {
    let command_timeout = settled(merged.secret_command_timeout.take())?;
    let run = |key: &str, command: &Sourced<String>| {
        command::run_secret_command(profile_name, key, &command.value, command_timeout)
    };
    let api_key = take(merged.api_key.take())?;
    let direct_secret = take(merged.secret_key.take())?;
    let secret_command = take(merged.secret_command.take())?;
    let secret_file = take(merged.secret_file.take())?;
    let secret_keyring = take(merged.secret_keyring.take())?;
    let username = take(merged.username.take())?;
    let password = take(merged.password.take())?;
    let password_command = take(merged.password_command.take())?;
    let domain = settled(merged.domain.take())?;
    let mut credentials = None;
    if let Some(api_key) = &api_key {
        let secret = match (&direct_secret, &secret_command) {
            (Some(secret), _) => Some(secret.clone()),
            (None, Some(command)) => Some(Sourced::new(
                run("secret_command", command)?,
                match &command.origin {
                    Origin::Profile(place) => Origin::SecretCommand(place.clone()),
                    other => other.clone(),
                },
            )),
            (None, None) => match (&secret_keyring, &secret_file) {
                (Some(keyring), _) if keyring.value => Some(Sourced::new(
                    Secret(read_keyring(profile_name)?),
                    keyring.origin.clone(),
                )),
                (_, Some(file)) => Some(Sourced::new(
                    Secret(read_secret_file(profile_name, &file.value)?),
                    file.origin.clone(),
                )),
                _ => None,
            },
        };
        if let Some(secret) = secret {
            let mut origins = vec![api_key.origin.clone()];
            if secret.origin != api_key.origin {
                origins.push(secret.origin);
            }
            credentials = Some((
                Credentials::ApiKey {
                    api_key: api_key.value.clone(),
                    secret_key: secret.value.0,
                },
                CredentialsOrigin(origins),
            ));
        }
    }
    if credentials.is_none() {
        if let Some(username) = &username {
            let password = match (&password, &password_command) {
                (Some(password), _) => Some(password.value.clone()),
                (None, Some(command)) => Some(run("password_command", command)?),
                (None, None) => None,
            };
            if let Some(password) = password {
                credentials = Some((
                    Credentials::Password {
                        username: username.value.clone(),
                        password: password.0,
                        domain,
                    },
                    CredentialsOrigin(vec![username.origin.clone()]),
                ));
            }
        }
    }
    match credentials {
        Some(found) => Ok(found),
        None => {
            let looked_at = || -> Vec<String> {
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
            let incomplete =
                |what: &str, origin: &Origin, missing: &str| ConfigError::IncompleteCredentials {
                    found: format!("{what} (from {origin})"),
                    missing: missing.to_string(),
                    looked_at: looked_at(),
                };
            let password_origin = password
                .as_ref()
                .map(|password| &password.origin)
                .or(password_command.as_ref().map(|command| &command.origin));
            Err(if let Some(api_key) = &api_key {
                incomplete("an API key", &api_key.origin, "secret key")
            } else if let Some(secret) = &direct_secret {
                incomplete("a secret key", &secret.origin, "API key")
            } else if let Some(username) = &username {
                incomplete("a username", &username.origin, "password")
            } else if let Some(origin) = password_origin {
                incomplete("a password", origin, "username")
            } else {
                ConfigError::MissingCredentials {
                    looked_at: looked_at(),
                }
            })
        }
    }
}

/// The proxy requests to `endpoint` go through, read as curl reads it: the
/// `proxy` setting (`--proxy`, the profile) if given, else `https_proxy`
/// or `HTTPS_PROXY` for an https endpoint, `http_proxy` or `HTTP_PROXY` for
/// an http one, else `all_proxy` or `ALL_PROXY`; none when `no_proxy` or
/// `NO_PROXY` names the endpoint's host (a name and its subdomains, an
/// address, a CIDR range, or `*`).
fn proxy_for(
    endpoint: &str,
    setting: Option<Sourced<Option<String>>>,
    sources: &Sources,
) -> Result<Option<String>, ConfigError> {
    let first = |names: &[&'static str]| {
        names
            .iter()
            .find_map(|name| sources.var(name).map(|text| (text, *name)))
    };
    let https = endpoint
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    let chosen = match setting {
        Some(sourced) => sourced.value,
        None => {
            let names: &[&'static str] = if https {
                &["https_proxy", "HTTPS_PROXY"]
            } else {
                &["http_proxy", "HTTP_PROXY"]
            };
            match first(names).or_else(|| first(&["all_proxy", "ALL_PROXY"])) {
                None => None,
                Some((text, name)) => parse::parse_proxy(&text).map_err(|message| {
                    ConfigError::from(Invalid {
                        origin: Origin::Env(name),
                        key: "proxy",
                        message,
                    })
                })?,
            }
        }
    };
    let Some(proxy) = chosen else {
        return Ok(None);
    };
    let no_proxy = first(&["no_proxy", "NO_PROXY"])
        .map(|(text, _)| text)
        .unwrap_or_default();
    if no_proxy.trim() == "*" {
        return Ok(None);
    }
    let Ok(uri) = endpoint.parse::<http::Uri>() else {
        return Ok(Some(proxy));
    };
    let matcher = hyper_util::client::proxy::matcher::Matcher::builder()
        .all(proxy.clone())
        .no(no_proxy)
        .build();
    Ok(matcher.intercept(&uri).map(|_| proxy))
}

/// `insecure` and the CA bundle, which must be a file.
fn tls(insecure: bool, ca_bundle: Option<Sourced<PathBuf>>) -> Result<TlsConfig, ConfigError> {
    if let Some(bundle) = &ca_bundle {
        if !bundle.value.is_file() {
            return Err(ConfigError::Invalid {
                path: bundle.origin.to_string(),
                key: "ca_bundle".into(),
                message: format!("{} is not a readable file", bundle.value.display()),
            });
        }
    }
    Ok(TlsConfig {
        insecure,
        ca_bundle: ca_bundle.map(|bundle| bundle.value),
    })
}

/// Where the settings came from, for humans: the profile, and what did not
/// come from it.
fn origin_text(
    place: Option<&Place>,
    endpoint: &Origin,
    credentials: &CredentialsOrigin,
) -> String {
    let from_profile = |origins: &[Origin]| match place {
        Some(place) => origins == [Origin::Profile(place.clone())],
        None => false,
    };
    let mut overridden = Vec::new();
    if !from_profile(std::slice::from_ref(endpoint)) {
        overridden.push(format!("endpoint from {endpoint}"));
    }
    if !from_profile(&credentials.0) {
        overridden.push(format!("credentials from {credentials}"));
    }
    match place {
        Some(place) if overridden.is_empty() => place.to_string(),
        Some(place) => format!("{place}, with {}", overridden.join(" and ")),
        None => overridden.join(", "),
    }
}

/// Warnings about credentials exposed on the way: a password sent over
/// plain http (except to this machine) or to a server whose certificate is
/// not verified, and verification turned off by any route (flag, profile,
/// environment).
fn transport_warnings(client: &ClientConfig, insecure_origin: &Origin) -> Vec<String> {
    let mut warnings = Vec::new();
    let url = url::Url::parse(&client.endpoint).ok();
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
    } else if client.tls.insecure && !plain_http {
        // Whatever turned it off (--insecure, `insecure = true` or
        // `verify = false` in a profile, $CLOUDSTACK_VERIFY=false…).
        let route = match insecure_origin {
            Origin::Flag(_) => "--insecure".to_string(),
            other => format!("TLS verification is off ({other})"),
        };
        warnings.push(format!(
            "{route}: the TLS certificate of {host} is not verified; a server impersonating \
             it would receive your signed requests"
        ));
    }
    warnings
}

/// The secret key kept in the OS keyring (`secret_keyring = true`).
fn read_keyring(profile: &str) -> Result<String, ConfigError> {
    super::keyring_store::load_secret(profile).map_err(|error| ConfigError::SecretCommand {
        profile: profile.to_string(),
        message: format!(
            "the OS keyring (service `{}`, account `{profile}`) did not give it: {error}\n  \
             hint: log in and run `csctl keys show --save -p {profile}` to store it again, \
             or set `secret_key`, `secret_command` or `secret_file` in the profile instead \
             of `secret_keyring`",
            super::keyring_store::SERVICE
        ),
    })
}

/// The secret key kept in a private file (`secret_file`): its first line.
fn read_secret_file(profile: &str, path: &std::path::Path) -> Result<String, ConfigError> {
    let fail = |message: String| ConfigError::SecretCommand {
        profile: profile.to_string(),
        message,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(metadata) = std::fs::metadata(path) {
            if metadata.permissions().mode() & 0o077 != 0 {
                return Err(fail(format!(
                    "the secret file {} can be read or changed by other users; run chmod 600 {}",
                    path.display(),
                    path.display()
                )));
            }
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(format!(
            "cannot read the secret file {}: {e}",
            path.display()
        ))
    })?;
    let secret = text.lines().next().unwrap_or_default().trim().to_string();
    if secret.is_empty() {
        return Err(fail(format!("the secret file {} is empty", path.display())));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::ProfileSource;

    #[test]
    fn origin_text_names_the_profile_and_what_overrides_it() {
        let place = Place::new(ProfileSource::Cmk, "lab", Path::new("/h/.cmk/config"));
        let profile = Origin::Profile(place.clone());
        let key = Origin::Env("CLOUDSTACK_KEY");
        let both = CredentialsOrigin(vec![key.clone(), profile.clone()]);
        assert_eq!(
            origin_text(
                Some(&place),
                &profile,
                &CredentialsOrigin(vec![profile.clone()])
            ),
            "cmk profile `lab` in /h/.cmk/config"
        );
        assert_eq!(
            origin_text(Some(&place), &Origin::Flag("endpoint"), &both),
            "cmk profile `lab` in /h/.cmk/config, with endpoint from --endpoint and \
             credentials from $CLOUDSTACK_KEY and cmk profile `lab` in /h/.cmk/config"
        );
        assert_eq!(
            origin_text(
                None,
                &Origin::Env("CLOUDSTACK_API_URL"),
                &CredentialsOrigin(vec![key])
            ),
            "endpoint from $CLOUDSTACK_API_URL, credentials from $CLOUDSTACK_KEY"
        );
    }
}
