//! `csctl run --plan`: what a script did to the rehearsal simulator, as a
//! plan. Two views of the same run:
//! - the calls: every state-changing request in order (the simulator's
//!   journal), with its parameters (secrets redacted, ids shown with the
//!   names of the objects they name) and its outcome: done, refused by the
//!   copy (with the server's error), or the failure that ended the script;
//! - the objects: what differs between the copy before and after the
//!   script ([`super::diff`]), so a call that touches several objects
//!   shows on each and changes show their fields before → after; kinds a
//!   snapshot does not list (users, domains…) come from the calls.

use serde::Serialize;
use serde_json::{Map, Value};

use super::diff::{self, Action, Change, Tense};
use super::inventory::{self, Inventory};
use csctl::client::trace::{is_secret_name, REDACTED};
use csctl::sim::JournalEntry;

/// How a call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done.
    Ok,
    /// The copy answered with an error (at once or through its job), and
    /// the script went on.
    Refused,
    /// The copy answered with an error and the script stopped there.
    Failed,
}

/// What a call did to one object, as its command and answer say.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Effect {
    /// Created, changed or deleted.
    pub action: Action,
    /// Resource type (`virtualmachine`…).
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
    /// How it went.
    pub outcome: Outcome,
    /// The server's error when it was refused or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What it did, by its command and answer.
    pub effects: Vec<Effect>,
}

/// The plan.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Every state-changing call, in order.
    pub calls: Vec<Step>,
    /// Every object created, changed or deleted, by kind.
    pub objects: Vec<Change>,
    /// What the copy could not know.
    pub notes: Vec<String>,
    /// The script's error, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The names of the copy's objects, before and after, by id.
    #[serde(skip)]
    names: Inventory,
}

/// A parameter whose value a plan does not show.
fn is_secret_param(name: &str) -> bool {
    is_secret_name(name) || super::secrets::is_secret_field(name)
}

/// The action of a command ([`csctl::catalog::Verb`], the one rule of
/// which commands create, change or delete) and the kind it acts on: the
/// noun, or for a command relating two objects the one it changes
/// (`addNicToVirtualMachine` changes a VM) or makes
/// (`createVMFromBackup` makes a VM).
fn action_of(command: &str) -> (Action, String) {
    use csctl::catalog::Verb;
    let catalog = csctl::catalog::builtin();
    let noun = catalog
        .get(command)
        .map_or_else(String::new, |api| api.noun().to_string());
    let action = match Verb::of(command) {
        Verb::Create => Action::Create,
        Verb::Delete => Action::Delete,
        Verb::Change | Verb::Read => Action::Change,
    };
    let relation = ["To", "From"].iter().find_map(|word| {
        noun.match_indices(word).find_map(|(at, _)| {
            let rest = &noun[at + word.len()..];
            rest.starts_with(|c: char| c.is_ascii_uppercase())
                .then(|| (noun[..at].to_string(), rest.to_string()))
        })
    });
    let noun = match relation {
        Some((made, _)) if action == Action::Create => made,
        Some((_, changed)) => changed,
        None => noun,
    };
    (action, singular(&noun.to_ascii_lowercase()))
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

/// `errortext (errorcode)` of an error answer or failed job.
fn error_text(value: Option<&Value>) -> Option<String> {
    let value = value?;
    let text = value.get("errortext").and_then(Value::as_str)?;
    Some(match value.get("errorcode") {
        Some(code) => format!("{text} (errorcode {code})"),
        None => text.to_string(),
    })
}

/// What the script's run left: its error (`None` when it succeeded).
pub struct Run<'a> {
    /// The simulator's journal, settled.
    pub journal: &'a [JournalEntry],
    /// The copy before the script.
    pub before: &'a Inventory,
    /// The copy after it.
    pub after: &'a Inventory,
    /// The script's error message, when it failed.
    pub error: Option<String>,
}

