//! The commands the simulator knows: every command of the shared catalogue
//! ([`crate::catalog`]), and for the commands with long-standing
//! hand-written semantics a described table with what the catalogue lacks
//! (descriptions, lengths, the declared parameter order the server checks
//! in). The parameter layer checks parameters before a handler runs, as
//! `ParamProcessWorker` does: missing required parameters, non-numeric
//! integers, scalar maps, unknown uuids, over-long strings.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use super::kinds::Entity;
use super::params::{split_list, Params};
use super::respond::ApiError;
use super::state::State;

/// Parameter types as `listApis` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Uuid,
    Integer,
    Long,
    Boolean,
    List,
    Map,
    Date,
}

impl Ty {
    fn as_str(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Uuid => "uuid",
            Ty::Integer => "integer",
            Ty::Long => "long",
            Ty::Boolean => "boolean",
            Ty::List => "list",
            Ty::Map => "map",
            Ty::Date => "date",
        }
    }
}

pub(crate) struct ParamSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub description: &'static str,
    pub length: u32,
    /// For uuid parameters (and lists of uuids): the entity that must exist.
    pub entity: Option<Entity>,
    /// APIs that list what this parameter names (for completion).
    pub related: &'static str,
}

const fn p(name: &'static str, ty: Ty, description: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: false,
        description,
        length: 255,
        entity: None,
        related: "",
    }
}

impl ParamSpec {
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn of(mut self, entity: Entity) -> Self {
        self.entity = Some(entity);
        self.related = entity.list_command();
        self
    }
    /// `related` other than the entity's list command.
    const fn related(mut self, related: &'static str) -> Self {
        self.related = related;
        self
    }
    const fn len(mut self, length: u32) -> Self {
        self.length = length;
        self
    }
}

/// A response field for `listApis`: (name, type, description).
type Field = (&'static str, &'static str, &'static str);

/// What the simulator adds to the catalogue for a long-standing command:
/// `listApis`' descriptions, the declared parameter order the server checks
/// in, string lengths and the typed kind an id names. Whether it is async,
/// its answer key and its job class come from the catalogue ([`Command`]).
pub(crate) struct ApiSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub related: &'static str,
    pub params: &'static [ParamSpec],
    pub response: &'static [Field],
}

const KEYWORD: ParamSpec = p("keyword", Ty::Str, "List by keyword");
const PAGE: ParamSpec = p("page", Ty::Integer, "");
const PAGESIZE: ParamSpec = p("pagesize", Ty::Integer, "");
const LISTALL: ParamSpec = p(
    "listall",
    Ty::Boolean,
    "If set to false, list only resources belonging to the command's caller; if set to true - list resources that \
     the caller is authorized to see. Default value is false",
);
const ACCOUNT: ParamSpec = p(
    "account",
    Ty::Str,
    "list resources by account. Must be used with the domainId parameter.",
);
const DOMAINID: ParamSpec = p(
    "domainid",
    Ty::Uuid,
    "list only resources belonging to the domain specified",
)
.of(Entity::Domain);
const ISRECURSIVE: ParamSpec = p(
    "isrecursive",
    Ty::Boolean,
    "defaults to false, but if true, lists all resources from the parent specified by the domainId till leaves.",
);
const TAGS: ParamSpec = p("tags", Ty::Map, "List resources by tags (key/value pairs)");

/// A parameter list followed by the account-scoped list parameters
/// (`BaseListAccountResourcesCmd`: account, domain, listall, keyword, paging).
macro_rules! account_list {
    ($($param:expr),* $(,)?) => {
        &[$($param,)* ACCOUNT, DOMAINID, ISRECURSIVE, LISTALL, KEYWORD, PAGE, PAGESIZE]
    };
}

