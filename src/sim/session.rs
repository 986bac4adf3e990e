//! Sessions (contract §3): `login` (POST only) opens one, setting the
//! `JSESSIONID` and `sessionkey` cookies; later calls carrying the
//! `JSESSIONID` cookie and the `sessionkey` parameter skip the signature;
//! `logout` closes it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method};
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::Serialize;

use super::cloud::Account;
use super::respond::{envelope, error_reply, ApiError, Reply, JSON_CONTENT_TYPE};
use super::state::tenants::Tenants;

/// Session inactivity timeout (`session.timeout`, 30 minutes), reported as `timeout`.
pub(crate) const SESSION_TIMEOUT: Duration = Duration::from_secs(1800);

struct Session {
    key: String,
    last_used: Instant,
    /// The logged-in user's uuid.
    user: String,
    /// Whether the two-factor code was validated (or none is needed).
    verified: bool,
}

/// Live sessions, by Jetty session id (the `JSESSIONID` value before `.`).
pub(crate) struct Sessions {
    inner: Mutex<(HashMap<String, Session>, StdRng)>,
}

/// What a request's cookies say about sessions.
pub(crate) enum SessionCheck {
    /// No live session: take the API-key path.
    None,
    /// A live session whose key matches: its user's uuid, and whether its
    /// two-factor code was validated (or none was needed).
    Valid { user: String, verified: bool },
    /// A live session, but the key is missing or wrong: the session is gone.
    Invalid,
}

impl Sessions {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ 0x5e55_10f5),
            None => StdRng::from_os_rng(),
        };
        Sessions {
            inner: Mutex::new((HashMap::new(), rng)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<String, Session>, StdRng)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `HttpUtils.validateSessionKey`: the `sessionkey` parameter is
    /// required; a `sessionkey` cookie, when sent, must match too.
    pub fn check(
        &self,
        headers: &HeaderMap,
        params: &[(String, String)],
        now: Instant,
    ) -> SessionCheck {
        let Some(id) =
            cookie(headers, "JSESSIONID").and_then(|value| value.split_once('.').map(|(id, _)| id))
        else {
            return SessionCheck::None;
        };
        let mut guard = self.lock();
        let sessions = &mut guard.0;
        let Some(session) = sessions.get_mut(id) else {
            return SessionCheck::None;
        };
        if now.duration_since(session.last_used) > SESSION_TIMEOUT {
            sessions.remove(id);
            return SessionCheck::None;
        }
        let param = params
            .iter()
            .find(|(k, _)| k == "sessionkey")
            .map(|(_, v)| v.as_str());
        let cookie_key = cookie(headers, "sessionkey");
        let matches = |key: &str| {
            use subtle::ConstantTimeEq;
            bool::from(key.as_bytes().ct_eq(session.key.as_bytes()))
        };
        if param.is_some_and(matches) && cookie_key.is_none_or(matches) {
            session.last_used = now;
            SessionCheck::Valid {
                user: session.user.clone(),
                verified: session.verified,
            }
        } else {
            sessions.remove(id);
            SessionCheck::Invalid
        }
    }

    /// Opens a session (closing the caller's previous one): (id, key).
    fn open(
        &self,
        previous: Option<&str>,
        now: Instant,
        user: &str,
        verified: bool,
    ) -> (String, String) {
        let mut guard = self.lock();
        let (sessions, rng) = &mut *guard;
        if let Some(previous) = previous {
            sessions.remove(previous);
        }
        let mut bytes = [0u8; 20];
        rng.fill_bytes(&mut bytes);
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        rng.fill_bytes(&mut bytes);
        let id = format!(
            "node0{}",
            bytes
                .iter()
                .map(|b| format!("{:02x}", b))
                .collect::<String>()
        );
        sessions.insert(
            id.clone(),
            Session {
                key: key.clone(),
                last_used: now,
                user: user.to_string(),
                verified,
            },
        );
        (id, key)
    }

    /// Marks the caller's session as having passed its two-factor check.
    fn mark_verified(&self, headers: &HeaderMap) {
        if let Some(id) = session_id(headers) {
            if let Some(session) = self.lock().0.get_mut(id) {
                session.verified = true;
            }
        }
    }

    /// Closes a session; whether it existed.
    fn close(&self, id: &str) -> bool {
        self.lock().0.remove(id).is_some()
    }
}

/// The value of a request cookie.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookies(headers).find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.trim(), value.trim().trim_matches('"')))
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, "JSESSIONID").map(|value| value.split_once('.').map_or(value, |(id, _)| id))
}

