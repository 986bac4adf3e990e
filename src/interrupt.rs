//! Interruptions: Ctrl-C (SIGINT) and SIGTERM (a CI runner or `timeout`
//! stopping csctl) are treated alike; which one came decides the exit
//! status (130 or 143).

use std::sync::atomic::{AtomicU8, Ordering};

/// The signal that interrupted csctl: 0 none, else its number.
static RECEIVED: AtomicU8 = AtomicU8::new(0);

const SIGINT: u8 = 2;
const SIGTERM: u8 = 15;

/// Notes that SIGINT (`terminate` false) or SIGTERM arrived.
pub fn record(terminate: bool) {
    RECEIVED.store(if terminate { SIGTERM } else { SIGINT }, Ordering::SeqCst);
}

/// The exit status of an interrupted run: 143 after SIGTERM, else 130.
pub fn exit_code() -> u8 {
    128 + match RECEIVED.load(Ordering::SeqCst) {
        SIGTERM => SIGTERM,
        _ => SIGINT,
    }
}

/// Listens for SIGINT and SIGTERM, recording each as it comes: the
/// handlers are installed when this is called (inside a tokio runtime), so
/// that a signal sent right after is never lost to the default action.
pub struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers. Must be called within a tokio runtime.
    pub fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Waits for the next SIGINT or SIGTERM and records it.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let interrupt = async {
                match &mut self.interrupt {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match &mut self.terminate {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => record(false),
                _ = terminate => record(true),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            record(false);
        }
    }
}

impl Default for Signals {
    fn default() -> Self {
        Self::new()
    }
}

/// What to say about a state-changing call interrupted before its answer
/// came: it may have reached the server.
pub fn in_flight_note(command: &str) -> String {
    format!(
        "{command} was sent and may have been applied (its answer was not awaited); check with \
         the matching list command (e.g. listVirtualMachines) or listAsyncJobs before calling \
         it again"
    )
}

/// What to say about jobs a wait was interrupted on: they go on in the
/// cloud, and how to check each later.
pub fn pending_jobs_note(jobids: &[String]) -> String {
    let shown: Vec<&str> = jobids.iter().take(50).map(String::as_str).collect();
    let more = jobids.len().saturating_sub(shown.len());
    let example = jobids.first().map_or("ID", String::as_str);
    format!(
        "{} job{} still pending, which go{} on in the cloud: {}{}; wait for them again with \
         `csctl jobs wait --last-run`, or check each with \
         `csctl call queryAsyncJobResult jobid={example}`",
        jobids.len(),
        if jobids.len() == 1 { "" } else { "s" },
        if jobids.len() == 1 { "es" } else { "" },
        shown.join(" "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
    )
}
