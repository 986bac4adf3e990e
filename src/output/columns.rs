//! Which columns a table shows: a chosen set per resource type (the list
//! key of the answer), a rule for the other types, or the fields the user
//! asked for with `--fields` / `filter=`.

use std::str::FromStr;

use serde_json::{Map, Value};

/// The fields to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fields {
    /// Tables and columns: the resource type's default columns, fitted to
    /// the width. JSON, JSON Lines and CSV: everything.
    #[default]
    Default,
    /// Every field (`--fields '*'`).
    All,
    /// These fields, in this order (`--fields name,state`). A name is a key
    /// of the row, a dotted path into it (`nic.ipaddress`), or the header of
    /// one of the type's default columns (`ip`, `zone`).
    Only(Vec<String>),
    /// Every field but these top-level ones (`--fields '!id,!tags'`), in
    /// every format.
    Except(Vec<String>),
}

impl Fields {
    /// Whether a row's top-level field `name` is shown when columns come
    /// from the rows' own keys (everything but the left-out ones).
    pub fn keeps(&self, name: &str) -> bool {
        match self {
            Self::Except(names) => !names.iter().any(|left| left.eq_ignore_ascii_case(name)),
            _ => true,
        }
    }
}

impl FromStr for Fields {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == "*" {
            return Ok(Self::All);
        }
        let names: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            return Err(format!(
                "`{text}` names no field: write e.g. name,state or '*'"
            ));
        }
        let left_out = names.iter().filter(|name| name.starts_with('!')).count();
        if left_out == 0 {
            return Ok(Self::Only(names));
        }
        if left_out < names.len() {
            return Err(format!(
                "`{text}` mixes fields to show and `!` fields to leave out: write either name,state or '!id,!tags'"
            ));
        }
        let names: Vec<String> = names
            .iter()
            .map(|name| name[1..].trim().to_string())
            .filter(|name| !name.is_empty())
            .collect();
        if names.is_empty() {
            return Err(format!("`{text}` names no field after `!`"));
        }
        Ok(Self::Except(names))
    }
}

/// One default column: its header, and where its value comes from (the
/// first candidate with a value; `a.b` looks inside `a`, in every element
/// when `a` is an array).
struct Spec {
    header: &'static str,
    sources: &'static [&'static str],
    /// Lower is kept longer when the width is short.
    priority: u8,
}

/// A [`Spec`] literal (a macro, not a function, so that the tables below
/// are promoted to statics).
macro_rules! col {
    ($header:expr, $sources:expr, $priority:expr) => {
        Spec {
            header: $header,
            sources: $sources,
            priority: $priority,
        }
    };
}

