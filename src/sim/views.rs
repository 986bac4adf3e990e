//! Entities as the server serializes them: field names and order follow the
//! response classes and the captured fixtures (`shared/fixtures/`). Views
//! borrow from the state and are written straight to the body.

use std::net::Ipv4Addr;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::state::{State, Tag};

const DOMAIN: &str = "ROOT";
const EMPTY: [(); 0] = [];

/// The live tags of one resource, written as the `tags` array.
pub(crate) struct Tags<'a> {
    st: &'a State,
    id: &'a str,
}

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for tag in self.st.tags_of(self.id) {
            seq.serialize_element(&self.st.tag_view(tag))?;
        }
        seq.end()
    }
}

/// `ResourceTagResponse`.
#[derive(Serialize)]
pub(crate) struct TagView<'a> {
    key: &'a str,
    value: &'a str,
    resourcetype: &'static str,
    resourceid: &'a str,
    account: &'a str,
    domainid: &'a str,
    domain: &'static str,
}

/// Key/value pairs written as a JSON object (`details`).
struct Pairs<'a>(&'a [(String, String)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Names of services, written as `[{"name": …}, …]`.
struct Services;

impl Serialize for Services {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Service {
            name: &'static str,
        }
        const NAMES: [&str; 9] = [
            "Vpn",
            "Dhcp",
            "Dns",
            "Firewall",
            "Lb",
            "UserData",
            "SourceNat",
            "StaticNat",
            "PortForwarding",
        ];
        let mut seq = serializer.serialize_seq(Some(NAMES.len()))?;
        for name in NAMES {
            seq.serialize_element(&Service { name })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
pub(crate) struct NicView<'a> {
    id: &'a str,
    networkid: &'a str,
    networkname: &'a str,
    netmask: &'a str,
    gateway: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipaddress: Option<&'a str>,
    isolationuri: &'a str,
    broadcasturi: &'a str,
    traffictype: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    isdefault: bool,
    macaddress: &'a str,
    secondaryip: [(); 0],
    extradhcpoption: [(); 0],
}

/// `UserVmResponse`, as in `listVirtualMachines` and VM job results.
#[derive(Serialize)]
pub(crate) struct VmView<'a> {
    id: &'a str,
    name: &'a str,
    displayname: &'a str,
    account: &'a str,
    userid: &'a str,
    username: &'a str,
    domainid: &'a str,
    domain: &'static str,
    created: &'a str,
    state: &'static str,
    haenable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    zoneid: &'a str,
    zonename: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    templateid: &'a str,
    templatename: &'a str,
    templatedisplaytext: &'a str,
    passwordenabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    serviceofferingid: &'a str,
    serviceofferingname: &'a str,
    cpunumber: u32,
    cpuspeed: u32,
    memory: u32,
    cpuused: &'static str,
    networkkbsread: u64,
    networkkbswrite: u64,
    diskkbsread: u64,
    diskkbswrite: u64,
    memorykbs: u64,
    memoryintfreekbs: u64,
    memorytargetkbs: u64,
    diskioread: u64,
    diskiowrite: u64,
    guestosid: &'a str,
    rootdeviceid: u32,
    rootdevicetype: &'static str,
    securitygroup: [(); 0],
    nic: Vec<NicView<'a>>,
    hypervisor: &'a str,
    instancename: &'a str,
    details: Pairs<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keypairs: Option<&'a str>,
    affinitygroup: [(); 0],
    displayvm: bool,
    isdynamicallyscalable: bool,
    ostypeid: &'a str,
    osdisplayname: &'a str,
    bootmode: &'static str,
    boottype: &'static str,
    tags: Tags<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobstatus: Option<u8>,
}

#[derive(Serialize)]
pub(crate) struct ZoneView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    dns1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns2: Option<&'a str>,
    internaldns1: &'a str,
    networktype: &'a str,
    securitygroupsenabled: bool,
    allocationstate: &'static str,
    zonetoken: &'a str,
    dhcpprovider: &'static str,
    localstorageenabled: bool,
    tags: Tags<'a>,
}

