//! The simulator's authentication over real HTTP: every API-key failure of
//! the contract's §2.5 (exact 401 bodies), `~` signed the cs/cmk way, the
//! rate limit before the signature (§7), and sessions (§3).

use csctl::client::sign::{
    canonical_string, format_expires, sign, sign_canonical, SignatureAlgorithm,
};
use serde_json::{json, Value};

use crate::support::sim::{encode, TestSim};

const BAD: &str = "unable to verify user credentials and/or request signature";

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn future() -> String {
    format_expires(chrono::Utc::now() + chrono::Duration::minutes(5))
}

/// Signs exactly `params` (nothing added) with `secret` and sends it as a GET.
fn send_signed(sim: &TestSim, params: &[(&str, &str)], secret: &str) -> (u16, Value) {
    let mut all = owned(params);
    all.push((
        "signature".into(),
        sign(&all, secret, SignatureAlgorithm::Sha1),
    ));
    let response = sim.get_query(&encode(&all));
    assert_eq!(response.content_type, "application/json; charset=UTF-8");
    (response.status, response.json())
}

fn unauthorized(key: &str) -> Value {
    json!({ key: { "uuidList": [], "errorcode": 401, "errortext": BAD } })
}

#[test]
fn a_signed_get_and_a_signed_post_are_accepted() {
    let sim = TestSim::start();
    let (status, body) = sim.signed_get(&[("command", "listZones")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["listzonesresponse"]["count"], 2);
    let (status, body) = sim.signed_post(&[("command", "listZones"), ("name", "SimZone2")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["listzonesresponse"]["zone"][0]["name"], "SimZone2");
}

#[test]
fn every_api_key_failure_gets_the_same_401() {
    let sim = TestSim::start();
    let expires = future();
    let secret = sim.secret_key.as_str();
    let cases = [
        ("missing expires", None, secret),
        ("unparsable expires", Some("next tuesday"), secret),
        (
            "expires without offset",
            Some("2999-01-01T00:00:00"),
            secret,
        ),
        ("past expires", Some("2020-01-01T00:00:00+0000"), secret),
        ("wrong secret", Some(expires.as_str()), "wrong"),
    ];
    for (what, expires, secret) in cases {
        let mut params = vec![
            ("command", "listZones"),
            ("apiKey", sim.api_key.as_str()),
            ("response", "json"),
            ("signatureVersion", "3"),
        ];
        params.extend(expires.map(|at| ("expires", at)));
        let (status, body) = send_signed(&sim, &params, secret);
        assert_eq!(
            (status, body),
            (401, unauthorized("listzonesresponse")),
            "{what}"
        );
    }

    // Unknown key, correctly signed with some secret.
    let (status, body) = send_signed(
        &sim,
        &[
            ("command", "listZones"),
            ("apiKey", "nobody"),
            ("signatureVersion", "3"),
            ("expires", &expires),
        ],
        &sim.secret_key,
    );
    assert_eq!(
        (status, body),
        (401, unauthorized("listzonesresponse")),
        "unknown key"
    );

    // No signature, no apiKey.
    let unsigned = encode(&owned(&[
        ("command", "listZones"),
        ("apiKey", &sim.api_key),
        ("response", "json"),
    ]));
    let response = sim.get_query(&unsigned);
    assert_eq!(
        (response.status, response.json()),
        (401, unauthorized("listzonesresponse")),
        "no signature"
    );
    let mut no_key = owned(&[("command", "listZones"), ("response", "json")]);
    no_key.push((
        "signature".into(),
        sign(&no_key, &sim.secret_key, SignatureAlgorithm::Sha1),
    ));
    let response = sim.get_query(&encode(&no_key));
    assert_eq!(
        (response.status, response.json()),
        (401, unauthorized("listzonesresponse")),
        "no apiKey"
    );

    // Unknown or absent command: `errorresponse`, even when well signed.
    let (status, body) = sim.signed_get(&[("command", "listUnicorns")]);
    assert_eq!(
        (status, body),
        (401, unauthorized("errorresponse")),
        "unknown command"
    );
    let (status, body) = sim.signed_get(&[("zoneid", "x")]);
    assert_eq!(
        (status, body),
        (401, unauthorized("errorresponse")),
        "no command"
    );
    // Command names are case-sensitive, as the server's command map is.
    let (status, body) = sim.signed_get(&[("command", "listzones")]);
    assert_eq!(
        (status, body),
        (401, unauthorized("errorresponse")),
        "lower-case command"
    );

    assert!(sim.stats().rejected_auth >= 11);
}

#[test]
fn legacy_requests_without_signature_version_are_accepted() {
    let sim = TestSim::start();
    let (status, body) = send_signed(
        &sim,
        &[
            ("apiKey", &sim.api_key),
            ("command", "listZones"),
            ("response", "json"),
        ],
        &sim.secret_key,
    );
    assert_eq!(status, 200, "{body}");
    // `expires` is not checked without signatureVersion=3, but it is signed.
    let (status, _) = send_signed(
        &sim,
        &[
            ("apiKey", &sim.api_key),
            ("command", "listZones"),
            ("expires", "garbage"),
        ],
        &sim.secret_key,
    );
    assert_eq!(status, 200);
}

#[test]
fn every_expires_format_of_the_server_is_accepted() {
    let sim = TestSim::start();
    let at = chrono::Utc::now() + chrono::Duration::minutes(5);
    for expires in [
        at.format("%Y-%m-%dT%H:%M:%S+0000").to_string(),
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
    ] {
        let (status, body) = sim.signed_get(&[("command", "listZones"), ("expires", &expires)]);
        assert_eq!(status, 200, "{expires}: {body}");
    }
}

#[test]
fn a_tilde_signed_the_cs_way_is_rejected_and_the_java_way_accepted() {
    let sim = TestSim::start();
    let expires = future();
    let params = owned(&[
        ("apiKey", &sim.api_key),
        ("command", "listVirtualMachines"),
        ("response", "json"),
        ("keyword", "vm~1"),
        ("signatureVersion", "3"),
        ("expires", &expires),
    ]);
    // cs, cmk and cloudstack-go leave `~` raw where Java's URLEncoder writes %7E.
    let canonical = canonical_string(&params);
    assert!(canonical.contains("vm%7e1"));
    let like_cs = sign_canonical(
        &canonical.replace("%7e", "~"),
        &sim.secret_key,
        SignatureAlgorithm::Sha1,
    );
    let mut wrong = params.clone();
    wrong.push(("signature".into(), like_cs));
    let response = sim.get_query(&encode(&wrong));
    assert_eq!(
        (response.status, response.json()),
        (401, unauthorized("listvirtualmachinesresponse"))
    );

    let (status, body) = sim.signed_get(&[
        ("command", "listVirtualMachines"),
        ("keyword", "a b~c*d!e'(f)+g/h=é"),
    ]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn hmac_sha512_signatures_are_accepted_too() {
    let sim = TestSim::start();
    let mut params = owned(&[
        ("apiKey", &sim.api_key),
        ("command", "listZones"),
        ("signatureVersion", "3"),
        ("expires", &future()),
    ]);
    params.push((
        "signature".into(),
        sign(&params, &sim.secret_key, SignatureAlgorithm::Sha512),
    ));
    assert_eq!(sim.get_query(&encode(&params)).status, 200);
}

#[test]
fn the_query_string_wins_over_the_form_body() {
    let sim = TestSim::start();
    // Signed with name=SimZone1 in the body; the query string says otherwise,
    // and the server verifies what it merged (query wins).
    let body = encode(&sim.signed_params(&[("command", "listZones"), ("name", "SimZone1")]));
    let response = sim.post_form(Some("name=SimZone2"), &body, None);
    assert_eq!(response.status, 401);
    // Signing the merged view works: the body's duplicate loses.
    let query = encode(&sim.signed_params(&[("command", "listZones"), ("name", "SimZone2")]));
    let response = sim.post_form(Some(&query), "name=SimZone1", None);
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["listzonesresponse"]["zone"][0]["name"],
        "SimZone2"
    );
}

#[test]
fn the_rate_limit_answers_429_before_the_signature_is_checked() {
    let sim = TestSim::start_with(|config| config.rate_limit = Some(3));
    for _ in 0..3 {
        assert_eq!(sim.signed_get(&[("command", "listZones")]).0, 200);
    }
    // Over the limit: 429 even with a wrong signature…
    let mut params = sim.signed_params(&[("command", "listZones")]);
    params.last_mut().unwrap().1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let response = sim.get_query(&encode(&params));
    assert_eq!(response.status, 429);
    let body = response.json();
    let error = &body["listzonesresponse"];
    assert_eq!(error["errorcode"], 429);
    assert_eq!(error["cserrorcode"], 9999);
    assert_eq!(error["uuidList"], json!([]));
    let text = error["errortext"].as_str().unwrap();
    let prefix = "The given user has reached his/her account api limit, please retry after [";
    assert!(
        text.starts_with(prefix) && text.ends_with("] ms."),
        "{text}"
    );
    let ms: u64 = text[prefix.len()..text.len() - "] ms.".len()]
        .parse()
        .unwrap();
    assert!((1..=1000).contains(&ms), "{ms}");
    // …but an unknown key is still a 401: the key is looked up first.
    let (status, _) = send_signed(
        &sim,
        &[
            ("command", "listZones"),
            ("apiKey", "nobody"),
            ("signatureVersion", "3"),
            ("expires", &future()),
        ],
        &sim.secret_key,
    );
    assert_eq!(status, 401);
    assert!(sim.stats().throttled >= 1);
}

fn login(sim: &TestSim) -> (String, String, Value) {
    let response = sim.post_form(
        None,
        "command=login&username=admin&password=password&domain=%2F&response=json",
        None,
    );
    assert_eq!(response.status, 200, "{}", response.body);
    let jsession = response
        .set_cookies
        .iter()
        .find(|c| c.starts_with("JSESSIONID="))
        .expect("a JSESSIONID cookie")
        .clone();
    assert!(
        jsession.contains("; Path=/client") && jsession.contains("HttpOnly"),
        "{jsession}"
    );
    let jsession = jsession.split(';').next().unwrap().to_string();
    assert!(jsession.ends_with(".node0"), "{jsession}");
    let body = response.json();
    let key = body["loginresponse"]["sessionkey"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(response
        .set_cookies
        .iter()
        .any(|c| c.starts_with(&format!("sessionkey={key}"))));
    (jsession, key, body)
}

#[test]
fn login_opens_a_session_shaped_like_the_capture() {
    let sim = TestSim::start();
    let (_, key, body) = login(&sim);
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::support::shared_dir().join("fixtures/cloudstack-go/AuthenticationService.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let captured = fixture["login"]["loginresponse"].as_object().unwrap();
    let ours = body["loginresponse"].as_object().unwrap();
    for (name, value) in captured {
        if name == "timezone" || name == "timezoneoffset" {
            continue; // only for users with a time zone set
        }
        let mine = ours
            .get(name)
            .unwrap_or_else(|| panic!("login lacks {name}: {body}"));
        assert_eq!(
            std::mem::discriminant(mine),
            std::mem::discriminant(value),
            "{name} has another JSON type"
        );
    }
    assert_eq!(ours["timeout"], 1800);
    assert_eq!(ours["type"], "1");
    assert_eq!(key.len(), 27);
}

#[test]
fn a_session_replaces_the_signature_until_logout() {
    let sim = TestSim::start();
    let (jsession, key, _) = login(&sim);
    let cookies = format!("{jsession}; sessionkey={key}");
    let call = |body: &str, cookies: &str| sim.post_form(None, body, Some(cookies));

    let response = call(
        &format!("command=listZones&response=json&sessionkey={key}"),
        &cookies,
    );
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["listzonesresponse"]["count"], 2);

    // Only the cookie and the parameter: fine without the sessionkey cookie.
    let response = call(&format!("command=listZones&sessionkey={key}"), &jsession);
    assert_eq!(response.status, 200);

    // An unknown command on the session path is a 432.
    let response = call(&format!("command=listUnicorns&sessionkey={key}"), &cookies);
    assert_eq!(response.status, 432);
    assert_eq!(
        response.json(),
        json!({"errorresponse": {"uuidList": [], "errorcode": 432, "cserrorcode": 9999,
            "errortext": "Unknown API command: listUnicorns"}})
    );

    // logout ends it and expires the cookies.
    let response = call("command=logout&response=json", &cookies);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"logoutresponse": {"description": "success"}})
    );
    assert!(response
        .set_cookies
        .iter()
        .any(|c| c.starts_with("JSESSIONID=;") && c.contains("Max-Age=0")));
    let response = call(&format!("command=listZones&sessionkey={key}"), &cookies);
    assert_eq!(
        (response.status, response.json()),
        (401, unauthorized("listzonesresponse"))
    );
    // A second logout finds no session.
    let response = call("command=logout", &cookies);
    assert_eq!(
        (response.status, response.body.as_str()),
        (431, "Session not found for the logout process.")
    );
}

#[test]
fn a_wrong_session_key_ends_the_session() {
    let sim = TestSim::start();
    let (jsession, key, _) = login(&sim);
    let response = sim.post_form(None, "command=listZones&sessionkey=forged", Some(&jsession));
    assert_eq!(response.status, 401);
    assert_eq!(
        response.json(),
        json!({"listzonesresponse": {"uuidList": [], "errorcode": 401, "errortext": "unable to verify user credentials"}})
    );
    // The session is gone: the right key no longer helps.
    let response = sim.post_form(
        None,
        &format!("command=listZones&sessionkey={key}"),
        Some(&jsession),
    );
    assert_eq!(
        (response.status, response.json()),
        (401, unauthorized("listzonesresponse"))
    );
}

#[test]
fn login_is_post_only_and_fails_with_531() {
    let sim = TestSim::start();
    let response = sim.get_query("command=login&username=admin&password=password&response=json");
    assert_eq!(
        (response.status, response.body.as_str()),
        (405, "Please use HTTP POST to authenticate using this API")
    );
    let response = sim.post_form(
        None,
        "command=login&username=admin&password=nope&response=json",
        None,
    );
    assert_eq!(response.status, 531);
    assert_eq!(
        response.json(),
        json!({"loginresponse": {"uuidList": [], "errorcode": 531,
            "errortext": "Failed to authenticate user admin in domain 1; please provide valid credentials"}})
    );
    let response = sim.post_form(
        None,
        "command=login&username=admin&password=password&domain=/sub/",
        None,
    );
    assert_eq!(response.status, 531);
    assert_eq!(
        response.json()["loginresponse"]["errortext"],
        "Unable to find the domain from the path /sub/"
    );
}

#[test]
fn other_methods_and_paths_are_refused() {
    let sim = TestSim::start();
    let client = reqwest::blocking::Client::new();
    let response = client.delete(&sim.endpoint).send().unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let response = client
        .get(sim.endpoint.replace("/client/api", "/client/other"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
