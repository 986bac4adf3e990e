//! A cloud (a snapshot, a cloud file) as objects by kind, each with an
//! identity, a readable name and its fields: what `csctl diff` and the
//! object part of a plan compare. Ids anywhere in it can be resolved to the
//! names of the objects they name.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use csctl::sim::Cloud;

/// Fields that differ between two reads of the same object without
/// anything having changed (dates, jobs in flight, the simulator's own
/// infrastructure details), and secrets a cloud file may carry.
const VOLATILE: &[&str] = &[
    "created",
    "allocated",
    "jobid",
    "jobstatus",
    "hostid",
    "hostname",
    "password",
];

/// One object of a cloud.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// Its id (absent for tags and limits, which have none).
    pub id: Option<String>,
    /// What a person calls it: its name, username, address, or a
    /// description built from its fields (a rule, a tag).
    pub name: String,
    /// Its fields, volatile ones left out.
    pub fields: Map<String, Value>,
}

/// Every object of a cloud: kind -> identity -> object. Kinds are singular
/// and lower case (`virtualmachine`, `publicipaddress`, `tag`…), as a plan
/// names them.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// The objects.
    pub kinds: BTreeMap<String, BTreeMap<String, Object>>,
    /// Lower-case id -> name, for every object that has both.
    names: HashMap<String, String>,
}

/// The kinds an inventory holds: what a snapshot takes, by kind name.
pub const KINDS: &[&str] = &[
    "account",
    "affinitygroup",
    "diskoffering",
    "egressfirewallrule",
    "firewallrule",
    "iso",
    "loadbalancerrule",
    "network",
    "portforwardingrule",
    "publicipaddress",
    "resourcelimit",
    "securitygroup",
    "serviceoffering",
    "sshkeypair",
    "tag",
    "template",
    "virtualmachine",
    "volume",
    "vpc",
    "zone",
];

fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Inventory {
    /// The inventory of a cloud.
    pub fn of(cloud: &Cloud) -> Inventory {
        let Ok(Value::Object(mut whole)) = serde_json::to_value(cloud) else {
            return Inventory::default();
        };
        let mut rows: Vec<(String, Map<String, Value>)> = Vec::new();
        for (key, kind) in [
            ("zones", "zone"),
            ("networks", "network"),
            ("templates", "template"),
            ("service_offerings", "serviceoffering"),
            ("virtual_machines", "virtualmachine"),
            ("public_ips", "publicipaddress"),
            ("port_forwarding_rules", "portforwardingrule"),
            ("tags", "tag"),
        ] {
            if let Some(Value::Array(items)) = whole.remove(key) {
                rows.extend(items.into_iter().filter_map(|item| match item {
                    Value::Object(map) => Some((kind.to_string(), map)),
                    _ => None,
                }));
            }
        }
        if let Some(Value::Object(account)) = whole.remove("account") {
            rows.push(("account".into(), account));
        }
        if let Some(Value::Object(objects)) = whole.remove("objects") {
            for (key, items) in objects {
                let Value::Array(items) = items else { continue };
                rows.extend(items.into_iter().filter_map(|item| match item {
                    Value::Object(map) => Some((key.clone(), map)),
                    _ => None,
                }));
            }
        }
        for (_, fields) in &mut rows {
            // A hand-written cloud file may hold secrets: never shown.
            fields.retain(|name, _| {
                !VOLATILE.contains(&name.as_str()) && !super::secrets::is_secret_field(name)
            });
        }
        // Members of load balancer rules are part of the rule.
        for (rule, vms) in &cloud.members {
            if let Some((_, fields)) = rows.iter_mut().find(|(kind, fields)| {
                kind == "loadbalancerrule" && text(fields, "id").as_deref() == Some(rule)
            }) {
                let mut vms = vms.clone();
                vms.sort();
                fields.insert("members".into(), Value::from(vms));
            }
        }
        let mut inventory = Inventory::default();
        // First the plain names, which composite names (rules, tags) use.
        for (_, fields) in &rows {
            if let (Some(id), Some(name)) = (text(fields, "id"), plain_name(fields)) {
                inventory.names.insert(id.to_ascii_lowercase(), name);
            }
        }
        for (kind, fields) in rows {
            let id = text(&fields, "id");
            let name = inventory.composite_name(&kind, &fields).unwrap_or_else(|| {
                plain_name(&fields)
                    .or_else(|| id.clone())
                    .unwrap_or_default()
            });
            let identity = match kind.as_str() {
                "tag" => format!(
                    "{}/{}/{}",
                    text(&fields, "resourcetype").unwrap_or_default(),
                    text(&fields, "resourceid").unwrap_or_default(),
                    text(&fields, "key").unwrap_or_default()
                ),
                _ => id.clone().unwrap_or_else(|| name.clone()),
            };
            inventory
                .kinds
                .entry(kind)
                .or_default()
                .insert(identity.to_ascii_lowercase(), Object { id, name, fields });
        }
        inventory
    }

    /// The name of the object with this id, if the cloud has it.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.names.get(&id.to_ascii_lowercase()).map(String::as_str)
    }

    /// Adds the names of `other` for ids this inventory does not know (an
    /// object deleted since, named as it was).
    pub fn learn_names(&mut self, other: &Inventory) {
        for (id, name) in &other.names {
            self.names.entry(id.clone()).or_insert_with(|| name.clone());
        }
    }

    /// `value` with the name of the object it names, when it is a known id:
    /// `web-1 (6f1c…-…)`; other values as they are.
    pub fn show(&self, value: &str) -> String {
        match self.name_of(value) {
            Some(name) if name != value => format!("{name} ({value})"),
            _ => value.to_string(),
        }
    }

    /// The name of the object an id names, or the id.
    fn named(&self, id: Option<String>) -> Option<String> {
        let id = id?;
        Some(self.name_of(&id).map_or(id, str::to_string))
    }

    /// Names built from fields, for kinds whose objects have none of their
    /// own: `tcp 2222 -> app-1:22 on 198.18.0.2`, `env=prod on UserVm app-1`.
    fn composite_name(&self, kind: &str, fields: &Map<String, Value>) -> Option<String> {
        match kind {
            "tag" => Some(format!(
                "{}={} on {} {}",
                text(fields, "key")?,
                text(fields, "value").unwrap_or_default(),
                text(fields, "resourcetype")?,
                self.named(text(fields, "resourceid"))?
            )),
            "portforwardingrule" => Some(format!(
                "{} {} -> {}:{} on {}",
                text(fields, "protocol")?,
                text(fields, "publicport")?,
                self.named(text(fields, "virtualmachineid"))?,
                text(fields, "privateport")?,
                self.named(text(fields, "ipaddressid"))?
            )),
            "firewallrule" | "egressfirewallrule" => {
                let ports = match (text(fields, "startport"), text(fields, "endport")) {
                    (Some(start), Some(end)) if start != end => format!(" {start}-{end}"),
                    (Some(start), _) => format!(" {start}"),
                    _ => String::new(),
                };
                let on = text(fields, "ipaddress")
                    .or_else(|| self.named(text(fields, "ipaddressid")))
                    .or_else(|| self.named(text(fields, "networkid")))
                    .unwrap_or_default();
                Some(format!(
                    "{}{ports} from {} on {on}",
                    text(fields, "protocol")?,
                    text(fields, "cidrlist").unwrap_or_else(|| "0.0.0.0/0".into())
                ))
            }
            "resourcelimit" => text(fields, "resourcetypename")
                .or_else(|| text(fields, "resourcetype").map(|t| format!("type {t}"))),
            _ => None,
        }
    }
}

/// An object's own name: name, username, address, display name.
fn plain_name(fields: &Map<String, Value>) -> Option<String> {
    [
        "name",
        "username",
        "ipaddress",
        "displayname",
        "displaytext",
    ]
    .iter()
    .find_map(|field| text(fields, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_cloud_has_named_objects_and_ids_resolve() {
        let inventory = Inventory::of(&Cloud::demo());
        let zones = &inventory.kinds["zone"];
        assert!(!zones.is_empty());
        let zone = zones.values().next().unwrap();
        let id = zone.id.clone().unwrap();
        assert_eq!(inventory.name_of(&id), Some(zone.name.as_str()));
        assert_eq!(inventory.show(&id), format!("{} ({id})", zone.name));
        assert_eq!(inventory.show("plain"), "plain");
        assert!(inventory.kinds.keys().all(|k| KINDS.contains(&k.as_str())));
    }
}