/// The plan of a run.
pub fn plan(run: &Run<'_>) -> Plan {
    let mut names = run.after.clone();
    names.learn_names(run.before);
    let mut calls: Vec<Step> = run.journal.iter().map(|e| step(e, &names)).collect();
    // The call that ended the script: the last one, refused, whose error
    // is the script's.
    if let (Some(error), Some(last)) = (&run.error, calls.last_mut()) {
        let entry = &run.journal[run.journal.len() - 1];
        let server_text = entry
            .job_result
            .as_ref()
            .filter(|_| entry.job_failed)
            .unwrap_or(&entry.answer)
            .get("errortext")
            .and_then(Value::as_str);
        if last.outcome == Outcome::Refused
            && error.contains(&last.command)
            && server_text.is_none_or(|t| error.contains(t))
        {
            last.outcome = Outcome::Failed;
        }
    }
    let mut objects = diff::diff(run.before, run.after);
    // What the calls say they did, for objects the copy's lists do not
    // show (kinds a snapshot does not list, such as users; objects the
    // simulator keeps only in its generic store): every call shows on the
    // object it acted on.
    let mut seen: Vec<String> = objects
        .iter()
        .filter_map(|c| c.id.as_ref().map(|id| id.to_ascii_lowercase()))
        .collect();
    let done: Vec<&Effect> = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Ok)
        .flat_map(|c| &c.effects)
        .collect();
    // Made and deleted by the script: nothing is left of it.
    let transient = |id: &str| {
        let has = |action| {
            done.iter().any(|e| {
                e.action == action && e.id.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(id))
            })
        };
        has(Action::Create) && has(Action::Delete)
    };
    for effect in done.iter().copied() {
        if effect.kind.is_empty()
            || (effect.id.is_none() && effect.name.is_none())
            || effect.id.as_deref().is_some_and(transient)
        {
            continue;
        }
        let known = match &effect.id {
            Some(id) => seen.contains(&id.to_ascii_lowercase()),
            // No id (tags): the lists show these when the kind is listed.
            None => inventory::KINDS.contains(&effect.kind.as_str()),
        };
        if known {
            continue;
        }
        if let Some(id) = &effect.id {
            seen.push(id.to_ascii_lowercase());
        }
        objects.push(Change {
            action: effect.action,
            kind: effect.kind.clone(),
            name: effect
                .name
                .clone()
                .or_else(|| effect.id.clone())
                .unwrap_or_default(),
            id: effect.id.clone(),
            fields: Vec::new(),
        });
    }
    objects.sort_by(|a, b| (&a.kind, a.action, &a.name).cmp(&(&b.kind, b.action, &b.name)));
    let notes = notes(&calls);
    Plan {
        calls,
        objects,
        notes,
        error: run.error.clone(),
        names,
    }
}

/// One journal entry as a step.
fn step(entry: &JournalEntry, names: &Inventory) -> Step {
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
    let mut step = Step {
        command: entry.command.clone(),
        params,
        outcome: Outcome::Ok,
        error: None,
        effects: Vec::new(),
    };
    if entry.status != 200 {
        step.outcome = Outcome::Refused;
        step.error = error_text(Some(&entry.answer));
        return step;
    }
    if entry.job_failed {
        step.outcome = Outcome::Refused;
        step.error = error_text(entry.job_result.as_ref());
        return step;
    }
    let (action, noun_kind) = action_of(&entry.command);
    let result = entry.job_result.as_ref().unwrap_or(&entry.answer);
    let param = |name: &str| {
        entry
            .params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    // The object a `…To…` / `…From…` call changes is named by its
    // `<kind>id` parameter, else by `id`.
    let target = param(&format!("{noun_kind}id")).or_else(|| param("id"));
    let target_name = entry.target_name.clone().or_else(|| {
        target
            .as_deref()
            .and_then(|id| names.name_of(id).map(str::to_string))
    });
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
            name: target_name
                .or_else(|| found.as_ref().and_then(|(_, o)| text(o, "name")))
                .or_else(|| param("name")),
            id: target.or_else(|| found.as_ref().and_then(|(_, o)| text(o, "id"))),
        },
        (Action::Create, Some((key, object))) => Effect {
            action,
            kind: if noun_kind.is_empty() {
                key
            } else {
                noun_kind.clone()
            },
            name: ["name", "username", "displayname", "ipaddress"]
                .iter()
                .find_map(|f| text(object, f)),
            id: text(object, "id"),
        },
        (_, _) => Effect {
            action,
            kind: noun_kind.clone(),
            name: target_name.or_else(|| param("name")),
            id: target,
        },
    };
    step.effects.push(effect);
    step
}

