//! Configuration end to end: profiles, environment, foreign configs and
//! password logins, through the real binary against the simulator.

use predicates::prelude::*;

use crate::support::sim::TestSim;
use crate::support::{csctl, write_config, write_private, Test};

#[test]
fn environment_variables_configure_a_call() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .env("CLOUDSTACK_ENDPOINT", &sim.endpoint)
        .env("CLOUDSTACK_KEY", &sim.api_key)
        .env("CLOUDSTACK_SECRET", &sim.secret_key)
        .args(["call", "listZones"])
        .assert()
        .success();
    csctl(home.path())
        .env("CLOUDSTACK_API_URL", &sim.endpoint)
        .env("CLOUDSTACK_API_KEY", &sim.api_key)
        .env("CLOUDSTACK_SECRET_KEY", &sim.secret_key)
        .args(["call", "listZones"])
        .assert()
        .success();
}

#[test]
fn flags_override_the_environment() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .env("CLOUDSTACK_ENDPOINT", &sim.endpoint)
        .env("CLOUDSTACK_KEY", &sim.api_key)
        .env("CLOUDSTACK_SECRET", "wrong-secret")
        .args(["--secret-key", &sim.secret_key, "call", "listZones"])
        .assert()
        .success();
}

#[test]
fn a_named_profile_of_the_own_config_file_is_used() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "[profiles.lab]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_key = \"{}\"\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    csctl(home.path())
        .args(["-p", "lab", "call", "listZones"])
        .assert()
        .success();
    csctl(home.path())
        .args(["-p", "nope", "call", "listZones"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope"))
        .stderr(predicate::str::contains("lab"));
}

#[test]
fn a_secret_command_supplies_the_secret() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "default_profile = \"lab\"\n[profiles.lab]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_command = \"echo {}\"\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    csctl(home.path())
        .args(["call", "listZones"])
        .assert()
        .success();
}

#[test]
fn a_cloudmonkey_profile_works_on_day_one() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_private(
        &home.path().join(".cmk/config"),
        &format!(
            "prompt = 🐵\nasyncblock = true\noutput = json\nprofile = lab\n\n[lab]\nurl = {}\napikey = {}\nsecretkey = {}\ntimeout = 1800\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    csctl(home.path())
        .args(["-p", "lab", "call", "listZones"])
        .assert()
        .success();
}

#[test]
fn a_cs_region_works_on_day_one() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_private(
        &home.path().join(".cloudstack.ini"),
        &format!(
            "[lab]\nendpoint = {}\nkey = {}\nsecret = {}\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    csctl(home.path())
        .current_dir(home.path())
        .args(["-p", "lab", "call", "listZones"])
        .assert()
        .success();
}

#[test]
fn a_password_login_opens_a_session() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "[profiles.admin]\nendpoint = \"{}\"\nusername = \"{}\"\npassword = \"{}\"\ndomain = \"/\"\n",
            sim.endpoint,
            csctl::sim::demo::USERNAME,
            csctl::sim::demo::PASSWORD
        ),
    );
    let output = csctl(home.path())
        .args(["-p", "admin", "-vv", "call", "listZones"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("command=login"), "{stderr}");
    assert!(
        !stderr.contains(csctl::sim::demo::PASSWORD),
        "password leaked: {stderr}"
    );
    assert!(stderr.contains("sessionkey=<redacted>"), "{stderr}");

    write_config(
        home.path(),
        &format!(
            "[profiles.admin]\nendpoint = \"{}\"\nusername = \"admin\"\npassword = \"wrong\"\n",
            sim.endpoint
        ),
    );
    Test::new()
        .home(home.path())
        .args(["-p", "admin", "call", "listZones"])
        .stderr(
            "csctl: error: login failed: Failed to authenticate user admin in domain 1; please \
             provide valid credentials (HTTP 531, errorcode 531)\n",
        )
        .status(1)
        .run();
}

