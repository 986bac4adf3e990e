//! Who may call: the cloud's domains, accounts and users, each user's
//! password, API keys and two-factor secret, and the role type that decides
//! which commands a caller may use (`RoleType` of the server's
//! `@APICommand(authorized = …)`).
//!
//! The objects `listDomains`, `listAccounts` and `listUsers` show live in
//! the generic store; this registry holds what authentication needs and
//! what an answer never shows (passwords, secret keys, TOTP secrets).

use std::collections::HashMap;

use base64::Engine as _;
use rand::RngCore;

/// The role types of the server (`RoleType`), most powerful first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleType {
    /// The root administrator: everything.
    Admin,
    /// Administrator of a domain and its subdomains.
    DomainAdmin,
    /// An end user: its own account's resources.
    User,
}

impl RoleType {
    /// From `createAccount`'s `accounttype` (0 user, 1 admin, 2 domain admin).
    pub fn from_account_type(value: Option<&str>) -> RoleType {
        match value.map(str::trim) {
            Some("1") => RoleType::Admin,
            Some("2") => RoleType::DomainAdmin,
            _ => RoleType::User,
        }
    }

    /// `accounttype` as answers show it.
    pub fn account_type(self) -> i64 {
        match self {
            RoleType::Admin => 1,
            RoleType::DomainAdmin => 2,
            RoleType::User => 0,
        }
    }

    /// `roletype` as answers show it.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleType::Admin => "Admin",
            RoleType::DomainAdmin => "DomainAdmin",
            RoleType::User => "User",
        }
    }

    /// The default role's name (`rolename`).
    pub fn role_name(self) -> &'static str {
        match self {
            RoleType::Admin => "Root Admin",
            RoleType::DomainAdmin => "Domain Admin",
            RoleType::User => "User",
        }
    }
}

/// A domain: its uuid, name, path (`ROOT/child`) and parent.
#[derive(Clone, Debug)]
pub(crate) struct Domain {
    pub id: String,
    pub name: String,
    pub path: String,
    pub parent: Option<String>,
}

/// A user and what authenticates it.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub id: String,
    pub username: String,
    pub password: String,
    pub account: String,
    pub account_id: String,
    pub domain_id: String,
    pub role: RoleType,
    /// API key and secret key, once registered.
    pub keys: Option<(String, String)>,
    /// The base32 TOTP secret, once two-factor authentication is set up.
    pub totp: Option<String>,
}

/// Who a request runs as.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub user_id: String,
    pub account: String,
    pub domain_id: String,
    pub role: RoleType,
}

impl Caller {
    /// The caller a user makes.
    pub fn of(user: &User) -> Caller {
        Caller {
            user_id: user.id.clone(),
            account: user.account.clone(),
            domain_id: user.domain_id.clone(),
            role: user.role,
        }
    }
}

/// The registry: domains and users.
#[derive(Default)]
pub(crate) struct Tenants {
    pub domains: Vec<Domain>,
    pub users: Vec<User>,
    by_api_key: HashMap<String, usize>,
    /// The cloud's configured keys (`csctl sim --api-key`): they keep
    /// working even after `registerUserKeys` gives their user new ones,
    /// so tutorials and scripts that quote them never break.
    pinned: Option<(String, String, usize)>,
}

/// The providers of `listUserTwoFactorAuthenticatorProviders`.
pub(crate) const PROVIDERS: &[(&str, &str)] = &[
    (
        "totp",
        "TOTP user two factor authentication provider Plugin",
    ),
    (
        "staticpin",
        "Static PIN user two factor authentication provider Plugin",
    ),
];

/// How many 30-second steps either side of now a code stays valid.
const TOTP_SKEW: u8 = 1;

