//! The account, its user and domain, its resource limits, and what the
//! server can do (`listCapabilities`). The account, user, domain and limits
//! are objects of the generic store made from the cloud's account, so
//! `listAccounts`, `listUsers`, `listDomains`, `listResourceLimits` are the
//! generic model's lists.

use serde_json::{Map, Value};

use super::generic;
use super::{Ctx, Handlers};
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::State;
use crate::sim::views::DOMAIN;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[("listCapabilities", list_capabilities)];

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
