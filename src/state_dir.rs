//! The user's state folder: what csctl keeps between runs that is neither
//! configuration nor cache (the job journal, login sessions, secret files).
//! One rule for where it is, so every feature that keeps state agrees.

use std::path::PathBuf;

/// The variable that moves the state folder (tests, or several identities).
pub const STATE_DIR_VARIABLE: &str = "CSCTL_STATE_DIR";

/// The state folder: `$CSCTL_STATE_DIR` when set and not empty, otherwise
/// `csctl` under the platform's state folder (`$XDG_STATE_HOME`, then
/// `~/.local/state` on Linux), falling back to the local data folder where a
/// platform has no state folder (macOS, Windows). `None` when no home folder
/// can be found. The folder is not created here: writers create it private.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_DIR_VARIABLE).filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    Some(
        dirs::state_dir()
            .or_else(dirs::data_local_dir)?
            .join("csctl"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_folder_ends_in_csctl_unless_moved() {
        if std::env::var_os(STATE_DIR_VARIABLE).is_none() {
            if let Some(dir) = state_dir() {
                assert!(dir.ends_with("csctl"));
            }
        }
    }
}
