//! What makes an object "the same one" for `ensure` in scripts: for the
//! kinds people script most, the fields that identify an object (a VM by
//! name and zone, a key pair by name, a firewall rule by protocol, ports
//! and CIDRs…), the commands that list, create, change and delete it, and
//! how a parameter is spelled in the answer. Every other kind with a
//! create and a list command is handled from the catalogue alone
//! ([`generic`]).
//!
//! The server's rules behind the choices (apache/cloudstack): a VM's host
//! name is unique per network and compared without case; a key pair's name
//! per account; firewall, egress and port-forwarding rules conflict on
//! protocol and overlapping ports of one IP (`FirewallManagerImpl.
//! detectRulesConflict`); a resource tag on key and resource
//! (`TaggedResourceManagerImpl`: a second tag with the same key fails).

use super::Catalog;

/// How `ensure` handles one kind of object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKind {
    /// The kind's name, as scripts give it (`virtualmachine`).
    pub kind: &'static str,
    /// Other names scripts may use (`vm`).
    pub aliases: &'static [&'static str],
    /// The list command.
    pub list: &'static str,
    /// The create command.
    pub create: &'static str,
    /// Another create command used when the desired fields hold this
    /// parameter (`publickey` → `registerSSHKeyPair`).
    pub create_with: Option<(&'static str, &'static str)>,
    /// The command that changes fields in place (it takes `id`).
    pub update: Option<&'static str>,
    /// The identity's parameters, each with the answer field holding it.
    pub identity: &'static [(&'static str, &'static str)],
    /// Desired parameters whose answer field has another name or path
    /// (`networkids` → `nic[].networkid`: a set of the NICs' networks).
    pub fields: &'static [(&'static str, &'static str)],
    /// Identity parameters compared without case.
    pub caseless: &'static [&'static str],
    /// Listed objects that do not count: (answer field, value).
    pub skip: &'static [(&'static str, &'static str)],
}

/// How `ensure_rules` handles one kind of rule (or tag) set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleKind {
    /// The kind's name, as scripts give it (`firewallrule`).
    pub kind: &'static str,
    /// Other names scripts may use (`firewall`).
    pub aliases: &'static [&'static str],
    /// The list command.
    pub list: &'static str,
    /// The create command.
    pub create: &'static str,
    /// The delete command (it takes the rule's id as `id`, except tags).
    pub delete: &'static str,
    /// The command that changes a rule's value fields in place (it takes
    /// `id`); without one, a rule whose values differ is replaced.
    pub update: Option<&'static str>,
    /// The scope's parameters: (as given, as the list takes it, as the
    /// create takes it).
    pub scope: &'static [(&'static str, &'static str, &'static str)],
    /// Where the rules sit in a listed item (`ingressrule` of a security
    /// group); `None`: the listed items are the rules.
    pub nested: Option<&'static str>,
    /// The rule's identity: (parameter, answer field).
    pub key: &'static [(&'static str, &'static str)],
    /// Compared once the key matches; a difference replaces the rule
    /// (delete, then create), reported as changed.
    pub value: &'static [(&'static str, &'static str)],
    /// The answer field of the rule's id.
    pub id_field: &'static str,
    /// A `cidrlist` of several CIDRs makes one rule per CIDR (security
    /// groups: `SecurityGroupManagerImpl.authorizeSecurityGroupRule`).
    pub split_cidrs: bool,
    /// Tags are created and deleted as `tags[0].key` with `resourceids`.
    pub tags: bool,
    /// Defaults the server fills in: (parameter, from parameter or literal).
    pub defaults: &'static [(&'static str, Default)],
}

