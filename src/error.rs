//! The one place where errors become what the user sees: a single message on
//! stderr and an exit status (0 success, 1 API or runtime error, 2 usage or
//! configuration error, 130 interrupted by Ctrl-C, 143 by SIGTERM).

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
    /// Ctrl-C or SIGTERM, with what the user should know (a job that goes
    /// on, a call that may have been applied).
    #[error("interrupted; {0}")]
    Interrupted(String),
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
            Self::Client(ClientError::Cancelled) | Self::Interrupted(_) => {
                crate::interrupt::exit_code()
            }
            _ => 1,
        }
    }
}

/// Prints an error as one message on stderr and returns its exit status.
/// The message is scrubbed of secrets (a server may echo the secret key or
/// a signature in its error text) and, on a terminal, of control characters.
pub fn report(error: &Error) -> u8 {
    write_stderr(&format!("csctl: error: {error}"));
    error.exit_code()
}

/// Writes one line (or a few) on stderr, scrubbed of secrets and, on a
/// terminal, of control characters: the way every message csctl writes
/// about its own work (errors, warnings, notes) goes out.
pub fn write_stderr(text: &str) {
    let text = crate::client::trace::scrub(text);
    let text = terminal_safe(&text, stderr_is_terminal());
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Whether stderr is a terminal (checked once).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal as _;
    static IS_TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IS_TERMINAL.get_or_init(|| std::io::stderr().is_terminal())
}

/// Text that may hold a server's words, made safe for a terminal: each
/// character a terminal could act on ([`crate::output::text::is_unsafe`]:
/// escape sequences, carriage returns, bells, C1 controls, bidirectional
/// overrides) but newline and tab is shown as `\u{…}`, so a server cannot
/// retitle, clear or overwrite the screen. Unchanged when `to_terminal` is
/// false (output to a file or pipe stays exact).
pub fn terminal_safe(text: &str, to_terminal: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| crate::output::text::is_unsafe(c) && c != '\n' && c != '\t';
    if !to_terminal || !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed_on_a_terminal() {
        let text = "bad\x1b]0;owned\x07 \x1b[2J\rfake\u{9b}31m\nnext\tline";
        assert_eq!(
            terminal_safe(text, true),
            "bad\\u{1b}]0;owned\\u{7} \\u{1b}[2J\\u{d}fake\\u{9b}31m\nnext\tline"
        );
        assert_eq!(terminal_safe(text, false), text);
    }
}
