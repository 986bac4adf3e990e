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
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        if let (Some(location), Some(line)) = (&self.location, &self.source_line) {
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
pub fn eval_error(error: &EvalAltResult, file: &str, sources: &SourceMap) -> ScriptError {
    let mut trace = Vec::new();
    let mut file = file.to_string();
    let mut current = error;
    loop {
        match current {
            EvalAltResult::ErrorInFunctionCall(name, source, inner, position) => {
                trace.push(step(
                    &describe_function(name),
                    "called at",
                    &file,
                    *position,
                ));
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
        EvalAltResult::ErrorTerminated(token, position)
            if super::limits::is_memory_token(token) =>
        {
            ScriptError::Runtime(Box::new(diagnostic(
                super::limits::memory_message(),
                &file,
                *position,
                trace,
                None,
                sources,
            )))
        }
        EvalAltResult::ErrorTerminated(..) => ScriptError::Interrupted,
        EvalAltResult::ErrorParsing(kind, position) => {
            let message = kind.to_string();
            ScriptError::Parse(Box::new(diagnostic(
                message, &file, *position, trace, None, sources,
            )))
        }
        EvalAltResult::ErrorRuntime(value, position) => {
            let message = thrown_message(value);
            let thrown = Some(value.clone());
            ScriptError::Runtime(Box::new(diagnostic(
                message, &file, *position, trace, thrown, sources,
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
            "x.rhai:2:10: Function not found: oops (i64)\n 2 | \tlet b = oops(a);\n   | \t        ^"
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
            "lib.rhai:2:5: bad\n 2 |     throw \"bad\";\n   |     ^\n  in function `f`, called at main.rhai:2:1"
        );
    }

    #[test]
    fn termination_is_an_interruption() {
        let error = EvalAltResult::ErrorTerminated("interrupted".into(), Position::new(3, 1));
        assert!(eval_error(&error, "x", &SourceMap::default()).is_interrupted());
    }
}