#[derive(Serialize)]
pub(crate) struct NetworkView<'a> {
    id: &'a str,
    name: &'a str,
    displaytext: &'a str,
    broadcastdomaintype: &'static str,
    traffictype: &'static str,
    gateway: &'a str,
    netmask: &'a str,
    cidr: &'a str,
    zoneid: &'a str,
    zonename: &'a str,
    networkofferingid: &'static str,
    networkofferingname: &'static str,
    networkofferingdisplaytext: &'static str,
    networkofferingconservemode: bool,
    networkofferingavailability: &'static str,
    issystem: bool,
    state: &'static str,
    related: &'a str,
    broadcasturi: &'a str,
    dns1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns2: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    acltype: &'static str,
    account: &'a str,
    domainid: &'a str,
    domain: &'static str,
    service: Services,
    networkdomain: &'a str,
    physicalnetworkid: &'a str,
    restartrequired: bool,
    specifyipranges: bool,
    canusefordeploy: bool,
    ispersistent: bool,
    tags: Tags<'a>,
    details: Pairs<'a>,
    displaynetwork: bool,
    strechedl2subnet: bool,
    redundantrouter: bool,
}

#[derive(Serialize)]
pub(crate) struct IpView<'a> {
    id: &'a str,
    ipaddress: &'a str,
    allocated: &'a str,
    zoneid: &'a str,
    zonename: &'a str,
    issourcenat: bool,
    account: &'a str,
    domainid: &'a str,
    domain: &'static str,
    forvirtualnetwork: bool,
    vlanid: &'a str,
    vlanname: &'static str,
    isstaticnat: bool,
    issystem: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    associatednetworkid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associatednetworkname: Option<&'a str>,
    networkid: &'a str,
    state: &'static str,
    physicalnetworkid: &'a str,
    tags: Tags<'a>,
    isportable: bool,
    fordisplay: bool,
}

#[derive(Serialize)]
pub(crate) struct TemplateView<'a> {
    id: &'a str,
    name: &'a str,
    displaytext: &'a str,
    ispublic: bool,
    created: &'a str,
    isready: bool,
    passwordenabled: bool,
    format: &'a str,
    isfeatured: bool,
    #[serde(rename = "crossZones")]
    cross_zones: bool,
    ostypeid: &'a str,
    ostypename: &'a str,
    account: &'a str,
    zoneid: &'a str,
    zonename: &'a str,
    status: &'static str,
    size: u64,
    templatetype: &'static str,
    hypervisor: &'a str,
    domain: &'static str,
    domainid: &'a str,
    isextractable: bool,
    tags: Tags<'a>,
    sshkeyenabled: bool,
    isdynamicallyscalable: bool,
    directdownload: bool,
    deployasis: bool,
    requireshvm: bool,
    bootable: bool,
}

#[derive(Serialize)]
pub(crate) struct OfferingView<'a> {
    id: &'a str,
    name: &'a str,
    displaytext: &'a str,
    cpunumber: u32,
    cpuspeed: u32,
    memory: u32,
    created: &'a str,
    storagetype: &'static str,
    provisioningtype: &'static str,
    offerha: bool,
    limitcpuuse: bool,
    isvolatile: bool,
    issystem: bool,
    defaultuse: bool,
    iscustomized: bool,
    #[serde(rename = "cacheMode")]
    cache_mode: &'static str,
    dynamicscalingenabled: bool,
    diskofferingstrictness: bool,
    encryptroot: bool,
    hasannotations: bool,
}

#[derive(Serialize)]
pub(crate) struct RuleView<'a> {
    id: &'a str,
    privateport: String,
    privateendport: String,
    protocol: &'a str,
    publicport: String,
    publicendport: String,
    virtualmachineid: &'a str,
    virtualmachinename: &'a str,
    virtualmachinedisplayname: &'a str,
    ipaddressid: &'a str,
    ipaddress: &'a str,
    vmguestip: &'a str,
    state: &'static str,
    cidrlist: &'a str,
    tags: Tags<'a>,
    networkid: &'a str,
    fordisplay: bool,
}

impl State {
    fn tags<'a>(&'a self, id: &'a str) -> Tags<'a> {
        Tags { st: self, id }
    }

    pub fn tag_view<'a>(&'a self, tag: &'a Tag) -> TagView<'a> {
        TagView {
            key: &tag.key,
            value: &tag.value,
            resourcetype: tag.resourcetype.as_str(),
            resourceid: &tag.resourceid,
            account: &self.account.name,
            domainid: &self.account.domainid,
            domain: DOMAIN,
        }
    }

