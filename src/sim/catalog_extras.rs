//! What the simulator knows about a long-standing command beyond the
//! shared catalogue ([`crate::catalog`]), as data keyed by command and
//! parameter name: the server's description texts `listApis` shows, the
//! declared order `ParamProcessWorker` checks parameters in, string
//! lengths. A parameter's type, required flag and entity, and a command's
//! async flag and answer key, always come from the catalogue; the merged
//! view is [`super::catalog::Command`]. Plain data: it imports nothing.

/// What a parameter adds to the catalogue's.
pub(crate) struct ParamExtra {
    /// The parameter's name, as the catalogue spells it.
    pub name: &'static str,
    /// The server's description.
    pub description: &'static str,
    /// The longest string accepted (`@Parameter(length)`, 255 unless set).
    pub length: u32,
    /// `related` other than the list command of the catalogue's entity.
    pub related: Option<&'static str>,
}

const fn p(name: &'static str, description: &'static str) -> ParamExtra {
    ParamExtra {
        name,
        description,
        length: 255,
        related: None,
    }
}

impl ParamExtra {
    const fn related(mut self, related: &'static str) -> Self {
        self.related = Some(related);
        self
    }
    const fn len(mut self, length: u32) -> Self {
        self.length = length;
        self
    }
}

/// A response field's description for `listApis`: (name, description).
type Field = (&'static str, &'static str);

/// What the simulator adds to the catalogue for one command.
pub(crate) struct CommandExtra {
    /// The command's exact name.
    pub name: &'static str,
    /// The server's description.
    pub description: &'static str,
    /// Comma-separated related commands.
    pub related: &'static str,
    /// Parameters in the server's declared order (the catalogue's other
    /// parameters follow, alphabetically).
    pub params: &'static [ParamExtra],
    /// Descriptions of answer fields.
    pub fields: &'static [Field],
}

const KEYWORD: ParamExtra = p("keyword", "List by keyword");
const PAGE: ParamExtra = p("page", "");
const PAGESIZE: ParamExtra = p("pagesize", "");
const LISTALL: ParamExtra = p("listall",
    "If set to false, list only resources belonging to the command's caller; if set to true - list resources that \
     the caller is authorized to see. Default value is false",
);
const ACCOUNT: ParamExtra = p(
    "account",
    "list resources by account. Must be used with the domainId parameter.",
);
const DOMAINID: ParamExtra = p(
    "domainid",
    "list only resources belonging to the domain specified",
);
const ISRECURSIVE: ParamExtra = p("isrecursive",
    "defaults to false, but if true, lists all resources from the parent specified by the domainId till leaves.",
);
const TAGS: ParamExtra = p("tags", "List resources by tags (key/value pairs)");

/// A parameter list followed by the account-scoped list parameters
/// (`BaseListAccountResourcesCmd`: account, domain, listall, keyword, paging).
macro_rules! account_list {
    ($($param:expr),* $(,)?) => {
        &[$($param,)* ACCOUNT, DOMAINID, ISRECURSIVE, LISTALL, KEYWORD, PAGE, PAGESIZE]
    };
}