const VM_FIELDS: &[Field] = &[
    ("id", "string", "the ID of the virtual machine"),
    ("name", "string", "the name of the virtual machine"),
    ("displayname", "string", "user generated name. The name of the virtual machine is returned if no displayname exists."),
    ("account", "string", "the account associated with the virtual machine"),
    ("domainid", "string", "the ID of the domain in which the virtual machine exists"),
    ("created", "date", "the date when this virtual machine was created"),
    ("state", "string", "the state of the virtual machine"),
    ("zoneid", "string", "the ID of the availability zone for the virtual machine"),
    ("zonename", "string", "the name of the availability zone for the virtual machine"),
    ("hostid", "string", "the ID of the host for the virtual machine"),
    ("templateid", "string", "the ID of the template for the virtual machine"),
    ("templatename", "string", "the name of the template for the virtual machine"),
    ("passwordenabled", "boolean", "true if the password rest feature is enabled, false otherwise"),
    ("password", "string", "the password (if exists) of the virtual machine"),
    ("serviceofferingid", "string", "the ID of the service offering of the virtual machine"),
    ("serviceofferingname", "string", "the name of the service offering of the virtual machine"),
    ("cpunumber", "integer", "the number of vCPUs this virtual machine is using"),
    ("cpuspeed", "integer", "the speed of each vCPU"),
    ("memory", "integer", "the memory allocated for the virtual machine"),
    ("nic", "set", "the list of nics associated with vm"),
    ("hypervisor", "string", "the hypervisor on which the template runs"),
    ("instancename", "string", "instance name of the user vm; this parameter is returned to the ROOT admin only"),
    ("details", "map", "Vm details in key/value pairs."),
    ("tags", "set", "the list of resource tags associated"),
    ("jobid", "string", "the UUID of the latest async job acting on this object"),
    ("jobstatus", "integer", "the current status of the latest async job acting on this object"),
];
const ZONE_FIELDS: &[Field] = &[
    ("id", "string", "Zone id"),
    ("name", "string", "Zone name"),
    ("description", "string", "Zone description"),
    ("dns1", "string", "the first DNS for the Zone"),
    ("dns2", "string", "the second DNS for the Zone"),
    (
        "networktype",
        "string",
        "the network type of the zone; can be Basic or Advanced",
    ),
    (
        "allocationstate",
        "string",
        "the allocation state of the cluster",
    ),
    ("zonetoken", "string", "Zone Token"),
    (
        "tags",
        "set",
        "the list of resource tags associated with zone.",
    ),
];
const NETWORK_FIELDS: &[Field] = &[
    ("id", "string", "the id of the network"),
    ("name", "string", "the name of the network"),
    ("displaytext", "string", "the displaytext of the network"),
    (
        "cidr",
        "string",
        "Cloudstack managed address space, all CloudStack managed VMs get IP address from CIDR",
    ),
    ("gateway", "string", "the network's gateway"),
    ("netmask", "string", "the network's netmask"),
    ("zoneid", "string", "zone id of the network"),
    (
        "zonename",
        "string",
        "the name of the zone the network belongs to",
    ),
    ("state", "string", "state of the network"),
    ("type", "string", "the type of the network"),
    ("networkdomain", "string", "the network domain"),
    ("service", "list", "the list of services"),
    (
        "tags",
        "list",
        "the list of resource tags associated with network",
    ),
];
const IP_FIELDS: &[Field] = &[
    ("id", "string", "public IP address id"),
    ("ipaddress", "string", "public IP address"),
    (
        "allocated",
        "date",
        "date the public IP address was acquired",
    ),
    (
        "zoneid",
        "string",
        "the ID of the zone the public IP address belongs to",
    ),
    (
        "zonename",
        "string",
        "the name of the zone the public IP address belongs to",
    ),
    (
        "issourcenat",
        "boolean",
        "true if the IP address is a source nat address, false otherwise",
    ),
    (
        "associatednetworkid",
        "string",
        "the ID of the Network associated with the IP address",
    ),
    (
        "associatednetworkname",
        "string",
        "the name of the Network associated with the IP address",
    ),
    (
        "state",
        "string",
        "State of the ip address. Can be: Allocating, Allocated and Releasing",
    ),
    (
        "tags",
        "list",
        "the list of resource tags associated with ip address",
    ),
];
const TEMPLATE_FIELDS: &[Field] = &[
    ("id", "string", "the template ID"),
    ("name", "string", "the template name"),
    ("displaytext", "string", "the template display text"),
    (
        "ispublic",
        "boolean",
        "true if this template is a public template, false otherwise",
    ),
    (
        "isfeatured",
        "boolean",
        "true if this template is a featured template, false otherwise",
    ),
    (
        "isready",
        "boolean",
        "true if the template is ready to be deployed from, false otherwise.",
    ),
    (
        "passwordenabled",
        "boolean",
        "true if the reset password feature is enabled, false otherwise",
    ),
    (
        "ostypename",
        "string",
        "the name of the OS type for this template.",
    ),
    ("zoneid", "string", "the ID of the zone for this template"),
    (
        "zonename",
        "string",
        "the name of the zone for this template",
    ),
    (
        "hypervisor",
        "string",
        "the hypervisor on which the template runs",
    ),
    ("size", "long", "the size of the template"),
    ("tags", "set", "the list of resource tags associated"),
];
const OFFERING_FIELDS: &[Field] = &[
    ("id", "string", "the id of the service offering"),
    ("name", "string", "the name of the service offering"),
    (
        "displaytext",
        "string",
        "an alternate display text of the service offering.",
    ),
    ("cpunumber", "integer", "the number of CPU"),
    ("cpuspeed", "integer", "the clock rate CPU speed in Mhz"),
    ("memory", "integer", "the memory in MB"),
    (
        "created",
        "date",
        "the date this service offering was created",
    ),
];
const RULE_FIELDS: &[Field] = &[
    ("id", "string", "the ID of the port forwarding rule"),
    (
        "privateport",
        "string",
        "the starting port of port forwarding rule's private port range",
    ),
    (
        "privateendport",
        "string",
        "the ending port of port forwarding rule's private port range",
    ),
    (
        "protocol",
        "string",
        "the protocol of the port forwarding rule",
    ),
    (
        "publicport",
        "string",
        "the starting port of port forwarding rule's public port range",
    ),
    (
        "publicendport",
        "string",
        "the ending port of port forwarding rule's private port range",
    ),
    (
        "virtualmachineid",
        "string",
        "the VM ID for the port forwarding rule",
    ),
    (
        "ipaddressid",
        "string",
        "the public ip address id for the port forwarding rule",
    ),
    (
        "ipaddress",
        "string",
        "the public ip address for the port forwarding rule",
    ),
    ("state", "string", "the state of the rule"),
    (
        "networkid",
        "string",
        "the id of the guest network the port forwarding rule belongs to",
    ),
];
const JOB_FIELDS: &[Field] = &[
    (
        "accountid",
        "string",
        "the account id that executed the async command",
    ),
    (
        "userid",
        "string",
        "the user that executed the async command",
    ),
    ("cmd", "string", "the async command executed"),
    (
        "jobstatus",
        "integer",
        "the current job status-should be 0 for PENDING",
    ),
    (
        "jobprocstatus",
        "integer",
        "the progress information of the PENDING job",
    ),
    ("jobresultcode", "integer", "the result code for the job"),
    ("jobresulttype", "string", "the result type"),
    ("jobresult", "responseobject", "the result reason"),
    (
        "jobinstancetype",
        "string",
        "the instance/entity object related to the job",
    ),
    (
        "jobinstanceid",
        "string",
        "the unique ID of the instance/entity object related to the job",
    ),
    ("created", "date", "the created date of the job"),
    ("completed", "date", "the completed date of the job"),
    (
        "jobid",
        "string",
        "the UUID of the latest async job acting on this object",
    ),
];
const TAG_FIELDS: &[Field] = &[
    ("key", "string", "tag key name"),
    ("value", "string", "tag value"),
    ("resourcetype", "string", "resource type"),
    ("resourceid", "string", "id of the resource"),
    ("account", "string", "the account associated with the tag"),
    (
        "domainid",
        "string",
        "the ID of the domain associated with the tag",
    ),
];
const SUCCESS_FIELDS: &[Field] = &[
    (
        "success",
        "boolean",
        "true if operation is executed successfully",
    ),
    (
        "displaytext",
        "string",
        "any text associated with the success or failure",
    ),
];
const API_FIELDS: &[Field] = &[
    ("name", "string", "the name of the api command"),
    ("description", "string", "description of the api"),
    ("isasync", "boolean", "true if api is asynchronous"),
    ("related", "string", "comma separated related apis"),
    ("params", "set", "the list params the api accepts"),
    ("response", "set", "api response fields"),
];
const LOGIN_FIELDS: &[Field] = &[
    ("username", "string", "Username"),
    ("userid", "string", "User ID"),
    ("domainid", "string", "Domain ID that the user belongs to"),
    (
        "timeout",
        "int",
        "the time period before the session has expired",
    ),
    ("account", "string", "the account name the user belongs to"),
    (
        "type",
        "string",
        "the account type (admin, domain-admin, read-only-admin, user)",
    ),
    (
        "sessionkey",
        "string",
        "Session key that can be passed in subsequent Query command calls",
    ),
];
const LOGOUT_FIELDS: &[Field] = &[("description", "string", "Response description")];

