//! Printing API answers: pretty JSON, JSON Lines, tables, aligned columns
//! and CSV.
//!
//! Numbers are printed exactly as the server sent them (serde_json keeps
//! their text). Tables show a chosen set of columns per resource type
//! ([`columns`]), fitted to the width (`table`): one line per row, cells
//! cut with `…`, ids never cut. `--fields` chooses the fields of every
//! format. Text from the server has its control characters replaced in
//! table, column and (on a terminal) CSV cells ([`text`]); JSON stays
//! exact JSON.

mod columns;
pub mod query;
mod table;
mod terminal;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use columns::union_of_keys;
pub use columns::{lookup, union_of_keys as columns, Fields};
pub use terminal::{spinner, stdout_is_terminal, terminal_width};

use columns::Column;
use table::{Grid, Style};

/// Writes `text` on standard output and flushes: the way csctl's answers
/// reach stdout (the print macros are refused by clippy.toml outside this
/// module). A closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error),
        _ => Ok(()),
    }
}

/// An output format: the one list of them (`-o`'s values, its help and
/// completion, the REPL's `:set output`, come from this enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty-printed JSON (the default).
    #[default]
    Json,
    /// One compact JSON document per row.
    Jsonl,
    /// A text table that fits the terminal.
    Table,
    /// Columns aligned with spaces, no borders (cmk's `column`).
    Column,
    /// Comma-separated values with a header row.
    Csv,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use clap::ValueEnum as _;
        <Self as clap::ValueEnum>::from_str(text, true).map_err(|_| {
            let names: Vec<String> = Self::value_variants()
                .iter()
                .map(ToString::to_string)
                .collect();
            format!(
                "unknown output format `{text}` (expected {})",
                or_list(&names)
            )
        })
    }
}

/// `a, b or c`.
fn or_list(names: &[String]) -> String {
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use clap::ValueEnum as _;
        match self.to_possible_value() {
            Some(value) => f.write_str(value.get_name()),
            None => Ok(()),
        }
    }
}

/// How to print an answer.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// The format.
    pub format: Format,
    /// The width tables and columns are fitted to; `None`: no limit.
    pub width: Option<u16>,
    /// Which fields.
    pub fields: Fields,
    /// The text goes to a terminal: CSV cells get their control characters
    /// replaced too (table and column cells always do).
    pub terminal: bool,
    /// A one-row answer is a field/value table (in `table` format), as
    /// `call` and the REPL show one entity.
    pub one_row_as_fields: bool,
}

impl View {
    /// A view in `format` with the default fields, fitted to `width`.
    pub fn new(format: Format, width: Option<u16>) -> Self {
        Self {
            format,
            width,
            ..Self::default()
        }
    }
}

/// Renders a value in `format`, default fields; `width` is the width tables
/// are fitted to. The text ends with a newline unless it is empty.
pub fn render(value: &Value, format: Format, width: Option<u16>) -> String {
    render_view(value, &View::new(format, width))
}

/// Renders a value as `view` says. The text ends with a newline unless it
/// is empty.
pub fn render_view(value: &Value, view: &View) -> String {
    if let Fields::Except(names) = &view.fields {
        // Leaving fields out is the answer without them, shown whole.
        let view = View {
            fields: Fields::All,
            ..view.clone()
        };
        return render_view(&without_fields(value, names), &view);
    }
    let key = list_key(value);
    match view.format {
        Format::Json => {
            // No copy of the answer unless fields are chosen.
            let json = match &view.fields {
                Fields::Only(names) => {
                    serde_json::to_string_pretty(&project_answer(value, names, key.as_deref()))
                }
                _ => serde_json::to_string_pretty(value),
            };
            let mut text = text::escape_json_text(json.unwrap_or_default());
            text.push('\n');
            text
        }
        Format::Jsonl | Format::Csv | Format::Table | Format::Column => {
            // The same writer as pages streamed one by one, given every
            // row at once.
            let rows = rows(value);
            let mut writer = RowWriter::new(view, key.as_deref());
            let mut text = writer.begin(&rows);
            text.push_str(&writer.rows(rows));
            text.push_str(&writer.end());
            text
        }
    }
}

/// `value` with the top-level fields `names` taken out of each of its rows
/// (the items of a list answer, the elements of an array, the entity).
fn without_fields(value: &Value, names: &[String]) -> Value {
    let strip = |row: &mut Value| {
        if let Value::Object(fields) = row {
            fields.retain(|name, _| !names.iter().any(|left| left.eq_ignore_ascii_case(name)));
        }
    };
    let mut value = value.clone();
    match &mut value {
        Value::Array(items) => items.iter_mut().for_each(strip),
        Value::Object(fields) => {
            if is_list_answer(fields) {
                for items in fields.values_mut().filter_map(Value::as_array_mut) {
                    items.iter_mut().for_each(strip);
                }
            } else if fields.len() == 1 && fields.values().all(Value::is_object) {
                fields.values_mut().for_each(strip);
            } else {
                strip(&mut value);
            }
        }
        _ => {}
    }
    value
}