const VM_FIELDS: &[Field] = &[
    ("id", "the ID of the virtual machine"),
    ("name", "the name of the virtual machine"),
    ("displayname", "user generated name. The name of the virtual machine is returned if no displayname exists."),
    ("account", "the account associated with the virtual machine"),
    ("domainid", "the ID of the domain in which the virtual machine exists"),
    ("created", "the date when this virtual machine was created"),
    ("state", "the state of the virtual machine"),
    ("zoneid", "the ID of the availability zone for the virtual machine"),
    ("zonename", "the name of the availability zone for the virtual machine"),
    ("hostid", "the ID of the host for the virtual machine"),
    ("templateid", "the ID of the template for the virtual machine"),
    ("templatename", "the name of the template for the virtual machine"),
    ("passwordenabled", "true if the password rest feature is enabled, false otherwise"),
    ("password", "the password (if exists) of the virtual machine"),
    ("serviceofferingid", "the ID of the service offering of the virtual machine"),
    ("serviceofferingname", "the name of the service offering of the virtual machine"),
    ("cpunumber", "the number of vCPUs this virtual machine is using"),
    ("cpuspeed", "the speed of each vCPU"),
    ("memory", "the memory allocated for the virtual machine"),
    ("nic", "the list of nics associated with vm"),
    ("hypervisor", "the hypervisor on which the template runs"),
    ("instancename", "instance name of the user vm; this parameter is returned to the ROOT admin only"),
    ("details", "Vm details in key/value pairs."),
    ("tags", "the list of resource tags associated"),
    ("jobid", "the UUID of the latest async job acting on this object"),
    ("jobstatus", "the current status of the latest async job acting on this object"),
];
const ZONE_FIELDS: &[Field] = &[
    ("id", "Zone id"),
    ("name", "Zone name"),
    ("description", "Zone description"),
    ("dns1", "the first DNS for the Zone"),
    ("dns2", "the second DNS for the Zone"),
    (
        "networktype",
        "the network type of the zone; can be Basic or Advanced",
    ),
    ("allocationstate", "the allocation state of the cluster"),
    ("zonetoken", "Zone Token"),
    ("tags", "the list of resource tags associated with zone."),
];
const NETWORK_FIELDS: &[Field] = &[
    ("id", "the id of the network"),
    ("name", "the name of the network"),
    ("displaytext", "the displaytext of the network"),
    (
        "cidr",
        "Cloudstack managed address space, all CloudStack managed VMs get IP address from CIDR",
    ),
    ("gateway", "the network's gateway"),
    ("netmask", "the network's netmask"),
    ("zoneid", "zone id of the network"),
    ("zonename", "the name of the zone the network belongs to"),
    ("state", "state of the network"),
    ("type", "the type of the network"),
    ("networkdomain", "the network domain"),
    ("service", "the list of services"),
    ("tags", "the list of resource tags associated with network"),
];
const IP_FIELDS: &[Field] = &[
    ("id", "public IP address id"),
    ("ipaddress", "public IP address"),
    ("allocated", "date the public IP address was acquired"),
    (
        "zoneid",
        "the ID of the zone the public IP address belongs to",
    ),
    (
        "zonename",
        "the name of the zone the public IP address belongs to",
    ),
    (
        "issourcenat",
        "true if the IP address is a source nat address, false otherwise",
    ),
    (
        "associatednetworkid",
        "the ID of the Network associated with the IP address",
    ),
    (
        "associatednetworkname",
        "the name of the Network associated with the IP address",
    ),
    (
        "state",
        "State of the ip address. Can be: Allocating, Allocated and Releasing",
    ),
    (
        "tags",
        "the list of resource tags associated with ip address",
    ),
];
const TEMPLATE_FIELDS: &[Field] = &[
    ("id", "the template ID"),
    ("name", "the template name"),
    ("displaytext", "the template display text"),
    (
        "ispublic",
        "true if this template is a public template, false otherwise",
    ),
    (
        "isfeatured",
        "true if this template is a featured template, false otherwise",
    ),
    (
        "isready",
        "true if the template is ready to be deployed from, false otherwise.",
    ),
    (
        "passwordenabled",
        "true if the reset password feature is enabled, false otherwise",
    ),
    ("ostypename", "the name of the OS type for this template."),
    ("zoneid", "the ID of the zone for this template"),
    ("zonename", "the name of the zone for this template"),
    ("hypervisor", "the hypervisor on which the template runs"),
    ("size", "the size of the template"),
    ("tags", "the list of resource tags associated"),
];
const OFFERING_FIELDS: &[Field] = &[
    ("id", "the id of the service offering"),
    ("name", "the name of the service offering"),
    (
        "displaytext",
        "an alternate display text of the service offering.",
    ),
    ("cpunumber", "the number of CPU"),
    ("cpuspeed", "the clock rate CPU speed in Mhz"),
    ("memory", "the memory in MB"),
    ("created", "the date this service offering was created"),
];
const RULE_FIELDS: &[Field] = &[
    ("id", "the ID of the port forwarding rule"),
    (
        "privateport",
        "the starting port of port forwarding rule's private port range",
    ),
    (
        "privateendport",
        "the ending port of port forwarding rule's private port range",
    ),
    ("protocol", "the protocol of the port forwarding rule"),
    (
        "publicport",
        "the starting port of port forwarding rule's public port range",
    ),
    (
        "publicendport",
        "the ending port of port forwarding rule's private port range",
    ),
    ("virtualmachineid", "the VM ID for the port forwarding rule"),
    (
        "ipaddressid",
        "the public ip address id for the port forwarding rule",
    ),
    (
        "ipaddress",
        "the public ip address for the port forwarding rule",
    ),
    ("state", "the state of the rule"),
    (
        "networkid",
        "the id of the guest network the port forwarding rule belongs to",
    ),
];
const JOB_FIELDS: &[Field] = &[
    (
        "accountid",
        "the account id that executed the async command",
    ),
    ("userid", "the user that executed the async command"),
    ("cmd", "the async command executed"),
    (
        "jobstatus",
        "the current job status-should be 0 for PENDING",
    ),
    (
        "jobprocstatus",
        "the progress information of the PENDING job",
    ),
    ("jobresultcode", "the result code for the job"),
    ("jobresulttype", "the result type"),
    ("jobresult", "the result reason"),
    (
        "jobinstancetype",
        "the instance/entity object related to the job",
    ),
    (
        "jobinstanceid",
        "the unique ID of the instance/entity object related to the job",
    ),
    ("created", "the created date of the job"),
    ("completed", "the completed date of the job"),
    (
        "jobid",
        "the UUID of the latest async job acting on this object",
    ),
];
const TAG_FIELDS: &[Field] = &[
    ("key", "tag key name"),
    ("value", "tag value"),
    ("resourcetype", "resource type"),
    ("resourceid", "id of the resource"),
    ("account", "the account associated with the tag"),
    ("domainid", "the ID of the domain associated with the tag"),
];
const SUCCESS_FIELDS: &[Field] = &[
    ("success", "true if operation is executed successfully"),
    (
        "displaytext",
        "any text associated with the success or failure",
    ),
];
const API_FIELDS: &[Field] = &[
    ("name", "the name of the api command"),
    ("description", "description of the api"),
    ("isasync", "true if api is asynchronous"),
    ("related", "comma separated related apis"),
    ("params", "the list params the api accepts"),
    ("response", "api response fields"),
];
const LOGIN_FIELDS: &[Field] = &[
    ("username", "Username"),
    ("userid", "User ID"),
    ("domainid", "Domain ID that the user belongs to"),
    ("timeout", "the time period before the session has expired"),
    ("account", "the account name the user belongs to"),
    (
        "type",
        "the account type (admin, domain-admin, read-only-admin, user)",
    ),
    (
        "sessionkey",
        "Session key that can be passed in subsequent Query command calls",
    ),
];
const LOGOUT_FIELDS: &[Field] = &[("description", "Response description")];

