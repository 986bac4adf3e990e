//! Typed layers: every source of settings (flags, environment, the chosen
//! profile of a file, the defaults) gives a [`Layer`] of optional values,
//! each [`Sourced`] (a value and its [`Origin`]). Resolving merges the layers
//! field by field in precedence order ([`Layer::or`]).
//!
//! A value the environment gives but that does not parse is kept as an
//! [`Invalid`] in its field: the error is reported only when that value
//! would be used, so `--timeout 5` still works beside a bad
//! `$CLOUDSTACK_TIMEOUT`. Files are checked as a whole when they are read,
//! so their layers hold only valid values.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::command;
use super::parse;
use super::settings::{Secret, Settings};
use super::{expand_tilde, ConfigError, Overrides, ProfileSource, Sources};
use crate::client::config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_EXPIRES, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
};
use crate::client::{sign::SignatureAlgorithm, HttpMethod};

/// A profile in some tool's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// Whose file.
    pub source: ProfileSource,
    /// The profile (for `cs`, the region).
    pub name: String,
    /// The file; for `cs`, the highest-priority file defining the region.
    pub path: Option<PathBuf>,
}

impl Place {
    pub fn new(source: ProfileSource, name: &str, path: &Path) -> Self {
        Self {
            source,
            name: name.to_string(),
            path: Some(path.to_path_buf()),
        }
    }
}

impl fmt::Display for Place {
    /// "profile `x` in /path", "cmk profile `x` in /path", "cs region `x` in /path".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.name;
        match self.source {
            ProfileSource::Csctl => write!(f, "profile `{name}`")?,
            ProfileSource::Cmk => write!(f, "cmk profile `{name}`")?,
            ProfileSource::Cs => write!(f, "cs region `{name}`")?,
        }
        match &self.path {
            Some(path) => write!(f, " in {}", path.display()),
            None => Ok(()),
        }
    }
}

/// Where a value came from. Its `Display` is the text users read in
/// [`super::Resolved::origin`] and in error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A command-line flag, named without its dashes (`endpoint`).
    Flag(&'static str),
    /// An environment variable, named without its `$`.
    Env(&'static str),
    /// A profile of a config file.
    Profile(Place),
    /// What a profile's `secret_command` printed.
    SecretCommand(Place),
    /// csctl's built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(name) => write!(f, "--{name}"),
            Self::Env(name) => write!(f, "${name}"),
            Self::Profile(place) => place.fmt(f),
            Self::SecretCommand(place) => write!(f, "secret_command of {place}"),
            Self::Default => f.write_str("the default"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Self { value, origin }
    }
}

/// A value given but not valid; it becomes [`ConfigError::Invalid`] when
/// the value would be used.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Invalid {
    pub origin: Origin,
    /// The setting, as csctl's file names it.
    pub key: &'static str,
    pub message: String,
}

impl From<Invalid> for ConfigError {
    fn from(invalid: Invalid) -> Self {
        ConfigError::Invalid {
            path: invalid.origin.to_string(),
            key: invalid.key.to_string(),
            message: invalid.message,
        }
    }
}

/// One setting of one layer: not set, set, or set to something invalid.
pub(crate) type Field<T> = Option<Result<Sourced<T>, Invalid>>;

/// The value of a field, or the error it holds.
pub(crate) fn take<T>(field: Field<T>) -> Result<Option<Sourced<T>>, ConfigError> {
    field.transpose().map_err(ConfigError::from)
}

/// Reports the error a field holds, if any, leaving it in place.
pub(crate) fn check<T>(field: &Field<T>) -> Result<(), ConfigError> {
    match field {
        Some(Err(invalid)) => Err(invalid.clone().into()),
        _ => Ok(()),
    }
}

/// The value of a field that [`Layer::defaults`] sets, after merging.
pub(crate) fn settled<T>(field: Field<T>) -> Result<T, ConfigError> {
    Ok(take(field)?
        .expect("the defaults layer sets this field")
        .value)
}

