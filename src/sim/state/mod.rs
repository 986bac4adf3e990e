//! The simulator's mutable world: the cloud's fixed parts with the ids and
//! counters derived from them, and everything created through the API (VMs,
//! public IPs, port forwarding rules, tags, jobs). One `State` lives behind
//! one mutex; every request settles due jobs first (`State::settle`, in `api::jobs`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

pub(crate) mod existing;
pub(crate) mod jobs;
pub(crate) mod journal;
pub(crate) mod tenants;

use super::cloud::{self, Account, Cloud, Network, ServiceOffering, Template, Zone};
pub(crate) use super::kinds::{Entity, ResourceType};
use super::objects::{has_rule, Objects};
use jobs::Job;

/// What fills a new world with the objects every cloud has and a cloud
/// file's generic `objects` (whether the file's kinds are complete).
pub(crate) type Fill = fn(
    &mut State,
    &std::collections::BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
    bool,
);

/// A date as the server writes it: `yyyy-MM-dd'T'HH:mm:ss+0000`.
pub(crate) fn cs_date(at: DateTime<Utc>) -> String {
    at.format(crate::client::sign::EXPIRES_FORMAT).to_string()
}

/// The states a VM goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VmState {
    Starting,
    Running,
    Stopping,
    Stopped,
    Destroyed,
    Expunging,
    Error,
}

impl VmState {
    pub fn as_str(self) -> &'static str {
        match self {
            VmState::Starting => "Starting",
            VmState::Running => "Running",
            VmState::Stopping => "Stopping",
            VmState::Stopped => "Stopped",
            VmState::Destroyed => "Destroyed",
            VmState::Expunging => "Expunging",
            VmState::Error => "Error",
        }
    }

    /// Whether the VM sits on a host (shows `hostid`).
    pub fn on_host(self) -> bool {
        matches!(
            self,
            VmState::Starting | VmState::Running | VmState::Stopping
        )
    }
}

pub(crate) struct ZoneRt {
    pub spec: Zone,
    pub zonetoken: String,
    pub host_id: String,
    pub host_name: String,
    pub public_network_id: String,
    pub physical_network_id: String,
    pub vlan_id: String,
    /// VMs counted against `max_vms`.
    pub active_vms: u32,
    pub ip_range: Option<(u32, u32)>,
    pub ips_used: HashSet<u32>,
    /// `Enabled` or `Disabled`: a zone `createZone` made starts disabled,
    /// as the server's does, until `updateZone allocationstate=Enabled`.
    pub allocationstate: &'static str,
    /// Deleted by `deleteZone`: gone from lists and lookups, but its id
    /// still names a row for the parameter layer ("including removed").
    pub removed: bool,
}

pub(crate) struct NetworkRt {
    pub spec: Network,
    pub zone: usize,
    pub displaytext: String,
    pub networkdomain: String,
    pub gateway: String,
    pub netmask: String,
    pub cidr: String,
    pub vlan_uri: String,
    pub base: u32,
    pub size: u32,
    pub used: HashSet<u32>,
    pub cursor: u32,
    /// Lower-cased host names in use, with their count.
    pub names: HashMap<String, u32>,
    /// Deleted by `deleteNetwork` (see [`ZoneRt::removed`]).
    pub removed: bool,
}

pub(crate) struct TemplateRt {
    pub spec: Template,
    pub zones: Vec<usize>,
    pub created: String,
    pub ostypeid: String,
    pub displaytext: String,
}

pub(crate) struct OfferingRt {
    pub spec: ServiceOffering,
    pub created: String,
    pub displaytext: String,
    /// Deleted by `deleteServiceOffering` (see [`ZoneRt::removed`]).
    pub removed: bool,
}

pub(crate) struct Nic {
    pub id: String,
    pub network: usize,
    pub ip: Option<u32>,
    pub ipaddress: Option<String>,
    pub mac: String,
    pub isdefault: bool,
}

