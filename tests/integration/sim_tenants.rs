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
        assert_eq!(status, 431, "{body}");
    }
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
    assert!(list(&gina, &[("account", "alice"), ("domainid", &acme)]).is_empty());
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
