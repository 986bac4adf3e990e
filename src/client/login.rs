//! Logging in by hand (`csctl login`, `logout`, `keys`): a session opened
//! with a username and password whatever the client's own credentials, its
//! two-factor check, calls inside it, and its end. Clients built with
//! [`super::Credentials::Session`] reuse such a session for every call.

use std::time::Duration;

use serde_json::Value;

use super::config::HttpMethod;
use super::error::ClientError;
use super::http::{Client, Session};
use super::params::Params;
use super::response;
use super::signed::Pair;

/// A session opened by [`Client::open_session`]: what the login answer
/// said, and what later calls carry.
#[derive(Clone)]
pub struct LoginSession {
    /// The session key (sent as `sessionkey`); never printed.
    pub sessionkey: String,
    /// The `Cookie` header value the server's cookies make; never printed.
    pub cookie: String,
    /// The user's uuid.
    pub userid: String,
    /// The login name.
    pub username: String,
    /// The user's account.
    pub account: String,
    /// The user's domain uuid.
    pub domainid: String,
    /// The server's inactivity timeout of the session.
    pub timeout: Duration,
    /// The two-factor provider (`totp`, `staticpin`) when the session needs
    /// a code before anything else ([`Client::validate_two_factor`]).
    pub two_factor: Option<String>,
}

impl std::fmt::Debug for LoginSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginSession")
            .field("username", &self.username)
            .field("userid", &self.userid)
            .field("account", &self.account)
            .field("domainid", &self.domainid)
            .field("timeout", &self.timeout)
            .field("two_factor", &self.two_factor)
            .finish_non_exhaustive()
    }
}

fn text(answer: &Value, name: &str) -> String {
    match answer.get(name) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

impl Client {
    /// `login` (always a POST) as `username` in the domain path `domain`.
    pub async fn open_session(
        &self,
        username: &str,
        password: &str,
        domain: &str,
    ) -> Result<LoginSession, ClientError> {
        super::trace::remember_secret(password);
        let pairs: Vec<Pair<'_>> = vec![
            ("command".into(), "login".into()),
            ("username".into(), username.into()),
            ("password".into(), password.into()),
            ("domain".into(), domain.into()),
            ("response".into(), "json".into()),
        ];
        let (answer, cookies) = self
            .exchange("login", HttpMethod::Post, &pairs, None, response::decode)
            .await?;
        let sessionkey = text(&answer, "sessionkey");
        if sessionkey.is_empty() {
            return Err(ClientError::MissingResponse {
                command: "login".into(),
                expected: "loginresponse.sessionkey".into(),
                found: "a login answer without a session key".into(),
            });
        }
        super::trace::remember_secret(&sessionkey);
        let two_factor = (text(&answer, "is2faenabled") == "true"
            && text(&answer, "is2faverified") != "true")
            .then(|| {
                let provider = text(&answer, "providerfor2fa");
                if provider.is_empty() {
                    "totp".to_string()
                } else {
                    provider
                }
            });
        let timeout = text(&answer, "timeout").parse::<u64>().unwrap_or(1800);
        let cookie = cookies.join("; ");
        super::trace::remember_secret(&cookie);
        Ok(LoginSession {
            sessionkey,
            cookie,
            userid: text(&answer, "userid"),
            username: text(&answer, "username"),
            account: text(&answer, "account"),
            domainid: text(&answer, "domainid"),
            timeout: Duration::from_secs(timeout),
            two_factor,
        })
    }

    /// One call inside `session` (its answer, unwrapped).
    pub async fn session_call(
        &self,
        session: &LoginSession,
        command: &str,
        params: &Params,
    ) -> Result<Value, ClientError> {
        let session = Session {
            sessionkey: session.sessionkey.clone(),
            cookie: session.cookie.clone(),
        };
        self.send_in_session(command, params, &session, response::decode)
            .await
    }

    /// `validateUserTwoFactorAuthenticationCode`: the code that completes a
    /// two-factor login.
    pub async fn validate_two_factor(
        &self,
        session: &LoginSession,
        code: &str,
    ) -> Result<(), ClientError> {
        let mut params = Params::new();
        params.set("codefor2fa", code.trim());
        self.session_call(session, "validateUserTwoFactorAuthenticationCode", &params)
            .await
            .map(|_| ())
    }

    /// `logout`: ends the session on the server.
    pub async fn close_session(&self, sessionkey: &str, cookie: &str) -> Result<(), ClientError> {
        let pairs: Vec<Pair<'_>> = vec![
            ("command".into(), "logout".into()),
            ("sessionkey".into(), sessionkey.into()),
            ("response".into(), "json".into()),
        ];
        self.exchange(
            "logout",
            HttpMethod::Post,
            &pairs,
            Some(cookie),
            response::decode,
        )
        .await
        .map(|_| ())
    }
}
