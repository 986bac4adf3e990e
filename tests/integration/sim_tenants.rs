//! The simulator as a cloud with tenants, over real HTTP: domains, accounts
//! and users made through the API log in with their passwords, their
//! registered keys sign as them, role types decide which commands they may
//! call, and two-factor login (TOTP) is set up, required and validated.

use csctl::client::sign::{format_expires, sign, SignatureAlgorithm};
use serde_json::Value;

use crate::support::sim::{encode, TestSim};

/// Signs `params` with these keys (adding `apiKey`, `response`, `expires`)
/// and sends it as a GET: (status, body).
pub fn call_as(sim: &TestSim, keys: &(String, String), params: &[(&str, &str)]) -> (u16, Value) {
    let expires = format_expires(chrono::Utc::now() + chrono::Duration::minutes(5));
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push(("apiKey".into(), keys.0.clone()));
    all.push(("response".into(), "json".into()));
    all.push(("signatureVersion".into(), "3".into()));
    all.push(("expires".into(), expires));
    all.push((
        "signature".into(),
        sign(&all, &keys.1, SignatureAlgorithm::Sha1),
    ));
    let response = sim.get_query(&encode(&all));
    (response.status, response.json())
}

/// Creates a domain under ROOT: its id.
pub fn domain(sim: &TestSim, name: &str) -> String {
    let answer = sim.api("createDomain", &[("name", name)]);
    answer["domain"]["id"].as_str().unwrap().to_string()
}

/// Creates an account (`accounttype` 0 user, 2 domain admin) with one user
/// whose password is `pw-<username>`: the user's id.
pub fn account(sim: &TestSim, username: &str, domainid: &str, accounttype: &str) -> String {
    let password = format!("pw-{username}");
    let answer = sim.api(
        "createAccount",
        &[
            ("username", username),
            ("password", &password),
            ("email", "someone@example.com"),
            ("firstname", "Some"),
            ("lastname", "One"),
            ("accounttype", accounttype),
            ("domainid", domainid),
        ],
    );
    answer["account"]["user"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Registers keys for a user (as the root admin): (api key, secret key).
pub fn keys(sim: &TestSim, userid: &str) -> (String, String) {
    let answer = sim.api("registerUserKeys", &[("id", userid)]);
    let keys = &answer["userkeys"];
    (
        keys["apikey"].as_str().unwrap().to_string(),
        keys["secretkey"].as_str().unwrap().to_string(),
    )
}

#[test]
fn a_users_keys_sign_as_that_user_and_admin_commands_are_refused() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let alice = account(&sim, "alice", &acme, "0");
    let keys = keys(&sim, &alice);
    let (status, body) = call_as(&sim, &keys, &[("command", "listZones")]);
    assert_eq!(status, 200, "{body}");
    // The keys are alice's: getUserKeys of herself works, of the admin not.
    let (status, body) = call_as(&sim, &keys, &[("command", "getUserKeys"), ("id", &alice)]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["getuserkeysresponse"]["userkeys"]["apikey"],
        keys.0.as_str()
    );
    let (status, body) = call_as(
        &sim,
        &keys,
        &[("command", "getUserKeys"), ("id", csctl::sim::demo::USER)],
    );
    assert_eq!(status, 531, "{body}");
    // A user cannot call an admin command.
    let (status, body) = call_as(&sim, &keys, &[("command", "listHosts")]);
    assert_eq!(status, 432, "{body}");
    assert_eq!(
        body["listhostsresponse"]["errortext"],
        "The given command 'listHosts' either does not exist, is not available for user, or not available from ip address '127.0.0.1'."
    );
    let (status, _) = call_as(
        &sim,
        &keys,
        &[("command", "createDomain"), ("name", "mine")],
    );
    assert_eq!(status, 432);
    // New keys replace the old ones.
    let rotated = self::keys(&sim, &alice);
    assert_ne!(rotated, keys);
    let (status, _) = call_as(&sim, &keys, &[("command", "listZones")]);
    assert_eq!(status, 401);
    let (status, _) = call_as(&sim, &rotated, &[("command", "listZones")]);
    assert_eq!(status, 200);
}

#[test]
fn a_domain_admin_manages_its_domain_only() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let other = domain(&sim, "other");
    let boss = account(&sim, "boss", &acme, "2");
    let boss_keys = keys(&sim, &boss);
    let create = |domainid: &str, username: &str| {
        call_as(
            &sim,
            &boss_keys,
            &[
                ("command", "createAccount"),
                ("username", username),
                ("password", "pw"),
                ("email", "e@example.com"),
                ("firstname", "F"),
                ("lastname", "L"),
                ("accounttype", "0"),
                ("domainid", domainid),
            ],
        )
    };
    let (status, body) = create(&acme, "worker");
    assert_eq!(status, 200, "{body}");
    let (status, body) = create(&other, "intruder");
    assert_eq!(status, 531, "{body}");
    // Infrastructure stays the root admin's.
    let (status, _) = call_as(&sim, &boss_keys, &[("command", "listHosts")]);
    assert_eq!(status, 432);
}

