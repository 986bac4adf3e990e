//! Script errors as a user reads them: `file:line:col: message`, the source
//! line, a caret under the column, and the chain of calls and imports that
//! led there, each naming its own file.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rhai::{Dynamic, EvalAltResult, Map, ParseError, Position};

/// Why a script did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The script file could not be read.
    #[error("cannot read script {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// The script (or a module it imports) does not compile.
    #[error("{0}")]
    Parse(Box<Diagnostic>),
    /// The script failed while running: an uncaught `throw`, an API error,
    /// a failed job, a type error, a limit.
    #[error("{0}")]
    Runtime(Box<Diagnostic>),
    /// The script was stopped by [`crate::script::ScriptHost::interrupt`] (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
}

impl ScriptError {
    /// The located details, for parse and runtime errors.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Self::Parse(diagnostic) | Self::Runtime(diagnostic) => Some(diagnostic),
            _ => None,
        }
    }

    /// The located details, to adjust them (see [`Diagnostic::rename`]).
    pub fn diagnostic_mut(&mut self) -> Option<&mut Diagnostic> {
        match self {
            Self::Parse(diagnostic) | Self::Runtime(diagnostic) => Some(diagnostic),
            _ => None,
        }
    }

    /// Whether the script was interrupted.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, Self::Interrupted)
    }
}

/// A place in a script file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or as `import` resolved it).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One located error, ready to print.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// What went wrong, without the location. For a thrown map, its
    /// `message` field.
    pub message: String,
    /// Where, when known: the innermost position (inside the function or
    /// module where the error happened).
    pub location: Option<Location>,
    /// The source line at `location`.
    pub source_line: Option<String>,
    /// How execution got there, innermost first: `in function `f`, called
    /// at main.rhai:30:5`.
    pub trace: Vec<String>,
    /// The value the script threw (`throw x`, or the map an API error
    /// throws), when the error is a thrown value.
    pub thrown: Option<Dynamic>,
    /// The script threw this itself (`throw "message"`): its message is
    /// printed with the location on one line, without a source excerpt.
    pub own_throw: bool,
}

impl Diagnostic {
    /// Renames `from` to `to` in the message, the trace and the source line,
    /// moving the column back by what the renaming removed before it: the
    /// REPL runs `_` as a variable with another name, and the user must read
    /// the `_` they typed.
    /// `original`, when given, is the text the user typed: its line replaces
    /// the source line shown.
    pub fn rename(&mut self, from: &str, to: &str, original: Option<&str>) {
        let rename = |text: &str| replace_word(text, from, to);
        // Columns on the error's line move back by what the renaming removed
        // before them.
        let shifted = |column: usize| match &self.source_line {
            Some(line) => {
                let before: String = line.chars().take(column.saturating_sub(1)).collect();
                let shift = before.chars().count() - rename(&before).chars().count();
                column.saturating_sub(shift).max(1)
            }
            None => column,
        };
        self.message = rename(&self.message);
        let here = self
            .location
            .as_ref()
            .map(|location| format!("{}:{}", location.file, location.line));
        let trace: Vec<String> = self
            .trace
            .iter()
            .map(|step| {
                let step = rename(step);
                let (Some(here), Some((head, column))) = (&here, step.rsplit_once(':')) else {
                    return step;
                };
                match column.parse::<usize>() {
                    Ok(column) if head.ends_with(here.as_str()) => {
                        format!("{head}:{}", shifted(column))
                    }
                    _ => step,
                }
            })
            .collect();
        self.trace = trace;
        if let Some(column) = self
            .location
            .as_ref()
            .map(|location| shifted(location.column))
        {
            if let Some(location) = &mut self.location {
                location.column = column;
            }
        }
        if let Some(line) = &self.source_line {
            let typed = original
                .zip(self.location.as_ref())
                .and_then(|(text, location)| {
                    text.split('\n')
                        .nth(location.line.checked_sub(1)?)
                        .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
                });
            self.source_line = Some(typed.unwrap_or_else(|| rename(line)));
        }
    }
}

