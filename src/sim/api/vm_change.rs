//! Changing an existing VM's settings rather than its power state:
//! `updateVirtualMachine`, `scaleVirtualMachine`, `restoreVirtualMachine`
//! and `assignVirtualMachine`. Each changes the typed row that
//! `listVirtualMachines` shows (the lifecycle commands are in `vm`).

use super::{effect_job, Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::{State, VmState};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("updateVirtualMachine", update),
    ("scaleVirtualMachine", scale),
    ("restoreVirtualMachine", restore),
    ("assignVirtualMachine", assign),
];

/// The VM a parameter names, not expunged.
fn vm_param(ctx: &Ctx<'_>, params: &Params, name: &str) -> Result<usize, ApiError> {
    let id = params.get(name).unwrap_or_default();
    ctx.st
        .vm(id)
        .filter(|&vm| !ctx.st.vms[vm].removed)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find virtual machine with id {id}")))
}

/// `{"virtualmachine": …}`, as sync answers and job results show a VM.
fn vm_result(st: &State, vm: usize) -> serde_json::Value {
    let view = serde_json::to_value(st.vm_view(vm, false)).expect("in-memory");
    serde_json::json!({ "virtualmachine": view })
}

/// A job on a VM whose result is the VM after `effect`.
fn vm_change_job(
    ctx: &mut Ctx<'_>,
    vm: usize,
    effect: impl FnOnce(&mut State) + Send + 'static,
) -> Reply {
    let instance = ("VirtualMachine", ctx.st.vms[vm].id.clone());
    let result = move |st: &mut State| {
        effect(st);
        vm_result(st, vm)
    };
    effect_job(ctx, instance, result, None)
}

/// `updateVirtualMachine` (sync): the display name and group. The other
/// settings it takes (user data, HA, details…) are accepted and not kept.
pub(crate) fn update(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let vm = vm_param(ctx, params, "id")?;
    let row = &mut ctx.st.vms[vm];
    if let Some(name) = params.get("displayname").filter(|n| !n.is_empty()) {
        row.displayname = name.to_string();
    }
    if let Some(group) = params.get("group") {
        row.group = Some(group.to_string()).filter(|g| !g.is_empty());
    }
    Ok(Reply::ok(envelope(ctx.api.key, &vm_result(ctx.st, vm))))
}

/// `scaleVirtualMachine` (async): the VM takes the offering
/// `serviceofferingid` names (every offering here scales dynamically).
pub(crate) fn scale(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let vm = vm_param(ctx, params, "id")?;
    let id = params.get("serviceofferingid").unwrap_or_default();
    let offering = ctx
        .st
        .offering(id)
        .ok_or_else(|| ApiError::invalid(format!("Unable to find service offering: {id}")))?;
    Ok(vm_change_job(ctx, vm, move |st| {
        st.vms[vm].offering = offering;
    }))
}

/// `restoreVirtualMachine` (async): the VM's root disk from `templateid`
/// (or its own template), its state unchanged. A destroyed VM is refused.
pub(crate) fn restore(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let vm = vm_param(ctx, params, "virtualmachineid")?;
    if matches!(
        ctx.st.vms[vm].projected,
        VmState::Destroyed | VmState::Expunging
    ) {
        return Err(ApiError::invalid(format!(
            "Cannot restore VM {} in state {}",
            ctx.st.vms[vm].id,
            ctx.st.vms[vm].projected.as_str()
        )));
    }
    let template = match params.get("templateid") {
        Some(id) => ctx
            .st
            .template(id)
            .ok_or_else(|| ApiError::invalid(format!("Cannot find template with ID {id}")))?,
        None => ctx.st.vms[vm].template,
    };
    Ok(vm_change_job(ctx, vm, move |st| {
        st.vms[vm].template = template;
    }))
}

/// `assignVirtualMachine` (sync, admins): the stopped VM moves to the
/// account `account` and `domainid` (or `projectid`) name.
pub(crate) fn assign(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let vm = vm_param(ctx, params, "virtualmachineid")?;
    if ctx.st.vms[vm].projected != VmState::Stopped {
        return Err(ApiError::invalid(
            "VM is not Stopped, unable to migrate the vm having the specified id",
        ));
    }
    let owner =
        crate::sim::state::tenants::named_owner(ctx.st, &ctx.caller, params)?.ok_or_else(|| {
            ApiError::invalid("Specify the account and domainid, or the projectid, to assign to")
        })?;
    let id = ctx.st.vms[vm].id.clone();
    ctx.st.tenants.set_owner(&id, owner);
    Ok(Reply::ok(envelope(ctx.api.key, &vm_result(ctx.st, vm))))
}
