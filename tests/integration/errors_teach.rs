//! Errors that teach: what a newcomer's mistakes print.

use crate::script_helpers::{project_dir, script, success};
use crate::support::sim::TestSim;
use crate::support::{against, csctl, serve_fixed, Test};

#[test]
fn a_misspelled_function_suggests_the_closest() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "typo.rhai",
        "let zones = lst_all(\"listZones\");\n",
    );
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path])
        .stderr(
            "\
csctl: error: [HOME]/typo.rhai:1:13: unknown function `lst_all`; did you mean `list_all`?
 1 | let zones = lst_all(\"listZones\");
   |             ^
",
        )
        .status(1)
        .run();
}

#[test]
fn a_known_function_with_wrong_arguments_lists_its_forms() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(home.path(), "arity.rhai", "list_all(1, 2, 3);\n");
    // The forms come in no fixed order.
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path])
        .stderr(
            "\
csctl: error: [HOME]/arity.rhai:1:1: `list_all` cannot be called as list_all(int, int, int); \
it takes: list_all([..])
 1 | list_all(1, 2, 3);
   | ^
",
        )
        .status(1)
        .run();
}

#[test]
fn a_scripts_own_throw_is_one_line_with_its_location() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "own.rhai",
        "let free = 0;\nif free == 0 { throw \"no free IP address left\"; }\n",
    );
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path])
        .stderr("csctl: error: [HOME]/own.rhai:2:16: no free IP address left\n")
        .status(1)
        .run();
}

#[test]
fn unread_arguments_are_warned_about_with_those_read() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let path = script(
        home.path(),
        "count.rhai",
        "let n = arg(\"count\", 1);\nlet p = arg(\"prefix\", \"node\");\nprint(`${n} ${p}`);\n",
    );
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path, "cout=5"])
        .stdout("1 node\n")
        .stderr(
            "csctl: warning: [HOME]/count.rhai never read the argument cout=5 (did you mean \
             count=?); it reads: count, prefix\n",
        )
        .run();
    // Arguments read through ARGS count as read, even in a branch not taken.
    let path = script(
        home.path(),
        "args.rhai",
        "if false { print(ARGS.hostname); }\nprint(\"ok\");\n",
    );
    Test::new()
        .home(home.path())
        .sim(&sim)
        .args(["run", &path, "hostname=web01"])
        .stdout("ok\n")
        .run();
}

#[test]
fn options_and_bare_words_suggest_name_equals_value() {
    Test::new()
        .current_dir(&project_dir())
        .args(["run", "--sim", "scripts/deploy_debian7.rhai"])
        .args(["--hostname", "web01"])
        .stderr(
            "csctl: error: `--hostname` is not an option of `csctl run`; script arguments are \
             written name=value: hostname=web01\n",
        )
        .status(2)
        .run();
    Test::new()
        .current_dir(&project_dir())
        .args(["run", "--sim", "scripts/deploy_debian7.rhai"])
        .args(["hostname", "web01"])
        .stderr(
            "csctl: error: script argument `hostname` is not name=value: write hostname=web01\n",
        )
        .status(2)
        .run();
}

#[test]
fn a_script_is_found_without_its_extension() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = crate::script_helpers::against(&sim, home.path())
        .args(["run", "scripts/inventory"])
        .output()
        .unwrap();
    let stdout = success(&output);
    assert!(stdout.contains("SimZone1"), "{stdout}");
}

#[test]
fn a_single_profile_needs_no_default_profile() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    crate::support::write_config(home.path(), &sim.profile("lab"));
    Test::new()
        .home(home.path())
        .args(["call", "listZones", "--fields", "name", "-o", "csv"])
        .stdout("name\nSimZone1\nSimZone2\n")
        .run();
}

#[test]
fn no_endpoint_suggests_sim() {
    // cli_errors::missing_credentials_name_every_place_looked_at spells
    // out the places.
    Test::new()
        .args(["call", "listZones"])
        .stderr(
            "csctl: error: no API endpoint configured; looked at: [..]
  hint: to try csctl without a cloud, add --sim (the embedded simulator), e.g. `csctl call \
             listZones --sim`\n",
        )
        .status(2)
        .run();
}

#[test]
fn sim_help_lists_only_its_options() {
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path()).args(["sim", "--help"]).output().unwrap();
    let help = success(&output);
    assert!(
        help.contains("--job-delay") && help.contains("--listen"),
        "{help}"
    );
    for other in [
        "--endpoint",
        "--profile",
        "--config",
        "--ca-bundle",
        "--insecure",
        "--method",
    ] {
        assert!(!help.contains(other), "{other} in\n{help}");
    }
}

#[test]
fn a_503_page_does_not_question_the_endpoint() {
    let endpoint = serve_fixed(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 45\r\nConnection: close\r\n\r\n<html><body>Service Unavailable</body></html>"
            .to_string(),
    );
    // A write is not retried: one answer is enough. No hint questions the
    // endpoint.
    Test::new()
        .endpoint(&endpoint)
        .args([
            "call",
            "createTags",
            "resourceids=x",
            "resourcetype=UserVm",
            "tags[0].key=a",
            "tags[0].value=b",
        ])
        .stderr(
            "\
csctl: error: createTags may or may not have been applied: createTags: the server answered HTTP 503 \
with text/html instead of JSON: <html><body>Service Unavailable</body></html>
  hint: the server, or a proxy in front of it, is unavailable or overloaded; try again later
  hint: it was not retried, since it changes state; check with the matching list command (e.g. \
listVirtualMachines or listAsyncJobs) before calling it again
",
        )
        .status(1)
        .run();
}

#[test]
fn repl_errors_name_what_was_typed() {
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .args(["repl", "--sim", "--sim-job-delay", "10ms"])
        .write_stdin(format!(
            "listZones\n_.zone.map(|z| z.name.lenn())\n_.zone.filter(|z| z.nope())\n\
             deployVirtualMachine zoneid={} serviceofferingid={} templateid={} name=web-1\n\
             _.virtualmachine.map(|v| v.name)\n",
            csctl::sim::demo::ZONE1,
            csctl::sim::demo::M1_SMALL,
            csctl::sim::demo::DEBIAN7
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("_last"), "{stderr}");
    assert!(
        stderr.contains("unknown function `lenn`; did you mean `len`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" | _.zone.map(|z| z.name.lenn())"),
        "{stderr}"
    );
    assert!(stderr.contains("in the closure given to `map`"), "{stderr}");
    assert!(
        stderr.contains("in the closure given to `filter`"),
        "{stderr}"
    );
    // The example: `map` on one VM (a map) is named as typed, with
    // the columns of what was typed.
    let last = stderr.split("csctl: error:").last().unwrap();
    assert!(
        last.contains(" | _.virtualmachine.map(|v| v.name)"),
        "{last}"
    );
    assert!(
        last.contains("in the closure given to `map` (on an object map"),
        "{last}"
    );
    assert!(last.contains(">:1:18"), "{last}");
    assert!(!last.contains("filter"), "{last}");
    let _ = against;
}
