//! Ctrl-C in `csctl repl`: it stops the running call or wait and returns to
//! the prompt, or clears the line being typed; it never ends the REPL.
//! Ctrl-D does, with status 0.

use crate::repl_pty::{Repl, SIM_PROMPT};
use crate::support::with_demo_ids;

#[test]
fn ctrl_c_during_a_long_wait_returns_to_the_prompt() {
    // Jobs take 30 s: the test must not wait for one.
    let mut repl = Repl::start(&["repl", "--sim", "--sim-job-delay", "30s"], SIM_PROMPT);
    repl.prompt();
    repl.line(&with_demo_ids(
        "deployVirtualMachine zoneid={ZONE1} \
         serviceofferingid={M1_SMALL} \
         templateid={DEBIAN7}",
    ));
    repl.expect("waiting for job");
    repl.control('c');
    let output = repl.prompt();
    assert!(
        output.contains("interrupted") && output.contains("queryAsyncJobResult"),
        "{output}"
    );
    // The session goes on, and a Rhai loop is interrupted the same way.
    let output = repl.run("40 + 2");
    assert!(output.contains("42"), "{output}");
    repl.run("let n = 0;");
    // Ctrl-C only interrupts once the line runs (while typing, the editor
    // reads it as a key): wait for the loop to say it started.
    repl.line("print(\"looping\"); loop { n += 1; }");
    repl.expect("looping\r\n");
    repl.control('c');
    let output = repl.prompt();
    assert!(output.contains("interrupted"), "{output}");
    let output = repl.run("n > 0");
    assert!(output.contains("true"), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn ctrl_c_while_typing_clears_the_line() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.typed("listZones name=half-typed");
    repl.control('c');
    repl.prompt();
    let output = repl.run("2 + 3");
    assert!(
        output.contains('5') && !output.contains("SimZone"),
        "{output}"
    );
    repl.quit_with_ctrl_d();
}

#[test]
fn colon_quit_and_colon_exit_each_end_with_status_zero() {
    for command in [":quit", ":exit"] {
        let mut repl = Repl::sim();
        repl.prompt();
        repl.line(command);
        repl.finish();
    }
}
