//! Virtual machines: deploy, list, start, stop, reboot, destroy.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::{async_reply, like, paged, paging, want, want_flag, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::{ipv4, Pairs, Tags, EMPTY};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob, VmOp};
use crate::sim::state::tenants::RoleType;
use crate::sim::state::{cs_date, Nic, State, Vm, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("deployVirtualMachine", deploy),
    ("listVirtualMachines", list),
    ("startVirtualMachine", start),
    ("stopVirtualMachine", stop),
    ("rebootVirtualMachine", reboot),
    ("destroyVirtualMachine", destroy),
    ("recoverVirtualMachine", recover),
    ("expungeVirtualMachine", expunge),
    ("listNics", list_nics),
];

const DEPLOY_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin";
const START_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.StartVMCmdByAdmin";
const STOP_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.StopVMCmdByAdmin";
const REBOOT_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.RebootVMCmdByAdmin";
const DESTROY_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.DestroyVMCmdByAdmin";
const EXPUNGE_CMD: &str = "org.apache.cloudstack.api.command.admin.vm.ExpungeVMCmd";

/// `NetUtils.verifyDomainNameLabel(name, true)`: what a VM host name may be.
fn valid_host_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !bytes[0].is_ascii_digit()
}

/// How the server names a network in messages (`NetworkVO.toString`).
fn network_label(st: &State, network: usize) -> String {
    format!(
        "Ntwk[{}|Guest|DefaultIsolatedNetworkOfferingWithSourceNatService]",
        st.networks[network].spec.id
    )
}

/// The networks (with a requested address, if any) a deploy asks for.
fn requested_networks(
    ctx: &Ctx<'_>,
    params: &Params,
    zone: usize,
) -> Result<Vec<(usize, Option<String>)>, ApiError> {
    let st = &*ctx.st;
    let command = ctx.command();
    let ip_map = params.map("iptonetworklist");
    if ip_map.is_some() && (params.get("networkids").is_some() || params.get("ipaddress").is_some())
    {
        return Err(ApiError::invalid(
            "ipToNetworkMap can't be specified along with networkIds or ipAddress",
        ));
    }
    let mut chosen: Vec<(usize, Option<String>)> = Vec::new();
    if let Some(map) = ip_map {
        for entry in map.values() {
            let field = |wanted: &str| {
                entry
                    .iter()
                    .find(|(f, _)| f.eq_ignore_ascii_case(wanted))
                    .map(|(_, v)| v.as_str())
            };
            let Some(id) = field("networkid") else {
                continue;
            };
            let network = st
                .network(id)
                .ok_or_else(|| ApiError::no_entity(command, "iptonetworklist", id))?;
            chosen.push((network, field("ip").map(str::to_string)));
        }
    } else {
        for id in params.list("networkids") {
            let network = st
                .network(id)
                .ok_or_else(|| ApiError::no_entity(command, "networkids", id))?;
            chosen.push((network, None));
        }
        if let (Some(first), Some(ip)) = (chosen.first_mut(), params.get("ipaddress")) {
            first.1 = Some(ip.to_string());
        }
    }
    if chosen.is_empty() {
        let default = (0..st.networks.len())
            .find(|&n| st.networks[n].zone == zone && !st.networks[n].removed)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "Unable to find a network to deploy the vm in zone {}: specify networkids",
                    st.zones[zone].spec.name
                ))
            })?;
        chosen.push((default, params.get("ipaddress").map(str::to_string)));
    }
    for &(network, _) in &chosen {
        if st.networks[network].zone != zone {
            return Err(ApiError::invalid(format!(
                "Network {} doesn't belong to zone {}",
                st.networks[network].spec.id, st.zones[zone].spec.name
            )));
        }
    }
    chosen.dedup_by_key(|(network, _)| *network);
    Ok(chosen)
}

/// A requested guest address, checked and reserved.
fn reserve_requested_ip(st: &mut State, network: usize, text: &str) -> Result<u32, ApiError> {
    let net = &mut st.networks[network];
    let address = text.parse::<Ipv4Addr>().ok().map(u32::from);
    let host = address
        .filter(|a| (net.base..net.base + net.size).contains(a))
        .map(|a| a - net.base);
    match host {
        Some(host) if host > 1 && host < net.size - 1 && net.used.insert(host) => {
            Ok(net.base + host)
        }
        _ => Err(ApiError::invalid(format!(
            "The IP address {text} is not available in network {}",
            st.networks[network].spec.name
        ))),
    }
}

