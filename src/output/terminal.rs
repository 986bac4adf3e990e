//! What depends on the terminal: its width, and the spinner shown while
//! waiting for a job.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The width tables are fitted to: `$COLUMNS` when set (also for a pipe,
/// so a script can choose); else the terminal's width when stdout is a
/// terminal (80 if it cannot be asked); else `None`, no limit.
pub fn terminal_width() -> Option<u16> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse::<u16>().ok())
        .filter(|columns| *columns > 0)
    {
        return Some(columns);
    }
    if !stdout_is_terminal() {
        return None;
    }
    let size = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(width), _)| width)
        .filter(|width| *width > 0);
    Some(size.unwrap_or(80))
}

/// Whether stdout is a terminal (what is printed there is read by a person,
/// and by a terminal that acts on control characters).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// A spinner with `message` on stderr when stderr is a terminal; a hidden
/// one otherwise, so that logs and pipes stay clean. The message often
/// holds a server's words (a job id): it goes through the one rule of
/// terminal text ([`crate::terminal_text::terminal_safe`]), so an escape
/// sequence in it is shown, not obeyed.
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let message = crate::terminal_text::terminal_safe(message, true).into_owned();
    let spinner = ProgressBar::new_spinner().with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner.tick();
    spinner
}
