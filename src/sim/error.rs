//! Why the simulator could not start: one error type for the bind, the
//! cloud file and the settings (the bottom of `sim`, used by `cloud` and
//! `start`).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the simulator could not start.
#[derive(thiserror::Error, Debug)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A cloud file could not be read or is not a valid cloud.
    #[error("bad cloud file {}: {reason}", path.display())]
    CloudFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the item.
        reason: String,
    },
    /// The configured cloud is not valid.
    #[error("invalid cloud: {0}")]
    InvalidCloud(String),
    /// A setting is out of range.
    #[error("invalid simulator setting: {0}")]
    InvalidConfig(String),
    /// Waiting for Ctrl-C failed.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
}
