//! docs/architecture.md stays true: the dependency rules it states hold in
//! the code, and it names every file under `src/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The library's top-level modules.
const LIBRARY: &[&str] = &[
    "catalog",
    "client",
    "config",
    "interrupt",
    "output",
    "script",
    "sim",
    "terminal_text",
];

/// What each library module may use of the others (docs/architecture.md,
/// "Dependency rules"). `client::sign` stands for that one module.
const MAY_USE: &[(&str, &[&str])] = &[
    ("terminal_text", &[]),
    ("catalog", &[]),
    ("interrupt", &[]),
    ("client", &["catalog", "terminal_text"]),
    ("sim", &["catalog", "client::sign"]),
    ("config", &["client"]),
    ("output", &["terminal_text"]),
    ("script", &["client", "catalog", "output", "interrupt"]),
];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The files of a top-level module: `src/NAME.rs` and everything under `src/NAME/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let dir = src_dir().join(name);
    let mut files = if dir.is_dir() {
        rust_files(&dir)
    } else {
        Vec::new()
    };
    let single = src_dir().join(format!("{name}.rs"));
    if single.is_file() {
        files.push(single);
    }
    files
}

/// The text of a file without its tests: test-only files are skipped, and a
/// file's `#[cfg(test)] mod …` (always last) is cut off.
fn non_test_code(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if name == "tests.rs" || name.ends_with("_tests.rs") || name == "test_proxy.rs" {
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let cut = text.find("#[cfg(test)]\nmod ").unwrap_or(text.len());
    Some(text[..cut].to_string())
}

/// The library modules `code` names as `crate::NAME` (and `crate::client::sign`
/// as such), outside comments.
fn uses(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name == "client" && rest["client".len()..].starts_with("::sign::") {
                used.insert("client::sign".to_string());
            } else {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn library_modules_use_only_what_the_architecture_allows() {
    let mut broken = Vec::new();
    for (module, allowed) in MAY_USE {
        for file in module_files(module) {
            let Some(code) = non_test_code(&file) else {
                continue;
            };
            for used in uses(&code) {
                let top = used.split("::").next().unwrap();
                if top == *module || !LIBRARY.contains(&top) && !is_binary_module(top) {
                    continue; // itself, or not a module (`crate::Foo` items)
                }
                if !allowed.contains(&used.as_str()) && !allowed.contains(&top) {
                    broken.push(format!(
                        "{} uses crate::{used}",
                        file.strip_prefix(src_dir()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "docs/architecture.md's dependency rules are broken:\n{}",
        broken.join("\n")
    );
}

fn is_binary_module(name: &str) -> bool {
    ["cli", "commands", "completion", "error", "repl", "snapshot"].contains(&name)
}

#[test]
fn every_library_module_is_in_the_rules_and_in_lib_rs() {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    for module in LIBRARY {
        assert!(
            lib.contains(&format!("pub mod {module};")),
            "lib.rs does not declare {module}"
        );
        assert!(
            MAY_USE.iter().any(|(name, _)| name == module),
            "no rule for {module}"
        );
    }
    let declared = lib.lines().filter(|line| line.contains("mod ")).count();
    assert_eq!(
        declared,
        LIBRARY.len(),
        "lib.rs declares a module this test (and docs/architecture.md) does not know"
    );
}

#[test]
fn the_architecture_page_names_every_source_file() {
    let page = std::fs::read_to_string(src_dir().join("../docs/architecture.md")).unwrap();
    let missing: Vec<String> = rust_files(&src_dir())
        .iter()
        .map(|path| path.strip_prefix(src_dir()).unwrap().to_path_buf())
        .filter(|relative| {
            let name = relative.file_name().unwrap().to_str().unwrap();
            !page.contains(name)
        })
        .map(|relative| relative.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not name: {}",
        missing.join(", ")
    );
}

/// `println!`, `print!`, `eprintln!` and `eprint!` write around the one
/// rule of terminal text; clippy's `disallowed_macros` (clippy.toml) refuses
/// them, and they are allowed only inside `src/output/` (with `#[allow]`).
/// Standard output goes through `csctl::output::write_stdout`, stderr lines
/// through `csctl::client::trace::write_stderr`.
#[test]
fn no_print_macro_stands_outside_the_output_module() {
    let output_dir = src_dir().join("output");
    let mut found = Vec::new();
    for path in rust_files(&src_dir()) {
        if path.starts_with(&output_dir) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let code = code.split(" //").next().unwrap_or(code);
            if ["println!", "print!", "eprintln!", "eprint!"]
                .iter()
                .any(|name| code.contains(name))
            {
                found.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "print macros outside src/output/ (use csctl::output::write_stdout or \
         csctl::client::trace::write_stderr):\n{}",
        found.join("\n")
    );
    let clippy = std::fs::read_to_string(src_dir().join("../clippy.toml")).unwrap();
    for name in ["std::println", "std::eprintln", "std::print", "std::eprint"] {
        assert!(
            clippy.contains(&format!("\"{name}\"")),
            "clippy.toml lacks {name}"
        );
    }
}