const VM_RELATED: &str =
    "startVirtualMachine,stopVirtualMachine,rebootVirtualMachine,destroyVirtualMachine,listVirtualMachines";

/// The commands described by hand, in the server's declared parameter order.
pub(crate) static DESCRIBED: &[ApiSpec] = &[
    ApiSpec {
        name: "listApis",
        description: "lists all available apis on the server, provided by the Api Discovery plugin",
        related: "",
        params: &[p("name", Ty::Str, "API name")],
        response: API_FIELDS,
    },
    ApiSpec {
        name: "listZones",
        description: "Lists zones",
        related: "",
        params: &[
            p("id", Ty::Uuid, "the ID of the zone").of(Entity::Zone),
            p("ids", Ty::List, "the IDs of the zones, mutually exclusive with id").of(Entity::Zone),
            p(
                "available",
                Ty::Boolean,
                "true if you want to retrieve all available Zones. False if you only want to return the Zones from \
                 which you have at least one VM. Default is false.",
            ),
            p("domainid", Ty::Uuid, "the ID of the domain associated with the zone").of(Entity::Domain),
            p("name", Ty::Str, "the name of the zone"),
            p("networktype", Ty::Str, "the network type of the zone that the virtual machine belongs to"),
            p("showcapacities", Ty::Boolean, "flag to display the capacity of the zones"),
            TAGS,
            KEYWORD,
            PAGE,
            PAGESIZE,
        ],
        response: ZONE_FIELDS,
    },
    ApiSpec {
        name: "listNetworks",
        description: "Lists all available networks.",
        related: "",
        params: account_list![
            p("id", Ty::Uuid, "list networks by ID").of(Entity::Network),
            p("zoneid", Ty::Uuid, "the zone ID of the network").of(Entity::Zone),
            p("type", Ty::Str, "the type of the network. Supported values are: isolated, l2, shared and all"),
            p("isdefault", Ty::Boolean, "true if network is default, false otherwise"),
            p("traffictype", Ty::Str, "type of the traffic"),
            p("name", Ty::Str, "list networks by name"),
            p("canusefordeploy", Ty::Boolean, "list networks available for VM deployment"),
            p("vpcid", Ty::Uuid, "List networks by VPC"),
            TAGS,
        ],
        response: NETWORK_FIELDS,
    },
    ApiSpec {
        name: "listPublicIpAddresses",
        description: "Lists all public IP addresses",
        related: "associateIpAddress",
        params: account_list![
            p("allocatedonly", Ty::Boolean, "limits search results to allocated public IP addresses"),
            p("state", Ty::Str, "lists all public IP addresses by state"),
            p("forvirtualnetwork", Ty::Boolean, "the virtual network for the IP address"),
            p("id", Ty::Uuid, "lists IP address by ID").of(Entity::PublicIp),
            p("ipaddress", Ty::Str, "lists the specified IP address"),
            p("vlanid", Ty::Uuid, "lists all public IP addresses by VLAN ID"),
            p("zoneid", Ty::Uuid, "lists all public IP addresses by zone ID").of(Entity::Zone),
            p("physicalnetworkid", Ty::Uuid, "lists all public IP addresses by physical network ID"),
            p("associatednetworkid", Ty::Uuid, "lists all public IP addresses associated to the network specified")
                .of(Entity::Network),
            p("networkid", Ty::Uuid, "lists all public IP addresses by source network ID")
                .of(Entity::Network),
            p("issourcenat", Ty::Boolean, "list only source NAT IP addresses"),
            p("isstaticnat", Ty::Boolean, "list only static NAT IP addresses"),
            p("vpcid", Ty::Uuid, "List IPs belonging to the VPC"),
            TAGS,
        ],
        response: IP_FIELDS,
    },
    ApiSpec {
        name: "associateIpAddress",
        description: "Acquires and associates a public IP to an account.",
        related: "listPublicIpAddresses",
        params: &[
            p("account", Ty::Str, "the account to associate with this IP address"),
            p("domainid", Ty::Uuid, "the ID of the domain to associate with this IP address")
                .of(Entity::Domain),
            p("zoneid", Ty::Uuid, "the ID of the availability zone you want to acquire an public IP address from")
                .of(Entity::Zone),
            p("networkid", Ty::Uuid, "The network this IP address should be associated to.")
                .of(Entity::Network),
            p("vpcid", Ty::Uuid, "the VPC you want the IP address to be associated with"),
            p("isportable", Ty::Boolean, "should be set to true if public IP is required to be transferable across zones"),
            p("ipaddress", Ty::Str, "IP Address to be associated"),
            p("fordisplay", Ty::Boolean, "an optional field, whether to the display the IP to the end user or not"),
        ],
        response: IP_FIELDS,
    },
    ApiSpec {
        name: "disassociateIpAddress",
        description: "Disassociates an IP address from the account.",
        related: "",
        params: &[p("id", Ty::Uuid, "the ID of the public IP address to disassociate")
            .of(Entity::PublicIp)],
        response: SUCCESS_FIELDS,
    },
    ApiSpec {
        name: "listTemplates",
        description: "List all public, private, and privileged templates.",
        related: "",
        params: account_list![
            p("hypervisor", Ty::Str, "the hypervisor for which to restrict the search"),
            p("id", Ty::Uuid, "the template ID").of(Entity::Template),
            p("ids", Ty::List, "the IDs of the templates, mutually exclusive with id").of(Entity::Template),
            p("name", Ty::Str, "the template name"),
            p(
                "templatefilter",
                Ty::Str,
                "possible values are \"featured\", \"self\", \"selfexecutable\",\"sharedexecutable\",\"executable\", \
                 and \"community\". * featured : templates that have been marked as featured and public. * self : \
                 templates that have been registered or created by the calling user. * selfexecutable : same as self, \
                 but only returns templates that can be used to deploy a new VM. * sharedexecutable : templates ready \
                 to be deployed that have been granted to the calling user by another user. * executable : templates \
                 that are owned by the calling user, or public templates, that can be used to deploy a VM. * community : \
                 templates that have been marked as public but not featured. * all : all templates (only usable by \
                 admins).",
            )
            .req(),
            p("zoneid", Ty::Uuid, "list templates by zoneId").of(Entity::Zone),
            p("showremoved", Ty::Boolean, "show removed templates as well"),
            TAGS,
        ],
        response: TEMPLATE_FIELDS,
    },
    ApiSpec {
        name: "listServiceOfferings",
        description: "Lists all available service offerings.",
        related: "",
        params: &[
            p("id", Ty::Uuid, "ID of the service offering").of(Entity::Offering),
            p("name", Ty::Str, "name of the service offering"),
            p(
                "virtualmachineid",
                Ty::Uuid,
                "the ID of the virtual machine. Pass this in if you want to see the available service offering that \
                 a virtual machine can be changed to.",
            )
            .of(Entity::Vm),
            p("issystem", Ty::Boolean, "is this a system vm offering"),
            p("systemvmtype", Ty::Str, "the system VM type. Possible types are \"consoleproxy\", \"secondarystoragevm\" or \"domainrouter\"."),
            p("zoneid", Ty::Uuid, "id of zone disk offering is associated with").of(Entity::Zone),
            p("cpunumber", Ty::Integer, "the CPU number that listed offerings must support"),
            p("memory", Ty::Integer, "the RAM memory that listed offering must support"),
            p("cpuspeed", Ty::Integer, "the CPU speed that listed offerings must support"),
            DOMAINID,
            ISRECURSIVE,
            KEYWORD,
            PAGE,
            PAGESIZE,
        ],
        response: OFFERING_FIELDS,
    },
    ApiSpec {
        name: "deployVirtualMachine",
        description: "Creates and automatically starts a virtual machine based on a service offering, disk offering, \
                      and template.",
        related: VM_RELATED,
        params: &[
            p("zoneid", Ty::Uuid, "availability zone for the virtual machine").req().of(Entity::Zone),
            p("serviceofferingid", Ty::Uuid, "the ID of the service offering for the virtual machine")
                .req()
                .of(Entity::Offering),
            p("templateid", Ty::Uuid, "the ID of the template for the virtual machine")
                .req()
                .of(Entity::Template),
            p("name", Ty::Str, "host name for the virtual machine"),
            p("displayname", Ty::Str, "an optional user generated name for the virtual machine"),
            p("account", Ty::Str, "an optional account for the virtual machine. Must be used with domainId."),
            p("domainid", Ty::Uuid, "an optional domainId for the virtual machine. If the account parameter is used, domainId must also be used.")
                .of(Entity::Domain),
            p("networkids", Ty::List, "list of network ids used by virtual machine. Can't be specified with ipToNetworkList parameter")
                .of(Entity::Network),
            p(
                "iptonetworklist",
                Ty::Map,
                "ip to network mapping. Can't be specified with networkIds parameter. Example: \
                 iptonetworklist[0].ip=10.10.10.11&iptonetworklist[0].ipv6=fc00:1234:5678::abcd&iptonetworklist[0].networkid=uuid",
            ),
            p("ipaddress", Ty::Str, "the ip address for default vm's network"),
            p("keypair", Ty::Str, "name of the ssh key pair used to login to the virtual machine"),
            p("keypairs", Ty::List, "names of the ssh key pairs used to login to the virtual machine"),
            p(
                "userdata",
                Ty::Str,
                "an optional binary data that can be sent to the virtual machine upon a successful deployment. This \
                 binary data must be base64 encoded before adding it to the request.",
            )
            .len(1_048_576),
            p("startvm", Ty::Boolean, "true if start vm after creating; defaulted to true if not specified"),
            p("details", Ty::Map, "used to specify the custom parameters. 'extraconfig' is not allowed to be passed in details."),
            p("group", Ty::Str, "an optional group for the virtual machine"),
            p("hypervisor", Ty::Str, "the hypervisor on which to deploy the virtual machine."),
            p("securitygroupids", Ty::List, "comma separated list of security groups id that going to be applied to the virtual machine."),
            p("affinitygroupids", Ty::List, "comma separated list of affinity groups id that are going to be applied to the virtual machine."),
            p("diskofferingid", Ty::Uuid, "the ID of the disk offering for the virtual machine."),
            p("rootdisksize", Ty::Long, "Optional field to resize root disk on deploy. Value is in GB."),
            p("size", Ty::Long, "the arbitrary size for the DATADISK volume. Mutually exclusive with diskOfferingId"),
            p("displayvm", Ty::Boolean, "an optional field, whether to the display the vm to the end user or not."),
            p("keyboard", Ty::Str, "an optional keyboard device type for the virtual machine."),
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "listVirtualMachines",
        description: "List the virtual machines owned by the account.",
        related: VM_RELATED,
        params: account_list![
            p("id", Ty::Uuid, "the ID of the virtual machine").of(Entity::Vm),
            p("ids", Ty::List, "the IDs of the virtual machines, mutually exclusive with id")
                .of(Entity::Vm),
            p("name", Ty::Str, "name of the virtual machine (a substring match)"),
            p("state", Ty::Str, "state of the virtual machine. Possible values are: Running, Stopped, Present, Destroyed, Expunged. Present is used for the state equal not destroyed."),
            p("zoneid", Ty::Uuid, "the availability zone ID").of(Entity::Zone),
            p("templateid", Ty::Uuid, "list vms by template").of(Entity::Template),
            p("serviceofferingid", Ty::Uuid, "list by the service offering").of(Entity::Offering),
            p("networkid", Ty::Uuid, "list by network id").of(Entity::Network),
            p("hypervisor", Ty::Str, "the target hypervisor for the template"),
            p("keypair", Ty::Str, "list vms by ssh keypair name"),
            p("groupid", Ty::Uuid, "the group ID"),
            p("details", Ty::List, "comma separated list of vm details requested, value can be a list of [all, group, nics, stats, secgrp, tmpl, servoff, diskoff, iso, volume, min, affgrp]. If no parameter is passed in, the details will be defaulted to all"),
            p("displayvm", Ty::Boolean, "list resources by display flag; only ROOT admin is eligible to pass this parameter"),
            TAGS,
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "startVirtualMachine",
        description: "Starts a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", Ty::Uuid, "The ID of the virtual machine").req().of(Entity::Vm),
            p("hostid", Ty::Uuid, "destination Host ID to deploy the VM to - parameter available for root admin only"),
            p("considerlasthost", Ty::Boolean, "True by default, CloudStack will firstly try to start the VM on the last host where it run on before stopping, if destination host is not specified."),
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "stopVirtualMachine",
        description: "Stops a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", Ty::Uuid, "The ID of the virtual machine").req().of(Entity::Vm),
            p("forced", Ty::Boolean, "Force stop the VM (vm is marked as Stopped even when command fails to be send to the backend, otherwise a force poweroff is attempted). To be used if the caller knows the VM is stopped and should be marked as such."),
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "rebootVirtualMachine",
        description: "Reboots a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", Ty::Uuid, "The ID of the virtual machine").req().of(Entity::Vm),
            p("forced", Ty::Boolean, "Force reboot the VM (VM is Stopped and then Started)"),
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "destroyVirtualMachine",
        description: "Destroys a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", Ty::Uuid, "The ID of the virtual machine").req().of(Entity::Vm),
            p("expunge", Ty::Boolean, "If true is passed, the vm is expunged immediately. False by default."),
            p("volumeids", Ty::List, "Comma separated list of UUIDs for volumes that will be deleted"),
        ],
        response: VM_FIELDS,
    },
    ApiSpec {
        name: "queryAsyncJobResult",
        description: "Retrieves the current status of asynchronous job.",
        related: "",
        params: &[p("jobid", Ty::Uuid, "the ID of the asynchronous job").req().of(Entity::Job)],
        response: JOB_FIELDS,
    },
    ApiSpec {
        name: "listAsyncJobs",
        description: "Lists all pending asynchronous jobs for the account.",
        related: "queryAsyncJobResult",
        params: account_list![
            p("startdate", Ty::Date, "The start date of the async job (use format \"yyyy-MM-dd'T'HH:mm:ss'+'SSSS\")"),
        ],
        response: JOB_FIELDS,
    },
    ApiSpec {
        name: "createTags",
        description: "Creates resource tag(s)",
        related: "listTags",
        params: &[
            p("tags", Ty::Map, "Map of tags (key/value pairs)").req(),
            p("resourcetype", Ty::Str, "type of the resource").req(),
            p("resourceids", Ty::List, "list of resources to create the tags for").req(),
            p("customer", Ty::Str, "identifies client specific tag. When the value is not null, the tag can't be used by cloudStack code internally"),
        ],
        response: SUCCESS_FIELDS,
    },
    ApiSpec {
        name: "deleteTags",
        description: "Deleting resource tag(s)",
        related: "",
        params: &[
            p("tags", Ty::Map, "Delete tags matching key/value pairs"),
            p("resourcetype", Ty::Str, "Delete tag by resource type").req(),
            p("resourceids", Ty::List, "Delete tags for resource id(s)").req(),
        ],
        response: SUCCESS_FIELDS,
    },
    ApiSpec {
        name: "listTags",
        description: "List resource tag(s)",
        related: "createTags",
        params: account_list![
            p("resourcetype", Ty::Str, "list by resource type"),
            p("resourceid", Ty::Str, "list by resource id"),
            p("key", Ty::Str, "list by key"),
            p("value", Ty::Str, "list by value"),
            p("customer", Ty::Str, "list by customer name"),
        ],
        response: TAG_FIELDS,
    },
    ApiSpec {
        name: "createPortForwardingRule",
        description: "Creates a port forwarding rule",
        related: "listPortForwardingRules",
        params: &[
            p("ipaddressid", Ty::Uuid, "the IP address id of the port forwarding rule")
                .req()
                .of(Entity::PublicIp)
                .related("associateIpAddress,listPublicIpAddresses"),
            p("privateport", Ty::Integer, "the starting port of port forwarding rule's private port range").req(),
            p("protocol", Ty::Str, "the protocol for the port forwarding rule. Valid values are TCP or UDP.").req(),
            p("privateendport", Ty::Integer, "the ending port of port forwarding rule's private port range"),
            p("publicport", Ty::Integer, "the starting port of port forwarding rule's public port range").req(),
            p("publicendport", Ty::Integer, "the ending port of port forwarding rule's private port range"),
            p("virtualmachineid", Ty::Uuid, "the ID of the virtual machine for the port forwarding rule")
                .req()
                .of(Entity::Vm),
            p("cidrlist", Ty::List, "the cidr list to forward traffic from. Multiple entries must be separated by a single comma character (,). This parameter is deprecated. Do not use."),
            p("openfirewall", Ty::Boolean, "if true, firewall rule for source/end public port is automatically created; if false - firewall rule has to be created explicitly. If not specified 1) defaulted to false when PF rule is being created for VPC guest network 2) in all other cases defaulted to true"),
            p("vmguestip", Ty::Str, "VM guest nic secondary IP address for the port forwarding rule"),
            p("networkid", Ty::Uuid, "the network of the virtual machine the port forwarding rule will be created for. Required when public IP address is not associated with any guest network yet (VPC case).")
                .of(Entity::Network),
            p("fordisplay", Ty::Boolean, "an optional field, whether to the display the rule to the end user or not"),
        ],
        response: RULE_FIELDS,
    },
    ApiSpec {
        name: "listPortForwardingRules",
        description: "Lists all port forwarding rules for an IP address.",
        related: "createPortForwardingRule",
        params: account_list![
            p("id", Ty::Uuid, "Lists rule with the specified ID.").of(Entity::Rule),
            p("ipaddressid", Ty::Uuid, "the ID of IP address of the port forwarding services")
                .of(Entity::PublicIp),
            p("networkid", Ty::Uuid, "list port forwarding rules for certain network").of(Entity::Network),
            p("fordisplay", Ty::Boolean, "list resources by display flag; only ROOT admin is eligible to pass this parameter"),
            TAGS,
        ],
        response: RULE_FIELDS,
    },
    ApiSpec {
        name: "deletePortForwardingRule",
        description: "Deletes a port forwarding rule",
        related: "",
        params: &[p("id", Ty::Uuid, "the ID of the port forwarding rule").req().of(Entity::Rule)],
        response: SUCCESS_FIELDS,
    },
    ApiSpec {
        name: "login",
        description: "Logs a user into the CloudStack. A successful login attempt will generate a JSESSIONID cookie \
                      value that can be passed in subsequent Query command calls until the \"logout\" command has \
                      been issued or the session has expired.",
        related: "",
        params: &[
            p("username", Ty::Str, "Username").req(),
            p("password", Ty::Str, "Hashed password (Default is MD5). If you wish to use any other hashing algorithm, you would need to write a custom authentication adapter See Docs section.").req(),
            p("domain", Ty::Str, "Path of the domain that the user belongs to. Example: domain=/com/cloud/internal. If no domain is passed in, the ROOT (/) domain is assumed."),
            p("domainId", Ty::Long, "The id of the domain that the user belongs to. If both domain and domainId are passed in, \"domainId\" parameter takes precedence."),
        ],
        response: LOGIN_FIELDS,
    },
    ApiSpec {
        name: "logout",
        description: "Logs out the user",
        related: "",
        params: &[],
        response: LOGOUT_FIELDS,
    },
];

