//! The generic resource store: objects of any kind the catalogue knows,
//! kept as JSON maps in the catalogue's field names. The generic model
//! (`api/generic.rs`) creates, lists, updates and deletes them for every
//! command without hand-written semantics; hand-written groups (key pairs,
//! volumes, firewall rules…) keep their objects here too, so that the
//! generic list filters, tags and cloud files work for them alike.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// One object: its kind (see [`kind_of`]) and its fields.
#[derive(Clone, Debug)]
pub(crate) struct Obj {
    /// The kind, e.g. `volume`, `sshkeypair`.
    pub kind: String,
    /// Its fields as lists and job results show them (`tags` is added from
    /// the tag store when shown).
    pub fields: Map<String, Value>,
    /// Ids of members (the VMs of a load balancer rule).
    pub members: Vec<String>,
    /// What the object keeps but never shows (a key pair's public key).
    pub hidden: Option<String>,
    /// Deleted: known by id (as removed rows are), listed nowhere.
    pub removed: bool,
}

impl Obj {
    /// A new object of a kind with these fields.
    pub fn new(kind: impl Into<String>, fields: Map<String, Value>) -> Self {
        Obj {
            kind: kind.into(),
            fields,
            members: Vec::new(),
            hidden: None,
            removed: false,
        }
    }

    /// Its id (`id` field).
    pub fn id(&self) -> &str {
        self.str("id").unwrap_or_default()
    }

    /// A string field.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// A field's text as filters compare it (strings as they are, numbers
    /// and booleans written out).
    pub fn text(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Sets a field.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        self.fields.insert(name.to_string(), value.into());
    }
}

/// Every object, indexed by id and by kind.
#[derive(Default)]
pub(crate) struct Objects {
    items: Vec<Obj>,
    by_id: HashMap<String, usize>,
    by_kind: HashMap<String, Vec<usize>>,
}

impl Objects {
    /// Adds an object (its `id` field must be set); returns its index.
    pub fn add(&mut self, obj: Obj) -> usize {
        let index = self.items.len();
        self.by_id.insert(obj.id().to_ascii_lowercase(), index);
        self.by_kind
            .entry(obj.kind.clone())
            .or_default()
            .push(index);
        self.items.push(obj);
        index
    }

    /// How many objects were ever added (removed ones included): the
    /// index the next one gets.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// An object by id (removed ones included), case-insensitively.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// A live object of this kind by id.
    pub fn live(&self, kind: &str, id: &str) -> Option<usize> {
        self.find(id)
            .filter(|&i| !self.items[i].removed && self.items[i].kind == kind)
    }

    /// The live objects of a kind, oldest first.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = usize> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| !self.items[i].removed)
    }

    /// The first live object of a kind whose field equals a value (ignoring case).
    pub fn find_by(&self, kind: &str, field: &str, value: &str) -> Option<usize> {
        self.of_kind(kind).find(|&i| {
            self.items[i]
                .text(field)
                .is_some_and(|v| v.eq_ignore_ascii_case(value))
        })
    }
}

impl std::ops::Index<usize> for Objects {
    type Output = Obj;
    fn index(&self, index: usize) -> &Obj {
        &self.items[index]
    }
}

impl std::ops::IndexMut<usize> for Objects {
    fn index_mut(&mut self, index: usize) -> &mut Obj {
        &mut self.items[index]
    }
}

/// `(verb, noun)` of a command name: the catalogue's one split
/// ([`crate::catalog::split_verb`]), `("list", "VirtualMachines")`.
pub(crate) use crate::catalog::split_verb;

/// English plural to singular, as command nouns need it.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "shes", "ches", "xes", "uses"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_string();
        }
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_string();
    }
    word.strip_suffix('s').unwrap_or(word).to_string()
}

/// The kind of object a command acts on, from its noun:
/// `listSSHKeyPairs` and `createSSHKeyPair` both give `sshkeypair`.
pub(crate) fn kind_of(command: &str) -> String {
    let noun = split_verb(command).1;
    normalize(noun)
}

/// A noun as a kind: lower case, singular, with the server's aliases.
pub(crate) fn normalize(noun: &str) -> String {
    let lower = singular(&noun.to_ascii_lowercase());
    match lower.as_str() {
        "uservm" | "vm" => "virtualmachine".into(),
        "ipaddress" | "ip" => "publicipaddress".into(),
        "iso" | "isos" => "iso".into(),
        "template" | "vmtemplate" => "template".into(),
        "keypair" => "sshkeypair".into(),
        "loadbalancer" => "loadbalancerrule".into(),
        _ => lower,
    }
}

/// Whether a security group's `ingressrule` or `egressrule` list (`list`)
/// holds a rule with this id.
pub(crate) fn has_rule(fields: &Map<String, Value>, list: &str, id: &str) -> bool {
    fields
        .get(list)
        .and_then(Value::as_array)
        .is_some_and(|rules| {
            rules
                .iter()
                .any(|rule| rule.get("ruleid").and_then(Value::as_str) == Some(id))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_entities_name_the_same_kinds() {
        assert_eq!(kind_of("listSSHKeyPairs"), "sshkeypair");
        assert_eq!(kind_of("createSSHKeyPair"), "sshkeypair");
        assert_eq!(kind_of("listPublicIpAddresses"), "publicipaddress");
        assert_eq!(kind_of("listVirtualMachines"), "virtualmachine");
        assert_eq!(kind_of("listAffinityGroupTypes"), "affinitygrouptype");
        assert_eq!(kind_of("listLoadBalancerRules"), "loadbalancerrule");
        assert_eq!(kind_of("listNetworkACLs"), "networkacl");
        assert_eq!(kind_of("listCapacity"), "capacity");
        assert_eq!(kind_of("listPolicies"), "policy");
        assert_eq!(split_verb("login"), ("login", ""));
    }
}
