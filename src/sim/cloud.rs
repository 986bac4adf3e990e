//! The static description of a simulated cloud: account, zones, networks,
//! templates and service offerings, the built-in demo cloud, and loading one
//! from a JSON or TOML file (`--cloud FILE`, documented in `docs/simulator.md`).

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::demo;
use super::error::SimError;

/// A whole simulated cloud, as described by a cloud file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cloud {
    /// The one account (a root admin) that owns everything.
    #[serde(default)]
    pub account: Account,
    /// Availability zones; at least one.
    pub zones: Vec<Zone>,
    /// Guest networks (isolated, with source NAT).
    #[serde(default)]
    pub networks: Vec<Network>,
    /// Templates VMs are deployed from.
    #[serde(default)]
    pub templates: Vec<Template>,
    /// Compute offerings.
    #[serde(default)]
    pub service_offerings: Vec<ServiceOffering>,
    /// Objects of any other kind, by the key or noun of the list command
    /// that lists them (`diskoffering`, `volumes`, `sshkeypair`…): each is
    /// a map of that list's fields; `id` (a uuid) is generated when absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
    /// Virtual machines that already exist (a snapshot's VMs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_machines: Vec<VirtualMachine>,
    /// Public IP addresses already allocated, besides the networks' source-NAT ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_ips: Vec<PublicAddress>,
    /// Port forwarding rules that already exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_forwarding_rules: Vec<PortForwardingRule>,
    /// Tags of the resources above (and of `objects`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagSpec>,
    /// Members of `objects` (the VM ids of a load balancer rule), by the
    /// object's id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub members: BTreeMap<String, Vec<String>>,
    /// `objects` hold every field their objects have (a snapshot): none is
    /// made up for them, so lists answer exactly as the source did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub complete_objects: bool,
    /// Values the simulator would otherwise make up, kept from the cloud
    /// a snapshot was taken of: object id -> field -> value. A zone's
    /// `zonetoken`, `hostid`, `hostname`, `publicnetworkid`,
    /// `physicalnetworkid` and `vlanid`; a template's `created` and
    /// `ostypeid`; an offering's `created`; a public address's
    /// `allocated`; any field of an object of `objects` (the account's
    /// and user's `created`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kept: BTreeMap<String, BTreeMap<String, String>>,
}

/// A virtual machine that exists when the simulator starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualMachine {
    /// VM uuid.
    pub id: String,
    /// Host name.
    pub name: String,
    /// Display name; the name by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayname: Option<String>,
    /// Uuid of its zone.
    pub zoneid: String,
    /// Uuid of its template (a template of the file).
    pub templateid: String,
    /// Uuid of its service offering (an offering of the file).
    pub serviceofferingid: String,
    /// `Running` (default), `Stopped`, `Destroyed` or `Error`; other states
    /// (`Starting`, `Migrating`…) are served as `Running`.
    #[serde(default = "default_vm_state")]
    pub state: String,
    /// Its NICs, the default one first.
    #[serde(default)]
    pub nics: Vec<VmNic>,
    /// SSH key pair names, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypairs: Option<String>,
    /// Its group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Creation date as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Instance name (`i-2-7-VM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instancename: Option<String>,
}

/// A NIC of a [`VirtualMachine`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmNic {
    /// NIC uuid.
    pub id: String,
    /// Uuid of its network (a network of the file).
    pub networkid: String,
    /// Its guest address, inside the network's CIDR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipaddress: Option<String>,
    /// MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macaddress: Option<String>,
    /// The VM's default NIC.
    #[serde(default)]
    pub isdefault: bool,
}

/// A public IP address allocated to the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAddress {
    /// Address uuid.
    pub id: String,
    /// The IPv4 address.
    pub ipaddress: String,
    /// Uuid of its zone.
    pub zoneid: String,
    /// Network it is associated with, if any (a network of the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networkid: Option<String>,
    /// The network's source-NAT address.
    #[serde(default)]
    pub issourcenat: bool,
    /// Static NAT to this VM (a VM of the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualmachineid: Option<String>,
    /// The VM's guest address for static NAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vmipaddress: Option<String>,
}

