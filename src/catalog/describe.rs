//! Commands described for people (`csctl apis COMMAND`, the REPL's
//! `:help COMMAND`) and for tools (`-o json`).

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::model::{Api, FieldType, Fields, Origin, Param};
use super::Catalog;

/// The parameters in the order people read them: required ones first, then by name.
pub fn params_in_order(api: &Api) -> Vec<&Param> {
    let mut params: Vec<&Param> = api.params.iter().collect();
    params.sort_by(|a, b| b.required.cmp(&a.required).then(a.name.cmp(&b.name)));
    params
}

/// One line of a command list: name, `async` or not, required parameters.
pub fn summary_line(api: &Api, name_width: usize) -> String {
    let required: Vec<&str> = api.required().map(|param| &*param.name).collect();
    let line = format!(
        "{:name_width$}  {:5}  {}",
        api.name,
        if api.is_async { "async" } else { "" },
        required.join(" ")
    );
    format!("{}\n", line.trim_end())
}

/// A command list entry for tools.
pub fn summary_json(api: &Api) -> Value {
    json!({
        "name": api.name,
        "async": api.is_async,
        "required": api.required().map(|param| &*param.name).collect::<Vec<_>>(),
    })
}

/// A command described in full, as text: async or not, its description
/// (from a live catalogue), its parameters (type; for ids, the list command
/// that gives them; for maps, how entries are spelled) and its answer.
pub fn text(catalog: &Catalog, api: &Api) -> String {
    let mut text = api.name.to_string();
    if api.is_async {
        text.push_str(" (async: csctl waits for its job unless told not to)");
    }
    text.push('\n');
    if let Some(description) = api.description.as_deref().filter(|d| !d.is_empty()) {
        let _ = writeln!(text, "  {description}");
    }
    match api.origin {
        Origin::Live => text
            .push_str("  (known from this cloud's listApis only: a plugin or a newer version)\n"),
        _ if api.java_only => text.push_str("  (a plugin or server-only command)\n"),
        _ => {}
    }
    if api.params.is_empty() {
        text.push_str("\nNo parameters.\n");
    } else {
        text.push_str("\nParameters (* required):\n");
        let params = params_in_order(api);
        let name_width = params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        let type_width = params
            .iter()
            .map(|p| p.kind.as_str().len())
            .max()
            .unwrap_or(0);
        for param in params {
            let line = format!(
                "  {} {:name_width$}  {:type_width$}  {}",
                if param.required { '*' } else { ' ' },
                param.name,
                param.kind.as_str(),
                param_note(catalog, api, param)
            );
            let _ = writeln!(text, "{}", line.trim_end());
        }
    }
    text.push('\n');
    text.push_str(&answer_line(api));
    let fields = api.response.fields();
    if !fields.is_empty() {
        text.push_str(&wrap_fields(fields, 100));
    }
    text
}

fn param_note(catalog: &Catalog, api: &Api, param: &Param) -> String {
    let mut notes = Vec::new();
    if param.is_id() {
        if let Some(list) = catalog.list_command_for(api, &param.name) {
            notes.push(format!("ids from {}", list.name));
        }
    }
    if let Some(encoding) = &param.encoding {
        notes.push(format!("sent as {encoding}"));
    }
    if let Some(description) = param.description.as_deref().filter(|d| !d.is_empty()) {
        notes.push(description.to_string());
    }
    notes.join("; ")
}

fn answer_line(api: &Api) -> String {
    let response = &api.response;
    let place = if api.is_async {
        "the job result"
    } else {
        "the answer"
    };
    match (response.key_or_guess(), response.list, response.direct) {
        (_, _, true) => format!("Answer: fields directly in {place}\n"),
        (Some(key), true, _) => {
            format!("Answer: a list under \"{key}\" with \"count\" in {place}\n")
        }
        (Some(key), false, _) => format!("Answer: an object under \"{key}\" in {place}\n"),
        (None, _, _) => "Answer: (shape not known)\n".into(),
    }
}

fn wrap_fields(fields: &Fields, width: usize) -> String {
    let mut text = String::from("  fields:");
    let mut column = text.len();
    let count = fields.len();
    for (index, field) in fields.iter().enumerate() {
        let mut word = match &field.kind {
            FieldType::Object(_) => format!("{}{{…}}", field.name),
            FieldType::Objects(_) => format!("{}[{{…}}]", field.name),
            FieldType::Values(_) => format!("{}[]", field.name),
            FieldType::Value(_) => field.name.clone(),
        };
        if index + 1 < count {
            word.push(',');
        }
        if column + 1 + word.len() > width {
            text.push_str("\n   ");
            column = 3;
        }
        text.push(' ');
        text.push_str(&word);
        column += 1 + word.len();
    }
    text.push('\n');
    text
}