/// What the copy could not know, for the calls made.
fn notes(calls: &[Step]) -> Vec<String> {
    let made = |commands: &[&str]| {
        calls
            .iter()
            .any(|c| commands.iter().any(|m| c.command.eq_ignore_ascii_case(m)))
    };
    let mut notes = Vec::new();
    if made(&[
        "deployVirtualMachine",
        "startVirtualMachine",
        "migrateVirtualMachine",
        "scaleVirtualMachine",
        "createVolume",
        "attachVolume",
    ]) {
        notes.push(
            "no hosts or storage pools in the copy: placement and capacity not checked \
             (only the account's limits)"
                .to_string(),
        );
    }
    if made(&["associateIpAddress"]) {
        notes.push(
            "public addresses are made up (198.18.0.0/15): the cloud picks its own free ones"
                .to_string(),
        );
    }
    if calls.iter().any(|c| {
        c.effects
            .iter()
            .any(|e| e.action == Action::Create && e.kind != "tag")
    }) {
        notes.push("ids of new objects are the copy's: the cloud makes its own".to_string());
    }
    notes
}

impl Plan {
    /// Calls refused (the script went on).
    pub fn refused(&self) -> usize {
        self.calls
            .iter()
            .filter(|c| c.outcome == Outcome::Refused)
            .count()
    }

    /// Calls that failed (the one that ended the script).
    pub fn failed(&self) -> usize {
        self.calls
            .iter()
            .filter(|c| c.outcome == Outcome::Failed)
            .count()
    }

    /// `Plan: 2 to create, 1 to change, 0 to delete; 1 call refused, 1 failed.`
    pub fn summary_line(&self) -> String {
        let (created, changed, deleted) = diff::counts(&self.objects);
        let refused = self.refused();
        let mut line = format!(
            "Plan: {created} to create, {changed} to change, {deleted} to delete; \
             {refused} call{} refused, {} failed",
            if refused == 1 { "" } else { "s" },
            self.failed()
        );
        if self.error.is_some() {
            line.push_str(" (the script failed: see its error below)");
        }
        line.push('.');
        line
    }

    /// A parameter's value for people: the ids of `…id` / `…ids`
    /// parameters with the names of the objects they name.
    fn show(&self, name: &str, value: &Value) -> String {
        let value = value.as_str().unwrap_or_default();
        let name = name.to_ascii_lowercase();
        if name.ends_with("ids") {
            let ids: Vec<String> = value.split(',').map(|id| self.names.show(id)).collect();
            ids.join(",")
        } else if name.ends_with("id") {
            self.names.show(value)
        } else {
            value.to_string()
        }
    }

    /// The plan for people, lines wrapped to `width`.
    pub fn text(&self, width: Option<usize>) -> String {
        let mut out = String::new();
        let n = self.calls.len();
        let head = format!(
            "{n} state-changing call{} on a copy of the cloud (nothing was sent to the cloud)",
            if n == 1 { "" } else { "s" }
        );
        diff::push_wrapped(&mut out, &head, 0, width);
        let digits = n.to_string().len();
        for (index, step) in self.calls.iter().enumerate() {
            let params: Vec<String> = step
                .params
                .iter()
                .map(|(k, v)| format!("{k}={}", sanitize(&self.show(k, v))))
                .collect();
            let head = format!(
                "{:>digits$}. {} {}",
                index + 1,
                step.command,
                params.join(" ")
            );
            diff::push_wrapped(&mut out, head.trim_end(), 2, width);
            let indent = 2 + digits + 2;
            match step.outcome {
                Outcome::Ok => {}
                Outcome::Refused => diff::push_wrapped(
                    &mut out,
                    &format!(
                        "refused: {}",
                        sanitize(step.error.as_deref().unwrap_or("an error"))
                    ),
                    indent,
                    width,
                ),
                Outcome::Failed => diff::push_wrapped(
                    &mut out,
                    &format!(
                        "failed: {} (the script stopped here)",
                        sanitize(step.error.as_deref().unwrap_or("an error"))
                    ),
                    indent,
                    width,
                ),
            }
        }
        if !self.objects.is_empty() {
            out.push('\n');
            out.push_str(&diff::text(&self.objects, Tense::Plan, width));
        }
        if !self.notes.is_empty() {
            out.push_str("\nNot checked on the copy:\n");
            for note in &self.notes {
                diff::push_wrapped(&mut out, &format!("- {note}"), 2, width);
            }
        }
        out.push('\n');
        diff::push_wrapped(&mut out, &self.summary_line(), 0, width);
        out
    }

    /// The plan for tools: the calls, the objects, the notes, the error
    /// and the counts.
    pub fn json(&self) -> Value {
        let (created, changed, deleted) = diff::counts(&self.objects);
        serde_json::json!({
            "calls": self.calls,
            "objects": self.objects,
            "notes": self.notes,
            "error": self.error,
            "summary": {
                "calls": self.calls.len(),
                "create": created,
                "change": changed,
                "delete": deleted,
                "refused": self.refused(),
                "failed": self.failed(),
                "line": self.summary_line(),
            }
        })
    }
}

