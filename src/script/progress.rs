//! The progress bar `wait_jobs` shows on stderr: done, failed and pending
//! counts. Only when stderr is a terminal, so that logs and pipes stay clean.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::client::Progress;

/// A bar for one wait, cleared when dropped.
pub struct JobsProgress {
    bar: ProgressBar,
}

impl JobsProgress {
    /// A bar for `total` jobs; hidden unless `enabled` and stderr is a terminal.
    pub fn new(total: usize, enabled: bool) -> Self {
        if !enabled || !std::io::stderr().is_terminal() {
            return Self {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} waiting for jobs [{bar:30}] {msg} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message(Progress {
            done: 0,
            failed: 0,
            pending: total,
        }));
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar }
    }

    /// Shows new counts.
    pub fn update(&self, progress: Progress) {
        self.bar
            .set_position((progress.done + progress.failed) as u64);
        self.bar.set_message(message(progress));
    }
}

impl Drop for JobsProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

fn message(progress: Progress) -> String {
    format!(
        "{} done, {} failed, {} pending",
        progress.done, progress.failed, progress.pending
    )
}
