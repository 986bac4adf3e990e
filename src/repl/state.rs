//! What the read loop and the line editor's helper (completion, hints,
//! multi-line check) share: the client, the catalogue, the value cache and
//! the Rhai names of the session.

use std::sync::{RwLock, RwLockReadGuard};

use csctl::catalog::Api;
use csctl::client::{CatalogRef, Client};
use csctl::config::Overrides;

use super::values::ValueCache;

/// The Rhai names that complete.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Variables of the session (`_` for the last result).
    pub variables: Vec<String>,
    /// Functions: the host's and the ones the session defined.
    pub functions: Vec<String>,
}

/// State shared by the loop and the helper.
pub struct Shared {
    /// The runtime requests run on.
    pub runtime: tokio::runtime::Handle,
    /// The current client (it changes with `:profile`).
    pub client: RwLock<Client>,
    /// Values of id parameters.
    pub values: ValueCache,
    /// Rhai names.
    pub names: RwLock<Names>,
    /// Whether output and hints are coloured.
    pub colour: bool,
    /// The command line's settings (for `:profile`).
    pub overrides: Overrides,
}

impl Shared {
    /// The API catalogue: the client's (built in, with the endpoint's
    /// `listApis` laid over it once fetched).
    pub fn catalog(&self) -> CatalogRef {
        read(&self.client).catalog()
    }

    /// The current client.
    pub fn client(&self) -> Client {
        read(&self.client).clone()
    }

    /// A snapshot of the Rhai names.
    pub fn names(&self) -> RwLockReadGuard<'_, Names> {
        read(&self.names)
    }

    /// Whether `word` names an API of the catalogue (ignoring case).
    pub fn is_known_api(&self, word: &str) -> bool {
        self.catalog().find(word).is_some()
    }

    /// The API a cmk-style `verb noun` names (`list zones`), unless `verb`
    /// is a variable of the session.
    pub fn resolve_words(&self, verb: &str, noun: &str) -> Option<String> {
        if self.is_variable(verb) {
            return None;
        }
        self.catalog()
            .resolve_words(verb, noun)
            .map(|api: &Api| api.name.to_string())
    }

    /// Whether `word` is a variable of the session.
    pub fn is_variable(&self, word: &str) -> bool {
        word == "_" || read(&self.names).variables.iter().any(|name| name == word)
    }

    /// Whether `word` is a Rhai variable or function of the session.
    pub fn is_rhai_name(&self, word: &str) -> bool {
        let names = read(&self.names);
        word == "_"
            || names.variables.iter().any(|name| name == word)
            || names.functions.iter().any(|name| name == word)
    }

    /// Replaces a lock's content.
    pub fn set<T>(lock: &RwLock<T>, value: T) {
        *lock
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = value;
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}
