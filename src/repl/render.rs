//! Printing results in the REPL: the chosen output format, and JSON
//! pretty-printed with colours on a terminal (unless `NO_COLOR` is set).

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Write as _};

use serde_json::Value;

use csctl::output::{self, Fields, Format, View};

const KEY: &str = "\x1b[34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const LITERAL: &str = "\x1b[35m";
const RESET: &str = "\x1b[0m";

/// Whether stdout takes colours: a terminal, `NO_COLOR` unset or empty,
/// and `TERM` not `dumb`.
pub fn colour_enabled() -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|term| term == "dumb");
    !no_colour && !dumb && std::io::stdout().is_terminal()
}

/// A value in `format`, ending with a newline; JSON is coloured when `colour`.
#[cfg(test)]
pub fn render(value: &Value, format: Format, width: Option<u16>, colour: bool) -> String {
    render_fields(value, format, width, colour, &Fields::Default)
}

/// A value in `format` with chosen fields (`filter=` on a call), ending
/// with a newline; JSON is coloured when `colour`. One entity (a VM, a job
/// result) in a table is a field/value table, which reads better than fifty
/// narrow columns.
pub fn render_fields(
    value: &Value,
    format: Format,
    width: Option<u16>,
    colour: bool,
    fields: &Fields,
) -> String {
    if format != Format::Json && !value.is_object() && !value.is_array() {
        // A plain value (a Rhai result such as `vm.name`) is no table.
        return format!("{}\n", output::text::escape_json_text(value.to_string()));
    }
    if format == Format::Json && colour && *fields == Fields::Default {
        let mut text = String::new();
        write_json(&mut text, value, 0);
        text.push('\n');
        return text;
    }
    let view = View {
        format,
        width,
        fields: fields.clone(),
        terminal: output::stdout_is_terminal(),
        one_row_as_fields: true,
    };
    output::render_view(value, &view)
}

/// Text that is not JSON (a Rhai value that has no JSON form), made safe for
/// a terminal.
pub fn plain_text(text: &str) -> String {
    if output::stdout_is_terminal() {
        output::text::sanitize(text).into_owned()
    } else {
        text.to_string()
    }
}

/// Prints to stdout, ignoring a closed pipe.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Pretty JSON with the layout of `serde_json::to_string_pretty` (two-space
/// indent) and ANSI colours: keys blue, strings green, numbers cyan,
/// `true`/`false`/`null` magenta.
fn write_json(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Null => paint(out, LITERAL, "null"),
        Value::Bool(flag) => paint(out, LITERAL, if *flag { "true" } else { "false" }),
        Value::Number(number) => paint(out, NUMBER, &number.to_string()),
        Value::String(text) => paint(out, STRING, &quoted(text)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (at, item) in items.iter().enumerate() {
                out.push_str(if at == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_json(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (at, (key, item)) in fields.iter().enumerate() {
                out.push_str(if at == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                paint(out, KEY, &quoted(key));
                out.push_str(": ");
                write_json(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
    }
}

fn paint(out: &mut String, colour: &str, text: &str) {
    let _ = write!(out, "{colour}{text}{RESET}");
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn quoted(text: &str) -> String {
    output::text::escape_json_text(
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\"")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn coloured_json_has_the_plain_layout() {
        let value: Value = serde_json::from_str(
            r#"{"a":[1,2.50,{"b":null,"c":"x\"y"}],"d":{},"e":[],"f":true,"g":12345678901234567890}"#,
        )
        .unwrap();
        let coloured = render(&value, Format::Json, None, true);
        assert!(coloured.contains(KEY));
        assert_eq!(strip(&coloured), render(&value, Format::Json, None, false));
        assert!(coloured.contains("2.50"));
    }

    #[test]
    fn other_formats_are_never_coloured() {
        let value: Value = serde_json::from_str(r#"[{"a":1}]"#).unwrap();
        assert_eq!(render(&value, Format::Csv, None, true), "a\n1\n");
    }

    #[test]
    fn one_entity_is_a_field_value_table() {
        let value: Value = serde_json::from_str(
            r#"{"virtualmachine":{"id":"v1","state":"Running","nic":[{"ip":"10.0.0.2"}]}}"#,
        )
        .unwrap();
        let table = render(&value, Format::Table, Some(80), false);
        assert!(
            table.contains("field") && table.contains("state") && table.contains("Running"),
            "{table}"
        );
        assert!(table.contains(r#"[{"ip":"10.0.0.2"}]"#), "{table}");
    }

    #[test]
    fn plain_values_print_as_json_text_in_every_format() {
        let value = Value::String("web 1".into());
        assert_eq!(
            render(&value, Format::Table, Some(80), false),
            "\"web 1\"\n"
        );
        assert_eq!(render(&Value::from(42), Format::Csv, None, false), "42\n");
    }
}
