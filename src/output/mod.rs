//! Printing API answers: pretty JSON, JSON Lines, tables and CSV.
//!
//! Numbers are printed exactly as the server sent them (serde_json keeps
//! their text), and table and CSV columns are the union of every row's keys
//! in first-seen order, not the first row's keys.

mod terminal;

use std::fmt;
use std::str::FromStr;

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{Map, Value};

pub use terminal::{spinner, terminal_width};

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON (the default).
    #[default]
    Json,
    /// One compact JSON document per row.
    Jsonl,
    /// A text table that fits the terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "jsonl" => Ok(Self::Jsonl),
            "table" => Ok(Self::Table),
            "csv" => Ok(Self::Csv),
            _ => Err(format!(
                "unknown output format `{text}` (expected json, jsonl, table or csv)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Json => "json",
            Self::Jsonl => "jsonl",
            Self::Table => "table",
            Self::Csv => "csv",
        })
    }
}

/// Renders a value in `format`; `width` is the terminal width for tables.
/// The text ends with a newline unless it is empty.
pub fn render(value: &Value, format: Format, width: Option<u16>) -> String {
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Jsonl => rows(value).iter().map(|row| format!("{row}\n")).collect(),
        Format::Table => table(&rows(value), width),
        Format::Csv => csv(&rows(value)),
    }
}

/// The rows a value is shown as: the items of a list answer, the elements of
/// an array, the single entity of `{"virtualmachine": {…}}`, or the value.
pub fn rows(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Object(fields) => {
            if let Some(items) = fields.values().find_map(Value::as_array) {
                if fields
                    .values()
                    .all(|field| field.is_array() || field.is_number())
                {
                    return items.clone();
                }
            }
            if fields.is_empty() {
                return Vec::new();
            }
            if let (1, Some(Value::Object(_))) = (fields.len(), fields.values().next()) {
                return vec![fields.values().next().cloned().unwrap_or_default()];
            }
            vec![value.clone()]
        }
        other => vec![other.clone()],
    }
}

/// The union of the rows' keys, in first-seen order.
pub fn columns(rows: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(fields) = row {
            for key in fields.keys() {
                if !columns.iter().any(|column| column == key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

/// A cell's text: strings bare, numbers exact, nested values as compact JSON.
pub fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn row_cells(row: &Value, columns: &[String]) -> Vec<String> {
    match row {
        Value::Object(fields) => columns
            .iter()
            .map(|column| cell_text(fields.get(column)))
            .collect(),
        other => vec![cell_text(Some(other))],
    }
}

fn table(rows: &[Value], width: Option<u16>) -> String {
    if rows.is_empty() {
        return "(no rows)\n".into();
    }
    let mut columns = columns(rows);
    if columns.is_empty() {
        columns.push("value".into());
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(columns.clone());
    if let Some(width) = width {
        table.set_width(width);
    }
    for row in rows {
        table.add_row(row_cells(row, &columns));
    }
    format!("{table}\n")
}

fn csv(rows: &[Value]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut columns = columns(rows);
    if columns.is_empty() {
        columns.push("value".into());
    }
    let mut text = csv_line(&columns);
    for row in rows {
        text.push_str(&csv_line(&row_cells(row, &columns)));
    }
    text
}

/// CSV lines of `rows` in the given `columns`, with the header line first
/// when `header` (for writing a long list a page at a time).
pub fn csv_rows(rows: &[Value], columns: &[String], header: bool) -> String {
    let mut text = if header {
        csv_line(columns)
    } else {
        String::new()
    };
    for row in rows {
        text.push_str(&csv_line(&row_cells(row, columns)));
    }
    text
}

fn csv_line(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|cell| {
            if cell.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// An object with the given fields, for building small outputs.
pub fn object<I: IntoIterator<Item = (&'static str, Value)>>(fields: I) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn columns_are_the_union_of_all_rows() {
        let value = parse(
            r#"{"count":2,"virtualmachine":[{"id":"a","name":"x"},{"id":"b","state":"Running"}]}"#,
        );
        assert_eq!(
            render(&value, Format::Csv, None),
            "id,name,state\na,x,\nb,,Running\n"
        );
    }

    #[test]
    fn numbers_stay_exact() {
        let value = parse(r#"{"count":1,"x":[{"size":12345678901234567890,"ratio":1.10}]}"#);
        assert_eq!(
            render(&value, Format::Csv, None),
            "size,ratio\n12345678901234567890,1.10\n"
        );
        assert!(render(&value, Format::Json, None).contains("12345678901234567890"));
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let value = parse(r#"[{"a":"x,y","b":"say \"hi\"","c":{"k":1}}]"#);
        assert_eq!(
            render(&value, Format::Csv, None),
            "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"{\"\"k\"\":1}\"\n"
        );
    }

    #[test]
    fn a_single_entity_is_one_row_and_empty_lists_none() {
        let value = parse(r#"{"virtualmachine":{"id":"a","state":"Running"}}"#);
        assert_eq!(
            render(&value, Format::Jsonl, None),
            "{\"id\":\"a\",\"state\":\"Running\"}\n"
        );
        assert_eq!(render(&parse("{}"), Format::Table, None), "(no rows)\n");
        let table = render(
            &parse(r#"{"count":1,"zone":[{"id":"z","name":"Zone 1"}]}"#),
            Format::Table,
            Some(80),
        );
        assert!(table.contains("Zone 1"), "{table}");
    }
}
