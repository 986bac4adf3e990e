//! Read-only access to the config files of other CloudStack clients:
//! cloudmonkey's `~/.cmk/config` and the `cs` client's `cloudstack.ini`.
//!
//! These files are read, never written.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ini::{Ini, ParseOption};

use super::layers::Place;
use super::parse;
use super::settings::{Secret, Settings};
use super::{expand_tilde, ConfigError, ProfileSource};
use crate::client::sign::SignatureAlgorithm;

/// One INI section: lower-cased keys, trimmed values.
type Section = BTreeMap<String, String>;

/// Keys before any section header.
const GENERAL: &str = "";

/// Reads an INI file into sections (later duplicates win). Missing: `Ok(None)`.
fn read_ini(
    path: &Path,
    strip_quotes: bool,
) -> Result<Option<Vec<(String, Section)>>, ConfigError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    // No escapes and no quote handling: secrets and Windows paths are taken
    // literally, as Python's configparser and go-ini do.
    let options = ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    };
    let ini = Ini::load_from_str_opt(&text, options).map_err(|error| ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!("line {}, column {}: {}", error.line, error.col, error.msg),
    })?;
    let mut sections: Vec<(String, Section)> = Vec::new();
    for (name, properties) in ini.iter() {
        let name = name.unwrap_or(GENERAL).trim().to_string();
        let index = match sections.iter().position(|(existing, _)| *existing == name) {
            Some(index) => index,
            None => {
                sections.push((name, Section::new()));
                sections.len() - 1
            }
        };
        for (key, value) in properties.iter() {
            let mut value = value.trim();
            if strip_quotes {
                value = unquote(value);
            }
            sections[index]
                .1
                .insert(key.trim().to_ascii_lowercase(), value.to_string());
        }
    }
    Ok(Some(sections))
}

/// go-ini drops one pair of surrounding quotes.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\'', '`'] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

fn nonempty(section: &Section, key: &str) -> Option<String> {
    section
        .get(key)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

fn invalid(place: &Place, key: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: place.to_string(),
        key: key.to_string(),
        message,
    }
}

// ---------------------------------------------------------------------------
// cloudmonkey (cmk)

/// cloudmonkey's config: core settings in the default section, one section per profile.
#[derive(Debug)]
pub(crate) struct CmkConfig {
    pub path: PathBuf,
    core: Section,
    profiles: Vec<(String, Section)>,
}

impl CmkConfig {
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        let Some(sections) = read_ini(path, true)? else {
            return Ok(None);
        };
        let mut core = Section::new();
        let mut profiles = Vec::new();
        for (name, section) in sections {
            if name == GENERAL || name == "DEFAULT" {
                core.extend(section);
            } else {
                profiles.push((name, section));
            }
        }
        Ok(Some(Self {
            path: path.to_path_buf(),
            core,
            profiles,
        }))
    }

    /// The profile cmk itself would use (`profile = ...` in the default section).
    pub fn current(&self) -> Option<&str> {
        self.core
            .get("profile")
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.iter().map(|(name, _)| name.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.profiles
            .iter()
            .find(|(existing, _)| existing == name)
            .map(|(_, section)| section)
    }

    pub fn holds_secret(&self) -> bool {
        self.profiles.iter().any(|(_, section)| {
            nonempty(section, "secretkey").is_some() || nonempty(section, "password").is_some()
        })
    }

    /// Where a profile lives, for messages.
    pub fn place(&self, name: &str) -> Place {
        Place::new(ProfileSource::Cmk, name, &self.path)
    }

    /// The settings of profile `name` (which must exist), and notes for the user.
    pub fn settings(&self, name: &str) -> Result<(Settings, Vec<String>), ConfigError> {
        let section = self.section(name).cloned().unwrap_or_default();
        let place = self.place(name);
        let mut notes = Vec::new();
        // `timeout`, `verifycert` and `signaturealgorithm` live in the default
        // section in cmk; a profile section may override them.
        let lookup = |key: &str| nonempty(&section, key).or_else(|| nonempty(&self.core, key));

        let mut out = Settings {
            endpoint: nonempty(&section, "url")
                .map(|url| parse::check_endpoint(&url).map_err(|m| invalid(&place, "url", m)))
                .transpose()?,
            api_key: nonempty(&section, "apikey"),
            secret_key: nonempty(&section, "secretkey").map(Secret),
            username: nonempty(&section, "username"),
            password: nonempty(&section, "password").map(Secret),
            domain: nonempty(&section, "domain"),
            ..Settings::default()
        };
        if let Some(text) = lookup("timeout") {
            // cmk treats 0 as "no limit"; csctl then keeps its default.
            match parse::parse_duration(&text) {
                Ok(duration) if duration.is_zero() => {}
                Ok(duration) => out.timeout = Some(duration),
                Err(message) => return Err(invalid(&place, "timeout", message)),
            }
        }
        if let Some(text) = lookup("verifycert") {
            let verify =
                parse::parse_boolean(&text).map_err(|m| invalid(&place, "verifycert", m))?;
            out.insecure = Some(!verify);
        }
        if let Some(text) = lookup("signaturealgorithm") {
            if text.eq_ignore_ascii_case("auto") {
                out.signature_algorithm = Some(SignatureAlgorithm::Sha1);
                notes.push(format!(
                    "{place} has {SIGNATURE_AUTO}; csctl does not probe and signs with sha1 \
                     (set signature_algorithm = \"sha512\" in a csctl profile to change)"
                ));
            } else {
                out.signature_algorithm = Some(
                    text.parse()
                        .map_err(|message| invalid(&place, "signaturealgorithm", message))?,
                );
            }
        }
        Ok((out, notes))
    }
}

