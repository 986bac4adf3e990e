//! A live `listApis` answer: read leniently, and laid over the built-in
//! catalogue (its async flags and parameters win; its extra commands are
//! added).

use std::borrow::Cow;

use serde_json::Value;

use super::model::{Api, Field, FieldType, Fields, Origin, Param, Response, ValueType};

/// Reads a `listApis` answer (`{count, api: [...]}`), tolerating missing
/// fields and booleans sent as strings. Items without a name are skipped.
pub fn from_list_apis(answer: &Value) -> Result<Vec<Api>, String> {
    let Some(items) = answer.get("api").and_then(Value::as_array) else {
        return Err(match answer.as_object() {
            Some(fields) if fields.is_empty() => "listApis answered no APIs".into(),
            _ => "the listApis answer has no `api` list".into(),
        });
    };
    Ok(items.iter().filter_map(api_of).collect())
}

fn api_of(item: &Value) -> Option<Api> {
    let name = text(item, "name")?;
    let mut params: Vec<Param> = item
        .get("params")
        .and_then(Value::as_array)
        .map(|params| params.iter().filter_map(param_of).collect())
        .unwrap_or_default();
    params.sort_by(|a, b| a.name.cmp(&b.name));
    let fields = item
        .get("response")
        .and_then(Value::as_array)
        .map(|fields| fields_of(fields, 0))
        .unwrap_or_default();
    Some(Api {
        name: Cow::Owned(name),
        is_async: flag(item, "isasync"),
        params,
        response: Response::new(None, false, false, fields),
        description: text(item, "description"),
        java_only: false,
        origin: Origin::Live,
    })
}

fn param_of(item: &Value) -> Option<Param> {
    let mut param = Param::new(
        text(item, "name")?,
        ValueType::parse(&text(item, "type").unwrap_or_default()),
        flag(item, "required"),
    );
    param.related = text(item, "related")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    param.description = text(item, "description");
    Some(param)
}

/// `listApis` describes response fields as `[{name, type, response?: [...]}]`.
fn fields_of(items: &[Value], depth: usize) -> Fields {
    Fields(
        items
            .iter()
            .filter_map(|item| {
                let name = text(item, "name")?;
                let kind = ValueType::parse(&text(item, "type").unwrap_or_default());
                let nested = item
                    .get("response")
                    .and_then(Value::as_array)
                    .filter(|nested| !nested.is_empty() && depth < 4);
                let kind = match nested {
                    Some(nested) => {
                        let fields = fields_of(nested, depth + 1);
                        if matches!(kind, ValueType::List) {
                            FieldType::Objects(fields)
                        } else {
                            FieldType::Object(fields)
                        }
                    }
                    None => FieldType::Value(kind),
                };
                Some(Field { name, kind })
            })
            .collect(),
    )
}

/// `live` over `base`: the live name, async flag, description and
/// parameters (keeping the catalogue's entity and encoding of parameters
/// both know), and the catalogue's answer shape (`listApis` gives no key).
pub fn merge(base: &Api, live: Api) -> Api {
    let params = live
        .params
        .into_iter()
        .map(|mut param| {
            if let Some(known) = base.param(&param.name) {
                param.entity = known.entity.clone();
                param.encoding = known.encoding.clone();
                param.compat = known.compat;
                if param.kind == ValueType::Object {
                    param.kind = known.kind;
                }
            }
            param
        })
        .collect();
    Api {
        name: live.name,
        is_async: live.is_async,
        params,
        response: base.response.clone(),
        description: live.description,
        java_only: base.java_only,
        origin: Origin::Both,
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn flag(value: &Value, key: &str) -> bool {
    match value.get(key) {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(text)) => text.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
