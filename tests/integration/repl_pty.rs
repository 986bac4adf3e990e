//! Driving `csctl repl` through a pseudo-terminal (rexpect), as a user
//! would: typed lines, TAB, Ctrl-C, Ctrl-D. Escape codes are stripped from
//! what the tests read. Every expectation has an upper bound of a few
//! seconds; no test sleeps.

use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{spawn_with_options, Options, PtySession};
use tempfile::TempDir;

use crate::support::with_demo_ids;

/// How long one expectation may take at most.
const TIMEOUT_MS: u64 = 15_000;

/// The prompt with `--sim`.
pub const SIM_PROMPT: &str = "csctl(sim)> ";
/// The prompt without a profile.
pub const PLAIN_PROMPT: &str = "csctl> ";

/// A running `csctl repl` on a pseudo-terminal, with its own home.
pub struct Repl {
    session: PtySession,
    prompt: String,
    home: TempDir,
}

/// `csctl` with the environment of `support::csctl` (fresh home and XDG
/// directories, no CLOUDSTACK_/CSCTL_ variables, NO_COLOR) and a terminal type.
/// The terminal is made 250 columns wide first (rexpect's pty has no size,
/// which the line editor takes as 80), so that typed lines do not wrap: a
/// wrapped line is redrawn with its prompt, which a test would take for the
/// next prompt.
pub fn command(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("stty cols 250 rows 50 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_csctl"));
    crate::support::scrub_environment(&mut command, home);
    command
        .args(args)
        .env("TERM", "xterm")
        .env_remove("COLUMNS");
    command
}

impl Repl {
    /// Starts `csctl repl ARGS` in a new home and waits for `prompt`.
    pub fn start(args: &[&str], prompt: &str) -> Self {
        Self::start_in(tempfile::tempdir().expect("a temporary home"), args, prompt)
    }

    /// Starts `csctl repl ARGS --sim --sim-job-delay 20ms`.
    pub fn sim() -> Self {
        Self::start(&["repl", "--sim", "--sim-job-delay", "20ms"], SIM_PROMPT)
    }

    /// Starts in an existing home (to see its cache and history).
    pub fn start_in(home: TempDir, args: &[&str], prompt: &str) -> Self {
        let options = Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(true);
        let session = spawn_with_options(command(home.path(), args), options)
            .expect("csctl repl starts on a pty");
        let mut repl = Self {
            session,
            prompt: prompt.to_string(),
            home,
        };
        // rexpect reads bytes as Latin-1: expect ASCII only.
        repl.expect("connected to");
        repl
    }

    /// Expects `prompt` from now on (after `:profile NAME`).
    pub fn set_prompt(&mut self, prompt: &str) {
        self.prompt = prompt.to_string();
    }

    /// Reads until `text`; returns what came before it.
    pub fn expect(&mut self, text: &str) -> String {
        self.session
            .exp_string(text)
            .unwrap_or_else(|error| panic!("expected {text:?}: {error}"))
    }

    /// Reads until the next prompt; returns what came before it.
    pub fn prompt(&mut self) -> String {
        let prompt = self.prompt.clone();
        self.expect(&prompt)
    }

    /// Types `text` and Enter.
    pub fn line(&mut self, text: &str) {
        self.session.send(text).expect("typing");
        self.session.send("\r").expect("Enter");
        self.session.flush().expect("flush");
    }

    /// Types `text`, then Enter, and reads the output up to the next prompt.
    pub fn run(&mut self, text: &str) -> String {
        self.line(text);
        self.prompt()
    }

    /// Types `text` without Enter.
    pub fn typed(&mut self, text: &str) {
        self.session.send(text).expect("typing");
        self.session.flush().expect("flush");
    }

    /// Presses TAB.
    pub fn tab(&mut self) {
        self.typed("\t");
    }

    /// Presses Ctrl-`key`.
    pub fn control(&mut self, key: char) {
        self.session.send_control(key).expect("a control key");
    }

    /// Presses Ctrl-D and checks that the REPL ends with status 0.
    pub fn quit_with_ctrl_d(mut self) -> TempDir {
        self.control('d');
        self.finish()
    }

    /// Waits for the end and checks that the status is 0.
    pub fn finish(mut self) -> TempDir {
        self.session.exp_eof().expect("the REPL ends");
        match self.session.process().wait().expect("the exit status") {
            WaitStatus::Exited(_, 0) => {}
            other => panic!("csctl repl ended with {other:?}"),
        }
        self.home
    }
}

