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
    /// The rules of the account's custom role (`createRole`), in order;
    /// `None` for the default role of its type.
    pub rules: Option<Vec<(String, bool)>>,
}

impl Caller {
    /// The caller a user makes (the default role of its type).
    pub fn of(user: &User) -> Caller {
        Caller {
            user_id: user.id.clone(),
            account: user.account.clone(),
            domain_id: user.domain_id.clone(),
            role: user.role,
            rules: None,
        }
    }

    /// The caller as an owner.
    pub fn owner(&self) -> Owner {
        Owner {
            account: self.account.clone(),
            domain_id: self.domain_id.clone(),
            project: None,
        }
    }
}

/// Who owns an object: an account of a domain, or a project (whose own
/// account holds its resources, as the server's project accounts do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    pub account: String,
    pub domain_id: String,
    /// The project's uuid when a project owns the object.
    pub project: Option<String>,
}

/// A project (`createProject`, an object of the generic store): its own
/// account owns its resources; its members are kept in the object's
/// `members` as `account/domainid`.
#[derive(Clone, Debug)]
pub(crate) struct Project {
    pub id: String,
    pub domain_id: String,
    /// Member accounts (name, domain id).
    pub members: Vec<(String, String)>,
}

/// The caller a user makes, with the rules of its account's role when
/// that role has permissions of its own (`createRolePermission`; roles
/// and permissions are objects of the generic store, in creation order).
pub(crate) fn caller_of(st: &super::State, user: &User) -> Caller {
    let mut caller = Caller::of(user);
    let role = st
        .objects
        .live("account", &user.account_id)
        .and_then(|i| st.objects[i].str("roleid"))
        .filter(|id| !id.is_empty());
    if let Some(role) = role {
        let rules: Vec<(String, bool)> = st
            .objects
            .of_kind("rolepermission")
            .map(|i| &st.objects[i])
            .filter(|p| {
                p.str("roleid")
                    .is_some_and(|r| r.eq_ignore_ascii_case(role))
            })
            .map(|p| {
                let allow = p
                    .str("permission")
                    .is_some_and(|v| v.eq_ignore_ascii_case("allow"));
                (p.str("rule").unwrap_or_default().to_string(), allow)
            })
            .collect();
        if !rules.is_empty() {
            caller.rules = Some(rules);
        }
    }
    caller
}

/// The role type a role object (`createRole type=`) has.
pub(crate) fn role_type_of(st: &super::State, role_id: &str) -> Option<RoleType> {
    let role = &st.objects[st.objects.live("role", role_id)?];
    Some(match role.str("type")? {
        t if t.eq_ignore_ascii_case("Admin") => RoleType::Admin,
        t if t.eq_ignore_ascii_case("DomainAdmin") => RoleType::DomainAdmin,
        _ => RoleType::User,
    })
}

/// The live project with this uuid.
pub(crate) fn find_project(st: &super::State, id: &str) -> Option<Project> {
    let obj = &st.objects[st.objects.live("project", id)?];
    let mut members: Vec<(String, String)> = obj
        .members
        .iter()
        .filter_map(|m| m.split_once('/'))
        .map(|(a, d)| (a.to_string(), d.to_string()))
        .collect();
    let default = st.tenants.default_owner.as_ref();
    // A project a cloud file holds belongs to the cloud's own account.
    if members.is_empty() {
        members.extend(default.map(|o| (o.account.clone(), o.domain_id.clone())));
    }
    Some(Project {
        id: obj.id().to_string(),
        domain_id: obj
            .str("domainid")
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .or_else(|| default.map(|o| o.domain_id.clone()))
            .unwrap_or_default(),
        members,
    })
}

