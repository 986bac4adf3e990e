//! What the API catalogue tells the client about a call: the command's
//! exact name (servers match names case-sensitively, users type them in
//! any case), parameters the command does not have (a warning, once per
//! command and name; the call is still sent, for plugins and newer
//! servers), whether to wait for a job, and what a 401 or 432 answer to a
//! command the catalogue does not know means.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde_json::Value;

use super::error::ClientError;
use super::params::Params;
use super::response;
use crate::catalog::{self, or_list, Catalog};

/// The catalogue a client consults: the built-in one, or one with a live
/// `listApis` answer laid over it. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct CatalogRef(Option<Arc<Catalog>>);

impl CatalogRef {
    /// A reference to `catalog`.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Self(Some(catalog))
    }
}

impl std::ops::Deref for CatalogRef {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        match &self.0 {
            Some(catalog) => catalog,
            None => catalog::builtin(),
        }
    }
}

/// The catalogue shared by a client and its clones.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedCatalog(Arc<RwLock<CatalogRef>>);

impl SharedCatalog {
    pub(crate) fn get(&self) -> CatalogRef {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn set(&self, catalog: CatalogRef) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = catalog;
    }
}

/// The name to send for `command`: the catalogue's spelling when it knows
/// the command in another case (`listzones` → `listZones`), else as given.
pub fn canonical_name<'a>(catalog: &Catalog, command: &'a str) -> Cow<'a, str> {
    match catalog.find(command) {
        Some(api) if api.name != command => Cow::Owned(api.name.to_string()),
        _ => Cow::Borrowed(command),
    }
}

/// The warnings about `params` for `command`: one per parameter the command
/// does not take, with the closest names. Empty for commands the catalogue
/// does not know.
pub fn unknown_param_warnings(catalog: &Catalog, command: &str, params: &Params) -> Vec<String> {
    let Some(api) = catalog.find(command) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    params
        .pairs()
        .iter()
        .map(|(name, _)| catalog::param_base(name))
        .filter(|name| !api.takes(name) && seen.insert(name.to_ascii_lowercase()))
        .map(|name| {
            let mut warning = format!("{name} is not a parameter of {}", api.name);
            let closest = api.suggest_param(name);
            if !closest.is_empty() {
                warning.push_str("; did you mean ");
                warning.push_str(&or_list(&closest));
                warning.push('?');
            }
            warning
        })
        .collect()
}

/// Where the client's warnings go: a function the program embedding the
/// library chooses ([`set_warning_sink`]); without one they wait in a queue
/// for [`take_warnings`]. The library itself never prints them.
static WARNING_SINK: OnceLock<fn(&str)> = OnceLock::new();

/// Warnings given while no sink was set, oldest first (bounded).
static PENDING: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// How many unclaimed warnings are kept; later ones are dropped.
const MAX_PENDING: usize = 1000;

/// Sends the client's warnings (unknown parameters, once per command and
/// name) to `sink` from now on; the first call wins. The binary passes a
/// function that writes them on stderr, the way all its messages go.
pub fn set_warning_sink(sink: fn(&str)) {
    let _ = WARNING_SINK.set(sink);
}