/// The key of the list or entity an answer holds: `virtualmachine` for
/// `{"count": 2, "virtualmachine": […]}` and for `{"virtualmachine": {…}}`.
pub fn list_key(value: &Value) -> Option<String> {
    let Value::Object(fields) = value else {
        return None;
    };
    if is_list_answer(fields) {
        return fields
            .iter()
            .find(|(_, field)| field.is_array())
            .map(|(key, _)| key.clone());
    }
    match (fields.len(), fields.iter().next()) {
        (1, Some((key, Value::Object(_)))) => Some(key.clone()),
        _ => None,
    }
}

fn is_list_answer(fields: &Map<String, Value>) -> bool {
    fields.values().any(Value::is_array)
        && fields
            .values()
            .all(|field| field.is_array() || field.is_number())
}

/// The rows a value is shown as: the items of a list answer, the elements of
/// an array, the single entity of `{"virtualmachine": {…}}`, or the value.
pub fn rows(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Object(fields) => {
            if is_list_answer(fields) {
                if let Some(items) = fields.values().find_map(Value::as_array) {
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

/// The answer with each row reduced to `names`, its shape kept: a list
/// answer keeps `count`, an entity its key.
fn project_answer(value: &Value, names: &[String], key: Option<&str>) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|row| columns::project(row, names, key))
                .collect(),
        ),
        Value::Object(fields) if is_list_answer(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, field)| match field {
                    Value::Array(_) => (name.clone(), project_answer(field, names, key)),
                    other => (name.clone(), other.clone()),
                })
                .collect(),
        ),
        Value::Object(fields) if key.is_some() && fields.len() == 1 => Value::Object(
            fields
                .iter()
                .map(|(name, entity)| (name.clone(), columns::project(entity, names, key)))
                .collect(),
        ),
        other => columns::project(other, names, key),
    }
}

/// A cell's text: strings bare, numbers exact, a list of plain values
/// comma-joined, tags as `key=value`, other nested values as compact JSON.
pub fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) if items.iter().all(is_plain) => items
            .iter()
            .map(|item| cell_text(Some(item)))
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::Array(items)) if items.iter().all(is_tag) => items
            .iter()
            .map(|tag| {
                format!(
                    "{}={}",
                    cell_text(tag.get("key")),
                    cell_text(tag.get("value"))
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

fn is_plain(value: &Value) -> bool {
    !value.is_array() && !value.is_object()
}

fn is_tag(value: &Value) -> bool {
    value.get("key").is_some_and(is_plain) && value.get("value").is_some_and(is_plain)
}

/// A cell as a table shows it: on one line, nothing a terminal acts on.
fn table_cell(value: Option<&Value>) -> String {
    text::sanitize(&cell_text(value)).into_owned()
}

fn grid(rows: &[Value], key: Option<&str>, view: &View) -> String {
    if rows.is_empty() {
        return if view.format == Format::Table {
            "(no rows)\n".into()
        } else {
            String::new()
        };
    }
    let style = match view.format {
        Format::Column => Style::Plain,
        _ => Style::Boxed,
    };
    let width = view.width.map(usize::from);
    if !rows.iter().all(Value::is_object) {
        let grid = Grid {
            headers: vec!["value".into()],
            priorities: vec![None],
            rows: rows.iter().map(|row| vec![table_cell(Some(row))]).collect(),
        };
        return grid.draw(style, width);
    }
    if view.one_row_as_fields && view.format == Format::Table && rows.len() == 1 {
        let row = &rows[0];
        let columns: Vec<Column> = match &view.fields {
            Fields::Only(_) => columns::choose(rows, key, &view.fields),
            _ => columns::choose(rows, key, &Fields::All),
        };
        let grid = Grid {
            headers: vec!["field".into(), "value".into()],
            priorities: vec![None, None],
            rows: columns
                .iter()
                .map(|column| {
                    vec![
                        text::sanitize(&column.header).into_owned(),
                        table_cell(column.value(row).as_ref()),
                    ]
                })
                .collect(),
        };
        return grid.draw(style, width);
    }
    let columns = columns::choose(rows, key, &view.fields);
    let grid = Grid {
        headers: columns
            .iter()
            .map(|column| text::sanitize(&column.header).into_owned())
            .collect(),
        priorities: columns.iter().map(|column| column.priority).collect(),
        rows: rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|column| table_cell(column.value(row).as_ref()))
                    .collect()
            })
            .collect(),
    };
    grid.draw(style, width)
}