/// A project member as the project object keeps it.
pub(crate) fn member_key(owner: &Owner) -> String {
    format!("{}/{}", owner.account, owner.domain_id)
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
    /// Owners of the typed objects (VMs, addresses, networks, rules,
    /// templates, tags) by lower-case id; an object not here belongs to
    /// the cloud's own account.
    owners: HashMap<String, Owner>,
    /// The cloud's own account, the owner of what `owners` does not name.
    default_owner: Option<Owner>,
    /// Project names by project id (the projects are objects of the
    /// generic store; answers show a project's resources by its name).
    pub project_names: HashMap<String, String>,
    /// Users whose code was accepted once since their two-factor set-up
    /// (past the server's setup phase, a wrong code ends the session).
    two_factor_verified: std::collections::HashSet<String>,
    /// Static PINs of users who chose the `staticpin` provider, by user id.
    static_pins: HashMap<String, String>,
}

/// The providers of `listUserTwoFactorAuthenticatorProviders`.
pub(crate) const PROVIDERS: &[(&str, &str)] = &[
    (
        "totp",
        "TOTP user two factor authentication provider Plugin",
    ),
    (
        "staticpin",
        "Static Pin user two factor authentication provider Plugin",
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
        tenants.default_owner = Some(Owner {
            account: account.name.clone(),
            domain_id: account.domainid.clone(),
            project: None,
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
        // A new set-up starts a new setup phase, with this provider only.
        let lower = user_id.to_ascii_lowercase();
        self.static_pins.remove(&lower);
        self.two_factor_verified.remove(&lower);
        let user = self.user_mut(user_id)?;
        user.totp = Some(secret.clone());
        Some(secret)
    }

    /// `enable=false`: two-factor authentication off (either provider).
    pub fn disable_totp(&mut self, user_id: &str) {
        if let Some(user) = self.user_mut(user_id) {
            user.totp = None;
        }
        self.static_pins.remove(&user_id.to_ascii_lowercase());
        self.two_factor_verified
            .remove(&user_id.to_ascii_lowercase());
    }

    /// `provider=staticpin`: a six-digit PIN, as the server's
    /// `StaticPinUserTwoFactorAuthenticator.setup2FAKey` makes it.
    pub fn setup_static_pin(&mut self, user_id: &str, rng: &mut impl RngCore) -> Option<String> {
        let pin = format!("{:06}", rng.next_u32() % 999_999);
        self.user_mut(user_id)?.totp = None;
        self.two_factor_verified
            .remove(&user_id.to_ascii_lowercase());
        self.static_pins
            .insert(user_id.to_ascii_lowercase(), pin.clone());
        Some(pin)
    }

    /// Whether the user's code was accepted since its two-factor set-up.
    pub fn two_factor_verified(&self, user_id: &str) -> bool {
        self.two_factor_verified
            .contains(&user_id.to_ascii_lowercase())
    }

    /// Records that the user's code was accepted (the setup phase is over).
    pub fn mark_two_factor_verified(&mut self, user_id: &str) {
        self.two_factor_verified
            .insert(user_id.to_ascii_lowercase());
    }

    /// The user's two-factor provider, if one is set up.
    pub fn two_factor_provider(&self, user_id: &str) -> Option<&'static str> {
        if self.static_pins.contains_key(&user_id.to_ascii_lowercase()) {
            return Some("staticpin");
        }
        self.user(user_id)?.totp.as_ref().map(|_| "totp")
    }

    /// Whether `code` passes the user's two-factor check at `unix` seconds
    /// (`check2FA` of its provider: the TOTP code, or the static PIN).
    pub fn two_factor_matches(&self, user_id: &str, code: &str, unix: u64) -> bool {
        use subtle::ConstantTimeEq;
        if let Some(pin) = self.static_pins.get(&user_id.to_ascii_lowercase()) {
            return bool::from(pin.as_bytes().ct_eq(code.as_bytes()));
        }
        self.user(user_id)
            .and_then(|u| u.totp.as_deref())
            .is_some_and(|secret| totp_matches(secret, code, unix))
    }

    /// Whether an active account of this name lives in this domain.
    pub fn has_account(&self, name: &str, domain_id: &str) -> bool {
        self.users
            .iter()
            .any(|u| u.account == name && u.domain_id.eq_ignore_ascii_case(domain_id))
    }

    /// Whether the account (name, domain) is a member of the project.
    pub fn is_member(&self, project: &Project, account: &str, domain_id: &str) -> bool {
        project
            .members
            .iter()
            .any(|(a, d)| a == account && d.eq_ignore_ascii_case(domain_id))
    }

    /// Whether the caller may use a project's resources
    /// (`ProjectManager.canAccessProjectAccount`): the root admin, a domain
    /// admin above the project's domain, or a member.
    pub fn can_access_project(&self, caller: &Caller, project: &Project) -> bool {
        match caller.role {
            RoleType::Admin => true,
            RoleType::DomainAdmin if self.is_within(&project.domain_id, &caller.domain_id) => true,
            _ => self.is_member(project, &caller.account, &caller.domain_id),
        }
    }

    /// The owner of a project's resources.
    pub fn project_owner(&self, project: &Project) -> Owner {
        Owner {
            account: String::new(),
            domain_id: project.domain_id.clone(),
            project: Some(project.id.to_ascii_lowercase()),
        }
    }

    /// The owner of a typed object (the cloud's own account unless
    /// something else was recorded).
    pub fn owner_of(&self, id: &str) -> Option<&Owner> {
        let recorded = if id.bytes().any(|b| b.is_ascii_uppercase()) {
            self.owners.get(&id.to_ascii_lowercase())
        } else {
            self.owners.get(id)
        };
        recorded.or(self.default_owner.as_ref())
    }

    /// How answers show the owner of a typed object.
    pub fn owner_view_of(&self, id: &str) -> OwnerView {
        match self.owner_of(id) {
            Some(owner) => self.owner_view(owner),
            None => OwnerView::default(),
        }
    }

    /// Records the owner of a typed object.
    pub fn set_owner(&mut self, id: &str, owner: Owner) {
        if self.default_owner.as_ref() == Some(&owner) {
            self.owners.remove(&id.to_ascii_lowercase());
        } else {
            self.owners.insert(id.to_ascii_lowercase(), owner);
        }
    }

    /// An owner as answers show it: `account` (or `project`/`projectid`),
    /// `domainid`, `domain`, and the account's first user.
    pub fn owner_view(&self, owner: &Owner) -> OwnerView {
        let domain = self
            .domain(&owner.domain_id)
            .map_or_else(|| "ROOT".to_string(), |d| d.name.clone());
        let project = owner.project.as_deref();
        OwnerView {
            account: project.is_none().then(|| owner.account.clone()),
            project: project.map(|id| self.project_names.get(id).cloned().unwrap_or_default()),
            projectid: project.map(str::to_string),
            domainid: owner.domain_id.clone(),
            domain,
            userid: None,
            username: None,
        }
    }

    /// An owner as a VM shows it: with the account's first user.
    pub fn owner_view_with_user(&self, id: &str, fallback: (&str, &str)) -> OwnerView {
        let mut view = self.owner_view_of(id);
        let owner = self.owner_of(id);
        let user = owner.and_then(|o| {
            self.users
                .iter()
                .find(|u| u.account == o.account && u.domain_id.eq_ignore_ascii_case(&o.domain_id))
        });
        view.userid = Some(user.map_or(fallback.0, |u| u.id.as_str()).to_string());
        view.username = Some(user.map_or(fallback.1, |u| u.username.as_str()).to_string());
        view
    }
}

/// An object's owner as answers show it (`ApiResponseHelper.populateOwner`:
/// a project's resources show the project instead of its account).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(crate) struct OwnerView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projectid: Option<String>,
    /// The account's first user: only VMs show it (`userid`, `username`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub domainid: String,
    pub domain: String,
}