fn login(
    sim: &TestSim,
    username: &str,
    password: &str,
    domain: &str,
) -> crate::support::sim::RawResponse {
    let body = encode(&[
        ("command".to_string(), "login".to_string()),
        ("username".to_string(), username.to_string()),
        ("password".to_string(), password.to_string()),
        ("domain".to_string(), domain.to_string()),
        ("response".to_string(), "json".to_string()),
    ]);
    sim.post_form(None, &body, None)
}

/// The cookie header and session key of a login answer.
fn session_of(response: &crate::support::sim::RawResponse) -> (String, String) {
    let key = response.json()["loginresponse"]["sessionkey"]
        .as_str()
        .unwrap()
        .to_string();
    let jsession = response
        .set_cookies
        .iter()
        .find(|c| c.starts_with("JSESSIONID="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (format!("{jsession}; sessionkey={key}"), key)
}

fn session_call(
    sim: &TestSim,
    session: &(String, String),
    params: &[(&str, &str)],
) -> (u16, Value) {
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push(("response".into(), "json".into()));
    all.push(("sessionkey".into(), session.1.clone()));
    let response = sim.post_form(None, &encode(&all), Some(&session.0));
    (response.status, response.json())
}

#[test]
fn every_user_logs_in_with_its_password_in_its_domain() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let alice = account(&sim, "alice", &acme, "0");
    let wrong = login(&sim, "alice", "nope", "/acme");
    assert_eq!(wrong.status, 531, "{}", wrong.body);
    let elsewhere = login(&sim, "alice", "pw-alice", "/");
    assert_eq!(elsewhere.status, 531, "{}", elsewhere.body);
    let response = login(&sim, "alice", "pw-alice", "/acme/");
    assert_eq!(response.status, 200, "{}", response.body);
    let answer = response.json()["loginresponse"].clone();
    assert_eq!(answer["userid"], alice.as_str());
    assert_eq!(answer["domainid"], acme.as_str());
    assert_eq!(answer["type"], "0");
    assert_eq!(answer["is2faenabled"], "false");
    let session = session_of(&response);
    let (status, _) = session_call(&sim, &session, &[("command", "listZones")]);
    assert_eq!(status, 200);
    let (status, _) = session_call(&sim, &session, &[("command", "listHosts")]);
    assert_eq!(status, 432);
}

#[test]
fn two_factor_login_needs_a_valid_code() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let bob = account(&sim, "bob", &acme, "0");
    let providers = sim.api("listUserTwoFactorAuthenticatorProviders", &[]);
    assert_eq!(providers["count"], 2);
    assert_eq!(providers["providers"][0]["name"], "totp");
    let setup = sim.api(
        "setupUserTwoFactorAuthentication",
        &[("userid", &bob), ("provider", "totp"), ("enable", "true")],
    );
    let secret = setup["setup2fa"]["secretcode"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(setup["setup2fa"]["id"], bob.as_str());
    let response = login(&sim, "bob", "pw-bob", "/acme");
    assert_eq!(response.status, 200, "{}", response.body);
    let answer = response.json()["loginresponse"].clone();
    assert_eq!(answer["is2faenabled"], "true");
    assert_eq!(answer["is2faverified"], "false");
    assert_eq!(answer["providerfor2fa"], "totp");
    let session = session_of(&response);
    // Nothing but the two-factor commands until the code is validated.
    let (status, _) = session_call(&sim, &session, &[("command", "listZones")]);
    assert_eq!(status, 401);
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret).to_bytes().unwrap(),
    );
    let now = chrono::Utc::now().timestamp() as u64;
    // A code from five minutes ago has expired; a made-up one is wrong.
    for code in [totp.generate(now - 300), "12345x".to_string()] {
        let (status, body) = session_call(
            &sim,
            &session,
            &[
                ("command", "validateUserTwoFactorAuthenticationCode"),
                ("codefor2fa", &code),
            ],
        );
        // UNAUTHORIZED2FA; in the setup phase the session survives.
        assert_eq!(status, 411, "{body}");
        assert_eq!(
            body["validateusertwofactorauthenticationcoderesponse"]["cserrorcode"],
            4295
        );
    }
    let (status, body) = session_call(
        &sim,
        &session,
        &[("command", "validateUserTwoFactorAuthenticationCode")],
    );
    assert_eq!(status, 531, "{body}");
    assert_eq!(
        body["validateusertwofactorauthenticationcoderesponse"]["errortext"],
        "Code for two factor authentication is required"
    );
    let (status, body) = session_call(
        &sim,
        &session,
        &[
            ("command", "validateUserTwoFactorAuthenticationCode"),
            ("codefor2fa", &totp.generate(now)),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = session_call(&sim, &session, &[("command", "listZones")]);
    assert_eq!(status, 200);
    // Past the setup phase a wrong code ends the session.
    let session = session_of(&login(&sim, "bob", "pw-bob", "/acme"));
    let (status, _) = session_call(
        &sim,
        &session,
        &[
            ("command", "validateUserTwoFactorAuthenticationCode"),
            ("codefor2fa", "12345x"),
        ],
    );
    assert_eq!(status, 411);
    let (status, _) = session_call(
        &sim,
        &session,
        &[
            ("command", "validateUserTwoFactorAuthenticationCode"),
            ("codefor2fa", &totp.generate(now)),
        ],
    );
    assert_eq!(status, 401);
}

/// The names in a `listAffinityGroups` answer.
fn group_names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["listaffinitygroupsresponse"]["affinitygroup"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn each_account_sees_its_own_objects_and_admins_see_more() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let globex = domain(&sim, "globex");
    let alice = keys(&sim, &account(&sim, "alice", &acme, "0"));
    let gina = keys(&sim, &account(&sim, "gina", &globex, "0"));
    let boss = keys(&sim, &account(&sim, "boss", &acme, "2"));
    for (keys, name) in [
        (&alice, "alice-group"),
        (&gina, "gina-group"),
        (&boss, "boss-group"),
    ] {
        let (status, body) = call_as(
            &sim,
            keys,
            &[
                ("command", "createAffinityGroup"),
                ("name", name),
                ("type", "host anti-affinity"),
            ],
        );
        assert_eq!(status, 200, "{body}");
    }
    let list = |keys: &(String, String), extra: &[(&str, &str)]| {
        let mut params = vec![("command", "listAffinityGroups")];
        params.extend_from_slice(extra);
        let (status, body) = call_as(&sim, keys, &params);
        assert_eq!(status, 200, "{body}");
        group_names(&body)
    };
    // Each account sees its own, listall or not.
    assert_eq!(list(&alice, &[]), ["alice-group"]);
    assert_eq!(list(&alice, &[("listall", "true")]), ["alice-group"]);
    assert_eq!(list(&gina, &[]), ["gina-group"]);
    // Another domain's account is refused, as the server's checkAccess does.
    let (status, body) = call_as(
        &sim,
        &gina,
        &[
            ("command", "listAffinityGroups"),
            ("account", "alice"),
            ("domainid", &acme),
        ],
    );
    assert_eq!(status, 531, "{body}");
    // The domain admin: its own, or with listall its domain's.
    assert_eq!(list(&boss, &[]), ["boss-group"]);
    assert_eq!(
        list(&boss, &[("listall", "true")]),
        ["alice-group", "boss-group"]
    );
    assert_eq!(
        list(&boss, &[("account", "alice"), ("domainid", &acme)]),
        ["alice-group"]
    );
    // The root admin sees every account's; account= and domainid= filter.
    let admin = (sim.api_key.clone(), sim.secret_key.clone());
    let all = list(&admin, &[("listall", "true")]);
    for name in ["alice-group", "boss-group", "gina-group"] {
        assert!(all.contains(&name.to_string()), "{all:?}");
    }
    assert_eq!(list(&admin, &[("domainid", &globex)]), ["gina-group"]);
    // An object made for another account belongs to it.
    sim.api(
        "createAffinityGroup",
        &[
            ("name", "made-for-gina"),
            ("type", "host affinity"),
            ("account", "gina"),
            ("domainid", &globex),
        ],
    );
    assert_eq!(list(&gina, &[]), ["gina-group", "made-for-gina"]);
}

/// The ids in a list answer under `key`, sorted.
fn ids_in(body: &Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = body
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(|inner| inner[key].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// A list command called with these keys: the ids under `key`.
fn listed(
    sim: &TestSim,
    keys: &(String, String),
    params: &[(&str, &str)],
    key: &str,
) -> Vec<String> {
    let (status, body) = call_as(sim, keys, params);
    assert_eq!(status, 200, "{params:?}: {body}");
    ids_in(&body, key)
}

/// The result of an async command's job.
fn finished(sim: &TestSim, started: &Value) -> Value {
    sim.wait_job(started["jobid"].as_str().expect("a jobid"))["jobresult"].clone()
}

#[test]
fn typed_resources_belong_to_their_owner_and_lists_follow_the_servers_rule() {
    let sim = TestSim::start();
    let admin = (sim.api_key.clone(), sim.secret_key.clone());
    let acme = domain(&sim, "acme");
    let globex = domain(&sim, "globex");
    let dev = sim.api(
        "createDomain",
        &[("name", "dev"), ("parentdomainid", &acme)],
    )["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let alice = keys(&sim, &account(&sim, "alice", &acme, "0"));
    let gina = keys(&sim, &account(&sim, "gina", &globex, "0"));
    let dave = keys(&sim, &account(&sim, "dave", &dev, "0"));
    let boss = keys(&sim, &account(&sim, "boss", &acme, "2"));

    // The root admin deploys for alice and dave, and keeps one of its own.
    let for_alice = finished(
        &sim,
        &sim.start_deploy(&[("account", "alice"), ("domainid", &acme)]),
    )["virtualmachine"]
        .clone();
    assert_eq!(for_alice["account"], "alice", "{for_alice}");
    assert_eq!(for_alice["domainid"], acme.as_str());
    assert_eq!(for_alice["domain"], "acme");
    assert_eq!(for_alice["username"], "alice");
    let alice_vm = for_alice["id"].as_str().unwrap().to_string();
    let dave_vm = finished(
        &sim,
        &sim.start_deploy(&[("account", "dave"), ("domainid", &dev)]),
    )["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let own_vm = sim.deploy(&[])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An address for gina, a volume for dave.
    let ip = finished(
        &sim,
        &sim.api(
            "associateIpAddress",
            &[
                ("zoneid", csctl::sim::demo::ZONE1),
                ("account", "gina"),
                ("domainid", &globex),
            ],
        ),
    )["ipaddress"]
        .clone();
    assert_eq!(ip["account"], "gina", "{ip}");
    let gina_ip = ip["id"].as_str().unwrap().to_string();
    let disk = sim.api("listDiskOfferings", &[])["diskoffering"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let volume = sim.api(
        "createVolume",
        &[
            ("name", "dave-data"),
            ("zoneid", csctl::sim::demo::ZONE1),
            ("diskofferingid", &disk),
            ("account", "dave"),
            ("domainid", &dev),
        ],
    );
    let dave_volume = volume["id"].as_str().unwrap().to_string();

    let vms = |keys: &(String, String), extra: &[(&str, &str)]| {
        let mut params = vec![("command", "listVirtualMachines")];
        params.extend_from_slice(extra);
        listed(&sim, keys, &params, "virtualmachine")
    };
    // Each user sees its own, listall or not.
    assert_eq!(vms(&alice, &[]), vec![alice_vm.clone()]);
    assert_eq!(vms(&alice, &[("listall", "true")]), vec![alice_vm.clone()]);
    assert!(vms(&gina, &[]).is_empty());
    assert_eq!(
        listed(
            &sim,
            &gina,
            &[("command", "listPublicIpAddresses")],
            "publicipaddress"
        ),
        vec![gina_ip.clone()]
    );
    assert!(listed(
        &sim,
        &alice,
        &[("command", "listPublicIpAddresses")],
        "publicipaddress"
    )
    .is_empty());
    // The root admin without listall sees its own account's only.
    let mine = vms(&admin, &[]);
    assert!(mine.contains(&own_vm), "{mine:?}");
    assert!(
        !mine.contains(&alice_vm) && !mine.contains(&dave_vm),
        "{mine:?}"
    );
    let all = vms(&admin, &[("listall", "true")]);
    assert!(all.contains(&alice_vm) && all.contains(&dave_vm) && all.contains(&own_vm));
    // … by id, any of them.
    assert_eq!(vms(&admin, &[("id", &alice_vm)]), vec![alice_vm.clone()]);
    assert_eq!(
        vms(&admin, &[("account", "alice"), ("domainid", &acme)]),
        vec![alice_vm.clone()]
    );
    // domainid alone: that domain; with isrecursive its subdomains too.
    assert_eq!(vms(&admin, &[("domainid", &acme)]), vec![alice_vm.clone()]);
    let mut both = vec![alice_vm.clone(), dave_vm.clone()];
    both.sort();
    assert_eq!(
        vms(&admin, &[("domainid", &acme), ("isrecursive", "true")]),
        both
    );
    // The domain admin: its own; with listall its domain and subdomains.
    assert!(vms(&boss, &[]).is_empty());
    assert_eq!(vms(&boss, &[("listall", "true")]), both);
    assert_eq!(vms(&boss, &[("domainid", &acme)]), vec![alice_vm.clone()]);
    assert_eq!(
        vms(&boss, &[("domainid", &acme), ("isrecursive", "true")]),
        both
    );
    let (status, body) = call_as(
        &sim,
        &boss,
        &[("command", "listVirtualMachines"), ("domainid", &globex)],
    );
    assert_eq!(status, 531, "{body}");
    // The generic kinds follow the same rule.
    let volumes = |keys: &(String, String), extra: &[(&str, &str)]| {
        let mut params = vec![("command", "listVolumes")];
        params.extend_from_slice(extra);
        listed(&sim, keys, &params, "volume")
    };
    assert!(volumes(&dave, &[]).contains(&dave_volume));
    assert!(!volumes(&alice, &[]).contains(&dave_volume));
    assert!(!volumes(&boss, &[("domainid", &acme)]).contains(&dave_volume));
    assert!(volumes(&boss, &[("listall", "true")]).contains(&dave_volume));
    assert!(!volumes(&admin, &[]).contains(&dave_volume));
    assert!(volumes(&admin, &[("listall", "true")]).contains(&dave_volume));
    // A user cannot list another account's resources.
    let (status, body) = call_as(
        &sim,
        &alice,
        &[
            ("command", "listVirtualMachines"),
            ("account", "dave"),
            ("domainid", &dev),
        ],
    );
    assert_eq!(status, 531, "{body}");
    // An account that does not exist is an error.
    let (status, body) = call_as(
        &sim,
        &admin,
        &[("command", "listVirtualMachines"), ("account", "nobody")],
    );
    assert_eq!(status, 431, "{body}");
    assert_eq!(
        body["listvirtualmachinesresponse"]["errortext"],
        format!(
            "could not find account nobody in domain {}",
            csctl::sim::demo::DOMAIN
        )
    );
    // A user cannot create for another account.
    let (status, body) = call_as(
        &sim,
        &alice,
        &[
            ("command", "createVolume"),
            ("name", "sneaky"),
            ("zoneid", csctl::sim::demo::ZONE1),
            ("diskofferingid", &disk),
            ("account", "gina"),
            ("domainid", &globex),
        ],
    );
    assert_eq!(status, 531, "{body}");
}

#[test]
fn a_custom_role_denies_what_its_rules_deny() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let role = sim.api(
        "createRole",
        &[
            ("name", "no-vms"),
            ("type", "User"),
            ("description", "no VM lists"),
        ],
    );
    let role = role["role"]["id"].as_str().unwrap().to_string();
    let rule = sim.api(
        "createRolePermission",
        &[
            ("roleid", &role),
            ("rule", "list*Machines"),
            ("permission", "deny"),
        ],
    );
    assert_eq!(rule["rolepermission"]["rule"], "list*Machines", "{rule}");
    let listed = sim.api("listRolePermissions", &[("roleid", &role)]);
    assert_eq!(listed["count"], 1, "{listed}");
    let answer = sim.api(
        "createAccount",
        &[
            ("username", "carol"),
            ("password", "pw-carol"),
            ("email", "c@example.com"),
            ("firstname", "C"),
            ("lastname", "R"),
            ("roleid", &role),
            ("domainid", &acme),
        ],
    );
    let carol = answer["account"]["user"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let carol = keys(&sim, &carol);
    let (status, body) = call_as(&sim, &carol, &[("command", "listVirtualMachines")]);
    assert_eq!(status, 432, "{body}");
    // What no rule names falls back to the role type's commands.
    let (status, body) = call_as(&sim, &carol, &[("command", "listZones")]);
    assert_eq!(status, 200, "{body}");
    let (status, _) = call_as(&sim, &carol, &[("command", "listHosts")]);
    assert_eq!(status, 432);
    // An allowing rule lets a command through.
    sim.api(
        "createRolePermission",
        &[
            ("roleid", &role),
            ("rule", "listZones"),
            ("permission", "allow"),
        ],
    );
    let (status, _) = call_as(&sim, &carol, &[("command", "listZones")]);
    assert_eq!(status, 200);
}

#[test]
fn project_resources_show_to_the_projects_members() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let globex = domain(&sim, "globex");
    let alice = keys(&sim, &account(&sim, "alice", &acme, "0"));
    let gina = keys(&sim, &account(&sim, "gina", &globex, "0"));
    let started = sim.api(
        "createProject",
        &[
            ("name", "apollo"),
            ("displaytext", "Apollo"),
            ("account", "alice"),
            ("domainid", &acme),
        ],
    );
    let project = match started.get("jobid") {
        Some(_) => finished(&sim, &started)["project"].clone(),
        None => started["project"].clone(),
    };
    let project_id = project["id"].as_str().unwrap().to_string();
    // A VM made in the project shows the project, not an account.
    let vm =
        finished(&sim, &sim.start_deploy(&[("projectid", &project_id)]))["virtualmachine"].clone();
    assert_eq!(vm["projectid"], project_id.as_str(), "{vm}");
    assert_eq!(vm["project"], "apollo", "{vm}");
    assert!(vm.get("account").is_none(), "{vm}");
    let vm_id = vm["id"].as_str().unwrap().to_string();
    let vms = |keys: &(String, String), extra: &[(&str, &str)]| {
        let mut params = vec![("command", "listVirtualMachines")];
        params.extend_from_slice(extra);
        listed(&sim, keys, &params, "virtualmachine")
    };
    // Not among alice's own; with projectid (or -1 for all) it is.
    assert!(vms(&alice, &[]).is_empty());
    assert_eq!(
        vms(&alice, &[("projectid", &project_id)]),
        vec![vm_id.clone()]
    );
    assert_eq!(vms(&alice, &[("projectid", "-1")]), vec![vm_id.clone()]);
    let admin = (sim.api_key.clone(), sim.secret_key.clone());
    assert_eq!(vms(&admin, &[("projectid", "-1")]), vec![vm_id.clone()]);
    assert!(!vms(&admin, &[("listall", "true")]).contains(&vm_id));
    // Someone outside the project is refused.
    let (status, body) = call_as(
        &sim,
        &gina,
        &[
            ("command", "listVirtualMachines"),
            ("projectid", &project_id),
        ],
    );
    assert_eq!(status, 531, "{body}");
    assert!(vms(&gina, &[("projectid", "-1")]).is_empty());
    // The project itself shows to its owner, not to others.
    let projects =
        |keys: &(String, String)| listed(&sim, keys, &[("command", "listProjects")], "project");
    assert_eq!(projects(&alice), vec![project_id.clone()]);
    assert!(projects(&gina).is_empty());
    // Members: the owner's account as Admin; one more of the same domain.
    let bob = keys(&sim, &account(&sim, "bob", &acme, "0"));
    let (status, body) = call_as(
        &sim,
        &bob,
        &[
            ("command", "listVirtualMachines"),
            ("projectid", &project_id),
        ],
    );
    assert_eq!(status, 531, "{body}");
    let (status, body) = call_as(
        &sim,
        &alice,
        &[
            ("command", "addAccountToProject"),
            ("projectid", &project_id),
            ("account", "gina"),
        ],
    );
    assert_eq!(status, 431, "gina is of another domain: {body}");
    let added = sim.api(
        "addAccountToProject",
        &[("projectid", &project_id), ("account", "bob")],
    );
    assert_eq!(finished(&sim, &added)["success"], true);
    let members = sim.api("listProjectAccounts", &[("projectid", &project_id)]);
    assert_eq!(members["count"], 2, "{members}");
    assert_eq!(members["projectaccount"][0]["account"], "alice");
    assert_eq!(members["projectaccount"][0]["role"], "Admin");
    assert_eq!(members["projectaccount"][1]["account"], "bob");
    assert_eq!(members["projectaccount"][1]["role"], "Regular");
    assert_eq!(
        vms(&bob, &[("projectid", &project_id)]),
        vec![vm_id.clone()]
    );
    let removed = sim.api(
        "deleteAccountFromProject",
        &[("projectid", &project_id), ("account", "bob")],
    );
    assert_eq!(finished(&sim, &removed)["success"], true);
    let (status, _) = call_as(
        &sim,
        &bob,
        &[
            ("command", "listVirtualMachines"),
            ("projectid", &project_id),
        ],
    );
    assert_eq!(status, 531);
}

#[test]
fn a_static_pin_is_the_second_factor_of_the_staticpin_provider() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let erin = account(&sim, "erin", &acme, "0");
    let providers = sim.api("listUserTwoFactorAuthenticatorProviders", &[]);
    assert_eq!(
        providers["providers"][1]["description"],
        "Static Pin user two factor authentication provider Plugin"
    );
    let setup = sim.api(
        "setupUserTwoFactorAuthentication",
        &[
            ("userid", &erin),
            ("provider", "staticpin"),
            ("enable", "true"),
        ],
    );
    let pin = setup["setup2fa"]["secretcode"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    let response = login(&sim, "erin", "pw-erin", "/acme");
    assert_eq!(response.status, 200, "{}", response.body);
    let answer = response.json()["loginresponse"].clone();
    assert_eq!(answer["providerfor2fa"], "staticpin");
    assert_eq!(answer["is2faverified"], "false");
    let session = session_of(&response);
    let wrong = if pin == "000000" { "000001" } else { "000000" };
    let (status, body) = session_call(
        &sim,
        &session,
        &[
            ("command", "validateUserTwoFactorAuthenticationCode"),
            ("codefor2fa", wrong),
        ],
    );
    assert_eq!(status, 411, "{body}");
    assert_eq!(
        body["validateusertwofactorauthenticationcoderesponse"]["errortext"],
        "two-factor authentication code provided is invalid"
    );
    let (status, body) = session_call(
        &sim,
        &session,
        &[
            ("command", "validateUserTwoFactorAuthenticationCode"),
            ("codefor2fa", &pin),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = session_call(&sim, &session, &[("command", "listZones")]);
    assert_eq!(status, 200);
}

#[test]
fn list_async_jobs_shows_each_account_its_own_jobs() {
    let sim = TestSim::start();
    let admin = (sim.api_key.clone(), sim.secret_key.clone());
    let acme = domain(&sim, "acme");
    let globex = domain(&sim, "globex");
    let alice = keys(&sim, &account(&sim, "alice", &acme, "0"));
    let gina = keys(&sim, &account(&sim, "gina", &globex, "0"));
    let deploy = |keys: &(String, String)| -> String {
        let (status, body) = call_as(
            &sim,
            keys,
            &[
                ("command", "deployVirtualMachine"),
                ("zoneid", csctl::sim::demo::ZONE1),
                ("serviceofferingid", csctl::sim::demo::M1_SMALL),
                ("templateid", csctl::sim::demo::DEBIAN7),
            ],
        );
        assert_eq!(status, 200, "{body}");
        body["deployvirtualmachineresponse"]["jobid"]
            .as_str()
            .expect("a jobid")
            .to_string()
    };
    let alice_job = deploy(&alice);
    let gina_job = deploy(&gina);
    let admin_job = deploy(&admin);
    let jobs = |keys: &(String, String), extra: &[(&str, &str)]| -> Vec<String> {
        let mut params = vec![("command", "listAsyncJobs")];
        params.extend_from_slice(extra);
        let (status, body) = call_as(&sim, keys, &params);
        assert_eq!(status, 200, "{body}");
        let mut ids: Vec<String> = body["listasyncjobsresponse"]["asyncjobs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|job| job["jobid"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(jobs(&alice, &[]), vec![alice_job.clone()]);
    assert_eq!(jobs(&gina, &[]), vec![gina_job.clone()]);
    // The root admin sees its own jobs, and everyone's with listall.
    assert!(jobs(&admin, &[]).contains(&admin_job));
    assert!(!jobs(&admin, &[]).contains(&alice_job));
    let all = jobs(&admin, &[("listall", "true")]);
    assert!([&alice_job, &gina_job, &admin_job]
        .iter()
        .all(|job| all.contains(job)));
    // A job shows the account and user who started it; a user may read
    // only its own account's (`queryJobResult`), the root admin any.
    let query = |keys: &(String, String), job: &str| {
        call_as(
            &sim,
            keys,
            &[("command", "queryAsyncJobResult"), ("jobid", job)],
        )
    };
    let (status, own) = query(&alice, &alice_job);
    assert_eq!(status, 200, "{own}");
    let own = &own["queryasyncjobresultresponse"];
    let (_, gina_view) = query(&admin, &gina_job);
    let gina_view = &gina_view["queryasyncjobresultresponse"];
    assert_ne!(own["accountid"], gina_view["accountid"]);
    assert_ne!(own["userid"], gina_view["userid"]);
    let (status, refused) = query(&alice, &gina_job);
    assert_eq!(status, 531, "{refused}");
    let refused = &refused["queryasyncjobresultresponse"];
    assert_eq!(refused["cserrorcode"], 4365);
    let text = refused["errortext"].as_str().unwrap();
    assert!(
        text.starts_with("Account alice is not authorized to see job id="),
        "{text}"
    );
}
