//! The generic resource model: every catalogue command without hand-written
//! semantics is answered from the catalogue's description of it.
//!
//! What a command does is the catalogue's [`Verb`]:
//!
//! - `create…`, `add…`, `register…` (and the other creating verbs) make a
//!   new object of the command's kind (see [`kind_of`]) with an id, the given
//!   parameters in their matching fields and plausible typed values for the
//!   catalogue's other fields.
//! - `list…` lists the live objects of its kind: `count` and the list key,
//!   filtered by `id`, `ids`, `name`, `keyword`, `tags` and any parameter
//!   named like a field; paged.
//! - `update…` and every other changing verb change the given fields of the
//!   object named by `id`; other reads (`get…`) change nothing.
//! - `delete…`, `remove…`, `release…`, `destroy…`, `unregister…` make it
//!   gone from later lists.
//!
//! Async commands go through the same job machinery as the hand-written
//! ones, with the result under the catalogue's key (or `{"success": true}`
//! for the commands that answer directly). Hand-written groups reuse these
//! pieces for their own objects.

use serde_json::{Map, Value};

use super::{async_reply, paged, paging, Ctx, Ids, Keyword};
use crate::catalog::{FieldType, Fields, ValueType, Verb};
use crate::sim::api::views::DOMAIN;
use crate::sim::objects::{kind_of, split_verb, Obj};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{cs_date, State};

/// Parameters that never filter a list.
const NOT_FILTERS: &[&str] = &[
    "command",
    "response",
    "apikey",
    "signature",
    "signatureversion",
    "expires",
    "sessionkey",
    "page",
    "pagesize",
    "keyword",
    "listall",
    "isrecursive",
    "id",
    "ids",
    "name",
    "_",
];

/// Answers a command from the catalogue alone.
pub(crate) fn run(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = ctx.api.name;
    let kind = kind_of(name);
    let verb = Verb::of(name);
    let response = &ctx.api.cat.response;
    if split_verb(name).0 == "list" && response.list {
        return list(ctx, params, &kind);
    }
    if verb == Verb::Create && !response.direct {
        // A typed kind owns every object of its kind: a generic row of it
        // would be seen by no typed list (`importVm` is the one such
        // command without a handler).
        if crate::sim::kinds::Entity::of_kind(&kind).is_some() {
            return Err(ApiError::invalid(format!(
                "The simulator does not simulate {name}: its {kind}s are made by their own commands"
            )));
        }
        let index = create(ctx.st, params, &kind, response.fields(), ctx.wall);
        return Ok(answer(ctx, params, Outcome::object(index)));
    }
    let target = target(ctx.st, params, &kind);
    let mut outcome = match target {
        Some(index) => Outcome::object(index),
        None => Outcome::none(),
    };
    if verb == Verb::Delete {
        outcome.remove = true;
    } else if verb == Verb::Change {
        outcome.updates = updates(params, response.fields());
        match split_verb(name).0 {
            "enable" => {
                outcome.updates.insert("state".into(), "Enabled".into());
            }
            "disable" => {
                outcome.updates.insert("state".into(), "Disabled".into());
            }
            _ => {}
        }
    }
    Ok(answer(ctx, params, outcome))
}

/// What a command does to one object, applied at once (sync) or when its
/// job completes (async).
pub(crate) struct Outcome {
    /// The object acted on, if it is one of the store's.
    pub target: Option<usize>,
    /// Fields to change.
    pub updates: Map<String, Value>,
    /// Whether it goes away.
    pub remove: bool,
}

impl Outcome {
    /// Acting on this object.
    pub fn object(index: usize) -> Self {
        Outcome {
            target: Some(index),
            updates: Map::new(),
            remove: false,
        }
    }

    /// Acting on nothing the store holds.
    pub fn none() -> Self {
        Outcome {
            target: None,
            updates: Map::new(),
            remove: false,
        }
    }
}

/// The answer's shape, from the catalogue.
#[derive(Clone)]
enum Shape {
    Success,
    Object(String),
    List(String, String),
}

fn shape(ctx: &Ctx<'_>) -> Shape {
    let response = &ctx.api.cat.response;
    let key = response.key_or_guess().map(str::to_string);
    match key {
        _ if response.direct => Shape::Success,
        Some(key) if response.list => Shape::List(key, kind_of(ctx.api.name)),
        Some(key) => Shape::Object(key),
        None => Shape::Success,
    }
}

