//! The account, its user and domain, its resource limits, and what the
//! server can do (`listCapabilities`). The account, user, domain and limits
//! are objects of the generic store made from the cloud's account, so
//! `listAccounts`, `listUsers`, `listDomains`, `listResourceLimits` are the
//! generic model's lists.

use serde_json::{Map, Value};

use rand::SeedableRng;

use super::generic::{self, Outcome};
use super::{Ctx, Handlers};
use crate::sim::api::views::DOMAIN;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::tenants::{self, Caller, RoleType};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("listCapabilities", list_capabilities),
    ("createDomain", create_domain),
    ("createAccount", create_account),
    ("createUser", create_user),
    ("registerUserKeys", register_user_keys),
    ("getUserKeys", get_user_keys),
    ("setupUserTwoFactorAuthentication", setup_two_factor),
    (
        "listUserTwoFactorAuthenticatorProviders",
        list_two_factor_providers,
    ),
];

/// The server version the simulator claims.
pub(crate) const CLOUDSTACK_VERSION: &str = "4.22.0.0";

/// Resource types of `listResourceLimits`, by number.
pub(crate) const RESOURCE_TYPES: [&str; 12] = [
    "user_vm",
    "public_ip",
    "volume",
    "snapshot",
    "template",
    "project",
    "network",
    "vpc",
    "cpu",
    "memory",
    "primary_storage",
    "secondary_storage",
];

pub(crate) fn object(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The account, its user, the ROOT domain and the account's limits
/// (unlimited, unless the cloud file lists them: `with_limits` false).
pub(crate) fn seed(st: &mut State, with_limits: bool) {
    let account = st.account.clone();
    let user = object(&[
        ("id", account.userid.clone().into()),
        ("username", account.username.clone().into()),
        ("firstname", account.firstname.clone().into()),
        ("lastname", account.lastname.clone().into()),
        ("email", "admin@cloud.example".into()),
        ("account", account.name.clone().into()),
        ("accountid", account.id.clone().into()),
        ("accounttype", 1.into()),
        ("roletype", "Admin".into()),
        ("rolename", "Root Admin".into()),
        ("domain", DOMAIN.into()),
        ("domainid", account.domainid.clone().into()),
        ("state", "enabled".into()),
        ("isdefault", true.into()),
        ("iscallerchilddomain", false.into()),
        ("is2faenabled", false.into()),
        ("is2famandated", false.into()),
        ("usersource", "native".into()),
        ("timezone", "UTC".into()),
    ]);
    generic::seed(st, "listUsers", user.clone());
    let mut fields = object(&[
        ("id", account.id.clone().into()),
        ("name", account.name.clone().into()),
        ("accounttype", 1.into()),
        ("roletype", "Admin".into()),
        ("rolename", "Root Admin".into()),
        ("domain", DOMAIN.into()),
        ("domainid", account.domainid.clone().into()),
        ("domainpath", DOMAIN.into()),
        ("state", "enabled".into()),
        ("isdefault", true.into()),
        ("user", Value::Array(vec![Value::Object(user)])),
    ]);
    for limit in ["vmlimit", "iplimit", "volumelimit"] {
        fields.insert(limit.into(), "Unlimited".into());
    }
    generic::seed(st, "listAccounts", fields);
    generic::seed(
        st,
        "listDomains",
        object(&[
            ("id", account.domainid.clone().into()),
            ("name", DOMAIN.into()),
            ("path", DOMAIN.into()),
            ("level", 0.into()),
            ("haschild", false.into()),
            ("state", "Active".into()),
        ]),
    );
    if !with_limits {
        return;
    }
    for (number, name) in RESOURCE_TYPES.iter().enumerate() {
        let id = st.uuid();
        generic::seed(
            st,
            "listResourceLimits",
            object(&[
                ("id", id.into()),
                ("account", account.name.clone().into()),
                ("domainid", account.domainid.clone().into()),
                ("domain", DOMAIN.into()),
                ("resourcetype", number.to_string().into()),
                ("resourcetypename", (*name).into()),
                ("max", (-1).into()),
            ]),
        );
    }
}

/// The account's limit for a resource type (`listResourceLimits`' `max`;
/// negative: unlimited).
fn limit_of(st: &State, resourcetype: usize) -> Option<i64> {
    st.objects
        .of_kind("resourcelimit")
        .map(|i| &st.objects[i])
        .find(|limit| {
            limit.text("resourcetype").as_deref() == Some(&resourcetype.to_string())
                || limit.str("resourcetypename") == Some(RESOURCE_TYPES[resourcetype])
        })
        .and_then(|limit| limit.text("max"))
        .and_then(|max| max.parse::<i64>().ok())
        .filter(|max| *max >= 0)
}

/// Refuses one more resource of this type (`0` VMs, `1` public IPs) when
/// the account already holds `held` and its limit allows no more, with the
/// server's `ResourceAllocationException` (535).
pub(crate) fn check_limit(st: &State, resourcetype: usize, held: usize) -> Result<(), ApiError> {
    match limit_of(st, resourcetype) {
        Some(max) if held as i64 >= max => Err(ApiError::new(
            535,
            Some(4370),
            format!(
                "Maximum number of resources of type '{}' for account name={} in domain id={} has been exceeded.",
                RESOURCE_TYPES[resourcetype], st.account.name, st.account.domainid
            ),
        )),
        _ => Ok(()),
    }
}

/// `listCapabilities`.
pub(crate) fn list_capabilities(ctx: &mut Ctx<'_>, _params: &Params) -> Result<Reply, ApiError> {
    let capability = serde_json::json!({
        "securitygroupsenabled": false,
        "dynamicrolesenabled": true,
        "cloudstackversion": CLOUDSTACK_VERSION,
        "userpublictemplateenabled": true,
        "supportELB": "false",
        "projectinviterequired": false,
        "allowusercreateprojects": true,
        "customdiskofferingminsize": 1,
        "customdiskofferingmaxsize": 1024,
        "regionsecondaryenabled": false,
        "kvmsnapshotenabled": false,
        "snapshotshowchainsize": false,
        "allowuserviewdestroyedvm": false,
        "allowuserexpungerecovervm": false,
        "allowuserexpungerecovervolume": true,
        "allowuserviewalldomainaccounts": false,
        "allowuserforcestopvm": true,
        "kubernetesserviceenabled": false,
        "kubernetesclusterexperimentalfeaturesenabled": false,
        "defaultuipagesize": 20,
        "instancesstatsretentiontime": 720,
        "instancesstatsuseronly": false,
        "instancesdisksstatsretentionenabled": false,
        "instancesdisksstatsretentiontime": 720,
        "sharedfsvmmincpucount": 2,
        "sharedfsvmminramsize": 512,
        "instanceleaseenabled": false,
        "dynamicscalingenabled": true,
        "additionalconfigenabled": false,
        "apilimitinterval": 1,
        "apilimitmax": 0,
    });
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "capability": capability }),
    )))
}

