//! The CloudStack API catalogue: every command of the API (917 in the
//! built-in data), its parameters (type, required, the kind of object an id
//! names, how a map is spelled), whether it is async, and the shape of its
//! answer. The client, the REPL and the simulator all read it here.
//!
//! The data (`data/cloudstack-apis.json`, facts extracted from the Apache
//! CloudStack Java source and the Go SDK; see `NOTICE` and
//! `docs/catalogue.md`) is embedded in the binary and parsed on first use,
//! so commands that never look at it pay nothing. A live `listApis` answer
//! can be laid over it ([`Catalog::with_live`]): a cloud may run another
//! version or plugins.
//!
//! ```
//! let catalog = csctl::catalog::builtin();
//! let api = catalog.find("listzones").unwrap();
//! assert_eq!(api.name, "listZones");
//! assert!(!api.is_async);
//! assert_eq!(catalog.resolve_words("list", "zone").unwrap().name, "listZones");
//! assert_eq!(catalog.suggest("listZone"), ["listZones"]);
//! ```

pub mod describe;
mod entity;
pub mod identity;
mod live;
mod model;
mod verb;
mod words;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use live::from_list_apis;
pub use model::{Api, Field, FieldType, Fields, Origin, Param, Response, ValueType};
pub use verb::Verb;
pub use words::{matches_pattern, or_list, split_verb};

/// The embedded data.
const DATA: &str = include_str!("../../data/cloudstack-apis.json");

/// How many close names a suggestion offers at most.
const SUGGESTIONS: usize = 3;

/// Parameters the server takes on every command without listing them.
const UNIVERSAL_PARAMS: &[&str] = &[
    "command",
    "response",
    "apikey",
    "signature",
    "signatureversion",
    "expires",
    "sessionkey",
    "_",
];

/// Commands that change nothing although their verb does not say so.
const READ_ONLY_NAMES: &[&str] = &[
    "quotabalance",
    "quotastatement",
    "quotasummary",
    "quotatarifflist",
    "quotacreditslist",
    "quotaemailtemplatelist",
    "quotaisenabled",
    "quotalistemailconfiguration",
    "quotapresetvariableslist",
    "cloudianisenabled",
    "isaccountallowedtocreateofferingswithtags",
    "searchldap",
];

/// Verbs of commands that change nothing (unless async).
const READ_VERBS: &[&str] = &["list", "get", "query", "find"];

/// Commands with a reading verb that create something on the server.
const WRITES_WITH_READ_VERB: &[&str] = &["getuploadparamsfor"];

/// A catalogue of APIs: the built-in one, or it with a live `listApis`
/// answer laid over it.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Sorted by name.
    apis: Vec<Api>,
    /// Lower-cased name → index in `apis`.
    index: HashMap<String, usize>,
    live: bool,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
struct Document {
    source: String,
    license: String,
    apis: Vec<Api>,
}

struct Builtin {
    catalog: Catalog,
    source: String,
    license: String,
}

fn builtin_data() -> &'static Builtin {
    static BUILTIN: OnceLock<Builtin> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let document: Document = serde_json::from_str(DATA)
            .expect("the embedded catalogue is valid (checked by a unit test)");
        Builtin {
            catalog: Catalog::new(document.apis, false),
            source: document.source,
            license: document.license,
        }
    })
}

/// The built-in catalogue, parsed on first use.
pub fn builtin() -> &'static Catalog {
    &builtin_data().catalog
}

/// Where the built-in data comes from (repositories and commits).
pub fn source() -> &'static str {
    &builtin_data().source
}

/// The license of the built-in data's sources.
pub fn license() -> &'static str {
    &builtin_data().license
}

impl Catalog {
    /// A catalogue of `apis`; of two names that differ only in case, the
    /// first wins.
    pub fn new(mut apis: Vec<Api>, live: bool) -> Self {
        apis.sort_by(|a, b| a.name.cmp(&b.name));
        let mut index = HashMap::with_capacity(apis.len());
        let mut kept = Vec::with_capacity(apis.len());
        for api in apis {
            let lower = api.name.to_ascii_lowercase();
            if index.contains_key(&lower) {
                continue;
            }
            index.insert(lower, kept.len());
            kept.push(api);
        }
        Self {
            apis: kept,
            index,
            live,
        }
    }

    /// This catalogue with a live `listApis` answer laid over it: commands
    /// both know take the live name, async flag, parameters and
    /// descriptions (keeping this catalogue's entities, encodings and
    /// answer shapes); commands only the live answer has are added; the
    /// others stay.
    pub fn with_live(&self, live: Vec<Api>) -> Self {
        let mut apis = self.apis.clone();
        let mut added = Vec::new();
        for api in live {
            match self.index.get(&api.name.to_ascii_lowercase()) {
                Some(&at) => apis[at] = live::merge(&self.apis[at], api),
                None => added.push(api),
            }
        }
        apis.extend(added);
        Self::new(apis, true)
    }

    /// Whether a live `listApis` answer is part of it.
    pub fn has_live(&self) -> bool {
        self.live
    }

    /// Every API, sorted by name.
    pub fn apis(&self) -> &[Api] {
        &self.apis
    }

    /// How many APIs it has.
    pub fn len(&self) -> usize {
        self.apis.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.apis.is_empty()
    }