/// Parses `text` from `origin` with one of the field parsers of [`parse`].
fn parsed<T>(
    text: &str,
    origin: Origin,
    key: &'static str,
    parser: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Sourced<T>, Invalid> {
    match parser(text) {
        Ok(value) => Ok(Sourced::new(value, origin)),
        Err(message) => Err(Invalid {
            origin,
            key,
            message,
        }),
    }
}

fn valid<T>(value: Option<T>, origin: &Origin) -> Field<T> {
    value.map(|value| Ok(Sourced::new(value, origin.clone())))
}

/// Every setting, optional and sourced. Flags and the environment set only
/// some of them; the selection of the profile (`--profile`, `--config`) is
/// not a setting but decides which file layer there is.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layer {
    pub endpoint: Field<String>,
    pub api_key: Field<String>,
    pub secret_key: Field<Secret>,
    pub secret_command: Field<String>,
    pub secret_file: Field<PathBuf>,
    pub secret_keyring: Field<bool>,
    pub username: Field<String>,
    pub password: Field<Secret>,
    pub password_command: Field<String>,
    pub secret_command_timeout: Field<Duration>,
    pub domain: Field<String>,
    pub signature_algorithm: Field<SignatureAlgorithm>,
    pub method: Field<HttpMethod>,
    pub timeout: Field<Duration>,
    pub connect_timeout: Field<Duration>,
    /// `None` inside: no `expires` parameter at all.
    pub expires: Field<Option<Duration>>,
    pub insecure: Field<bool>,
    pub ca_bundle: Field<PathBuf>,
    pub max_requests_per_second: Field<f64>,
    pub retries: Field<u32>,
    pub max_response_size: Field<u64>,
    /// `None` inside: no proxy at all (not even the environment's).
    pub proxy: Field<Option<String>>,
}

impl Layer {
    /// This layer over `lower`: each field of `self` that is set wins.
    pub fn or(self, lower: Layer) -> Layer {
        Layer {
            endpoint: self.endpoint.or(lower.endpoint),
            api_key: self.api_key.or(lower.api_key),
            secret_key: self.secret_key.or(lower.secret_key),
            secret_command: self.secret_command.or(lower.secret_command),
            secret_file: self.secret_file.or(lower.secret_file),
            secret_keyring: self.secret_keyring.or(lower.secret_keyring),
            username: self.username.or(lower.username),
            password: self.password.or(lower.password),
            password_command: self.password_command.or(lower.password_command),
            secret_command_timeout: self.secret_command_timeout.or(lower.secret_command_timeout),
            domain: self.domain.or(lower.domain),
            signature_algorithm: self.signature_algorithm.or(lower.signature_algorithm),
            method: self.method.or(lower.method),
            timeout: self.timeout.or(lower.timeout),
            connect_timeout: self.connect_timeout.or(lower.connect_timeout),
            expires: self.expires.or(lower.expires),
            insecure: self.insecure.or(lower.insecure),
            ca_bundle: self.ca_bundle.or(lower.ca_bundle),
            max_requests_per_second: self
                .max_requests_per_second
                .or(lower.max_requests_per_second),
            retries: self.retries.or(lower.retries),
            max_response_size: self.max_response_size.or(lower.max_response_size),
            proxy: self.proxy.or(lower.proxy),
        }
    }

    /// What the command line says.
    pub fn flags(overrides: &Overrides, sources: &Sources) -> Layer {
        let home = sources.home_dir.as_deref();
        let flag = Origin::Flag;
        Layer {
            endpoint: nonempty(overrides.endpoint.as_deref())
                .map(|text| parsed(&text, flag("endpoint"), "endpoint", parse::check_endpoint)),
            api_key: valid(nonempty(overrides.api_key.as_deref()), &flag("api-key")),
            secret_key: valid(
                nonempty(overrides.secret_key.as_deref()).map(Secret),
                &flag("secret-key"),
            ),
            timeout: valid(overrides.timeout, &flag("timeout")),
            // `false` means "not given".
            insecure: valid(overrides.insecure.then_some(true), &flag("insecure")),
            ca_bundle: valid(
                overrides
                    .ca_bundle
                    .as_ref()
                    .map(|path| sources.cwd.join(expand_tilde(path, home))),
                &flag("ca-bundle"),
            ),
            method: valid(overrides.method, &flag("method")),
            proxy: overrides
                .proxy
                .as_deref()
                .map(|text| parsed(text, flag("proxy"), "proxy", parse::parse_proxy)),
            ..Layer::default()
        }
    }