impl Tenants {
    /// The root domain and the cloud's own (root admin) user.
    pub fn new(account: &crate::sim::cloud::Account) -> Tenants {
        let mut tenants = Tenants::default();
        tenants.domains.push(Domain {
            id: account.domainid.clone(),
            name: "ROOT".into(),
            path: "ROOT".into(),
            parent: None,
        });
        tenants.users.push(User {
            id: account.userid.clone(),
            username: account.username.clone(),
            password: account.password.clone(),
            account: account.name.clone(),
            account_id: account.id.clone(),
            domain_id: account.domainid.clone(),
            role: RoleType::Admin,
            keys: None,
            totp: None,
        });
        tenants
    }

    /// The user with this uuid.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id.eq_ignore_ascii_case(id))
    }

    fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users
            .iter_mut()
            .find(|u| u.id.eq_ignore_ascii_case(id))
    }

    /// The user whose API key this is, and the secret key that goes with it.
    pub fn by_api_key(&self, api_key: &str) -> Option<(&User, &str)> {
        if let Some((key, secret, index)) = &self.pinned {
            if key == api_key {
                return Some((&self.users[*index], secret));
            }
        }
        let user = &self.users[*self.by_api_key.get(api_key)?];
        Some((user, &user.keys.as_ref()?.1))
    }

    /// The cloud's configured keys, for its own user, for good.
    pub fn pin_keys(&mut self, user_id: &str, api_key: String, secret_key: String) {
        if let Some(index) = self.users.iter().position(|u| u.id == user_id) {
            self.pinned = Some((api_key.clone(), secret_key.clone(), index));
            self.set_keys(user_id, api_key, secret_key);
        }
    }

    /// The domain with this uuid.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id.eq_ignore_ascii_case(id))
    }

    /// The domain a login's `domain` path names (`/`, `/child/`, `ROOT/child`).
    pub fn domain_by_path(&self, path: &str) -> Option<&Domain> {
        let wanted: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let wanted = match wanted.first() {
            Some(first) if first.eq_ignore_ascii_case("ROOT") => wanted[1..].to_vec(),
            _ => wanted,
        };
        self.domains.iter().find(|d| {
            let own: Vec<&str> = d.path.split('/').skip(1).collect();
            own.len() == wanted.len()
                && own
                    .iter()
                    .zip(&wanted)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    }

    /// Whether `domain` is `ancestor` or one of its subdomains.
    pub fn is_within(&self, domain: &str, ancestor: &str) -> bool {
        let mut current = Some(domain.to_string());
        while let Some(id) = current {
            if id.eq_ignore_ascii_case(ancestor) {
                return true;
            }
            current = self.domain(&id).and_then(|d| d.parent.clone());
        }
        false
    }

    /// Adds a domain under `parent`; its path.
    pub fn add_domain(&mut self, id: &str, name: &str, parent: &str) -> String {
        let parent_path = self
            .domain(parent)
            .map_or_else(|| "ROOT".to_string(), |d| d.path.clone());
        let path = format!("{parent_path}/{name}");
        self.domains.push(Domain {
            id: id.to_string(),
            name: name.to_string(),
            path: path.clone(),
            parent: Some(parent.to_string()),
        });
        path
    }

    /// Adds a user.
    pub fn add_user(&mut self, user: User) {
        if let Some((key, _)) = &user.keys {
            self.by_api_key.insert(key.clone(), self.users.len());
        }
        self.users.push(user);
    }

    /// Gives a user these keys, forgetting its old ones.
    pub fn set_keys(&mut self, user_id: &str, api_key: String, secret_key: String) {
        let Some(index) = self.users.iter().position(|u| u.id == user_id) else {
            return;
        };
        if let Some((old, _)) = self.users[index].keys.take() {
            self.by_api_key.remove(&old);
        }
        self.by_api_key.insert(api_key.clone(), index);
        self.users[index].keys = Some((api_key, secret_key));
    }

    /// `registerUserKeys`: a new pair for the user (the old one stops working).
    pub fn register_keys(&mut self, user_id: &str, rng: &mut impl RngCore) -> (String, String) {
        let api_key = random_key(rng);
        let secret_key = random_key(rng);
        self.set_keys(user_id, api_key.clone(), secret_key.clone());
        (api_key, secret_key)
    }

    /// The user `username` of domain `domain_id` whose password this is.
    pub fn authenticate(&self, username: &str, password: &str, domain_id: &str) -> Option<&User> {
        use subtle::ConstantTimeEq;
        self.users.iter().find(|u| {
            u.username == username
                && u.domain_id.eq_ignore_ascii_case(domain_id)
                && bool::from(u.password.as_bytes().ct_eq(password.as_bytes()))
        })
    }

    /// `setupUserTwoFactorAuthentication enable=true`: a new TOTP secret
    /// (base32), or `None` for an unknown user.
    pub fn setup_totp(&mut self, user_id: &str, rng: &mut impl RngCore) -> Option<String> {
        let mut bytes = [0u8; 20];
        rng.fill_bytes(&mut bytes);
        let secret = match totp_rs::Secret::Raw(bytes.to_vec()).to_encoded() {
            totp_rs::Secret::Encoded(text) => text,
            totp_rs::Secret::Raw(_) => return None,
        };
        let user = self.user_mut(user_id)?;
        user.totp = Some(secret.clone());
        Some(secret)
    }

    /// `enable=false`: two-factor authentication off.
    pub fn disable_totp(&mut self, user_id: &str) {
        if let Some(user) = self.user_mut(user_id) {
            user.totp = None;
        }
    }
}

/// Whether `code` is the user's TOTP code at `unix` seconds (one step
/// either side accepted, as authenticator apps drift).
pub(crate) fn totp_matches(secret: &str, code: &str, unix: u64) -> bool {
    totp(secret).is_some_and(|t| t.check(code.trim(), unix))
}

/// The TOTP code of a base32 secret at `unix` seconds.
#[cfg(test)]
pub fn totp_code(secret: &str, unix: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(unix))
}

