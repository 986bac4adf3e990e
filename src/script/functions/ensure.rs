//! `ensure`, `ensure_all` and `ensure_rules`: scripts that can be run
//! again. An object is found by its identity (the catalogue's
//! [`identity`](crate::catalog::identity) table, or the fields the script
//! names), created when missing, changed where it differs and the API can
//! change it in place; rules and tags are compared as sets, whatever their
//! order. Creates and changes that start jobs are submitted first and
//! waited on together (`listAsyncJobs` pages, as `wait_jobs` does).

use std::collections::HashMap;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map};
use serde_json::{Map as JsonMap, Value};

use super::{block_on_call, throw_map, FnResult};
use crate::catalog::identity::{self, Default as RuleDefault, ObjectKind, RuleKind};
use crate::client::{self, ClientError, JobOutcome, ListOptions, Params, WaitOptions};
use crate::script::convert::{json_to_dynamic, map_to_json};
use crate::script::HostState;

pub(crate) fn register(engine: &mut Engine, state: &Arc<HostState>) {
    let s = state.clone();
    FuncRegistration::new("ensure")
        .with_volatility(true)
        .with_params_info(["kind: &str", "identity: Map", "desired: Map", "Map"])
        .with_comments(["/// Finds the object of `kind` by `identity` (e.g. `#{name, zoneid}` for a VM), creates it from\n/// `identity` and `desired` when missing, changes the fields that differ where the API can.\n/// Returns `#{action: \"created\"|\"changed\"|\"unchanged\", object, changed: [...], cannot_change: [...]}`."])
        .register_into_engine(engine, move |kind: &str, identity: Map, desired: Map| -> FnResult<Map> {
            ensure_one(&s, kind, &identity, &desired)
        });
    let s = state.clone();
    FuncRegistration::new("ensure")
        .with_volatility(true)
        .with_params_info(["kind: &str", "identity: Map", "Map"])
        .with_comments([
            "/// `ensure(kind, identity, #{})`: the object exists, whatever its other fields.",
        ])
        .register_into_engine(engine, move |kind: &str, identity: Map| -> FnResult<Map> {
            ensure_one(&s, kind, &identity, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("ensure_all")
        .with_volatility(true)
        .with_params_info(["kind: &str", "identities: Array", "desired: Dynamic", "Array"])
        .with_comments(["/// `ensure` for many objects of one `kind` at once: one list (a few pages), the creates\n/// submitted together and their jobs waited on together. `desired` is one map for all, or an\n/// array with one map per identity. Returns one result per identity, in order; a failed one is\n/// `#{action: \"failed\", error, identity}` (the others go on)."])
        .register_into_engine(engine, move |kind: &str, identities: Array, desired: Dynamic| -> FnResult<Array> {
            ensure_many(&s, kind, &identities, &desired, &s.wait_defaults())
        });
    let s = state.clone();
    FuncRegistration::new("ensure_all")
        .with_volatility(true)
        .with_params_info(["kind: &str", "identities: Array", "desired: Dynamic", "options: Map", "Array"])
        .with_comments(["/// `ensure_all(kind, identities, desired)` with the wait options of `wait_jobs` (`timeout`…)."])
        .register_into_engine(engine, move |kind: &str, identities: Array, desired: Dynamic, options: Map| -> FnResult<Array> {
            let (options, _) = super::jobs::wait_options(&s, &options, "ensure_all")?;
            ensure_many(&s, kind, &identities, &desired, &options)
        });
    let s = state.clone();
    FuncRegistration::new("ensure_rules")
        .with_volatility(true)
        .with_params_info(["kind: &str", "scope: Map", "rules: Array", "Map"])
        .with_comments(["/// Makes the rules (or tags) of `kind` in `scope` (e.g. `#{ipaddressid}`) include `rules`,\n/// compared as a set: missing ones are created, equal ones left alone whatever their order.\n/// Returns `#{action, created, changed, unchanged, removed, extra}`."])
        .register_into_engine(engine, move |kind: &str, scope: Map, rules: Array| -> FnResult<Map> {
            ensure_rule_set(&s, kind, &scope, &rules, false)
        });
    let s = state.clone();
    FuncRegistration::new("ensure_rules")
        .with_volatility(true)
        .with_params_info(["kind: &str", "scope: Map", "rules: Array", "options: Map", "Map"])
        .with_comments(["/// `ensure_rules(kind, scope, rules)` with options: `exclusive` (bool: also remove the rules\n/// in `scope` that `rules` does not name)."])
        .register_into_engine(engine, move |kind: &str, scope: Map, rules: Array, options: Map| -> FnResult<Map> {
            let mut exclusive = false;
            for (key, value) in &options {
                match (key.as_str(), value.as_bool()) {
                    ("exclusive", Ok(flag)) => exclusive = flag,
                    _ => return Err(params_error(format!(
                        "ensure_rules: unknown option `{key}` or not a bool (the option is exclusive: true|false)"
                    ))),
                }
            }
            ensure_rule_set(&s, kind, &scope, &rules, exclusive)
        });
}

fn params_error(message: String) -> Box<rhai::EvalAltResult> {
    throw_map("params", message, Map::new())
}

// ---------------------------------------------------------------------------
// Values compared as the server stores them

/// The text of a scalar as the server answers it (numbers and booleans as
/// strings); `None` for null.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        other => Some(other.to_string()),
    }
}

/// Whether parameter `param` holds a list (`cidrlist`, `networkids`):
/// then its value compares as a set, and `"a,b"` is two items.
fn is_list_param(param: &str) -> bool {
    param.ends_with("cidrlist") || param.ends_with("ids")
}

/// A desired value as a sorted set of texts.
fn desired_values(param: &str, value: &Value) -> Vec<String> {
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
        other => scalar_text(other).into_iter().collect(),
    };
    as_set(param, items)
}

