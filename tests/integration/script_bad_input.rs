//! Bad input to scripts: one clear message, exit status 1, never a panic.

use predicates::prelude::*;

use crate::support::csctl;

fn run_source(source: &str) -> assert_cmd::assert::Assert {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("bad.rhai");
    std::fs::write(&script, source).unwrap();
    csctl(home.path())
        .args(["run", "--sim", "--sim-job-delay", "10ms"])
        .arg(&script)
        .assert()
}

#[test]
fn a_non_map_where_a_map_is_expected_says_so() {
    run_source("api(\"listZones\", 5);\n")
        .code(1)
        .stderr(predicate::str::contains(
            "api: the arguments must be a map such as #{ zoneid: \"…\" }, not i64",
        ))
        .stderr(predicate::str::contains("bad.rhai:1:1"))
        .stderr(predicate::str::contains("panicked").not());
    run_source("list_all(\"listZones\", [1, 2]);\n")
        .code(1)
        .stderr(predicate::str::contains(
            "list_all: the arguments must be a map",
        ));
}

#[test]
fn a_nested_value_that_cannot_be_flattened_names_the_parameter() {
    run_source("api(\"listZones\", #{ details: #{ a: #{ b: 1 } } });\n")
        .code(1)
        .stderr(predicate::str::contains(
            "parameter `details[0].a` cannot be sent: map fields must be plain values",
        ));
    run_source("api(\"listZones\", #{ ids: [\"a\", #{ b: 1 }] });\n")
        .code(1)
        .stderr(predicate::str::contains("parameter `ids` cannot be sent"));
}

#[test]
fn a_script_that_is_not_a_readable_file_is_reported() {
    let home = tempfile::tempdir().unwrap();
    csctl(home.path())
        .args(["run", "--sim"])
        .arg(home.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read script"))
        .stderr(predicate::str::contains("panicked").not());
}