/// The server's `PermissionDeniedException` (531) for acting on what the
/// caller does not manage.
fn denied(caller: &Caller, what: &str) -> ApiError {
    ApiError::new(
        531,
        Some(4365),
        format!(
            "Account {} does not have permission to operate on {what}",
            caller.account
        ),
    )
}

/// Whether the caller manages objects of `domain` (root admin: all;
/// domain admin: its domain and subdomains).
fn manages_domain(st: &State, caller: &Caller, domain: &str) -> bool {
    match caller.role {
        RoleType::Admin => true,
        RoleType::DomainAdmin => st.tenants.is_within(domain, &caller.domain_id),
        RoleType::User => false,
    }
}

/// Whether the caller may act on this user (itself, or as its admin).
fn manages_user(st: &State, caller: &Caller, user: &tenants::User) -> bool {
    user.id.eq_ignore_ascii_case(&caller.user_id)
        || (user.role != RoleType::Admin || caller.role == RoleType::Admin)
            && manages_domain(st, caller, &user.domain_id)
}

/// The domain a command names with `domainid`, else the caller's; checked.
fn domain_param(ctx: &Ctx<'_>, params: &Params, name: &str) -> Result<String, ApiError> {
    let id = params
        .get(name)
        .map_or_else(|| ctx.caller.domain_id.clone(), str::to_string);
    let Some(domain) = ctx.st.tenants.domain(&id) else {
        return Err(ApiError::no_entity(ctx.command(), name, &id));
    };
    let id = domain.id.clone();
    if !manages_domain(ctx.st, &ctx.caller, &id) {
        return Err(denied(&ctx.caller, &format!("domain {id}")));
    }
    Ok(id)
}

/// `createDomain name= [parentdomainid=]`: a subdomain (of ROOT by default).
fn create_domain(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let parent = match params.get("parentdomainid") {
        Some(_) => domain_param(ctx, params, "parentdomainid")?,
        None => ctx.st.account.domainid.clone(),
    };
    if !manages_domain(ctx.st, &ctx.caller, &parent) {
        return Err(denied(&ctx.caller, &format!("domain {parent}")));
    }
    let name = params.get("name").unwrap_or_default().to_string();
    let parent_name = ctx
        .st
        .tenants
        .domain(&parent)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let index = generic::create_as(ctx, params, "listDomains");
    let id = ctx.st.objects[index].id().to_string();
    let path = ctx.st.tenants.add_domain(&id, &name, &parent);
    let level = path.matches('/').count() as i64;
    let obj = &mut ctx.st.objects[index];
    obj.set("name", name);
    obj.set("path", path);
    obj.set("parentdomainid", parent);
    obj.set("parentdomainname", parent_name);
    obj.set("level", level);
    obj.set("haschild", false);
    obj.set("state", "Active");
    Ok(generic::answer(ctx, params, Outcome::object(index)))
}

