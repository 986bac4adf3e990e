//! What differs between two inventories (`csctl diff`, and the objects of a
//! plan): objects created, changed (the fields before → after) and deleted,
//! by kind and name, and how that reads for people (`+ ~ -`, grouped by
//! kind with counts, wrapped to the terminal) and for tools (JSON).

use serde::Serialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr as _;

use super::inventory::{Inventory, Object};

/// What happened to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new object.
    Create,
    /// An existing object changed.
    Change,
    /// An object went.
    Delete,
}

impl Action {
    /// `+`, `~` or `-`.
    pub fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Change => '~',
            Action::Delete => '-',
        }
    }
}

/// One field that changed: its text before and after (absent when the
/// field was not there).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Before.
    pub before: Option<String>,
    /// After.
    pub after: Option<String>,
}

/// One object created, changed or deleted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// What happened.
    pub action: Action,
    /// The kind (`virtualmachine`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For changes: the fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

/// How a list of changes is worded: a plan's future (`to create`) or a
/// diff's past (`created`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tense {
    /// What a script would do.
    Plan,
    /// What differs.
    Diff,
}

impl Tense {
    fn word(self, action: Action) -> &'static str {
        match (self, action) {
            (Tense::Plan, Action::Create) => "to create",
            (Tense::Plan, Action::Change) => "to change",
            (Tense::Plan, Action::Delete) => "to delete",
            (Tense::Diff, Action::Create) => "created",
            (Tense::Diff, Action::Change) => "changed",
            (Tense::Diff, Action::Delete) => "deleted",
        }
    }
}

/// The changes from `before` to `after`, by kind (alphabetical), then
/// creates, changes and deletes, each by name.
pub fn diff(before: &Inventory, after: &Inventory) -> Vec<Change> {
    // Values are shown with names: those of `after`, and of `before` for
    // what is gone.
    let mut names = after.clone();
    names.learn_names(before);
    let empty = Default::default();
    let mut kinds: Vec<&String> = before.kinds.keys().chain(after.kinds.keys()).collect();
    kinds.sort();
    kinds.dedup();
    let mut changes = Vec::new();
    for kind in kinds {
        let old = before.kinds.get(kind).unwrap_or(&empty);
        let new = after.kinds.get(kind).unwrap_or(&empty);
        let mut these = Vec::new();
        for (identity, object) in new {
            match old.get(identity) {
                None => these.push(change(Action::Create, kind, object, Vec::new())),
                Some(was) => {
                    let fields = field_changes(was, object, &names);
                    if !fields.is_empty() {
                        these.push(change(Action::Change, kind, object, fields));
                    }
                }
            }
        }
        for (identity, object) in old {
            if !new.contains_key(identity) {
                these.push(change(Action::Delete, kind, object, Vec::new()));
            }
        }
        these.sort_by(|a, b| (a.action, &a.name).cmp(&(b.action, &b.name)));
        changes.extend(these);
    }
    changes
}

fn change(action: Action, kind: &str, object: &Object, fields: Vec<FieldChange>) -> Change {
    Change {
        action,
        kind: kind.to_string(),
        name: object.name.clone(),
        id: object.id.clone(),
        fields,
    }
}

fn field_changes(was: &Object, now: &Object, names: &Inventory) -> Vec<FieldChange> {
    let mut fields: Vec<&String> = was.fields.keys().chain(now.fields.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|field| was.fields.get(*field) != now.fields.get(*field))
        .map(|field| FieldChange {
            field: field.clone(),
            before: was.fields.get(field).map(|v| shown(v, names)),
            after: now.fields.get(field).map(|v| shown(v, names)),
        })
        .collect()
}

/// A field's value for people: text as it is, ids with their names,
/// lists by their items' names.
fn shown(value: &Value, names: &Inventory) -> String {
    match value {
        Value::String(s) => names.show(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|item| label(item, names)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) => label(value, names),
        other => other.to_string(),
    }
}

/// One item of a list (a NIC, a rule): its name, else what it points at.
fn label(item: &Value, names: &Inventory) -> String {
    match item {
        Value::Object(map) => {
            for field in ["name", "ipaddress", "networkid", "id"] {
                if let Some(Value::String(s)) = map.get(field) {
                    return names.name_of(s).map_or_else(|| s.clone(), str::to_string);
                }
            }
            Value::Object(map.clone()).to_string()
        }
        Value::String(s) => names.name_of(s).map_or_else(|| s.clone(), str::to_string),
        other => other.to_string(),
    }
}

