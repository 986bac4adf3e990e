//! The one place where errors become what the user sees: a single message on
//! stderr and an exit status (0 success, 1 API or runtime error, 2 usage or
//! configuration error, 130 interrupted).

use std::io::Write as _;

use crate::client::{ClientError, ParamError};
use crate::config::ConfigError;
use crate::sim::SimError;

/// Any error a csctl command can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the cloud failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The configuration is missing or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Parameters given on the command line are wrong.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// The simulator could not start.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A script failed; the text is already formatted (file:line:col, caret).
    #[error("{0}")]
    Script(String),
    /// The command line is wrong in a way clap cannot see.
    #[error("{0}")]
    Usage(String),
    /// A snapshot could not be taken or written.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// A local I/O problem (reading a script, writing output).
    #[error("{0}")]
    Io(String),
}

impl Error {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Params(_) | Self::Usage(_) => 2,
            Self::Snapshot(crate::snapshot::SnapshotError::UnknownKind { .. }) => 2,
            Self::Client(
                ClientError::Params(_)
                | ClientError::Reserved(_)
                | ClientError::NeedsApiKey
                | ClientError::BadEndpoint(_),
            ) => 2,
            Self::Client(ClientError::Cancelled) => 130,
            _ => 1,
        }
    }
}

/// Prints an error as one message on stderr and returns its exit status.
pub fn report(error: &Error) -> u8 {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "csctl: error: {error}");
    error.exit_code()
}