/// A command the simulator answers: the catalogue's description, the
/// hand-written one if any, and its handler if it has hand-written semantics
/// (else the generic resource model answers it).
pub(crate) struct Command {
    /// The exact name.
    pub name: &'static str,
    /// `<lowercase name>response`.
    pub key: &'static str,
    /// The shared catalogue's entry.
    pub cat: &'static crate::catalog::Api,
    /// The hand-written description, for the long-standing commands.
    pub described: Option<&'static ApiSpec>,
    /// The `cmd` its jobs show (a Java class name, as the server's).
    pub job_cmd: &'static str,
}

impl Command {
    /// The command name lower-cased, as error texts spell it.
    pub fn lower(&self) -> &'static str {
        &self.key[..self.key.len() - "response".len()]
    }

    /// Whether it answers with a job.
    pub fn is_async(&self) -> bool {
        self.cat.is_async
    }
}

static COMMANDS: LazyLock<HashMap<&'static str, Command>> = LazyLock::new(|| {
    let described: HashMap<&str, &'static ApiSpec> =
        DESCRIBED.iter().map(|spec| (spec.name, spec)).collect();
    crate::catalog::builtin()
        .apis()
        .iter()
        .map(|api| {
            let name: &'static str = &api.name;
            let key: &'static str =
                Box::leak(format!("{}response", name.to_ascii_lowercase()).into_boxed_str());
            let mut class = name.to_string();
            if let Some(first) = class.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            let job_cmd: &'static str =
                Box::leak(format!("org.apache.cloudstack.api.command.{class}Cmd").into_boxed_str());
            (
                name,
                Command {
                    name,
                    key,
                    cat: api,
                    described: described.get(name).copied(),
                    job_cmd,
                },
            )
        })
        .collect()
});

