//! Text of cells: what the server sent, made safe for a terminal and cut to
//! a width.
//!
//! The server is not trusted: a VM name or an error text can hold escape
//! sequences that move the cursor, rewrite the screen or set the window
//! title. Every character that a terminal could act on is replaced by a
//! visible stand-in before a cell is written.

use unicode_width::UnicodeWidthChar as _;

/// What marks a cut cell.
pub const ELLIPSIS: char = '…';

pub use crate::terminal_text::is_unsafe;

/// `text` with every unsafe character replaced by a visible one: a C0
/// control or DEL by its Unicode control picture (`␛`, `␊`, `␉`, `␡`),
/// anything else by `�`. Borrowed when nothing needs replacing.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            '\u{7F}' => '\u{2421}',
            c if is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// [`sanitize`] for free text: line breaks and tabs stay.
pub fn sanitize_keeping_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return text.into();
    }
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(|part| sanitize(part).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

/// JSON text with the unsafe characters that serde_json leaves raw inside
/// strings (DEL, C1 controls, bidirectional overrides) written as `\uXXXX`
/// escapes: the same JSON value, safe to show. Those characters can only
/// occur inside strings, so a plain scan is exact.
pub fn escape_json_text(json: String) -> String {
    if !json.chars().any(is_unsafe_in_json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe_in_json(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// serde_json escapes C0 controls itself; newlines between tokens of pretty
/// JSON must stay.
fn is_unsafe_in_json(c: char) -> bool {
    is_unsafe(c) && !matches!(c, '\u{0}'..='\u{1F}')
}

/// Columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` cut to at most `max` columns, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push(ELLIPSIS);
    out
}

/// `text` followed by spaces up to `columns`.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_string();
    for _ in width(text)..columns {
        out.push(' ');
    }
    out
}

/// Whether `text` looks like an identifier that must never be cut: a UUID
/// (CloudStack's ids), or a long run of hex digits and dashes or colons (a
/// fingerprint).
pub fn looks_like_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let uuid = bytes.len() == 36
        && bytes.iter().enumerate().all(|(at, b)| match at {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    let fingerprint = bytes.len() >= 32
        && bytes
            .iter()
            .all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'-');
    uuid || fingerprint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(sanitize("a\x1b[2Jb\nc\td\x7f"), "a␛[2Jb␊c␉d␡");
        assert_eq!(sanitize("x\u{9b}y\u{202e}z"), "x\u{FFFD}y\u{FFFD}z");
        assert!(matches!(
            sanitize("plain é 名"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(sanitize_keeping_lines("a\tb\nc\x1bd\r"), "a\tb\nc␛d␍");
    }

    #[test]
    fn json_keeps_its_value_with_c1_escaped() {
        let json = serde_json::to_string(&serde_json::json!({"a": "x\u{9b}y\u{7f}"})).unwrap();
        let safe = escape_json_text(json.clone());
        assert_eq!(safe, r#"{"a":"x\u009by\u007f"}"#);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
    }

    #[test]
    fn cutting_counts_columns_and_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("名前名前", 5), "名前…");
        assert_eq!(width("名前"), 4);
        assert_eq!(pad("ab", 4), "ab  ");
    }

    #[test]
    fn ids_are_recognised() {
        assert!(looks_like_id("6d5b069b-4268-4c7c-810f-2793c2ac44fb"));
        assert!(looks_like_id(
            "f6:77:39:d6:cb:ad:b5:14:e8:7a:91:60:5b:9d:31:2c"
        ));
        assert!(!looks_like_id("web-01"));
    }
}