/// A port forwarding rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortForwardingRule {
    /// Rule uuid.
    pub id: String,
    /// Uuid of its public IP (of `public_ips` or a network's source NAT).
    pub ipaddressid: String,
    /// Uuid of its VM.
    pub virtualmachineid: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// First private port.
    pub privateport: u16,
    /// Last private port; the first by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privateendport: Option<u16>,
    /// First public port.
    pub publicport: u16,
    /// Last public port; the first by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicendport: Option<u16>,
    /// Source CIDRs, comma-separated; `0.0.0.0/0` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrlist: Option<String>,
    /// The VM's guest address the rule forwards to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vmguestip: Option<String>,
}

/// A tag on a resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagSpec {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
    /// The server's resource type (`UserVm`, `Network`…).
    pub resourcetype: String,
    /// Uuid of the tagged resource.
    pub resourceid: String,
}

fn is_demo_password(password: &str) -> bool {
    password == demo::PASSWORD
}

fn default_vm_state() -> String {
    "Running".into()
}

/// The account, its user and its domain. Its defaults are the demo login
/// `admin` / `password` in the ROOT domain (`/`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Account {
    /// Account name, e.g. `admin`.
    pub name: String,
    /// Account uuid.
    pub id: String,
    /// Login name of the account's user.
    pub username: String,
    /// That user's password (for `login`). The demo password is not
    /// written out (a snapshot holds no password field at all).
    #[serde(skip_serializing_if = "is_demo_password")]
    pub password: String,
    /// User uuid.
    pub userid: String,
    /// User's first name.
    pub firstname: String,
    /// User's last name.
    pub lastname: String,
    /// ROOT domain uuid.
    pub domainid: String,
}

impl Default for Account {
    fn default() -> Self {
        Self {
            name: "admin".into(),
            id: demo::ACCOUNT.into(),
            username: demo::USERNAME.into(),
            password: demo::PASSWORD.into(),
            userid: demo::USER.into(),
            firstname: "admin".into(),
            lastname: "cloud".into(),
            domainid: demo::DOMAIN.into(),
        }
    }
}

/// An availability zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Zone uuid.
    pub id: String,
    /// Zone name.
    pub name: String,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// `Advanced` (default) or `Basic`.
    #[serde(default = "default_networktype")]
    pub networktype: String,
    /// First public DNS server.
    #[serde(default = "default_dns1")]
    pub dns1: String,
    /// Second public DNS server.
    #[serde(default)]
    pub dns2: Option<String>,
    /// How many VMs (not destroyed, not in error) the zone can hold; one
    /// more deploy fails its job with error 533.
    #[serde(default = "default_max_vms")]
    pub max_vms: u32,
    /// Public addresses `associateIpAddress` hands out, `FIRST-LAST`
    /// (e.g. `203.0.113.20-203.0.113.250`); absent: none.
    #[serde(default)]
    pub public_ip_range: Option<String>,
}

/// An isolated guest network with a source-NAT public IP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Network uuid.
    pub id: String,
    /// Network name.
    pub name: String,
    /// Display text; the name by default.
    #[serde(default)]
    pub displaytext: Option<String>,
    /// Uuid of the zone it is in.
    pub zoneid: String,
    /// Guest CIDR, e.g. `10.1.0.0/16`; the first address is the gateway and
    /// VMs get the next free ones.
    pub cidr: String,
    /// DNS domain of the network.
    #[serde(default)]
    pub networkdomain: Option<String>,
    /// The network's source-NAT public IP.
    #[serde(default)]
    pub source_nat_ip: Option<PublicIpSpec>,
}

/// A public IP address given in the cloud file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicIpSpec {
    /// Address uuid.
    pub id: String,
    /// The IPv4 address.
    pub ipaddress: String,
}

/// A template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Template uuid.
    pub id: String,
    /// Template name.
    pub name: String,
    /// Display text; the name by default.
    #[serde(default)]
    pub displaytext: Option<String>,
    /// Zones it is ready in; absent: every zone.
    #[serde(default)]
    pub zoneids: Option<Vec<String>>,
    /// OS type shown as `ostypename`.
    #[serde(default = "default_ostype")]
    pub ostypename: String,
    /// Hypervisor, `KVM` by default.
    #[serde(default = "default_hypervisor")]
    pub hypervisor: String,
    /// Disk format, `QCOW2` by default.
    #[serde(default = "default_format")]
    pub format: String,
    /// Size in bytes (10 GiB by default).
    #[serde(default = "default_size")]
    pub size: u64,
    /// Listed by `templatefilter=featured` (default true).
    #[serde(default = "yes")]
    pub featured: bool,
    /// Public: listed by `community` when not featured (default true).
    #[serde(default = "yes")]
    pub public: bool,
    /// Owned by the account: listed by `self` / `selfexecutable` (default false).
    #[serde(default)]
    pub owned: bool,
    /// VMs get a generated password in their deploy job result (default false).
    #[serde(default)]
    pub passwordenabled: bool,
}