/// The default columns of the common resource types, by list key. The
/// order is the display order; `priority` decides what goes first when the
/// row does not fit (names, states and ids stay).
fn defaults_for(key: &str) -> Option<&'static [Spec]> {
    const NAME: &[&str] = &["name", "displayname"];
    const ZONE: &[&str] = &["zonename", "zone"];
    let specs: &'static [Spec] = match key {
        "virtualmachine" => &[
            col!("name", NAME, 0),
            col!("state", &["state"], 1),
            col!("zone", ZONE, 4),
            col!("ip", &["ipaddress", "nic.ipaddress"], 3),
            col!("offering", &["serviceofferingname"], 5),
            col!("template", &["templatename", "templatedisplaytext"], 6),
            col!("id", &["id"], 2),
        ],
        "zone" => &[
            col!("name", NAME, 0),
            col!("networktype", &["networktype"], 3),
            col!("allocationstate", &["allocationstate"], 4),
            col!("id", &["id"], 1),
        ],
        "network" => &[
            col!("name", NAME, 0),
            col!("state", &["state"], 2),
            col!("type", &["type"], 4),
            col!("cidr", &["cidr"], 3),
            col!("zone", ZONE, 5),
            col!("id", &["id"], 1),
        ],
        "template" | "iso" => &[
            col!("name", NAME, 0),
            col!("os", &["ostypename"], 3),
            col!("ready", &["isready"], 4),
            col!("zone", ZONE, 5),
            col!("id", &["id"], 1),
        ],
        "serviceoffering" => &[
            col!("name", NAME, 0),
            col!("cpus", &["cpunumber"], 2),
            col!("mhz", &["cpuspeed"], 4),
            col!("memory", &["memory"], 3),
            col!("id", &["id"], 1),
        ],
        "diskoffering" => &[
            col!("name", NAME, 0),
            col!("disksize", &["disksize"], 2),
            col!("storagetype", &["storagetype"], 3),
            col!("id", &["id"], 1),
        ],
        "publicipaddress" => &[
            col!("ip", &["ipaddress"], 0),
            col!("state", &["state"], 2),
            col!("zone", ZONE, 5),
            col!("vm", &["virtualmachinename"], 3),
            col!("sourcenat", &["issourcenat"], 4),
            col!("staticnat", &["isstaticnat"], 6),
            col!("id", &["id"], 1),
        ],
        "volume" => &[
            col!("name", NAME, 0),
            col!("type", &["type"], 3),
            col!("state", &["state"], 2),
            col!("size", &["size"], 4),
            col!("vm", &["vmname", "virtualmachinename"], 5),
            col!("zone", ZONE, 6),
            col!("id", &["id"], 1),
        ],
        "snapshot" => &[
            col!("name", NAME, 0),
            col!("state", &["state"], 2),
            col!("volume", &["volumename"], 3),
            col!("type", &["intervaltype", "snapshottype"], 5),
            col!("created", &["created"], 4),
            col!("id", &["id"], 1),
        ],
        "vmsnapshot" | "vmSnapshot" => &[
            col!("name", NAME, 0),
            col!("state", &["state"], 2),
            col!("vm", &["virtualmachinename"], 3),
            col!("created", &["created"], 4),
            col!("id", &["id"], 1),
        ],
        "account" => &[
            col!("name", NAME, 0),
            col!("type", &["roletype", "accounttype"], 3),
            col!("state", &["state"], 2),
            col!("domain", &["domain"], 4),
            col!("id", &["id"], 1),
        ],
        "user" => &[
            col!("username", &["username"], 0),
            col!("account", &["account"], 2),
            col!("state", &["state"], 3),
            col!("email", &["email"], 4),
            col!("id", &["id"], 1),
        ],
        "domain" => &[
            col!("name", NAME, 0),
            col!("path", &["path"], 2),
            col!("id", &["id"], 1),
        ],
        "host" => &[
            col!("name", NAME, 0),
            col!("type", &["type"], 3),
            col!("state", &["state"], 2),
            col!("ip", &["ipaddress"], 4),
            col!("zone", ZONE, 5),
            col!("id", &["id"], 1),
        ],
        "asyncjobs" | "job" => &[
            col!("jobid", &["jobid"], 0),
            col!("cmd", &["cmd"], 1),
            col!("status", &["jobstatus"], 2),
            col!("resultcode", &["jobresultcode"], 4),
            col!("created", &["created"], 3),
        ],
        "tag" => &[
            col!("key", &["key"], 0),
            col!("value", &["value"], 1),
            col!("resourcetype", &["resourcetype"], 2),
            col!("resourceid", &["resourceid"], 3),
        ],
        "sshkeypair" => &[
            col!("name", NAME, 0),
            col!("fingerprint", &["fingerprint"], 1),
            col!("id", &["id"], 2),
        ],
        "firewallrule" | "egressfirewallrule" => &[
            col!("ip", &["ipaddress"], 1),
            col!("protocol", &["protocol"], 2),
            col!("startport", &["startport"], 3),
            col!("endport", &["endport"], 4),
            col!("cidrlist", &["cidrlist"], 5),
            col!("state", &["state"], 6),
            col!("id", &["id"], 0),
        ],
        "portforwardingrule" => &[
            col!("ip", &["ipaddress"], 1),
            col!("publicport", &["publicport"], 2),
            col!("privateport", &["privateport"], 3),
            col!("protocol", &["protocol"], 4),
            col!("vm", &["virtualmachinename"], 5),
            col!("state", &["state"], 6),
            col!("id", &["id"], 0),
        ],
        "ipforwardingrule" => &[
            col!("ip", &["ipaddress"], 1),
            col!("protocol", &["protocol"], 2),
            col!("vm", &["virtualmachinename"], 3),
            col!("state", &["state"], 4),
            col!("id", &["id"], 0),
        ],
        "loadbalancerrule" => &[
            col!("name", NAME, 0),
            col!("ip", &["publicip"], 2),
            col!("publicport", &["publicport"], 3),
            col!("privateport", &["privateport"], 4),
            col!("algorithm", &["algorithm"], 5),
            col!("state", &["state"], 6),
            col!("id", &["id"], 1),
        ],
        "securitygroup" => &[
            col!("name", NAME, 0),
            col!("description", &["description"], 2),
            col!("id", &["id"], 1),
        ],
        "networkoffering" => &[
            col!("name", NAME, 0),
            col!("guestiptype", &["guestiptype"], 3),
            col!("state", &["state"], 2),
            col!("id", &["id"], 1),
        ],
        "vpc" => &[
            col!("name", NAME, 0),
            col!("state", &["state"], 2),
            col!("cidr", &["cidr"], 3),
            col!("zone", ZONE, 4),
            col!("id", &["id"], 1),
        ],
        "event" => &[
            col!("created", &["created"], 0),
            col!("level", &["level"], 2),
            col!("type", &["type"], 1),
            col!("description", &["description"], 3),
        ],
        _ => return None,
    };
    Some(specs)
}

