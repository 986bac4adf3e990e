//! Templates: `listTemplates`, `registerTemplate`, `createTemplate`,
//! `updateTemplate`, `copyTemplate`, `deleteTemplate`.

use serde::Serialize;

use super::{async_reply, paged, paging, want, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::{Tags, DOMAIN};
use crate::sim::cloud::Template;
use crate::sim::params::Params;
use crate::sim::respond::{list_reply, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{cs_date, State};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listTemplates", list_templates),
    ("registerTemplate", register_template),
    ("createTemplate", create_template),
    ("updateTemplate", update_template),
    ("copyTemplate", copy_template),
    ("deleteTemplate", delete_template),
];

/// The template `id` names (the parameter check has refused unknown ids;
/// this covers one removed since).
fn template_param(ctx: &Ctx<'_>, params: &Params) -> Result<usize, ApiError> {
    let id = params.get("id").unwrap_or_default();
    ctx.st
        .template(id)
        .ok_or_else(|| ApiError::invalid(format!("unable to find template with id {id}")))
}

/// `updateTemplate` (sync): a new name, display text, OS type or
/// password setting; the answer is the template as listed in its first zone.
pub(crate) fn update_template(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = template_param(ctx, params)?;
    let st = &mut *ctx.st;
    let ostype = params.get("ostypeid").map(|id| {
        let name = st
            .objects
            .live("ostype", id)
            .and_then(|i| st.objects[i].str("description").map(str::to_string));
        (id.to_ascii_lowercase(), name)
    });
    let template = &mut st.templates[index];
    if let Some(name) = params.get("name") {
        template.spec.name = name.to_string();
    }
    if let Some(text) = params.get("displaytext") {
        template.displaytext = text.to_string();
        template.spec.displaytext = Some(text.to_string());
    }
    if let Some((id, name)) = ostype {
        template.ostypeid = id;
        if let Some(name) = name {
            template.spec.ostypename = name;
        }
    }
    if params.get("passwordenabled").is_some() {
        template.spec.passwordenabled = params.flag("passwordenabled");
    }
    let zone = template.zones.first().copied().unwrap_or(0);
    let view = serde_json::json!({ "template": st.template_view(index, zone) });
    Ok(Reply::ok(crate::sim::respond::envelope(ctx.api.key, &view)))
}

/// `copyTemplate` (async): the template is also in the zones `destzoneids`
/// or `destzoneid` name; the job answers it as listed in the first.
pub(crate) fn copy_template(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = template_param(ctx, params)?;
    let mut zones = Vec::new();
    for id in params
        .get("destzoneids")
        .or_else(|| params.get("destzoneid"))
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        let zone = ctx.st.zone(id).ok_or_else(|| {
            ApiError::invalid(format!("Please specify a valid destination zone: {id}"))
        })?;
        zones.push(zone);
    }
    let Some(&first) = zones.first() else {
        return Err(ApiError::invalid(
            "Please specify valid destination zone to copy the template.",
        ));
    };
    let id = ctx.st.templates[index].spec.id.clone();
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("Template"),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            let template = &mut st.templates[index];
            for zone in zones {
                if !template.zones.contains(&zone) {
                    template.zones.push(zone);
                }
            }
            serde_json::json!({ "template": st.template_view(index, first) })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// `deleteTemplate` (async): the template leaves the zone `zoneid` names,
/// or every zone; it is then listed nowhere and refused by deploys there.
pub(crate) fn delete_template(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let index = template_param(ctx, params)?;
    let zone = match params.get("zoneid") {
        Some(id) => Some(
            ctx.st
                .zone(id)
                .ok_or_else(|| ApiError::invalid(format!("Unable to find zone by id {id}")))?,
        ),
        None => None,
    };
    let id = ctx.st.templates[index].spec.id.clone();
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("Template"),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            st.templates[index]
                .zones
                .retain(|&z| zone.is_some_and(|wanted| wanted != z));
            serde_json::json!({ "success": true })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// `registerTemplate` (sync): a template of the caller's (`self`) in the
/// zones `zoneids` or `zoneid` names (`-1` or none: every zone), which
/// `listTemplates` and `deployVirtualMachine` take at once. Its OS type is
/// the `listOsTypes` entry `ostypeid` names.
pub(crate) fn register_template(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let zones: Vec<String> = params
        .get("zoneids")
        .or_else(|| params.get("zoneid"))
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty() && *id != "-1")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(unknown) = zones.iter().find(|id| ctx.st.zone(id).is_none()) {
        return Err(ApiError::invalid(format!(
            "Unable to find zone by id {unknown}"
        )));
    }
    let st = &mut *ctx.st;
    let ostypeid = params.get("ostypeid").map(str::to_ascii_lowercase);
    let ostypename = os_type_name(st, ostypeid.as_deref().unwrap_or_default());
    let name = params.get("name").unwrap_or_default().to_string();
    let template = Template {
        id: st.uuid(),
        displaytext: Some(params.get("displaytext").unwrap_or(&name).to_string()),
        name,
        zoneids: (!zones.is_empty()).then_some(zones),
        ostypename,
        hypervisor: params.get("hypervisor").unwrap_or("KVM").to_string(),
        format: params.get("format").unwrap_or("QCOW2").to_ascii_uppercase(),
        size: 0,
        featured: params.flag("isfeatured"),
        public: params.flag("ispublic"),
        owned: true,
        passwordenabled: params.flag("passwordenabled"),
    };
    let ostypeid = ostypeid.unwrap_or_else(|| st.uuid());
    let index = st.add_template(template, cs_date(ctx.wall), ostypeid);
    let st = &*ctx.st;
    let zones = st.templates[index].zones.clone();
    Ok(list_reply(
        ctx.api.key,
        "template",
        zones.len(),
        zones.iter().map(|&zone| st.template_view(index, zone)),
    ))
}

/// `createTemplate` (async): a template of the caller's made from a volume
/// or a snapshot (exactly one of `volumeid` and `snapshotid`, as
/// `TemplateManagerImpl.createPrivateTemplateRecord` checks), in that
/// volume's or snapshot's zone, with the OS type `ostypeid` names (an id
/// `listOsTypes` does not know is refused before, by the parameter check).
/// It is a typed template like `registerTemplate`'s: listed, deployable,
/// updated, copied and deleted by id at once; the job answers its view.
pub(crate) fn create_template(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let (kind, source) = match (params.get("volumeid"), params.get("snapshotid")) {
        (None, None) => {
            return Err(ApiError::invalid(
                "Failed to create private template record, need to specify snapshotId or volumeId",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "Failed to create private template record, please specify only one of volumeId and snapshotId",
            ))
        }
        (Some(id), None) => ("volume", id),
        (None, Some(id)) => ("snapshot", id),
    };
    let st = &mut *ctx.st;
    let Some(source) = st.objects.live(kind, source) else {
        return Err(ApiError::invalid(format!(
            "Unable to find {kind} by id {source}"
        )));
    };
    let zone = st.objects[source]
        .str("zoneid")
        .filter(|id| st.zone(id).is_some())
        .map(str::to_string);
    let ostypeid = params
        .get("ostypeid")
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let ostypename = os_type_name(st, &ostypeid);
    let name = params.get("name").unwrap_or_default().to_string();
    let template = Template {
        id: st.uuid(),
        displaytext: Some(params.get("displaytext").unwrap_or(&name).to_string()),
        name,
        zoneids: zone.map(|zone| vec![zone]),
        ostypename,
        hypervisor: "KVM".to_string(),
        format: "QCOW2".to_string(),
        size: 0,
        featured: params.flag("isfeatured"),
        public: params.flag("ispublic"),
        owned: true,
        passwordenabled: params.flag("passwordenabled"),
    };
    let id = template.id.clone();
    let index = st.add_template(template, cs_date(ctx.wall), ostypeid);
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("Template"),
        instance_id: Some(id.clone()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            let zone = st.templates[index].zones.first().copied().unwrap_or(0);
            serde_json::json!({ "template": st.template_view(index, zone) })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, Some(&id), job))
}

