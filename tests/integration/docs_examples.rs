//! The fenced examples of README.md and docs/ run as shown, against the
//! simulator.
//!
//! What a block's info string means:
//!
//! - `sh`: a shell session. The whole block runs as one `sh -e` script in
//!   the project folder, with `csctl` on the `PATH` and a configuration
//!   whose profile `prod` (the default) is a simulator; every command must
//!   succeed.
//! - `rhai`: Rhai typed into one session per document (`csctl repl`), in
//!   the order of the document: later blocks see earlier blocks' variables.
//!   `rhai as=PATH` runs the block alone as the script file PATH (for
//!   `import`s that resolve relative to it).
//! - `text repl`: a REPL transcript. Its inputs (after `csctl(sim)> `) are
//!   fed to `csctl repl --sim` at 80 columns, which must print the errors
//!   the transcript shows and no other, and its tables line for line.
//! - `toml csctl-config`: a csctl configuration file, which must load
//!   (parsed and checked, no secret command run).
//! - `no-run` after the language: shown, never run (placeholders, servers
//!   that run until Ctrl-C, other machines). Other languages (`text`,
//!   `toml`, `json`, `rust`, …) are output, files or code, not run here.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use csctl::client::{Client, ClientConfig, Credentials};
use csctl::script::ScriptHost;

use crate::support::sim::TestSim;
use crate::support::{csctl, scrub_environment};

/// One fenced block.
#[derive(Debug)]
struct Block {
    file: PathBuf,
    line: usize,
    language: String,
    attributes: Vec<String>,
    text: String,
}

impl Block {
    fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a == attribute)
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
    }

    fn place(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
}

fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file of docs/.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![project_dir().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(project_dir().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The fenced blocks of a Markdown file (``` fences, not indented).
fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    // The indentation of the open fence (a block inside a list item).
    let mut indent = 0;
    for (at, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                indent = line.len() - line.trim_start().len();
                let mut words = info.split_whitespace().map(str::to_string);
                open = Some(Block {
                    file: path
                        .strip_prefix(project_dir())
                        .unwrap_or(path)
                        .to_path_buf(),
                    line: at + 1,
                    language: words.next().unwrap_or_default(),
                    attributes: words.collect(),
                    text: String::new(),
                });
            }
            (Some(_), Some(_)) => found.extend(open.take()),
            (Some(block), None) => {
                let content = if line.len() >= indent && line[..indent].trim().is_empty() {
                    &line[indent..]
                } else {
                    line.trim_start()
                };
                block.text.push_str(content);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    found
}

/// A home whose csctl configuration has the default profile `prod`,
/// pointing at `sim`.
fn home_for(sim: &TestSim) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    crate::support::write_config(
        home.path(),
        &format!("default_profile = \"prod\"\n\n{}", sim.profile("prod")),
    );
    home
}

/// A working folder for shell examples: the project's folders (`scripts/`…)
/// linked in, so that files an example writes (`csctl snapshot -o
/// mycloud.json`) land in a scratch folder, not in the source tree.
#[cfg(unix)]
fn shell_workdir() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(project_dir()).unwrap().flatten() {
        let name = entry.file_name();
        if entry.path().is_dir() && name != "target" && name != ".git" {
            std::os::unix::fs::symlink(entry.path(), work.path().join(&name)).unwrap();
        }
    }
    work
}

fn run_shell(block: &Block) {
    let sim = TestSim::start();
    let home = home_for(&sim);
    #[cfg(unix)]
    let work = shell_workdir();
    #[cfg(unix)]
    let work = work.path();
    #[cfg(not(unix))]
    let work = project_dir();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_csctl"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut command = std::process::Command::new("sh");
    scrub_environment(&mut command, home.path());
    let output = command
        .args(["-e", "-c", &block.text])
        .env("PATH", path)
        .current_dir(work)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} failed ({:?}):\n{}\nstdout:\n{}\nstderr:\n{}",
        block.place(),
        output.status,
        block.text,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs a document's `rhai` blocks in one session.
fn run_rhai(blocks: &[&Block]) {
    let sim = TestSim::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(ClientConfig::new(
        sim.endpoint.clone(),
        Credentials::ApiKey {
            api_key: sim.api_key.clone(),
            secret_key: sim.secret_key.clone(),
        },
    ))
    .unwrap();
    let host = ScriptHost::new(client, runtime.handle().clone());
    host.set_progress(false);
    host.set_output(|_, _| {});
    let mut session = host.session(&[]);
    let previous = std::env::current_dir().unwrap();
    for block in blocks {
        let result = match block.attribute("as") {
            Some(name) => {
                let name = project_dir().join(name);
                host.run_source(&name.to_string_lossy(), &block.text, &[])
            }
            None => host.eval_in(&mut session, &block.text),
        };
        if let Err(error) = result {
            panic!("{} failed:\n{}\n{error}", block.place(), block.text);
        }
    }
    assert_eq!(std::env::current_dir().unwrap(), previous);
}

/// Feeds a transcript's inputs to `csctl repl --sim`; the errors printed
/// must be those the transcript shows.
fn run_transcript(block: &Block) {
    const PROMPT: &str = "csctl(sim)> ";
    let mut inputs = String::new();
    let mut expected_errors = 0;
    let mut depth = 0i32;
    for line in block.text.lines() {
        if let Some(input) = line.strip_prefix(PROMPT) {
            if input.trim() == "^D" || input.contains("<TAB>") {
                continue;
            }
            inputs.push_str(input);
            inputs.push('\n');
            depth = brace_depth(input);
        } else if depth > 0 {
            // A continued input (an open brace on the line before).
            inputs.push_str(line);
            inputs.push('\n');
            depth += brace_depth(line);
        } else if line.starts_with("csctl: error:") {
            expected_errors += 1;
        }
    }
    let home = tempfile::tempdir().unwrap();
    let output = csctl(home.path())
        .args(["repl", "--sim", "--sim-job-delay", "20ms"])
        .env("COLUMNS", "80")
        .current_dir(project_dir())
        .write_stdin(inputs.as_bytes())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors = stderr.matches("csctl: error:").count();
    // Tables are shown as printed (at 80 columns).
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in block
        .text
        .lines()
        .filter(|line| line.starts_with(['┌', '│', '╞', '└']))
    {
        assert!(
            stdout.lines().any(|printed| printed == line),
            "{}: the transcript shows\n{line}\nbut csctl printed\n{stdout}",
            block.place()
        );
    }
    assert!(output.status.success(), "{}: {stderr}", block.place());
    assert_eq!(
        errors,
        expected_errors,
        "{}: inputs\n{inputs}\nstderr:\n{stderr}\nstdout:\n{}",
        block.place(),
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Loads a csctl configuration file the way `csctl` does, in an empty home.
fn load_config(block: &Block) {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    std::fs::write(&path, &block.text).unwrap();
    let overrides = csctl::config::Overrides {
        config_file: Some(path),
        ..Default::default()
    };
    let sources = csctl::config::Sources {
        env: Box::new(|_| None),
        config_dir: Some(home.path().join(".config")),
        home_dir: Some(home.path().to_path_buf()),
        cwd: home.path().to_path_buf(),
    };
    let profiles = csctl::config::list_profiles_for(&overrides, &sources)
        .unwrap_or_else(|error| panic!("{}: {error}\n{}", block.place(), block.text));
    assert!(!profiles.is_empty(), "{}: no profile", block.place());
}

fn brace_depth(line: &str) -> i32 {
    line.chars()
        .map(|c| match c {
            '{' | '(' | '[' => 1,
            '}' | ')' | ']' => -1,
            _ => 0,
        })
        .sum()
}

#[test]
fn every_runnable_example_of_the_docs_runs() {
    let mut ran = 0;
    for document in documents() {
        let blocks = blocks(&document);
        let mut rhai = Vec::new();
        for block in &blocks {
            if block.has("no-run") {
                continue;
            }
            match block.language.as_str() {
                "sh" | "bash" | "console" | "shell" => {
                    run_shell(block);
                    ran += 1;
                }
                "rhai" => rhai.push(block),
                "text" if block.has("repl") => {
                    run_transcript(block);
                    ran += 1;
                }
                "toml" if block.has("csctl-config") => {
                    load_config(block);
                    ran += 1;
                }
                _ => {}
            }
        }
        ran += rhai.len();
        if !rhai.is_empty() {
            run_rhai(&rhai);
        }
    }
    assert!(ran >= 18, "only {ran} examples ran");
}

#[test]
fn blocks_are_found_with_their_info_strings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.md");
    std::fs::write(
        &path,
        "a\n```rhai as=scripts/x.rhai\nlet a = 1;\n```\n\n```sh no-run\ncsctl sim\n```\n\n\
         1. item\n\n   ```text repl\n   csctl(sim)> listZones\n   ```\n",
    )
    .unwrap();
    let found = blocks(&path);
    assert_eq!(found.len(), 3);
    assert_eq!(found[2].text, "csctl(sim)> listZones\n");
    assert_eq!(found[0].language, "rhai");
    assert_eq!(found[0].attribute("as"), Some("scripts/x.rhai"));
    assert_eq!(found[0].text, "let a = 1;\n");
    assert!(found[1].has("no-run"));
}
