//! csctl against a hostile or broken server (issue 11): redirects, endless
//! answers, absurd waits, echoed secrets, escape sequences, jobs that never
//! end. Each test asserts the clear message, the exit status, and that
//! nothing secret went where it should not.

use std::path::Path;

use serde_json::json;

use crate::support::csctl;
use crate::support::hostile::{api_answer, Hostile, Reply};

const API_KEY: &str = "hostile-api-key-AAAA";
const SECRET_KEY: &str = "hostile-secret-key-BBBB";
const PASSWORD: &str = "hostile-password-CCCC";

/// csctl with API-key flags pointed at `endpoint`.
fn keyed(home: &Path, endpoint: &str) -> assert_cmd::Command {
    let mut command = csctl(home);
    command.args([
        "--endpoint",
        endpoint,
        "--api-key",
        API_KEY,
        "--secret-key",
        SECRET_KEY,
    ]);
    command
}

/// A profile `login` (username and password) for `endpoint`, written in
/// `home`'s csctl config.
fn write_login_profile(home: &Path, endpoint: &str) {
    let dir = home.join(".config/csctl");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[profiles.login]\nendpoint = \"{endpoint}\"\nusername = \"admin\"\npassword = \"{PASSWORD}\"\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A server that answers everything with a valid empty zone list (and a
/// session to a login): what a credential thief would run.
fn thief() -> Hostile {
    Hostile::start(|seen| match seen.command().as_str() {
        "login" => api_answer(
            "login",
            json!({"sessionkey": "stolen", "username": "admin"}),
        ),
        command => api_answer(command, json!({"count": 0, "zone": []})),
    })
}

/// Asserts that no request `server` received holds a credential.
fn assert_no_credential(server: &Hostile) {
    for seen in server.seen() {
        let text = seen.text();
        for secret in [API_KEY, SECRET_KEY, PASSWORD, "signature=", "password="] {
            assert!(
                !text.contains(secret),
                "`{secret}` reached the other origin:\n{text}"
            );
        }
    }
}

#[test]
fn signed_requests_are_never_redirected_to_another_origin() {
    let home = tempfile::tempdir().unwrap();
    let thief = thief();
    for status in [301, 302, 303, 307, 308] {
        // Another port on the same host, and the same port under another
        // host name: both are other origins.
        let other_port = format!("http://127.0.0.1:{}/client/api", thief.addr.port());
        let endpoint_server = Hostile::start(move |_| Reply::Redirect(status, other_port.clone()));
        let other_host = format!(
            "http://localhost:{}/x?signature=echo",
            endpoint_server.addr.port()
        );
        let renamed = Hostile::start(move |_| Reply::Redirect(status, other_host.clone()));
        for (server, to) in [
            (
                &endpoint_server,
                format!("http://127.0.0.1:{}/client/api", thief.addr.port()),
            ),
            (
                &renamed,
                format!("http://localhost:{}/x", endpoint_server.addr.port()),
            ),
        ] {
            let output = keyed(home.path(), &server.endpoint)
                .args(["call", "listZones"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{status}: {stderr}");
            assert!(
                stderr.contains(&format!("redirected the request to {to}, another origin")),
                "{status}: {stderr}"
            );
            assert!(!stderr.contains("signature=echo"), "{stderr}");
            assert_eq!(server.seen().len(), 1, "a refused redirect is not retried");
        }
        // The renamed server pointed at the first endpoint server under
        // another name: it saw only its own request.
        assert_eq!(endpoint_server.seen().len(), 1);
    }
    assert!(thief.seen().is_empty(), "{:?}", thief.seen());
}

#[test]
fn a_password_login_is_never_redirected_to_another_origin() {
    let home = tempfile::tempdir().unwrap();
    let thief = thief();
    let to = format!("http://127.0.0.1:{}/client/api", thief.addr.port());
    let shown = to.clone();
    let server = Hostile::start(move |_| Reply::Redirect(307, to.clone()));
    write_login_profile(home.path(), &server.endpoint);
    let output = csctl(home.path())
        .args(["-p", "login", "call", "listZones"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "login: {} redirected the request to {shown}",
            server.endpoint
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    assert!(thief.seen().is_empty(), "{:?}", thief.seen());
    assert_no_credential(&thief);
}

#[test]
fn a_redirect_within_the_same_origin_is_followed() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|seen| {
        if seen.target.starts_with("/client/api") {
            Reply::Redirect(307, "/moved/api".into())
        } else {
            api_answer(
                &seen.command(),
                json!({"count": 1, "zone": [{"name": "z1"}]}),
            )
        }
    });
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("z1"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    // A 307 keeps the method and the body: the signed request reached the
    // same server twice, and nothing else.
    assert_eq!(seen[1].target, "/moved/api");
    assert_eq!(seen[1].param("apiKey").as_deref(), Some(API_KEY));
}

#[test]
fn endless_same_origin_redirects_stop() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(|_| Reply::Redirect(302, "/client/api".into()));
    let output = keyed(home.path(), &server.endpoint)
        .args(["call", "listZones", "--output", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("redirected the request too many times"),
        "{stderr}"
    );
    assert_eq!(server.seen().len(), 6, "not retried");
}