/// Applies an outcome now (sync) or in a job (async) and answers.
pub(crate) fn answer(ctx: &mut Ctx<'_>, params: &Params, outcome: Outcome) -> Reply {
    let shape = shape(ctx);
    let synthetic = synthesize(ctx, params, outcome.target);
    if ctx.api.is_async() {
        let created = Verb::of(ctx.api.name) == Verb::Create;
        let id = outcome.target.map(|i| ctx.st.objects[i].id().to_string());
        let job = NewJob {
            cmd: ctx.api.job_cmd,
            instance_type: None,
            instance_id: id.clone(),
            action: Action::Effect(Box::new(move |st: &mut State| {
                apply(st, outcome, &shape, synthetic)
            })),
            failure: None,
        };
        let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
        let shown = if created { id.as_deref() } else { None };
        return async_reply(ctx, shown, job);
    }
    let inner = apply(ctx.st, outcome, &shape, synthetic);
    Reply::ok(envelope(ctx.api.key, &inner))
}

/// An object answer for commands that act on nothing the store holds: the
/// typed row the parameters name (a VM, a network…), or plausible values
/// (`getVMPassword`…) with the given id.
fn synthesize(ctx: &mut Ctx<'_>, params: &Params, target: Option<usize>) -> Option<Value> {
    if target.is_some() {
        return None;
    }
    let response = &ctx.api.cat.response;
    if let Some(view) = response
        .key_or_guess()
        .and_then(|key| typed_view(ctx.st, key, params))
    {
        return Some(view);
    }
    let fields = response.fields();
    let kind = kind_of(ctx.api.name);
    let id = match params.get("id") {
        Some(id) => id.to_string(),
        None => ctx.st.uuid(),
    };
    let mut map = plausible_fields(ctx.st, params, &kind, fields, ctx.wall, &id);
    if fields.get("id").is_some() {
        map.insert("id".into(), id.into());
    }
    for (name, value) in updates(params, fields) {
        map.insert(name, value);
    }
    Some(Value::Object(map))
}

/// The hand-written row an answer of this key shows, named by `id` or
/// `<key>id`.
fn typed_view(st: &State, key: &str, params: &Params) -> Option<Value> {
    let id = |own: &str| params.get("id").or_else(|| params.get(own));
    let value = match key {
        "virtualmachine" => {
            serde_json::to_value(st.vm_view(st.vm(id("virtualmachineid")?)?, false))
        }
        "network" => serde_json::to_value(st.network_view(st.network(id("networkid")?)?)),
        "zone" => serde_json::to_value(st.zone_view(st.zone(id("zoneid")?)?)),
        "template" => {
            let template = st.template(id("templateid")?)?;
            let zone = *st.templates[template].zones.first()?;
            serde_json::to_value(st.template_view(template, zone))
        }
        "serviceoffering" => {
            serde_json::to_value(st.offering_view(st.offering(id("serviceofferingid")?)?))
        }
        "ipaddress" | "publicipaddress" => {
            serde_json::to_value(st.ip_view(st.ip(id("ipaddressid")?)?))
        }
        "portforwardingrule" => serde_json::to_value(st.rule_view(st.rule(id("ruleid")?)?)),
        _ => return None,
    };
    value.ok()
}

/// Applies an outcome; the answer's inner object.
fn apply(st: &mut State, outcome: Outcome, shape: &Shape, synthetic: Option<Value>) -> Value {
    if let Some(index) = outcome.target {
        let obj = &mut st.objects[index];
        for (name, value) in outcome.updates {
            obj.fields.insert(name, value);
        }
        if outcome.remove {
            obj.removed = true;
            let id = obj.id().to_string();
            st.remove_tags(&id, |_| true);
        }
    }
    match shape {
        Shape::Success => serde_json::json!({ "success": true }),
        Shape::Object(key) => {
            let view = match outcome.target {
                Some(index) => view(st, index),
                None => synthetic.unwrap_or_else(|| Value::Object(Map::new())),
            };
            let mut inner = Map::new();
            inner.insert(key.clone(), view);
            Value::Object(inner)
        }
        Shape::List(key, kind) => {
            let items: Vec<Value> = st.objects.of_kind(kind).map(|i| view(st, i)).collect();
            let mut inner = Map::new();
            if !items.is_empty() {
                inner.insert("count".into(), items.len().into());
                inner.insert(key.clone(), Value::Array(items));
            }
            Value::Object(inner)
        }
    }
}

