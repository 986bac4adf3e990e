//! `csctl repl` with standard input from a pipe: no line editing, but the
//! same lines, results and errors, and end of input ends it with status 0.

use crate::support::csctl;

#[test]
fn piped_lines_run_in_one_session() {
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .args(["repl", "--sim", "--sim-job-delay", "20ms"])
        .write_stdin(
            "listZones\n\
             let first = _.zone[0].name;\n\
             deployVirtualMachine name=x\n\
             first\n\
             :set output csv\n\
             listZones\n",
        )
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("\"count\": 2"), "{stdout}");
    assert!(stdout.contains("\"SimZone1\"\n"), "{stdout}");
    assert!(stdout.contains("id,name,"), "{stdout}");
    assert!(
        stderr.contains("fetched") && stderr.contains("missing parameter zoneid"),
        "{stderr}"
    );
}
