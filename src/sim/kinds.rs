//! The kinds of object the simulator knows by name, in one place: which
//! kinds have typed rows in the world ([`Entity`]), which kinds an id of
//! a response class may name ([`kinds_of_class`]), which resource types
//! carry tags, and which list command answers with a cloud file's key.
//! A kind is [`kind_of`] the command that lists it (`zone`, `volume`):
//! the one name lists, tags, cloud files and id checks use.
//! Below the world (`state`) and the cloud file (`cloud`), which both
//! name kinds; it reads only the shared catalogue and `objects`' words.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::catalog::Api;
use crate::sim::objects::{kind_of, normalize};

/// The kinds with typed rows in the world (`State`'s own tables): each
/// owns every object of its kind, so no generic object has one of these
/// kinds. Every other kind is a generic table in `objects`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entity {
    Zone,
    Network,
    Template,
    Offering,
    Vm,
    PublicIp,
    Job,
    Rule,
}

impl Entity {
    /// Every typed kind.
    pub const ALL: [Entity; 8] = [
        Entity::Zone,
        Entity::Network,
        Entity::Template,
        Entity::Offering,
        Entity::Vm,
        Entity::PublicIp,
        Entity::Job,
        Entity::Rule,
    ];

    /// Its kind as the generic model and the catalogue name it: [`kind_of`]
    /// its list command, the kind of its response class.
    pub const fn kind(self) -> &'static str {
        match self {
            Entity::Zone => "zone",
            Entity::Network => "network",
            Entity::Template => "template",
            Entity::Offering => "serviceoffering",
            Entity::Vm => "virtualmachine",
            Entity::PublicIp => "publicipaddress",
            Entity::Job => "asyncjob",
            Entity::Rule => "portforwardingrule",
        }
    }

    /// The typed kind of a generic kind name (`virtualmachine`), if it is one.
    pub fn of_kind(kind: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|entity| entity.kind() == kind)
    }
}

/// Response classes whose server table holds several of the simulator's
/// kinds: a firewall rule id may name a rule of any purpose (port
/// forwarding, firewall, egress, static NAT, load balancing: one
/// `firewall_rules` table), a template id a template or an ISO (one
/// `vm_template` table).
const SHARED_TABLES: &[(&str, &[&str])] = &[
    (
        "FirewallRuleResponse",
        &[
            "portforwardingrule",
            "firewallrule",
            "egressfirewallrule",
            "ipforwardingrule",
            "loadbalancerrule",
        ],
    ),
    ("TemplateResponse", &["template", "iso"]),
    ("IsoVmResponse", &["iso", "template"]),
];

/// Every response class the catalogue's id parameters name, with the kinds
/// its ids may be of: the kind of the class's list command
/// ([`crate::catalog::Catalog::list_command_for_entity`]), or the kinds of
/// [`SHARED_TABLES`]. The one vocabulary from class to kind.
static KINDS_OF_CLASS: LazyLock<HashMap<&'static str, Vec<String>>> = LazyLock::new(|| {
    let catalog = crate::catalog::builtin();
    let mut map = HashMap::new();
    for api in catalog.apis() {
        for param in api.params.iter() {
            let Some(class) = param.entity.as_deref() else {
                continue;
            };
            map.entry(class).or_insert_with(|| {
                match SHARED_TABLES.iter().find(|(shared, _)| *shared == class) {
                    Some((_, kinds)) => kinds.iter().map(|kind| kind.to_string()).collect(),
                    None => catalog
                        .list_command_for_entity(class)
                        .map(|list| vec![kind_of(&list.name)])
                        .unwrap_or_default(),
                }
            });
        }
    }
    map
});

/// The kinds an id of this response class (`ZoneResponse`) may name; empty
/// for a class no list command of the catalogue lists.
pub(crate) fn kinds_of_class(class: &str) -> &'static [String] {
    KINDS_OF_CLASS.get(class).map_or(&[], Vec::as_slice)
}