fn totp(secret: &str) -> Option<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .ok()?;
    Some(totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        TOTP_SKEW,
        30,
        bytes,
    ))
}

/// Gives the objects a command made (those from index `before` on) their
/// owner: the `account`/`domainid` it named, else the caller's account.
pub(crate) fn claim(
    st: &mut super::State,
    before: usize,
    caller: &Caller,
    params: &crate::sim::params::Params,
) {
    if params.get("account").is_some() || st.objects.len() <= before {
        return;
    }
    let domain_name = st
        .tenants
        .domain(&caller.domain_id)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    for index in before..st.objects.len() {
        let obj = &mut st.objects[index];
        if !obj.fields.contains_key("account") || obj.kind == "user" {
            continue;
        }
        obj.set("account", caller.account.clone());
        if params.get("domainid").is_none() {
            obj.set("domainid", caller.domain_id.clone());
            if obj.fields.contains_key("domain") {
                obj.set("domain", domain_name.clone());
            }
        }
    }
}

/// Whether a caller's list shows an object (`ListProjectResourcesCriteria`):
/// objects without an owner and public ones to everyone; a user sees its
/// own account's; a domain admin its own account's, or with `listall`,
/// `domainid` or `account` those of its domain and subdomains; the root
/// admin everything.
pub(crate) fn may_see(
    st: &super::State,
    caller: &Caller,
    params: &crate::sim::params::Params,
    obj: &crate::sim::objects::Obj,
) -> bool {
    if caller.role == RoleType::Admin {
        return true;
    }
    let Some(owner) = obj.str("account") else {
        return true;
    };
    let public = |name: &str| {
        obj.fields
            .get(name)
            .is_some_and(|v| v == true || v == "true")
    };
    if public("ispublic") || public("isfeatured") {
        return true;
    }
    let domain = obj.str("domainid").unwrap_or_default();
    let own = owner == caller.account && domain.eq_ignore_ascii_case(&caller.domain_id);
    match caller.role {
        RoleType::DomainAdmin
            if params.flag("listall")
                || params.get("domainid").is_some()
                || params.get("account").is_some() =>
        {
            st.tenants.is_within(domain, &caller.domain_id)
        }
        _ => own,
    }
}