/// The fields of a user object (as `listUsers` shows it).
fn user_fields(ctx: &Ctx<'_>, user: &tenants::User, params: &Params) -> Map<String, Value> {
    let domain = ctx.st.tenants.domain(&user.domain_id);
    let text = |name: &str| params.get(name).unwrap_or_default().to_string();
    object(&[
        ("id", user.id.clone().into()),
        ("username", user.username.clone().into()),
        ("firstname", text("firstname").into()),
        ("lastname", text("lastname").into()),
        ("email", text("email").into()),
        ("account", user.account.clone().into()),
        ("accountid", user.account_id.clone().into()),
        ("accounttype", user.role.account_type().into()),
        ("roletype", user.role.as_str().into()),
        ("rolename", user.role.role_name().into()),
        (
            "domain",
            domain.map_or(DOMAIN.into(), |d| d.name.clone()).into(),
        ),
        ("domainid", user.domain_id.clone().into()),
        ("state", "enabled".into()),
        ("isdefault", false.into()),
        ("iscallerchilddomain", false.into()),
        ("is2faenabled", false.into()),
        ("is2famandated", false.into()),
        ("usersource", "native".into()),
        ("timezone", text("timezone").into()),
        ("created", crate::sim::state::cs_date(ctx.wall).into()),
    ])
}

/// Refuses a second user of the same name in a domain (`AccountManagerImpl`).
fn check_unique(ctx: &Ctx<'_>, username: &str, domain: &str) -> Result<(), ApiError> {
    let taken = ctx
        .st
        .tenants
        .users
        .iter()
        .any(|u| u.username == username && u.domain_id.eq_ignore_ascii_case(domain));
    if taken {
        return Err(ApiError::new(
            530,
            Some(4250),
            format!("The user {username} already exists in domain {domain}"),
        ));
    }
    Ok(())
}

/// `createAccount`: an account of `accounttype` (0 user, 2 domain admin, 1
/// admin) in `domainid` (the caller's by default) with its first user.
fn create_account(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let domain = domain_param(ctx, params, "domainid")?;
    // A role (`roleid`) decides the account's type, else `accounttype`.
    let role = params
        .get("roleid")
        .and_then(|id| tenants::role_type_of(ctx.st, id))
        .unwrap_or_else(|| RoleType::from_account_type(params.get("accounttype")));
    if role == RoleType::Admin && ctx.caller.role != RoleType::Admin {
        return Err(denied(&ctx.caller, "root admin accounts"));
    }
    let username = params.get("username").unwrap_or_default().to_string();
    check_unique(ctx, &username, &domain)?;
    let name = params.get("account").unwrap_or(&username).to_string();
    let index = generic::create_as(ctx, params, "listAccounts");
    let account_id = ctx.st.objects[index].id().to_string();
    let user = tenants::User {
        id: ctx.st.uuid(),
        username,
        password: params.get("password").unwrap_or_default().to_string(),
        account: name.clone(),
        account_id,
        domain_id: domain.clone(),
        role,
        keys: None,
        totp: None,
    };
    let fields = user_fields(ctx, &user, params);
    let (domain_name, domain_path) = ctx
        .st
        .tenants
        .domain(&domain)
        .map(|d| (d.name.clone(), d.path.clone()))
        .unwrap_or_default();
    generic::seed(ctx.st, "listUsers", fields.clone());
    ctx.st.tenants.add_user(user);
    let obj = &mut ctx.st.objects[index];
    obj.set("name", name);
    obj.set("accounttype", role.account_type());
    obj.set("roletype", role.as_str());
    obj.set("rolename", role.role_name());
    obj.set("domainid", domain);
    obj.set("domain", domain_name);
    obj.set("domainpath", domain_path);
    obj.set("state", "enabled");
    obj.set("isdefault", false);
    obj.set("user", Value::Array(vec![Value::Object(fields)]));
    Ok(generic::answer(ctx, params, Outcome::object(index)))
}