/// A command by its exact (case-sensitive) name, as the server's command
/// map is keyed.
pub(crate) fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.get(name)
}

/// The fields of a command's answer (of one element for a list).
pub(crate) fn fields_of(name: &str) -> &'static crate::catalog::Fields {
    static EMPTY: LazyLock<crate::catalog::Fields> = LazyLock::new(Default::default);
    find(name).map_or(&EMPTY, |command| command.cat.response.fields())
}

/// Every command, sorted by name.
pub(crate) fn all() -> Vec<&'static Command> {
    let mut all: Vec<&'static Command> = COMMANDS.values().collect();
    all.sort_unstable_by_key(|command| command.name);
    all
}

/// One parameter as the checker sees it, whichever description it comes
/// from: the catalogue's, or the hand-written table of a long-standing
/// command (which adds lengths and the declared order).
struct Check<'a> {
    name: &'a str,
    ty: Ty,
    required: bool,
    /// The longest string accepted, when known (the catalogue has no lengths).
    length: Option<u32>,
    /// What an id must name.
    names: Option<Names<'a>>,
}

/// What an id parameter must name: a typed kind, or (from the catalogue)
/// a response class such as `ZoneResponse`.
#[derive(Clone, Copy)]
enum Names<'a> {
    Entity(Entity),
    Class(&'a str),
}

