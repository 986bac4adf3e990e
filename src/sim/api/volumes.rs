//! Volumes: every VM has a ROOT volume (made by its deploy, gone when it is
//! expunged); data volumes are created, attached, detached and deleted.
//! Volumes are objects of kind `volume` in the generic store, so
//! `listVolumes` filters by `virtualmachineid`, `type`, `zoneid`… generically.

use serde_json::{Map, Value};

use super::generic::{self, view};
use super::{async_reply, Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{cs_date, State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createVolume", create),
    ("attachVolume", attach),
    ("detachVolume", detach),
    ("deleteVolume", delete),
    ("extractVolume", extract),
];

const KIND: &str = "volume";
const LIST: &str = "listVolumes";
const GIB: u64 = 1 << 30;

/// The fields that tie a volume to a VM.
const VM_FIELDS: [&str; 6] = [
    "virtualmachineid",
    "vmname",
    "vmdisplayname",
    "vmstate",
    "deviceid",
    "attached",
];

/// Makes the ROOT volume of a newly deployed VM.
pub(crate) fn add_root(st: &mut State, vm: usize, wall: chrono::DateTime<chrono::Utc>) {
    let rt = &st.vms[vm];
    let template = &st.templates[rt.template].spec;
    let zone = &st.zones[rt.zone].spec;
    let number = rt
        .instancename
        .split('-')
        .nth(2)
        .unwrap_or_default()
        .to_string();
    let mut given = Map::new();
    given.insert("name".into(), format!("ROOT-{number}").into());
    given.insert("type".into(), "ROOT".into());
    given.insert("deviceid".into(), 0.into());
    given.insert("virtualmachineid".into(), rt.id.clone().into());
    given.insert("vmname".into(), rt.name.clone().into());
    given.insert("vmdisplayname".into(), rt.displayname.clone().into());
    given.insert("vmstate".into(), "Running".into());
    given.insert("zoneid".into(), zone.id.clone().into());
    given.insert("zonename".into(), zone.name.clone().into());
    given.insert("templateid".into(), template.id.clone().into());
    given.insert("templatename".into(), template.name.clone().into());
    given.insert("hypervisor".into(), template.hypervisor.clone().into());
    given.insert("size".into(), template.size.into());
    given.insert("state".into(), "Ready".into());
    given.insert("storagetype".into(), "shared".into());
    given.insert("provisioningtype".into(), "thin".into());
    given.insert("created".into(), cs_date(wall).into());
    given.insert("attached".into(), cs_date(wall).into());
    generic::seed(st, LIST, given);
}

/// When a VM is expunged: its ROOT volume goes, its data volumes are detached.
pub(crate) fn on_expunge(st: &mut State, vm_id: &str) {
    let volumes: Vec<usize> = st
        .objects
        .of_kind(KIND)
        .filter(|&i| {
            st.objects[i]
                .str("virtualmachineid")
                .is_some_and(|id| id.eq_ignore_ascii_case(vm_id))
        })
        .collect();
    for index in volumes {
        let volume = &mut st.objects[index];
        if volume.str("type") == Some("ROOT") {
            volume.removed = true;
        } else {
            for field in VM_FIELDS {
                volume.fields.remove(field);
            }
        }
    }
}

/// A live volume by id, or the server's error.
fn volume(st: &State, id: &str) -> Result<usize, ApiError> {
    st.objects
        .live(KIND, id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find volume with ID: {id}")))
}

/// Queues a job whose effect is `effect`, answering with the volume.
fn volume_job(
    ctx: &mut Ctx<'_>,
    index: usize,
    show_id: bool,
    effect: impl FnOnce(&mut State) + Send + 'static,
) -> Reply {
    let id = ctx.st.objects[index].id().to_string();
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("Volume"),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            effect(st);
            serde_json::json!({ "volume": view(st, index) })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    async_reply(ctx, show_id.then_some(id.as_str()), job)
}

/// `createVolume`: a data volume from a disk offering (or a snapshot).
pub(crate) fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let offering = params.get("diskofferingid");
    if offering.is_none() && params.get("snapshotid").is_none() {
        return Err(ApiError::invalid(
            "At least one of disk Offering ID or snapshot ID must be passed whilst creating volume",
        ));
    }
    let size_gib = params
        .int("size")
        .map(|gib| gib.max(1) as u64)
        .or_else(|| {
            let index = ctx.st.objects.find(offering?)?;
            ctx.st.objects[index].fields.get("disksize")?.as_u64()
        })
        .unwrap_or(5);
    let offering_name = offering
        .and_then(|id| ctx.st.name_of(id))
        .map(Value::String);
    let index = generic::create_as(ctx, params, LIST);
    let obj = &mut ctx.st.objects[index];
    obj.set("type", "DATADISK");
    obj.set("state", "Allocated");
    obj.set("size", size_gib * GIB);
    obj.set("storagetype", "shared");
    obj.set("provisioningtype", "thin");
    if let Some(name) = offering_name {
        obj.set("diskofferingname", name);
    }
    for field in VM_FIELDS {
        obj.fields.remove(field);
    }
    let vm = match params.get("virtualmachineid") {
        Some(id) => Some(live_vm(ctx.st, id)?),
        None => None,
    };
    Ok(volume_job(ctx, index, true, move |st| {
        if let Some(vm) = vm {
            attach_now(st, index, vm, None);
        }
    }))
}

/// A VM that volumes can be attached to.
fn live_vm(st: &State, id: &str) -> Result<usize, ApiError> {
    st.vm(id)
        .filter(|&vm| {
            !st.vms[vm].removed
                && !matches!(
                    st.vms[vm].state,
                    VmState::Destroyed | VmState::Expunging | VmState::Error
                )
        })
        .ok_or_else(|| ApiError::invalid(format!("Unable to find virtual machine with id {id}")))
}

/// The next free device id of a VM (3 is the CD-ROM's).
fn next_device(st: &State, vm_id: &str) -> u64 {
    let used: Vec<u64> = st
        .objects
        .of_kind(KIND)
        .filter(|&i| st.objects[i].str("virtualmachineid") == Some(vm_id))
        .filter_map(|i| st.objects[i].fields.get("deviceid")?.as_u64())
        .collect();
    (1..).find(|d| *d != 3 && !used.contains(d)).unwrap_or(1)
}

fn attach_now(st: &mut State, index: usize, vm: usize, device: Option<u64>) {
    let (id, name, displayname, state) = {
        let rt = &st.vms[vm];
        (
            rt.id.clone(),
            rt.name.clone(),
            rt.displayname.clone(),
            rt.state.as_str(),
        )
    };
    let device = device.unwrap_or_else(|| next_device(st, &id));
    let now = cs_date(chrono::Utc::now());
    let volume = &mut st.objects[index];
    volume.set("virtualmachineid", id);
    volume.set("vmname", name);
    volume.set("vmdisplayname", displayname);
    volume.set("vmstate", state);
    volume.set("deviceid", device);
    volume.set("attached", now);
    volume.set("state", "Ready");
}

/// `attachVolume`.
pub(crate) fn attach(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = volume(ctx.st, params.get("id").unwrap_or_default())?;
    let vm = live_vm(ctx.st, params.get("virtualmachineid").unwrap_or_default())?;
    let obj = &ctx.st.objects[index];
    if obj.str("type") == Some("ROOT") || obj.str("virtualmachineid").is_some() {
        return Err(ApiError::invalid(format!(
            "Volume {} is already attached to a VM",
            obj.str("name").unwrap_or_default()
        )));
    }
    let device = params.int("deviceid").map(|d| d.max(0) as u64);
    Ok(volume_job(ctx, index, false, move |st| {
        attach_now(st, index, vm, device)
    }))
}

/// `detachVolume`: by `id`, or by `virtualmachineid` and `deviceid`.
pub(crate) fn detach(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = match params.get("id") {
        Some(id) => volume(ctx.st, id)?,
        None => {
            let vm = params.get("virtualmachineid").unwrap_or_default();
            let device = params.int("deviceid").unwrap_or(-1);
            let st = &*ctx.st;
            st.objects
                .of_kind(KIND)
                .find(|&i| {
                    let obj = &st.objects[i];
                    obj.str("virtualmachineid")
                        .is_some_and(|v| v.eq_ignore_ascii_case(vm))
                        && obj.fields.get("deviceid").and_then(Value::as_i64) == Some(device)
                })
                .ok_or_else(|| {
                    ApiError::invalid(
                        "Please provide either a volume id, or a tuple(device id, instance id)",
                    )
                })?
        }
    };
    let obj = &ctx.st.objects[index];
    if obj.str("type") == Some("ROOT") {
        return Err(ApiError::invalid("Please specify a data volume."));
    }
    if obj.str("virtualmachineid").is_none() {
        return Err(ApiError::invalid(
            "Please specify a volume that is attached to a VM.",
        ));
    }
    Ok(volume_job(ctx, index, false, move |st| {
        for field in VM_FIELDS {
            st.objects[index].fields.remove(field);
        }
    }))
}

/// `deleteVolume`: only a volume attached to nothing.
pub(crate) fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = volume(ctx.st, params.get("id").unwrap_or_default())?;
    if ctx.st.objects[index].str("virtualmachineid").is_some() {
        return Err(ApiError::invalid(
            "Please specify a volume that is not attached to any VM.",
        ));
    }
    ctx.st.objects[index].removed = true;
    let id = ctx.st.objects[index].id().to_string();
    ctx.st.remove_tags(&id, |_| true);
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "success": true }),
    )))
}

