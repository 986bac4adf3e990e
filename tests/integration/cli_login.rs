//! `csctl login`, `logout` and `keys` end to end against the simulator:
//! sessions kept private in the state folder and used by later calls,
//! two-factor codes, expiry, keys created, rotated and saved, and nothing
//! secret in `-vv` output or any file but the private ones.

use std::path::{Path, PathBuf};

use crate::sim_tenants::{account, domain};
use crate::support::sim::TestSim;
use crate::support::{csctl, failure, success, write_config};

/// A home with a profile `lab` that names the simulator's endpoint only,
/// and a state folder: (home, state folder).
fn setup(sim: &TestSim) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!("[profiles.lab]\nendpoint = \"{}\"\n", sim.endpoint),
    );
    let state = home.path().join("state");
    (home, state)
}

fn run(home: &Path, state: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    csctl(home)
        .env("CSCTL_STATE_DIR", state)
        // No Secret Service here, whatever the machine has: `keys --save`
        // takes its file fallback and never touches a real keyring.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/csctl-test-bus",
        )
        .args(["-p", "lab"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

fn session_files(state: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(state.join("sessions")) {
        Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir` that holds `needle`, with its mode.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
            {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_login_session_serves_later_calls_until_logout() {
    let sim = TestSim::start();
    let (home, state) = setup(&sim);
    let home = home.path();
    let login = run(
        home,
        &state,
        &["-vv", "login", "-u", "admin", "--password-stdin"],
        "password\n",
    );
    let out = success(&login);
    assert!(
        out.starts_with(&format!(
            "Logged in to {} as admin (account admin, domain /).",
            sim.endpoint
        )),
        "{out}"
    );
    let login_trace = String::from_utf8_lossy(&login.stderr).into_owned();
    assert!(login_trace.contains("command=login"), "{login_trace}");
    assert!(!login_trace.contains("=password"), "{login_trace}");
    let files = session_files(&state);
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&files[0]), 0o600);
        assert_eq!(mode(&state.join("sessions")), 0o700);
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let key = saved["sessionkey"].as_str().unwrap().to_string();
    assert!(!login_trace.contains(&key), "{login_trace}");
    // Later calls use the session, and -vv shows neither it nor the password.
    let output = run(home, &state, &["-vv", "call", "listZones"], "");
    let out = success(&output);
    assert!(out.contains("SimZone1"), "{out}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sessionkey"),
        "the trace names it: {stderr}"
    );
    assert!(!stderr.contains(&key), "{stderr}");
    assert!(!stderr.contains("password\n"));
    // Only the session file holds the key; nothing holds the password.
    assert_eq!(files_holding(home, &key), files);
    assert!(files_holding(home, "\"password\"").is_empty());
    // Logout ends it on the server and here.
    let out = success(&run(home, &state, &["logout"], ""));
    assert_eq!(out, format!("Logged out of {} (admin).\n", sim.endpoint));
    assert!(session_files(&state).is_empty());
    let err = failure(&run(home, &state, &["call", "listZones"], ""), 2);
    assert!(err.contains("no credentials configured"), "{err}");
    let out = success(&run(home, &state, &["logout"], ""));
    assert!(out.starts_with("Not logged in to"), "{out}");
}

#[test]
fn a_wrong_password_saves_nothing() {
    let sim = TestSim::start();
    let (home, state) = setup(&sim);
    let err = failure(
        &run(
            home.path(),
            &state,
            &["login", "-u", "admin", "--password-stdin"],
            "nope\n",
        ),
        1,
    );
    assert!(err.contains("Failed to authenticate user admin"), "{err}");
    assert!(!err.contains("nope"));
    assert!(session_files(&state).is_empty());
}

#[test]
fn an_expired_or_ended_session_says_how_to_log_in_again() {
    let sim = TestSim::start();
    let (home, state) = setup(&sim);
    let home = home.path();
    success(&run(
        home,
        &state,
        &["login", "-u", "admin", "--password-stdin"],
        "password\n",
    ));
    let file = session_files(&state).remove(0);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The server no longer knows it.
    saved["sessionkey"] = "ended-elsewhere".into();
    std::fs::write(&file, saved.to_string()).unwrap();
    let err = failure(&run(home, &state, &["call", "listZones"], ""), 1);
    assert!(
        err.contains("has ended (it expired, or was logged out); log in again with `csctl login`"),
        "{err}"
    );
    // Its time is up.
    saved["expires"] = 1.into();
    std::fs::write(&file, saved.to_string()).unwrap();
    let err = failure(&run(home, &state, &["call", "listZones"], ""), 2);
    assert_eq!(
        err,
        format!("csctl: error: the login session of `admin` at {} has expired; log in again: csctl -p lab login\n", sim.endpoint)
    );
    assert!(
        session_files(&state).is_empty(),
        "the expired session is deleted"
    );
}

#[test]
fn two_factor_login_takes_the_code() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    let bob = account(&sim, "bob", &acme, "0");
    let setup2fa = sim.api(
        "setupUserTwoFactorAuthentication",
        &[("userid", &bob), ("enable", "true")],
    );
    let secret = setup2fa["setup2fa"]["secretcode"].as_str().unwrap();
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret.to_string())
            .to_bytes()
            .unwrap(),
    );
    let (home, state) = setup(&sim);
    let home = home.path();
    let login = [
        "login",
        "-u",
        "bob",
        "--domain",
        "/acme",
        "--password-stdin",
    ];
    // Without a terminal, the code must be given.
    let err = failure(&run(home, &state, &login, "pw-bob\n"), 2);
    assert!(err.contains("give --code"), "{err}");
    let now = chrono::Utc::now().timestamp() as u64;
    for wrong in [totp.generate(now - 300), "000000".to_string()] {
        let mut args = login.to_vec();
        args.extend(["--code", &wrong]);
        let err = failure(&run(home, &state, &args, "pw-bob\n"), 1);
        assert!(
            err.contains("two-factor authentication code provided is invalid"),
            "{err}"
        );
        assert!(session_files(&state).is_empty());
    }
    let code = totp.generate(now);
    let mut args = login.to_vec();
    args.extend(["--code", &code]);
    let out = success(&run(home, &state, &args, "pw-bob\n"));
    assert!(out.contains("as bob (account bob, domain /acme)"), "{out}");
    success(&run(home, &state, &["call", "listZones"], ""));
    // A user's session cannot call an admin command.
    let err = failure(&run(home, &state, &["call", "listHosts"], ""), 1);
    assert!(err.contains("not available for user"), "{err}");
}

#[test]
fn keys_are_shown_created_rotated_and_saved() {
    let sim = TestSim::start();
    let acme = domain(&sim, "acme");
    account(&sim, "alice", &acme, "0");
    let (home, state) = setup(&sim);
    let home = home.path();
    success(&run(
        home,
        &state,
        &[
            "login",
            "-u",
            "alice",
            "--domain",
            "/acme",
            "--password-stdin",
        ],
        "pw-alice\n",
    ));
    let out = success(&run(home, &state, &["keys", "show"], ""));
    assert_eq!(
        out,
        "`alice` has no API keys; `csctl keys create` makes a pair.\n"
    );
    let out = success(&run(home, &state, &["keys", "create"], ""));
    assert!(
        out.contains("secret key: (hidden; --reveal prints it, --save stores it)"),
        "{out}"
    );
    let first_key = out
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches("api key:")
        .trim()
        .to_string();
    let err = failure(&run(home, &state, &["keys", "create"], ""), 2);
    assert!(
        err.contains("has API keys already; `csctl keys rotate` replaces them"),
        "{err}"
    );
    let out = success(&run(home, &state, &["keys", "show", "--reveal"], ""));
    assert!(out.contains(&first_key), "{out}");
    let secret = out
        .lines()
        .nth(2)
        .unwrap()
        .trim_start_matches("secret key:")
        .trim()
        .to_string();
    assert_eq!(secret.len(), 86, "{out}");
    let out = success(&run(home, &state, &["keys", "rotate", "--save"], ""));
    assert!(!out.contains(&first_key), "{out}");
    assert!(
        out.contains("saved:      api key in profile `lab`"),
        "{out}"
    );
    assert!(out.contains(" (0600)\n"), "{out}");
    assert!(
        out.contains("note:       no OS keyring is available ("),
        "{out}"
    );
    assert!(
        out.contains("so the secret key is in a private file instead"),
        "{out}"
    );
    // Saved: the profile names the key and the private secret file.
    let config = std::fs::read_to_string(home.join(".config/csctl/config.toml")).unwrap();
    assert!(config.contains("api_key = \""), "{config}");
    assert!(config.contains("secret_file = \""), "{config}");
    let secrets: Vec<PathBuf> = std::fs::read_dir(state.join("secrets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(secrets.len(), 1);
    #[cfg(unix)]
    {
        assert_eq!(mode(&secrets[0]), 0o600);
        assert_eq!(mode(&home.join(".config/csctl/config.toml")), 0o600);
    }
    let new_secret = std::fs::read_to_string(&secrets[0])
        .unwrap()
        .trim()
        .to_string();
    assert!(!out.contains(&new_secret), "{out}");
    assert!(!config.contains("secret_keyring"), "{config}");
    // Only the secret file holds the secret key.
    assert_eq!(files_holding(home, &new_secret), secrets);
    success(&run(home, &state, &["logout"], ""));
    // The profile now signs with alice's saved keys.
    success(&run(home, &state, &["call", "listZones"], ""));
    let err = failure(&run(home, &state, &["call", "listHosts"], ""), 1);
    assert!(err.contains("not available for user"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_config_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = write_config(home.path(), &sim.profile("lab"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
    let output = csctl(home.path())
        .args(["-p", "lab", "call", "listZones"])
        .output()
        .unwrap();
    let err = failure(&output, 2);
    assert_eq!(
        err,
        format!(
            "csctl: error: {p} can be changed by other users and holds a secret or a command csctl would run; refusing to use it\n  hint: chmod 600 {p}\n",
            p = path.display()
        )
    );
}

/// On a terminal, the login name is asked with echo and the password and
/// the two-factor code without.
#[cfg(unix)]
#[test]
fn on_a_terminal_the_password_is_asked_without_echo() {
    use rexpect::session::{spawn_with_options, Options};
    let sim = TestSim::start();
    let (home, state) = setup(&sim);
    let mut command = crate::repl_pty::command(home.path(), &["-p", "lab", "login"]);
    command.env("CSCTL_STATE_DIR", &state);
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(true);
    let mut session = spawn_with_options(command, options).expect("csctl login on a pty");
    session.exp_string("Username: ").unwrap();
    session.send_line("admin").unwrap();
    session.exp_string("Password: ").unwrap();
    session.send_line("password").unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("Logged in to"), "{rest}");
    assert!(
        !rest.contains("password"),
        "the password was echoed: {rest}"
    );
    assert_eq!(session_files(&state).len(), 1);
}