/// A compute offering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceOffering {
    /// Offering uuid.
    pub id: String,
    /// Offering name, e.g. `m1.small`.
    pub name: String,
    /// Display text; the name by default.
    #[serde(default)]
    pub displaytext: Option<String>,
    /// Number of vCPUs.
    pub cpunumber: u32,
    /// CPU speed in MHz.
    pub cpuspeed: u32,
    /// Memory in MiB.
    pub memory: u32,
}

fn default_networktype() -> String {
    "Advanced".into()
}
fn default_dns1() -> String {
    "8.8.8.8".into()
}
fn default_max_vms() -> u32 {
    10_000
}
fn default_ostype() -> String {
    "Other Linux (64-bit)".into()
}
fn default_hypervisor() -> String {
    "KVM".into()
}
fn default_format() -> String {
    "QCOW2".into()
}
fn default_size() -> u64 {
    10 * 1024 * 1024 * 1024
}
fn yes() -> bool {
    true
}

impl Default for Cloud {
    /// The demo cloud (see [`Cloud::demo`]).
    fn default() -> Self {
        Self::demo()
    }
}

impl Cloud {
    /// The built-in cloud: two zones, one isolated network with a
    /// source-NAT IP, five templates (Debian 7 among them) and the four
    /// `m1.*` offerings. Every id is fixed; `docs/simulator.md` lists them.
    pub fn demo() -> Self {
        let template = |id: &str, name: &str, ostype: &str, zones: Option<&[&str]>| Template {
            id: id.into(),
            name: name.into(),
            displaytext: None,
            zoneids: zones.map(|z| z.iter().map(|s| s.to_string()).collect()),
            ostypename: ostype.into(),
            hypervisor: default_hypervisor(),
            format: default_format(),
            size: default_size(),
            featured: true,
            public: true,
            owned: false,
            passwordenabled: false,
        };
        let offering =
            |id: &str, name: &str, text: &str, cpu: u32, speed: u32, memory: u32| ServiceOffering {
                id: id.into(),
                name: name.into(),
                displaytext: Some(text.into()),
                cpunumber: cpu,
                cpuspeed: speed,
                memory,
            };
        Cloud {
            account: Account::default(),
            zones: vec![
                Zone {
                    id: demo::ZONE1.into(),
                    name: "SimZone1".into(),
                    description: Some("Simulated zone 1".into()),
                    networktype: default_networktype(),
                    dns1: "8.8.8.8".into(),
                    dns2: Some("8.8.4.4".into()),
                    max_vms: default_max_vms(),
                    public_ip_range: Some("203.0.113.11-203.0.113.254".into()),
                },
                Zone {
                    id: demo::ZONE2.into(),
                    name: "SimZone2".into(),
                    description: Some("Simulated zone 2 (no guest network)".into()),
                    networktype: default_networktype(),
                    dns1: "8.8.8.8".into(),
                    dns2: Some("8.8.4.4".into()),
                    max_vms: default_max_vms(),
                    public_ip_range: Some("198.51.100.10-198.51.100.254".into()),
                },
            ],
            networks: vec![Network {
                id: demo::NETWORK.into(),
                name: "default-isolated".into(),
                displaytext: Some("Default isolated network".into()),
                zoneid: demo::ZONE1.into(),
                cidr: "10.1.0.0/16".into(),
                networkdomain: Some("cs1sim.internal".into()),
                source_nat_ip: Some(PublicIpSpec {
                    id: demo::SOURCE_NAT_IP.into(),
                    ipaddress: "203.0.113.10".into(),
                }),
            }],
            templates: vec![
                Template {
                    passwordenabled: true,
                    ..template(
                        demo::DEBIAN7,
                        "Debian 7 - Minimal - 64bits",
                        "Debian GNU/Linux 7(64-bit)",
                        None,
                    )
                },
                template(
                    demo::CENTOS7,
                    "CentOS 7.9 - 64bits",
                    "CentOS 7 (64-bit)",
                    None,
                ),
                template(
                    demo::UBUNTU2204,
                    "Ubuntu 22.04 LTS - 64bits",
                    "Ubuntu 22.04 LTS",
                    Some(&[demo::ZONE1]),
                ),
                Template {
                    featured: false,
                    passwordenabled: true,
                    format: "VHD".into(),
                    size: 40 * 1024 * 1024 * 1024,
                    ..template(
                        demo::WINDOWS2019,
                        "Windows Server 2019 - Standard",
                        "Windows Server 2019 (64-bit)",
                        Some(&[demo::ZONE1]),
                    )
                },
                Template {
                    featured: false,
                    public: false,
                    owned: true,
                    ..template(
                        demo::MY_APP_SNAPSHOT,
                        "my-app-snapshot",
                        "Debian GNU/Linux 7(64-bit)",
                        Some(&[demo::ZONE1]),
                    )
                },
            ],
            service_offerings: vec![
                offering(
                    demo::M1_SMALL,
                    "m1.small",
                    "1 vCPU, 1 GB RAM",
                    1,
                    1000,
                    1024,
                ),
                offering(
                    demo::M1_MEDIUM,
                    "m1.medium",
                    "2 vCPU, 2 GB RAM",
                    2,
                    2000,
                    2048,
                ),
                offering(
                    demo::M1_LARGE,
                    "m1.large",
                    "4 vCPU, 8 GB RAM",
                    4,
                    2000,
                    8192,
                ),
                offering(
                    demo::M1_EXTRALARGE,
                    "m1.extralarge",
                    "8 vCPU, 16 GB RAM",
                    8,
                    2000,
                    16384,
                ),
            ],
            objects: BTreeMap::new(),
            virtual_machines: Vec::new(),
            public_ips: Vec::new(),
            port_forwarding_rules: Vec::new(),
            tags: Vec::new(),
            members: BTreeMap::new(),
            complete_objects: false,
            kept: BTreeMap::new(),
        }
    }