/// The data volumes `destroyVirtualMachine volumeids=` names (a
/// comma-separated list), checked as the server does
/// (`checkForUnattachedVolumes`): each a DATADISK attached to this VM.
pub(crate) fn attached_data_volumes(
    st: &State,
    vm_id: &str,
    list: &str,
) -> Result<Vec<usize>, ApiError> {
    let mut found = Vec::new();
    let mut wrong = String::new();
    for id in list.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        let index = volume(st, id)?;
        let obj = &st.objects[index];
        let attached = obj
            .str("virtualmachineid")
            .is_some_and(|vm| vm.eq_ignore_ascii_case(vm_id));
        if !attached || obj.str("type") != Some("DATADISK") {
            wrong.push_str(&format!(
                "Volume {{\"id\":\"{}\",\"name\":\"{}\"}}; ",
                obj.id(),
                obj.str("name").unwrap_or_default()
            ));
        }
        found.push(index);
    }
    if !wrong.is_empty() {
        return Err(ApiError::invalid(format!(
            "The following supplied volumes are not DATADISK attached to the VM: {wrong}"
        )));
    }
    Ok(found)
}

/// Deletes volumes (detached first), as destroying their VM with
/// `volumeids` does.
pub(crate) fn delete_all(st: &mut State, volumes: &[usize]) {
    for &index in volumes {
        for field in VM_FIELDS {
            st.objects[index].fields.remove(field);
        }
        st.objects[index].removed = true;
        let id = st.objects[index].id().to_string();
        st.remove_tags(&id, |_| true);
    }
}

/// `extractVolume`: only a detached volume, or one whose VM is stopped
/// (`VolumeApiServiceImpl.extractVolume`: a `PermissionDeniedException`,
/// 531, in the job); then the generic answer (a download URL).
pub(crate) fn extract(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = volume(ctx.st, params.get("id").unwrap_or_default())?;
    let st = &*ctx.st;
    let busy = st.objects[index]
        .str("virtualmachineid")
        .and_then(|vm| st.vm(vm))
        .is_some_and(|vm| st.vms[vm].projected != VmState::Stopped);
    if !busy {
        return generic::run(ctx, params);
    }
    let id = st.objects[index].id().to_string();
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("Volume"),
        instance_id: Some(id),
        action: Action::Effect(Box::new(|_: &mut State| Value::Null)),
        failure: Some((
            531,
            "Invalid state of the volume with specified ID. It should be either detached or the VM should be in stopped state.".into(),
        )),
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}