    /// What a profile of a file says (its values were checked on reading).
    pub fn profile(settings: &Settings, place: &Place) -> Layer {
        let origin = Origin::Profile(place.clone());
        let settings = settings.clone();
        Layer {
            endpoint: valid(settings.endpoint, &origin),
            api_key: valid(settings.api_key, &origin),
            secret_key: valid(settings.secret_key, &origin),
            secret_command: valid(settings.secret_command, &origin),
            secret_file: valid(settings.secret_file, &origin),
            secret_keyring: valid(settings.secret_keyring, &origin),
            username: valid(settings.username, &origin),
            password: valid(settings.password, &origin),
            password_command: valid(settings.password_command, &origin),
            secret_command_timeout: valid(settings.secret_command_timeout, &origin),
            domain: valid(settings.domain, &origin),
            signature_algorithm: valid(settings.signature_algorithm, &origin),
            method: valid(settings.method, &origin),
            timeout: valid(settings.timeout, &origin),
            connect_timeout: valid(settings.connect_timeout, &origin),
            expires: valid(settings.expires, &origin),
            insecure: valid(settings.insecure, &origin),
            ca_bundle: valid(settings.ca_bundle, &origin),
            max_requests_per_second: valid(settings.max_requests_per_second, &origin),
            retries: valid(settings.retries, &origin),
            max_response_size: valid(settings.max_response_size, &origin),
            proxy: valid(settings.proxy, &origin),
        }
    }

    /// csctl's defaults, for every setting that has one.
    pub fn defaults() -> Layer {
        let origin = Origin::Default;
        Layer {
            secret_command_timeout: valid(Some(command::DEFAULT_TIMEOUT), &origin),
            domain: valid(Some("/".to_string()), &origin),
            signature_algorithm: valid(Some(SignatureAlgorithm::Sha1), &origin),
            method: valid(Some(HttpMethod::Post), &origin),
            timeout: valid(Some(DEFAULT_TIMEOUT), &origin),
            connect_timeout: valid(Some(DEFAULT_CONNECT_TIMEOUT), &origin),
            expires: valid(Some(Some(DEFAULT_EXPIRES)), &origin),
            insecure: valid(Some(false), &origin),
            retries: valid(Some(DEFAULT_RETRIES), &origin),
            max_response_size: valid(Some(DEFAULT_MAX_RESPONSE_SIZE), &origin),
            ..Layer::default()
        }
    }
}

/// The environment's layer, and the warnings about pairs of equivalent
/// variables that disagree.
pub(crate) struct Environment {
    pub layer: Layer,
    /// (setting, warning): given when the environment's value is consulted.
    conflicts: Vec<(&'static str, String)>,
}

impl Environment {
    /// Reads every variable csctl knows (cs's and Ansible's names, then
    /// Terraform's).
    pub fn read(sources: &Sources) -> Environment {
        let home = sources.home_dir.as_deref();
        let mut conflicts = Vec::new();
        let mut pair = |key: &'static str, first, second, show_values| {
            let (text, origin, conflict) = env_pair(sources, first, second, show_values)?;
            conflicts.extend(conflict.map(|warning| (key, warning)));
            Some((text, origin))
        };
        let endpoint = pair(
            "endpoint",
            "CLOUDSTACK_ENDPOINT",
            "CLOUDSTACK_API_URL",
            true,
        )
        .map(|(text, origin)| parsed(&text, origin, "endpoint", parse::check_endpoint));
        let api_key = pair("api_key", "CLOUDSTACK_KEY", "CLOUDSTACK_API_KEY", false)
            .map(|(text, origin)| Ok(Sourced::new(text, origin)));
        let secret_key = pair(
            "secret_key",
            "CLOUDSTACK_SECRET",
            "CLOUDSTACK_SECRET_KEY",
            false,
        )
        .map(|(text, origin)| Ok(Sourced::new(Secret(text), origin)));

        let var = |name: &'static str| sources.var(name).map(|text| (text, Origin::Env(name)));
        let boolean = |name: &'static str, key: &'static str| {
            var(name).map(|(text, origin)| parsed(&text, origin, key, parse::parse_boolean))
        };

        // $CLOUDSTACK_METHOD, else $CLOUDSTACK_HTTP_GET_ONLY=true.
        let method = match var("CLOUDSTACK_METHOD") {
            Some((text, origin)) => Some(parsed(&text, origin, "method", str::parse)),
            None => match boolean("CLOUDSTACK_HTTP_GET_ONLY", "method") {
                Some(Ok(get_only)) if get_only.value => {
                    Some(Ok(Sourced::new(HttpMethod::Get, get_only.origin)))
                }
                Some(Ok(_)) | None => None,
                Some(Err(invalid)) => Some(Err(invalid)),
            },
        };

