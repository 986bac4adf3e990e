//! The kinds of object the simulator knows by name: which resource types
//! carry tags, and which list command answers with a cloud file's key.
//! Below the world (`state`) and the cloud file (`cloud`), which both
//! name kinds; it reads only the shared catalogue and `objects`' words.

use crate::catalog::Api;
use crate::sim::objects::{kind_of, normalize};

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