pub(crate) struct Vm {
    pub id: String,
    pub name: String,
    pub displayname: String,
    pub zone: usize,
    pub template: usize,
    pub offering: usize,
    pub nics: Vec<Nic>,
    /// What lists show now.
    pub state: VmState,
    /// The state once every queued job has run.
    pub projected: VmState,
    /// Pending jobs on this VM, oldest first; they run one after the other.
    pub queue: VecDeque<usize>,
    /// When the last queued job completes.
    pub tail: Instant,
    pub created: String,
    pub instancename: String,
    pub keypairs: Option<String>,
    pub group: Option<String>,
    pub details: Vec<(String, String)>,
    pub password: Option<String>,
    /// Expunged: still known by id (as removed rows are), listed nowhere.
    pub removed: bool,
    /// Counted against the zone's `max_vms`.
    pub counted: bool,
    /// Holds its host name and addresses in its networks.
    pub holds_name: bool,
}

pub(crate) struct PublicIp {
    pub id: String,
    pub address: u32,
    pub ipaddress: String,
    pub zone: usize,
    pub network: Option<usize>,
    pub source_nat: bool,
    pub state: &'static str,
    pub allocated: String,
    pub removed: bool,
    /// Shown to end users (`fordisplay`, set by `updateIpAddress`).
    pub fordisplay: bool,
    /// Static NAT: the VM and its guest address.
    pub static_nat: Option<(usize, String)>,
}

pub(crate) struct PfRule {
    pub id: String,
    pub ip: usize,
    pub vm: usize,
    pub network: usize,
    pub protocol: String,
    pub private_port: (u16, u16),
    pub public_port: (u16, u16),
    pub cidrlist: String,
    pub vmguestip: String,
    pub state: &'static str,
    pub removed: bool,
    /// Shown to end users (`fordisplay`, set by `updatePortForwardingRule`).
    pub fordisplay: bool,
}

pub(crate) struct Tag {
    pub key: String,
    pub value: String,
    pub resourcetype: ResourceType,
    pub resourceid: String,
    pub removed: bool,
}

/// What the soak tests read back (see [`super::SimStats`]).
#[derive(Default)]
pub(crate) struct VmCounters {
    pub created: u64,
    pub destroyed: u64,
    pub destroyed_by_id: HashMap<String, u64>,
}

pub(crate) struct State {
    pub account: Account,
    pub job_delay: Duration,
    rng: StdRng,
    pub zones: Vec<ZoneRt>,
    pub networks: Vec<NetworkRt>,
    pub templates: Vec<TemplateRt>,
    pub offerings: Vec<OfferingRt>,
    pub ips: Vec<PublicIp>,
    pub vms: Vec<Vm>,
    pub jobs: Vec<Job>,
    pub rules: Vec<PfRule>,
    pub tags: Vec<Tag>,
    /// Objects of every other kind (see [`super::objects`]).
    pub objects: Objects,
    zone_idx: HashMap<String, usize>,
    network_idx: HashMap<String, usize>,
    template_idx: HashMap<String, usize>,
    offering_idx: HashMap<String, usize>,
    ip_idx: HashMap<String, usize>,
    vm_idx: HashMap<String, usize>,
    job_idx: HashMap<String, usize>,
    rule_idx: HashMap<String, usize>,
    tag_idx: HashMap<String, Vec<usize>>,
    events: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    event_seq: u64,
    instance_seq: u64,
    pub stats: VmCounters,
    /// Every state-changing request (see [`journal`]).
    pub journal: std::collections::VecDeque<journal::JournalEntry>,
    /// How many authenticated requests each command received.
    pub received: HashMap<&'static str, u64>,
    /// Domains, accounts' users, their passwords and keys (see [`tenants`]).
    pub tenants: tenants::Tenants,
    /// Destroyed VMs waiting for the expunge task, with when they were
    /// destroyed (see `api::vm`'s `expunge_destroyed`).
    pub destroyed_at: Vec<(usize, Instant)>,
    /// When the world was built: the expunge task runs every
    /// `expunge.interval` from then.
    pub started: Instant,
}