    /// Checks the description is usable: ids are uuids and unique,
    /// references resolve, addresses and CIDRs parse. Returns the first
    /// problem found, naming the item.
    pub fn validate(&self) -> Result<(), String> {
        if self.zones.is_empty() {
            return Err("`zones` is empty: a cloud needs at least one zone".into());
        }
        let mut ids = HashSet::new();
        let mut check_id = |what: &str, name: &str, id: &str| -> Result<(), String> {
            if uuid::Uuid::parse_str(id).is_err() {
                return Err(format!("{what} `{name}`: id `{id}` is not a uuid"));
            }
            if !ids.insert(id.to_ascii_lowercase()) {
                return Err(format!("{what} `{name}`: id `{id}` is used twice"));
            }
            Ok(())
        };
        let account = &self.account;
        check_id("account", &account.name, &account.id)?;
        check_id("user", &account.username, &account.userid)?;
        check_id("domain", "ROOT", &account.domainid)?;
        if account.username.is_empty() {
            return Err("account: `username` is empty".into());
        }
        let zone_ids: HashSet<String> = self
            .zones
            .iter()
            .map(|z| z.id.to_ascii_lowercase())
            .collect();
        for zone in &self.zones {
            check_id("zone", &zone.name, &zone.id)?;
            if let Some(range) = &zone.public_ip_range {
                parse_ip_range(range)
                    .map_err(|e| format!("zone `{}`: public_ip_range: {e}", zone.name))?;
            }
        }
        for network in &self.networks {
            check_id("network", &network.name, &network.id)?;
            if !zone_ids.contains(&network.zoneid.to_ascii_lowercase()) {
                return Err(format!(
                    "network `{}`: zone `{}` is not defined",
                    network.name, network.zoneid
                ));
            }
            let (_, prefix) = parse_cidr(&network.cidr)
                .map_err(|e| format!("network `{}`: cidr: {e}", network.name))?;
            if prefix > 30 {
                return Err(format!(
                    "network `{}`: cidr `{}` is too small",
                    network.name, network.cidr
                ));
            }
            if let Some(ip) = &network.source_nat_ip {
                check_id("source NAT IP of network", &network.name, &ip.id)?;
                ip.ipaddress.parse::<Ipv4Addr>().map_err(|_| {
                    format!(
                        "network `{}`: `{}` is not an IPv4 address",
                        network.name, ip.ipaddress
                    )
                })?;
            }
        }
        for template in &self.templates {
            check_id("template", &template.name, &template.id)?;
            for zone in template.zoneids.iter().flatten() {
                if !zone_ids.contains(&zone.to_ascii_lowercase()) {
                    return Err(format!(
                        "template `{}`: zone `{zone}` is not defined",
                        template.name
                    ));
                }
            }
        }
        for offering in &self.service_offerings {
            check_id("service offering", &offering.name, &offering.id)?;
        }
        self.validate_existing(&zone_ids, &mut check_id)?;
        for (key, items) in &self.objects {
            let Some(list) = super::kinds::list_command_for_key(key) else {
                return Err(format!(
                    "objects: `{key}` is not a kind of object any list command of the catalogue lists"
                ));
            };
            // A typed kind owns all its objects: one in `objects` would be
            // listed by nothing.
            if let Some(entity) = super::kinds::Entity::of_kind(&super::objects::kind_of(list)) {
                return Err(format!(
                    "objects: `{key}` has a section of its own{}",
                    section_of(entity).map_or_else(
                        || " in no cloud file: the simulator makes them".to_string(),
                        |section| format!(": `{section}`")
                    )
                ));
            }
            for (position, item) in items.iter().enumerate() {
                let name = item
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .map_or_else(|| format!("#{}", position + 1), str::to_string);
                match item.get("id") {
                    None => {}
                    Some(serde_json::Value::String(id)) => check_id(key, &name, id)?,
                    Some(other) => {
                        return Err(format!("{key} `{name}`: id {other} is not a string"))
                    }
                }
            }
        }
        Ok(())
    }
}