/// Resource types that can carry tags: the server's name and the kind of
/// object it names (see [`kind_of`]).
const TAGGABLE: &[(&str, &str)] = &[
    ("UserVm", "virtualmachine"),
    ("Template", "template"),
    ("Network", "network"),
    ("PublicIpAddress", "publicipaddress"),
    ("PortForwardingRule", "portforwardingrule"),
    ("Zone", "zone"),
    ("ISO", "iso"),
    ("Volume", "volume"),
    ("Snapshot", "snapshot"),
    ("SecurityGroup", "securitygroup"),
    ("FirewallRule", "firewallrule"),
    ("LoadBalancer", "loadbalancerrule"),
    ("Project", "project"),
    ("Vpc", "vpc"),
    ("NetworkACL", "networkacl"),
    ("StaticRoute", "staticroute"),
    ("VMSnapshot", "vmsnapshot"),
    ("RemoteAccessVpn", "remoteaccessvpn"),
    ("ServiceOffering", "serviceoffering"),
    ("DiskOffering", "diskoffering"),
    ("Storage", "storagepool"),
    ("User", "user"),
    ("Domain", "domain"),
    ("Account", "account"),
    ("AutoScaleVmGroup", "autoscalevmgroup"),
    ("KubernetesCluster", "kubernetescluster"),
    ("NetworkOffering", "networkoffering"),
    ("VpcOffering", "vpcoffering"),
    ("GuestOs", "ostype"),
    ("SnapshotPolicy", "snapshotpolicy"),
    ("VpnGateway", "vpngateway"),
    ("CustomerGateway", "vpncustomergateway"),
    ("VpnConnection", "vpnconnection"),
    ("AffinityGroup", "affinitygroup"),
    ("UserData", "userdata"),
];

/// A resource type that can carry tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ResourceType {
    name: &'static str,
    kind: &'static str,
}

impl ResourceType {
    /// The server's name, e.g. `UserVm`.
    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// The kind of object it names.
    pub fn kind(self) -> &'static str {
        self.kind
    }

    /// Case-insensitive, as `TaggedResourceService.getResourceType`.
    pub fn parse(text: &str) -> Option<ResourceType> {
        TAGGABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(name, kind)| ResourceType { name, kind })
    }
}

/// The list command whose objects a cloud file's `objects` key names: the
/// one whose noun is the key (`diskofferings`, `diskoffering`, any case),
/// else the one whose answer key it is. The noun comes first: several list
/// commands share an answer key (`firewallrule` is the key of
/// `listFirewallRules` and `listEgressFirewallRules`, `domain` of
/// `listDomains` and `listDomainChildren`), and taking the first of them
/// would serve ingress rules as egress ones.
pub(crate) fn list_command_for_key(key: &str) -> Option<&'static str> {
    let kind = normalize(key);
    let mut lists: Vec<&'static Api> = crate::catalog::builtin()
        .apis()
        .iter()
        .filter(|api| api.response.list && api.name.starts_with("list"))
        .collect();
    lists.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    lists
        .iter()
        .find(|command| kind_of(&command.name) == kind)
        .or_else(|| {
            lists
                .iter()
                .find(|command| command.response.key.as_deref() == Some(key))
        })
        .map(|command| &*command.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_typed_kind_is_named_alike_everywhere() {
        for entity in Entity::ALL {
            assert_eq!(Entity::of_kind(entity.kind()), Some(entity));
        }
        for (class, entity) in [
            ("ZoneResponse", Entity::Zone),
            ("NetworkResponse", Entity::Network),
            ("ServiceOfferingResponse", Entity::Offering),
            ("UserVmResponse", Entity::Vm),
            ("IPAddressResponse", Entity::PublicIp),
            ("AsyncJobResponse", Entity::Job),
        ] {
            assert_eq!(kinds_of_class(class), [entity.kind()], "{class}");
        }
        assert_eq!(kinds_of_class("DomainResponse"), ["domain"]);
        assert!(kinds_of_class("TemplateResponse").contains(&"template".to_string()));
        assert!(kinds_of_class("FirewallRuleResponse").contains(&"portforwardingrule".to_string()));
        assert_eq!(kinds_of_class("GuestOSResponse"), ["ostype"]);
        assert_eq!(kinds_of_class("DiskOfferingResponse"), ["diskoffering"]);
        assert_eq!(
            list_command_for_key("firewallrule"),
            Some("listFirewallRules"),
            "the noun first"
        );
    }
}
