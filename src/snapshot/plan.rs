//! `csctl run --plan`: what a script's state-changing calls did to the
//! rehearsal simulator (its journal), as a plan: each call in order with
//! its parameters (secrets redacted) and what it created, changed or
//! deleted, then a summary.

use serde::Serialize;
use serde_json::{Map, Value};

use csctl::client::trace::{is_secret_name, REDACTED};
use csctl::sim::JournalEntry;

/// What a call did to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new resource.
    Create,
    /// An existing resource changed.
    Change,
    /// A resource went.
    Delete,
}

/// One resource a call touched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Effect {
    /// Created, changed or deleted.
    pub action: Action,
    /// Resource type, as the answer names it (`virtualmachine`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// Its id, when known.
    pub id: Option<String>,
}

/// One state-changing call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The command.
    pub command: String,
    /// Its parameters, secrets redacted.
    pub params: Map<String, Value>,
    /// `ok`, or `failed` (its job failed) or `refused` (answered with an error).
    pub outcome: &'static str,
    /// The error text when it failed or was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What it did.
    pub effects: Vec<Effect>,
}

/// The plan: the steps and the totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Every state-changing call, in order.
    pub calls: Vec<Step>,
    /// Per action, per resource type, how many (in order of first appearance).
    pub summary: Summary,
}

/// Totals per action and resource type.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Created resources by type.
    pub creates: Vec<(String, usize)>,
    /// Changed resources by type.
    pub changes: Vec<(String, usize)>,
    /// Deleted resources by type.
    pub deletes: Vec<(String, usize)>,
}

const CREATE_VERBS: &[&str] = &[
    "create",
    "add",
    "register",
    "deploy",
    "associate",
    "copy",
    "import",
    "upload",
    "authorize",
];
const DELETE_VERBS: &[&str] = &[
    "delete",
    "remove",
    "release",
    "destroy",
    "disassociate",
    "revoke",
    "expunge",
    "purge",
];

/// A parameter whose value a plan does not show.
fn is_secret_param(name: &str) -> bool {
    is_secret_name(name) || super::secrets::is_secret_field(name)
}

/// The action of a command, from its verb: `addNicToVirtualMachine` and
/// `removeFromLoadBalancerRule` change the object they name.
fn action_of(command: &str) -> (Action, String) {
    let catalog = csctl::catalog::builtin();
    let (verb, noun) = match catalog.get(command) {
        Some(api) => (api.verb().to_string(), api.noun().to_string()),
        None => (command.to_string(), String::new()),
    };
    let relation = ["To", "From"]
        .iter()
        .find_map(|word| noun.split_once(word).map(|(_, object)| object.to_string()));
    let kind = singular(
        &relation
            .clone()
            .unwrap_or_else(|| noun.clone())
            .to_ascii_lowercase(),
    );
    let action = if relation.is_some() {
        Action::Change
    } else if CREATE_VERBS.contains(&verb.as_str()) {
        Action::Create
    } else if DELETE_VERBS.contains(&verb.as_str()) {
        Action::Delete
    } else {
        Action::Change
    };
    (action, kind)
}

/// A command noun as a resource type, lower case and singular, with the
/// server's aliases: `IpAddress` is a `publicipaddress`, `VM` a
/// `virtualmachine` (so a type reads the same in creates and deletes).
fn singular(word: &str) -> String {
    let word = if word.ends_with("ss") {
        word
    } else {
        word.strip_suffix('s').unwrap_or(word)
    };
    match word {
        "ipaddress" | "publicip" => "publicipaddress".into(),
        "vm" | "uservm" => "virtualmachine".into(),
        "keypair" => "sshkeypair".into(),
        other => other.to_string(),
    }
}

/// The first object with an `id` in an answer or job result, with its key.
fn object_in(value: &Value) -> Option<(String, &Map<String, Value>)> {
    let map = value.as_object()?;
    if map.contains_key("id") {
        return None;
    }
    map.iter().find_map(|(key, inner)| {
        inner
            .as_object()
            .filter(|o| o.contains_key("id"))
            .map(|o| (key.clone(), o))
    })
}

fn text(map: &Map<String, Value>, field: &str) -> Option<String> {
    map.get(field).and_then(Value::as_str).map(str::to_string)
}

