//! Security groups: the account's `default` group, create, authorize and
//! revoke ingress and egress rules. Groups are objects of kind
//! `securitygroup` whose `ingressrule` / `egressrule` arrays hold the rules;
//! listing and deleting them is the generic model's.

use serde_json::{Map, Value};

use super::generic::{self, view};
use super::{async_reply, Ctx, Handlers};
use crate::sim::objects::has_rule;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createSecurityGroup", create),
    ("authorizeSecurityGroupIngress", authorize_ingress),
    ("authorizeSecurityGroupEgress", authorize_egress),
    ("revokeSecurityGroupIngress", revoke),
    ("revokeSecurityGroupEgress", revoke),
];

const KIND: &str = "securitygroup";
const LIST: &str = "listSecurityGroups";

/// The account's `default` group, as every account has.
pub(crate) fn seed(st: &mut State) {
    let mut given = Map::new();
    given.insert("name".into(), "default".into());
    given.insert("description".into(), "Default Security Group".into());
    generic::seed(st, LIST, given);
}

/// `createSecurityGroup` (sync).
pub(crate) fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = params.get("name").unwrap_or_default();
    if ctx.st.objects.find_by(KIND, "name", name).is_some() {
        return Err(ApiError::invalid(format!(
            "Unable to create security group, a group with name {name} already exists."
        )));
    }
    let index = generic::create_as(ctx, params, LIST);
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "securitygroup": view(ctx.st, index) }),
    )))
}

/// The group a call names: `securitygroupid` or `securitygroupname`.
fn group(st: &State, params: &Params) -> Result<usize, ApiError> {
    let found = match (
        params.get("securitygroupid"),
        params.get("securitygroupname"),
    ) {
        (Some(id), _) => st.objects.live(KIND, id),
        (None, Some(name)) => st.objects.find_by(KIND, "name", name),
        (None, None) => {
            return Err(ApiError::invalid(
                "Either securitygroupid or securitygroupname must be specified",
            ))
        }
    };
    found.ok_or_else(|| ApiError::invalid("Unable to find security group"))
}

fn authorize(ctx: &mut Ctx<'_>, params: &Params, list: &'static str) -> Result<Reply, ApiError> {
    let index = group(ctx.st, params)?;
    let protocol = params.get("protocol").unwrap_or("tcp").to_ascii_lowercase();
    let mut cidrs: Vec<String> = params
        .list("cidrlist")
        .into_iter()
        .map(str::to_string)
        .collect();
    let groups: Vec<(String, String)> = params
        .map("usersecuritygrouplist")
        .into_iter()
        .flat_map(|map| map.values())
        .map(|entry| {
            let field = |name: &str| {
                entry
                    .iter()
                    .find(|(f, _)| f.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            (field("account"), field("group"))
        })
        .collect();
    if cidrs.is_empty() && groups.is_empty() {
        cidrs.push("0.0.0.0/0".into());
    }
    let mut rules = Vec::new();
    let base = |st: &mut State| {
        let mut rule = Map::new();
        rule.insert("ruleid".into(), st.uuid().into());
        rule.insert("protocol".into(), protocol.clone().into());
        if protocol == "icmp" {
            rule.insert(
                "icmptype".into(),
                params.int("icmptype").unwrap_or(-1).into(),
            );
            rule.insert(
                "icmpcode".into(),
                params.int("icmpcode").unwrap_or(-1).into(),
            );
        } else if let Some(start) = params.int("startport") {
            rule.insert("startport".into(), start.into());
            rule.insert(
                "endport".into(),
                params.int("endport").unwrap_or(start).into(),
            );
        }
        rule
    };
    for cidr in cidrs {
        let mut rule = base(ctx.st);
        rule.insert("cidr".into(), cidr.into());
        rule.insert("tags".into(), Value::Array(Vec::new()));
        rules.push(Value::Object(rule));
    }
    for (account, group) in groups {
        let mut rule = base(ctx.st);
        rule.insert("account".into(), account.into());
        rule.insert("securitygroupname".into(), group.into());
        rule.insert("tags".into(), Value::Array(Vec::new()));
        rules.push(Value::Object(rule));
    }
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("SecurityGroup"),
        instance_id: Some(ctx.st.objects[index].id().to_string()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            let obj = &mut st.objects[index];
            match obj.fields.get_mut(list) {
                Some(Value::Array(existing)) => existing.extend(rules),
                _ => {
                    obj.fields.insert(list.into(), Value::Array(rules));
                }
            }
            serde_json::json!({ "securitygroup": view(st, index) })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

/// `authorizeSecurityGroupIngress` (async).
pub(crate) fn authorize_ingress(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    authorize(ctx, params, "ingressrule")
}

/// `authorizeSecurityGroupEgress` (async).
pub(crate) fn authorize_egress(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    authorize(ctx, params, "egressrule")
}

/// `revokeSecurityGroupIngress` / `…Egress` (async): by rule id.
pub(crate) fn revoke(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let id = params.get("id").unwrap_or_default().to_string();
    let list = if ctx.api.name.ends_with("Ingress") {
        "ingressrule"
    } else {
        "egressrule"
    };
    let owner = ctx
        .st
        .objects
        .of_kind(KIND)
        .find(|&i| has_rule(&ctx.st.objects[i].fields, list, &id))
        .ok_or_else(|| ApiError::invalid(format!("Unable to find security group rule {id}")))?;
    let job = NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some("SecurityGroup"),
        instance_id: Some(ctx.st.objects[owner].id().to_string()),
        action: Action::Effect(Box::new(move |st: &mut State| {
            if let Some(Value::Array(rules)) = st.objects[owner].fields.get_mut(list) {
                rules.retain(|rule| rule.get("ruleid").and_then(Value::as_str) != Some(&id));
            }
            serde_json::json!({ "success": true })
        })),
        failure: None,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}