/// Which project resources a list shows (`ListProjectResourcesCriteria`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProjectResources {
    /// Not those of projects (no `projectid`).
    Skip,
    /// Only those of projects (`projectid=-1`).
    Only,
    /// Both (`projectid=-1` with `listall=true`, or a list by `id`).
    All,
}

/// What a list command may show its caller: the outcome of the server's
/// `AccountManagerImpl.buildACLSearchParameters` for this request.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    /// The permitted owners; empty: any (then `domains` decides).
    accounts: Vec<Owner>,
    /// The domains whose objects show (a recursive domain expanded to its
    /// subdomains); `None`: every domain.
    domains: Option<Vec<String>>,
    projects: ProjectResources,
}

impl Scope {
    /// Whether the list shows an object owned by `owner` (`None`: an
    /// object nobody owns, such as a zone).
    pub fn shows(&self, owner: Option<&Owner>) -> bool {
        let Some(owner) = owner else {
            return true;
        };
        match (self.projects, owner.project.is_some()) {
            (ProjectResources::Skip, true) | (ProjectResources::Only, false) => return false,
            _ => {}
        }
        if !self.accounts.is_empty() {
            return self
                .accounts
                .iter()
                .any(|permitted| match &permitted.project {
                    Some(project) => owner.project.as_deref() == Some(project.as_str()),
                    None => {
                        owner.project.is_none()
                            && permitted.account == owner.account
                            && permitted.domain_id.eq_ignore_ascii_case(&owner.domain_id)
                    }
                });
        }
        self.domains.as_ref().is_none_or(|domains| {
            domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&owner.domain_id))
        })
    }

    /// Whether the list shows the typed object with this id.
    pub fn shows_id(&self, tenants: &Tenants, id: &str) -> bool {
        self.shows(tenants.owner_of(id))
    }

    /// Whether the list shows an object of the generic store: its owner is
    /// its `account`/`projectid` and `domainid` fields; public ones
    /// (`ispublic`, `isfeatured`) show to everyone.
    pub fn shows_obj(&self, st: &super::State, obj: &crate::sim::objects::Obj) -> bool {
        let public = |name: &str| {
            obj.fields
                .get(name)
                .is_some_and(|v| v == true || v == "true")
        };
        if public("ispublic") || public("isfeatured") {
            return true;
        }
        self.shows(obj_owner(&st.tenants, obj).as_ref())
    }
}