/// Looks an id up the way the database does: case-insensitively.
fn find(index: &HashMap<String, usize>, id: &str) -> Option<usize> {
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        index.get(&id.to_ascii_lowercase()).copied()
    } else {
        index.get(id).copied()
    }
}

fn indexed<T>(items: &[T], id: impl Fn(&T) -> &str) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (id(item).to_ascii_lowercase(), i))
        .collect()
}

impl State {
    /// Builds the world from a validated cloud. Generated ids (hosts, public
    /// networks) come from the same RNG as every other id, so a seed fixes them.
    /// `fill` adds the objects every cloud has and the file's generic
    /// `objects`: the handlers know them (`api::seed`), and the model does
    /// not name its handlers.
    pub fn new(
        cloud: Cloud,
        job_delay: Duration,
        seed: Option<u64>,
        now: DateTime<Utc>,
        fill: Fill,
    ) -> State {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let created = cs_date(now);
        let mut state = State {
            tenants: tenants::Tenants::new(&cloud.account),
            account: cloud.account,
            job_delay,
            rng,
            zones: Vec::new(),
            networks: Vec::new(),
            templates: Vec::new(),
            offerings: Vec::new(),
            ips: Vec::new(),
            vms: Vec::new(),
            jobs: Vec::new(),
            rules: Vec::new(),
            tags: Vec::new(),
            objects: Objects::default(),
            zone_idx: HashMap::new(),
            network_idx: HashMap::new(),
            template_idx: HashMap::new(),
            offering_idx: HashMap::new(),
            ip_idx: HashMap::new(),
            vm_idx: HashMap::new(),
            job_idx: HashMap::new(),
            rule_idx: HashMap::new(),
            tag_idx: HashMap::new(),
            events: BinaryHeap::new(),
            event_seq: 0,
            instance_seq: 0,
            stats: VmCounters::default(),
            journal: std::collections::VecDeque::new(),
            received: HashMap::new(),
            destroyed_at: Vec::new(),
            started: Instant::now(),
        };
        for zone in cloud.zones {
            state.add_zone(zone, "Enabled");
        }
        for network in cloud.networks {
            state.add_network(network);
        }
        for network in 0..state.networks.len() {
            if let Some(ip) = state.networks[network].spec.source_nat_ip.clone() {
                let address: Ipv4Addr = ip.ipaddress.parse().expect("validated cloud");
                let zone = state.networks[network].zone;
                state.zones[zone].ips_used.insert(u32::from(address));
                state.ips.push(PublicIp {
                    fordisplay: true,
                    id: ip.id.to_ascii_lowercase(),
                    address: u32::from(address),
                    ipaddress: ip.ipaddress,
                    zone,
                    network: Some(network),
                    source_nat: true,
                    state: "Allocated",
                    allocated: created.clone(),
                    removed: false,
                    static_nat: None,
                });
            }
        }
        state.ip_idx = indexed(&state.ips, |i| &i.id);
        for template in cloud.templates {
            let ostypeid = state.uuid();
            state.add_template(template, created.clone(), ostypeid);
        }
        for offering in cloud.service_offerings {
            state.add_offering(offering, created.clone());
        }
        existing::load(
            &mut state,
            &cloud.virtual_machines,
            &cloud.public_ips,
            &cloud.port_forwarding_rules,
            &created,
        );
        fill(&mut state, &cloud.objects, cloud.complete_objects);
        existing::load_tags(&mut state, &cloud.tags);
        existing::load_members(&mut state, &cloud.members);
        existing::load_kept(&mut state, &cloud.kept);
        state
    }