/// The `templatefilter` values (`TemplateFilter` enum constants).
const TEMPLATE_FILTERS: [&str; 7] = [
    "featured",
    "self",
    "selfexecutable",
    "sharedexecutable",
    "executable",
    "community",
    "all",
];

pub(crate) fn list_templates(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let filter = params.get("templatefilter").unwrap_or_default();
    if !TEMPLATE_FILTERS.contains(&filter) {
        return Err(ApiError::param(format!(
            "No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.{filter}"
        )));
    }
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (name, hypervisor) = (want(params, "name"), want(params, "hypervisor"));
    let st = &*ctx.st;
    let zone = params.get("zoneid").and_then(|id| st.zone(id));
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    // One row per template and zone, as the server lists them.
    let mut rows: Vec<(usize, usize)> = Vec::new();
    for (i, template) in st.templates.iter().enumerate() {
        let spec = &template.spec;
        // The caller's own templates, as the visibility rule has it.
        let mine = spec.owned && scope.shows_id(&st.tenants, &spec.id);
        let listed = match filter {
            "featured" => spec.featured,
            "self" | "selfexecutable" => mine,
            "sharedexecutable" => false,
            "executable" => spec.featured || spec.public || mine,
            "community" => spec.public && !spec.featured,
            // `all`: the root admin sees every template.
            _ => {
                ctx.caller.role == crate::sim::state::tenants::RoleType::Admin
                    || spec.public
                    || mine
            }
        };
        if !(listed
            && ids.allows(&spec.id)
            && name.allows(&spec.name)
            && hypervisor.allows(&spec.hypervisor)
            && keyword.allows(&[&spec.name])
            && st.has_tags(&spec.id, &tags))
        {
            continue;
        }
        for &z in &template.zones {
            if zone.is_none_or(|wanted| wanted == z) {
                rows.push((i, z));
            }
        }
    }
    Ok(paged(ctx, "template", &rows, &page, |(t, z)| {
        st.template_view(t, z)
    }))
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
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
    zoneid: &'a str,
    zonename: &'a str,
    status: &'static str,
    size: u64,
    templatetype: &'static str,
    hypervisor: &'a str,
    isextractable: bool,
    tags: Tags<'a>,
    sshkeyenabled: bool,
    isdynamicallyscalable: bool,
    directdownload: bool,
    deployasis: bool,
    requireshvm: bool,
    bootable: bool,
}

impl State {
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
            owner: if spec.owned {
                self.tenants.owner_view_of(&spec.id)
            } else {
                // Built-in templates belong to the system account of ROOT.
                crate::sim::state::tenants::OwnerView {
                    account: Some("system".into()),
                    domainid: self.account.domainid.clone(),
                    domain: DOMAIN.into(),
                    ..Default::default()
                }
            },
            zoneid: &zone.spec.id,
            zonename: &zone.spec.name,
            status: "Download Complete",
            size: spec.size,
            templatetype: if spec.owned { "USER" } else { "BUILTIN" },
            hypervisor: &spec.hypervisor,
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
}

/// The name of the OS type with this id (`listOsTypes`' `description`), or
/// the generic Linux one the simulator's templates default to.
fn os_type_name(st: &State, ostypeid: &str) -> String {
    st.objects
        .live("ostype", ostypeid)
        .and_then(|index| st.objects[index].str("description").map(str::to_string))
        .unwrap_or_else(|| "Other Linux (64-bit)".to_string())
}