/// The owner of an object of the generic store, from its fields.
fn obj_owner(tenants: &Tenants, obj: &crate::sim::objects::Obj) -> Option<Owner> {
    let domain = || {
        obj.str("domainid")
            .map(str::to_string)
            .or_else(|| tenants.default_owner.as_ref().map(|o| o.domain_id.clone()))
            .unwrap_or_default()
    };
    if let Some(project) = obj.str("projectid").filter(|p| !p.is_empty()) {
        return Some(Owner {
            account: String::new(),
            domain_id: domain(),
            project: Some(project.to_ascii_lowercase()),
        });
    }
    let account = obj.str("account")?;
    Some(Owner {
        account: account.to_string(),
        domain_id: domain(),
        project: None,
    })
}

/// The project `project_id` names, if it exists (431) and the caller may
/// act in it (531), as the server checks `projectid` on lists and creates.
fn accessible_project(
    st: &super::State,
    caller: &Caller,
    project_id: &str,
) -> Result<Project, crate::sim::respond::ApiError> {
    let Some(project) = find_project(st, project_id) else {
        return Err(crate::sim::respond::ApiError::invalid(format!(
            "Unable to find project by id {project_id}"
        )));
    };
    if !st.tenants.can_access_project(caller, &project) {
        return Err(permission_denied(format!(
            "Account {} can't access project id={project_id}",
            caller.account
        )));
    }
    Ok(project)
}

/// The server's `PermissionDeniedException` (531).
fn permission_denied(text: String) -> crate::sim::respond::ApiError {
    crate::sim::respond::ApiError::new(531, Some(4365), text)
}