/// An object as answers show it: its fields, with its live tags.
pub(crate) fn view(st: &State, index: usize) -> Value {
    let obj = &st.objects[index];
    let mut fields = obj.fields.clone();
    if fields.contains_key("tags") {
        let tags: Vec<Value> = st
            .tags_of(obj.id())
            .map(|tag| serde_json::to_value(st.tag_view(tag)).expect("in-memory"))
            .collect();
        fields.insert("tags".into(), Value::Array(tags));
    }
    Value::Object(fields)
}

/// The object a command names: by `id`, `<kind>id`, or `name`.
pub(crate) fn target(st: &State, params: &Params, kind: &str) -> Option<usize> {
    let own_id = format!("{kind}id");
    for key in ["id", own_id.as_str()] {
        if let Some(index) = params.get(key).and_then(|id| st.objects.find(id)) {
            return (!st.objects[index].removed).then_some(index);
        }
    }
    params
        .get("name")
        .and_then(|name| st.objects.find_by(kind, "name", name))
}

/// The given parameters that are fields of the answer, typed.
fn updates(params: &Params, fields: &Fields) -> Map<String, Value> {
    let mut updates = Map::new();
    for field in fields.iter() {
        let lower = field.name.to_ascii_lowercase();
        if lower == "id" {
            continue;
        }
        if let Some(value) = param_value(params, &lower, &field.kind) {
            updates.insert(field.name.clone(), value);
        }
    }
    updates
}

/// A parameter's value typed as the field it fills.
fn param_value(params: &Params, lower: &str, kind: &FieldType) -> Option<Value> {
    match kind {
        FieldType::Value(ty) => params.get(lower).map(|text| typed(text, *ty)),
        FieldType::Values(_) => params.get(lower).map(|text| {
            Value::Array(
                crate::sim::params::split_list(text)
                    .into_iter()
                    .map(|v| Value::String(v.to_string()))
                    .collect(),
            )
        }),
        FieldType::Object(_) => params.has_map(lower).then(|| {
            Value::Object(
                params
                    .flat_map(lower)
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )
        }),
        FieldType::Objects(_) => None,
    }
}

/// Text as a JSON value of a type.
fn typed(text: &str, ty: ValueType) -> Value {
    match ty {
        ValueType::Integer | ValueType::Short | ValueType::Long => text
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.into()), Value::from),
        ValueType::Double | ValueType::Float => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.into()), Value::Number),
        ValueType::Boolean => Value::Bool(text.eq_ignore_ascii_case("true")),
        _ => Value::String(text.into()),
    }
}

/// Makes a new object of a kind from the parameters and the answer's
/// fields; returns its index.
pub(crate) fn create(
    st: &mut State,
    params: &Params,
    kind: &str,
    fields: &Fields,
    wall: chrono::DateTime<chrono::Utc>,
) -> usize {
    let id = st.uuid();
    let mut map = plausible_fields(st, params, kind, fields, wall, &id);
    map.insert("id".into(), Value::String(id));
    for field in fields.iter() {
        let lower = field.name.to_ascii_lowercase();
        if lower == "id" {
            continue;
        }
        if let Some(value) = param_value(params, &lower, &field.kind) {
            map.insert(field.name.clone(), value);
        }
    }
    fill_names(st, &mut map);
    st.objects.add(Obj::new(kind, map))
}

/// The state a new object of a kind starts in.
fn initial_state(kind: &str) -> &'static str {
    match kind {
        "volume" | "vmsnapshot" => "Ready",
        "snapshot" => "BackedUp",
        "host" | "storagepool" => "Up",
        "account" | "user" => "enabled",
        "project" | "firewallrule" | "portforwardingrule" | "loadbalancerrule"
        | "ipforwardingrule" | "kubernetescluster" => "Active",
        "network" | "vpc" => "Implemented",
        _ => "Enabled",
    }
}