/// `LoginCmdResponse` as `ApiServer.loginUser` fills it.
#[derive(Serialize)]
struct LoginView<'a> {
    username: &'a str,
    userid: &'a str,
    domainid: &'a str,
    timeout: u64,
    account: &'a str,
    firstname: &'a str,
    lastname: &'a str,
    #[serde(rename = "type")]
    kind: String,
    registered: &'static str,
    sessionkey: &'a str,
    is2faenabled: &'static str,
    is2faverified: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    providerfor2fa: Option<&'static str>,
    issuerfor2fa: &'static str,
}

/// A bare-text answer of an authenticator (the servlet writes the
/// exception's message as the body).
fn bare(status: u16, text: &str) -> Reply {
    Reply::text(status, JSON_CONTENT_TYPE, text)
}

/// `login`: POST only, `username` + `password` (+ `domain` path or
/// `domainId`), checked against every user of the cloud. A user with a
/// TOTP secret gets a session that only the two-factor commands may use
/// until `validateUserTwoFactorAuthenticationCode` accepts a code.
pub(crate) fn login(
    sessions: &Sessions,
    account: &Account,
    tenants: &Tenants,
    method: &Method,
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Reply {
    if method != Method::POST {
        return bare(405, "Please use HTTP POST to authenticate using this API");
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let fail = |text: String| error_reply("loginresponse", &ApiError::new(531, None, text));
    let Some(username) = get("username") else {
        return fail("failed to authenticate user, check if username/password are correct".into());
    };
    let domain = if let Some(domain_id) = get("domainId").or_else(|| get("domainid")) {
        // The numeric id 1 is ROOT's.
        let found = if domain_id == "1" {
            tenants.domain(&account.domainid)
        } else {
            tenants.domain(domain_id)
        };
        match found {
            Some(domain) => domain,
            None => {
                return error_reply(
                    "loginresponse",
                    &ApiError::new(401, None, "Invalid domain id entered"),
                )
            }
        }
    } else {
        let given = get("domain").unwrap_or("/");
        match tenants.domain_by_path(given) {
            Some(domain) => domain,
            None => {
                let mut path = given.to_string();
                if !path.starts_with('/') {
                    path.insert(0, '/');
                }
                if !path.ends_with('/') {
                    path.push('/');
                }
                return fail(format!("Unable to find the domain from the path {path}"));
            }
        }
    };
    let password = get("password").unwrap_or("");
    let Some(user) = tenants.authenticate(username, password, &domain.id) else {
        return fail(format!(
            "Failed to authenticate user {username} in domain {}; please provide valid credentials",
            if domain.id == account.domainid {
                "1".to_string()
            } else {
                domain.id.clone()
            }
        ));
    };
    let provider = tenants.two_factor_provider(&user.id);
    let two_factor = provider.is_some();
    let (id, key) = sessions.open(session_id(headers), Instant::now(), &user.id, !two_factor);
    let (firstname, lastname) = if user.id == account.userid {
        (account.firstname.as_str(), account.lastname.as_str())
    } else {
        (user.username.as_str(), "")
    };
    let view = LoginView {
        username: &user.username,
        userid: &user.id,
        domainid: &user.domain_id,
        timeout: SESSION_TIMEOUT.as_secs(),
        account: &user.account,
        firstname,
        lastname,
        kind: user.role.account_type().to_string(),
        registered: "false",
        sessionkey: &key,
        is2faenabled: if two_factor { "true" } else { "false" },
        is2faverified: if two_factor { "false" } else { "true" },
        providerfor2fa: provider,
        issuerfor2fa: "CloudStack",
    };
    let mut reply = Reply::ok(envelope("loginresponse", &view));
    reply.headers.push((
        "set-cookie",
        format!("JSESSIONID={id}.node0; Path=/client; HttpOnly"),
    ));
    reply
        .headers
        .push(("set-cookie", format!("sessionkey={key}; HttpOnly")));
    reply
}

/// The commands a session may use before its two-factor code is validated.
pub(crate) const BEFORE_TWO_FACTOR: &[&str] = &[
    "validateUserTwoFactorAuthenticationCode",
    "listUserTwoFactorAuthenticatorProviders",
    "setupUserTwoFactorAuthentication",
];

/// The text of a call made before the two-factor code was validated.
pub(crate) const TWO_FACTOR_PENDING: &str = "Two factor authentication is pending for the user, please validate the code using validateUserTwoFactorAuthenticationCode API";

/// `validateUserTwoFactorAuthenticationCode codefor2fa=…`: the user's TOTP
/// code at this moment (one step either side); a wrong or expired code is
/// refused and the session stays unverified.
pub(crate) fn validate_two_factor(
    sessions: &Sessions,
    tenants: &mut Tenants,
    user: &str,
    headers: &HeaderMap,
    params: &[(String, String)],
    unix: u64,
) -> Reply {
    const KEY: &str = "validateusertwofactorauthenticationcoderesponse";
    let code = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("codefor2fa"))
        .map(|(_, v)| v.as_str());
    // `ValidateUserTwoFactorAuthenticationCodeCmd.authenticate`: an
    // account error before anything else.
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return error_reply(
            KEY,
            &ApiError::new(
                531,
                Some(9999),
                "Code for two factor authentication is required",
            ),
        );
    };
    if tenants.two_factor_provider(user).is_none() {
        return error_reply(
            KEY,
            &ApiError::new(
                530,
                Some(4250),
                "2FA is not enabled for the user, please setup 2FA using setupUserTwoFactorAuthentication API",
            ),
        );
    };
    if !tenants.two_factor_matches(user, code, unix) {
        // UNAUTHORIZED2FA (411) with `CloudTwoFactorAuthenticationException`'s
        // code; past the setup phase (the first check after
        // `setupUserTwoFactorAuthentication`) the session is invalidated.
        if tenants.two_factor_verified(user) {
            if let Some(id) = session_id(headers) {
                sessions.close(id);
            }
        }
        return error_reply(
            KEY,
            &ApiError::new(
                411,
                Some(4295),
                "two-factor authentication code provided is invalid",
            ),
        );
    }
    tenants.mark_two_factor_verified(user);
    sessions.mark_verified(headers);
    Reply::ok(envelope(
        KEY,
        &serde_json::json!({ "success": "true", "displaytext": "The code is valid" }),
    ))
}