/// The writer of every format that shows rows (all but `json`, which
/// prints the answer's own shape): `begin` with the first rows (CSV
/// chooses its columns from them and writes the header), `rows` for each
/// batch, `end`. JSON Lines and CSV print each batch as it comes; a table
/// or columns must measure every row before drawing, so those keep the
/// rows and draw them at `end`. `render_view` gives it a whole answer at
/// once; `csctl call --all` gives it each page as it arrives, so both
/// print alike.
pub struct RowWriter {
    view: View,
    key: Option<String>,
    /// CSV: the columns chosen by `begin`; empty: one `value` column.
    columns: Option<Vec<Column>>,
    /// Table and column: the rows kept for `end`.
    kept: Vec<Value>,
}

impl RowWriter {
    /// A writer for `view` (its format, fields, width and terminal), rows
    /// of the list `key` when known.
    pub fn new(view: &View, key: Option<&str>) -> Self {
        Self {
            view: view.clone(),
            key: key.map(str::to_string),
            columns: None,
            kept: Vec::new(),
        }
    }

    /// Sets the key of the list the rows come from (`virtualmachine`) when
    /// it was not known at `new`: streamed pages tell it with their rows.
    /// It picks a table's default columns. A key already set is kept.
    pub fn learn_key(&mut self, key: &str) {
        if self.key.is_none() && !key.is_empty() {
            self.key = Some(key.to_string());
        }
    }

    fn safe(&self, text: String) -> String {
        if self.view.terminal {
            text::sanitize(&text).into_owned()
        } else {
            text
        }
    }

    /// The text before the rows: the CSV header (columns from `first`:
    /// the chosen fields, else every key of those rows).
    pub fn begin(&mut self, first: &[Value]) -> String {
        if self.view.format != Format::Csv || first.is_empty() {
            return String::new();
        }
        let fields = match &self.view.fields {
            Fields::Default => Fields::All,
            other => other.clone(),
        };
        let columns = columns::choose(first, self.key.as_deref(), &fields);
        let headers: Vec<String> = if columns.is_empty() {
            vec!["value".to_string()]
        } else {
            columns
                .iter()
                .map(|c| self.safe(c.header.clone()))
                .collect()
        };
        self.columns = Some(columns);
        csv_line(&headers)
    }

    /// The lines of `rows` (none yet for a table or columns, which keep
    /// them for `end`).
    pub fn rows(&mut self, rows: Vec<Value>) -> String {
        let mut text = String::new();
        match self.view.format {
            Format::Table | Format::Column => match &self.view.fields {
                // Left-out fields go now: a one-row field/value table
                // would otherwise list every field.
                Fields::Except(names) => {
                    let names = names.clone();
                    self.kept
                        .extend(rows.iter().map(|row| without_fields(row, &names)));
                }
                _ => self.kept.extend(rows),
            },
            Format::Csv => {
                if self.columns.is_none() {
                    text.push_str(&self.begin(&rows));
                }
                let columns = self.columns.as_deref().unwrap_or_default();
                for row in &rows {
                    let cells: Vec<String> = if columns.is_empty() || !row.is_object() {
                        vec![self.safe(cell_text(Some(row)))]
                    } else {
                        columns
                            .iter()
                            .map(|column| self.safe(cell_text(column.value(row).as_ref())))
                            .collect()
                    };
                    text.push_str(&csv_line(&cells));
                }
            }
            Format::Json | Format::Jsonl => {
                for row in &rows {
                    let row = match &self.view.fields {
                        Fields::Only(names) => columns::project(row, names, self.key.as_deref()),
                        Fields::Except(names) => without_fields(row, names),
                        _ => row.clone(),
                    };
                    text.push_str(&text::escape_json_text(row.to_string()));
                    text.push('\n');
                }
            }
        }
        text
    }

    /// The text after the rows: a table or columns drawn from every row
    /// kept (`(no rows)` for an empty table); nothing for JSON Lines and
    /// CSV.
    pub fn end(&mut self) -> String {
        match self.view.format {
            Format::Table | Format::Column => {
                let rows = std::mem::take(&mut self.kept);
                grid(&rows, self.key.as_deref(), &self.view)
            }
            _ => String::new(),
        }
    }

