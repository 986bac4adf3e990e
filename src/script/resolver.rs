//! `import "lib/x" as x;`: modules are files, found relative to the file
//! that imports them, and named by their path in error messages.
//!
//! Rhai's own `FileModuleResolver` names a module by the text of its
//! `import` (`lib/x`), so an error inside it cannot be traced to a file, and
//! a module importing another resolves against the working directory. This
//! resolver gives each module its resolved path (`scripts/lib/x.rhai`) as
//! its source, which makes both work, and refuses import cycles.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use super::errors::SourceMap;

/// The extension added to an `import` path that has none.
const EXTENSION: &str = "rhai";

/// Resolves `import` paths to script files (see the module docs).
pub struct ScriptResolver {
    sources: SourceMap,
    cache: Mutex<HashMap<PathBuf, Shared<Module>>>,
    loading: Mutex<HashSet<PathBuf>>,
    cache_enabled: AtomicBool,
}

impl ScriptResolver {
    /// A resolver that records the text of each module in `sources`.
    pub fn new(sources: SourceMap) -> Self {
        Self {
            sources,
            cache: Mutex::default(),
            loading: Mutex::default(),
            cache_enabled: AtomicBool::new(true),
        }
    }

    /// Turns the module cache on (the default) or off. Off, every `import`
    /// reads its file again, which a REPL wants after an edit.
    pub fn set_cache(&self, enabled: bool) {
        self.cache_enabled.store(enabled, Ordering::Relaxed);
        if !enabled {
            lock(&self.cache).clear();
        }
    }

    /// Forgets every loaded module.
    pub fn clear_cache(&self) {
        lock(&self.cache).clear();
    }
}

/// The file an `import` of `path` means, from a script whose source is `source`.
pub fn module_file(source: Option<&str>, path: &str) -> PathBuf {
    let requested = Path::new(path);
    let mut file = if requested.is_absolute() {
        requested.to_path_buf()
    } else {
        let base = source
            .map(Path::new)
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        base.join(requested)
    };
    if file.extension().is_none() {
        file.set_extension(EXTENSION);
    }
    file
}

/// The script's text with a `#!` first line blanked (its line ending is
/// kept, so that line numbers do not move).
pub fn without_shebang(text: &str) -> &str {
    if text.starts_with("#!") {
        return text.find('\n').map_or("", |end| &text[end..]);
    }
    text
}

impl ModuleResolver for ScriptResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        position: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let file = module_file(source, path);
        let name = file.to_string_lossy().into_owned();
        let key = file.canonicalize().unwrap_or_else(|_| file.clone());
        let caching = self.cache_enabled.load(Ordering::Relaxed);
        if caching {
            if let Some(module) = lock(&self.cache).get(&key) {
                return Ok(module.clone());
            }
        }
        let text = std::fs::read_to_string(&file).map_err(|error| {
            let reason = match error.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => error.to_string(),
            };
            // Not `ErrorModuleNotFound`: Rhai replaces that one with its own,
            // losing the file name.
            EvalAltResult::ErrorRuntime(
                format!("cannot import `{path}`: {name}: {reason}").into(),
                position,
            )
        })?;
        if !lock(&self.loading).insert(key.clone()) {
            let cycle = EvalAltResult::ErrorRuntime(
                format!("import cycle: {name} is imported while it is being loaded").into(),
                position,
            );
            return Err(cycle.into());
        }
        let loaded = self.load(engine, &name, &text, position);
        lock(&self.loading).remove(&key);
        let module: Shared<Module> = loaded?.into();
        if caching {
            lock(&self.cache).insert(key, module.clone());
        }
        Ok(module)
    }
}

impl ScriptResolver {
    fn load(
        &self,
        engine: &Engine,
        name: &str,
        text: &str,
        position: Position,
    ) -> Result<Module, Box<EvalAltResult>> {
        self.sources.insert(name, text);
        let in_module = |error: Box<EvalAltResult>| -> Box<EvalAltResult> {
            EvalAltResult::ErrorInModule(name.to_string(), error, position).into()
        };
        let mut ast = engine.compile(without_shebang(text)).map_err(|error| {
            let position = error.position();
            in_module(EvalAltResult::ErrorParsing(*error.0, position).into())
        })?;
        ast.set_source(name);
        Module::eval_ast_as_new(Scope::new(), &ast, engine).map_err(in_module)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_the_importing_file() {
        assert_eq!(
            module_file(Some("scripts/deploy.rhai"), "lib/x"),
            PathBuf::from("scripts/lib/x.rhai")
        );
        assert_eq!(
            module_file(Some("deploy.rhai"), "lib/x.rhai"),
            PathBuf::from("lib/x.rhai")
        );
        assert_eq!(module_file(None, "/abs/y"), PathBuf::from("/abs/y.rhai"));
    }

    #[test]
    fn blanks_a_shebang_but_keeps_its_line() {
        assert_eq!(
            without_shebang("#!/usr/bin/env csctl run\nprint(1);"),
            "\nprint(1);"
        );
        assert_eq!(without_shebang("print(1);"), "print(1);");
    }
}
