//! Secret keys kept in the OS keyring (Secret Service on Linux and the BSDs,
//! the macOS Keychain, the Windows Credential Manager) through the
//! `keyring` crate: service `csctl`, account the profile's name.
//!
//! One process-wide store keeps one keyring entry per profile, so what is
//! saved is read back through the same entry: the crate's mock backend
//! (which gives each entry its own storage) then behaves as a real keyring
//! in tests.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The keyring service under which csctl keeps secret keys.
pub const SERVICE: &str = "csctl";

/// Why the keyring could not store or give a secret (never the secret).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyringError(String);

/// Saves `secret` as the secret key of `profile` in the OS keyring.
pub fn save_secret(profile: &str, secret: &str) -> Result<(), KeyringError> {
    with_entry(profile, |entry| entry.set_password(secret))
}

/// The secret key of `profile` in the OS keyring.
pub fn load_secret(profile: &str) -> Result<String, KeyringError> {
    with_entry(profile, |entry| entry.get_password())
}

/// Runs `action` on the entry of `profile`, on a thread of its own: the
/// Secret Service client blocks on a runtime of its own, which must not
/// start inside the caller's.
fn with_entry<T: Send>(
    profile: &str,
    action: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send,
) -> Result<T, KeyringError> {
    static ENTRIES: OnceLock<Mutex<HashMap<String, keyring::Entry>>> = OnceLock::new();
    let entries = ENTRIES.get_or_init(Mutex::default);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut entries = entries.lock().unwrap_or_else(|e| e.into_inner());
                let entry = match entries.get(profile) {
                    Some(entry) => entry,
                    None => {
                        let entry = keyring::Entry::new(SERVICE, profile).map_err(describe)?;
                        entries.entry(profile.to_string()).or_insert(entry)
                    }
                };
                action(entry).map_err(describe)
            })
            .join()
            .unwrap_or_else(|_| Err(KeyringError("the keyring client failed".to_string())))
    })
}

/// The crate's message, which never holds the secret itself.
fn describe(error: keyring::Error) -> KeyringError {
    KeyringError(match error {
        keyring::Error::NoEntry => format!("no entry for service `{SERVICE}` in the keyring"),
        keyring::Error::BadEncoding(_) => "the keyring entry is not valid UTF-8".to_string(),
        other => other.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Once;

    /// Makes the crate's mock backend the default for this test process
    /// (there is no real keyring on a test machine).
    pub(crate) fn use_mock_keyring() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            keyring::set_default_credential_builder(keyring::mock::default_credential_builder())
        });
    }

    #[test]
    fn a_saved_secret_is_read_back() {
        use_mock_keyring();
        super::save_secret("keyring-roundtrip", "s3cret").unwrap();
        assert_eq!(super::load_secret("keyring-roundtrip").unwrap(), "s3cret");
        super::save_secret("keyring-roundtrip", "rotated").unwrap();
        assert_eq!(super::load_secret("keyring-roundtrip").unwrap(), "rotated");
    }

    #[test]
    fn a_missing_entry_is_an_error_that_names_the_service() {
        use_mock_keyring();
        let error = super::load_secret("keyring-never-saved").unwrap_err();
        assert!(error.to_string().contains("`csctl`"), "{error}");
    }
}
