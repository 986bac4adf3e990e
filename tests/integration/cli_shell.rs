//! Shell integration: the completion script run by a real bash (the
//! dynamic candidates come from csctl itself, offline), and the manual
//! pages in docs/man kept in step with the command line.

use std::path::Path;
use std::process::Command;

use crate::support::{csctl, scrub_environment};

/// Sources `csctl completions bash` in a real bash, sets `COMP_WORDS` and
/// `COMP_CWORD` for `words` (the last one being completed), calls the
/// completion function and returns `COMPREPLY`.
fn complete(home: &Path, cwd: &Path, words: &[&str]) -> Vec<String> {
    let script = csctl(home)
        .args(["completions", "bash"])
        .output()
        .expect("csctl completions bash");
    assert!(script.status.success());
    let script_path = home.join("csctl.bash");
    std::fs::write(&script_path, &script.stdout).unwrap();
    let quoted: Vec<String> = words
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect();
    let program = format!(
        r#"source "$1"
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
_clap_complete_csctl csctl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let mut bash = Command::new("bash");
    scrub_environment(&mut bash, home);
    let output = bash
        .current_dir(cwd)
        .arg("-c")
        .arg(program)
        .arg("bash")
        .arg(&script_path)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_api_names_in_any_case() {
    let home = tempfile::tempdir().unwrap();
    let names = complete(home.path(), home.path(), &["csctl", "call", "listzo"]);
    assert_eq!(names, ["listZones", "listZonesMetrics"]);
    let names = complete(
        home.path(),
        home.path(),
        &["csctl", "sign", "deployVirtualMach"],
    );
    assert_eq!(names, ["deployVirtualMachine"]);
}

#[test]
fn bash_completes_the_parameters_of_the_command_on_the_line() {
    let home = tempfile::tempdir().unwrap();
    let names = complete(
        home.path(),
        home.path(),
        &["csctl", "call", "deployVirtualMachine", "zo"],
    );
    assert_eq!(names, ["zoneid="]);
    let names = complete(
        home.path(),
        home.path(),
        &["csctl", "-o", "table", "call", "listzones", "name=x", "na"],
    );
    assert!(names.is_empty(), "name is given already: {names:?}");
    let names = complete(
        home.path(),
        home.path(),
        &["csctl", "call", "createSSHKeyPair", ""],
    );
    assert_eq!(names[0], "name=", "required first: {names:?}");
}

#[test]
fn bash_completes_profiles_scripts_subcommands_and_flags() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config/csctl");
    std::fs::create_dir_all(&config).unwrap();
    // secret_command would fail: completion never runs it.
    std::fs::write(
        config.join("config.toml"),
        "[profiles.lab]\nendpoint = \"https://lab.example/client/api\"\napi_key = \"k\"\n\
         secret_command = \"false\"\n\n[profiles.prod]\nendpoint = \"https://prod.example/client/api\"\n\
         api_key = \"k\"\nsecret_key = \"s\"\n",
    )
    .unwrap();
    let names = complete(home.path(), home.path(), &["csctl", "-p", ""]);
    assert_eq!(names, ["lab", "prod"]);
    let names = complete(
        home.path(),
        home.path(),
        &["csctl", "call", "--profile", "pr"],
    );
    assert_eq!(names, ["prod"]);

    let scripts = tempfile::tempdir().unwrap();
    std::fs::write(scripts.path().join("deploy.rhai"), "").unwrap();
    std::fs::write(scripts.path().join("notes.txt"), "").unwrap();
    std::fs::create_dir(scripts.path().join("lib")).unwrap();
    let names = complete(home.path(), scripts.path(), &["csctl", "run", ""]);
    assert!(names.contains(&"deploy.rhai".to_string()), "{names:?}");
    assert!(names.contains(&"lib/".to_string()), "{names:?}");
    assert!(!names.contains(&"notes.txt".to_string()), "{names:?}");

    let names = complete(home.path(), home.path(), &["csctl", "com"]);
    assert_eq!(names, ["completions"]);
    let names = complete(home.path(), home.path(), &["csctl", "call", "--no-w"]);
    assert_eq!(names, ["--no-wait"]);
}

#[test]
fn the_manual_pages_in_docs_are_current() {
    let home = tempfile::tempdir().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man");
    let mut pages = vec![None];
    pages.extend(
        [
            "call",
            "sign",
            "run",
            "repl",
            "sim",
            "apis",
            "completions",
            "man",
            "snapshot",
            "diff",
            "login",
            "logout",
            "keys",
            "jobs",
        ]
        .into_iter()
        .map(Some),
    );
    let expected = pages.len();
    for page in pages {
        let mut command = csctl(home.path());
        command.arg("man");
        if let Some(sub) = page {
            command.arg(sub);
        }
        let output = command.output().unwrap();
        assert!(output.status.success());
        let name = page.map_or("csctl".to_string(), |sub| format!("csctl-{sub}"));
        let path = dir.join(format!("{name}.1"));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == String::from_utf8_lossy(&output.stdout),
            "{} is out of date: regenerate the pages with `cargo run -- man --out-dir docs/man`",
            path.display()
        );
    }
    // Every subcommand has a page.
    let listed = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        listed, expected,
        "docs/man holds one page per subcommand and csctl.1"
    );
}
