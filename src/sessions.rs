//! Login sessions kept between runs (`csctl login`): one private (0600)
//! JSON file per profile and endpoint in the state folder's `sessions/`,
//! used by later calls until it expires.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// A saved session: where, who, and what a call carries.
#[derive(Clone, Serialize, Deserialize)]
pub struct Saved {
    /// The endpoint it was opened at.
    pub endpoint: String,
    /// The profile it was opened for (`default` without `-p`).
    pub profile: String,
    /// The login name.
    pub username: String,
    /// The user's uuid (for `getUserKeys`/`registerUserKeys`).
    pub userid: String,
    /// The user's account.
    pub account: String,
    /// The domain path logged in to.
    pub domain: String,
    /// The session key.
    pub sessionkey: String,
    /// The cookie header.
    pub cookie: String,
    /// Seconds since the epoch after which the session is taken as ended
    /// (login time plus the server's timeout).
    pub expires: u64,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saved")
            .field("endpoint", &self.endpoint)
            .field("profile", &self.profile)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The name a profile is saved under.
pub fn profile_name(profile: Option<&str>) -> String {
    profile.unwrap_or("default").to_string()
}

/// `sessions/` in the state folder.
fn folder() -> Result<PathBuf, Error> {
    crate::state_dir::state_dir()
        .map(|dir| dir.join("sessions"))
        .ok_or_else(|| Error::Io("cannot find a state folder to keep the session in (no home folder); set $CSCTL_STATE_DIR".into()))
}

/// The file of one profile's session at one endpoint.
pub fn path(profile: &str, endpoint: &str) -> Result<PathBuf, Error> {
    let safe: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(endpoint.as_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Ok(folder()?.join(format!("{safe}-{short}.json")))
}

/// The saved session of a profile at an endpoint, if any (expired or not).
pub fn load(profile: &str, endpoint: &str) -> Result<Option<Saved>, Error> {
    let path = path(profile, endpoint)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(Error::Io(format!(
                "cannot read the session file {}: {error}",
                path.display()
            )))
        }
    };
    let saved: Saved = serde_json::from_str(&text).map_err(|error| {
        Error::Io(format!(
            "the session file {} is damaged ({error}); delete it and log in again",
            path.display()
        ))
    })?;
    Ok((saved.endpoint == endpoint).then_some(saved))
}

/// Writes a session, private from the start (0700 folder, 0600 file).
pub fn save(saved: &Saved) -> Result<PathBuf, Error> {
    let path = path(&saved.profile, &saved.endpoint)?;
    let io = |error: std::io::Error| {
        Error::Io(format!(
            "cannot write the session file {}: {error}",
            path.display()
        ))
    };
    let dir = path.parent().expect("a file in a folder");
    crate::repl::private::private_dir(dir).map_err(io)?;
    let text = serde_json::to_string_pretty(saved).expect("in-memory JSON");
    write_private(&path, text.as_bytes()).map_err(io)?;
    Ok(path)
}

/// Writes a file that only its owner can read, never readable by others
/// even for a moment (created 0600, then filled).
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    crate::repl::private::private_file(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Deletes a session file; whether there was one.
pub fn delete(profile: &str, endpoint: &str) -> Result<bool, Error> {
    let path = path(profile, endpoint)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(Error::Io(format!(
            "cannot delete the session file {}: {error}",
            path.display()
        ))),
    }
}

/// The `-p` words of a hint (`-p prod `, or nothing for the default).
pub fn profile_flag(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" -p {profile}")
    }
}