/// `logout`: closes the caller's session and expires every cookie it sent.
pub(crate) fn logout(sessions: &Sessions, headers: &HeaderMap) -> Reply {
    let closed = session_id(headers).is_some_and(|id| sessions.close(id));
    if !closed {
        return bare(431, "Session not found for the logout process.");
    }
    #[derive(Serialize)]
    struct Logout {
        description: &'static str,
    }
    let mut reply = Reply::ok(envelope(
        "logoutresponse",
        &Logout {
            description: "success",
        },
    ));
    for (name, _) in cookies(headers) {
        reply
            .headers
            .push(("set-cookie", format!("{name}=; Max-Age=0")));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn login_ok(sessions: &Sessions) -> (String, String) {
        let account = Account::default();
        let params = vec![
            ("command".to_string(), "login".to_string()),
            ("username".to_string(), "admin".to_string()),
            ("password".to_string(), "password".to_string()),
        ];
        let reply = login(
            sessions,
            &account,
            &Tenants::new(&account),
            &Method::POST,
            &HeaderMap::new(),
            &params,
        );
        assert_eq!(reply.status, 200);
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        let key = body["loginresponse"]["sessionkey"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(key.len(), 27);
        let cookie = reply.headers[0]
            .1
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("JSESSIONID=")
            .to_string();
        (cookie, key)
    }

    #[test]
    fn a_session_needs_its_key() {
        let sessions = Sessions::new(Some(1));
        let (jsession, key) = login_ok(&sessions);
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            HeaderValue::from_str(&format!("JSESSIONID={jsession}; sessionkey={key}")).unwrap(),
        );
        let with_key = vec![("sessionkey".to_string(), key.clone())];
        assert!(matches!(
            sessions.check(&headers, &with_key, Instant::now()),
            SessionCheck::Valid { verified: true, .. }
        ));
        assert!(matches!(
            sessions.check(&headers, &[], Instant::now()),
            SessionCheck::Invalid
        ));
        // The failed check closed the session.
        assert!(matches!(
            sessions.check(&headers, &with_key, Instant::now()),
            SessionCheck::None
        ));
    }

    #[test]
    fn login_is_post_only_and_checks_the_password() {
        let sessions = Sessions::new(Some(1));
        let account = Account::default();
        let tenants = Tenants::new(&account);
        let reply = login(
            &sessions,
            &account,
            &tenants,
            &Method::GET,
            &HeaderMap::new(),
            &[],
        );
        assert_eq!(
            (reply.status, reply.body.as_slice()),
            (
                405,
                &b"Please use HTTP POST to authenticate using this API"[..]
            )
        );
        let params = vec![
            ("username".to_string(), "admin".to_string()),
            ("password".to_string(), "nope".to_string()),
        ];
        let reply = login(
            &sessions,
            &account,
            &tenants,
            &Method::POST,
            &HeaderMap::new(),
            &params,
        );
        assert_eq!(reply.status, 531);
        assert_eq!(
            std::str::from_utf8(&reply.body).unwrap(),
            r#"{"loginresponse":{"uuidList":[],"errorcode":531,"errortext":"Failed to authenticate user admin in domain 1; please provide valid credentials"}}"#
        );
    }
}
