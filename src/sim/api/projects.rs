//! Project membership: `addAccountToProject`, `deleteAccountFromProject`
//! and `listProjectAccounts`. Projects themselves are objects of the
//! generic store; their members are kept on the project object (see
//! [`crate::sim::state::tenants::Project`]), the creator's account first, as the
//! project's admin.

use serde_json::Value;

use super::generic::{self, Outcome};
use super::{paged, paging, Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply};
use crate::sim::state::tenants::{self, Owner, Project};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("addAccountToProject", add_account),
    ("deleteAccountFromProject", delete_account),
    ("listProjectAccounts", list_accounts),
];

/// The project `projectid` names, when the caller may manage it.
fn project(ctx: &Ctx<'_>, params: &Params) -> Result<(usize, Project), ApiError> {
    let id = params.get("projectid").unwrap_or_default();
    let found = ctx
        .st
        .objects
        .live("project", id)
        .zip(tenants::find_project(ctx.st, id));
    let Some((index, project)) = found else {
        return Err(ApiError::invalid(format!(
            "Unable to find project by id {id}"
        )));
    };
    if !ctx.st.tenants.can_access_project(&ctx.caller, &project) {
        return Err(ApiError::new(
            531,
            Some(4365),
            format!(
                "Account {} can't access project id={id}",
                ctx.caller.account
            ),
        ));
    }
    Ok((index, project))
}

/// The member `account` names, which must live in the project's domain.
fn member(ctx: &Ctx<'_>, params: &Params, project: &Project) -> Result<Owner, ApiError> {
    let name = params.get("account").unwrap_or_default();
    if !ctx.st.tenants.has_account(name, &project.domain_id) {
        return Err(ApiError::invalid(format!(
            "Unable to find account name={name} in domain id={}",
            project.domain_id
        )));
    }
    Ok(Owner {
        account: name.to_string(),
        domain_id: project.domain_id.clone(),
        project: None,
    })
}

/// `addAccountToProject projectid= account=`: one more member (with
/// `email=` alone, an invitation the simulator does not keep).
fn add_account(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let (index, project) = project(ctx, params)?;
    if params.get("account").is_none() {
        if params.get("email").is_none() {
            return Err(ApiError::invalid("Either accountName or email is required"));
        }
        return Ok(generic::answer(ctx, params, Outcome::none()));
    }
    let owner = member(ctx, params, &project)?;
    let key = tenants::member_key(&owner);
    let members = &mut ctx.st.objects[index].members;
    if !members.contains(&key) {
        members.push(key);
    }
    Ok(generic::answer(ctx, params, Outcome::none()))
}

/// `deleteAccountFromProject projectid= account=`: a member leaves.
fn delete_account(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let (index, project) = project(ctx, params)?;
    let owner = member(ctx, params, &project)?;
    let key = tenants::member_key(&owner);
    ctx.st.objects[index].members.retain(|m| *m != key);
    Ok(generic::answer(ctx, params, Outcome::none()))
}

/// `listProjectAccounts projectid= [account=] [role=]`: the members, the
/// first (the creator's account) as `Admin`.
fn list_accounts(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let (index, project) = project(ctx, params)?;
    let st = &*ctx.st;
    let name = st.objects[index]
        .str("name")
        .unwrap_or_default()
        .to_string();
    let items: Vec<Value> = project
        .members
        .iter()
        .enumerate()
        .map(|(i, (account, domain_id))| {
            let user = st
                .tenants
                .users
                .iter()
                .find(|u| &u.account == account && u.domain_id.eq_ignore_ascii_case(domain_id));
            let domain = st
                .tenants
                .domain(domain_id)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            serde_json::json!({
                "projectid": project.id,
                "project": name,
                "accountid": user.map(|u| u.account_id.clone()),
                "account": account,
                "accounttype": user.map_or(0, |u| u.role.account_type()),
                "role": if i == 0 { "Admin" } else { "Regular" },
                "domainid": domain_id,
                "domain": domain,
            })
        })
        .filter(|item| {
            params
                .get("account")
                .is_none_or(|a| item["account"].as_str() == Some(a))
                && params.get("role").is_none_or(|r| {
                    item["role"]
                        .as_str()
                        .is_some_and(|v| v.eq_ignore_ascii_case(r))
                })
        })
        .collect();
    let count: Vec<usize> = (0..items.len()).collect();
    Ok(paged(ctx, "projectaccount", &count, &page, |i| {
        items[i].clone()
    }))
}
