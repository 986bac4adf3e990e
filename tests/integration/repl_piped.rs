//! `csctl repl` with standard input from a pipe: no line editing, but the
//! same lines, results and errors, and end of input ends it with status 0.

use crate::support::Test;

#[test]
fn piped_lines_run_in_one_session() {
    let output = Test::new()
        .args(["repl", "--sim", "--sim-job-delay", "20ms"])
        .stdin(
            "listZones\n\
             let first = _.zone[0].name;\n\
             deployVirtualMachine name=x\n\
             first\n\
             :set output csv\n\
             listZones\n",
        )
        .any_stdout()
        .stderr(
            "\
csctl repl — connected to http://127.0.0.1:[..]/client/api (the embedded simulator); :help for \
help, Ctrl-D to quit
fetched 917 APIs from listApis
csctl: error: deployVirtualMachine failed: Unable to execute API command deployvirtualmachine due \
to missing parameter zoneid (HTTP 431, errorcode 431, cserrorcode 9999)
",
        )
        .run();
    let stdout = output.stdout;
    assert!(stdout.contains("\"count\": 2"), "{stdout}");
    assert!(stdout.contains("\"SimZone1\"\n"), "{stdout}");
    assert!(stdout.contains("id,name,"), "{stdout}");
}