/// What the note about cmk's `signaturealgorithm = auto` says (it is left
/// out for password logins, which are not signed).
pub(crate) const SIGNATURE_AUTO: &str = "signaturealgorithm = auto";

// ---------------------------------------------------------------------------
// cs (cloudstack.ini)

/// key -> (value, file it came from)
type Keys = BTreeMap<String, (String, PathBuf)>;

/// The `cs` client's ini files, merged as Python's configparser does: files
/// are read from lowest to highest priority and later keys win; `[DEFAULT]`
/// applies to every region.
#[derive(Debug)]
pub(crate) struct CsConfig {
    /// Every candidate file, highest priority first, and whether it exists.
    pub files: Vec<(PathBuf, bool)>,
    /// Files that store a secret.
    secret_files: Vec<PathBuf>,
    defaults: Keys,
    regions: Vec<(String, Keys)>,
    /// `./cloudstack.ini` of the working directory, unless trusted
    /// explicitly (`$CLOUDSTACK_CONFIG` names it): a cloned repository
    /// could hold one.
    untrusted: Option<PathBuf>,
}

impl CsConfig {
    /// `paths` in priority order, highest first.
    pub fn load(paths: &[PathBuf]) -> Result<Self, ConfigError> {
        let mut files = Vec::new();
        let mut defaults = BTreeMap::new();
        let mut regions: Vec<(String, Keys)> = Vec::new();
        let mut secret_files = Vec::new();
        for path in paths.iter().rev() {
            let sections = read_ini(path, false)?;
            files.push((path.clone(), sections.is_some()));
            for (name, section) in sections.into_iter().flatten() {
                if name == GENERAL {
                    continue;
                }
                if nonempty(&section, "secret").is_some() && !secret_files.contains(path) {
                    secret_files.push(path.clone());
                }
                let target = if name == "DEFAULT" {
                    &mut defaults
                } else {
                    let index = match regions.iter().position(|(existing, _)| *existing == name) {
                        Some(index) => index,
                        None => {
                            regions.push((name, BTreeMap::new()));
                            regions.len() - 1
                        }
                    };
                    &mut regions[index].1
                };
                for (key, value) in section {
                    // configparser's interpolation turns `%%` into `%`.
                    target.insert(key, (value.replace("%%", "%"), path.clone()));
                }
            }
        }
        files.reverse();
        Ok(Self {
            files,
            secret_files,
            defaults,
            regions,
            untrusted: None,
        })
    }

    /// Marks `path` (the working directory's `cloudstack.ini`) as a file
    /// that may not redirect or weaken a region defined elsewhere.
    pub fn distrust(mut self, path: PathBuf) -> Self {
        self.untrusted = Some(path);
        self
    }