/// The section of a cloud file that holds a typed kind's objects.
fn section_of(entity: super::kinds::Entity) -> Option<&'static str> {
    use super::kinds::Entity;
    match entity {
        Entity::Zone => Some("zones"),
        Entity::Network => Some("networks"),
        Entity::Template => Some("templates"),
        Entity::Offering => Some("service_offerings"),
        Entity::Vm => Some("virtual_machines"),
        Entity::PublicIp => Some("public_ips"),
        Entity::Rule => Some("port_forwarding_rules"),
        Entity::Job => None,
    }
}

impl Cloud {
    /// Checks the VMs, public IPs, rules and tags: ids and references.
    fn validate_existing(
        &self,
        zone_ids: &HashSet<String>,
        check_id: &mut impl FnMut(&str, &str, &str) -> Result<(), String>,
    ) -> Result<(), String> {
        let lower = |id: &str| id.to_ascii_lowercase();
        let networks: HashSet<String> = self.networks.iter().map(|n| lower(&n.id)).collect();
        let templates: HashSet<String> = self.templates.iter().map(|t| lower(&t.id)).collect();
        let offerings: HashSet<String> = self
            .service_offerings
            .iter()
            .map(|o| lower(&o.id))
            .collect();
        let missing = |what: &str, name: &str, field: &str, id: &str| {
            format!("{what} `{name}`: {field} `{id}` is not defined")
        };
        for vm in &self.virtual_machines {
            check_id("virtual machine", &vm.name, &vm.id)?;
            if !zone_ids.contains(&lower(&vm.zoneid)) {
                return Err(missing("virtual machine", &vm.name, "zone", &vm.zoneid));
            }
            if !templates.contains(&lower(&vm.templateid)) {
                return Err(missing(
                    "virtual machine",
                    &vm.name,
                    "template",
                    &vm.templateid,
                ));
            }
            if !offerings.contains(&lower(&vm.serviceofferingid)) {
                return Err(missing(
                    "virtual machine",
                    &vm.name,
                    "service offering",
                    &vm.serviceofferingid,
                ));
            }
            for nic in &vm.nics {
                check_id("NIC of virtual machine", &vm.name, &nic.id)?;
                if !networks.contains(&lower(&nic.networkid)) {
                    return Err(missing(
                        "virtual machine",
                        &vm.name,
                        "network",
                        &nic.networkid,
                    ));
                }
                if let Some(address) = &nic.ipaddress {
                    address.parse::<Ipv4Addr>().map_err(|_| {
                        format!(
                            "virtual machine `{}`: `{address}` is not an IPv4 address",
                            vm.name
                        )
                    })?;
                }
            }
        }
        let vms: HashSet<String> = self.virtual_machines.iter().map(|v| lower(&v.id)).collect();
        let mut addresses: HashSet<String> = self
            .networks
            .iter()
            .filter_map(|n| n.source_nat_ip.as_ref())
            .map(|ip| lower(&ip.id))
            .collect();
        for ip in &self.public_ips {
            check_id("public IP", &ip.ipaddress, &ip.id)?;
            ip.ipaddress
                .parse::<Ipv4Addr>()
                .map_err(|_| format!("public IP `{}` is not an IPv4 address", ip.ipaddress))?;
            if !zone_ids.contains(&lower(&ip.zoneid)) {
                return Err(missing("public IP", &ip.ipaddress, "zone", &ip.zoneid));
            }
            if let Some(network) = ip
                .networkid
                .as_deref()
                .filter(|n| !networks.contains(&lower(n)))
            {
                return Err(missing("public IP", &ip.ipaddress, "network", network));
            }
            if let Some(vm) = ip
                .virtualmachineid
                .as_deref()
                .filter(|v| !vms.contains(&lower(v)))
            {
                return Err(missing("public IP", &ip.ipaddress, "virtual machine", vm));
            }
            addresses.insert(lower(&ip.id));
        }
        for rule in &self.port_forwarding_rules {
            check_id(
                "port forwarding rule",
                &rule.publicport.to_string(),
                &rule.id,
            )?;
            if !addresses.contains(&lower(&rule.ipaddressid)) {
                return Err(missing(
                    "port forwarding rule",
                    &rule.id,
                    "public IP",
                    &rule.ipaddressid,
                ));
            }
            if !vms.contains(&lower(&rule.virtualmachineid)) {
                return Err(missing(
                    "port forwarding rule",
                    &rule.id,
                    "virtual machine",
                    &rule.virtualmachineid,
                ));
            }
        }
        for tag in &self.tags {
            if super::kinds::ResourceType::parse(&tag.resourcetype).is_none() {
                return Err(format!(
                    "tag `{}`: `{}` is not a resource type that takes tags",
                    tag.key, tag.resourcetype
                ));
            }
        }
        Ok(())
    }
}