/// The one visibility rule of list commands, as the server's
/// `buildACLSearchParameters` and `buildACLSearchCriteria` apply it:
/// `domainid` (checked against the caller), `account` (with `domainid`,
/// else in the caller's domain), `projectid` (`-1`: every project the
/// caller may see), `listall`, `isrecursive`, and `id` (an admin asking
/// for one object by id is not limited to its own account).
///
/// Without any of them the caller sees its own account's objects, the
/// root admin included; `listall=true` widens that to the caller's domain
/// and subdomains (everything for the root admin); `domainid=` alone
/// shows that domain, and its subdomains too with `isrecursive=true`.
pub(crate) fn list_scope(
    st: &super::State,
    caller: &Caller,
    params: &crate::sim::params::Params,
) -> Result<Scope, crate::sim::respond::ApiError> {
    use crate::sim::respond::ApiError;
    let tenants = &st.tenants;
    let list_all = params.flag("listall");
    let mut recursive = params.flag("isrecursive");
    let by_id = params.get("id").is_some();
    let mut domain_id = match params.get("domainid") {
        Some(id) => {
            let Some(domain) = tenants.domain(id) else {
                return Err(ApiError::invalid(format!(
                    "Unable to find domain by id {id}"
                )));
            };
            let allowed = match caller.role {
                RoleType::Admin => true,
                RoleType::DomainAdmin => tenants.is_within(&domain.id, &caller.domain_id),
                RoleType::User => domain.id.eq_ignore_ascii_case(&caller.domain_id),
            };
            if !allowed {
                return Err(permission_denied(format!(
                    "Account {} does not have permission to operate within domain id={}",
                    caller.account, domain.id
                )));
            }
            Some(domain.id.clone())
        }
        None => None,
    };
    let mut accounts = Vec::new();
    let project_id = params.get("projectid");
    if let Some(name) = params.get("account") {
        if project_id.is_some() {
            return Err(ApiError::invalid(
                "Account and projectId can't be specified together",
            ));
        }
        let domain = domain_id
            .clone()
            .unwrap_or_else(|| caller.domain_id.clone());
        if !tenants.has_account(name, &domain) {
            return Err(ApiError::invalid(format!(
                "could not find account {name} in domain {domain}"
            )));
        }
        let allowed = match caller.role {
            RoleType::Admin => true,
            RoleType::DomainAdmin => tenants.is_within(&domain, &caller.domain_id),
            RoleType::User => {
                name == caller.account && domain.eq_ignore_ascii_case(&caller.domain_id)
            }
        };
        if !allowed {
            return Err(permission_denied(format!(
                "Account {} does not have permission to operate with account {name}",
                caller.account
            )));
        }
        accounts.push(Owner {
            account: name.to_string(),
            domain_id: domain,
            project: None,
        });
    }
    let mut projects = ProjectResources::All;
    if let Some(project_id) = project_id {
        if project_id.trim() == "-1" {
            projects = ProjectResources::Only;
            if caller.role != RoleType::Admin {
                accounts.extend(
                    st.objects
                        .of_kind("project")
                        .filter_map(|i| find_project(st, st.objects[i].id()))
                        .filter(|p| tenants.can_access_project(caller, p))
                        .map(|p| tenants.project_owner(&p)),
                );
                if accounts.is_empty() || list_all {
                    accounts.push(caller.owner());
                }
            }
            if list_all {
                projects = ProjectResources::All;
            }
        } else {
            let project = accessible_project(st, caller, project_id)?;
            accounts.push(tenants.project_owner(&project));
        }
    } else {
        if !by_id {
            projects = ProjectResources::Skip;
        }
        if accounts.is_empty() && domain_id.is_none() {
            if caller.role == RoleType::User {
                accounts.push(caller.owner());
            } else if !list_all {
                if !by_id {
                    accounts.push(caller.owner());
                } else if caller.role != RoleType::Admin {
                    domain_id = Some(caller.domain_id.clone());
                    recursive = true;
                }
            } else if caller.role == RoleType::DomainAdmin {
                domain_id = Some(caller.domain_id.clone());
                recursive = true;
            }
        } else if domain_id.is_some() && caller.role == RoleType::User {
            accounts.push(caller.owner());
        }
    }
    let domains = domain_id.map(|id| {
        if recursive {
            tenants
                .domains
                .iter()
                .filter(|d| tenants.is_within(&d.id, &id))
                .map(|d| d.id.clone())
                .collect()
        } else {
            vec![id]
        }
    });
    Ok(Scope {
        accounts,
        domains,
        projects,
    })
}

