//! `arg`, `sleep`, `env`, `now`, `client_stats`, `to_json`, `jq`, `parse_json` and
//! `print_table`.

use std::sync::Arc;
use std::time::Duration;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, FLOAT, INT};
use serde_json::Value;

use super::{throw, throw_map, FnResult};
use crate::output::{self, Fields, Format};
use crate::script::convert::{dynamic_to_json, json_to_dynamic};
use crate::script::{HostState, Stream};

pub(crate) fn register(engine: &mut Engine, state: &Arc<HostState>) {
    let s = state.clone();
    FuncRegistration::new("arg")
        .with_volatility(true)
        .with_params_info(["name: &str", "String"])
        .with_comments([
            "/// The script argument `name` (given as name=VALUE); throws if it was not given.",
        ])
        .register_into_engine(engine, move |name: &str| -> FnResult<Dynamic> {
            match s.arg(name) {
                Some(value) => Ok(value.into()),
                None => Err(throw(format!(
                    "missing script argument `{name}`: run with {name}=VALUE"
                ))),
            }
        });
    let s = state.clone();
    FuncRegistration::new("arg")
        .with_volatility(true)
        .with_params_info(["name: &str", "default: Dynamic", "Dynamic"])
        .with_comments(["/// The script argument `name`, or `default` when it was not given. A number or boolean\n/// default makes the argument be read as a number or boolean."])
        .register_into_engine(engine, move |name: &str, default: Dynamic| -> FnResult<Dynamic> {
            match s.arg(name) {
                Some(text) => typed_like(name, &text, &default),
                None => Ok(default),
            }
        });

    let s = state.clone();
    FuncRegistration::new("sleep")
        .with_volatility(true)
        .with_params_info(["seconds: INT", "()"])
        .with_comments(["/// Pauses for `seconds` (Ctrl-C interrupts the pause)."])
        .register_into_engine(engine, move |seconds: INT| -> FnResult<()> {
            sleep(&s, seconds as FLOAT)
        });
    let s = state.clone();
    FuncRegistration::new("sleep")
        .with_volatility(true)
        .with_params_info(["seconds: FLOAT", "()"])
        .with_comments(["/// Pauses for `seconds` (Ctrl-C interrupts the pause)."])
        .register_into_engine(engine, move |seconds: FLOAT| -> FnResult<()> {
            sleep(&s, seconds)
        });

    FuncRegistration::new("env")
        .with_volatility(true)
        .with_params_info(["name: &str", "Dynamic"])
        .with_comments(["/// The environment variable `name`, or `()` when it is not set."])
        .register_into_engine(engine, |name: &str| -> Dynamic {
            std::env::var(name).map_or(Dynamic::UNIT, Dynamic::from)
        });

    FuncRegistration::new("now")
        .with_volatility(true)
        .with_params_info(["String"])
        .with_comments(["/// The current UTC time, e.g. `2026-11-25T16:04:05Z`."])
        .register_into_engine(engine, || -> String {
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
        });

    let s = state.clone();
    FuncRegistration::new("client_stats")
        .with_volatility(true)
        .with_params_info(["Map"])
        .with_comments(["/// What the client did so far: `#{requests, retries, throttled}`: HTTP requests sent,\n/// calls sent again (after a transient failure or a 429), and HTTP 429 answers received."])
        .register_into_engine(engine, move || -> Map {
            let stats = s.client.stats();
            let mut map = Map::new();
            for (key, value) in [
                ("requests", stats.requests),
                ("retries", stats.retries),
                ("throttled", stats.throttled),
            ] {
                map.insert(key.into(), Dynamic::from_int(value as INT));
            }
            map
        });

    FuncRegistration::new("to_json")
        .with_params_info(["value: Dynamic", "String"])
        .with_comments(["/// `value` as compact JSON text."])
        .register_into_engine(engine, |value: Dynamic| -> FnResult<String> {
            to_json(&value, false)
        });
    FuncRegistration::new("to_json")
        .with_params_info(["value: Dynamic", "pretty: bool", "String"])
        .with_comments(["/// `value` as JSON text, indented when `pretty`."])
        .register_into_engine(engine, |value: Dynamic, pretty: bool| -> FnResult<String> {
            to_json(&value, pretty)
        });

    FuncRegistration::new("jq")
        .with_params_info(["value: Dynamic", "expr: &str", "Dynamic"])
        .with_comments([
            "/// The jq filter `expr` applied to `value` (jq syntax and functions, as `--query`):
/// its one result, or an array of its results when there are none or several.",
        ])
        .register_into_engine(engine, |value: Dynamic, expr: &str| -> FnResult<Dynamic> {
            let json = dynamic_to_json(&value, "value")
                .map_err(|reason| throw_map("query", format!("jq: {reason}"), Map::new()))?;
            output::query::run_as_one(expr, &json)
                .map(|result| json_to_dynamic(&result))
                .map_err(|error| throw_map("query", format!("jq: {error}"), Map::new()))
        });

    FuncRegistration::new("parse_json")
        .with_params_info(["text: &str", "Dynamic"])
        .with_comments(["/// The value of JSON `text` (objects become maps, null becomes `()`)."])
        .register_into_engine(engine, |text: &str| -> FnResult<Dynamic> {
            serde_json::from_str::<Value>(text)
                .map(|value| json_to_dynamic(&value))
                .map_err(|error| throw_map("json", format!("parse_json: {error}"), Map::new()))
        });

    let s = state.clone();
    FuncRegistration::new("print_table")
        .with_volatility(true)
        .with_params_info(["rows: Dynamic", "()"])
        .with_comments(["/// Prints a list answer (its type's default columns) or an array of maps (the union of\n/// their keys) as a table on stdout, fitted to the terminal."])
        .register_into_engine(engine, move |rows: Dynamic| -> FnResult<()> { print_table(&s, &rows, None) });
    let s = state.clone();
    FuncRegistration::new("print_table")
        .with_volatility(true)
        .with_params_info(["rows: Dynamic", "columns: Array", "()"])
        .with_comments([
            "/// Prints an array of maps as a table with these columns, in this order.",
        ])
        .register_into_engine(
            engine,
            move |rows: Dynamic, columns: Array| -> FnResult<()> {
                print_table(&s, &rows, Some(&columns))
            },
        );
}

