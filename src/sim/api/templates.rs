//! Templates: `listTemplates`, `registerTemplate`.

use serde::Serialize;

use super::{paged, paging, want, Ctx, Handlers, Ids, Keyword};
use crate::sim::api::views::{Tags, DOMAIN};
use crate::sim::cloud::Template;
use crate::sim::params::Params;
use crate::sim::respond::{list_reply, ApiError, Reply};
use crate::sim::state::{cs_date, State};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listTemplates", list_templates),
    ("registerTemplate", register_template),
];

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
    let ostypename = ostypeid
        .as_deref()
        .and_then(|id| st.objects.live("ostype", id))
        .and_then(|index| st.objects[index].str("description").map(str::to_string))
        .unwrap_or_else(|| "Other Linux (64-bit)".to_string());
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