fn random_mac(st: &mut State) -> String {
    let b: [u8; 4] = st.random_bytes();
    format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3])
}

fn random_password(st: &mut State) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 9] = st.random_bytes();
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// What a VM starts from. The server (4.21 on) takes exactly one of
/// `templateid`, `volumeid` and `snapshotid` (`DeployVMCmd.create`, a
/// `CloudRuntimeException` whose text only a root admin sees); the
/// simulator starts VMs from templates only and says so for the others.
fn image_of<'p>(ctx: &Ctx<'_>, params: &'p Params) -> Result<&'p str, ApiError> {
    let given = ["templateid", "volumeid", "snapshotid"].map(|name| params.get(name));
    if given.iter().flatten().count() != 1 {
        let text = if ctx.caller.role == RoleType::Admin {
            "Please provide only one of the following parameters - template ID, volume ID or snapshot ID"
        } else {
            "Internal error executing command, please contact your system administrator"
        };
        return Err(ApiError::new(530, Some(4250), text));
    }
    given[0].ok_or_else(|| {
        ApiError::invalid("The simulator deploys virtual machines from templates only (templateid)")
    })
}

pub(crate) fn deploy(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let (now, wall) = (ctx.now, ctx.wall);
    // The parameter layer takes deleted rows too; the service does not.
    let zone_id = params.get("zoneid").unwrap_or_default();
    let zone = ctx
        .st
        .zone(zone_id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find zone by id={zone_id}")))?;
    let offering_id = params.get("serviceofferingid").unwrap_or_default();
    let offering = ctx.st.offering(offering_id).ok_or_else(|| {
        ApiError::invalid(format!("Unable to find service offering: {offering_id}"))
    })?;
    if ctx.st.zones[zone].allocationstate == "Disabled" && ctx.caller.role != RoleType::Admin {
        return Err(ApiError::new(
            531,
            Some(4365),
            format!(
                "Cannot perform this operation, Zone is currently disabled: {}",
                ctx.st.zones[zone].spec.id
            ),
        ));
    }
    let template_id = image_of(ctx, params)?;
    let template = ctx.st.template(template_id).expect("checked");
    if !ctx.st.templates[template].zones.contains(&zone) {
        return Err(ApiError::invalid(format!(
            "Template {} is not ready in zone {}",
            ctx.st.templates[template].spec.id, ctx.st.zones[zone].spec.name
        )));
    }
    let held = ctx.st.vms.iter().filter(|vm| vm.counted).count();
    super::accounts::check_limit(ctx.st, 0, held)?;
    if let Some(name) = params.get("name") {
        if !valid_host_name(name) {
            return Err(ApiError::invalid(
                "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and \
                 the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and \
                 can't start with digit",
            ));
        }
    }
    let wanted_keys = match (params.get("keypairs"), params.get("keypair")) {
        (Some(list), _) => crate::sim::params::split_list(list),
        (None, Some(one)) => vec![one],
        (None, None) => Vec::new(),
    };
    if let Some(missing) = wanted_keys
        .into_iter()
        .find(|name| !super::sshkeys::exists(ctx.st, name))
    {
        return Err(ApiError::invalid(format!(
            "A key pair with name '{missing}' was not found."
        )));
    }
    let networks = requested_networks(ctx, params, zone)?;
    let st = &mut *ctx.st;
    let id = st.uuid();
    let name = params
        .get("name")
        .map_or_else(|| format!("VM-{id}"), str::to_string);
    let lower_name = name.to_ascii_lowercase();
    let instance = st.next_instance();
    let instancename = format!("i-2-{instance}-VM");

    // The outcome is decided now, so that deploys in flight see each other.
    let mut failure = None;
    if let Some(&(network, _)) = networks
        .iter()
        .find(|(n, _)| st.networks[*n].names.contains_key(&lower_name))
    {
        failure = Some((
            431,
            format!(
                "The vm with hostName {name} already exists in the network domain: {}; network={}",
                st.networks[network].networkdomain,
                network_label(st, network)
            ),
        ));
    } else if st.zones[zone].active_vms >= st.zones[zone].spec.max_vms {
        failure = Some((
            533,
            format!("Unable to create a deployment for VM[User|{instancename}]"),
        ));
    }
    let mut nics = Vec::with_capacity(networks.len());
    for (position, (network, requested)) in networks.iter().enumerate() {
        let mut address = None;
        if failure.is_none() {
            address = match requested {
                Some(text) => match reserve_requested_ip(st, *network, text) {
                    Ok(address) => Some(address),
                    Err(error) => {
                        release_nics(st, &nics);
                        return Err(error);
                    }
                },
                None => st.allocate_guest_ip(*network),
            };
            if address.is_none() {
                failure = Some((
                    533,
                    format!(
                        "Unable to acquire Guest IP address for network {}",
                        network_label(st, *network)
                    ),
                ));
            }
        }
        nics.push(Nic {
            id: st.uuid(),
            network: *network,
            ip: address,
            ipaddress: address.map(ipv4),
            mac: random_mac(st),
            isdefault: position == 0,
        });
    }
    if failure.is_some() {
        release_nics(st, &nics);
        for nic in &mut nics {
            nic.ip = None;
            nic.ipaddress = None;
        }
    } else {
        st.zones[zone].active_vms += 1;
        for (network, _) in &networks {
            *st.networks[*network]
                .names
                .entry(lower_name.clone())
                .or_default() += 1;
        }
    }
    let start = params.flag_or("startvm", true);
    let password = st.templates[template]
        .spec
        .passwordenabled
        .then(|| random_password(st));
    let keypairs = match (params.get("keypairs"), params.get("keypair")) {
        (Some(list), _) => Some(list.to_string()),
        (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    };
    let ok = failure.is_none();
    let vm = st.add_vm(Vm {
        id: id.clone(),
        displayname: params
            .get("displayname")
            .map_or_else(|| name.clone(), str::to_string),
        name,
        zone,
        template,
        offering,
        nics,
        state: VmState::Starting,
        // A deploy that will fail leaves the VM in Error: later jobs plan on that.
        projected: if ok {
            VmState::Starting
        } else {
            VmState::Error
        },
        queue: VecDeque::new(),
        tail: now,
        created: cs_date(wall),
        instancename,
        keypairs,
        group: params.get("group").map(str::to_string),
        details: params.flat_map("details"),
        password,
        removed: false,
        counted: ok,
        holds_name: ok,
    });
    let during = if start {
        VmState::Starting
    } else {
        VmState::Stopped
    };
    let after = if start {
        VmState::Running
    } else {
        VmState::Stopped
    };
    let job = NewJob {
        cmd: DEPLOY_CMD,
        instance_type: Some("VirtualMachine"),
        instance_id: Some(id.clone()),
        action: Action::Vm {
            vm,
            op: VmOp::Deploy,
            during,
            after,
            before: VmState::Error,
        },
        failure,
    };
    let job = st.create_vm_job(vm, job, now, wall);
    if ok {
        super::volumes::add_root(st, vm, wall);
    }
    Ok(async_reply(ctx, Some(&id), job))
}

/// `listNics`: the NICs of one VM, filters `networkid` and `nicid`.
pub(crate) fn list_nics(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let st = &*ctx.st;
    let vm = st
        .vm(params.get("virtualmachineid").unwrap_or_default())
        .expect("checked by the catalog");
    let (network, nic_id) = (want(params, "networkid"), want(params, "nicid"));
    let rt = &st.vms[vm];
    let matches: Vec<usize> = if rt.removed {
        Vec::new()
    } else {
        (0..rt.nics.len())
            .filter(|&i| {
                let nic = &rt.nics[i];
                nic_id.allows(&nic.id) && network.allows(&st.networks[nic.network].spec.id)
            })
            .collect()
    };
    Ok(paged(ctx, "nic", &matches, &page, |i| {
        let mut view = serde_json::to_value(st.nic_view(&rt.nics[i])).expect("in-memory");
        if let Value::Object(map) = &mut view {
            map.insert("virtualmachineid".into(), Value::String(rt.id.clone()));
            map.insert("deviceid".into(), Value::String(i.to_string()));
        }
        view
    }))
}

fn release_nics(st: &mut State, nics: &[Nic]) {
    for nic in nics {
        if let Some(ip) = nic.ip {
            st.release_guest_ip(nic.network, ip);
        }
    }
}

pub(crate) fn list(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let name = params.get("name").map(str::to_lowercase);
    let (zone, template_id) = (want(params, "zoneid"), want(params, "templateid"));
    let (offering, hypervisor) = (
        want(params, "serviceofferingid"),
        want(params, "hypervisor"),
    );
    let (keypair, displayvm) = (params.get("keypair"), want_flag(params, "displayvm"));
    let state = params.get("state");
    let st = &*ctx.st;
    let network = params.get("networkid").and_then(|id| st.network(id));
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let wanted = params.get("groupid").is_none();
    let state_ok = |current: VmState| match state {
        None => true,
        Some(want) if want.eq_ignore_ascii_case("present") => {
            !matches!(current, VmState::Destroyed | VmState::Expunging)
        }
        Some(want) => want.eq_ignore_ascii_case(current.as_str()),
    };
    // With `id`, one row to look at, not all of them.
    let candidates: Vec<usize> = match params.get("id") {
        Some(id) => st.vm(id).into_iter().collect(),
        None => (0..st.vms.len()).collect(),
    };
    let matches: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| {
            let vm = &st.vms[i];
            let template = &st.templates[vm.template].spec;
            wanted
                && !vm.removed
                && ids.allows(&vm.id)
                && scope.shows_id(&st.tenants, &vm.id)
                && name.as_deref().is_none_or(|n| like(&vm.name, n))
                && state_ok(vm.state)
                && zone.allows(&st.zones[vm.zone].spec.id)
                && template_id.allows(&template.id)
                && offering.allows(&st.offerings[vm.offering].spec.id)
                && hypervisor.allows(&template.hypervisor)
                && network.is_none_or(|n| vm.nics.iter().any(|nic| nic.network == n))
                && keypair.is_none_or(|k| {
                    vm.keypairs
                        .as_deref()
                        .is_some_and(|all| all.split(',').any(|p| p == k))
                })
                && displayvm.allows(true)
                && keyword.allows(&[&vm.name, &vm.displayname, vm.state.as_str()])
                && st.has_tags(&vm.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "virtualmachine", &matches, &page, |i| {
        st.vm_view(i, false)
    }))
}

/// Queues a job on an existing VM; `plan` maps the state the VM will be in
/// when the job runs to (during, after) or to a failure.
fn vm_job(
    ctx: &mut Ctx<'_>,
    params: &Params,
    op: VmOp,
    cmd: &'static str,
    plan: impl FnOnce(VmState) -> Result<(VmState, VmState), (u16, String)>,
) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default();
    let st = &mut *ctx.st;
    let vm = st.vm(id).expect("checked by the catalog");
    let before = st.vms[vm].projected;
    let planned = if st.vms[vm].removed {
        Err((
            530,
            format!("Unable to find a virtual machine with id {}", st.vms[vm].id),
        ))
    } else {
        plan(before)
    };
    let (during, after, failure) = match planned {
        Ok((during, after)) => (during, after, None),
        Err(failure) => (before, before, Some(failure)),
    };
    if failure.is_none() && matches!(op, VmOp::Destroy | VmOp::Expunge) {
        *st.stats
            .destroyed_by_id
            .entry(st.vms[vm].id.clone())
            .or_default() += 1;
    }
    let job = NewJob {
        cmd,
        instance_type: Some("VirtualMachine"),
        instance_id: Some(st.vms[vm].id.clone()),
        action: Action::Vm {
            vm,
            op,
            during,
            after,
            before,
        },
        failure,
    };
    let job = st.create_vm_job(vm, job, ctx.now, ctx.wall);
    Ok(async_reply(ctx, None, job))
}

fn not_in_state(action: &str, state: VmState) -> (u16, String) {
    (
        530,
        format!(
            "Unable to {action} the virtual machine: it is in state {}",
            state.as_str()
        ),
    )
}

pub(crate) fn start(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    vm_job(ctx, params, VmOp::Start, START_CMD, |state| match state {
        VmState::Running => Ok((VmState::Running, VmState::Running)),
        VmState::Stopped => Ok((VmState::Starting, VmState::Running)),
        other => Err(not_in_state("start", other)),
    })
}

pub(crate) fn stop(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    vm_job(ctx, params, VmOp::Stop, STOP_CMD, |state| match state {
        VmState::Running => Ok((VmState::Stopping, VmState::Stopped)),
        VmState::Stopped => Ok((VmState::Stopped, VmState::Stopped)),
        other => Err(not_in_state("stop", other)),
    })
}

pub(crate) fn reboot(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    vm_job(ctx, params, VmOp::Reboot, REBOOT_CMD, |state| match state {
        VmState::Running => Ok((VmState::Running, VmState::Running)),
        _ => Err((530, "Failed to reboot vm instance".to_string())),
    })
}

/// `destroyVirtualMachine`: the VM goes to `Destroyed` (and is expunged
/// `expunge.delay` later) or, with `expunge=true`, at once. The data
/// volumes `volumeids` names are checked first (each a DATADISK attached to
/// this VM) and deleted with it.
pub(crate) fn destroy(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let expunge = params.flag("expunge");
    let op = if expunge {
        VmOp::Expunge
    } else {
        VmOp::Destroy
    };
    let id = params.get("id").unwrap_or_default();
    let volumes = match params.get("volumeids") {
        Some(list) => super::volumes::attached_data_volumes(ctx.st, id, list)?,
        None => Vec::new(),
    };
    let reply = vm_job(ctx, params, op, DESTROY_CMD, |state| {
        match (state, expunge) {
            (VmState::Expunging, _) => Err(not_in_state("destroy", state)),
            (_, true) => Ok((VmState::Expunging, VmState::Expunging)),
            (VmState::Running, false) => Ok((VmState::Stopping, VmState::Destroyed)),
            (other, false) => Ok((other, VmState::Destroyed)),
        }
    })?;
    let vm = ctx.st.vm(id).expect("checked by the catalog");
    if matches!(
        ctx.st.vms[vm].projected,
        VmState::Destroyed | VmState::Expunging
    ) {
        // Deleted when the destroy is accepted rather than when its job
        // ends: nothing can use them in between.
        super::volumes::delete_all(ctx.st, &volumes);
    }
    Ok(reply)
}

/// `recoverVirtualMachine` (sync): a destroyed VM not yet expunged comes
/// back `Stopped`, with its volumes; the server's checks
/// (`UserVmManagerImpl.recoverVirtualMachine`) and texts.
pub(crate) fn recover(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default();
    let st = &mut *ctx.st;
    let vm = st
        .vm(id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find an Instance with id {id}")))?;
    if st.vms[vm].removed {
        return Err(ApiError::invalid(format!("Unable to find vm by id {id}")));
    }
    if st.vms[vm].projected != VmState::Destroyed || !st.vms[vm].queue.is_empty() {
        return Err(ApiError::invalid(format!(
            "Vm with id {id} is not in the right state"
        )));
    }
    st.vms[vm].state = VmState::Stopped;
    st.vms[vm].projected = VmState::Stopped;
    st.destroyed_at.retain(|(waiting, _)| *waiting != vm);
    if !st.vms[vm].counted {
        st.vms[vm].counted = true;
        let zone = st.vms[vm].zone;
        st.zones[zone].active_vms += 1;
    }
    let view = serde_json::to_value(st.vm_view(vm, false)).expect("in-memory");
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "virtualmachine": view }),
    )))
}

