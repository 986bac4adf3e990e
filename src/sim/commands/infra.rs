//! The cloud's fixed parts: `listApis`, `listZones`, `listNetworks`,
//! `listTemplates`, `listServiceOfferings`.

use super::{account_matches, paged, paging, want, want_flag, Ctx, Ids, Keyword};
use crate::sim::catalog::{self, APIS};
use crate::sim::params::Params;
use crate::sim::respond::{list_reply, ApiError, Reply, CS_SERVER_API};

pub(crate) fn list_apis(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let apis: Vec<_> = match params.get("name") {
        Some(name) => {
            let api = catalog::find(name).ok_or_else(|| {
                ApiError::new(
                    530,
                    Some(CS_SERVER_API),
                    "Api Discovery plugin was unable to find an api by that name or process any apis",
                )
            })?;
            vec![api]
        }
        None => APIS.iter().collect(),
    };
    Ok(list_reply(
        ctx.api.key,
        "api",
        apis.len(),
        apis.into_iter().map(catalog::api_view),
    ))
}

pub(crate) fn list_zones(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (name, networktype) = (want(params, "name"), want(params, "networktype"));
    let st = &*ctx.st;
    let matches: Vec<usize> = (0..st.zones.len())
        .filter(|&i| {
            let zone = &st.zones[i].spec;
            ids.allows(&zone.id)
                && name.allows(&zone.name)
                && networktype.allows(&zone.networktype)
                && keyword.allows(&[&zone.name])
                && st.has_tags(&zone.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "zone", &matches, &page, |i| st.zone_view(i)))
}

pub(crate) fn list_networks(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, tags) = (
        Ids::new(params),
        Keyword::new(params),
        params.key_values("tags"),
    );
    let (zone, name) = (want(params, "zoneid"), want(params, "name"));
    let st = &*ctx.st;
    let type_ok = params
        .get("type")
        .is_none_or(|t| t.eq_ignore_ascii_case("isolated") || t.eq_ignore_ascii_case("all"));
    let wanted = type_ok
        && account_matches(ctx, params)
        && params.get("vpcid").is_none()
        && want_flag(params, "canusefordeploy").allows(true)
        && want(params, "traffictype").allows("Guest");
    let matches: Vec<usize> = (0..st.networks.len())
        .filter(|&i| {
            let network = &st.networks[i];
            wanted
                && ids.allows(&network.spec.id)
                && zone.allows(&st.zones[network.zone].spec.id)
                && name.allows(&network.spec.name)
                && keyword.allows(&[&network.spec.name, &network.displaytext])
                && st.has_tags(&network.spec.id, &tags)
        })
        .collect();
    Ok(paged(ctx, "network", &matches, &page, |i| {
        st.network_view(i)
    }))
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
    // One row per template and zone, as the server lists them.
    let mut rows: Vec<(usize, usize)> = Vec::new();
    for (i, template) in st.templates.iter().enumerate() {
        let spec = &template.spec;
        let listed = match filter {
            "featured" => spec.featured,
            "self" | "selfexecutable" => spec.owned,
            "sharedexecutable" => false,
            "executable" => spec.featured || spec.public || spec.owned,
            "community" => spec.public && !spec.featured,
            _ => true,
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

pub(crate) fn list_service_offerings(
    ctx: &mut Ctx<'_>,
    params: &Params,
) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (ids, keyword, name) = (Ids::new(params), Keyword::new(params), want(params, "name"));
    let st = &*ctx.st;
    let current = params
        .get("virtualmachineid")
        .and_then(|id| st.vm(id))
        .map(|vm| st.vms[vm].offering);
    let number =
        |name: &str, value: u32| params.int(name).is_none_or(|want| want == i64::from(value));
    let system = params.flag("issystem");
    let matches: Vec<usize> = (0..st.offerings.len())
        .filter(|&i| {
            let offering = &st.offerings[i].spec;
            !system
                && Some(i) != current
                && ids.allows(&offering.id)
                && name.allows(&offering.name)
                && number("cpunumber", offering.cpunumber)
                && number("memory", offering.memory)
                && number("cpuspeed", offering.cpuspeed)
                && keyword.allows(&[&offering.name])
        })
        .collect();
    Ok(paged(ctx, "serviceoffering", &matches, &page, |i| {
        st.offering_view(i)
    }))
}
