//! Hearing of the async jobs a client starts and sees end, so that a
//! program can keep a journal of them (csctl's `jobs` command) without the
//! client knowing where or how it is kept.

use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::jobs::JobOutcome;
use super::params::Params;

/// Told of every async job a client submits and of every job whose end a
/// wait saw. Called on the thread that made the call: keep it quick, and
/// never fail the call.
pub trait JobObserver: Send + Sync {
    /// `command` with `params` answered `answer`, which started job `jobid`.
    fn submitted(&self, command: &str, params: &Params, jobid: &str, answer: &Value);
    /// A wait saw the job end (or gave up on it).
    fn ended(&self, outcome: &JobOutcome);
}

/// The observer a client and its clones share (set once the client exists).
#[derive(Clone, Default)]
pub(crate) struct SharedObserver(Arc<RwLock<Option<Arc<dyn JobObserver>>>>);

impl SharedObserver {
    pub(crate) fn set(&self, observer: Arc<dyn JobObserver>) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(observer);
    }

    pub(crate) fn get(&self) -> Option<Arc<dyn JobObserver>> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