/// The owner a creating command names (`AccountManagerImpl.finalizeOwner`):
/// `projectid` (the project's account), `account` with `domainid` (an
/// admin acting for that account; anyone else only for itself), else the
/// caller. `None` when the command names no owner.
pub(crate) fn named_owner(
    st: &super::State,
    caller: &Caller,
    params: &crate::sim::params::Params,
) -> Result<Option<Owner>, crate::sim::respond::ApiError> {
    use crate::sim::respond::ApiError;
    let tenants = &st.tenants;
    let (account, domain, project) = (
        params.get("account"),
        params.get("domainid"),
        params.get("projectid"),
    );
    if let Some(project_id) = project {
        if account.is_some() {
            return Err(ApiError::invalid(
                "Account and projectId can't be specified together",
            ));
        }
        let project = accessible_project(st, caller, project_id)?;
        return Ok(Some(tenants.project_owner(&project)));
    }
    match (account, domain) {
        (Some(account), Some(domain_id)) => {
            if caller.role == RoleType::User {
                if account != caller.account || !domain_id.eq_ignore_ascii_case(&caller.domain_id) {
                    return Err(permission_denied(format!(
                        "Can't create/list resources for account {account} in domain {domain_id}, permission denied"
                    )));
                }
                return Ok(Some(caller.owner()));
            }
            let Some(domain) = tenants.domain(domain_id) else {
                return Err(ApiError::invalid(format!(
                    "Unable to find the domain by id={domain_id}"
                )));
            };
            if !tenants.has_account(account, &domain.id) {
                return Err(ApiError::invalid(format!(
                    "Unable to find account {account} in domain {domain_id}"
                )));
            }
            if caller.role == RoleType::DomainAdmin
                && !tenants.is_within(&domain.id, &caller.domain_id)
            {
                return Err(permission_denied(format!(
                    "Account {} does not have permission to operate within domain id={}",
                    caller.account, domain.id
                )));
            }
            Ok(Some(Owner {
                account: account.to_string(),
                domain_id: domain.id.clone(),
                project: None,
            }))
        }
        (Some(_), None) | (None, Some(_)) => Ok(None),
        (None, None) => Ok(None),
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

/// How many objects of each store there were before a command ran, so
/// that what it made can be given its owner.
pub(crate) struct Marks {
    objects: usize,
    vms: usize,
    ips: usize,
    networks: usize,
    rules: usize,
    templates: usize,
    jobs: usize,
}

impl Marks {
    /// The stores' sizes now.
    pub fn of(st: &super::State) -> Marks {
        Marks {
            objects: st.objects.len(),
            vms: st.vms.len(),
            ips: st.ips.len(),
            networks: st.networks.len(),
            rules: st.rules.len(),
            templates: st.templates.len(),
            jobs: st.jobs.len(),
        }
    }
}

/// The ids of the rows a command added to one store: those from `mark` on.
fn made_since<T>(
    rows: &[T],
    mark: usize,
    id: fn(&T) -> &String,
) -> impl Iterator<Item = String> + '_ {
    rows[mark.min(rows.len())..]
        .iter()
        .map(move |row| id(row).clone())
}

/// Gives the async jobs a command started (everything past `marks`) the
/// caller's account as their owner, as the server records the job's
/// account from the call's context: `listAsyncJobs` shows them as it
/// shows any owned object.
pub(crate) fn claim_jobs(st: &mut super::State, marks: &Marks, caller: &Caller) {
    let account_id = st
        .tenants
        .user(&caller.user_id)
        .map(|user| user.account_id.clone());
    for job in st.jobs.iter_mut().skip(marks.jobs) {
        st.tenants.set_owner(&job.id, caller.owner());
        job.user_id.clone_from(&caller.user_id);
        if let Some(account_id) = &account_id {
            job.account_id.clone_from(account_id);
        }
    }
}

/// Whether a caller may see a job's result (`queryJobResult`): a user
/// only its own account's jobs (531), a domain admin those of its domain
/// and subdomains, the root admin every job.
pub(crate) fn check_job_access(
    st: &super::State,
    caller: &Caller,
    job: usize,
) -> Result<(), crate::sim::respond::ApiError> {
    let id = &st.jobs[job].id;
    let Some(owner) = st.tenants.owner_of(id) else {
        return Ok(());
    };
    match caller.role {
        RoleType::Admin => Ok(()),
        RoleType::User
            if owner.account != caller.account
                || !owner.domain_id.eq_ignore_ascii_case(&caller.domain_id) =>
        {
            // The server names the job by its database id.
            Err(permission_denied(format!(
                "Account {} is not authorized to see job id={}",
                caller.account,
                job + 1
            )))
        }
        RoleType::DomainAdmin if !st.tenants.is_within(&owner.domain_id, &caller.domain_id) => {
            Err(permission_denied(format!(
                "Account {} does not have permission to operate within domain id={}",
                caller.account, owner.domain_id
            )))
        }
        _ => Ok(()),
    }
}

/// Commands whose `account`/`domainid`/`projectid` name what they manage
/// (an account, a user, a domain, a project's members), not an owner.
fn names_no_owner(command: &str) -> bool {
    let (_, noun) = crate::sim::objects::split_verb(command);
    matches!(
        noun,
        "Account"
            | "Accounts"
            | "User"
            | "Users"
            | "Domain"
            | "Role"
            | "RolePermission"
            | "ResourceLimit"
            | "ResourceCount"
    ) || noun.contains("Project")
        || command.ends_with("UserKeys")
        || command.contains("TwoFactor")
}

/// Who will own what a changing command makes: the owner it names
/// (checked as `finalizeOwner` checks it), else the caller; `None` for the
/// commands that manage accounts, users, domains and projects themselves.
pub(crate) fn owner_for(
    st: &super::State,
    command: &str,
    caller: &Caller,
    params: &crate::sim::params::Params,
) -> Result<Option<Owner>, crate::sim::respond::ApiError> {
    let creates = crate::catalog::Verb::of(command) == crate::catalog::Verb::Create;
    if !creates || (names_no_owner(command) && command != "createProject") {
        return Ok(None);
    }
    Ok(Some(
        named_owner(st, caller, params)?.unwrap_or_else(|| caller.owner()),
    ))
}

/// Gives what a command made (everything past `marks`) its owner: typed
/// objects in the owners' table, objects of the generic store in their
/// `account` (or `project`), `domainid` and `domain` fields.
pub(crate) fn claim(st: &mut super::State, marks: &Marks, owner: &Owner) {
    let ids: Vec<String> = made_since(&st.vms, marks.vms, |v| &v.id)
        .chain(made_since(&st.ips, marks.ips, |i| &i.id))
        .chain(made_since(&st.networks, marks.networks, |n| &n.spec.id))
        .chain(made_since(&st.rules, marks.rules, |r| &r.id))
        .chain(made_since(&st.templates, marks.templates, |t| &t.spec.id))
        .collect();
    for id in ids {
        st.tenants.set_owner(&id, owner.clone());
    }
    if st.objects.len() <= marks.objects {
        return;
    }
    let view = st.tenants.owner_view(owner);
    for index in marks.objects..st.objects.len() {
        if st.objects[index].kind == "project" {
            // The creator's account owns the project and is its first member.
            let (id, name) = {
                let obj = &mut st.objects[index];
                obj.set("domainid", owner.domain_id.clone());
                obj.set("domain", view.domain.clone());
                obj.members = vec![member_key(owner)];
                (
                    obj.id().to_ascii_lowercase(),
                    obj.str("name").unwrap_or_default().to_string(),
                )
            };
            st.tenants.project_names.insert(id, name);
            continue;
        }
        let obj = &mut st.objects[index];
        if !obj.fields.contains_key("account") && !obj.fields.contains_key("projectid") {
            continue;
        }
        if matches!(obj.kind.as_str(), "user" | "account" | "domain" | "project") {
            continue;
        }
        match (&view.account, &view.projectid) {
            (_, Some(project_id)) => {
                obj.fields.remove("account");
                obj.set("projectid", project_id.clone());
                obj.set("project", view.project.clone().unwrap_or_default());
            }
            (Some(account), None) => {
                obj.set("account", account.clone());
                obj.fields.remove("projectid");
                obj.fields.remove("project");
            }
            (None, None) => {}
        }
        obj.set("domainid", view.domainid.clone());
        if obj.fields.contains_key("domain") {
            obj.set("domain", view.domain.clone());
        }
    }
}

/// The kinds whose lists (`listAccounts`, `listUsers`, `listDomains`)
/// filter by their own `account`/`domainid` fields and [`may_see`], not by
/// the ownership rule of resources.
pub(crate) fn is_tenant_kind(kind: &str) -> bool {
    matches!(kind, "account" | "user" | "domain")
}

/// Whether a list's objects have owners (their answer has `account` or
/// `projectid`): the visibility rule applies to them; accounts, users and
/// domains have their own (see [`retain_visible`]).
pub(crate) fn is_owned(kind: &str, fields: &crate::catalog::Fields) -> bool {
    !is_tenant_kind(kind) && (fields.get("account").is_some() || fields.get("projectid").is_some())
}

/// Keeps the objects of the generic store a list shows its caller:
/// [`list_scope`] for owned resources, [`may_see`] for accounts, users and
/// domains; projects to their members (and, with `listall=true`, to the
/// root admin and to a domain admin above the project's domain); objects
/// nobody owns to everyone.
pub(crate) fn retain_visible(
    st: &super::State,
    caller: &Caller,
    params: &crate::sim::params::Params,
    kind: &str,
    fields: &crate::catalog::Fields,
    matches: &mut Vec<usize>,
) -> Result<(), crate::sim::respond::ApiError> {
    if is_tenant_kind(kind) {
        matches.retain(|&i| may_see(st, caller, params, &st.objects[i]));
    } else if kind == "project" {
        let list_all = params.flag("listall");
        let tenants = &st.tenants;
        matches.retain(|&i| {
            find_project(st, st.objects[i].id()).is_some_and(|project| {
                tenants.is_member(&project, &caller.account, &caller.domain_id)
                    || list_all
                        && match caller.role {
                            RoleType::Admin => true,
                            RoleType::DomainAdmin => {
                                tenants.is_within(&project.domain_id, &caller.domain_id)
                            }
                            RoleType::User => false,
                        }
            })
        });
    } else if is_owned(kind, fields) {
        let scope = list_scope(st, caller, params)?;
        matches.retain(|&i| scope.shows_obj(st, &st.objects[i]));
    }
    Ok(())
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

/// Whether the caller may call `command`: the first rule of its custom
/// role that matches decides (`DynamicRoleBasedAPIAccessChecker
/// .checkApiPermissionByRole`), else what its role type may call.
pub(crate) fn permits(caller: &Caller, command: &str) -> bool {
    if let Some(rules) = &caller.rules {
        if let Some((_, allow)) = rules.iter().find(|(rule, _)| rule_matches(rule, command)) {
            return *allow;
        }
    }
    allowed(caller.role, command)
}

/// A role permission's rule against a command name (`Rule.matches`): the
/// names compared without case, `*` standing for any run of letters.
pub(crate) fn rule_matches(rule: &str, command: &str) -> bool {
    fn glob(rule: &[u8], name: &[u8]) -> bool {
        match rule.split_first() {
            None => name.is_empty(),
            Some((b'*', rest)) => (0..=name.len()).any(|skip| glob(rest, &name[skip..])),
            Some((c, rest)) => name
                .split_first()
                .is_some_and(|(n, tail)| n.eq_ignore_ascii_case(c) && glob(rest, tail)),
        }
    }
    !command.is_empty() && glob(rule.as_bytes(), command.as_bytes())
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