    /// Refuses a working-directory file that changes the endpoint of a
    /// region whose credentials come from another file (it would send them
    /// to its own server), and warns when it weakens that region's
    /// security (`expiration`, `verify`, `dangerous_no_tls_verify`, `method`).
    fn check_untrusted(&self, name: &str, merged: &Keys) -> Result<Vec<String>, ConfigError> {
        let Some(untrusted) = &self.untrusted else {
            return Ok(Vec::new());
        };
        let from_untrusted = |key: &str| merged.get(key).is_some_and(|(_, path)| path == untrusted);
        let credentials_elsewhere = ["key", "secret"]
            .iter()
            .any(|key| merged.get(*key).is_some_and(|(_, path)| path != untrusted));
        if !credentials_elsewhere {
            return Ok(Vec::new());
        }
        let shown = untrusted.display();
        let credentials_file = ["key", "secret"]
            .iter()
            .find_map(|key| merged.get(*key).map(|(_, path)| path.display().to_string()))
            .unwrap_or_default();
        if from_untrusted("endpoint") {
            return Err(ConfigError::Invalid {
                path: shown.to_string(),
                key: "endpoint".into(),
                message: format!(
                    "this file in the working directory sets the endpoint of cs region `{name}`, \
                     whose credentials come from {credentials_file}: refused, since it would send \
                     them to a server of its choosing; if the file is yours, name it with \
                     CLOUDSTACK_CONFIG={shown}, or give --endpoint"
                ),
            });
        }
        Ok(
            ["expiration", "verify", "dangerous_no_tls_verify", "method"]
                .iter()
                .filter(|key| from_untrusted(key))
                .map(|key| {
                    format!(
                    "{shown} in the working directory sets `{key}` of cs region `{name}`, whose \
                     credentials come from {credentials_file}; check that this is intended"
                )
                })
                .collect(),
        )
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.regions.iter().map(|(name, _)| name.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.regions.iter().any(|(existing, _)| existing == name)
    }

    /// Files that store a secret (their mode is checked by the caller).
    pub fn secret_files(&self) -> &[PathBuf] {
        &self.secret_files
    }

    fn merged(&self, name: &str) -> Keys {
        let mut merged = self.defaults.clone();
        if let Some((_, region)) = self.regions.iter().find(|(existing, _)| existing == name) {
            merged.extend(region.clone());
        }
        merged
    }

    /// The highest-priority file that defines region `name`.
    pub fn file_of(&self, name: &str) -> Option<PathBuf> {
        let region = self.regions.iter().find(|(existing, _)| existing == name)?;
        self.files
            .iter()
            .map(|(path, _)| path)
            .find(|path| region.1.values().any(|(_, from)| from == *path))
            .cloned()
    }

    /// Where a region lives, for messages.
    pub fn place(&self, name: &str) -> Place {
        Place {
            source: ProfileSource::Cs,
            name: name.to_string(),
            path: self.file_of(name),
        }
    }

    /// The settings of region `name`, and notes for the user.
    pub fn settings(
        &self,
        name: &str,
        cwd: &Path,
        home: Option<&Path>,
    ) -> Result<(Settings, Vec<String>), ConfigError> {
        let merged = self.merged(name);
        let mut notes = self.check_untrusted(name, &merged)?;
        // Each key's own file, for messages.
        let get = |key: &str| -> Option<(String, Place)> {
            let (value, path) = merged.get(key)?;
            let value = value.trim();
            (!value.is_empty())
                .then(|| (value.to_string(), Place::new(ProfileSource::Cs, name, path)))
        };
        let mut out = Settings::default();
        if let Some((text, place)) = get("endpoint") {
            out.endpoint =
                Some(parse::check_endpoint(&text).map_err(|m| invalid(&place, "endpoint", m))?);
        }
        out.api_key = get("key").map(|(value, _)| value);
        out.secret_key = get("secret").map(|(value, _)| Secret(value));
        if let Some((text, place)) = get("method") {
            out.method = Some(text.parse().map_err(|m| invalid(&place, "method", m))?);
        }
        if let Some((text, place)) = get("timeout") {
            out.timeout =
                Some(parse::parse_timeout(&text).map_err(|m| invalid(&place, "timeout", m))?);
        }
        if let Some((text, place)) = get("expiration") {
            // cs sends no `expires` when expiration is negative; 0 would make
            // every request expire at once, so csctl treats it as off too.
            let seconds: i64 = text.parse().map_err(|_| {
                invalid(
                    &place,
                    "expiration",
                    format!("`{text}` is not a whole number of seconds"),
                )
            })?;
            let window = match seconds {
                ..=0 => None,
                seconds => Some(
                    parse::parse_duration(&seconds.to_string())
                        .map_err(|m| invalid(&place, "expiration", m))?,
                ),
            };
            out.expires = Some(window);
        }
        if let Some((text, place)) = get("dangerous_no_tls_verify") {
            let off = parse::parse_boolean(&text)
                .map_err(|m| invalid(&place, "dangerous_no_tls_verify", m))?;
            out.insecure = Some(off);
        }
        if let Some((text, _)) = get("verify") {
            match parse::parse_bool(&text) {
                Some(false) => out.insecure = Some(true),
                Some(true) => {}
                None => out.ca_bundle = Some(cwd.join(expand_tilde(Path::new(&text), home))),
            }
        }
        if get("cert").is_some() || get("cert_key").is_some() {
            notes.push(format!(
                "{}: client certificates (cert, cert_key) are not supported by csctl and are ignored",
                self.place(name)
            ));
        }
        Ok((out, notes))
    }
}