    /// Adds a network of a validated spec (its zone known, its CIDR one the
    /// simulator serves): the cloud file's, or one `createNetwork` made.
    pub fn add_network(&mut self, network: Network) -> usize {
        let index = self.networks.len();
        let zone = find(&self.zone_idx, &network.zoneid).expect("validated network");
        let (base, prefix) = cloud::parse_cidr(&network.cidr).expect("validated network");
        let size = 1u32 << (32 - u32::from(prefix));
        let mut used = HashSet::new();
        used.insert(1); // the gateway
        let rt = NetworkRt {
            zone,
            displaytext: network
                .displaytext
                .clone()
                .unwrap_or_else(|| network.name.clone()),
            networkdomain: network
                .networkdomain
                .clone()
                .unwrap_or_else(|| "cs.simulator.internal".into()),
            gateway: Ipv4Addr::from(base + 1).to_string(),
            netmask: Ipv4Addr::from(cloud::prefix_mask(prefix)).to_string(),
            cidr: format!("{}/{prefix}", Ipv4Addr::from(base)),
            vlan_uri: format!("vlan://{}", 1000 + index),
            base,
            size,
            used,
            cursor: 2,
            names: HashMap::new(),
            removed: false,
            spec: network,
        };
        self.network_idx
            .insert(rt.spec.id.to_ascii_lowercase(), index);
        self.networks.push(rt);
        index
    }

    /// Adds a template in the zones it names (every zone when it names
    /// none): the cloud file's, or one `registerTemplate` made.
    pub fn add_template(&mut self, template: Template, created: String, ostypeid: String) -> usize {
        let index = self.templates.len();
        let zones = match &template.zoneids {
            Some(ids) => ids
                .iter()
                .filter_map(|id| find(&self.zone_idx, id))
                .collect(),
            None => (0..self.zones.len()).collect(),
        };
        self.template_idx
            .insert(template.id.to_ascii_lowercase(), index);
        self.templates.push(TemplateRt {
            zones,
            created,
            ostypeid,
            displaytext: template
                .displaytext
                .clone()
                .unwrap_or_else(|| template.name.clone()),
            spec: template,
        });
        index
    }

    /// Adds a zone with its simulated host and physical networks: the
    /// cloud file's (enabled), or one `createZone` made.
    pub fn add_zone(&mut self, zone: Zone, allocationstate: &'static str) -> usize {
        let index = self.zones.len();
        let host_id = self.uuid();
        let zone_rt = ZoneRt {
            zonetoken: self.uuid(),
            host_name: format!("SimulatedAgent.{}", self.uuid()),
            host_id,
            public_network_id: self.uuid(),
            physical_network_id: self.uuid(),
            vlan_id: self.uuid(),
            active_vms: 0,
            ip_range: zone
                .public_ip_range
                .as_deref()
                .and_then(|r| cloud::parse_ip_range(r).ok()),
            ips_used: HashSet::new(),
            allocationstate,
            removed: false,
            spec: zone,
        };
        self.zone_idx
            .insert(zone_rt.spec.id.to_ascii_lowercase(), index);
        self.zones.push(zone_rt);
        index
    }

    /// Adds a service offering: the cloud file's, or one
    /// `createServiceOffering` made.
    pub fn add_offering(&mut self, offering: ServiceOffering, created: String) -> usize {
        let index = self.offerings.len();
        self.offering_idx
            .insert(offering.id.to_ascii_lowercase(), index);
        self.offerings.push(OfferingRt {
            created,
            displaytext: offering
                .displaytext
                .clone()
                .unwrap_or_else(|| offering.name.clone()),
            removed: false,
            spec: offering,
        });
        index
    }