impl Names<'_> {
    fn exists(self, st: &State, id: &str) -> bool {
        match self {
            Names::Entity(entity) => st.exists(entity, id),
            Names::Class(class) => st.entity_exists(class, id),
        }
    }
}

/// The parameters of a command in the order the server checks them: the
/// declared order of a described command, else the catalogue's
/// (alphabetical) one.
fn checks(command: &Command) -> Vec<Check<'static>> {
    use crate::catalog::ValueType;
    if let Some(api) = command.described {
        return api
            .params
            .iter()
            .map(|spec| Check {
                name: spec.name,
                ty: spec.ty,
                required: spec.required,
                length: (spec.ty == Ty::Str).then_some(spec.length),
                names: spec.entity.map(Names::Entity),
            })
            .collect();
    }
    command
        .cat
        .params
        .iter()
        .map(|spec| {
            let ty = match spec.kind {
                ValueType::Integer | ValueType::Short => Ty::Integer,
                ValueType::Long => Ty::Long,
                ValueType::Date | ValueType::TzDate => Ty::Date,
                ValueType::Uuid => Ty::Uuid,
                ValueType::List => Ty::List,
                ValueType::Map => Ty::Map,
                ValueType::Boolean => Ty::Boolean,
                ValueType::String | ValueType::Double | ValueType::Float | ValueType::Object => {
                    Ty::Str
                }
            };
            Check {
                name: &spec.name,
                ty,
                required: spec.required,
                length: None,
                names: spec.entity.as_deref().map(Names::Class),
            }
        })
        .collect()
}