/// `expungeVirtualMachine`: a destroyed VM, now.
pub(crate) fn expunge(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    vm_job(
        ctx,
        params,
        VmOp::ExpungeDestroyed,
        EXPUNGE_CMD,
        |state| match state {
            VmState::Destroyed => Ok((VmState::Expunging, VmState::Expunging)),
            other => Err(not_in_state("expunge", other)),
        },
    )
}

impl State {
    /// One NIC of a VM.
    pub fn nic_view<'a>(&'a self, nic: &'a Nic) -> NicView<'a> {
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
    }

    /// What a successful VM job does when it completes; its `jobresult`.
    pub(crate) fn finish_vm_job(
        &mut self,
        vm: usize,
        op: VmOp,
        before: VmState,
        after: VmState,
        job_id: String,
    ) -> Value {
        self.vms[vm].queue.pop_front();
        self.vms[vm].state = after;
        match op {
            VmOp::Deploy => self.stats.created += 1,
            VmOp::Destroy | VmOp::Expunge
                if !matches!(
                    before,
                    VmState::Destroyed | VmState::Expunging | VmState::Error
                ) =>
            {
                self.stats.destroyed += 1
            }
            _ => {}
        }
        let expunged = matches!(op, VmOp::Expunge | VmOp::ExpungeDestroyed);
        if matches!(op, VmOp::Destroy) || expunged {
            self.release_vm(vm, expunged);
        }
        if op == VmOp::Destroy && after == VmState::Destroyed {
            self.destroyed_at.push((vm, Instant::now()));
        }
        let mut view =
            serde_json::to_value(self.vm_view(vm, op == VmOp::Deploy)).expect("in-memory");
        if let Value::Object(map) = &mut view {
            map.insert("jobid".into(), Value::String(job_id));
            map.insert("jobstatus".into(), Value::from(0));
        }
        if expunged {
            self.expunge_now(vm);
        }
        if op == VmOp::ExpungeDestroyed {
            return serde_json::json!({ "success": true });
        }
        serde_json::json!({ "virtualmachine": view })
    }