const VM_RELATED: &str =
    "startVirtualMachine,stopVirtualMachine,rebootVirtualMachine,destroyVirtualMachine,listVirtualMachines";

/// The long-standing commands' extras, parameters in the server's declared order.
pub(crate) static EXTRAS: &[CommandExtra] = &[
    CommandExtra {
        name: "listApis",
        description: "lists all available apis on the server, provided by the Api Discovery plugin",
        related: "",
        params: &[p("name", "API name")],
        fields: API_FIELDS,
    },
    CommandExtra {
        name: "listZones",
        description: "Lists zones",
        related: "",
        params: &[
            p("id", "the ID of the zone"),
            p("ids", "the IDs of the zones, mutually exclusive with id"),
            p("available",
                "true if you want to retrieve all available Zones. False if you only want to return the Zones from \
                 which you have at least one VM. Default is false.",
            ),
            p("domainid", "the ID of the domain associated with the zone"),
            p("name", "the name of the zone"),
            p("networktype", "the network type of the zone that the virtual machine belongs to"),
            p("showcapacities", "flag to display the capacity of the zones"),
            TAGS,
            KEYWORD,
            PAGE,
            PAGESIZE,
        ],
        fields: ZONE_FIELDS,
    },
    CommandExtra {
        name: "listNetworks",
        description: "Lists all available networks.",
        related: "",
        params: account_list![
            p("id", "list networks by ID"),
            p("zoneid", "the zone ID of the network"),
            p("type", "the type of the network. Supported values are: isolated, l2, shared and all"),
            p("traffictype", "type of the traffic"),
            p("name", "list networks by name"),
            p("canusefordeploy", "list networks available for VM deployment"),
            p("vpcid", "List networks by VPC"),
            TAGS,
        ],
        fields: NETWORK_FIELDS,
    },
    CommandExtra {
        name: "listPublicIpAddresses",
        description: "Lists all public IP addresses",
        related: "associateIpAddress",
        params: account_list![
            p("allocatedonly", "limits search results to allocated public IP addresses"),
            p("state", "lists all public IP addresses by state"),
            p("forvirtualnetwork", "the virtual network for the IP address"),
            p("id", "lists IP address by ID"),
            p("ipaddress", "lists the specified IP address"),
            p("vlanid", "lists all public IP addresses by VLAN ID"),
            p("zoneid", "lists all public IP addresses by zone ID"),
            p("physicalnetworkid", "lists all public IP addresses by physical network ID"),
            p("associatednetworkid", "lists all public IP addresses associated to the network specified"),
            p("networkid", "lists all public IP addresses by source network ID"),
            p("issourcenat", "list only source NAT IP addresses"),
            p("isstaticnat", "list only static NAT IP addresses"),
            p("vpcid", "List IPs belonging to the VPC"),
            TAGS,
        ],
        fields: IP_FIELDS,
    },
    CommandExtra {
        name: "associateIpAddress",
        description: "Acquires and associates a public IP to an account.",
        related: "listPublicIpAddresses",
        params: &[
            p("account", "the account to associate with this IP address"),
            p("domainid", "the ID of the domain to associate with this IP address"),
            p("zoneid", "the ID of the availability zone you want to acquire an public IP address from"),
            p("networkid", "The network this IP address should be associated to."),
            p("vpcid", "the VPC you want the IP address to be associated with"),
            p("isportable", "should be set to true if public IP is required to be transferable across zones"),
            p("ipaddress", "IP Address to be associated"),
            p("fordisplay", "an optional field, whether to the display the IP to the end user or not"),
        ],
        fields: IP_FIELDS,
    },
    CommandExtra {
        name: "disassociateIpAddress",
        description: "Disassociates an IP address from the account.",
        related: "",
        params: &[p("id", "the ID of the public IP address to disassociate")],
        fields: SUCCESS_FIELDS,
    },
    CommandExtra {
        name: "listTemplates",
        description: "List all public, private, and privileged templates.",
        related: "",
        params: account_list![
            p("hypervisor", "the hypervisor for which to restrict the search"),
            p("id", "the template ID"),
            p("ids", "the IDs of the templates, mutually exclusive with id"),
            p("name", "the template name"),
            p("templatefilter",
                "possible values are \"featured\", \"self\", \"selfexecutable\",\"sharedexecutable\",\"executable\", \
                 and \"community\". * featured : templates that have been marked as featured and public. * self : \
                 templates that have been registered or created by the calling user. * selfexecutable : same as self, \
                 but only returns templates that can be used to deploy a new VM. * sharedexecutable : templates ready \
                 to be deployed that have been granted to the calling user by another user. * executable : templates \
                 that are owned by the calling user, or public templates, that can be used to deploy a VM. * community : \
                 templates that have been marked as public but not featured. * all : all templates (only usable by \
                 admins).",
            ),
            p("zoneid", "list templates by zoneId"),
            p("showremoved", "show removed templates as well"),
            TAGS,
        ],
        fields: TEMPLATE_FIELDS,
    },
    CommandExtra {
        name: "listServiceOfferings",
        description: "Lists all available service offerings.",
        related: "",
        params: &[
            p("id", "ID of the service offering"),
            p("name", "name of the service offering"),
            p("virtualmachineid",
                "the ID of the virtual machine. Pass this in if you want to see the available service offering that \
                 a virtual machine can be changed to.",
            ),
            p("issystem", "is this a system vm offering"),
            p("systemvmtype", "the system VM type. Possible types are \"consoleproxy\", \"secondarystoragevm\" or \"domainrouter\"."),
            p("zoneid", "id of zone disk offering is associated with"),
            p("cpunumber", "the CPU number that listed offerings must support"),
            p("memory", "the RAM memory that listed offering must support"),
            p("cpuspeed", "the CPU speed that listed offerings must support"),
            DOMAINID,
            ISRECURSIVE,
            KEYWORD,
            PAGE,
            PAGESIZE,
        ],
        fields: OFFERING_FIELDS,
    },
    CommandExtra {
        name: "deployVirtualMachine",
        description: "Creates and automatically starts a virtual machine based on a service offering, disk offering, \
                      and template.",
        related: VM_RELATED,
        params: &[
            p("zoneid", "availability zone for the virtual machine"),
            p("serviceofferingid", "the ID of the service offering for the virtual machine"),
            p("templateid", "the ID of the template for the virtual machine"),
            p("name", "host name for the virtual machine"),
            p("displayname", "an optional user generated name for the virtual machine"),
            p("account", "an optional account for the virtual machine. Must be used with domainId."),
            p("domainid", "an optional domainId for the virtual machine. If the account parameter is used, domainId must also be used."),
            p("networkids", "list of network ids used by virtual machine. Can't be specified with ipToNetworkList parameter"),
            p("iptonetworklist",
                "ip to network mapping. Can't be specified with networkIds parameter. Example: \
                 iptonetworklist[0].ip=10.10.10.11&iptonetworklist[0].ipv6=fc00:1234:5678::abcd&iptonetworklist[0].networkid=uuid",
            ),
            p("ipaddress", "the ip address for default vm's network"),
            p("keypair", "name of the ssh key pair used to login to the virtual machine"),
            p("keypairs", "names of the ssh key pairs used to login to the virtual machine"),
            p("userdata",
                "an optional binary data that can be sent to the virtual machine upon a successful deployment. This \
                 binary data must be base64 encoded before adding it to the request.",
            )
            .len(1_048_576),
            p("startvm", "true if start vm after creating; defaulted to true if not specified"),
            p("details", "used to specify the custom parameters. 'extraconfig' is not allowed to be passed in details."),
            p("group", "an optional group for the virtual machine"),
            p("hypervisor", "the hypervisor on which to deploy the virtual machine."),
            p("securitygroupids", "comma separated list of security groups id that going to be applied to the virtual machine."),
            p("affinitygroupids", "comma separated list of affinity groups id that are going to be applied to the virtual machine."),
            p("diskofferingid", "the ID of the disk offering for the virtual machine."),
            p("rootdisksize", "Optional field to resize root disk on deploy. Value is in GB."),
            p("size", "the arbitrary size for the DATADISK volume. Mutually exclusive with diskOfferingId"),
            p("displayvm", "an optional field, whether to the display the vm to the end user or not."),
            p("keyboard", "an optional keyboard device type for the virtual machine."),
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "listVirtualMachines",
        description: "List the virtual machines owned by the account.",
        related: VM_RELATED,
        params: account_list![
            p("id", "the ID of the virtual machine"),
            p("ids", "the IDs of the virtual machines, mutually exclusive with id"),
            p("name", "name of the virtual machine (a substring match)"),
            p("state", "state of the virtual machine. Possible values are: Running, Stopped, Present, Destroyed, Expunged. Present is used for the state equal not destroyed."),
            p("zoneid", "the availability zone ID"),
            p("templateid", "list vms by template"),
            p("serviceofferingid", "list by the service offering"),
            p("networkid", "list by network id"),
            p("hypervisor", "the target hypervisor for the template"),
            p("keypair", "list vms by ssh keypair name"),
            p("groupid", "the group ID"),
            p("details", "comma separated list of vm details requested, value can be a list of [all, group, nics, stats, secgrp, tmpl, servoff, diskoff, iso, volume, min, affgrp]. If no parameter is passed in, the details will be defaulted to all"),
            p("displayvm", "list resources by display flag; only ROOT admin is eligible to pass this parameter"),
            TAGS,
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "startVirtualMachine",
        description: "Starts a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", "The ID of the virtual machine"),
            p("hostid", "destination Host ID to deploy the VM to - parameter available for root admin only"),
            p("considerlasthost", "True by default, CloudStack will firstly try to start the VM on the last host where it run on before stopping, if destination host is not specified."),
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "stopVirtualMachine",
        description: "Stops a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", "The ID of the virtual machine"),
            p("forced", "Force stop the VM (vm is marked as Stopped even when command fails to be send to the backend, otherwise a force poweroff is attempted). To be used if the caller knows the VM is stopped and should be marked as such."),
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "rebootVirtualMachine",
        description: "Reboots a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", "The ID of the virtual machine"),
            p("forced", "Force reboot the VM (VM is Stopped and then Started)"),
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "destroyVirtualMachine",
        description: "Destroys a virtual machine.",
        related: VM_RELATED,
        params: &[
            p("id", "The ID of the virtual machine"),
            p("expunge", "If true is passed, the vm is expunged immediately. False by default."),
            p("volumeids", "Comma separated list of UUIDs for volumes that will be deleted"),
        ],
        fields: VM_FIELDS,
    },
    CommandExtra {
        name: "queryAsyncJobResult",
        description: "Retrieves the current status of asynchronous job.",
        related: "",
        params: &[p("jobid", "the ID of the asynchronous job")],
        fields: JOB_FIELDS,
    },
    CommandExtra {
        name: "listAsyncJobs",
        description: "Lists all pending asynchronous jobs for the account.",
        related: "queryAsyncJobResult",
        params: account_list![
            p("startdate", "The start date of the async job (use format \"yyyy-MM-dd'T'HH:mm:ss'+'SSSS\")"),
        ],
        fields: JOB_FIELDS,
    },
    CommandExtra {
        name: "createTags",
        description: "Creates resource tag(s)",
        related: "listTags",
        params: &[
            p("tags", "Map of tags (key/value pairs)"),
            p("resourcetype", "type of the resource"),
            p("resourceids", "list of resources to create the tags for"),
            p("customer", "identifies client specific tag. When the value is not null, the tag can't be used by cloudStack code internally"),
        ],
        fields: SUCCESS_FIELDS,
    },
    CommandExtra {
        name: "deleteTags",
        description: "Deleting resource tag(s)",
        related: "",
        params: &[
            p("tags", "Delete tags matching key/value pairs"),
            p("resourcetype", "Delete tag by resource type"),
            p("resourceids", "Delete tags for resource id(s)"),
        ],
        fields: SUCCESS_FIELDS,
    },
    CommandExtra {
        name: "listTags",
        description: "List resource tag(s)",
        related: "createTags",
        params: account_list![
            p("resourcetype", "list by resource type"),
            p("resourceid", "list by resource id"),
            p("key", "list by key"),
            p("value", "list by value"),
            p("customer", "list by customer name"),
        ],
        fields: TAG_FIELDS,
    },
    CommandExtra {
        name: "createPortForwardingRule",
        description: "Creates a port forwarding rule",
        related: "listPortForwardingRules",
        params: &[
            p("ipaddressid", "the IP address id of the port forwarding rule")
                .related("associateIpAddress,listPublicIpAddresses"),
            p("privateport", "the starting port of port forwarding rule's private port range"),
            p("protocol", "the protocol for the port forwarding rule. Valid values are TCP or UDP."),
            p("privateendport", "the ending port of port forwarding rule's private port range"),
            p("publicport", "the starting port of port forwarding rule's public port range"),
            p("publicendport", "the ending port of port forwarding rule's private port range"),
            p("virtualmachineid", "the ID of the virtual machine for the port forwarding rule"),
            p("cidrlist", "the cidr list to forward traffic from. Multiple entries must be separated by a single comma character (,). This parameter is deprecated. Do not use."),
            p("openfirewall", "if true, firewall rule for source/end public port is automatically created; if false - firewall rule has to be created explicitly. If not specified 1) defaulted to false when PF rule is being created for VPC guest network 2) in all other cases defaulted to true"),
            p("vmguestip", "VM guest nic secondary IP address for the port forwarding rule"),
            p("networkid", "the network of the virtual machine the port forwarding rule will be created for. Required when public IP address is not associated with any guest network yet (VPC case)."),
            p("fordisplay", "an optional field, whether to the display the rule to the end user or not"),
        ],
        fields: RULE_FIELDS,
    },
    CommandExtra {
        name: "listPortForwardingRules",
        description: "Lists all port forwarding rules for an IP address.",
        related: "createPortForwardingRule",
        params: account_list![
            p("id", "Lists rule with the specified ID."),
            p("ipaddressid", "the ID of IP address of the port forwarding services"),
            p("networkid", "list port forwarding rules for certain network"),
            p("fordisplay", "list resources by display flag; only ROOT admin is eligible to pass this parameter"),
            TAGS,
        ],
        fields: RULE_FIELDS,
    },
    CommandExtra {
        name: "deletePortForwardingRule",
        description: "Deletes a port forwarding rule",
        related: "",
        params: &[p("id", "the ID of the port forwarding rule")],
        fields: SUCCESS_FIELDS,
    },
    CommandExtra {
        name: "login",
        description: "Logs a user into the CloudStack. A successful login attempt will generate a JSESSIONID cookie \
                      value that can be passed in subsequent Query command calls until the \"logout\" command has \
                      been issued or the session has expired.",
        related: "",
        params: &[
            p("username", "Username"),
            p("password", "Hashed password (Default is MD5). If you wish to use any other hashing algorithm, you would need to write a custom authentication adapter See Docs section."),
            p("domain", "Path of the domain that the user belongs to. Example: domain=/com/cloud/internal. If no domain is passed in, the ROOT (/) domain is assumed."),
            p("domainId", "The id of the domain that the user belongs to. If both domain and domainId are passed in, \"domainId\" parameter takes precedence."),
        ],
        fields: LOGIN_FIELDS,
    },
    CommandExtra {
        name: "logout",
        description: "Logs out the user",
        related: "",
        params: &[],
        fields: LOGOUT_FIELDS,
    },
];