fn sanitize(text: &str) -> String {
    csctl::output::text::sanitize(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        command: &str,
        params: &[(&str, &str)],
        status: u16,
        answer: Value,
        job: Option<Value>,
    ) -> JournalEntry {
        JournalEntry {
            command: command.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status,
            answer,
            job_result: job,
            job_failed: false,
            target_name: None,
        }
    }

    #[test]
    fn calls_keep_their_order_outcomes_and_redactions() {
        let journal = vec![
            entry(
                "deployVirtualMachine",
                &[
                    ("name", "web-1"),
                    ("userdata", "c2VjcmV0"),
                    ("password", "p"),
                ],
                200,
                serde_json::json!({"jobid": "j1", "id": "v1"}),
                Some(serde_json::json!({"virtualmachine": {"id": "v1", "name": "web-1"}})),
            ),
            entry(
                "createUser",
                &[("username", "ops")],
                200,
                serde_json::json!({"user": {"id": "u1", "username": "ops"}}),
                None,
            ),
            entry(
                "createTags",
                &[("resourcetype", "UserVm")],
                431,
                serde_json::json!({"errorcode": 431, "errortext": "Unable to execute API command createtags due to missing parameter resourceids"}),
                None,
            ),
        ];
        let empty = Inventory::default();
        let plan = plan(&Run {
            journal: &journal,
            before: &empty,
            after: &empty,
            error: Some("createTags failed: Unable to execute API command createtags due to missing parameter resourceids (HTTP 431, errorcode 431)".into()),
        });
        assert_eq!(plan.calls[0].params["userdata"], REDACTED);
        assert_eq!(plan.calls[0].params["password"], REDACTED);
        assert_eq!(plan.calls[0].effects[0].kind, "virtualmachine");
        assert_eq!(plan.calls[2].outcome, Outcome::Failed);
        assert_eq!(plan.failed(), 1);
        assert_eq!(plan.refused(), 0);
        // With nothing in the copy's lists, the objects come from the
        // calls (no snapshot lists users at all).
        let objects: Vec<(&str, &str)> = plan
            .objects
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str()))
            .collect();
        assert_eq!(objects, [("user", "ops"), ("virtualmachine", "web-1")]);
        let text = plan.text(Some(60));
        assert!(text.contains("user: 1 to create\n  + ops (u1)\n"), "{text}");
        assert!(
            text.contains("     failed: Unable to execute API command"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.ends_with(
            "Plan: 2 to create, 0 to change, 0 to delete; 0 calls\n    refused, 1 failed (the script failed: see its error\n    below).\n"
        ), "{text}");
        assert_eq!(plan.json()["summary"]["failed"], 1);
    }

    #[test]
    fn an_object_made_and_deleted_by_the_script_is_not_an_object_of_the_plan() {
        let journal = vec![
            entry(
                "createUser",
                &[("username", "tmp")],
                200,
                serde_json::json!({"user": {"id": "u9", "username": "tmp"}}),
                None,
            ),
            entry(
                "deleteUser",
                &[("id", "u9")],
                200,
                serde_json::json!({"success": true}),
                None,
            ),
        ];
        let empty = Inventory::default();
        let plan = plan(&Run {
            journal: &journal,
            before: &empty,
            after: &empty,
            error: None,
        });
        assert_eq!(plan.calls.len(), 2);
        assert!(plan.objects.is_empty(), "{:?}", plan.objects);
        assert!(plan.text(None).ends_with(
            "Plan: 0 to create, 0 to change, 0 to delete; 0 calls refused, 0 failed.\n"
        ));
    }

    #[test]
    fn relations_change_the_object_they_name() {
        assert_eq!(
            action_of("addNicToVirtualMachine"),
            (Action::Change, "virtualmachine".into())
        );
        assert_eq!(
            action_of("associateIpAddress"),
            (Action::Create, "publicipaddress".into())
        );
        assert_eq!(
            action_of("destroyVirtualMachine"),
            (Action::Delete, "virtualmachine".into())
        );
        assert_eq!(action_of("deleteIso"), (Action::Delete, "iso".into()));
        assert_eq!(
            action_of("createVMFromBackup"),
            (Action::Create, "virtualmachine".into())
        );
    }
}