/// Plausible values for the fields of a new object, by name and type.
fn plausible_fields(
    st: &State,
    params: &Params,
    kind: &str,
    fields: &Fields,
    wall: chrono::DateTime<chrono::Utc>,
    id: &str,
) -> Map<String, Value> {
    let created = cs_date(wall);
    let name = params.get("name").map_or_else(
        || format!("{kind}-{}", id.chars().take(8).collect::<String>()),
        str::to_string,
    );
    let zone = st.zones.first();
    let mut map = Map::new();
    for field in fields.iter() {
        let value: Option<Value> = match (field.name.as_str(), &field.kind) {
            ("id" | "jobid" | "jobstatus", _) => None,
            ("name", _) => Some(name.clone().into()),
            ("displaytext" | "displayname" | "description", FieldType::Value(_)) => {
                Some(name.clone().into())
            }
            ("account", _) => Some(st.account.name.clone().into()),
            ("accountid", _) => Some(st.account.id.clone().into()),
            ("domain" | "domainpath", _) => Some(DOMAIN.into()),
            ("domainid", _) => Some(st.account.domainid.clone().into()),
            ("created", _) => Some(created.clone().into()),
            ("state", FieldType::Value(ValueType::String)) => Some(initial_state(kind).into()),
            ("zoneid", _) => zone.map(|z| z.spec.id.clone().into()),
            ("zonename", _) => zone.map(|z| z.spec.name.clone().into()),
            ("tags", _) => Some(Value::Array(Vec::new())),
            (_, FieldType::Value(ValueType::Boolean)) => Some(false.into()),
            (_, FieldType::Value(ValueType::Integer | ValueType::Long | ValueType::Short)) => {
                Some(0.into())
            }
            (_, FieldType::Value(ValueType::Double | ValueType::Float)) => Some(0.0.into()),
            (_, FieldType::Value(ValueType::Date)) => Some(created.clone().into()),
            (_, FieldType::Values(_) | FieldType::Objects(_)) => Some(Value::Array(Vec::new())),
            _ => None,
        };
        if let Some(value) = value {
            map.insert(field.name.clone(), value);
        }
    }
    map
}

/// `<x>name` fields from the `<x>id` fields: the name of the object named.
fn fill_names(st: &State, map: &mut Map<String, Value>) {
    let names: Vec<(String, String)> = map
        .iter()
        .filter_map(|(field, value)| {
            let stem = field.strip_suffix("id")?;
            let id = value.as_str()?;
            let name = st.name_of(id)?;
            [format!("{stem}name"), format!("{stem}displayname")]
                .into_iter()
                .find(|key| map.contains_key(key))
                .map(|key| (key, name))
        })
        .collect();
    for (field, name) in names {
        map.insert(field, Value::String(name));
    }
}

/// The live objects of a kind that a list command's filters keep; `fields`
/// are the list's fields (a parameter named like one filters by it).
pub(crate) fn matching(st: &State, params: &Params, kind: &str, fields: &Fields) -> Vec<usize> {
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    // `securitygroupname` filters by `name`, unless it is a field itself
    // (`username` of users).
    let mut name_alias = format!("{kind}name");
    if fields.get(&name_alias).is_some() {
        name_alias.clear();
    }
    let name = params
        .get("name")
        .or_else(|| params.get(&name_alias).filter(|_| !name_alias.is_empty()));
    let owned = crate::sim::state::tenants::is_owned(kind, fields);
    let filters: Vec<(String, &str)> = params
        .scalars()
        .filter(|(key, _)| {
            !NOT_FILTERS.contains(key)
                && (name_alias.is_empty() || *key != name_alias)
                // An owned kind's owner parameters are the visibility
                // rule's (tenants.rs), not filters by field.
                && (!owned || !matches!(*key, "account" | "domainid" | "projectid"))
        })
        .filter_map(|(key, value)| {
            fields
                .iter()
                .find(|field| field.name.eq_ignore_ascii_case(key))
                .map(|field| (field.name.clone(), value))
        })
        .collect();
    st.objects
        .of_kind(kind)
        .filter(|&i| {
            let obj = &st.objects[i];
            ids.allows(obj.id())
                && name.is_none_or(|n| obj.str("name").is_some_and(|v| v.eq_ignore_ascii_case(n)))
                && keyword.allows(&[
                    obj.str("name").unwrap_or_default(),
                    obj.str("displaytext").unwrap_or_default(),
                    obj.str("description").unwrap_or_default(),
                ])
                && filters
                    .iter()
                    .all(|(key, value)| field_allows(obj, key, value))
                && st.has_tags(obj.id(), &tags)
        })
        .collect()
}