/// The parameter layer's checks, as `ParamProcessWorker` runs them: for
/// each parameter in order, a map given as a scalar, then a missing
/// required one, then its type (numbers, dates), the ids it names, and a
/// string's length. The first failure wins.
pub(crate) fn check(command: &Command, params: &Params, st: &State) -> Result<(), ApiError> {
    let lower = command.lower();
    for spec in checks(command) {
        let name = spec.name;
        let key = name.to_ascii_lowercase();
        if spec.ty == Ty::Map {
            if params.map(&key).is_some() {
                continue;
            }
            if let Some(value) = params.get(&key) {
                return Err(ApiError::bad_value(lower, value, name));
            }
            if spec.required {
                return Err(ApiError::missing(lower, name));
            }
            continue;
        }
        let Some(value) = params.get(&key) else {
            if spec.required {
                return Err(ApiError::missing(lower, name));
            }
            continue;
        };
        let bad_value = match spec.ty {
            Ty::Integer => value.trim().parse::<i32>().is_err(),
            Ty::Long => value.trim().parse::<i64>().is_err(),
            Ty::Date => parse_date(value).is_none(),
            _ => false,
        };
        if bad_value {
            return Err(ApiError::bad_value(lower, value, name));
        }
        let ids = match (spec.ty, spec.names) {
            (Ty::Uuid, Some(names)) => Some((names, vec![value])),
            (Ty::List, Some(names)) => Some((names, split_list(value))),
            _ => None,
        };
        if let Some((names, ids)) = ids {
            if let Some(bad) = ids.into_iter().find(|id| !names.exists(st, id)) {
                return Err(ApiError::no_entity(lower, name, bad));
            }
        }
        if let Some(length) = spec.length {
            if value.chars().count() > length as usize {
                return Err(ApiError::param(format!(
                    "Unable to execute API command {lower} due to invalid value. Value greater than max \
                     allowed length {length} for param: {name}"
                )));
            }
        }
    }
    Ok(())
}