    /// The API called exactly `name`.
    pub fn get(&self, name: &str) -> Option<&Api> {
        self.find(name).filter(|api| api.name == name)
    }

    /// The API called `name` in any case (`listzones` → `listZones`).
    pub fn find(&self, name: &str) -> Option<&Api> {
        self.index
            .get(&name.to_ascii_lowercase())
            .map(|&at| &self.apis[at])
    }

    /// The names closest to an unknown `name`, best first (at most three).
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        words::closest(name, self.apis.iter().map(|api| &*api.name), SUGGESTIONS)
    }

    /// The APIs whose name matches `pattern` (a substring, or a wildcard
    /// pattern with `*` and `?`), ignoring case.
    pub fn matching<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = &'a Api> + 'a {
        self.apis
            .iter()
            .filter(move |api| words::matches_pattern(pattern, &api.name))
    }

    /// A cmk-style `verb noun` (`list zones`, `deploy VirtualMachine`,
    /// `list zone`), in any case, singular or plural.
    pub fn resolve_words(&self, verb: &str, noun: &str) -> Option<&Api> {
        if verb.is_empty() || noun.is_empty() {
            return None;
        }
        let verb = verb.to_ascii_lowercase();
        words::noun_forms(noun)
            .iter()
            .find_map(|form| self.find(&format!("{verb}{form}")))
    }

    /// The verbs of all APIs (`list`, `create`…), sorted, each once.
    pub fn verbs(&self) -> Vec<&str> {
        let mut verbs: Vec<&str> = self.apis.iter().map(Api::verb).collect();
        verbs.sort_unstable();
        verbs.dedup();
        verbs
    }

    /// The list command that gives the ids parameter `param` of `api` takes:
    /// from its entity (`ZoneResponse` → `listZones`), a live answer's
    /// `related`, or its name (`zoneid` → `listZones`; `id` of
    /// `startVirtualMachine` → `listVirtualMachines`).
    pub fn list_command_for(&self, api: &Api, param: &str) -> Option<&Api> {
        let spec = api.param(param);
        if let Some(entity) = spec.and_then(|spec| spec.entity.as_deref()) {
            if let Some(list) = self.list_command_for_entity(entity) {
                return Some(list);
            }
        }
        if let Some(related) = spec.and_then(|spec| {
            spec.related
                .iter()
                .filter(|name| name.to_ascii_lowercase().starts_with("list"))
                .find_map(|name| self.find(name))
        }) {
            return Some(related);
        }
        let lower = param.to_ascii_lowercase();
        let noun = if lower == "id" || lower == "ids" {
            api.noun().to_string()
        } else {
            entity::noun_of_param(&lower)?
        };
        self.resolve_words("list", &noun)
            .filter(|list| list.response.list || list.origin == Origin::Live)
    }

    /// The list command that lists objects of a response class
    /// (`ZoneResponse` → `listZones`, `UserVmResponse` → `listVirtualMachines`).
    pub fn list_command_for_entity(&self, entity: &str) -> Option<&Api> {
        if let Some(name) = entity::exception(entity) {
            return self.find(name);
        }
        let noun = entity::noun(entity);
        self.resolve_words("list", noun).or_else(|| {
            // A list command whose items carry the class's noun as their key.
            self.apis.iter().find(|api| {
                api.verb() == "list"
                    && api.response.list
                    && api
                        .response
                        .key
                        .as_deref()
                        .is_some_and(|key| key.eq_ignore_ascii_case(noun))
            })
        })
    }

    /// Whether a command changes nothing on the server, so that sending it
    /// twice is safe: a sync command whose verb is `list`, `get`, `query`
    /// or `find` (except `getUploadParamsFor*`, which registers an upload),
    /// or one of a few reports (`quotaSummary`…). Commands the catalogue does
    /// not know are judged by their verb alone.
    pub fn is_read_only(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        let known = self.find(&lower);
        if known.is_some_and(|api| api.is_async)
            || WRITES_WITH_READ_VERB
                .iter()
                .any(|prefix| lower.starts_with(prefix))
        {
            return false;
        }
        let reads = match known {
            Some(api) => READ_VERBS.contains(&api.verb()),
            None => READ_VERBS.iter().any(|verb| lower.starts_with(verb)),
        };
        reads || READ_ONLY_NAMES.contains(&lower.as_str())
    }
}

impl Api {
    /// Whether the server takes a parameter called `name` (any case) on
    /// this command: one of its parameters, or an entry of one of its maps
    /// (`tags[0].key`), or one every command takes (`response`…).
    pub fn takes(&self, name: &str) -> bool {
        let base = param_base(name);
        self.param(base).is_some()
            || UNIVERSAL_PARAMS
                .iter()
                .any(|universal| universal.eq_ignore_ascii_case(base))
    }

    /// The parameter names closest to an unknown `name`, best first.
    pub fn suggest_param(&self, name: &str) -> Vec<&str> {
        words::closest(
            param_base(name),
            self.params.iter().map(|param| &*param.name),
            SUGGESTIONS,
        )
    }
}

/// The parameter a name belongs to: `tags` for `tags[0].key`,
/// `details` for `details[0].cpuNumber`.
pub fn param_base(name: &str) -> &str {
    name.split(['[', '.']).next().unwrap_or(name)
}

#[cfg(test)]
mod tests;