/// A key as the server makes them: 64 random bytes, base64url, no padding.
fn random_key(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 64];
    rng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Words in a command's name that only administrators' roles hold: the
/// infrastructure, global settings and offerings (the default `User` and
/// `Domain Admin` roles of `RolePermission` do not list them).
const INFRASTRUCTURE: &[&str] = &[
    "Host",
    "Cluster",
    "Pod",
    "StoragePool",
    "ImageStore",
    "SecondaryStorage",
    "SystemVm",
    "Router",
    "Configuration",
    "Hypervisor",
    "PhysicalNetwork",
    "Vlan",
    "Capacity",
    "Alert",
    "ManagementServer",
    "Role",
    "Region",
    "Certificate",
];

/// Verbs that change the cloud's catalogue (offerings, zones).
const CHANGING: &[&str] = &[
    "create", "update", "delete", "add", "remove", "enable", "disable",
];

/// Whether a caller of this role type may call `command`; the server
/// answers a refused one with 432.
pub(crate) fn allowed(role: RoleType, command: &str) -> bool {
    if role == RoleType::Admin {
        return true;
    }
    if INFRASTRUCTURE.iter().any(|word| command.contains(word)) {
        return false;
    }
    let (verb, noun) = crate::sim::objects::split_verb(command);
    let changing = CHANGING.contains(&verb);
    let catalogue_noun = noun.ends_with("Offering") || noun == "Zone" || noun.starts_with("Zone");
    if changing && catalogue_noun {
        return false;
    }
    if role == RoleType::User {
        // A user manages neither domains, accounts nor other users.
        let management = matches!(noun, "Domain" | "Account" | "User" | "Users");
        if management && (changing || verb == "lock") {
            return false;
        }
    }
    true
}

/// The server's text for a refused command (`ApiServer.checkCommandAvailable`).
pub(crate) fn not_available(command: &str) -> String {
    format!(
        "The given command '{command}' either does not exist, is not available for user, or not available from ip address '127.0.0.1'."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_decide_the_commands() {
        assert!(allowed(RoleType::Admin, "listHosts"));
        assert!(!allowed(RoleType::User, "listHosts"));
        assert!(!allowed(RoleType::DomainAdmin, "listHosts"));
        assert!(allowed(RoleType::User, "deployVirtualMachine"));
        assert!(!allowed(RoleType::User, "createAccount"));
        assert!(allowed(RoleType::DomainAdmin, "createAccount"));
        assert!(!allowed(RoleType::User, "createServiceOffering"));
        assert!(allowed(RoleType::User, "listServiceOfferings"));
        assert!(allowed(RoleType::User, "registerUserKeys"));
    }

    #[test]
    fn totp_codes_match_within_a_step() {
        let mut tenants = Tenants::new(&Default::default());
        let id = tenants.users[0].id.clone();
        let secret = tenants.setup_totp(&id, &mut rand::rng()).unwrap();
        let now = 1_800_000_000;
        let code = totp_code(&secret, now).unwrap();
        assert!(totp_matches(&secret, &code, now));
        assert!(totp_matches(&secret, &code, now + 30));
        assert!(!totp_matches(&secret, &code, now + 120), "expired");
        assert!(!totp_matches(&secret, "000000x", now));
    }

    #[test]
    fn domains_by_path_and_ancestry() {
        let mut tenants = Tenants::new(&Default::default());
        let root = tenants.domains[0].id.clone();
        tenants.add_domain("d1", "acme", &root);
        tenants.add_domain("d2", "dev", "d1");
        assert_eq!(tenants.domain_by_path("/").unwrap().id, root);
        assert_eq!(tenants.domain_by_path("/acme/dev/").unwrap().id, "d2");
        assert_eq!(tenants.domain_by_path("ROOT/acme").unwrap().id, "d1");
        assert!(tenants.is_within("d2", &root));
        assert!(tenants.is_within("d2", "d1"));
        assert!(!tenants.is_within("d1", "d2"));
    }
}