/// A default the server fills in for a rule parameter that is not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    /// The value of another parameter (`endport` = `startport`).
    Same(&'static str),
    /// A literal value.
    Value(&'static str),
}

const VM_GONE: &[(&str, &str)] = &[
    ("state", "Destroyed"),
    ("state", "Expunging"),
    ("state", "Expunged"),
    ("state", "Error"),
];

/// The object kinds with hand-chosen identities.
pub const OBJECTS: &[ObjectKind] = &[
    ObjectKind {
        kind: "virtualmachine",
        aliases: &["vm", "virtualmachines", "instance"],
        list: "listVirtualMachines",
        create: "deployVirtualMachine",
        create_with: None,
        update: Some("updateVirtualMachine"),
        identity: &[("name", "name"), ("zoneid", "zoneid")],
        fields: &[
            ("networkids", "nic[].networkid"),
            ("keypair", "keypair"),
            ("affinitygroupids", "affinitygroup[].id"),
            ("securitygroupids", "securitygroup[].id"),
        ],
        caseless: &["name"],
        skip: VM_GONE,
    },
    ObjectKind {
        kind: "sshkeypair",
        aliases: &["keypair", "sshkeypairs"],
        list: "listSSHKeyPairs",
        create: "createSSHKeyPair",
        create_with: Some(("publickey", "registerSSHKeyPair")),
        update: None,
        identity: &[("name", "name")],
        fields: &[],
        caseless: &[],
        skip: &[],
    },
    ObjectKind {
        kind: "volume",
        aliases: &["volumes", "disk"],
        list: "listVolumes",
        create: "createVolume",
        create_with: None,
        update: Some("updateVolume"),
        identity: &[("name", "name"), ("zoneid", "zoneid")],
        fields: &[],
        caseless: &[],
        skip: &[("state", "Destroy"), ("state", "Expunged")],
    },
    ObjectKind {
        kind: "network",
        aliases: &["networks"],
        list: "listNetworks",
        create: "createNetwork",
        create_with: None,
        update: Some("updateNetwork"),
        identity: &[("name", "name"), ("zoneid", "zoneid")],
        fields: &[],
        caseless: &[],
        skip: &[("state", "Destroy")],
    },
    ObjectKind {
        kind: "publicipaddress",
        aliases: &["ipaddress", "publicip", "ip"],
        list: "listPublicIpAddresses",
        create: "associateIpAddress",
        create_with: None,
        update: Some("updateIpAddress"),
        identity: &[
            ("networkid", "associatednetworkid"),
            ("ipaddress", "ipaddress"),
            ("zoneid", "zoneid"),
            ("vpcid", "vpcid"),
        ],
        fields: &[],
        caseless: &[],
        // The source NAT address comes with the network: never "the" IP a
        // script asked for.
        skip: &[("issourcenat", "true"), ("state", "Releasing")],
    },
    ObjectKind {
        kind: "affinitygroup",
        aliases: &["affinitygroups"],
        list: "listAffinityGroups",
        create: "createAffinityGroup",
        create_with: None,
        update: None,
        identity: &[("name", "name")],
        fields: &[],
        caseless: &[],
        skip: &[],
    },
];

const PORTS: &[(&str, Default)] = &[
    ("endport", Default::Same("startport")),
    ("cidrlist", Default::Value("0.0.0.0/0")),
];

/// A security group rule's scope: the group, by id or by name (the same
/// for ingress and egress).
const SECURITY_GROUP: &[(&str, &str, &str)] = &[
    ("securitygroupid", "id", "securitygroupid"),
    (
        "securitygroupname",
        "securitygroupname",
        "securitygroupname",
    ),
];

/// What makes a security group rule the same rule, ingress or egress.
const SECURITY_GROUP_RULE: &[(&str, &str)] = &[
    ("protocol", "protocol"),
    ("startport", "startport"),
    ("endport", "endport"),
    ("cidrlist", "cidr"),
    ("icmptype", "icmptype"),
    ("icmpcode", "icmpcode"),
];

/// The rule and tag kinds `ensure_rules` compares as sets.
pub const RULES: &[RuleKind] = &[
    RuleKind {
        kind: "firewallrule",
        aliases: &["firewall", "firewallrules"],
        list: "listFirewallRules",
        create: "createFirewallRule",
        delete: "deleteFirewallRule",
        update: None,
        scope: &[("ipaddressid", "ipaddressid", "ipaddressid")],
        nested: None,
        key: &[
            ("protocol", "protocol"),
            ("startport", "startport"),
            ("endport", "endport"),
            ("cidrlist", "cidrlist"),
            ("icmptype", "icmptype"),
            ("icmpcode", "icmpcode"),
        ],
        value: &[],
        id_field: "id",
        split_cidrs: false,
        tags: false,
        defaults: PORTS,
    },
    RuleKind {
        kind: "egressfirewallrule",
        aliases: &["egress", "egressrule", "egressfirewallrules"],
        list: "listEgressFirewallRules",
        create: "createEgressFirewallRule",
        delete: "deleteEgressFirewallRule",
        update: None,
        scope: &[("networkid", "networkid", "networkid")],
        nested: None,
        key: &[
            ("protocol", "protocol"),
            ("startport", "startport"),
            ("endport", "endport"),
            ("cidrlist", "cidrlist"),
            ("destcidrlist", "destcidrlist"),
            ("icmptype", "icmptype"),
            ("icmpcode", "icmpcode"),
        ],
        value: &[],
        id_field: "id",
        split_cidrs: false,
        tags: false,
        defaults: &[("endport", Default::Same("startport"))],
    },
    RuleKind {
        kind: "portforwardingrule",
        aliases: &["portforwarding", "portforwardingrules"],
        list: "listPortForwardingRules",
        create: "createPortForwardingRule",
        delete: "deletePortForwardingRule",
        update: None,
        scope: &[("ipaddressid", "ipaddressid", "ipaddressid")],
        nested: None,
        key: &[
            ("protocol", "protocol"),
            ("publicport", "publicport"),
            ("publicendport", "publicendport"),
            ("privateport", "privateport"),
            ("privateendport", "privateendport"),
            ("virtualmachineid", "virtualmachineid"),
        ],
        value: &[],
        id_field: "id",
        split_cidrs: false,
        tags: false,
        defaults: &[
            ("publicendport", Default::Same("publicport")),
            ("privateendport", Default::Same("privateport")),
        ],
    },
    RuleKind {
        kind: "loadbalancerrule",
        aliases: &["loadbalancer", "lb", "loadbalancerrules"],
        list: "listLoadBalancerRules",
        create: "createLoadBalancerRule",
        delete: "deleteLoadBalancerRule",
        update: Some("updateLoadBalancerRule"),
        scope: &[("publicipid", "publicipid", "publicipid")],
        nested: None,
        key: &[("publicport", "publicport"), ("privateport", "privateport")],
        value: &[("algorithm", "algorithm"), ("name", "name")],
        id_field: "id",
        split_cidrs: false,
        tags: false,
        defaults: &[],
    },
    RuleKind {
        kind: "securitygroupingress",
        aliases: &["ingress", "ingressrule", "securitygroupingressrule"],
        list: "listSecurityGroups",
        create: "authorizeSecurityGroupIngress",
        delete: "revokeSecurityGroupIngress",
        update: None,
        scope: SECURITY_GROUP,
        nested: Some("ingressrule"),
        key: SECURITY_GROUP_RULE,
        value: &[],
        id_field: "ruleid",
        split_cidrs: true,
        tags: false,
        defaults: PORTS,
    },
    RuleKind {
        kind: "securitygroupegress",
        aliases: &["egressrule_sg", "securitygroupegressrule"],
        list: "listSecurityGroups",
        create: "authorizeSecurityGroupEgress",
        delete: "revokeSecurityGroupEgress",
        update: None,
        scope: SECURITY_GROUP,
        nested: Some("egressrule"),
        key: SECURITY_GROUP_RULE,
        value: &[],
        id_field: "ruleid",
        split_cidrs: true,
        tags: false,
        defaults: PORTS,
    },
    RuleKind {
        kind: "tag",
        aliases: &["tags", "resourcetag"],
        list: "listTags",
        create: "createTags",
        delete: "deleteTags",
        update: None,
        scope: &[
            ("resourceid", "resourceid", "resourceids"),
            ("resourcetype", "resourcetype", "resourcetype"),
        ],
        nested: None,
        key: &[("key", "key")],
        value: &[("value", "value")],
        id_field: "key",
        split_cidrs: false,
        tags: true,
        defaults: &[],
    },
];

fn same_kind(name: &str, kind: &str, aliases: &[&str]) -> bool {
    name.eq_ignore_ascii_case(kind) || aliases.iter().any(|a| name.eq_ignore_ascii_case(a))
}

/// The hand-chosen object kind called `name` (or one of its aliases).
pub fn object(name: &str) -> Option<&'static ObjectKind> {
    OBJECTS
        .iter()
        .find(|kind| same_kind(name, kind.kind, kind.aliases))
}