/// An argument's text read as the type of its default.
fn typed_like(name: &str, text: &str, default: &Dynamic) -> FnResult<Dynamic> {
    let trimmed = text.trim();
    if default.is_int() {
        return trimmed.parse::<INT>().map(Dynamic::from_int).map_err(|_| {
            throw(format!(
                "script argument `{name}` must be a whole number, not `{text}`"
            ))
        });
    }
    if default.is_float() {
        return trimmed
            .parse::<FLOAT>()
            .map(Dynamic::from_float)
            .map_err(|_| {
                throw(format!(
                    "script argument `{name}` must be a number, not `{text}`"
                ))
            });
    }
    if default.is_bool() {
        return match trimmed.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Dynamic::TRUE),
            "false" | "no" | "0" | "off" => Ok(Dynamic::FALSE),
            _ => Err(throw(format!(
                "script argument `{name}` must be true or false, not `{text}`"
            ))),
        };
    }
    Ok(text.into())
}

fn sleep(state: &HostState, seconds: FLOAT) -> FnResult<()> {
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(throw(format!(
            "sleep: {seconds} is not a number of seconds"
        )));
    }
    // The timer must be created inside the runtime, hence the async block.
    let pause = Duration::from_secs_f64(seconds);
    state.block_on(async move { tokio::time::sleep(pause).await })
}

fn to_json(value: &Dynamic, pretty: bool) -> FnResult<String> {
    let json = dynamic_to_json(value, "value")
        .map_err(|reason| throw_map("json", format!("to_json: {reason}"), Map::new()))?;
    let text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    };
    text.map_err(|error| throw_map("json", format!("to_json: {error}"), Map::new()))
}

fn print_table(state: &HostState, rows: &Dynamic, columns: Option<&Array>) -> FnResult<()> {
    let value = dynamic_to_json(rows, "rows")
        .map_err(|reason| throw_map("params", format!("print_table: {reason}"), Map::new()))?;
    // Chosen columns, in order; else a list answer's default columns; else
    // every key of the rows (the script made them).
    let fields = match columns {
        Some(columns) => Fields::Only(columns.iter().map(|column| column.to_string()).collect()),
        None if output::list_key(&value).is_some() => Fields::Default,
        None => Fields::All,
    };
    let view = output::View {
        format: Format::Table,
        width: output::terminal_width(),
        fields,
        terminal: output::stdout_is_terminal(),
        one_row_as_fields: false,
    };
    let text = output::render_view(&value, &view);
    state.emit(Stream::Stdout, text.strip_suffix('\n').unwrap_or(&text));
    Ok(())
}
