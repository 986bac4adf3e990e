//! Finding and reading the config files, and choosing the profile: csctl's
//! own file at once, cloudmonkey's and cs's files only when needed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::layers::{nonempty, Origin, Place};
use super::own::OwnConfig;
use super::peers::{CmkConfig, CsConfig};
use super::settings::Settings;
use super::{AuthKind, ConfigError, Overrides, ProfileSource, ProfileSummary, Sources};

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

/// `~` and `~/…` are the home directory.
pub(crate) fn expand_tilde(path: &Path, home: Option<&Path>) -> PathBuf {
    if let (Some(home), Ok(rest)) = (home, path.strip_prefix("~")) {
        return home.join(rest);
    }
    path.to_path_buf()
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

/// Refuses a file that group or others can write when it holds a secret
/// or a command: anyone who can change it can make csctl run a program or
/// send the user's requests elsewhere.
#[cfg(unix)]
fn refuse_writable(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.permissions().mode() & 0o022 != 0 => {
            Err(ConfigError::WritableByOthers {
                path: path.to_path_buf(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn refuse_writable(_path: &Path) -> Result<(), ConfigError> {
    Ok(())
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
pub(super) struct Chosen {
    pub name: String,
    pub place: Place,
    /// What its file says.
    pub settings: Settings,
    /// Notes for the user about how the file is read.
    pub notes: Vec<String>,
}

/// The outcome of [`Loader::select`].
pub(super) enum Selected {
    Profile(Box<Chosen>),
    /// No profile; `notes` says what was looked at.
    Nothing {
        notes: Vec<String>,
    },
}

/// Loads csctl's file at once and the other tools' files only when needed.
pub(super) struct Loader<'a> {
    sources: &'a Sources,
    own_path: PathBuf,
    own: Option<OwnConfig>,
    /// `None`: not loaded yet.
    cmk: Option<Option<CmkConfig>>,
    cs: Option<CsConfig>,
}

impl<'a> Loader<'a> {
    pub fn new(overrides: &Overrides, sources: &'a Sources) -> Result<Self, ConfigError> {
        let home = sources.home_dir.as_deref();
        let (own_path, explicit) = match &overrides.config_file {
            Some(path) => (sources.cwd.join(expand_tilde(path, home)), true),
            None => (
                default_config_path(sources),
                sources.var("CSCTL_CONFIG").is_some(),
            ),
        };
        let own = OwnConfig::load(&own_path, explicit, home)?;
        if let Some(own) = own.as_ref().filter(|own| own.holds_secret_or_command()) {
            refuse_writable(&own.path)?;
        }
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
            if let Some(cmk) = cmk.as_ref().filter(|cmk| cmk.holds_secret()) {
                refuse_writable(&cmk.path)?;
            }
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
            place: Place::new(ProfileSource::Csctl, name, &own.path),
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
    pub fn select(
        &mut self,
        overrides: &Overrides,
        given_endpoint: Option<&Origin>,
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
    pub fn mode_warnings(&self) -> Vec<String> {
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

    /// Every profile of every file, csctl's own first (see [`super::list_profiles`]).
    pub fn summaries(&mut self, overrides: &Overrides) -> Result<Vec<ProfileSummary>, ConfigError> {
        self.ensure_cmk()?;
        self.ensure_cs()?;
        let home = self.sources.home_dir.as_deref();
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
        if let Some(own) = &self.own {
            for (name, settings) in &own.profiles {
                push(name, ProfileSource::Csctl, own.path.clone(), Some(settings));
            }
        }
        if let Some(cmk) = self.cmk() {
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
        let cs = self.cs();
        for name in cs.names() {
            let settings = cs
                .settings(name, &self.sources.cwd, home)
                .ok()
                .map(|(s, _)| s);
            let path = cs.file_of(name).unwrap_or_default();
            push(name, ProfileSource::Cs, path, settings.as_ref());
        }
        if let Some(default) = self.default_name(overrides) {
            if let Some(summary) = summaries
                .iter_mut()
                .find(|s| s.name == default && !s.shadowed)
            {
                summary.is_default = true;
            }
        }
        Ok(summaries)
    }
}