/// Loads a cloud description: JSON for `.json`, TOML for `.toml` (any other
/// extension: JSON, then TOML).
pub fn load_cloud_file(path: &Path) -> Result<Cloud, SimError> {
    let bad = |reason: String| SimError::CloudFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let cloud: Cloud = match extension.as_deref() {
        Some("json") => serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?,
        Some("toml") => toml::from_str(&text).map_err(|e| bad(one_line(&e.to_string())))?,
        _ => match serde_json::from_str(&text) {
            Ok(cloud) => cloud,
            Err(json) => toml::from_str(&text).map_err(|toml| {
                bad(format!(
                    "neither JSON ({json}) nor TOML ({})",
                    one_line(&toml.to_string())
                ))
            })?,
        },
    };
    cloud.validate().map_err(bad)?;
    Ok(cloud)
}

/// TOML errors span several lines (position, source excerpt, reason):
/// keep the first and the last.
fn one_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default().to_string();
    match lines.next_back() {
        Some(last) if last != first => format!("{first} {last}"),
        _ => first,
    }
}

/// Parses `a.b.c.d/n` into the network address (as u32) and prefix length.
pub(crate) fn parse_cidr(text: &str) -> Result<(u32, u8), String> {
    let (address, prefix) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a CIDR (a.b.c.d/n)"))?;
    let address: Ipv4Addr = address
        .parse()
        .map_err(|_| format!("`{text}` is not a CIDR (a.b.c.d/n)"))?;
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|p| *p <= 32)
        .ok_or_else(|| format!("`{text}` has a bad prefix length"))?;
    let mask = prefix_mask(prefix);
    Ok((u32::from(address) & mask, prefix))
}

/// The netmask of a prefix length.
pub(crate) fn prefix_mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