#[test]
fn a_config_file_readable_by_others_gets_a_warning() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = write_config(
        home.path(),
        &format!(
            "default_profile = \"lab\"\n[profiles.lab]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_key = \"{}\"\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Test::new()
            .home(home.path())
            .args(["call", "listZones"])
            .any_stdout()
            .stderr(
                "csctl: warning: [HOME]/.config/csctl/config.toml is readable by other users and \
                 holds a secret; run chmod 600 [HOME]/.config/csctl/config.toml\n",
            )
            .run();
    }
}

#[test]
fn an_empty_or_broken_config_file_is_handled() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "");
    crate::support::against(&sim, home.path())
        .args(["call", "listZones"])
        .assert()
        .success();
    write_config(home.path(), "[profiles.lab\nendpoint = 1\n");
    Test::new()
        .home(home.path())
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: cannot parse config file [HOME]/.config/csctl/config.toml: line 1, \
             column 14: unclosed table, expected `]`\n",
        )
        .status(2)
        .run();
    Test::new()
        .home(home.path())
        .args(["--config", "/no/such/csctl.toml", "call", "listZones"])
        .stderr(
            "csctl: error: cannot read config file /no/such/csctl.toml: No such file or directory \
             (os error 2)\n",
        )
        .status(2)
        .run();
}

#[test]
fn a_sha512_profile_signs_with_hmac_sha512() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "[profiles.fips]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_key = \"{}\"\nsignature_algorithm = \"sha512\"\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    );
    csctl(home.path())
        .args(["-p", "fips", "call", "listZones"])
        .assert()
        .success();
    let signed = csctl(home.path())
        .args(["-p", "fips", "sign", "listZones"])
        .output()
        .unwrap();
    let query = String::from_utf8(signed.stdout).unwrap();
    let signature = query.trim().rsplit("signature=").next().unwrap();
    // 64 bytes of HMAC-SHA512 are 88 Base64 characters, escaped on the wire.
    let decoded = percent_encoding::percent_decode_str(signature)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded.len(), 88, "{query}");
}

#[test]
fn a_lost_session_is_renewed_by_logging_in_again() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "[profiles.admin]\nendpoint = \"{}\"\nusername = \"{}\"\npassword = \"{}\"\n",
            sim.endpoint,
            csctl::sim::demo::USERNAME,
            csctl::sim::demo::PASSWORD
        ),
    );
    let script = home.path().join("relogin.rhai");
    std::fs::write(
        &script,
        "print(api(\"listZones\").count);\napi(\"logout\");\nprint(api(\"listZones\").count);\n",
    )
    .unwrap();
    let output = csctl(home.path())
        .args(["-p", "admin", "-v", "run"])
        .arg(&script)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "2\n2\n");
    assert!(stderr.contains("logging in again"), "{stderr}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/client/api", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "default_profile = \"slow\"\n[profiles.slow]\nendpoint = \"{endpoint}\"\napi_key = \"k\"\nsecret_key = \"s\"\nretries = 0\n"
        ),
    );
    Test::new()
        .home(home.path())
        .redact(&endpoint, "[ENDPOINT]")
        .args(["--timeout", "0.3", "call", "listZones"])
        .stderr(
            "csctl: error: listZones: timed out talking to [ENDPOINT]: no complete answer within 300ms
  hint: raise the limit with --timeout SECONDS if the server is just slow\n",
        )
        .status(1)
        .run();
    // A state-changing call that timed out may have been applied.
    Test::new()
        .home(home.path())
        .redact(&endpoint, "[ENDPOINT]")
        .args([
            "--timeout",
            "0.3",
            "call",
            "deployVirtualMachine",
            "zoneid=z",
        ])
        .stderr(
            "\
csctl: error: deployVirtualMachine may or may not have been applied: deployVirtualMachine: timed \
out talking to [ENDPOINT]: no complete answer within 300ms
  hint: raise the limit with --timeout SECONDS if the server is just slow
  hint: it was not retried, since it changes state; check with the matching list command (e.g. \
listVirtualMachines or listAsyncJobs) before calling it again
",
        )
        .status(1)
        .run();
}