/// The values at `path` of an answer object (`name`, or `nic[].networkid`
/// for a field of each item of an array), as a sorted set; `None` when the
/// answer does not have the field (then it is not compared).
fn answer_values(object: &Value, path: &str, param: &str) -> Option<Vec<String>> {
    let items: Vec<String> = match path.split_once("[].") {
        Some((array, field)) => object
            .get(array)?
            .as_array()?
            .iter()
            .filter_map(|item| item.get(field).and_then(scalar_text))
            .collect(),
        None => match object.get(path)? {
            Value::Array(values) => values.iter().filter_map(scalar_text).collect(),
            value => scalar_text(value).into_iter().collect(),
        },
    };
    Some(as_set(param, items))
}

/// Texts as a sorted set without repeats; for a list parameter, `"a,b"`
/// counts as two items.
fn as_set(param: &str, items: Vec<String>) -> Vec<String> {
    let mut items: Vec<String> = if is_list_param(param) {
        items
            .iter()
            .flat_map(|item| item.split(','))
            .map(|item| item.trim().to_string())
            .filter(|item| !item.is_empty())
            .collect()
    } else {
        items
    };
    items.sort();
    items.dedup();
    items
}

fn same(left: &[String], right: &[String], caseless: bool) -> bool {
    left.len() == right.len()
        && left.iter().zip(right).all(|(a, b)| {
            if caseless {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        })
}

/// The entity of a create's or update's result: the one object under the
/// answer (`{virtualmachine: {…}}`), else the answer itself.
fn entity_of(result: &Value) -> Value {
    if let Value::Object(fields) = result {
        let objects: Vec<&Value> = fields.values().filter(|v| v.is_object()).collect();
        if objects.len() == 1 {
            return objects[0].clone();
        }
    }
    result.clone()
}

// ---------------------------------------------------------------------------
// Calls

/// What an item's failure says, or the end of the script on Ctrl-C.
fn failure_text(error: ClientError) -> FnResult<String> {
    match error {
        ClientError::Cancelled => Err(crate::script::terminated()),
        other => Ok(other.to_string()),
    }
}

fn list_items(state: &HostState, command: &str, params: &Params) -> FnResult<Vec<Value>> {
    let mut items = Vec::new();
    state
        .block_on(client::for_each_page(
            &state.client,
            command,
            params,
            &ListOptions::default(),
            |_, page| {
                items.extend(page);
                Ok(())
            },
        ))?
        .map_err(super::client_error)?;
    Ok(items)
}

/// One state-changing call: its answer, or the failure's text.
fn submit(state: &HostState, command: &str, params: &Params) -> FnResult<Result<Value, String>> {
    match block_on_call(state, command, state.client.call(command, params))? {
        Ok(answer) => Ok(Ok(answer)),
        Err(error) => Ok(Err(failure_text(error)?)),
    }
}

/// What a submitted call led to: an answer now, or a job to wait for.
enum Pending {
    Done(Value),
    Job(String),
    Failed(String),
}

fn submitted(state: &HostState, command: &str, answer: Result<Value, String>) -> Pending {
    match answer {
        Err(text) => Pending::Failed(text),
        Ok(answer) => match state.client.job_to_wait(command, &answer) {
            Some(jobid) => Pending::Job(jobid),
            None => Pending::Done(answer),
        },
    }
}

/// Waits for every job among `pending` at once; each becomes its result
/// (`jobresult`) or its failure.
fn settle(
    state: &HostState,
    options: &WaitOptions,
    pending: Vec<Pending>,
) -> FnResult<Vec<Result<Value, String>>> {
    let jobids: Vec<String> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::Job(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let mut outcomes = if jobids.is_empty() {
        Vec::new()
    } else {
        // The wait_jobs progress bar (shown only on a terminal).
        let bar = crate::script::progress::JobsProgress::new(
            jobids.len(),
            state.progress.load(std::sync::atomic::Ordering::Relaxed),
        );
        let waited = state.block_on(client::wait_jobs(
            &state.client,
            &jobids,
            options,
            &|counts| bar.update(counts),
        ));
        drop(bar);
        match waited {
            Ok(outcomes) => outcomes,
            Err(stop) => {
                super::jobs::note_pending(state, "ensure", &jobids);
                return Err(stop);
            }
        }
    }
    .into_iter();
    let timeout = options.timeout;
    Ok(pending
        .into_iter()
        .map(|p| match p {
            Pending::Done(answer) => Ok(answer),
            Pending::Failed(text) => Err(text),
            Pending::Job(_) => match outcomes.next().expect("one outcome per job") {
                JobOutcome::Succeeded { job, .. } => {
                    Ok(job.get("jobresult").cloned().unwrap_or(Value::Null))
                }
                JobOutcome::Failed {
                    jobid, errortext, ..
                } => Err(format!("{errortext} (failed, job {jobid})")),
                other => Err(match other.into_result(timeout) {
                    Err(error) => error.to_string(),
                    Ok(_) => unreachable!("not a success"),
                }),
            },
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Objects

/// A kind's rules for `ensure`, hand-chosen or from the catalogue.
struct Spec {
    kind: String,
    list: String,
    create: String,
    create_with: Option<(&'static str, &'static str)>,
    update: Option<String>,
    hand: Option<&'static ObjectKind>,
}

impl Spec {
    fn of(state: &HostState, kind: &str) -> FnResult<Self> {
        if let Some(hand) = identity::object(kind) {
            return Ok(Self {
                kind: hand.kind.to_string(),
                list: hand.list.to_string(),
                create: hand.create.to_string(),
                create_with: hand.create_with,
                update: hand.update.map(str::to_string),
                hand: Some(hand),
            });
        }
        let catalog = state.client.catalog();
        let generic = identity::generic(&catalog, kind).ok_or_else(|| {
            params_error(format!(
                "ensure: unknown kind `{kind}`: it needs a list and a create command in the catalogue \
                 (kinds with chosen identities: {})",
                identity::OBJECTS.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
            ))
        })?;
        Ok(Self {
            kind: kind.to_ascii_lowercase(),
            list: generic.list,
            create: generic.create,
            create_with: None,
            update: generic.update,
            hand: None,
        })
    }

    /// The answer field holding parameter `param`.
    fn field(&self, param: &str) -> String {
        self.hand
            .and_then(|hand| {
                hand.identity
                    .iter()
                    .chain(hand.fields)
                    .find(|(p, _)| p.eq_ignore_ascii_case(param))
            })
            .map_or_else(|| param.to_string(), |(_, field)| (*field).to_string())
    }

    fn caseless(&self, param: &str) -> bool {
        self.hand.is_some_and(|h| h.caseless.contains(&param))
    }

    fn counts(&self, object: &Value) -> bool {
        let Some(hand) = self.hand else { return true };
        !hand.skip.iter().any(|(field, value)| {
            object
                .get(*field)
                .and_then(scalar_text)
                .is_some_and(|text| text.eq_ignore_ascii_case(value))
        })
    }

    /// The text an object is indexed by: its values of the identity's
    /// `keys`, as [`Spec::matches`] compares them; `None` when it lacks one.
    fn object_key(&self, keys: &[String], object: &Value) -> Option<String> {
        let mut key = String::new();
        for param in keys {
            let values = answer_values(object, &self.field(param), param)?;
            self.push_key(&mut key, param, &values);
        }
        Some(key)
    }

    /// The same text for an item's identity.
    fn item_key(&self, keys: &[String], identity: &JsonMap<String, Value>) -> String {
        let mut key = String::new();
        for param in keys {
            let values = identity
                .get(param)
                .map(|value| desired_values(param, value))
                .unwrap_or_default();
            self.push_key(&mut key, param, &values);
        }
        key
    }

    fn push_key(&self, key: &mut String, param: &str, values: &[String]) {
        let caseless = self.caseless(param);
        let mut values: Vec<String> = values
            .iter()
            .map(|v| {
                if caseless {
                    v.to_lowercase()
                } else {
                    v.clone()
                }
            })
            .collect();
        values.sort();
        for value in values {
            key.push_str(&value);
            key.push('\u{1f}');
        }
        key.push('\u{1e}');
    }

    fn matches(&self, identity: &JsonMap<String, Value>, object: &Value) -> bool {
        identity.iter().all(|(param, value)| {
            let wanted = desired_values(param, value);
            answer_values(object, &self.field(param), param)
                .is_some_and(|found| same(&wanted, &found, self.caseless(param)))
        })
    }
}

/// One object to ensure.
struct Item {
    identity: JsonMap<String, Value>,
    desired: JsonMap<String, Value>,
}

fn ensure_one(state: &HostState, kind: &str, identity: &Map, desired: &Map) -> FnResult<Map> {
    if identity::rules(kind).is_some() {
        return ensure_rule_as_object(state, kind, identity, desired);
    }
    let item = item_of(identity, desired, "ensure")?;
    let mut results = ensure_objects(state, kind, vec![item], "ensure", &state.wait_defaults())?;
    match results.remove(0) {
        Ok(result) => Ok(result),
        Err(text) => Err(throw_map(
            "ensure",
            format!("ensure {kind}: {text}"),
            Map::new(),
        )),
    }
}

fn item_of(identity: &Map, desired: &Map, function: &str) -> FnResult<Item> {
    let identity = map_to_json(identity, "identity")
        .map_err(|reason| params_error(format!("{function}: {reason}")))?;
    let desired = map_to_json(desired, "desired")
        .map_err(|reason| params_error(format!("{function}: {reason}")))?;
    if identity.is_empty() {
        return Err(params_error(format!(
            "{function}: the identity is empty: name the fields that find the object, e.g. #{{name: \"web-01\", zoneid: …}}"
        )));
    }
    Ok(Item { identity, desired })
}

fn ensure_many(
    state: &HostState,
    kind: &str,
    identities: &Array,
    desired: &Dynamic,
    options: &WaitOptions,
) -> FnResult<Array> {
    let shared = desired.clone().try_cast::<Map>();
    let each = desired.clone().try_cast::<Array>();
    if shared.is_none() && each.as_ref().is_none_or(|e| e.len() != identities.len()) {
        return Err(params_error(format!(
            "ensure_all: `desired` must be a map, or an array of {} maps (one per identity)",
            identities.len()
        )));
    }
    let mut items = Vec::with_capacity(identities.len());
    for (index, identity) in identities.iter().enumerate() {
        let identity = identity
            .clone()
            .try_cast::<Map>()
            .ok_or_else(|| params_error(format!("ensure_all: identity {index} is not a map")))?;
        let desired = match (&shared, &each) {
            (Some(map), _) => map.clone(),
            (None, Some(each)) => each[index]
                .clone()
                .try_cast::<Map>()
                .ok_or_else(|| params_error(format!("ensure_all: desired {index} is not a map")))?,
            (None, None) => unreachable!("checked above"),
        };
        items.push(item_of(&identity, &desired, "ensure_all")?);
    }
    let identities_json: Vec<Value> = items
        .iter()
        .map(|item| Value::Object(item.identity.clone()))
        .collect();
    let results = ensure_objects(state, kind, items, "ensure_all", options)?;
    Ok(results
        .into_iter()
        .zip(identities_json)
        .map(|(result, identity)| match result {
            Ok(map) => Dynamic::from_map(map),
            Err(text) => {
                let mut map = Map::new();
                map.insert("action".into(), "failed".into());
                map.insert("error".into(), text.into());
                map.insert("identity".into(), json_to_dynamic(&identity));
                Dynamic::from_map(map)
            }
        })
        .collect())
}

/// What was found or done for one item.
struct Outcome {
    action: &'static str,
    object: Value,
    changed: Vec<String>,
    cannot_change: Vec<String>,
}

fn result_map(outcome: Outcome) -> Map {
    let mut map = Map::new();
    map.insert("action".into(), outcome.action.into());
    map.insert("object".into(), json_to_dynamic(&outcome.object));
    let texts =
        |list: Vec<String>| Dynamic::from_array(list.into_iter().map(Dynamic::from).collect());
    map.insert("changed".into(), texts(outcome.changed));
    map.insert("cannot_change".into(), texts(outcome.cannot_change));
    map
}

fn ensure_objects(
    state: &HostState,
    kind: &str,
    items: Vec<Item>,
    function: &str,
    options: &WaitOptions,
) -> FnResult<Vec<Result<Map, String>>> {
    let options = options.clone();
    let spec = Spec::of(state, kind)?;
    let catalog = state.client.catalog();
    if let Some(hand) = spec.hand {
        for item in &items {
            if let Some(unknown) = item.identity.keys().find(|key| {
                !hand
                    .identity
                    .iter()
                    .any(|(p, _)| p.eq_ignore_ascii_case(key))
            }) {
                return Err(params_error(format!(
                    "{function}: `{unknown}` does not identify a {}: its identity is made of {}",
                    hand.kind,
                    hand.identity
                        .iter()
                        .map(|(p, _)| *p)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }

    // One list for all: the identity fields every item shares and the
    // list command takes narrow it (the zone); the rest is matched here.
    let list_api = catalog.find(&spec.list);
    let mut list_params = Params::new();
    if let Some(first) = items.first() {
        for (param, value) in &first.identity {
            let same_for_all = items
                .iter()
                .all(|item| item.identity.get(param) == Some(value));
            let field = spec.field(param);
            let takes = |name: &str| list_api.is_some_and(|api| api.param(name).is_some());
            let name = if takes(&field) {
                field.as_str()
            } else if takes(param) {
                param.as_str()
            } else {
                continue;
            };
            if same_for_all && !is_list_param(param) {
                if let Some(text) = scalar_text(value) {
                    list_params
                        .insert(name, &text)
                        .map_err(|e| params_error(format!("{function}: {e}")))?;
                }
            }
        }
    }
    let existing: Vec<Value> = list_items(state, &spec.list, &list_params)?
        .into_iter()
        .filter(|object| spec.counts(object))
        .collect();

    enum Step {
        Found(Value),
        Create,
        Failed(String),
    }
    // The listed objects by identity, so that a thousand items are matched
    // against a thousand objects in a thousand look-ups, not a million
    // comparisons. Items named by other fields are compared one by one.
    let keys: Vec<String> = items
        .first()
        .map(|item| item.identity.keys().cloned().collect())
        .unwrap_or_default();
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (at, object) in existing.iter().enumerate() {
        if let Some(key) = spec.object_key(&keys, object) {
            index.entry(key).or_default().push(at);
        }
    }
    let steps: Vec<Step> = items
        .iter()
        .map(|item| {
            let same_keys = item.identity.len() == keys.len()
                && keys.iter().all(|key| item.identity.contains_key(key));
            let found: Vec<&Value> = if same_keys {
                index
                    .get(&spec.item_key(&keys, &item.identity))
                    .map(|ats| ats.iter().map(|&at| &existing[at]).collect())
                    .unwrap_or_default()
            } else {
                existing
                    .iter()
                    .filter(|object| spec.matches(&item.identity, object))
                    .collect()
            };
            match found.as_slice() {
                [] => Step::Create,
                [one] => Step::Found((*one).clone()),
                many => Step::Failed(format!(
                    "{} objects of kind {} match {}: make the identity narrower",
                    many.len(),
                    spec.kind,
                    Value::Object(item.identity.clone())
                )),
            }
        })
        .collect();

    // Creates: every one submitted, then their jobs waited on together.
    let mut pending = Vec::new();
    for (item, step) in items.iter().zip(&steps) {
        if !matches!(step, Step::Create) {
            continue;
        }
        let mut all = item.identity.clone();
        all.extend(item.desired.clone());
        let command = match spec.create_with {
            Some((param, command)) if all.contains_key(param) => command,
            _ => spec.create.as_str(),
        };
        let params =
            Params::from_json_map(&all).map_err(|e| params_error(format!("{function}: {e}")))?;
        let answer = submit(state, command, &params)?;
        pending.push(submitted(state, command, answer));
    }
    let mut created = settle(state, &options, pending)?.into_iter();

    // Changes: what differs, and what the update command can change.
    let update_api = spec.update.as_deref().and_then(|name| catalog.find(name));
    let mut results: Vec<Option<Result<Map, String>>> = Vec::with_capacity(items.len());
    let mut updates = Vec::new();
    let mut update_pending = Vec::new();
    for (index, (item, step)) in items.iter().zip(steps).enumerate() {
        match step {
            Step::Failed(text) => results.push(Some(Err(text))),
            Step::Create => {
                let result = created.next().expect("one result per create");
                results.push(Some(result.map(|answer| {
                    result_map(Outcome {
                        action: "created",
                        object: entity_of(&answer),
                        changed: Vec::new(),
                        cannot_change: Vec::new(),
                    })
                })));
            }
            Step::Found(mut object) => {
                let mut differ = Vec::new();
                let mut cannot = Vec::new();
                let mut params = Params::new();
                if spec.kind == "volume" {
                    if let Some(vm) = item.desired.get("virtualmachineid") {
                        match attach(state, &options, &object, vm)? {
                            Ok(Some(moved)) => {
                                object = moved;
                                differ.push("virtualmachineid".to_string());
                            }
                            Ok(None) => {}
                            Err(text) => {
                                results.push(Some(Err(text)));
                                continue;
                            }
                        }
                    }
                }
                for (param, value) in &item.desired {
                    if item.identity.contains_key(param)
                        || (spec.kind == "volume" && param == "virtualmachineid")
                    {
                        continue;
                    }
                    let Some(found) = answer_values(&object, &spec.field(param), param) else {
                        continue;
                    };
                    if same(&desired_values(param, value), &found, false) {
                        continue;
                    }
                    let updatable =
                        param != "id" && update_api.is_some_and(|api| api.param(param).is_some());
                    if updatable {
                        params
                            .insert_value(param, value)
                            .map_err(|e| params_error(format!("{function}: {e}")))?;
                        differ.push(param.clone());
                    } else {
                        cannot.push(param.clone());
                    }
                }
                if params.is_empty() {
                    results.push(Some(Ok(result_map(Outcome {
                        action: if differ.is_empty() {
                            "unchanged"
                        } else {
                            "changed"
                        },
                        changed: differ,
                        object,
                        cannot_change: cannot,
                    }))));
                    continue;
                }
                let id = object.get("id").and_then(scalar_text).unwrap_or_default();
                params
                    .insert("id", &id)
                    .map_err(|e| params_error(format!("{function}: {e}")))?;
                let command = spec
                    .update
                    .clone()
                    .expect("updatable fields need an update");
                let answer = submit(state, &command, &params)?;
                update_pending.push(submitted(state, &command, answer));
                updates.push((index, object, differ, cannot));
                results.push(None);
            }
        }
    }
    for ((index, object, differ, cannot), result) in
        updates
            .into_iter()
            .zip(settle(state, &options, update_pending)?)
    {
        results[index] = Some(result.map(|answer| {
            let updated = entity_of(&answer);
            result_map(Outcome {
                action: "changed",
                object: if updated.get("id").is_some() {
                    updated
                } else {
                    object
                },
                changed: differ,
                cannot_change: cannot,
            })
        }));
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every item has a result"))
        .collect())
}

/// Moves a volume to the VM `vm` (an id; empty: detached): detaches it
/// from another VM first. The volume as it is now, `None` when it already
/// was where wanted, or the failure.
fn attach(
    state: &HostState,
    options: &WaitOptions,
    volume: &Value,
    vm: &Value,
) -> FnResult<Result<Option<Value>, String>> {
    let wanted = scalar_text(vm).unwrap_or_default();
    let current = volume
        .get("virtualmachineid")
        .and_then(scalar_text)
        .unwrap_or_default();
    if wanted == current {
        return Ok(Ok(None));
    }
    let id = volume.get("id").and_then(scalar_text).unwrap_or_default();
    let mut now = volume.clone();
    let fail = |e: client::ParamError| params_error(format!("ensure: {e}"));
    if !current.is_empty() {
        let mut params = Params::new();
        params.insert("id", &id).map_err(fail)?;
        let answer = submit(state, "detachVolume", &params)?;
        let pending = vec![submitted(state, "detachVolume", answer)];
        match settle(state, options, pending)?.remove(0) {
            Ok(answer) => now = entity_of(&answer),
            Err(text) => return Ok(Err(format!("detaching volume {id}: {text}"))),
        }
    }
    if !wanted.is_empty() {
        let mut params = Params::new();
        params.insert("id", &id).map_err(fail)?;
        params.insert("virtualmachineid", &wanted).map_err(fail)?;
        let answer = submit(state, "attachVolume", &params)?;
        let pending = vec![submitted(state, "attachVolume", answer)];
        match settle(state, options, pending)?.remove(0) {
            Ok(answer) => now = entity_of(&answer),
            Err(text) => return Ok(Err(format!("attaching volume {id}: {text}"))),
        }
    }
    Ok(Ok(Some(now)))
}

// ---------------------------------------------------------------------------
// Rule and tag sets

/// A desired rule with the server's defaults filled in and its list
/// values as sets.
#[derive(Clone)]
struct Rule {
    params: JsonMap<String, Value>,
}

fn rules_of(spec: &RuleKind, rules: &Array) -> FnResult<Vec<Rule>> {
    let mut out = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let map = rule
            .clone()
            .try_cast::<Map>()
            .ok_or_else(|| params_error(format!("ensure_rules: rule {index} is not a map")))?;
        let mut params = map_to_json(&map, "rule")
            .map_err(|reason| params_error(format!("ensure_rules: {reason}")))?;
        for (param, default) in spec.defaults {
            if params.contains_key(*param) {
                continue;
            }
            let value = match default {
                RuleDefault::Same(other) => params.get(*other).cloned(),
                RuleDefault::Value(text) => Some(Value::String((*text).into())),
            };
            if let Some(value) = value {
                params.insert((*param).into(), value);
            }
        }
        if spec.split_cidrs {
            if let Some(cidrs) = params
                .get("cidrlist")
                .map(|v| desired_values("cidrlist", v))
            {
                for cidr in cidrs {
                    let mut one = params.clone();
                    one.insert("cidrlist".into(), Value::String(cidr));
                    out.push(Rule { params: one });
                }
                continue;
            }
        }
        out.push(Rule { params });
    }
    Ok(out)
}

fn rule_field<'a>(spec: &'a RuleKind, param: &'a str) -> &'a str {
    spec.key
        .iter()
        .chain(spec.value)
        .find(|(p, _)| *p == param)
        .map_or(param, |(_, field)| field)
}

fn rule_matches(spec: &RuleKind, fields: &[(&str, &str)], rule: &Rule, existing: &Value) -> bool {
    fields
        .iter()
        .all(|(param, _)| match rule.params.get(*param) {
            None => true,
            Some(value) => {
                let wanted: Vec<String> = desired_values(param, value);
                let found =
                    answer_values(existing, rule_field(spec, param), param).unwrap_or_default();
                same(&wanted, &found, true)
            }
        })
}

fn rule_json(rule: &Value) -> Dynamic {
    json_to_dynamic(rule)
}

fn ensure_rule_as_object(
    state: &HostState,
    kind: &str,
    identity: &Map,
    desired: &Map,
) -> FnResult<Map> {
    let spec = identity::rules(kind).expect("a rule kind");
    let mut scope = Map::new();
    let mut rule = desired.clone();
    for (key, value) in identity {
        if spec
            .scope
            .iter()
            .any(|(given, _, _)| key.as_str() == *given)
        {
            scope.insert(key.clone(), value.clone());
        } else {
            rule.insert(key.clone(), value.clone());
        }
    }
    let set = ensure_rule_set(state, kind, &scope, &vec![Dynamic::from_map(rule)], false)?;
    let mut result = Map::new();
    let action = set.get("action").cloned().unwrap_or(Dynamic::UNIT);
    let action = if set
        .get("created")
        .and_then(|d| d.clone().try_cast::<Array>())
        .is_some_and(|a| !a.is_empty())
    {
        Dynamic::from("created")
    } else {
        action
    };
    result.insert("action".into(), action);
    let object = ["created", "changed", "unchanged"]
        .iter()
        .filter_map(|key| set.get(*key).and_then(|d| d.clone().try_cast::<Array>()))
        .flatten()
        .next()
        .unwrap_or(Dynamic::UNIT);
    result.insert("object".into(), object);
    let changed = if set
        .get("changed")
        .and_then(|d| d.clone().try_cast::<Array>())
        .is_some_and(|a| !a.is_empty())
    {
        spec.value.iter().map(|(p, _)| Dynamic::from(*p)).collect()
    } else {
        Array::new()
    };
    result.insert("changed".into(), Dynamic::from_array(changed));
    result.insert("cannot_change".into(), Dynamic::from_array(Array::new()));
    Ok(result)
}

fn ensure_rule_set(
    state: &HostState,
    kind: &str,
    scope: &Map,
    rules: &Array,
    exclusive: bool,
) -> FnResult<Map> {
    let spec = identity::rules(kind).ok_or_else(|| {
        params_error(format!(
            "ensure_rules: unknown kind `{kind}` (the kinds: {})",
            identity::RULES
                .iter()
                .map(|k| k.kind)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let scope = map_to_json(scope, "scope")
        .map_err(|reason| params_error(format!("ensure_rules: {reason}")))?;
    let mut list_params = Params::new();
    let mut create_scope = JsonMap::new();
    for (key, value) in &scope {
        let Some((_, list, create)) = spec.scope.iter().find(|(given, _, _)| given == key) else {
            return Err(params_error(format!(
                "ensure_rules: `{key}` is not a scope of {} (its scope: {})",
                spec.kind,
                spec.scope
                    .iter()
                    .map(|(g, _, _)| *g)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let text = scalar_text(value).unwrap_or_default();
        list_params
            .insert(*list, &text)
            .map_err(|e| params_error(format!("ensure_rules: {e}")))?;
        create_scope.insert((*create).into(), value.clone());
    }
    if scope.is_empty() {
        return Err(params_error(format!(
            "ensure_rules: the scope is empty: give {}",
            spec.scope
                .iter()
                .map(|(g, _, _)| *g)
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    }
    let desired = rules_of(spec, rules)?;
    let options = state.wait_defaults();

    let listed = list_items(state, spec.list, &list_params)?;
    let existing: Vec<Value> = match spec.nested {
        None => listed,
        Some(field) => match listed.as_slice() {
            [group] => group
                .get(field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            other => {
                return Err(throw_map(
                    "ensure",
                    format!(
                        "ensure_rules {}: {} groups match {}: name exactly one",
                        spec.kind,
                        other.len(),
                        Value::Object(scope.clone())
                    ),
                    Map::new(),
                ))
            }
        },
    };
    // A security group named by name is created by id.
    if spec.nested.is_some() && !create_scope.contains_key("securitygroupid") {
        if let Some(group) = list_items(state, spec.list, &list_params)?.first() {
            if let Some(id) = group.get("id") {
                create_scope.clear();
                create_scope.insert("securitygroupid".into(), id.clone());
            }
        }
    }

    let mut used = vec![false; existing.len()];
    let mut unchanged = Vec::new();
    let mut to_create: Vec<&Rule> = Vec::new();
    let mut to_replace: Vec<(&Rule, usize)> = Vec::new();
    for rule in &desired {
        let found = (0..existing.len())
            .find(|&i| !used[i] && rule_matches(spec, spec.key, rule, &existing[i]));
        match found {
            None => to_create.push(rule),
            Some(i) => {
                used[i] = true;
                if rule_matches(spec, spec.value, rule, &existing[i]) {
                    unchanged.push(rule_json(&existing[i]));
                } else {
                    to_replace.push((rule, i));
                }
            }
        }
    }
    let extras: Vec<usize> = (0..existing.len()).filter(|&i| !used[i]).collect();

    let delete_params = |rule: &Value| -> FnResult<Params> {
        let mut params = Params::new();
        let fail = |e: client::ParamError| params_error(format!("ensure_rules: {e}"));
        if spec.tags {
            for (key, value) in &create_scope {
                params.insert_value(key, value).map_err(fail)?;
            }
            for field in ["key", "value"] {
                let text = rule.get(field).and_then(scalar_text).unwrap_or_default();
                params
                    .insert(format!("tags[0].{field}"), &text)
                    .map_err(fail)?;
            }
        } else {
            let id = rule
                .get(spec.id_field)
                .and_then(scalar_text)
                .unwrap_or_default();
            params.insert("id", &id).map_err(fail)?;
        }
        Ok(params)
    };
    let create_params = |rule: &Rule| -> FnResult<Params> {
        let fail = |e: client::ParamError| params_error(format!("ensure_rules: {e}"));
        let mut all = create_scope.clone();
        if spec.tags {
            let mut params = Params::from_json_map(&all).map_err(fail)?;
            for field in ["key", "value"] {
                let text = rule
                    .params
                    .get(field)
                    .and_then(scalar_text)
                    .unwrap_or_default();
                params
                    .insert(format!("tags[0].{field}"), &text)
                    .map_err(fail)?;
            }
            return Ok(params);
        }
        all.extend(rule.params.clone());
        Params::from_json_map(&all).map_err(fail)
    };

    // First what goes away (a replaced tag frees its key), then what comes.
    let mut removing: Vec<usize> = Vec::new();
    let mut pending = Vec::new();
    let replace_in_place = spec.update.is_some();
    for (_, i) in &to_replace {
        if !replace_in_place {
            removing.push(*i);
        }
    }
    if exclusive {
        removing.extend(&extras);
    }
    for &i in &removing {
        let params = delete_params(&existing[i])?;
        let answer = submit(state, spec.delete, &params)?;
        pending.push(submitted(state, spec.delete, answer));
    }
    let mut errors = Vec::new();
    for (result, &i) in settle(state, &options, pending)?.into_iter().zip(&removing) {
        if let Err(text) = result {
            errors.push(format!("removing {}: {text}", existing[i]));
        }
    }

    let mut pending = Vec::new();
    let mut commands: Vec<&str> = Vec::new();
    for rule in &to_create {
        let answer = submit(state, spec.create, &create_params(rule)?)?;
        pending.push(submitted(state, spec.create, answer));
        commands.push("create");
    }
    for (rule, i) in &to_replace {
        if let Some(update) = spec.update {
            let mut params = Params::new();
            let id = existing[*i]
                .get(spec.id_field)
                .and_then(scalar_text)
                .unwrap_or_default();
            let fail = |e: client::ParamError| params_error(format!("ensure_rules: {e}"));
            params.insert("id", &id).map_err(fail)?;
            for (param, _) in spec.value {
                if let Some(value) = rule.params.get(*param) {
                    params.insert_value(param, value).map_err(fail)?;
                }
            }
            let answer = submit(state, update, &params)?;
            pending.push(submitted(state, update, answer));
        } else {
            let answer = submit(state, spec.create, &create_params(rule)?)?;
            pending.push(submitted(state, spec.create, answer));
        }
        commands.push("change");
    }
    let mut created = Array::new();
    let mut changed = Array::new();
    let wanted: Vec<&Rule> = to_create
        .iter()
        .copied()
        .chain(to_replace.iter().map(|(r, _)| *r))
        .collect();
    for ((result, what), rule) in settle(state, &options, pending)?
        .into_iter()
        .zip(commands)
        .zip(wanted)
    {
        match result {
            Ok(answer) => {
                let entity = entity_of(&answer);
                let shown = if entity.is_object() && entity.get(spec.id_field).is_some() {
                    entity
                } else {
                    Value::Object(rule.params.clone())
                };
                if what == "create" {
                    created.push(rule_json(&shown));
                } else {
                    changed.push(rule_json(&shown));
                }
            }
            Err(text) => errors.push(format!(
                "{} {}: {text}",
                what,
                Value::Object(rule.params.clone())
            )),
        }
    }
    if !errors.is_empty() {
        return Err(throw_map(
            "ensure",
            format!("ensure_rules {}: {}", spec.kind, errors.join("; ")),
            Map::new(),
        ));
    }
    let removed: Array = removing
        .iter()
        .filter(|i| extras.contains(i))
        .map(|&i| rule_json(&existing[i]))
        .collect();
    let extra: Array = if exclusive {
        Array::new()
    } else {
        extras.iter().map(|&i| rule_json(&existing[i])).collect()
    };
    let action = if created.is_empty() && changed.is_empty() && removed.is_empty() {
        "unchanged"
    } else {
        "changed"
    };
    let mut map = Map::new();
    map.insert("action".into(), action.into());
    map.insert("created".into(), Dynamic::from_array(created));
    map.insert("changed".into(), Dynamic::from_array(changed));
    map.insert("unchanged".into(), Dynamic::from_array(unchanged));
    map.insert("removed".into(), Dynamic::from_array(removed));
    map.insert("extra".into(), Dynamic::from_array(extra));
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_compare_as_the_server_stores_them() {
        assert_eq!(desired_values("startport", &json!(22)), ["22"]);
        assert_eq!(
            desired_values("cidrlist", &json!("10.0.0.0/8, 0.0.0.0/0")),
            ["0.0.0.0/0", "10.0.0.0/8"]
        );
        let vm = json!({"nic": [{"networkid": "b"}, {"networkid": "a"}], "name": "Web"});
        assert_eq!(
            answer_values(&vm, "nic[].networkid", "networkids").unwrap(),
            ["a", "b"]
        );
        assert_eq!(desired_values("networkids", &json!(["b", "a"])), ["a", "b"]);
        assert!(answer_values(&vm, "zoneid", "zoneid").is_none());
        assert!(same(&["web".into()], &["Web".into()], true));
        assert!(!same(&["web".into()], &["Web".into()], false));
    }

    #[test]
    fn the_entity_of_an_answer_is_its_one_object() {
        assert_eq!(
            entity_of(&json!({"network": {"id": "n"}})),
            json!({"id": "n"})
        );
        assert_eq!(
            entity_of(&json!({"success": true})),
            json!({"success": true})
        );
    }
}
