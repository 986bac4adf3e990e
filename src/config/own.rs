//! csctl's own configuration file (`~/.config/csctl/config.toml`).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::layers::Place;
use super::settings::Settings;
use super::{expand_tilde, ConfigError, ProfileSource};

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Settings>,
}

/// csctl's config file, loaded and checked.
#[derive(Debug)]
pub(crate) struct OwnConfig {
    pub path: PathBuf,
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, Settings>,
}

impl OwnConfig {
    /// Loads the file. A missing file is `Ok(None)` unless it was named
    /// explicitly (`--config`, `$CSCTL_CONFIG`).
    pub fn load(
        path: &Path,
        explicit: bool,
        home: Option<&Path>,
    ) -> Result<Option<Self>, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound && !explicit => return Ok(None),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Self::parse(path, &text, home).map(Some)
    }

    /// Parses the text of the file at `path`.
    pub fn parse(path: &Path, text: &str, home: Option<&Path>) -> Result<Self, ConfigError> {
        let file: OwnFile = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: toml_message(text, &error),
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        let mut profiles = file.profiles;
        for (name, settings) in &mut profiles {
            let place = || Place::new(ProfileSource::Csctl, name, path).to_string();
            if settings.secret_key.is_some() && settings.secret_command.is_some() {
                return Err(ConfigError::Invalid {
                    path: place(),
                    key: "secret_command".into(),
                    message: "set either `secret_key` or `secret_command`, not both".into(),
                });
            }
            if settings.password.is_some() && settings.password_command.is_some() {
                return Err(ConfigError::Invalid {
                    path: place(),
                    key: "password_command".into(),
                    message: "set either `password` or `password_command`, not both".into(),
                });
            }
            if let Some(bundle) = settings.ca_bundle.take() {
                // `~/` is the home directory; other relative paths are
                // relative to the directory holding the config file.
                settings.ca_bundle = Some(base.join(expand_tilde(&bundle, home)));
            }
        }
        let default_profile = file
            .default_profile
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty());
        Ok(Self {
            path: path.to_path_buf(),
            default_profile,
            profiles,
        })
    }

    /// Whether some profile stores a secret key or password in the file.
    pub fn holds_secret(&self) -> bool {
        self.profiles.values().any(Settings::holds_secret)
    }

    /// Whether some profile stores a secret, or a command csctl would run
    /// (`secret_command`, `password_command`).
    pub fn holds_secret_or_command(&self) -> bool {
        self.holds_secret()
            || self
                .profiles
                .values()
                .any(|p| p.secret_command.is_some() || p.password_command.is_some())
    }
}

/// One line: `line L, column C: message`.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let mut message = error.message().trim().replace('\n', " ");
    if message.contains("expected `default_profile` or `profiles`") {
        message.push_str(" (profiles are tables named [profiles.NAME])");
    }
    match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