    /// A top-level field of `rows` that the CSV header (written with the
    /// first rows) lacks, and that was not left out: rows streamed later
    /// cannot add a column.
    pub fn missing_column(&self, rows: &[Value]) -> Option<String> {
        let columns = self.columns.as_ref()?;
        if self.view.format != Format::Csv || matches!(self.view.fields, Fields::Only(_)) {
            return None;
        }
        union_of_keys(rows).into_iter().find(|name| {
            self.view.fields.keeps(name) && !columns.iter().any(|column| &column.header == name)
        })
    }
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
    fn nested_values_are_compact() {
        let tags = parse(r#"[{"key":"env","value":"prod"},{"key":"team","value":"web"}]"#);
        assert_eq!(cell_text(Some(&tags)), "env=prod,team=web");
        assert_eq!(cell_text(Some(&parse(r#"["a",1,true]"#))), "a,1,true");
        assert_eq!(
            cell_text(Some(&parse(r#"[{"ip":"10.0.0.2"}]"#))),
            r#"[{"ip":"10.0.0.2"}]"#
        );
        assert_eq!(
            cell_text(Some(&parse("12345678901234567890.10"))),
            "12345678901234567890.10"
        );
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let value = parse(r#"[{"a":"x,y","b":"say \"hi\"","c":{"k":1}}]"#);
        assert_eq!(
            render(&value, Format::Csv, None),
            "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"{\"\"k\"\":1}\"\n"
        );
    }

    fn vms(count: usize) -> Value {
        let vms: Vec<Value> = (1..=count)
            .map(|n| {
                serde_json::json!({
                    "id": format!("6d5b069b-4268-4c7c-810f-2793c2ac{n:04}"),
                    "name": format!("web-{n:02}"), "displayname": format!("web-{n:02}"),
                    "state": "Running", "zonename": "SimZone1", "zoneid": "z",
                    "serviceofferingname": "m1.small", "templatename": "Debian 7 (64-bit)",
                    "nic": [{"ipaddress": format!("10.1.1.{n}"), "isdefault": true}],
                    "cpunumber": 1, "memory": 512, "tags": [],
                })
            })
            .collect();
        serde_json::json!({"count": count, "virtualmachine": vms})
    }

    #[test]
    fn a_vm_table_fits_80_columns_one_line_per_vm() {
        let table = render(&vms(13), Format::Table, Some(80));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 13 + 4, "{table}");
        for line in &lines {
            assert!(text::width(line) <= 80, "{table}");
        }
        assert!(
            lines[1].contains("name") && lines[1].contains("id"),
            "{table}"
        );
        assert!(
            table.contains("6d5b069b-4268-4c7c-810f-2793c2ac0013"),
            "{table}"
        );
        let wide = render(&vms(2), Format::Table, Some(160));
        for header in ["name", "state", "zone", "ip", "offering", "template", "id"] {
            assert!(wide.lines().nth(1).unwrap().contains(header), "{wide}");
        }
    }

    #[test]
    fn fields_choose_the_columns_of_every_format() {
        let view = |format| View {
            format,
            fields: "name,state".parse().unwrap(),
            ..View::default()
        };
        let answer = vms(2);
        assert_eq!(
            render_view(&answer, &view(Format::Csv)),
            "name,state\nweb-01,Running\nweb-02,Running\n"
        );
        assert_eq!(
            render_view(&answer, &view(Format::Jsonl)),
            "{\"name\":\"web-01\",\"state\":\"Running\"}\n{\"name\":\"web-02\",\"state\":\"Running\"}\n"
        );
        let json: Value = serde_json::from_str(&render_view(&answer, &view(Format::Json))).unwrap();
        assert_eq!(json["count"], 2);
        assert_eq!(
            json["virtualmachine"][1],
            serde_json::json!({"name": "web-02", "state": "Running"})
        );
        assert_eq!(
            render_view(&answer, &view(Format::Column)),
            "name    state\nweb-01  Running\nweb-02  Running\n"
        );
        let all = View {
            format: Format::Table,
            fields: Fields::All,
            ..View::default()
        };
        assert!(render_view(&answer, &all).contains("cpunumber"));
    }

    #[test]
    fn one_row_is_a_field_value_table_when_asked() {
        let value =
            parse(r#"{"virtualmachine":{"id":"v1","state":"Running","nic":[{"ip":"10.0.0.2"}]}}"#);
        let view = View {
            format: Format::Table,
            width: Some(80),
            one_row_as_fields: true,
            ..View::default()
        };
        let table = render_view(&value, &view);
        assert!(
            table.contains("field") && table.contains("state") && table.contains("Running"),
            "{table}"
        );
        assert!(table.contains(r#"[{"ip":"10.0.0.2"}]"#), "{table}");
    }

    #[test]
    fn control_characters_never_reach_a_table() {
        let value = parse(r#"[{"name":"evil\u001b]0;pwned\u0007\nline","id":"x"}]"#);
        for format in [Format::Table, Format::Column] {
            let text = render(&value, format, Some(80));
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text}"
            );
            assert!(text.contains("evil␛]0;pwned␇␊line"), "{text}");
        }
        let csv = render_view(
            &value,
            &View {
                format: Format::Csv,
                terminal: true,
                ..View::default()
            },
        );
        assert!(!csv.contains('\u{1b}'), "{csv}");
        let json = render(&value, Format::Json, None);
        assert!(json.contains("\\u001b"), "{json}");
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