/// A column of a table: its header, where its values come from, and how
/// long it stays when the width is short (lower stays longer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The header.
    pub header: String,
    /// Candidate paths; the first with a value gives the cell.
    pub sources: Vec<String>,
    /// Columns with the highest number go first when the row is too wide;
    /// `None`: never dropped (the user asked for it).
    pub priority: Option<u8>,
}

impl Column {
    /// The column of one field the user named.
    fn asked(name: &str, key: Option<&str>) -> Self {
        let mut sources = vec![name.to_string()];
        // A default column's header (`ip`, `zone`) also names its sources.
        if let Some(spec) = key
            .and_then(defaults_for)
            .and_then(|specs| specs.iter().find(|spec| spec.header == name))
        {
            sources.extend(spec.sources.iter().map(|source| source.to_string()));
        }
        Self {
            header: name.to_string(),
            sources,
            priority: None,
        }
    }

    /// This column's value in `row`.
    pub fn value(&self, row: &Value) -> Option<Value> {
        self.sources
            .iter()
            .find_map(|source| lookup(row, source).filter(|value| !is_empty(value)))
            .or_else(|| {
                // An asked-for field absent from the row: try its case.
                let name = self.sources.first()?;
                let fields = row.as_object()?;
                fields
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value.clone())
            })
    }
}