/// Counts per action: (created, changed, deleted).
pub fn counts(changes: &[Change]) -> (usize, usize, usize) {
    let count = |action| changes.iter().filter(|c| c.action == action).count();
    (
        count(Action::Create),
        count(Action::Change),
        count(Action::Delete),
    )
}

/// The changes for people: per kind a heading with counts, then one line
/// per object (`+ name (id)`) and, for changes, one per field
/// (`field: before → after`); lines wrapped to `width`.
pub fn text(changes: &[Change], tense: Tense, width: Option<usize>) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < changes.len() {
        let kind = &changes[start].kind;
        let end = changes[start..]
            .iter()
            .position(|c| &c.kind != kind)
            .map_or(changes.len(), |n| start + n);
        let group = &changes[start..end];
        let (created, changed, deleted) = counts(group);
        let parts: Vec<String> = [
            (created, Action::Create),
            (changed, Action::Change),
            (deleted, Action::Delete),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, action)| format!("{n} {}", tense.word(*action)))
        .collect();
        push_wrapped(&mut out, &format!("{kind}: {}", parts.join(", ")), 0, width);
        for change in group {
            let mut line = format!("{} {}", change.action.sign(), sanitize(&change.name));
            if let Some(id) = &change.id {
                if *id != change.name {
                    line.push_str(&format!(" ({})", sanitize(id)));
                }
            }
            push_wrapped(&mut out, &line, 2, width);
            for field in &change.fields {
                let line = format!(
                    "{}: {} → {}",
                    field.field,
                    sanitize(field.before.as_deref().unwrap_or("(none)")),
                    sanitize(field.after.as_deref().unwrap_or("(none)"))
                );
                push_wrapped(&mut out, &line, 6, width);
            }
        }
        start = end;
    }
    out
}

fn sanitize(text: &str) -> String {
    csctl::output::text::sanitize(text).into_owned()
}

/// Appends `line` indented by `indent`, broken at spaces to fit `width`;
/// continuation lines are indented four more. A word longer than the width
/// (an id) is kept whole.
pub fn push_wrapped(out: &mut String, line: &str, indent: usize, width: Option<usize>) {
    let pad = " ".repeat(indent);
    let Some(width) = width else {
        out.push_str(&pad);
        out.push_str(line);
        out.push('\n');
        return;
    };
    let more = " ".repeat(indent + 4);
    let mut current = pad.clone();
    let mut empty = true;
    for word in line.split(' ') {
        let fits = current.width() + 1 + word.width() <= width;
        if !empty && !fits {
            out.push_str(current.trim_end());
            out.push('\n');
            current = more.clone();
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    out.push_str(current.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use csctl::sim::Cloud;

    #[test]
    fn created_changed_and_deleted_objects_are_found_and_shown() {
        let before = Cloud::demo();
        let mut after = before.clone();
        let gone = after.networks.remove(0);
        after.service_offerings[0].memory += 1024;
        let mut extra = after.zones[0].clone();
        extra.id = "0c0c0c0c-0000-4000-8000-000000000000".into();
        extra.name = "new-zone".into();
        after.zones.push(extra);
        let changes = diff(&Inventory::of(&before), &Inventory::of(&after));
        let actions: Vec<(Action, &str, &str)> = changes
            .iter()
            .map(|c| (c.action, c.kind.as_str(), c.name.as_str()))
            .collect();
        assert!(
            actions.contains(&(Action::Create, "zone", "new-zone")),
            "{actions:?}"
        );
        assert!(actions.contains(&(Action::Delete, "network", gone.name.as_str())));
        let changed = changes.iter().find(|c| c.action == Action::Change).unwrap();
        assert_eq!(changed.kind, "serviceoffering");
        assert_eq!(changed.fields[0].field, "memory");
        let text = text(&changes, Tense::Diff, Some(40));
        assert!(
            text.contains("zone: 1 created\n  + new-zone\n      (0c0c0c0c-"),
            "{text}"
        );
        assert!(text.contains("      memory: "), "{text}");
        assert!(diff(&Inventory::of(&before), &Inventory::of(&before)).is_empty());
    }

    #[test]
    fn long_lines_wrap_at_spaces() {
        let mut out = String::new();
        push_wrapped(&mut out, "aaa bbb ccc ddd", 2, Some(10));
        assert_eq!(out, "  aaa bbb\n      ccc\n      ddd\n");
    }
}