    /// A new uuid v4 from the (possibly seeded) RNG.
    pub fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// Random bytes from the same RNG (session keys, MAC addresses, passwords).
    pub fn random_bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut bytes = [0u8; N];
        self.rng.fill_bytes(&mut bytes);
        bytes
    }

    /// The next instance number (`i-2-<n>-VM`).
    pub fn next_instance(&mut self) -> u64 {
        self.instance_seq += 1;
        self.instance_seq
    }

    /// A zone that is not deleted.
    pub fn zone(&self, id: &str) -> Option<usize> {
        find(&self.zone_idx, id).filter(|&i| !self.zones[i].removed)
    }
    /// A network that is not deleted.
    pub fn network(&self, id: &str) -> Option<usize> {
        find(&self.network_idx, id).filter(|&i| !self.networks[i].removed)
    }
    pub fn template(&self, id: &str) -> Option<usize> {
        find(&self.template_idx, id)
    }
    /// A service offering that is not deleted.
    pub fn offering(&self, id: &str) -> Option<usize> {
        find(&self.offering_idx, id).filter(|&i| !self.offerings[i].removed)
    }
    /// A public IP, removed ones included.
    pub fn ip(&self, id: &str) -> Option<usize> {
        find(&self.ip_idx, id)
    }
    /// A VM, expunged ones included.
    pub fn vm(&self, id: &str) -> Option<usize> {
        find(&self.vm_idx, id)
    }
    pub fn job(&self, id: &str) -> Option<usize> {
        find(&self.job_idx, id)
    }
    /// A port forwarding rule, deleted ones included.
    pub fn rule(&self, id: &str) -> Option<usize> {
        find(&self.rule_idx, id)
    }

    pub fn add_vm(&mut self, vm: Vm) -> usize {
        self.vm_idx.insert(vm.id.clone(), self.vms.len());
        self.vms.push(vm);
        self.vms.len() - 1
    }

    pub fn add_ip(&mut self, ip: PublicIp) -> usize {
        self.ip_idx.insert(ip.id.clone(), self.ips.len());
        self.ips.push(ip);
        self.ips.len() - 1
    }

    pub fn add_rule(&mut self, rule: PfRule) -> usize {
        self.rule_idx.insert(rule.id.clone(), self.rules.len());
        self.rules.push(rule);
        self.rules.len() - 1
    }

    pub fn add_job(&mut self, job: Job, complete_at: Instant) -> usize {
        let index = self.jobs.len();
        self.job_idx.insert(job.id.clone(), index);
        self.jobs.push(job);
        self.event_seq += 1;
        self.events
            .push(Reverse((complete_at, self.event_seq, index)));
        index
    }

    /// The next job due at `now`, in due order, taken off the queue of
    /// pending completions (`settle`, in `api::jobs`, completes it).
    pub(crate) fn next_due(&mut self, now: Instant) -> Option<usize> {
        let Reverse((at, _, job)) = self.events.peek().copied()?;
        if at > now {
            return None;
        }
        self.events.pop();
        Some(job)
    }

    /// Live tags of a resource.
    pub fn tags_of<'a>(&'a self, resource_id: &str) -> impl Iterator<Item = &'a Tag> + 'a {
        let indexes = if resource_id.bytes().any(|b| b.is_ascii_uppercase()) {
            self.tag_idx.get(&resource_id.to_ascii_lowercase())
        } else {
            self.tag_idx.get(resource_id)
        };
        indexes
            .into_iter()
            .flatten()
            .map(|&i| &self.tags[i])
            .filter(|t| !t.removed)
    }

    pub fn add_tag(&mut self, tag: Tag) {
        self.tag_idx
            .entry(tag.resourceid.to_ascii_lowercase())
            .or_default()
            .push(self.tags.len());
        self.tags.push(tag);
    }

    /// Removes the live tags of a resource that `keep` rejects.
    pub fn remove_tags(&mut self, resource_id: &str, mut matches: impl FnMut(&Tag) -> bool) {
        let Some(indexes) = self.tag_idx.get(&resource_id.to_ascii_lowercase()) else {
            return;
        };
        for &i in indexes {
            let tag = &mut self.tags[i];
            if !tag.removed && matches(tag) {
                tag.removed = true;
            }
        }
    }

    /// Whether every `(key, value)` filter pair is a live tag of the resource.
    pub fn has_tags(&self, resource_id: &str, wanted: &[(&str, Option<&str>)]) -> bool {
        wanted.iter().all(|(key, value)| {
            self.tags_of(resource_id)
                .any(|t| t.key == *key && value.is_none_or(|v| t.value == v))
        })
    }

    /// Whether a resource of this type and id is live (for tags).
    pub fn resource_exists(&self, kind: ResourceType, id: &str) -> bool {
        self.live(kind.kind(), id)
    }

    /// Whether a live object of this kind (`virtualmachine`, `iso`…) has
    /// this id.
    pub fn live(&self, kind: &str, id: &str) -> bool {
        self.has(kind, id, false)
    }

    /// Whether an object of this kind has this id, removed ones too when
    /// `removed`: the one question asked of every kind alike, answered by
    /// the store that owns the kind (a typed kind's own rows, else the
    /// generic table).
    pub fn has(&self, kind: &str, id: &str, removed: bool) -> bool {
        let shown = |gone: bool| removed || !gone;
        match Entity::of_kind(kind) {
            Some(Entity::Zone) => {
                find(&self.zone_idx, id).is_some_and(|i| shown(self.zones[i].removed))
            }
            Some(Entity::Network) => {
                find(&self.network_idx, id).is_some_and(|i| shown(self.networks[i].removed))
            }
            Some(Entity::Template) => self.template(id).is_some(),
            Some(Entity::Offering) => {
                find(&self.offering_idx, id).is_some_and(|i| shown(self.offerings[i].removed))
            }
            Some(Entity::Vm) => self.vm(id).is_some_and(|i| shown(self.vms[i].removed)),
            Some(Entity::PublicIp) => self.ip(id).is_some_and(|i| shown(self.ips[i].removed)),
            Some(Entity::Rule) => self.rule(id).is_some_and(|i| shown(self.rules[i].removed)),
            Some(Entity::Job) => self.job(id).is_some(),
            // The root domain is the account's; every other is a generic row.
            None if kind == "domain" && id.eq_ignore_ascii_case(&self.account.domainid) => true,
            None => self.objects.find(id).is_some_and(|i| {
                let obj = &self.objects[i];
                obj.kind == kind && shown(obj.removed)
            }),
        }
    }

    /// Whether an id parameter naming an object of this response class
    /// (`ZoneResponse`…) names a known row, removed ones included: a row
    /// of one of the class's kinds ([`super::kinds::kinds_of_class`]).
    pub fn entity_exists(&self, class: &str, id: &str) -> bool {
        match class {
            "SecurityGroupRuleResponse" => self.objects.of_kind("securitygroup").any(|i| {
                let fields = &self.objects[i].fields;
                has_rule(fields, "ingressrule", id) || has_rule(fields, "egressrule", id)
            }),
            "NicResponse" => {
                self.has("nic", id, true)
                    || self
                        .vms
                        .iter()
                        .any(|vm| vm.nics.iter().any(|nic| nic.id.eq_ignore_ascii_case(id)))
            }
            _ => match super::kinds::kinds_of_class(class) {
                // A class no list command lists (a plugin's): any row.
                [] => self.id_known(id),
                kinds => kinds.iter().any(|kind| self.has(kind, id, true)),
            },
        }
    }

    /// The name of the row with this id, if it has one.
    pub fn name_of(&self, id: &str) -> Option<String> {
        if let Some(i) = self.objects.find(id) {
            return self.objects[i].str("name").map(str::to_string);
        }
        if let Some(i) = self.vm(id) {
            return Some(self.vms[i].name.clone());
        }
        if let Some(i) = find(&self.zone_idx, id) {
            return Some(self.zones[i].spec.name.clone());
        }
        if let Some(i) = find(&self.network_idx, id) {
            return Some(self.networks[i].spec.name.clone());
        }
        if let Some(i) = self.template(id) {
            return Some(self.templates[i].spec.name.clone());
        }
        if let Some(i) = find(&self.offering_idx, id) {
            return Some(self.offerings[i].spec.name.clone());
        }
        self.ip(id).map(|i| self.ips[i].ipaddress.clone())
    }

    /// Whether any row of the world has this id.
    pub fn id_known(&self, id: &str) -> bool {
        self.objects.find(id).is_some()
            || self.vm(id).is_some()
            || self.ip(id).is_some()
            || self.rule(id).is_some()
            || find(&self.zone_idx, id).is_some()
            || find(&self.network_idx, id).is_some()
            || self.template(id).is_some()
            || find(&self.offering_idx, id).is_some()
            || self.job(id).is_some()
            || id.eq_ignore_ascii_case(&self.account.domainid)
            || id.eq_ignore_ascii_case(&self.account.id)
            || id.eq_ignore_ascii_case(&self.account.userid)
    }

    /// Reserves the next free guest address of a network.
    pub fn allocate_guest_ip(&mut self, network: usize) -> Option<u32> {
        let net = &mut self.networks[network];
        // Host part 0 is the network, the last one the broadcast address.
        let usable = net.size.saturating_sub(2);
        for _ in 0..usable {
            let host = net.cursor;
            net.cursor = if net.cursor + 1 >= net.size - 1 {
                1
            } else {
                net.cursor + 1
            };
            if host >= 1 && net.used.insert(host) {
                return Some(net.base + host);
            }
        }
        None
    }

    pub fn release_guest_ip(&mut self, network: usize, address: u32) {
        let net = &mut self.networks[network];
        net.used.remove(&(address - net.base));
    }

    /// Reserves the next free public address of a zone.
    pub fn allocate_public_ip(&mut self, zone: usize) -> Option<u32> {
        let zone = &mut self.zones[zone];
        let (first, last) = zone.ip_range?;
        (first..=last).find(|address| zone.ips_used.insert(*address))
    }

    /// Gives back what a VM held: its names and addresses, its place in the
    /// zone's capacity.
    pub fn release_vm(&mut self, vm: usize, names_too: bool) {
        if self.vms[vm].counted {
            self.vms[vm].counted = false;
            let zone = self.vms[vm].zone;
            self.zones[zone].active_vms = self.zones[zone].active_vms.saturating_sub(1);
        }
        if names_too && self.vms[vm].holds_name {
            self.vms[vm].holds_name = false;
            let name = self.vms[vm].name.to_ascii_lowercase();
            let held: Vec<(usize, Option<u32>)> = self.vms[vm]
                .nics
                .iter()
                .map(|n| (n.network, n.ip))
                .collect();
            for (network, ip) in held {
                if let Some(count) = self.networks[network].names.get_mut(&name) {
                    *count -= 1;
                    if *count == 0 {
                        self.networks[network].names.remove(&name);
                    }
                }
                if let Some(ip) = ip {
                    self.release_guest_ip(network, ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(seed: u64) -> State {
        State::new(
            Cloud::demo(),
            Duration::from_millis(10),
            Some(seed),
            Utc::now(),
            crate::sim::api::seed,
        )
    }

    #[test]
    fn seeded_ids_repeat() {
        let (mut a, mut b) = (state(7), state(7));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.zones[0].host_id, b.zones[0].host_id);
        assert_ne!(state(8).zones[0].host_id, a.zones[0].host_id);
        let id = a.uuid();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    }

    #[test]
    fn guest_addresses_skip_the_gateway_and_are_reused() {
        let mut cloud = Cloud::demo();
        cloud.networks[0].cidr = "10.9.9.0/30".into();
        let mut st = State::new(
            cloud,
            Duration::ZERO,
            Some(1),
            Utc::now(),
            crate::sim::api::seed,
        );
        let first = st.allocate_guest_ip(0).unwrap();
        assert_eq!(Ipv4Addr::from(first).to_string(), "10.9.9.2");
        assert_eq!(st.allocate_guest_ip(0), None);
        st.release_guest_ip(0, first);
        assert_eq!(st.allocate_guest_ip(0), Some(first));
    }

    #[test]
    fn lookups_ignore_case() {
        let st = state(1);
        assert!(st
            .zone(&crate::sim::demo::ZONE1.to_ascii_uppercase())
            .is_some());
        assert!(st.has("publicipaddress", crate::sim::demo::SOURCE_NAT_IP, true));
        assert!(!st.has("virtualmachine", crate::sim::demo::ZONE1, true));
    }
}
