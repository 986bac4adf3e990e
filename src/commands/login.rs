//! `csctl login` and `csctl logout`: a session opened with a username,
//! password and, when the account needs one, a two-factor code, kept in the
//! state folder (see [`crate::sessions`]) for later calls of the profile.

use std::io::{BufRead as _, IsTerminal as _};

use csctl::client::{Client, ClientConfig, ClientError, Credentials, LoginSession};
use csctl::config::{self, Sources};

use crate::cli::{GlobalArgs, LoginArgs};
use crate::error::{write_stderr, Error};
use crate::sessions::{self, Saved};

/// The profile's endpoint and connection settings, whatever its
/// credentials (a login brings its own), and the profile's name.
pub fn endpoint_config(global: &GlobalArgs) -> Result<(ClientConfig, String), Error> {
    let mut overrides = super::overrides(global);
    // Placeholders so that resolution neither needs nor runs the profile's
    // credentials (its secret_command): the login replaces them.
    overrides.api_key = Some("csctl-login".into());
    overrides.secret_key = Some("csctl-login".into());
    let resolved = config::resolve(&overrides, &Sources::from_process())?;
    let profile = sessions::profile_name(resolved.profile_name.as_deref());
    Ok((resolved.client, profile))
}

/// The saved session of the profile, as the client's credentials; `None`
/// without one; an error when it has expired (saying how to log in again).
pub fn saved_session_config(global: &GlobalArgs) -> Result<Option<ClientConfig>, Error> {
    let (mut config, profile) = endpoint_config(global)?;
    let Some(saved) = sessions::load(&profile, &config.endpoint)? else {
        return Ok(None);
    };
    if saved.expires <= sessions::now() {
        sessions::delete(&profile, &config.endpoint)?;
        return Err(Error::Usage(format!(
            "the login session of `{}` at {} has expired; log in again: csctl{} login",
            saved.username,
            config.endpoint,
            sessions::profile_flag(&profile)
        )));
    }
    csctl::client::trace::remember_secret(&saved.sessionkey);
    csctl::client::trace::remember_secret(&saved.cookie);
    config.credentials = Credentials::Session {
        sessionkey: saved.sessionkey,
        cookie: saved.cookie,
    };
    Ok(Some(config))
}

/// A line the user types, echoed (the login name).
fn ask_line(prompt: &str) -> Result<String, Error> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Usage(
            "no terminal to ask the login name on: give --username".into(),
        ));
    }
    write_stderr(prompt);
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Io(format!("cannot read the login name: {e}")))?;
    Ok(line.trim().to_string())
}

/// A secret the user types, not echoed (on the terminal, not stdin).
fn ask_hidden(prompt: &str, flag: &str) -> Result<String, Error> {
    rpassword::prompt_password(prompt).map_err(|_| {
        Error::Usage(format!(
            "no terminal to ask for the {} on: give {flag}",
            prompt.trim_end_matches([':', ' '])
        ))
    })
}

/// The first line of stdin (`--password-stdin`), without its line end.
fn password_from_stdin() -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Io(format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(Error::Usage(
            "--password-stdin: stdin gave no password".into(),
        ));
    }
    Ok(password)
}