fn error_text(value: Option<&Value>) -> Option<String> {
    value?
        .get("errortext")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The plan of a journal.
pub fn plan(journal: &[JournalEntry]) -> Plan {
    let mut calls = Vec::with_capacity(journal.len());
    for entry in journal {
        let params: Map<String, Value> = entry
            .params
            .iter()
            .map(|(name, value)| {
                let shown = if is_secret_param(name) {
                    REDACTED
                } else {
                    value.as_str()
                };
                (name.clone(), Value::String(shown.to_string()))
            })
            .collect();
        let (action, noun_kind) = action_of(&entry.command);
        let mut step = Step {
            command: entry.command.clone(),
            params,
            outcome: "ok",
            error: None,
            effects: Vec::new(),
        };
        if entry.status != 200 {
            step.outcome = "refused";
            step.error = error_text(Some(&entry.answer));
            calls.push(step);
            continue;
        }
        if entry.job_failed {
            step.outcome = "failed";
            step.error = error_text(entry.job_result.as_ref());
            calls.push(step);
            continue;
        }
        let result = entry.job_result.as_ref().unwrap_or(&entry.answer);
        let param = |name: &str| {
            entry
                .params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let effect = match (action, object_in(result)) {
            (Action::Delete, found) => Effect {
                action,
                kind: if noun_kind.is_empty() {
                    found
                        .as_ref()
                        .map_or_else(String::new, |(key, _)| key.clone())
                } else {
                    noun_kind.clone()
                },
                name: entry
                    .target_name
                    .clone()
                    .or_else(|| found.as_ref().and_then(|(_, o)| text(o, "name")))
                    .or_else(|| param("name")),
                id: param("id").or_else(|| found.as_ref().and_then(|(_, o)| text(o, "id"))),
            },
            (_, Some((key, object))) => Effect {
                action,
                kind: if noun_kind.is_empty() {
                    key
                } else {
                    noun_kind.clone()
                },
                name: text(object, "name")
                    .or_else(|| text(object, "displayname"))
                    .or_else(|| text(object, "ipaddress")),
                id: text(object, "id"),
            },
            (_, None) => Effect {
                action,
                kind: noun_kind.clone(),
                name: entry.target_name.clone(),
                id: param("id"),
            },
        };
        step.effects.push(effect);
        calls.push(step);
    }
    let summary = summarize(&calls);
    Plan { calls, summary }
}

fn summarize(calls: &[Step]) -> Summary {
    let mut summary = Summary::default();
    for effect in calls.iter().flat_map(|c| &c.effects) {
        let bucket = match effect.action {
            Action::Create => &mut summary.creates,
            Action::Change => &mut summary.changes,
            Action::Delete => &mut summary.deletes,
        };
        match bucket.iter_mut().find(|(kind, _)| *kind == effect.kind) {
            Some((_, count)) => *count += 1,
            None => bucket.push((effect.kind.clone(), 1)),
        }
    }
    summary
}

impl Summary {
    /// `creates 20 virtualmachine, 1 loadbalancerrule; changes 0; deletes 0`.
    pub fn line(&self) -> String {
        let part = |word: &str, bucket: &[(String, usize)]| {
            if bucket.is_empty() {
                format!("{word} 0")
            } else {
                let items: Vec<String> = bucket
                    .iter()
                    .map(|(kind, n)| format!("{n} {kind}"))
                    .collect();
                format!("{word} {}", items.join(", "))
            }
        };
        format!(
            "{}; {}; {}",
            part("creates", &self.creates),
            part("changes", &self.changes),
            part("deletes", &self.deletes)
        )
    }
}

impl Plan {
    /// The plan for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Plan: {} state-changing call{} (nothing was sent to the cloud)\n",
            self.calls.len(),
            if self.calls.len() == 1 { "" } else { "s" }
        ));
        for (number, step) in self.calls.iter().enumerate() {
            let params: Vec<String> = step
                .params
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            out.push_str(&format!(
                "{:>4}. {} {}\n",
                number + 1,
                step.command,
                params.join(" ")
            ));
            if let Some(error) = &step.error {
                out.push_str(&format!("      {}: {error}\n", step.outcome));
            }
            for effect in &step.effects {
                let verb = match effect.action {
                    Action::Create => "creates",
                    Action::Change => "changes",
                    Action::Delete => "deletes",
                };
                let mut line = format!("      {verb} {}", effect.kind);
                if let Some(name) = &effect.name {
                    line.push_str(&format!(" {name}"));
                }
                if let Some(id) = &effect.id {
                    line.push_str(&format!(" ({id})"));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out.push_str(&self.summary.line());
        out.push('\n');
        out
    }

    /// The plan for tools: `{"calls": [...], "summary": {"creates":
    /// {"virtualmachine": 20}, "changes": {}, "deletes": {}}}`.
    pub fn json(&self) -> Value {
        let bucket = |items: &[(String, usize)]| {
            Value::Object(
                items
                    .iter()
                    .map(|(k, n)| (k.clone(), Value::from(*n)))
                    .collect(),
            )
        };
        serde_json::json!({
            "calls": self.calls,
            "summary": {
                "creates": bucket(&self.summary.creates),
                "changes": bucket(&self.summary.changes),
                "deletes": bucket(&self.summary.deletes),
                "line": self.summary.line(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        command: &str,
        params: &[(&str, &str)],
        answer: Value,
        job: Option<Value>,
    ) -> JournalEntry {
        JournalEntry {
            command: command.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: 200,
            answer,
            job_result: job,
            job_failed: false,
            target_name: Some("old".into()),
        }
    }

    #[test]
    fn creates_changes_and_deletes_are_told_apart() {
        let journal = vec![
            entry(
                "deployVirtualMachine",
                &[
                    ("name", "web-1"),
                    ("userdata", "c2VjcmV0"),
                    ("password", "p"),
                ],
                serde_json::json!({"jobid": "j1", "id": "v1"}),
                Some(serde_json::json!({"virtualmachine": {"id": "v1", "name": "web-1"}})),
            ),
            entry(
                "assignToLoadBalancerRule",
                &[("id", "lb1")],
                serde_json::json!({"jobid": "j2"}),
                Some(serde_json::json!({"success": true})),
            ),
            entry(
                "deleteSSHKeyPair",
                &[("name", "k")],
                serde_json::json!({"success": "true"}),
                None,
            ),
        ];
        let plan = plan(&journal);
        assert_eq!(plan.calls[0].params["userdata"], REDACTED);
        assert_eq!(plan.calls[0].params["password"], REDACTED);
        assert_eq!(
            plan.calls[0].effects[0],
            Effect {
                action: Action::Create,
                kind: "virtualmachine".into(),
                name: Some("web-1".into()),
                id: Some("v1".into())
            }
        );
        assert_eq!(plan.calls[1].effects[0].action, Action::Change);
        assert_eq!(plan.calls[1].effects[0].kind, "loadbalancerrule");
        assert_eq!(plan.calls[2].effects[0].kind, "sshkeypair");
        assert_eq!(
            plan.summary.line(),
            "creates 1 virtualmachine; changes 1 loadbalancerrule; deletes 1 sshkeypair"
        );
    }
}