#[test]
fn a_shorthand_call_and_rhai_on_its_result() {
    let mut repl = Repl::sim();
    let banner = repl.prompt();
    assert!(
        banner.contains("fetched") && banner.contains("APIs from listApis"),
        "{banner}"
    );

    let output = repl.run("listZones");
    assert!(
        output.contains("\"SimZone1\"") && output.contains("\"count\": 2"),
        "{output}"
    );

    // `_` is the last call's result, for Rhai.
    let output = repl.run("_.zone[1].name");
    assert!(output.contains("\"SimZone2\""), "{output}");

    // Variables and functions stay defined from line to line.
    repl.run("let zones = _.zone.map(|z| z.name);");
    repl.run("fn twice(x) { x * 2 }");
    let output = repl.run("twice(zones.len())");
    assert!(output.contains('4'), "{output}");

    // A quoted value with a space.
    let output = repl.run("listZones name=\"no such zone\"");
    assert!(output.contains("{}"), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn unfinished_rhai_continues_on_the_next_line() {
    let mut repl = Repl::sim();
    repl.prompt();
    // An open map: Enter adds a line instead of running. (The editor
    // redraws the input with its prompt: wait for the result, not a prompt.)
    repl.line("let m = #{ a: 40,");
    repl.line("b: 2 }; m.a + m.b");
    repl.expect("42");
    repl.prompt();
    let output = repl.run("m.b");
    assert!(output.contains('2'), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn an_async_call_waits_for_its_job() {
    let mut repl = Repl::sim();
    repl.prompt();
    let output = repl.run(&with_demo_ids(
        "deployVirtualMachine zoneid={ZONE1} \
         serviceofferingid={M1_SMALL} \
         templateid={DEBIAN7} name=web-1",
    ));
    assert!(
        output.contains("\"virtualmachine\"") && output.contains("\"Running\""),
        "{output}"
    );
    let output = repl.run("_.virtualmachine.name");
    assert!(output.contains("\"web-1\""), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn errors_do_not_end_the_session() {
    let mut repl = Repl::sim();
    repl.prompt();
    // An API error.
    let output = repl.run("deployVirtualMachine name=x");
    assert!(
        output.contains("csctl: error:") && output.contains("zoneid"),
        "{output}"
    );
    // An unknown API (shaped like one).
    let output = repl.run("listNothings");
    assert!(
        output.contains("csctl: error:") && output.contains(":sync"),
        "{output}"
    );
    // A Rhai error, located.
    let output = repl.run("let y = nosuchvariable + 1;");
    assert!(
        output.contains("csctl: error:") && output.contains("nosuchvariable"),
        "{output}"
    );
    // A bad REPL command.
    let output = repl.run(":frobnicate");
    assert!(output.contains("unknown command `:frobnicate`"), "{output}");
    // Still alive.
    let output = repl.run("1 + 1");
    assert!(output.contains('2'), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn repl_commands_help_set_sync_and_quit() {
    let mut repl = Repl::sim();
    repl.prompt();
    let output = repl.run(":help");
    assert!(
        output.contains(":sync") && output.contains(":set output"),
        "{output}"
    );
    let output = repl.run(":help deployVirtualMachine");
    assert!(output.contains("deployVirtualMachine (async"), "{output}");
    assert!(
        output.contains("* zoneid") && output.contains("uuid"),
        "{output}"
    );
    let output = repl.run(":set output csv");
    assert!(!output.contains("error"), "{output}");
    let output = repl.run("listZones");
    assert!(
        output.contains("id,name") && output.contains("SimZone2"),
        "{output}"
    );
    let output = repl.run(":set output yaml");
    assert!(output.contains("unknown output format"), "{output}");
    let output = repl.run(":sync");
    assert!(output.contains("fetched"), "{output}");
    let output = repl.run(":vars");
    assert!(output.contains("_: map"), "{output}");
    repl.line(":quit");
    repl.finish();
}

#[test]
fn cmk_habits_resolve_through_the_catalogue() {
    let mut repl = Repl::sim();
    repl.prompt();
    let output = repl.run("list zones");
    assert!(
        output.contains("\"SimZone1\"") && output.contains("\"count\": 2"),
        "{output}"
    );
    let output = repl.run("list zone name=SimZone2");
    assert!(
        output.contains("\"SimZone2\"") && !output.contains("SimZone1"),
        "{output}"
    );
    let output = repl.run("LIST VirtualMachines state=Running");
    assert!(!output.contains("error"), "{output}");
    // A verb that is not an API name, then a noun: still Rhai when it is one.
    repl.run("let list = 3;");
    let output = repl.run("list * 2");
    assert!(output.contains('6'), "{output}");
    let output = repl.run("help deploy virtualmachine");
    assert!(output.contains("deployVirtualMachine (async"), "{output}");
    let output = repl.run("help");
    assert!(output.contains(":sync"), "{output}");
    repl.line("quit");
    repl.finish();
}

#[test]
fn exit_without_a_colon_leaves_unless_it_is_a_variable() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.run("let exit = 5;");
    let output = repl.run("exit");
    assert!(output.contains('5'), "{output}");
    repl.run("let exit = ();");
    repl.line(":quit");
    repl.finish();
}

#[test]
fn exit_without_a_colon_leaves() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.line("exit");
    repl.finish();
}