/// The warnings given since the last call while no sink was set.
pub fn take_warnings() -> Vec<String> {
    std::mem::take(
        &mut *PENDING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

fn warn(warning: String) {
    match WARNING_SINK.get() {
        Some(sink) => sink(&warning),
        None => {
            let mut pending = PENDING
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if pending.len() < MAX_PENDING {
                pending.push(warning);
            }
        }
    }
}

/// Gives each warning of [`unknown_param_warnings`] (see
/// [`set_warning_sink`]), once per command and parameter name in this
/// process.
pub fn warn_unknown_params(catalog: &Catalog, command: &str, params: &Params) {
    if params.is_empty() {
        return;
    }
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    for warning in unknown_param_warnings(catalog, command, params) {
        let first_time = WARNED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(warning.to_ascii_lowercase());
        if first_time {
            warn(warning);
        }
    }
}

/// A 401 or 432 answer to a command the catalogue does not know becomes
/// [`ClientError::UnknownCommand`], with the closest known names; any other
/// error is returned as it is.
pub fn explain(catalog: &Catalog, command: &str, error: ClientError) -> ClientError {
    let ClientError::Api(api) = &error else {
        return error;
    };
    let refused = [401, 432].contains(&api.errorcode) || [401, 432].contains(&api.http_status);
    if !refused || catalog.find(command).is_some() {
        return error;
    }
    let suggestions = catalog
        .suggest(command)
        .into_iter()
        .map(str::to_string)
        .collect();
    let ClientError::Api(source) = error else {
        unreachable!("matched above")
    };
    ClientError::UnknownCommand {
        source,
        suggestions,
    }
}

/// The job to wait for after `command` answered `answer`: when the
/// catalogue says the command is async and the answer has a `jobid`, or
/// when the answer is shaped like a job (`{jobid}` or `{id, jobid}`:
/// commands the catalogue does not know, or a server where the command
/// became async).
pub fn job_to_wait(catalog: &Catalog, command: &str, answer: &Value) -> Option<String> {
    let jobid = super::jobs::job_id(answer)?;
    let is_async = catalog.find(command).is_some_and(|api| api.is_async);
    if !is_async && !response::is_async_answer(answer) {
        return None;
    }
    Some(jobid)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::client::ApiError;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let mut params = Params::new();
        for (name, value) in pairs {
            params.insert(*name, *value).unwrap();
        }
        params
    }

    #[test]
    fn names_take_the_catalogue_spelling() {
        let catalog = catalog::builtin();
        assert_eq!(canonical_name(catalog, "listzones"), "listZones");
        assert_eq!(canonical_name(catalog, "LISTVPCS"), "listVPCs");
        assert!(matches!(
            canonical_name(catalog, "listZones"),
            Cow::Borrowed(_)
        ));
        assert_eq!(canonical_name(catalog, "pluginThing"), "pluginThing");
    }

    #[test]
    fn unknown_parameters_are_named_with_the_closest() {
        let catalog = catalog::builtin();
        let warnings = unknown_param_warnings(
            catalog,
            "listzones",
            &params(&[
                ("nmae", "a"),
                ("name", "b"),
                ("tags[0].key", "k"),
                ("tags[0].value", "v"),
                ("qqqqqqqq", "x"),
            ]),
        );
        assert_eq!(
            warnings,
            [
                "nmae is not a parameter of listZones; did you mean name?",
                "qqqqqqqq is not a parameter of listZones"
            ]
        );
        assert!(unknown_param_warnings(catalog, "pluginThing", &params(&[("x", "1")])).is_empty());
    }

    fn api_error(command: &str, code: i64) -> ClientError {
        ClientError::Api(ApiError {
            command: command.into(),
            http_status: u16::try_from(code).unwrap(),
            errorcode: code,
            cserrorcode: None,
            errortext: "unable to verify user credentials and/or request signature".into(),
        })
    }

    #[test]
    fn refusals_of_unknown_commands_suggest_names() {
        let catalog = catalog::builtin();
        let error = explain(catalog, "listZone", api_error("listZone", 401));
        let text = error.to_string();
        assert!(
            text.starts_with("listZone is not a known CloudStack command; did you mean listZones?"),
            "{text}"
        );
        assert!(text.contains("HTTP 401"), "{text}");
        assert!(!text.contains("clock"), "{text}");
        let error = explain(catalog, "listZone", api_error("listZone", 432));
        assert!(matches!(error, ClientError::UnknownCommand { .. }));
        // Known commands keep the credentials explanation.
        let error = explain(catalog, "listZones", api_error("listZones", 401));
        assert!(matches!(error, ClientError::Api(_)));
        let error = explain(catalog, "listZone", api_error("listZone", 530));
        assert!(matches!(error, ClientError::Api(_)));
        let error = explain(catalog, "qqqqqqqqqq", api_error("qqqqqqqqqq", 401));
        assert!(error.to_string().contains("csctl apis"), "{error}");
    }

    #[test]
    fn jobs_are_waited_for_as_the_catalogue_says() {
        let catalog = catalog::builtin();
        let job = json!({"jobid": "j1", "id": "x"});
        assert_eq!(
            job_to_wait(catalog, "deployVirtualMachine", &job).as_deref(),
            Some("j1")
        );
        let with_more = json!({"jobid": "j1", "virtualmachine": {}});
        assert_eq!(
            job_to_wait(catalog, "deployVirtualMachine", &with_more).as_deref(),
            Some("j1")
        );
        assert_eq!(job_to_wait(catalog, "pluginThing", &with_more), None);
        assert_eq!(
            job_to_wait(catalog, "pluginThing", &job).as_deref(),
            Some("j1")
        );
        let result = json!({"jobid": "j1", "jobstatus": 1, "jobresult": {}});
        assert_eq!(job_to_wait(catalog, "queryAsyncJobResult", &result), None);
        assert_eq!(
            job_to_wait(catalog, "listZones", &json!({"count": 1})),
            None
        );
        assert_eq!(
            job_to_wait(catalog, "deployVirtualMachine", &json!({"id": 3})),
            None
        );
    }
}