/// Dates given as parameters: `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss`, or the
/// `expires` formats.
pub(crate) fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Some(at) = crate::client::sign::parse_expires(text) {
        return Some(at);
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[derive(Serialize)]
struct ParamView<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    length: u32,
    required: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    related: &'a str,
}

#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    description: &'static str,
    #[serde(rename = "type")]
    ty: String,
}

/// One `listApis` entry (`ApiDiscoveryResponse`).
#[derive(Serialize)]
pub(crate) struct ApiView<'a> {
    name: &'a str,
    description: &'a str,
    isasync: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    related: &'a str,
    params: Vec<ParamView<'a>>,
    response: Vec<FieldView<'a>>,
}

/// A command as `listApis` describes it: the hand-written description when
/// there is one, else the catalogue's facts (no descriptions; `related`
/// names the list command of an id parameter's entity).
pub(crate) fn api_view(command: &'static Command) -> ApiView<'static> {
    if let Some(api) = command.described {
        return ApiView {
            name: api.name,
            description: api.description,
            isasync: command.cat.is_async,
            related: api.related,
            params: api
                .params
                .iter()
                .map(|p| ParamView {
                    name: p.name,
                    description: p.description,
                    ty: p.ty.as_str(),
                    length: p.length,
                    required: p.required,
                    related: p.related,
                })
                .collect(),
            response: api
                .response
                .iter()
                .map(|&(name, ty, description)| FieldView {
                    name,
                    description,
                    ty: ty.to_string(),
                })
                .collect(),
        };
    }
    let catalog = crate::catalog::builtin();
    let api = command.cat;
    ApiView {
        name: command.name,
        description: "",
        isasync: api.is_async,
        related: "",
        params: api
            .params
            .iter()
            .map(|p| ParamView {
                name: &p.name,
                description: "",
                ty: p.kind.as_str(),
                length: 255,
                required: p.required,
                related: p
                    .entity
                    .as_deref()
                    .and_then(|entity| catalog.list_command_for_entity(entity))
                    .map_or("", |list| &list.name),
            })
            .collect(),
        response: api
            .response
            .fields()
            .iter()
            .map(|field| FieldView {
                name: &field.name,
                description: "",
                ty: field_type_name(&field.kind),
            })
            .collect(),
    }
}

/// A response field's type as `listApis` names it.
fn field_type_name(kind: &crate::catalog::FieldType) -> String {
    use crate::catalog::FieldType;
    match kind {
        FieldType::Value(ty) => ty.as_str().to_string(),
        FieldType::Values(_) | FieldType::Objects(_) => "list".into(),
        FieldType::Object(_) => "object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_keys_are_lowercase_names() {
        for api in DESCRIBED {
            assert_eq!(
                find(api.name).unwrap().key,
                format!("{}response", api.name.to_ascii_lowercase()),
                "{}",
                api.name
            );
            let mut names: Vec<_> = api
                .params
                .iter()
                .map(|p| p.name.to_ascii_lowercase())
                .collect();
            names.sort();
            names.dedup();
            assert_eq!(
                names.len(),
                api.params.len(),
                "duplicate parameter in {}",
                api.name
            );
        }
        assert!(find("listZones").is_some());
        assert!(find("listSSHKeyPairs").is_some(), "every catalogue command");
        assert!(
            find("listzones").is_none(),
            "command names are case-sensitive on the server"
        );
    }

    #[test]
    fn deploy_requires_zone_offering_template_in_that_order() {
        let required: Vec<_> = find("deployVirtualMachine")
            .unwrap()
            .described
            .unwrap()
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        assert_eq!(required, ["zoneid", "serviceofferingid", "templateid"]);
    }

    #[test]
    fn parses_dates() {
        assert!(parse_date("2024-01-31").is_some());
        assert!(parse_date("2024-01-31 10:00:00").is_some());
        assert!(parse_date("2024-01-31T10:00:00+0000").is_some());
        assert!(parse_date("yesterday").is_none());
    }
}