/// Whether an object's field equals a filter's value (an object without
/// the field does not match).
fn field_allows(obj: &Obj, key: &str, value: &str) -> bool {
    let Some(field) = obj.fields.get(key) else {
        return false;
    };
    match field {
        Value::String(text) => text.eq_ignore_ascii_case(value),
        Value::Bool(b) => value.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => n.to_string() == value.trim(),
        Value::Null => false,
        _ => true,
    }
}

/// A generic list answer.
pub(crate) fn list(ctx: &mut Ctx<'_>, params: &Params, kind: &str) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let key = ctx
        .api
        .cat
        .response
        .key_or_guess()
        .unwrap_or("null")
        .to_string();
    let mut matches = matching(ctx.st, params, kind, ctx.api.cat.response.fields());
    let st = &*ctx.st;
    let fields = ctx.api.cat.response.fields();
    crate::sim::state::tenants::retain_visible(
        st,
        &ctx.caller,
        params,
        kind,
        fields,
        &mut matches,
    )?;
    if let Some(filter) = params.get("isofilter") {
        matches.retain(|&i| image_filter_allows(&st.objects[i], filter, &ctx.caller.account));
    }
    Ok(paged(ctx, &key, &matches, &page, |i| view(st, i)))
}

/// Whether an ISO is listed under an `isofilter` (`TemplateFilter`):
/// `featured` ones, the caller's own (`self`, `selfexecutable`), none
/// shared with it by another account (`sharedexecutable`), featured,
/// public or own ones (`executable`), public ones not featured
/// (`community`), every one (`all`).
fn image_filter_allows(obj: &Obj, filter: &str, account: &str) -> bool {
    let flag = |name: &str| matches!(obj.fields.get(name), Some(Value::Bool(true)));
    let own = obj.str("account").is_none_or(|owner| owner == account);
    match filter.to_ascii_lowercase().as_str() {
        "featured" => flag("isfeatured"),
        "self" | "selfexecutable" => own,
        "sharedexecutable" => false,
        "executable" => flag("isfeatured") || flag("ispublic") || own,
        "community" => flag("ispublic") && !flag("isfeatured"),
        _ => true,
    }
}

/// Adds an object of a kind as the list command `list` shows it: plausible
/// values for its fields, overridden by `given` (which may hold the id).
pub(crate) fn seed(st: &mut State, list: &str, given: Map<String, Value>) -> usize {
    let fields = crate::sim::catalog::fields_of(list);
    let kind = kind_of(list);
    let wall = chrono::Utc::now();
    let id = match given.get("id").and_then(Value::as_str) {
        Some(id) => id.to_ascii_lowercase(),
        None => st.uuid(),
    };
    let mut params_name = Params::default();
    if let Some(name) = given.get("name").and_then(Value::as_str) {
        params_name = Params::single("name", name);
    }
    let mut map = plausible_fields(st, &params_name, &kind, fields, wall, &id);
    map.insert("id".into(), Value::String(id));
    for (name, value) in given {
        if name != "id" {
            map.insert(name, value);
        }
    }
    fill_names(st, &mut map);
    st.objects.add(Obj::new(kind, map))
}

/// Finishes creating a rule-like object as the server does: it is `Add`
/// until its job ends, then `Active`, and the job's result is its view
/// under `key` (firewall, IP forwarding and load balancer rules).
pub(crate) fn create_in_job(
    ctx: &mut Ctx<'_>,
    index: usize,
    instance_type: &'static str,
    key: &'static str,
) -> Result<Reply, ApiError> {
    let object = &mut ctx.st.objects[index];
    object.set("state", "Add");
    let id = object.id().to_string();
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some(instance_type),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.objects[index].set("state", "Active");
            serde_json::json!({ key: view(st, index) })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// Makes a new object with the fields of the list command `list`, from
/// these parameters.
pub(crate) fn create_as(ctx: &mut Ctx<'_>, params: &Params, list: &str) -> usize {
    let fields = crate::sim::catalog::fields_of(list);
    create(ctx.st, params, &kind_of(list), fields, ctx.wall)
}