    /// The server's expunge task, run as time passes: a VM destroyed at
    /// least `expunge.delay` ago is expunged at the task's next run (every
    /// `expunge.interval` from the simulator's start).
    pub(crate) fn expunge_destroyed(&mut self, now: Instant) {
        if self.destroyed_at.is_empty() {
            return;
        }
        let delay = super::settings::seconds(self, super::settings::EXPUNGE_DELAY);
        let interval = super::settings::seconds(self, super::settings::EXPUNGE_INTERVAL)
            .max(std::time::Duration::from_millis(1));
        let started = self.started;
        // When the task first runs at or after `destroyed + delay`; `None`
        // when that is beyond any clock (a setting of centuries).
        let run_after = |destroyed: Instant| {
            let due = destroyed
                .checked_add(delay)?
                .saturating_duration_since(started);
            let runs = u32::try_from(due.as_nanos().div_ceil(interval.as_nanos())).ok()?;
            started.checked_add(interval.checked_mul(runs)?)
        };
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.destroyed_at)
            .into_iter()
            .partition(|(_, destroyed)| run_after(*destroyed).is_some_and(|at| at <= now));
        self.destroyed_at = waiting;
        for (vm, _) in due {
            let idle = self.vms[vm].queue.is_empty();
            if idle && !self.vms[vm].removed && self.vms[vm].projected == VmState::Destroyed {
                self.vms[vm].state = VmState::Expunging;
                self.vms[vm].projected = VmState::Expunging;
                self.release_vm(vm, true);
                self.expunge_now(vm);
            }
        }
    }

    /// What expunging a VM takes with it: its ROOT volume, tags, static
    /// NAT and port forwarding rules.
    fn expunge_now(&mut self, vm: usize) {
        self.vms[vm].removed = true;
        self.destroyed_at.retain(|(waiting, _)| *waiting != vm);
        let id = self.vms[vm].id.clone();
        self.remove_tags(&id, |_| true);
        super::volumes::on_expunge(self, &id);
        for ip in &mut self.ips {
            if ip.static_nat.as_ref().is_some_and(|(nat, _)| *nat == vm) {
                ip.static_nat = None;
            }
        }
        for rule in self.rules.iter_mut().filter(|r| r.vm == vm) {
            rule.removed = true;
        }
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
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
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

impl State {
    pub fn vm_view(&self, index: usize, with_password: bool) -> VmView<'_> {
        let vm = &self.vms[index];
        let zone = &self.zones[vm.zone];
        let template = &self.templates[vm.template];
        let offering = &self.offerings[vm.offering].spec;
        let on_host = vm.state.on_host();
        let pending = vm.queue.front().map(|&job| self.jobs[job].id.as_str());
        let owner = self
            .tenants
            .owner_view_with_user(&vm.id, (&self.account.userid, &self.account.username));
        VmView {
            id: &vm.id,
            name: &vm.name,
            displayname: &vm.displayname,
            owner,
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
            nic: vm.nics.iter().map(|nic| self.nic_view(nic)).collect(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_follow_the_server_rule() {
        for good in ["web-1", "a", "Debian7", &"x".repeat(63)] {
            assert!(valid_host_name(good), "{good}");
        }
        for bad in [
            "",
            "-web",
            "web-",
            "1web",
            "web_1",
            "web.1",
            "wéb",
            &"x".repeat(64),
        ] {
            assert!(!valid_host_name(bad), "{bad}");
        }
    }
}