/// `text` with the identifier `from` (not part of a longer name) replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let before_ok = !before.is_some_and(is_ident);
        let after_ok = !rest[at + from.len()..].chars().next().is_some_and(is_ident);
        out.push_str(&rest[..at]);
        out.push_str(if before_ok && after_ok { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        if let (Some(location), Some(line), false) =
            (&self.location, &self.source_line, self.own_throw)
        {
            let number = location.line.to_string();
            let gutter = " ".repeat(number.len());
            // Keep tabs so that the caret lines up under tab-indented code.
            let indent: String = line
                .chars()
                .take(location.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n {number} | {line}\n {gutter} | {indent}^")?;
        }
        for step in &self.trace {
            write!(f, "\n  {step}")?;
        }
        Ok(())
    }
}

/// The text of every script and module loaded, by the name errors use, so
/// that an error can show its source line.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    texts: Arc<Mutex<HashMap<String, Arc<str>>>>,
}

impl SourceMap {
    /// Remembers the text of `name`.
    pub fn insert(&self, name: &str, text: &str) {
        let mut texts = self
            .texts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        texts.insert(name.to_string(), Arc::from(text));
    }

    /// The text of every script and module loaded.
    pub fn texts(&self) -> Vec<Arc<str>> {
        self.texts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Line `line` (1-based) of `name`, without its line ending.
    pub fn line(&self, name: &str, line: usize) -> Option<String> {
        let texts = self
            .texts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let text = texts.get(name)?;
        // `split('\n')`, not `lines()`: a last empty line still counts.
        let found = text.split('\n').nth(line.checked_sub(1)?)?;
        Some(found.strip_suffix('\r').unwrap_or(found).to_string())
    }
}

/// Describes a compile error of `file`.
pub fn parse_error(error: &ParseError, file: &str, sources: &SourceMap) -> ScriptError {
    let message = error.err_type().to_string();
    ScriptError::Parse(Box::new(diagnostic(
        message,
        file,
        error.position(),
        Vec::new(),
        None,
        sources,
    )))
}

/// Describes an evaluation error of a script whose top level is `file`.
#[cfg(test)]
pub fn eval_error(error: &EvalAltResult, file: &str, sources: &SourceMap) -> ScriptError {
    eval_error_with(error, file, sources, &[])
}

/// [`eval_error`], with the signatures of the functions the script could
/// call (`name(a: T, …) -> R`), to suggest one for a misspelled name.
pub fn eval_error_with(
    error: &EvalAltResult,
    file: &str,
    sources: &SourceMap,
    functions: &[String],
) -> ScriptError {
    let mut trace = Vec::new();
    let mut file = file.to_string();
    let mut current = error;
    let mut pending_caller: Option<String> = None;
    loop {
        match current {
            EvalAltResult::ErrorInFunctionCall(name, source, inner, position) => {
                // A closure's own step names it; the function that called
                // it (`map`, `filter`) is named in that step.
                let closure_inside = matches!(
                    &**inner,
                    EvalAltResult::ErrorInFunctionCall(inner_name, ..) if inner_name.starts_with("anon$")
                );
                if closure_inside {
                    pending_caller = Some(name.clone());
                } else {
                    let what = match (name.starts_with("anon$"), pending_caller.take()) {
                        (true, Some(reported)) => {
                            // Rhai names a map's `map` "filter": the source
                            // says what the user called.
                            let called = word_at(sources, &file, *position)
                                .unwrap_or_else(|| reported.clone());
                            let hint = if called == "map" && reported == "filter" {
                                " (on an object map, `map` gives the closure each key, a string: \
                                 is the value one entity rather than a list?)"
                            } else {
                                ""
                            };
                            format!("in the closure given to `{called}`{hint}")
                        }
                        _ => describe_function(name),
                    };
                    trace.push(step(&what, "called at", &file, *position));
                }
                if !source.is_empty() {
                    file = source.clone();
                }
                current = inner;
            }
            EvalAltResult::ErrorInModule(name, inner, position) => {
                trace.push(step(
                    &format!("in module {name}"),
                    "imported at",
                    &file,
                    *position,
                ));
                file = name.clone();
                current = inner;
            }
            _ => break,
        }
    }
    trace.reverse();
    match current {
        EvalAltResult::ErrorTerminated(..) => ScriptError::Interrupted,
        EvalAltResult::ErrorParsing(kind, position) => {
            let message = kind.to_string();
            ScriptError::Parse(Box::new(diagnostic(
                message, &file, *position, trace, None, sources,
            )))
        }
        EvalAltResult::ErrorRuntime(value, position) => {
            let message = thrown_message(value);
            let own = !is_host_error(value);
            let thrown = Some(value.clone());
            let mut found = diagnostic(message, &file, *position, trace, thrown, sources);
            found.own_throw = own;
            ScriptError::Runtime(Box::new(found))
        }
        EvalAltResult::ErrorFunctionNotFound(signature, position) => {
            let message = function_not_found(signature, functions);
            ScriptError::Runtime(Box::new(diagnostic(
                message, &file, *position, trace, None, sources,
            )))
        }
        other => {
            let message = without_position(other);
            ScriptError::Runtime(Box::new(diagnostic(
                message,
                &file,
                other.position(),
                trace,
                None,
                sources,
            )))
        }
    }
}

/// The text that describes a thrown value: a map's `message`, a string
/// as is, anything else in Rhai's notation.
pub fn thrown_message(value: &Dynamic) -> String {
    if value.is_unit() {
        return "the script threw ()".into();
    }
    if value.is_string() {
        return value.clone().into_string().unwrap_or_default();
    }
    if let Some(map) = value.read_lock::<Map>() {
        if let Some(message) = map.get("message").filter(|message| message.is_string()) {
            return message.clone().into_string().unwrap_or_default();
        }
    }
    format!("the script threw {value:?}")
}

fn describe_function(name: &str) -> String {
    if name.starts_with("anon$") {
        "in a closure".into()
    } else {
        format!("in function `{name}`")
    }
}

fn step(what: &str, verb: &str, file: &str, position: Position) -> String {
    match position.line() {
        Some(line) => format!(
            "{what}, {verb} {file}:{line}:{}",
            position.position().unwrap_or(1)
        ),
        None => what.to_string(),
    }
}

fn diagnostic(
    message: String,
    file: &str,
    position: Position,
    trace: Vec<String>,
    thrown: Option<Dynamic>,
    sources: &SourceMap,
) -> Diagnostic {
    let location = position.line().map(|line| Location {
        file: file.to_string(),
        line,
        column: position.position().unwrap_or(1),
    });
    let source_line = location
        .as_ref()
        .and_then(|at| sources.line(&at.file, at.line));
    Diagnostic {
        message,
        location,
        source_line,
        trace,
        thrown,
        own_throw: false,
    }
}

/// The identifier at `position` in `file`'s text, if any.
fn word_at(sources: &SourceMap, file: &str, position: Position) -> Option<String> {
    let line = sources.line(file, position.line()?)?;
    let word: String = line
        .chars()
        .skip(position.position()?.checked_sub(1)?)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Whether a thrown value is one of the maps csctl's functions throw
/// (`#{error: "api", message, …}`), rather than the script's own.
fn is_host_error(value: &Dynamic) -> bool {
    const KINDS: [&str; 7] = [
        "api",
        "job",
        "jobs",
        "transport",
        "params",
        "client",
        "json",
    ];
    value.read_lock::<Map>().is_some_and(|map| {
        map.contains_key("message")
            && map
                .get("error")
                .and_then(|kind| kind.clone().into_string().ok())
                .is_some_and(|kind| KINDS.contains(&kind.as_str()))
    })
}

/// The message for a call of a function that does not exist with these
/// arguments: Rhai's `name (T1, T2)` in the user's words, with the
/// signatures of that name when it exists, or the closest name.
fn function_not_found(signature: &str, functions: &[String]) -> String {
    let (name, types) = match signature.split_once(" (") {
        Some((name, types)) => (name.trim(), types.trim_end_matches(')')),
        None => (signature.trim(), ""),
    };
    let types = types
        .split(", ")
        .filter(|kind| !kind.is_empty())
        .map(rhai_type_name)
        .collect::<Vec<_>>()
        .join(", ");
    let called = format!("{name}({types})");
    let base = |signature: &str| {
        signature
            .split('(')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let same: Vec<&String> = functions.iter().filter(|f| base(f) == name).collect();
    if !same.is_empty() {
        let mut forms: Vec<String> = same
            .iter()
            .map(|f| {
                f.split(" -> ")
                    .next()
                    .unwrap_or(f)
                    .replace("&mut ", "")
                    .replace("rhai::", "")
            })
            .collect();
        forms.dedup();
        let unit = if types.split(", ").any(|kind| kind == "()") {
            " (a value is (): a missing map property reads as ())"
        } else {
            ""
        };
        return format!(
            "`{name}` cannot be called as {called}{unit}; it takes: {}",
            forms.join(", ")
        );
    }
    let mut names: Vec<String> = functions.iter().map(|f| base(f)).collect();
    names.sort();
    names.dedup();
    let closest = names
        .iter()
        .filter(|candidate| !candidate.is_empty() && !candidate.starts_with("__"))
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).clamp(1, 3))
        .min();
    match closest {
        Some((_, candidate)) => format!("unknown function `{name}`; did you mean `{candidate}`?"),
        None => format!("unknown function {called}"),
    }
}

/// Rhai's Rust-side type names as a script writer knows them.
fn rhai_type_name(kind: &str) -> &str {
    match kind.trim() {
        "&str | ImmutableString | String" | "ImmutableString" | "String" | "&str" => "string",
        "i64" | "i32" | "INT" => "int",
        "f64" | "f32" | "FLOAT" => "float",
        "rhai::Map" | "Map" | "map" => "map",
        "rhai::Array" | "Array" | "array" => "array",
        "rhai::FnPtr" | "FnPtr" | "Fn" => "function",
        "bool" => "bool",
        "char" => "char",
        other => other,
    }
}

/// Rhai's message for an error, without the ` (line L, position C)` that its
/// `Display` appends (the location is shown separately).
fn without_position(error: &EvalAltResult) -> String {
    let text = error.to_string();
    let position = error.position();
    if position.is_none() {
        return text;
    }
    let suffix = format!(" ({position})");
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(name: &str, text: &str) -> SourceMap {
        let map = SourceMap::default();
        map.insert(name, text);
        map
    }

    #[test]
    fn shows_the_line_and_a_caret() {
        let map = sources("x.rhai", "let a = 1;\n\tlet b = oops(a);\n");
        let error = EvalAltResult::ErrorFunctionNotFound("oops (i64)".into(), Position::new(2, 10));
        let text = eval_error(&error, "x.rhai", &map).to_string();
        assert_eq!(
            text,
            "x.rhai:2:10: unknown function oops(int)\n 2 | \tlet b = oops(a);\n   | \t        ^"
        );
    }

    #[test]
    fn a_thrown_map_shows_its_message() {
        let mut map = Map::new();
        map.insert("message".into(), "listZones failed: nope".into());
        map.insert("errorcode".into(), Dynamic::from_int(431));
        let error = EvalAltResult::ErrorRuntime(map.into(), Position::new(1, 1));
        let failure = eval_error(&error, "x.rhai", &sources("x.rhai", "api(\"listZones\");"));
        let diagnostic = failure.diagnostic().unwrap();
        assert_eq!(diagnostic.message, "listZones failed: nope");
        assert!(diagnostic.thrown.as_ref().unwrap().is_map());
    }

    #[test]
    fn errors_inside_functions_of_modules_name_the_module_file() {
        let map = sources("main.rhai", "import \"lib\" as lib;\nlib::f();\n");
        map.insert("lib.rhai", "fn f() {\n    throw \"bad\";\n}\n");
        let inner = EvalAltResult::ErrorRuntime("bad".into(), Position::new(2, 5));
        let error = EvalAltResult::ErrorInFunctionCall(
            "f".into(),
            "lib.rhai".into(),
            inner.into(),
            Position::new(2, 1),
        );
        let text = eval_error(&error, "main.rhai", &map).to_string();
        assert_eq!(
            text,
            "lib.rhai:2:5: bad\n  in function `f`, called at main.rhai:2:1"
        );
    }

    #[test]
    fn termination_is_an_interruption() {
        let error = EvalAltResult::ErrorTerminated("interrupted".into(), Position::new(3, 1));
        assert!(eval_error(&error, "x", &SourceMap::default()).is_interrupted());
    }
}
