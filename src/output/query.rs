//! `--query EXPR`: a jq filter over an answer, through jaq (jq's language
//! in Rust, with jq's standard library). Used by `csctl call --query`, the
//! REPL's `:set query` and `jq(value, expr)` in scripts, so the three read
//! the same language.
//!
//! Answers cross as JSON text (serde_json's, which keeps numbers exactly as
//! the server sent them) into jaq's values and back.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use serde_json::Value;

/// Most results one query may give: a filter such as `range(1e9)` stops
/// here rather than fill the memory.
pub const MAX_RESULTS: usize = 1_000_000;

/// A query that did not compile or failed on its input; the text is the
/// message a user reads.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The expression is not valid jq.
    #[error("invalid query `{expr}`: {reason}")]
    Invalid {
        /// The expression as given.
        expr: String,
        /// What is wrong, and where.
        reason: String,
    },
    /// The filter raised an error on this input (`.a.b` on a string…).
    #[error("query `{expr}` failed: {reason}")]
    Failed {
        /// The expression as given.
        expr: String,
        /// jaq's error.
        reason: String,
    },
}

type Filter = jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>;

/// Compiles `expr` (jq syntax, jq's standard functions).
fn compile(expr: &str) -> Result<Filter, QueryError> {
    let invalid = |reason: String| QueryError::Invalid {
        expr: expr.to_string(),
        reason,
    };
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let program = File {
        code: expr,
        path: (),
    };
    let modules = loader.load(&arena, program).map_err(|errors| {
        let mut reasons = Vec::new();
        for (_, error) in errors {
            match error {
                jaq_core::load::Error::Io(items) => {
                    reasons.extend(items.into_iter().map(|(_, text)| text));
                }
                jaq_core::load::Error::Lex(items) => reasons.extend(
                    items
                        .into_iter()
                        .map(|(expect, at)| expected(expect.as_str(), at)),
                ),
                jaq_core::load::Error::Parse(items) => reasons.extend(
                    items
                        .into_iter()
                        .map(|(expect, at)| expected(expect.as_str(), at)),
                ),
            }
        }
        invalid(reasons.join("; "))
    })?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let reasons: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, undefined)| undefined)
                .map(|(name, kind)| format!("undefined {} `{name}`", undefined_kind(&kind)))
                .collect();
            invalid(reasons.join("; "))
        })
}

/// "expected X at `…`", the place shown by the text that follows it.
fn expected(what: &str, at: &str) -> String {
    if at.is_empty() {
        return format!("expected {what} at the end");
    }
    let shown: String = at.chars().take(20).collect();
    format!("expected {what} at `{shown}`")
}

fn undefined_kind(kind: &jaq_core::compile::Undefined) -> &'static str {
    use jaq_core::compile::Undefined;
    match kind {
        Undefined::Var => "variable",
        Undefined::Mod => "module",
        Undefined::Filter(_) => "function",
        _ => "name",
    }
}

/// Checks that `expr` compiles, so a mistake is reported before any call.
pub fn check(expr: &str) -> Result<(), QueryError> {
    compile(expr).map(|_| ())
}

/// Runs the jq filter `expr` on `value`; every result, in order (at most
/// [`MAX_RESULTS`]).
pub fn run(expr: &str, value: &Value) -> Result<Vec<Value>, QueryError> {
    let filter = compile(expr)?;
    let failed = |reason: String| QueryError::Failed {
        expr: expr.to_string(),
        reason,
    };
    let text = serde_json::to_string(value).map_err(|error| failed(error.to_string()))?;
    let input = jaq_json::read::parse_single(text.as_bytes())
        .map_err(|error| failed(format!("the input is not JSON: {error}")))?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut results = Vec::new();
    for result in filter.id.run((ctx, input)).map(unwrap_valr) {
        let val = result.map_err(|error| failed(error.to_string()))?;
        if results.len() == MAX_RESULTS {
            return Err(failed(format!("more than {MAX_RESULTS} results")));
        }
        results.push(to_value(&val).map_err(failed)?);
    }
    Ok(results)
}

/// One result as a serde value (through its JSON text, numbers kept).
fn to_value(val: &Val) -> Result<Value, String> {
    let text = val.to_string();
    serde_json::from_str(&text).map_err(|_| format!("a result is not JSON: {text}"))
}

/// The results of [`run`] as one value: the single result itself, or an
/// array of them when there are none or several (so a table or CSV can
/// show them as rows).
pub fn run_as_one(expr: &str, value: &Value) -> Result<Value, QueryError> {
    let mut results = run(expr, value)?;
    Ok(if results.len() == 1 {
        results.remove(0)
    } else {
        Value::Array(results)
    })
}

/// The results of `expr` on `value` printed as `view` says: in JSON and
/// JSON Lines each result on its own, as jq prints them (pretty, or one
/// line each); in a table, columns or CSV the results are the rows.
pub fn render(expr: &str, value: &Value, view: &super::View) -> Result<String, QueryError> {
    use super::Format;
    match view.format {
        Format::Json | Format::Jsonl => {
            let each = super::View {
                format: Format::Json,
                ..view.clone()
            };
            let mut text = String::new();
            for result in run(expr, value)? {
                let shown = super::render_view(&result, &each);
                if view.format == Format::Jsonl {
                    let compact: Value = serde_json::from_str(&shown).unwrap_or(result);
                    text.push_str(&super::text::escape_json_text(compact.to_string()));
                    text.push('\n');
                } else {
                    text.push_str(&shown);
                }
            }
            Ok(text)
        }
        _ => Ok(super::render_view(&run_as_one(expr, value)?, view)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer() -> Value {
        json!({"count": 3, "virtualmachine": [
            {"name": "web-1", "state": "Running", "memory": 1024},
            {"name": "web-2", "state": "Stopped", "memory": 2048},
            {"name": "db-1", "state": "Running", "memory": 8192},
        ]})
    }

    #[test]
    fn filters_select_count_and_map_as_jq_does() {
        let running = r#"[.virtualmachine[] | select(.state == "Running") | .name]"#;
        assert_eq!(run(running, &answer()).unwrap(), [json!(["web-1", "db-1"])]);
        assert_eq!(
            run(".virtualmachine | length", &answer()).unwrap(),
            [json!(3)]
        );
        assert_eq!(
            run(".virtualmachine[].name", &answer()).unwrap(),
            [json!("web-1"), json!("web-2"), json!("db-1")]
        );
        assert_eq!(
            run("[.virtualmachine[].memory] | add", &answer()).unwrap(),
            [json!(11264)]
        );
        assert_eq!(
            run_as_one(
                ".virtualmachine[] | select(.memory > 1024) | .name",
                &answer()
            )
            .unwrap(),
            json!(["web-2", "db-1"])
        );
    }

    #[test]
    fn numbers_keep_their_text() {
        let value: Value = serde_json::from_str(r#"{"size": 12345678901234567890}"#).unwrap();
        let out = run(".size", &value).unwrap();
        assert_eq!(out[0].to_string(), "12345678901234567890");
    }

    #[test]
    fn mistakes_are_one_clear_error() {
        let error = run(".virtualmachine[", &answer()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid query `.virtualmachine[`: expected"),
            "{error}"
        );
        let error = check("nosuchfunction(1)").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("undefined function `nosuchfunction`"),
            "{error}"
        );
        let error = run(".count.x", &answer()).unwrap_err();
        assert!(
            error.to_string().starts_with("query `.count.x` failed: "),
            "{error}"
        );
        assert!(run("range(2000000)", &json!(null)).is_err());
    }
}