/// A command described in full, for tools.
pub fn json(catalog: &Catalog, api: &Api) -> Value {
    let params: Vec<Value> = params_in_order(api)
        .into_iter()
        .map(|param| {
            let mut entry = Map::new();
            entry.insert("name".into(), json!(param.name));
            entry.insert("type".into(), json!(param.kind.as_str()));
            entry.insert("required".into(), json!(param.required));
            if let Some(entity) = &param.entity {
                entry.insert("entity".into(), json!(entity));
            }
            if param.is_id() {
                if let Some(list) = catalog.list_command_for(api, &param.name) {
                    entry.insert("list_command".into(), json!(list.name));
                }
            }
            if let Some(encoding) = &param.encoding {
                entry.insert("encoding".into(), json!(encoding));
            }
            if let Some(description) = &param.description {
                entry.insert("description".into(), json!(description));
            }
            Value::Object(entry)
        })
        .collect();
    let response = &api.response;
    let mut answer = Map::new();
    answer.insert("key".into(), json!(response.key));
    if response.key.is_none() && response.key_guess.is_some() {
        answer.insert("key_guess".into(), json!(response.key_guess));
    }
    answer.insert("list".into(), json!(response.list));
    answer.insert("direct".into(), json!(response.direct));
    answer.insert("fields".into(), fields_json(response.fields()));
    if !response.also().is_empty() {
        let also: Map<String, Value> = response
            .also()
            .iter()
            .map(|(key, fields)| (key.clone(), json!([fields_json(fields)])))
            .collect();
        answer.insert("also".into(), Value::Object(also));
    }
    let mut entry = Map::new();
    entry.insert("name".into(), json!(api.name));
    entry.insert("async".into(), json!(api.is_async));
    if let Some(description) = &api.description {
        entry.insert("description".into(), json!(description));
    }
    entry.insert(
        "origin".into(),
        json!(match api.origin {
            Origin::Builtin => "builtin",
            Origin::Live => "live",
            Origin::Both => "builtin+live",
        }),
    );
    entry.insert("params".into(), Value::Array(params));
    entry.insert("response".into(), Value::Object(answer));
    Value::Object(entry)
}

/// Fields in the catalogue's own notation: `"string"`, `["string"]`,
/// `{...}`, `[{...}]`.
pub fn fields_json(fields: &Fields) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|field| (field.name.clone(), field_type_json(&field.kind)))
            .collect(),
    )
}

fn field_type_json(kind: &FieldType) -> Value {
    match kind {
        FieldType::Value(kind) => json!(kind.as_str()),
        FieldType::Values(kind) => json!([kind.as_str()]),
        FieldType::Object(fields) => fields_json(fields),
        FieldType::Objects(fields) => json!([fields_json(fields)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_reads_as_text() {
        let catalog = crate::catalog::builtin();
        let deploy = catalog.find("deployVirtualMachine").unwrap();
        let text = text(catalog, deploy);
        assert!(text.starts_with("deployVirtualMachine (async"), "{text}");
        assert!(
            text.contains("\n  * zoneid  ") || text.contains("\n  * zoneid "),
            "{text}"
        );
        assert!(text.contains("ids from listZones"), "{text}");
        assert!(
            text.contains("Answer: an object under \"virtualmachine\" in the job result"),
            "{text}"
        );
        assert!(text.contains("nic[{…}]"), "{text}");
        let first_optional = text.find("\n    ").unwrap();
        let last_required = text.rfind("\n  * ").unwrap();
        assert!(last_required < first_optional, "required first:\n{text}");

        let zones = catalog.find("listZones").unwrap();
        let text = super::text(catalog, zones);
        assert!(
            text.contains("a list under \"zone\" with \"count\""),
            "{text}"
        );
        assert!(
            text.contains("sent as tags[{i}].key={k}&tags[{i}].value={v}"),
            "{text}"
        );
        assert_eq!(summary_line(zones, 12), "listZones\n");
        let summary = summary_line(deploy, 20);
        assert!(summary.contains("async"), "{summary}");
        assert!(summary.contains("zoneid"), "{summary}");
    }

    #[test]
    fn a_command_reads_as_json() {
        let catalog = crate::catalog::builtin();
        let deploy = catalog.find("deployVirtualMachine").unwrap();
        let value = json(catalog, deploy);
        assert_eq!(value["async"], true);
        assert_eq!(value["response"]["key"], "virtualmachine");
        let zoneid = value["params"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "zoneid")
            .unwrap();
        assert_eq!(zoneid["list_command"], "listZones");
        assert_eq!(zoneid["required"], true);
        assert!(value["response"]["fields"]["nic"].is_array());
        assert_eq!(summary_json(deploy)["async"], true);
    }
}