        // $CLOUDSTACK_VERIFY: a CA bundle path, or false.
        let (verify_off, bundle) = match var("CLOUDSTACK_VERIFY") {
            None => (None, None),
            Some((text, origin)) => match parse::parse_bool(&text) {
                Some(verify) => ((!verify).then(|| Ok(Sourced::new(true, origin))), None),
                None => (
                    None,
                    Some(Ok(Sourced::new(
                        sources.cwd.join(expand_tilde(Path::new(&text), home)),
                        origin,
                    ))),
                ),
            },
        };
        let insecure = boolean("CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY", "insecure").or(verify_off);

        let layer = Layer {
            endpoint,
            api_key,
            secret_key,
            method,
            timeout: var("CLOUDSTACK_TIMEOUT")
                .map(|(text, origin)| parsed(&text, origin, "timeout", parse::parse_timeout)),
            max_response_size: var("CLOUDSTACK_MAX_RESPONSE_SIZE").map(|(text, origin)| {
                parsed(&text, origin, "max_response_size", parse::parse_size)
            }),
            insecure,
            ca_bundle: bundle,
            ..Layer::default()
        };
        Environment { layer, conflicts }
    }

    /// The warning about the variables of setting `key`, if they disagree.
    pub fn conflict(&self, key: &str) -> Option<String> {
        self.conflicts
            .iter()
            .find(|(conflicting, _)| *conflicting == key)
            .map(|(_, warning)| warning.clone())
    }
}

/// The first of two equivalent environment variables, with its origin and
/// a warning when both are set and differ.
fn env_pair(
    sources: &Sources,
    first: &'static str,
    second: &'static str,
    show_values: bool,
) -> Option<(String, Origin, Option<String>)> {
    match (sources.var(first), sources.var(second)) {
        (Some(a), Some(b)) => {
            let warning = (a != b).then(|| {
                if show_values {
                    format!("${first} (`{a}`) and ${second} (`{b}`) differ; using ${first}")
                } else {
                    format!("${first} and ${second} differ; using ${first}")
                }
            });
            Some((a, Origin::Env(first), warning))
        }
        (Some(a), None) => Some((a, Origin::Env(first), None)),
        (None, Some(b)) => Some((b, Origin::Env(second), None)),
        (None, None) => None,
    }
}

