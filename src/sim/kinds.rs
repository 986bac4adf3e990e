//! The kinds of object the simulator knows by name, in one place: the
//! kinds with typed rows in the world ([`Entity`]: their generic kind
//! name, response class and list command), which resource types carry
//! tags, and which list command answers with a cloud file's key.
//! Below the world (`state`) and the cloud file (`cloud`), which both
//! name kinds; it reads only the shared catalogue and `objects`' words.

use crate::catalog::Api;
use crate::sim::objects::{kind_of, normalize};

/// The kinds with typed rows in the world (`State`'s own tables), which
/// id parameters name and the parameter layer looks up by kind. Every
/// other kind is a generic table in `objects`, named by [`kind_of`].
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
    Domain,
}

impl Entity {
    /// Every typed kind.
    pub const ALL: [Entity; 9] = [
        Entity::Zone,
        Entity::Network,
        Entity::Template,
        Entity::Offering,
        Entity::Vm,
        Entity::PublicIp,
        Entity::Job,
        Entity::Rule,
        Entity::Domain,
    ];

    /// The command that lists it (and whose answer key names it).
    pub const fn list_command(self) -> &'static str {
        match self {
            Entity::Zone => "listZones",
            Entity::Network => "listNetworks",
            Entity::Template => "listTemplates",
            Entity::Offering => "listServiceOfferings",
            Entity::Vm => "listVirtualMachines",
            Entity::PublicIp => "listPublicIpAddresses",
            Entity::Job => "listAsyncJobs",
            Entity::Rule => "listPortForwardingRules",
            Entity::Domain => "listDomains",
        }
    }

    /// Its kind as the generic model names it: [`kind_of`] its list command.
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
            Entity::Domain => "domain",
        }
    }

    /// The server's response class, as the catalogue names what an id
    /// parameter refers to (`ZoneResponse`).
    pub const fn class(self) -> &'static str {
        match self {
            Entity::Zone => "ZoneResponse",
            Entity::Network => "NetworkResponse",
            Entity::Template => "TemplateResponse",
            Entity::Offering => "ServiceOfferingResponse",
            Entity::Vm => "UserVmResponse",
            Entity::PublicIp => "IPAddressResponse",
            Entity::Job => "AsyncJobResponse",
            Entity::Rule => "FirewallRuleResponse",
            Entity::Domain => "DomainResponse",
        }
    }

    /// The typed kind of a generic kind name (`virtualmachine`), if it is one.
    pub fn of_kind(kind: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|entity| entity.kind() == kind)
    }

    /// The typed kind of a response class, if it is one.
    pub fn of_class(class: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|entity| entity.class() == class)
    }
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
        let catalog = crate::catalog::builtin();
        for entity in Entity::ALL {
            let list = catalog
                .get(entity.list_command())
                .expect("a catalogue command");
            assert!(list.response.list, "{entity:?}");
            assert_eq!(kind_of(entity.list_command()), entity.kind(), "{entity:?}");
            assert_eq!(Entity::of_class(entity.class()), Some(entity));
            assert_eq!(Entity::of_kind(entity.kind()), Some(entity));
        }
        assert_eq!(Entity::of_class("DiskOfferingResponse"), None);
        assert_eq!(
            list_command_for_key("firewallrule"),
            Some("listFirewallRules"),
            "the noun first"
        );
    }
}
