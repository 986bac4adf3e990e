//! `csctl keys --save`: the API key goes into the profile of csctl's
//! config file (comments and layout kept), the secret key into the OS
//! keyring (`secret_keyring = true`), or, where no keyring is available, into
//! a private (0600) file in the state folder that the profile names as
//! `secret_file`.

use std::path::{Path, PathBuf};

use csctl::config::{self, Sources};

use crate::cli::GlobalArgs;
use crate::error::Error;

/// Where the secret key went.
enum SecretPlace {
    Keyring,
    File(PathBuf),
}

/// Saves the keys for `profile`; the note that says where they went.
pub fn save(
    global: &GlobalArgs,
    profile: &str,
    endpoint: &str,
    api_key: &str,
    secret_key: &str,
) -> Result<String, Error> {
    let config_path = match &global.config {
        Some(path) => path.clone(),
        None => config::default_config_path(&Sources::from_process()),
    };
    let secret_path = secret_file(profile, endpoint)?;
    let (place, fallback) = match config::save_keyring_secret(profile, secret_key) {
        Ok(()) => (SecretPlace::Keyring, None),
        Err(error) => {
            write_secret_file(&secret_path, secret_key)?;
            (SecretPlace::File(secret_path.clone()), Some(error))
        }
    };
    write_profile(&config_path, profile, endpoint, api_key, &place)?;
    Ok(match (place, fallback) {
        (SecretPlace::Keyring, _) => {
            // An older secret saved in a file is stale now.
            let _ = std::fs::remove_file(&secret_path);
            format!(
                "saved:      api key in profile `{profile}` of {}; secret key in the OS keyring \
                 (service `{}`, account `{profile}`)\n",
                config_path.display(),
                config::KEYRING_SERVICE
            )
        }
        (SecretPlace::File(path), error) => format!(
            "saved:      api key in profile `{profile}` of {}; secret key in {} (0600)\n\
             note:       no OS keyring is available ({}), so the secret key is in a private \
             file instead\n",
            config_path.display(),
            path.display(),
            error.map_or_else(String::new, |e| e.to_string()),
        ),
    })
}

/// Writes the secret key into a 0600 file in a private folder.
fn write_secret_file(path: &Path, secret_key: &str) -> Result<(), Error> {
    let dir = path.parent().expect("a file in a folder");
    let io = |what: &str, path: &Path, error: std::io::Error| {
        Error::Io(format!("cannot write {what} {}: {error}", path.display()))
    };
    crate::repl::private::private_dir(dir).map_err(|e| io("the folder", dir, e))?;
    crate::sessions::write_private(path, format!("{secret_key}\n").as_bytes())
        .map_err(|e| io("the secret file", path, e))
}

/// `secrets/<profile>.secret` in the state folder.
fn secret_file(profile: &str, endpoint: &str) -> Result<PathBuf, Error> {
    let session = crate::sessions::path(profile, endpoint)?;
    let name = session
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("default.json")
        .trim_end_matches(".json")
        .to_string();
    let state = session
        .parent()
        .and_then(Path::parent)
        .expect("the state folder");
    Ok(state.join("secrets").join(format!("{name}.secret")))
}

/// Sets `endpoint`, `api_key` and `secret_keyring` or `secret_file` of
/// `[profiles.NAME]`, removing the secret settings they replace; the file
/// stays 0600.
fn write_profile(
    path: &Path,
    profile: &str,
    endpoint: &str,
    api_key: &str,
    place: &SecretPlace,
) -> Result<(), Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(Error::Io(format!(
                "cannot read {}: {error}",
                path.display()
            )))
        }
    };
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|error| {
        Error::Io(format!(
            "cannot update {}: it is not valid TOML ({error})",
            path.display()
        ))
    })?;
    let profiles = document
        .entry("profiles")
        .or_insert_with(|| {
            let mut table = toml_edit::Table::new();
            table.set_implicit(true);
            toml_edit::Item::Table(table)
        })
        .as_table_mut()
        .ok_or_else(|| Error::Io(format!("`profiles` in {} is not a table", path.display())))?;
    let entry = profiles
        .entry(profile)
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| {
            Error::Io(format!(
                "`profiles.{profile}` in {} is not a table",
                path.display()
            ))
        })?;
    if !entry.contains_key("endpoint") {
        entry["endpoint"] = toml_edit::value(endpoint);
    }
    entry["api_key"] = toml_edit::value(api_key);
    entry.remove("secret_key");
    entry.remove("secret_command");
    match place {
        SecretPlace::Keyring => {
            entry.remove("secret_file");
            entry["secret_keyring"] = toml_edit::value(true);
        }
        SecretPlace::File(secret_path) => {
            entry.remove("secret_keyring");
            entry["secret_file"] = toml_edit::value(secret_path.display().to_string());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    crate::sessions::write_private(path, document.to_string().as_bytes())
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}
