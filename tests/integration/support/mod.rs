//! Shared helpers for the integration tests.

#![allow(dead_code)]

pub mod sim;

use std::path::PathBuf;

/// The `shared/` folder beside the project (test vectors and fixtures).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The real `csctl` binary, with an environment scrubbed of the user's
/// configuration: `HOME` and the config directories point at a fresh
/// temporary folder and no `CLOUDSTACK_*` variable is inherited.
pub fn csctl(home: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_csctl"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CLOUDSTACK_") || name.starts_with("CSCTL_") {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("NO_COLOR", "1");
    command
}
