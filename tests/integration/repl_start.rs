//! Starting `csctl repl` against real endpoints (a test simulator): the
//! catalogue cache, history across sessions, profiles, and what happens when
//! the endpoint is unreachable or the credentials are wrong (the REPL starts
//! anyway and says what is wrong).

use std::path::Path;

use crate::repl_pty::{Repl, PLAIN_PROMPT};
use crate::support::sim::TestSim;

fn flags(sim: &TestSim) -> Vec<String> {
    vec![
        "repl".into(),
        "--endpoint".into(),
        sim.endpoint.clone(),
        "--api-key".into(),
        sim.api_key.clone(),
        "--secret-key".into(),
        sim.secret_key.clone(),
    ]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn cache_files(home: &Path) -> Vec<String> {
    std::fs::read_dir(home.join(".cache/csctl"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_unreachable_endpoint_still_gives_a_prompt() {
    let args = [
        "repl",
        "--endpoint",
        "http://127.0.0.1:1/client/api",
        "--api-key",
        "k",
        "--secret-key",
        "s",
    ];
    let mut repl = Repl::start(&args, PLAIN_PROMPT);
    let banner = repl.prompt();
    assert!(
        banner.contains("csctl: warning: cannot fetch the API catalogue"),
        "{banner}"
    );
    assert!(banner.contains("127.0.0.1:1"), "{banner}");
    let output = repl.run("6 * 7");
    assert!(output.contains("42"), "{output}");
    let output = repl.run("listZones");
    assert!(output.contains("csctl: error:"), "{output}");
    // Without any listApis, the built-in catalogue still helps and completes.
    let output = repl.run(":help createSSHKeyPair");
    assert!(
        output.contains("* name") && output.contains("Answer: an object under \"keypair\""),
        "{output}"
    );
    let output = repl.run("help list zones");
    assert!(output.contains("listZones"), "{output}");
    assert!(output.contains("a list under \"zone\""), "{output}");
    repl.typed("deployVirtualMachine serviceoff");
    repl.tab();
    repl.expect("serviceofferingid=");
    repl.control('c');
    repl.prompt();
    repl.quit_with_ctrl_d();
}

#[test]
fn the_catalogue_is_cached_and_history_kept_across_sessions() {
    let sim = TestSim::start();
    let args = flags(&sim);
    let mut repl = Repl::start(&strs(&args), PLAIN_PROMPT);
    let banner = repl.prompt();
    assert!(
        banner.contains("fetched") && banner.contains("cached in"),
        "{banner}"
    );
    let output = repl.run("listZones");
    assert!(output.contains("SimZone1"), "{output}");
    let home = repl.quit_with_ctrl_d();
    let files = cache_files(home.path());
    assert!(
        files.len() == 1 && files[0].starts_with("apis-") && files[0].ends_with(".json"),
        "{files:?}"
    );
    assert!(home.path().join(".local/share/csctl/history").is_file());

    // Second session: no fetch, completion from the cache, old history.
    let mut repl = Repl::start_in(home, &strs(&args), PLAIN_PROMPT);
    let banner = repl.prompt();
    assert!(
        !banner.contains("fetched") && !banner.contains("warning"),
        "{banner}"
    );
    repl.typed("listzo");
    repl.tab();
    repl.expect("listZones");
    repl.line("");
    repl.expect("SimZone1");
    repl.prompt();
    let output = repl.run(":history");
    assert!(output.contains("    1 listZones"), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn bad_credentials_are_reported_and_profiles_switch() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config/csctl");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.lab]\nendpoint = \"{0}\"\napi_key = \"{1}\"\nsecret_key = \"{2}\"\n\n\
             [profiles.broken]\nendpoint = \"{0}\"\napi_key = \"{1}\"\nsecret_key = \"wrong\"\n",
            sim.endpoint, sim.api_key, sim.secret_key
        ),
    )
    .unwrap();
    let mut repl = Repl::start_in(home, &["-p", "lab", "repl"], "csctl(lab)> ");
    let banner = repl.prompt();
    assert!(
        banner.contains("(profile lab)") && banner.contains("fetched"),
        "{banner}"
    );
    repl.run("let kept = 7;");
    let output = repl.run(":profile");
    assert!(
        output.contains("* lab") && output.contains("broken"),
        "{output}"
    );

    repl.set_prompt("csctl(broken)> ");
    let output = repl.run(":profile broken");
    assert!(
        output.contains("connected to") && output.contains("(profile broken)"),
        "{output}"
    );
    assert!(
        output.contains("cannot fetch the API catalogue") && output.contains("401"),
        "{output}"
    );
    // Variables survive the switch; calls now fail with the server's reason.
    let output = repl.run("kept * 6");
    assert!(output.contains("42"), "{output}");
    let output = repl.run("listZones");
    assert!(
        output.contains("csctl: error:") && output.contains("401"),
        "{output}"
    );
    let output = repl.run(":profile nosuch");
    assert!(output.contains("unknown profile `nosuch`"), "{output}");
    repl.quit_with_ctrl_d();
}
