//! Completion in real interactive shells: bash, zsh and fish run on a
//! pseudo-terminal (a private tmux server), load `csctl completions
//! <shell>`, and are sent keys as a user types them, TAB included; the
//! screen is then read back. A shell (or tmux) that is not installed skips
//! its test with a note (`.ci/run` installs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{csctl, scrub_environment};

/// Whether `program` can be run.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("-c")
        .arg("exit 0")
        .output()
        .is_ok_and(|output| output.status.success())
        || Command::new(program)
            .arg("-V")
            .output()
            .is_ok_and(|output| output.status.success())
}

/// One interactive shell in a detached tmux session of its own server.
struct Tty {
    socket: PathBuf,
    /// Lines run so far (each prints its own marker).
    runs: std::cell::Cell<u32>,
}

impl Tty {
    /// Starts `shell` (argv) in `cwd`, with `home` as its scrubbed home and
    /// a `csctl` on its `PATH`.
    fn start(home: &Path, cwd: &Path, shell: &[&str]) -> Self {
        let bin = home.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let link = bin.join("csctl");
        if !link.exists() {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_csctl"), &link).unwrap();
        }
        let socket = home.join("tmux.sock");
        let mut tmux = Command::new("tmux");
        scrub_environment(&mut tmux, home);
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = tmux
            .env("PATH", path)
            .env("TERM", "xterm")
            .env_remove("TMUX")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "40",
            ])
            .arg("-c")
            .arg(cwd)
            .args(shell)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session");
        Self {
            socket,
            runs: std::cell::Cell::new(0),
        }
    }

    fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        command.arg("-S").arg(&self.socket);
        command
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-l", "--", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Presses keys by tmux's names (`Tab`, `Enter`, `C-u`).
    fn press(&self, keys: &[&str]) {
        let status = self.tmux().arg("send-keys").args(keys).status().unwrap();
        assert!(status.success());
    }

    /// The visible screen.
    fn screen(&self) -> String {
        let output = self.tmux().args(["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits (polling every 20 ms, at most 20 s) until the screen
    /// satisfies `done`; fails with the screen otherwise.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `line`, then waits for the marker `printf` prints after it
    /// (`done-N`, which the typed line itself does not show).
    fn run(&self, line: &str) {
        let count = self.runs.get() + 1;
        self.runs.set(count);
        self.type_text(&format!("{line}; printf '%s-%s\\n' done {count}"));
        self.press(&["Enter"]);
        let marker = format!("done-{count}");
        self.wait_for(line, |screen| screen.contains(&marker));
    }

    /// Types `line`, presses TAB `tabs` times, then types `Q` so the screen shows when
    /// the shell is done with TAB; returns the screen and clears the line.
    fn tab(&self, line: &str) -> String {
        self.tabs(line, 1)
    }

    /// [`Tty::tab`] with `tabs` presses (fish lists candidates on the second).
    fn tabs(&self, line: &str, tabs: usize) -> String {
        // A clear screen first, so only this line's candidates are read.
        self.press(&["C-l"]);
        self.wait_for("a clear screen", |screen| !screen.contains("csctl "));
        self.type_text(line);
        for _ in 0..tabs {
            self.press(&["Tab"]);
        }
        self.type_text("Q");
        let screen = self.wait_for("the line after TAB", |screen| {
            screen
                .lines()
                .any(|row| row.contains("csctl ") && row.contains('Q'))
        });
        // C-u, not C-c: a signal would overtake keys still queued.
        self.press(&["C-u"]);
        screen
    }

    /// Types `line`, presses TAB and waits until the screen lists every one
    /// of `wanted` (for a shell whose list goes away at the next key, as
    /// fish's pager does). The line is left as it is.
    fn listing(&self, line: &str, wanted: &[&str]) -> String {
        self.press(&["C-l"]);
        self.wait_for("a clear screen", |screen| !screen.contains("csctl "));
        self.type_text(line);
        self.press(&["Tab"]);
        self.wait_for("the candidates", |screen| {
            wanted.iter().all(|word| screen.contains(word))
        })
    }

    /// The last screen row with `csctl ` on it (the edited line).
    fn edited_line(screen: &str) -> String {
        screen
            .lines()
            .rev()
            .find(|row| row.contains("csctl ") && row.contains('Q'))
            .unwrap_or_default()
            .trim_end()
            .to_string()
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// A home with the completion script for `shell` written to it, and a
/// folder `my dir` holding a script.
fn prepared(shell: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let script = csctl(home.path())
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(script.status.success());
    let path = home.path().join(format!("csctl.{shell}"));
    std::fs::write(&path, &script.stdout).unwrap();
    std::fs::create_dir(home.path().join("my dir")).unwrap();
    std::fs::write(home.path().join("my dir/hello.rhai"), "print(1);\n").unwrap();
    (home, path)
}

fn skip_unless(programs: &[&str]) -> bool {
    for program in programs {
        if !installed(program) {
            crate::support::skip_note(&format!(
                "`{program}` is not installed (.ci/run installs it)"
            ));
            return false;
        }
    }
    true
}

#[test]
fn bash_completes_on_a_terminal() {
    if !skip_unless(&["tmux", "bash"]) {
        return;
    }
    let (home, script) = prepared("bash");
    let tty = Tty::start(
        home.path(),
        home.path(),
        &["bash", "--norc", "--noprofile", "-i"],
    );
    tty.run("PS1='$ '");
    tty.run(&format!(
        "bind 'set show-all-if-ambiguous on'; bind 'set bell-style none'; source '{}'",
        script.display()
    ));
    // A folder with a space stays one word.
    let screen = tty.tab("csctl run my");
    assert_eq!(
        Tty::edited_line(&screen),
        r"$ csctl run my\ dir/Q",
        "{screen}"
    );
    // API names, in any case; both candidates listed.
    let screen = tty.tab("csctl apis listzo");
    assert!(screen.contains("listZonesMetrics"), "{screen}");
    // A parameter completes with its `=`...
    let screen = tty.tab("csctl call listVirtualMachines zo");
    assert!(Tty::edited_line(&screen).ends_with("zoneid=Q"), "{screen}");
    // ...but not once it is on the line (bash split it at `=`).
    let screen = tty.tab("csctl call listVirtualMachines zoneid=x zo");
    assert!(Tty::edited_line(&screen).ends_with(" zoQ"), "{screen}");
    // The output formats.
    let screen = tty.tab("csctl call listZones -o ");
    for format in ["json", "jsonl", "table", "column", "csv"] {
        assert!(screen.contains(format), "{format}: {screen}");
    }
}

#[test]
fn zsh_completes_on_a_terminal() {
    if !skip_unless(&["tmux", "zsh"]) {
        return;
    }
    let (home, script) = prepared("zsh");
    let tty = Tty::start(home.path(), home.path(), &["zsh", "-f", "-i"]);
    tty.run("PS1='$ '");
    tty.run(&format!(
        "autoload -Uz compinit && compinit -u -D; setopt nobeep; source '{}'",
        script.display()
    ));
    let screen = tty.tab("csctl run my");
    assert!(
        Tty::edited_line(&screen).contains(r"csctl run my\ dir/"),
        "{screen}"
    );
    // The second TAB lists what the first could not choose between.
    let screen = tty.tabs("csctl apis listZo", 2);
    assert!(screen.contains("listZonesMetrics"), "{screen}");
    let screen = tty.tab("csctl call listVirtualMachines zo");
    assert!(Tty::edited_line(&screen).contains("zoneid="), "{screen}");
    let screen = tty.tab("csctl call listVirtualMachines zoneid=x zo");
    assert!(Tty::edited_line(&screen).ends_with(" zoQ"), "{screen}");
    let screen = tty.tabs("csctl call listZones -o ", 2);
    for format in ["jsonl", "table", "column", "csv"] {
        assert!(screen.contains(format), "{format}: {screen}");
    }
}

#[test]
fn fish_completes_on_a_terminal() {
    if !skip_unless(&["tmux", "fish"]) {
        return;
    }
    let (home, script) = prepared("fish");
    let tty = Tty::start(home.path(), home.path(), &["fish", "--no-config", "-i"]);
    tty.run("function fish_prompt; echo -n '$ '; end");
    tty.run(&format!("source '{}'", script.display()));
    let screen = tty.tab("csctl run my");
    assert!(
        Tty::edited_line(&screen).contains(r"csctl run my\ dir/"),
        "{screen}"
    );
    // API names in any case.
    let screen = tty.tab("csctl apis listzonesm");
    assert!(
        Tty::edited_line(&screen).contains("csctl apis listZonesMetrics"),
        "{screen}"
    );
    let screen = tty.tab("csctl call listVirtualMachines zo");
    assert!(Tty::edited_line(&screen).contains("zoneid="), "{screen}");
    let screen = tty.tab("csctl call listVirtualMachines zoneid=x zo");
    assert!(Tty::edited_line(&screen).ends_with(" zoQ"), "{screen}");
    // One TAB shows the pager of candidates.
    tty.listing(
        "csctl call listZones -o ",
        &["json", "jsonl", "table", "column", "csv"],
    );
}