/// The value at `path` in `row`: a key, or `a.b.c`, looking into each
/// element of an array on the way (their values joined as an array).
pub fn lookup(row: &Value, path: &str) -> Option<Value> {
    if let Some(value) = row.get(path) {
        return Some(value.clone());
    }
    let (first, rest) = path.split_once('.')?;
    match row.get(first)? {
        Value::Array(items) => {
            let found: Vec<Value> = items
                .iter()
                .filter_map(|item| lookup(item, rest))
                .filter(|value| !is_empty(value))
                .collect();
            match found.len() {
                0 => None,
                1 => found.into_iter().next(),
                _ => Some(Value::Array(found)),
            }
        }
        inner => lookup(inner, rest),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The columns a table of `rows` (from the list `key`, when known) shows.
pub fn choose(rows: &[Value], key: Option<&str>, fields: &Fields) -> Vec<Column> {
    match fields {
        Fields::Only(names) => names.iter().map(|name| Column::asked(name, key)).collect(),
        Fields::All | Fields::Except(_) => union_of_keys(rows)
            .into_iter()
            .filter(|name| fields.keeps(name))
            .map(|name| Column {
                sources: vec![name.clone()],
                header: name,
                priority: None,
            })
            .collect(),
        Fields::Default => {
            let chosen = key
                .and_then(defaults_for)
                .map(|specs| {
                    specs
                        .iter()
                        .map(|spec| Column {
                            header: spec.header.to_string(),
                            sources: spec.sources.iter().map(|s| s.to_string()).collect(),
                            priority: Some(spec.priority),
                        })
                        .filter(|column| rows.iter().any(|row| column.value(row).is_some()))
                        .collect::<Vec<_>>()
                })
                .filter(|columns| columns.len() >= 2);
            chosen.unwrap_or_else(|| by_rule(rows))
        }
    }
}

/// The columns of a type without chosen defaults: its name (or display
/// name), state, the other `…name` fields, and its id; if that finds fewer
/// than two, the plain (not nested) fields in order.
fn by_rule(rows: &[Value]) -> Vec<Column> {
    let keys = union_of_keys(rows);
    let has = |name: &str| keys.iter().any(|key| key == name);
    let plain = |name: &str| {
        rows.iter().all(|row| {
            !matches!(
                row.get(name),
                Some(Value::Object(_)) | Some(Value::Array(_))
            )
        })
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut add = |name: &str, priority: u8| {
        columns.push(Column {
            header: name.to_string(),
            sources: vec![name.to_string()],
            priority: Some(priority),
        });
    };
    if has("name") {
        add("name", 0);
    } else if has("displayname") {
        add("displayname", 0);
    }
    if has("state") {
        add("state", 2);
    }
    let mut next = 3;
    for key in &keys {
        if key.ends_with("name") && key != "name" && key != "displayname" && plain(key) {
            add(key, next);
            next = next.saturating_add(1);
        }
    }
    if has("id") {
        add("id", 1);
    }
    if columns.len() >= 2 {
        return columns;
    }
    columns.clear();
    let mut priority = 0u8;
    for key in keys.iter().filter(|key| plain(key)) {
        columns.push(Column {
            header: key.clone(),
            sources: vec![key.clone()],
            priority: Some(priority),
        });
        priority = priority.saturating_add(1);
    }
    if columns.is_empty() {
        columns = keys
            .into_iter()
            .map(|key| Column {
                sources: vec![key.clone()],
                header: key,
                priority: None,
            })
            .collect();
    }
    columns
}

/// The union of the rows' keys, in first-seen order.
pub fn union_of_keys(rows: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(fields) = row {
            for key in fields.keys() {
                if !columns.iter().any(|column| column == key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

/// `row` with only the asked fields, in the asked order, named as asked
/// (fields a row does not have are left out).
pub fn project(row: &Value, names: &[String], key: Option<&str>) -> Value {
    let mut out = Map::new();
    for name in names {
        if let Some(value) = Column::asked(name, key).value(row) {
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.header.as_str()).collect()
    }

    #[test]
    fn virtual_machines_get_their_chosen_columns() {
        let rows = vec![json!({
            "id": "v", "name": "web", "state": "Running", "zonename": "z",
            "serviceofferingname": "small", "templatename": "debian",
            "nic": [{"ipaddress": "10.0.0.2"}], "cpunumber": 1
        })];
        let columns = choose(&rows, Some("virtualmachine"), &Fields::Default);
        assert_eq!(
            headers(&columns),
            ["name", "state", "zone", "ip", "offering", "template", "id"]
        );
        assert_eq!(columns[3].value(&rows[0]), Some(json!("10.0.0.2")));
    }

    #[test]
    fn other_types_follow_the_rule() {
        let rows =
            vec![json!({"id": "x", "name": "n", "state": "s", "zonename": "z", "big": {"a": 1}})];
        let columns = choose(&rows, Some("somethingnew"), &Fields::Default);
        assert_eq!(headers(&columns), ["name", "state", "zonename", "id"]);
        let rows = vec![json!({"key": "k", "value": "v", "nested": [1]})];
        assert_eq!(
            headers(&choose(&rows, None, &Fields::Default)),
            ["key", "value"]
        );
    }

    #[test]
    fn asked_fields_keep_their_order_and_aliases() {
        let row = json!({"name": "web", "State": "Running", "nic": [{"ipaddress": "10.0.0.2"}, {"ipaddress": "10.0.1.2"}]});
        let fields: Fields = "state, name,ip,nic.ipaddress,missing".parse().unwrap();
        let Fields::Only(names) = &fields else {
            panic!()
        };
        assert_eq!(
            project(&row, names, Some("virtualmachine")),
            json!({"state": "Running", "name": "web", "ip": ["10.0.0.2", "10.0.1.2"], "nic.ipaddress": ["10.0.0.2", "10.0.1.2"]})
        );
        assert_eq!("*".parse::<Fields>(), Ok(Fields::All));
        assert_eq!(
            "!id, !tags".parse::<Fields>(),
            Ok(Fields::Except(vec!["id".into(), "tags".into()]))
        );
        assert!("name,!id".parse::<Fields>().is_err());
        assert!("!".parse::<Fields>().is_err());
        assert!(",".parse::<Fields>().is_err());
    }
}