/// A flag's text, trimmed, unless empty.
pub(crate) fn nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn sources(vars: &[(&str, &str)]) -> Sources {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Sources {
            env: Box::new(move |name| vars.get(name).cloned()),
            config_dir: None,
            home_dir: Some(PathBuf::from("/home/u")),
            cwd: PathBuf::from("/work"),
        }
    }

    fn value<T>(field: Field<T>) -> Sourced<T> {
        take(field).unwrap().unwrap()
    }

    #[test]
    fn origins_read_as_users_see_them() {
        let csctl = Place::new(
            ProfileSource::Csctl,
            "prod",
            Path::new("/h/.config/csctl/config.toml"),
        );
        let cmk = Place::new(ProfileSource::Cmk, "lab", Path::new("/h/.cmk/config"));
        let cs = Place {
            source: ProfileSource::Cs,
            name: "cloudstack".into(),
            path: None,
        };
        let shown = [
            Origin::Flag("endpoint"),
            Origin::Env("CLOUDSTACK_KEY"),
            Origin::Profile(csctl.clone()),
            Origin::Profile(cmk),
            Origin::Profile(cs),
            Origin::SecretCommand(csctl),
        ]
        .map(|origin| origin.to_string());
        assert_eq!(
            shown,
            [
                "--endpoint",
                "$CLOUDSTACK_KEY",
                "profile `prod` in /h/.config/csctl/config.toml",
                "cmk profile `lab` in /h/.cmk/config",
                "cs region `cloudstack`",
                "secret_command of profile `prod` in /h/.config/csctl/config.toml",
            ]
        );
    }

    #[test]
    fn each_field_comes_from_the_highest_layer_that_sets_it() {
        let overrides = Overrides {
            endpoint: Some("https://flag.example.com/client/api".into()),
            ..Overrides::default()
        };
        let sources = sources(&[
            ("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api"),
            ("CLOUDSTACK_TIMEOUT", "30"),
        ]);
        let place = Place::new(ProfileSource::Csctl, "p", Path::new("/c.toml"));
        let settings = Settings {
            timeout: Some(Duration::from_secs(5)),
            method: Some(HttpMethod::Get),
            ..Settings::default()
        };
        let merged = Layer::flags(&overrides, &sources)
            .or(Environment::read(&sources).layer)
            .or(Layer::profile(&settings, &place))
            .or(Layer::defaults());
        assert_eq!(
            value(merged.endpoint),
            Sourced::new(
                "https://flag.example.com/client/api".to_string(),
                Origin::Flag("endpoint")
            )
        );
        assert_eq!(
            value(merged.timeout),
            Sourced::new(Duration::from_secs(30), Origin::Env("CLOUDSTACK_TIMEOUT"))
        );
        assert_eq!(
            value(merged.method),
            Sourced::new(HttpMethod::Get, Origin::Profile(place))
        );
        assert_eq!(
            value(merged.connect_timeout),
            Sourced::new(DEFAULT_CONNECT_TIMEOUT, Origin::Default)
        );
        assert!(take(merged.ca_bundle).unwrap().is_none());
    }

    #[test]
    fn an_invalid_value_is_an_error_only_where_it_is_used() {
        let sources = sources(&[("CLOUDSTACK_TIMEOUT", "never")]);
        let env = Environment::read(&sources).layer;
        let error = take(env.clone().or(Layer::defaults()).timeout).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid `timeout` in $CLOUDSTACK_TIMEOUT: `never` is not a duration"),
            "{error}"
        );
        assert!(check(&env.timeout).is_err());

        let overrides = Overrides {
            timeout: Some(Duration::from_secs(5)),
            ..Overrides::default()
        };
        let merged = Layer::flags(&overrides, &sources).or(env);
        assert_eq!(value(merged.timeout).value, Duration::from_secs(5));
    }

    #[test]
    fn environment_reads_every_alias_and_notes_conflicts() {
        let env = Environment::read(&sources(&[
            ("CLOUDSTACK_API_URL", "https://tf.example.com/client/api"),
            ("CLOUDSTACK_KEY", "a"),
            ("CLOUDSTACK_API_KEY", "b"),
            ("CLOUDSTACK_HTTP_GET_ONLY", "yes"),
            ("CLOUDSTACK_VERIFY", "~/ca.pem"),
        ]));
        assert_eq!(
            value(env.layer.endpoint.clone()).origin,
            Origin::Env("CLOUDSTACK_API_URL")
        );
        assert_eq!(
            value(env.layer.api_key.clone()),
            Sourced::new("a".to_string(), Origin::Env("CLOUDSTACK_KEY"))
        );
        assert_eq!(
            env.conflict("api_key").as_deref(),
            Some("$CLOUDSTACK_KEY and $CLOUDSTACK_API_KEY differ; using $CLOUDSTACK_KEY")
        );
        assert_eq!(env.conflict("endpoint"), None);
        assert_eq!(
            value(env.layer.method.clone()),
            Sourced::new(HttpMethod::Get, Origin::Env("CLOUDSTACK_HTTP_GET_ONLY"))
        );
        assert_eq!(
            value(env.layer.ca_bundle.clone()).value,
            PathBuf::from("/home/u/ca.pem")
        );
        assert!(env.layer.insecure.is_none());

        let env = Environment::read(&sources(&[
            ("CLOUDSTACK_VERIFY", "false"),
            ("CLOUDSTACK_HTTP_GET_ONLY", "no"),
        ]));
        assert_eq!(
            value(env.layer.insecure.clone()),
            Sourced::new(true, Origin::Env("CLOUDSTACK_VERIFY"))
        );
        assert!(env.layer.method.is_none());
        assert!(env.layer.ca_bundle.is_none());
    }

    #[test]
    fn the_defaults_settle_every_field_that_has_a_default() {
        let defaults = Layer::defaults();
        assert_eq!(
            settled(defaults.secret_command_timeout).unwrap(),
            command::DEFAULT_TIMEOUT
        );
        assert_eq!(settled(defaults.domain).unwrap(), "/");
        assert_eq!(
            settled(defaults.signature_algorithm).unwrap(),
            SignatureAlgorithm::Sha1
        );
        assert_eq!(settled(defaults.method).unwrap(), HttpMethod::Post);
        assert_eq!(settled(defaults.timeout).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(
            settled(defaults.connect_timeout).unwrap(),
            DEFAULT_CONNECT_TIMEOUT
        );
        assert_eq!(settled(defaults.expires).unwrap(), Some(DEFAULT_EXPIRES));
        assert!(!settled(defaults.insecure).unwrap());
        assert_eq!(settled(defaults.retries).unwrap(), DEFAULT_RETRIES);
        assert_eq!(
            settled(defaults.max_response_size).unwrap(),
            DEFAULT_MAX_RESPONSE_SIZE
        );
    }
}