/// `createUser account= [domainid=]`: one more user of an existing account.
fn create_user(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let domain = domain_param(ctx, params, "domainid")?;
    let account = params.get("account").unwrap_or_default().to_string();
    let Some(member) = ctx
        .st
        .tenants
        .users
        .iter()
        .find(|u| u.account == account && u.domain_id.eq_ignore_ascii_case(&domain))
        .cloned()
    else {
        return Err(ApiError::invalid(format!(
            "Unable to find account {account} in domain id={domain} to create user"
        )));
    };
    let username = params.get("username").unwrap_or_default().to_string();
    check_unique(ctx, &username, &domain)?;
    let user = tenants::User {
        id: ctx.st.uuid(),
        username,
        password: params.get("password").unwrap_or_default().to_string(),
        account,
        account_id: member.account_id,
        domain_id: domain,
        role: member.role,
        keys: None,
        totp: None,
    };
    let fields = user_fields(ctx, &user, params);
    let index = generic::seed(ctx.st, "listUsers", fields);
    ctx.st.tenants.add_user(user);
    Ok(generic::answer(ctx, params, Outcome::object(index)))
}

/// The user a keys or two-factor command names (`id` or `userid`; the
/// caller by default), when the caller may act on it.
fn named_user(ctx: &Ctx<'_>, params: &Params, name: &str) -> Result<tenants::User, ApiError> {
    let id = params
        .get(name)
        .map_or_else(|| ctx.caller.user_id.clone(), str::to_string);
    let Some(user) = ctx.st.tenants.user(&id) else {
        return Err(ApiError::no_entity(ctx.command(), name, &id));
    };
    if !manages_user(ctx.st, &ctx.caller, user) {
        return Err(denied(&ctx.caller, &format!("user {}", user.id)));
    }
    Ok(user.clone())
}

fn keys_reply(ctx: &Ctx<'_>, keys: Option<(String, String)>) -> Reply {
    let inner = match keys {
        Some((apikey, secretkey)) => serde_json::json!({
            "apikey": apikey,
            "secretkey": secretkey,
            "apikeyaccess": true,
        }),
        None => serde_json::json!({}),
    };
    Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "userkeys": inner }),
    ))
}

/// `registerUserKeys id=`: a new key pair; the user's old keys stop working.
fn register_user_keys(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let user = named_user(ctx, params, "id")?;
    let mut rng = rand::rngs::StdRng::from_seed(ctx.st.random_bytes::<32>());
    let keys = ctx.st.tenants.register_keys(&user.id, &mut rng);
    if let Some(index) = ctx.st.objects.live("user", &user.id) {
        ctx.st.objects[index].set("apikey", keys.0.clone());
    }
    Ok(keys_reply(ctx, Some(keys)))
}

/// `getUserKeys id=`: the user's key pair (empty when none was registered).
fn get_user_keys(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let user = named_user(ctx, params, "id")?;
    Ok(keys_reply(ctx, user.keys))
}

/// `setupUserTwoFactorAuthentication [enable=] [provider=] [userid=]`:
/// a TOTP secret or a static PIN for the user (`enable=true`), or
/// two-factor off.
fn setup_two_factor(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let user = named_user(ctx, params, "userid")?;
    let enable = params.flag_or("enable", true);
    let mut view = object(&[
        ("id", user.id.clone().into()),
        ("username", user.username.clone().into()),
        ("accountid", user.account_id.clone().into()),
    ]);
    if enable {
        let provider = params
            .get("provider")
            .unwrap_or("totp")
            .to_ascii_lowercase();
        let mut rng = rand::rngs::StdRng::from_seed(ctx.st.random_bytes::<32>());
        let secret = match provider.as_str() {
            "totp" => ctx.st.tenants.setup_totp(&user.id, &mut rng),
            "staticpin" => ctx.st.tenants.setup_static_pin(&user.id, &mut rng),
            _ => {
                return Err(ApiError::invalid(format!(
                    "Invalid user two factor authentication provider: {provider}"
                )))
            }
        }
        .unwrap_or_default();
        view.insert("secretcode".into(), secret.into());
    } else {
        ctx.st.tenants.disable_totp(&user.id);
    }
    if let Some(index) = ctx.st.objects.live("user", &user.id) {
        ctx.st.objects[index].set("is2faenabled", enable);
    }
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "setup2fa": view }),
    )))
}

/// `listUserTwoFactorAuthenticatorProviders [name=]`.
fn list_two_factor_providers(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let wanted = params.get("name");
    let items: Vec<Value> = tenants::PROVIDERS
        .iter()
        .filter(|(name, _)| wanted.is_none_or(|w| w.eq_ignore_ascii_case(name)))
        .map(|(name, description)| serde_json::json!({ "name": name, "description": description }))
        .collect();
    Ok(crate::sim::respond::list_reply(
        ctx.api.key,
        "providers",
        items.len(),
        items,
    ))
}
