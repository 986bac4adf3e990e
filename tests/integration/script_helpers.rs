//! Helpers for the `csctl run` tests: running scripts through the binary
//! against a simulator, and reading the cloud's state back through the API.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::sim::TestSim;

pub use crate::support::{failure, success, texts};
pub use csctl::sim::demo::{DEBIAN7, M1_MEDIUM, M1_SMALL, NETWORK, ZONE1};

/// The project folder: scripts are run from there, named `scripts/…` as
/// the README does.
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `csctl` pointed at `sim`, run from the project folder.
pub fn against(sim: &TestSim, home: &Path) -> assert_cmd::Command {
    let mut command = crate::support::against(sim, home);
    command.current_dir(project_dir());
    command
}

/// Runs `script` (a path relative to the project folder, or absolute) with
/// `args` against `sim`.
pub fn run(sim: &TestSim, home: &Path, script: &str, args: &[&str]) -> Output {
    against(sim, home)
        .arg("run")
        .arg(script)
        .args(args)
        .output()
        .unwrap()
}

/// One API call through the binary, as JSON.
pub fn call(sim: &TestSim, home: &Path, command: &str, params: &[&str]) -> Value {
    let output = against(sim, home)
        .args(["call", command])
        .args(params)
        .output()
        .unwrap();
    let stdout = success(&output);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Every VM the account can see.
pub fn vms(sim: &TestSim, home: &Path) -> Vec<Value> {
    let answer = call(sim, home, "listVirtualMachines", &["listall=true", "--all"]);
    answer
        .get("virtualmachine")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The VMs not destroyed or being expunged.
pub fn live_vms(sim: &TestSim, home: &Path) -> Vec<Value> {
    vms(sim, home)
        .into_iter()
        .filter(|vm| {
            !matches!(
                vm["state"].as_str(),
                Some("Destroyed" | "Expunging" | "Expunged")
            )
        })
        .collect()
}

/// Writes a script into `dir` and returns its path as text.
pub fn script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    crate::support::write_script(&path, text);
    path.to_string_lossy().into_owned()
}