    /// A VM; `with_password` adds the generated password (deploy job result only).
    pub fn vm_view(&self, index: usize, with_password: bool) -> VmView<'_> {
        let vm = &self.vms[index];
        let zone = &self.zones[vm.zone];
        let template = &self.templates[vm.template];
        let offering = &self.offerings[vm.offering].spec;
        let on_host = vm.state.on_host();
        let pending = vm.queue.front().map(|&job| self.jobs[job].id.as_str());
        VmView {
            id: &vm.id,
            name: &vm.name,
            displayname: &vm.displayname,
            account: &self.account.name,
            userid: &self.account.userid,
            username: &self.account.username,
            domainid: &self.account.domainid,
            domain: DOMAIN,
            created: &vm.created,
            state: vm.state.as_str(),
            haenable: false,
            group: vm.group.as_deref(),
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            hostid: on_host.then_some(zone.host_id.as_str()),
            hostname: on_host.then_some(zone.host_name.as_str()),
            templateid: &template.spec.id,
            templatename: &template.spec.name,
            templatedisplaytext: &template.displaytext,
            passwordenabled: template.spec.passwordenabled,
            password: if with_password {
                vm.password.as_deref()
            } else {
                None
            },
            serviceofferingid: &offering.id,
            serviceofferingname: &offering.name,
            cpunumber: offering.cpunumber,
            cpuspeed: offering.cpuspeed,
            memory: offering.memory,
            cpuused: "0%",
            networkkbsread: 0,
            networkkbswrite: 0,
            diskkbsread: 0,
            diskkbswrite: 0,
            memorykbs: 0,
            memoryintfreekbs: 0,
            memorytargetkbs: 0,
            diskioread: 0,
            diskiowrite: 0,
            guestosid: &template.ostypeid,
            rootdeviceid: 0,
            rootdevicetype: "ROOT",
            securitygroup: EMPTY,
            nic: vm
                .nics
                .iter()
                .map(|nic| {
                    let network = &self.networks[nic.network];
                    NicView {
                        id: &nic.id,
                        networkid: &network.spec.id,
                        networkname: &network.spec.name,
                        netmask: &network.netmask,
                        gateway: &network.gateway,
                        ipaddress: nic.ipaddress.as_deref(),
                        isolationuri: &network.vlan_uri,
                        broadcasturi: &network.vlan_uri,
                        traffictype: "Guest",
                        kind: "Isolated",
                        isdefault: nic.isdefault,
                        macaddress: &nic.mac,
                        secondaryip: EMPTY,
                        extradhcpoption: EMPTY,
                    }
                })
                .collect(),
            hypervisor: &template.spec.hypervisor,
            instancename: &vm.instancename,
            details: Pairs(&vm.details),
            keypairs: vm.keypairs.as_deref(),
            affinitygroup: EMPTY,
            displayvm: true,
            isdynamicallyscalable: false,
            ostypeid: &template.ostypeid,
            osdisplayname: &template.spec.ostypename,
            bootmode: "legacy",
            boottype: "Bios",
            tags: self.tags(&vm.id),
            jobid: pending,
            jobstatus: pending.map(|_| 0),
        }
    }

    pub fn zone_view(&self, index: usize) -> ZoneView<'_> {
        let zone = &self.zones[index];
        ZoneView {
            id: &zone.spec.id,
            name: &zone.spec.name,
            description: zone.spec.description.as_deref(),
            dns1: &zone.spec.dns1,
            dns2: zone.spec.dns2.as_deref(),
            internaldns1: "10.0.0.2",
            networktype: &zone.spec.networktype,
            securitygroupsenabled: false,
            allocationstate: "Enabled",
            zonetoken: &zone.zonetoken,
            dhcpprovider: "VirtualRouter",
            localstorageenabled: false,
            tags: self.tags(&zone.spec.id),
        }
    }

    pub fn network_view(&self, index: usize) -> NetworkView<'_> {
        let network = &self.networks[index];
        let zone = &self.zones[network.zone];
        NetworkView {
            id: &network.spec.id,
            name: &network.spec.name,
            displaytext: &network.displaytext,
            broadcastdomaintype: "Vlan",
            traffictype: "Guest",
            gateway: &network.gateway,
            netmask: &network.netmask,
            cidr: &network.cidr,
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            networkofferingid: "9b5d4a3c-2e1f-4a6b-8c7d-0e1f2a3b4c5d",
            networkofferingname: "DefaultIsolatedNetworkOfferingWithSourceNatService",
            networkofferingdisplaytext:
                "Offering for Isolated networks with Source Nat service enabled",
            networkofferingconservemode: true,
            networkofferingavailability: "Required",
            issystem: false,
            state: "Implemented",
            related: &network.spec.id,
            broadcasturi: &network.vlan_uri,
            dns1: &zone.spec.dns1,
            dns2: zone.spec.dns2.as_deref(),
            kind: "Isolated",
            acltype: "Account",
            account: &self.account.name,
            domainid: &self.account.domainid,
            domain: DOMAIN,
            service: Services,
            networkdomain: &network.networkdomain,
            physicalnetworkid: &zone.physical_network_id,
            restartrequired: false,
            specifyipranges: false,
            canusefordeploy: true,
            ispersistent: false,
            tags: self.tags(&network.spec.id),
            details: Pairs(&[]),
            displaynetwork: true,
            strechedl2subnet: false,
            redundantrouter: false,
        }
    }

    pub fn ip_view(&self, index: usize) -> IpView<'_> {
        let ip = &self.ips[index];
        let zone = &self.zones[ip.zone];
        let network = ip.network.map(|n| &self.networks[n]);
        IpView {
            id: &ip.id,
            ipaddress: &ip.ipaddress,
            allocated: &ip.allocated,
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            issourcenat: ip.source_nat,
            account: &self.account.name,
            domainid: &self.account.domainid,
            domain: DOMAIN,
            forvirtualnetwork: true,
            vlanid: &zone.vlan_id,
            vlanname: "vlan://untagged",
            isstaticnat: false,
            issystem: false,
            associatednetworkid: network.map(|n| n.spec.id.as_str()),
            associatednetworkname: network.map(|n| n.spec.name.as_str()),
            networkid: &zone.public_network_id,
            state: ip.state,
            physicalnetworkid: &zone.physical_network_id,
            tags: self.tags(&ip.id),
            isportable: false,
            fordisplay: true,
        }
    }

    /// One row of `listTemplates`: a template in one zone.
    pub fn template_view(&self, index: usize, zone: usize) -> TemplateView<'_> {
        let template = &self.templates[index];
        let spec = &template.spec;
        let zone = &self.zones[zone];
        TemplateView {
            id: &spec.id,
            name: &spec.name,
            displaytext: &template.displaytext,
            ispublic: spec.public,
            created: &template.created,
            isready: true,
            passwordenabled: spec.passwordenabled,
            format: &spec.format,
            isfeatured: spec.featured,
            cross_zones: spec.zoneids.is_none(),
            ostypeid: &template.ostypeid,
            ostypename: &spec.ostypename,
            account: if spec.owned {
                &self.account.name
            } else {
                "system"
            },
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            status: "Download Complete",
            size: spec.size,
            templatetype: if spec.owned { "USER" } else { "BUILTIN" },
            hypervisor: &spec.hypervisor,
            domain: DOMAIN,
            domainid: &self.account.domainid,
            isextractable: spec.owned,
            tags: self.tags(&spec.id),
            sshkeyenabled: false,
            isdynamicallyscalable: false,
            directdownload: false,
            deployasis: false,
            requireshvm: true,
            bootable: true,
        }
    }

    pub fn offering_view(&self, index: usize) -> OfferingView<'_> {
        let offering = &self.offerings[index];
        OfferingView {
            id: &offering.spec.id,
            name: &offering.spec.name,
            displaytext: &offering.displaytext,
            cpunumber: offering.spec.cpunumber,
            cpuspeed: offering.spec.cpuspeed,
            memory: offering.spec.memory,
            created: &offering.created,
            storagetype: "shared",
            provisioningtype: "thin",
            offerha: false,
            limitcpuuse: false,
            isvolatile: false,
            issystem: false,
            defaultuse: false,
            iscustomized: false,
            cache_mode: "none",
            dynamicscalingenabled: true,
            diskofferingstrictness: false,
            encryptroot: false,
            hasannotations: false,
        }
    }

    pub fn rule_view(&self, index: usize) -> RuleView<'_> {
        let rule = &self.rules[index];
        let vm = &self.vms[rule.vm];
        let ip = &self.ips[rule.ip];
        RuleView {
            id: &rule.id,
            privateport: rule.private_port.0.to_string(),
            privateendport: rule.private_port.1.to_string(),
            protocol: &rule.protocol,
            publicport: rule.public_port.0.to_string(),
            publicendport: rule.public_port.1.to_string(),
            virtualmachineid: &vm.id,
            virtualmachinename: &vm.name,
            virtualmachinedisplayname: &vm.displayname,
            ipaddressid: &ip.id,
            ipaddress: &ip.ipaddress,
            vmguestip: &rule.vmguestip,
            state: rule.state,
            cidrlist: &rule.cidrlist,
            tags: self.tags(&rule.id),
            networkid: &self.networks[rule.network].spec.id,
            fordisplay: true,
        }
    }
}

/// Formats an address kept as a number.
pub(crate) fn ipv4(address: u32) -> String {
    Ipv4Addr::from(address).to_string()
}