/// `csctl login`.
pub async fn login(global: &GlobalArgs, args: &LoginArgs) -> Result<(), Error> {
    let (config, profile) = endpoint_config(global)?;
    let endpoint = config.endpoint.clone();
    let client = Client::new(config)?;
    let username = match &args.username {
        Some(name) => name.clone(),
        None => ask_line("Username: ")?,
    };
    let password = if args.password_stdin {
        password_from_stdin()?
    } else {
        ask_hidden("Password: ", "--password-stdin")?
    };
    csctl::client::trace::remember_secret(&password);
    let session = client
        .open_session(&username, &password, &args.domain)
        .await?;
    drop(password);
    if let Some(provider) = &session.two_factor {
        let code = match &args.code {
            Some(code) => code.clone(),
            None => ask_hidden(&format!("Two-factor code ({provider}): "), "--code")?,
        };
        if let Err(error) = client.validate_two_factor(&session, &code).await {
            // An unverified session is of no use: end it.
            let _ = client
                .close_session(&session.sessionkey, &session.cookie)
                .await;
            return Err(error.into());
        }
    }
    let saved = saved_of(&session, &profile, &endpoint, &args.domain);
    let path = sessions::save(&saved)?;
    let until = chrono::DateTime::from_timestamp(saved.expires as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    super::print_stdout(&format!(
        "Logged in to {endpoint} as {} (account {}, domain {}).\nThe session is kept in {} until {until}; `csctl{} logout` ends it.\n",
        saved.username,
        saved.account,
        saved.domain,
        path.display(),
        sessions::profile_flag(&profile),
    ))
}

fn saved_of(session: &LoginSession, profile: &str, endpoint: &str, domain: &str) -> Saved {
    Saved {
        endpoint: endpoint.to_string(),
        profile: profile.to_string(),
        username: session.username.clone(),
        userid: session.userid.clone(),
        account: session.account.clone(),
        domain: domain.to_string(),
        sessionkey: session.sessionkey.clone(),
        cookie: session.cookie.clone(),
        expires: sessions::now() + session.timeout.as_secs(),
    }
}

/// `csctl logout`.
pub async fn logout(global: &GlobalArgs) -> Result<(), Error> {
    let (config, profile) = endpoint_config(global)?;
    let endpoint = config.endpoint.clone();
    let Some(saved) = sessions::load(&profile, &endpoint)? else {
        return super::print_stdout(&format!(
            "Not logged in to {endpoint}{}.\n",
            if profile == "default" {
                String::new()
            } else {
                format!(" (profile {profile})")
            }
        ));
    };
    csctl::client::trace::remember_secret(&saved.sessionkey);
    csctl::client::trace::remember_secret(&saved.cookie);
    let client = Client::new(config)?;
    let ended = client.close_session(&saved.sessionkey, &saved.cookie).await;
    sessions::delete(&profile, &endpoint)?;
    match ended {
        // The server had already ended it (expired, restarted).
        Ok(()) | Err(ClientError::Api(_)) => {}
        Err(error) => write_stderr(&format!(
            "csctl: warning: the server could not be told ({error}); the session was deleted here"
        )),
    }
    super::print_stdout(&format!("Logged out of {endpoint} ({}).\n", saved.username))
}

/// The saved session of the profile, for commands that need one (`keys`).
pub fn require_session(global: &GlobalArgs) -> Result<(ClientConfig, String, Saved), Error> {
    let (config, profile) = endpoint_config(global)?;
    let flag = sessions::profile_flag(&profile);
    let Some(saved) = sessions::load(&profile, &config.endpoint)? else {
        return Err(Error::Usage(format!(
            "not logged in to {}: log in first with `csctl{flag} login`",
            config.endpoint
        )));
    };
    if saved.expires <= sessions::now() {
        sessions::delete(&profile, &config.endpoint)?;
        return Err(Error::Usage(format!(
            "the login session of `{}` at {} has expired; log in again: csctl{flag} login",
            saved.username, config.endpoint
        )));
    }
    csctl::client::trace::remember_secret(&saved.sessionkey);
    csctl::client::trace::remember_secret(&saved.cookie);
    Ok((config, profile, saved))
}

/// `saved` as a [`LoginSession`] (for calls inside it).
pub fn login_session(saved: &Saved) -> LoginSession {
    LoginSession {
        sessionkey: saved.sessionkey.clone(),
        cookie: saved.cookie.clone(),
        userid: saved.userid.clone(),
        username: saved.username.clone(),
        account: saved.account.clone(),
        domainid: String::new(),
        timeout: std::time::Duration::from_secs(saved.expires.saturating_sub(sessions::now())),
        two_factor: None,
    }
}
