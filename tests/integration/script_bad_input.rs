//! Bad input to scripts: one clear message, exit status 1, never a panic.

use crate::support::{write_script, Test};

/// Runs `source` as `[HOME]/bad.rhai` with `--sim`: it must fail with
/// status 1 and exactly `stderr`.
fn run_source(source: &str, stderr: &str) {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("bad.rhai");
    write_script(&script, source);
    Test::new()
        .home(home.path())
        .args(["run", "--sim", "--sim-job-delay", "10ms"])
        .arg(&script)
        .stderr(stderr)
        .status(1)
        .run();
}

#[test]
fn a_non_map_where_a_map_is_expected_says_so() {
    run_source(
        "api(\"listZones\", 5);\n",
        "\
csctl: error: [HOME]/bad.rhai:1:1: api: the arguments must be a map such as #{ zoneid: \"…\" }, not i64
 1 | api(\"listZones\", 5);
   | ^
",
    );
    run_source(
        "list_all(\"listZones\", [1, 2]);\n",
        "\
csctl: error: [HOME]/bad.rhai:1:1: list_all: the arguments must be a map such as #{ zoneid: \"…\" }, \
not array
 1 | list_all(\"listZones\", [1, 2]);
   | ^
",
    );
}

#[test]
fn a_nested_value_that_cannot_be_flattened_names_the_parameter() {
    run_source(
        "api(\"listZones\", #{ details: #{ a: #{ b: 1 } } });\n",
        "\
csctl: error: [HOME]/bad.rhai:1:1: api: parameter `details[0].a` cannot be sent: map fields must be \
plain values; CloudStack has no deeper nesting
 1 | api(\"listZones\", #{ details: #{ a: #{ b: 1 } } });
   | ^
",
    );
    run_source(
        "api(\"listZones\", #{ ids: [\"a\", #{ b: 1 }] });\n",
        "\
csctl: error: [HOME]/bad.rhai:1:1: api: parameter `ids` cannot be sent: a list must hold only plain \
values (joined with commas) or only maps (sent as name[i].field=value)
 1 | api(\"listZones\", #{ ids: [\"a\", #{ b: 1 }] });
   | ^
",
    );
}

#[test]
fn a_script_that_is_not_a_readable_file_is_reported() {
    let home = tempfile::tempdir().unwrap();
    // The OS's own words for reading a folder differ between systems.
    Test::new()
        .home(home.path())
        .args(["run", "--sim"])
        .arg(home.path())
        .stderr("csctl: error: cannot read script [HOME]: [..]\n")
        .status(1)
        .run();
}
