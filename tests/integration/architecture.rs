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

/// The layers of `src/sim`, bottom first (docs/architecture.md, "The
/// simulator's layers"): a module uses only modules of its own layer or
/// below, so the model never names a handler.
const SIM_LAYERS: &[(&str, &[&str])] = &[
    (
        "vocabulary",
        &[
            "respond",
            "params",
            "demo",
            "error",
            "objects",
            "kinds",
            "listener",
            "auth",
            "catalog_extras",
        ],
    ),
    ("model", &["cloud", "state", "catalog"]),
    ("handlers", &["api"]),
    ("front", &["session", "server"]),
];

/// A module of `src/sim` by its path below `sim` (`[]` is `sim` itself,
/// `["state", "jobs"]` is `src/sim/state/jobs.rs`).
type SimModule = Vec<String>;

fn sim_module_of(path: &Path) -> SimModule {
    let relative = path.strip_prefix(src_dir().join("sim")).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_str().unwrap().to_string())
        .collect();
    let file = parts.pop().unwrap();
    if file != "mod.rs" {
        parts.push(file.trim_end_matches(".rs").to_string());
    }
    parts
}

/// The paths a `use` tree names, braces expanded (`a::{b, c::{d, self}}`
/// gives `a::b`, `a::c::d`, `a::c`).
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap().to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(expand_use)
        .map(|path| match path.as_str() {
            "self" => prefix.to_string(),
            _ => format!("{prefix}::{path}"),
        })
        .collect()
}

/// The `src/sim` modules a file of module `module` names through
/// `crate::sim::…`, `super::…` or `self::…`, in `use` trees and in code.
fn sim_uses(module: &SimModule, code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut statement = String::new();
    for line in code.lines() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        let body = line
            .strip_prefix("pub(crate) use ")
            .or_else(|| line.strip_prefix("pub use "))
            .or_else(|| line.strip_prefix("use "));
        if let Some(body) = body
            .map(str::to_string)
            .or_else(|| (!statement.is_empty()).then(|| line.to_string()))
        {
            statement.push_str(&body);
            if let Some(end) = statement.find(';') {
                paths.extend(expand_use(&statement[..end]));
                statement.clear();
            }
            continue;
        }
        for start in ["crate::sim::", "super::", "self::"] {
            let mut rest = line;
            while let Some(at) = rest.find(start) {
                let before = rest[..at].chars().last();
                let path: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                rest = &rest[at + start.len()..];
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                    continue; // inside a longer path, counted from its start
                }
                paths.push(path.trim_end_matches(':').to_string());
            }
        }
    }
    // `self` of a file is its module (a `mod.rs` its directory's); `super`
    // its parent.
    let own: &SimModule = module;
    paths
        .into_iter()
        .filter_map(|path| {
            let mut segments: Vec<&str> = path.split("::").collect();
            let mut base: Vec<String>;
            match segments.first().copied() {
                Some("crate") => {
                    if segments.get(1) != Some(&"sim") {
                        return None;
                    }
                    segments.drain(..2);
                    base = Vec::new();
                }
                Some("self") => {
                    segments.remove(0);
                    base = own.clone();
                }
                Some("super") => {
                    base = own.clone();
                    while segments.first() == Some(&"super") {
                        segments.remove(0);
                        base.pop();
                    }
                }
                _ => return None,
            }
            base.extend(segments.iter().map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

/// Every `use` between modules of `src/sim`, as `(from, to)`, `to` being
/// the longest module its path starts with.
fn sim_edges() -> Vec<(SimModule, SimModule)> {
    let files: Vec<PathBuf> = rust_files(&src_dir().join("sim"));
    let modules: BTreeSet<SimModule> = files.iter().map(|f| sim_module_of(f)).collect();
    let mut edges = Vec::new();
    for file in &files {
        let Some(code) = non_test_code(file) else {
            continue;
        };
        let from = sim_module_of(file);
        for path in sim_uses(&from, &code) {
            let to = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains(prefix))
                .unwrap_or_default();
            if to != from {
                edges.push((from.clone(), to));
            }
        }
    }
    edges
}

/// The first import circle among the children of one module, if any: each
/// use between two modules counts as a use between the children of their
/// nearest common module that hold them. A module using its own container
/// (a file its `super`), or a container using its parts, is no circle.
fn first_circle(edges: &[(SimModule, SimModule)]) -> Option<Vec<String>> {
    use std::collections::BTreeMap;
    let mut graph: BTreeMap<SimModule, BTreeSet<SimModule>> = BTreeMap::new();
    for (from, to) in edges {
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        if common == from.len() || common == to.len() {
            continue; // a container and its part
        }
        graph
            .entry(from[..=common].to_vec())
            .or_default()
            .insert(to[..=common].to_vec());
    }
    fn visit(
        node: &SimModule,
        graph: &BTreeMap<SimModule, BTreeSet<SimModule>>,
        done: &mut BTreeSet<SimModule>,
        path: &mut Vec<SimModule>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|step| step == node) {
            let mut circle: Vec<String> = path[at..].iter().map(|m| m.join("::")).collect();
            circle.push(node.join("::"));
            return Some(circle);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, done, path) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut done, &mut Vec::new()) {
            return Some(circle);
        }
    }
    None
}

#[test]
fn sim_modules_import_in_no_circle() {
    let edges = sim_edges();
    assert!(
        edges.len() > 100,
        "the use parser found only {} uses in src/sim",
        edges.len()
    );
    if let Some(circle) = first_circle(&edges) {
        panic!("an import circle in src/sim: {}", circle.join(" -> "));
    }
}

#[test]
fn a_circle_is_found_and_a_container_is_no_circle() {
    let module = |path: &str| -> SimModule {
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let edge = |from: &str, to: &str| (module(from), module(to));
    assert_eq!(
        first_circle(&[edge("state", "api::vm"), edge("api::vm", "state::jobs")]),
        Some(vec!["api".into(), "state".into(), "api".into()])
    );
    assert_eq!(
        first_circle(&[edge("state::jobs", "state"), edge("state", "state::jobs")]),
        None
    );
    assert_eq!(
        expand_use("super::{a, b::{c, self}}"),
        vec!["super::a", "super::b::c", "super::b"]
    );
}

#[test]
fn the_sim_model_never_uses_its_handlers() {
    let layer_of = |module: &SimModule| -> Option<usize> {
        let top = module.first()?;
        SIM_LAYERS
            .iter()
            .position(|(_, names)| names.contains(&top.as_str()))
    };
    let tops: BTreeSet<SimModule> = rust_files(&src_dir().join("sim"))
        .iter()
        .map(|file| sim_module_of(file).into_iter().take(1).collect())
        .filter(|top: &SimModule| !top.is_empty() && top[0] != "test_proxy")
        .collect();
    for top in &tops {
        assert!(
            layer_of(top).is_some(),
            "src/sim/{} is in no layer of SIM_LAYERS (and docs/architecture.md)",
            top[0]
        );
    }
    let broken: Vec<String> = sim_edges()
        .iter()
        .filter(|(from, to)| match (layer_of(from), layer_of(to)) {
            (Some(from), Some(to)) => to > from,
            (Some(_), None) => !to.is_empty(), // a lower layer naming `sim` itself
            _ => false,
        })
        .map(|(from, to)| format!("{} uses {}", from.join("::"), to.join("::")))
        .collect();
    assert!(
        broken.is_empty(),
        "src/sim's layers are broken:\n{}",
        broken.join("\n")
    );
}