/// Parses `FIRST-LAST` into an inclusive range of addresses.
pub(crate) fn parse_ip_range(text: &str) -> Result<(u32, u32), String> {
    let (first, last) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not FIRST-LAST"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<Ipv4Addr>()
            .map(u32::from)
            .map_err(|_| format!("`{s}` is not an IPv4 address"))
    };
    let (first, last) = (parse(first)?, parse(last)?);
    if first > last {
        return Err(format!("`{text}`: first address after last"));
    }
    Ok((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_cloud_is_valid_and_has_the_tutorial_ids() {
        let cloud = Cloud::demo();
        cloud.validate().unwrap();
        let debian = cloud
            .templates
            .iter()
            .find(|t| t.id == demo::DEBIAN7)
            .unwrap();
        assert_eq!(debian.name, "Debian 7 - Minimal - 64bits");
        let names: Vec<_> = cloud
            .service_offerings
            .iter()
            .map(|o| (o.name.as_str(), o.id.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("m1.small", demo::M1_SMALL),
                ("m1.medium", demo::M1_MEDIUM),
                ("m1.large", demo::M1_LARGE),
                ("m1.extralarge", demo::M1_EXTRALARGE),
            ]
        );
        assert_eq!(cloud.networks.len(), 1);
    }

    #[test]
    fn validation_names_the_problem() {
        let mut cloud = Cloud::demo();
        cloud.networks[0].zoneid = "00000000-0000-4000-8000-000000000000".into();
        assert!(cloud.validate().unwrap_err().contains("zone `00000000"));
        let mut cloud = Cloud::demo();
        cloud.templates[1].id = demo::DEBIAN7.into();
        assert!(cloud.validate().unwrap_err().contains("used twice"));
        let mut cloud = Cloud::demo();
        cloud.networks[0].cidr = "10.0.0.0".into();
        assert!(cloud.validate().unwrap_err().contains("not a CIDR"));
        // A typed kind's objects have their own section: in `objects` no
        // list would show them.
        for (key, message) in [
            ("zones", "`zones` has a section of its own: `zones`"),
            ("virtualmachine", "section of its own: `virtual_machines`"),
            ("asyncjobs", "in no cloud file"),
        ] {
            let mut cloud = Cloud::demo();
            cloud
                .objects
                .insert(key.into(), vec![serde_json::Map::new()]);
            let error = cloud.validate().unwrap_err();
            assert!(error.contains(message), "{error}");
        }
    }

    #[test]
    fn parses_cidrs_and_ranges() {
        assert_eq!(
            parse_cidr("10.1.2.3/16").unwrap(),
            (u32::from(Ipv4Addr::new(10, 1, 0, 0)), 16)
        );
        assert_eq!(prefix_mask(24), 0xffff_ff00);
        assert!(parse_ip_range("10.0.0.9-10.0.0.1").is_err());
    }

    /// The first fenced block of `lang` after `heading` in docs/simulator.md.
    fn doc_example(heading: &str, lang: &str) -> String {
        let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulator.md"));
        let after = &doc[doc.find(heading).expect("heading in the docs")..];
        let start = after.find(&format!("```{lang}\n")).expect("example block") + lang.len() + 4;
        let end = after[start..].find("```").expect("closing fence");
        after[start..start + end].to_string()
    }

    #[test]
    fn the_documented_examples_load_and_agree() {
        let from_json: Cloud =
            serde_json::from_str(&doc_example("### Example (JSON)", "json")).unwrap();
        let from_toml: Cloud =
            toml::from_str(&doc_example("### The same in TOML", "toml")).unwrap();
        from_json.validate().unwrap();
        assert_eq!(from_json, from_toml);
        assert_eq!(from_json.account.username, "operator");
        assert_eq!(
            from_json.account.id,
            Account::default().id,
            "unset account fields default"
        );
        assert_eq!(from_json.zones[1].max_vms, 10_000);
        assert_eq!(
            from_json.templates[1].zoneids.as_ref().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn loads_json_and_toml_files() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("cloud.json");
        std::fs::write(&json, serde_json::to_string(&Cloud::demo()).unwrap()).unwrap();
        assert_eq!(load_cloud_file(&json).unwrap(), Cloud::demo());
        let toml_path = dir.path().join("cloud.toml");
        std::fs::write(&toml_path, toml::to_string(&Cloud::demo()).unwrap()).unwrap();
        assert_eq!(load_cloud_file(&toml_path).unwrap(), Cloud::demo());
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, r#"{"zones": [], "extra": 1}"#).unwrap();
        let error = load_cloud_file(&broken).unwrap_err().to_string();
        assert!(
            error.contains("broken.json") && error.contains("extra"),
            "{error}"
        );
    }
}
