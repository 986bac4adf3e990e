//! What depends on the terminal: its width, and the spinner shown while
//! waiting for a job.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The width tables are fitted to when stdout is a terminal (`$COLUMNS`, or
/// 120); `None` when it is not (a pipe gets full rows).
pub fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .or(Some(120))
}

/// A spinner with `message` on stderr when stderr is a terminal; a hidden
/// one otherwise, so that logs and pipes stay clean.
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(message.to_string());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner.tick();
    spinner
}