/// The rule kind called `name` (or one of its aliases).
pub fn rules(name: &str) -> Option<&'static RuleKind> {
    RULES
        .iter()
        .find(|kind| same_kind(name, kind.kind, kind.aliases))
}

/// The commands of a kind without a hand-chosen identity, from the
/// catalogue: `list<Noun>s` and `create<Noun>` (both needed), and
/// `update<Noun>` if there is one. The identity is whatever fields the
/// script names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericKind {
    /// The list command.
    pub list: String,
    /// The create command.
    pub create: String,
    /// The update command, if the catalogue has one.
    pub update: Option<String>,
}

/// The catalogue's commands for kind `noun` (`affinitygroup`,
/// `VpnCustomerGateway`…), or `None` without both a list and a create.
pub fn generic(catalog: &Catalog, noun: &str) -> Option<GenericKind> {
    let list = catalog.resolve_words("list", noun)?;
    let create = catalog
        .resolve_words("create", noun)
        .or_else(|| catalog.resolve_words("add", noun))
        .or_else(|| catalog.resolve_words("register", noun))?;
    Some(GenericKind {
        list: list.name.to_string(),
        create: create.name.to_string(),
        update: catalog
            .resolve_words("update", noun)
            .map(|api| api.name.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_named_here_is_in_the_catalogue() {
        let catalog = crate::catalog::builtin();
        for kind in OBJECTS {
            for command in [Some(kind.list), Some(kind.create), kind.update]
                .into_iter()
                .flatten()
                .chain(kind.create_with.map(|(_, c)| c))
            {
                assert!(catalog.find(command).is_some(), "{command}");
            }
        }
        for kind in RULES {
            for command in [kind.list, kind.create, kind.delete] {
                assert!(catalog.find(command).is_some(), "{command}");
            }
        }
    }

    #[test]
    fn kinds_are_found_by_alias_in_any_case_and_others_from_the_catalogue() {
        assert_eq!(object("VM").unwrap().create, "deployVirtualMachine");
        assert_eq!(rules("Firewall").unwrap().list, "listFirewallRules");
        let generic = generic(crate::catalog::builtin(), "VpnCustomerGateway").unwrap();
        assert_eq!(generic.list, "listVpnCustomerGateways");
        assert_eq!(generic.create, "createVpnCustomerGateway");
        assert_eq!(generic.update.as_deref(), Some("updateVpnCustomerGateway"));
        assert!(super::generic(crate::catalog::builtin(), "zebra").is_none());
    }
}
