//! The one place where errors become what the user sees: a single message on
//! stderr and an exit status (0 success, 1 API or runtime error, 2 usage or
//! configuration error, 130 interrupted by Ctrl-C, 143 by SIGTERM).

use csctl::client::{ClientError, ParamError};
use csctl::config::ConfigError;
use csctl::sim::SimError;

/// How every line csctl writes about its own work goes out (scrubbed of
/// secrets and, on a terminal, of control characters); kept here for the
/// binary's callers.
pub use csctl::client::trace::write_stderr;

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
    /// Help, `--version`, or a command line clap refused: clap's own text,
    /// printed as clap prints it (help on stdout, status 0).
    #[error("{0}")]
    CommandLine(clap::Error),
    /// The command line is wrong in a way clap cannot see.
    #[error("{0}")]
    Usage(String),
    /// Ctrl-C or SIGTERM, with what the user should know (a job that goes
    /// on, a call that may have been applied).
    #[error("interrupted; {0}")]
    Interrupted(String),
    /// A `--query` expression is not valid jq, or failed on the answer.
    #[error(transparent)]
    Query(#[from] csctl::output::query::QueryError),
    /// A snapshot could not be taken or written.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// A local I/O problem (reading a script, writing output).
    #[error("{0}")]
    Io(String),
    /// `csctl diff` found differences: exit status 1, as `diff`, and no
    /// message (the differences were the output).
    #[error("the clouds differ")]
    Differ,
}

impl Error {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::CommandLine(error) => u8::try_from(error.exit_code()).unwrap_or(2),
            Self::Config(_) | Self::Params(_) | Self::Usage(_) => 2,
            Self::Query(csctl::output::query::QueryError::Invalid { .. }) => 2,
            Self::Snapshot(crate::snapshot::SnapshotError::UnknownKind { .. }) => 2,
            Self::Client(
                ClientError::Params(_)
                | ClientError::Reserved(_)
                | ClientError::NeedsApiKey
                | ClientError::BadEndpoint(_),
            ) => 2,
            Self::Client(ClientError::Cancelled) | Self::Interrupted(_) => {
                csctl::interrupt::exit_code()
            }
            _ => 1,
        }
    }
}

/// Prints an error as one message on stderr and returns its exit status.
/// The message is scrubbed of secrets (a server may echo the secret key or
/// a signature in its error text) and, on a terminal, of control characters.
pub fn report(error: &Error) -> u8 {
    if matches!(error, Error::Differ) {
        return 1;
    }
    if let Error::CommandLine(clap_error) = error {
        // Help goes to stdout, mistakes to stderr, styled as clap does.
        let _ = clap_error.print();
        return error.exit_code();
    }
    write_stderr(&format!("csctl: error: {error}"));
    error.exit_code()
}

/// A second Ctrl-C (or SIGTERM) while a script was already told to stop:
/// ends the process with the interruption's status (130, or 143 after
/// SIGTERM), in case something does not stop. The library never exits by
/// itself; this is the binary's choice.
pub fn exit_interrupted_again() {
    write_stderr("csctl: interrupted again; exiting");
    std::process::exit(i32::from(csctl::interrupt::exit_code()));
}
