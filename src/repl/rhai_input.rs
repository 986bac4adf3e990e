//! Rhai lines in the REPL: the `_` variable, multi-line detection, and the
//! names that complete (variables, functions, keywords).
//!
//! `_` (the result of the last shorthand call) is not a valid Rhai variable
//! name, so a standalone `_` outside strings and comments is rewritten to
//! [`LAST_VAR`] before the line is compiled (`switch` default arms, `_ =>`,
//! are left alone).

use rhai::{Engine, ParseError, ParseErrorType};

/// The Rhai variable that holds the result of the last shorthand call; the
/// user writes `_`.
pub const LAST_VAR: &str = "_last";

/// Rhai keywords offered by completion.
pub const KEYWORDS: &[&str] = &[
    "let",
    "const",
    "fn",
    "if",
    "else",
    "while",
    "loop",
    "for",
    "in",
    "do",
    "until",
    "return",
    "throw",
    "try",
    "catch",
    "switch",
    "break",
    "continue",
    "true",
    "false",
    "import",
    "export",
    "as",
    "private",
    "this",
    "global",
    "is_def_var",
    "is_def_fn",
    "type_of",
    "print",
    "debug",
];

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Rewrites every standalone `_` of a Rhai input to [`LAST_VAR`], leaving
/// strings, characters, comments and `_ =>` alone. Returns `None` when
/// there is nothing to rewrite.
pub fn rewrite_underscore(input: &str) -> Option<String> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Str,
        Backtick,
        Char,
        LineComment,
        BlockComment(usize),
    }
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut state = State::Code;
    let mut hits = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let next = chars.get(i + 1).map(|&(_, c)| c);
        match state {
            State::Code => match (c, next) {
                ('/', Some('/')) => {
                    state = State::LineComment;
                    i += 1;
                }
                ('/', Some('*')) => {
                    state = State::BlockComment(1);
                    i += 1;
                }
                ('"', _) => state = State::Str,
                ('`', _) => state = State::Backtick,
                ('\'', _) => state = State::Char,
                ('_', _) => {
                    let before = i.checked_sub(1).map(|j| chars[j].1);
                    let standalone =
                        !before.is_some_and(is_ident_char) && !next.is_some_and(is_ident_char);
                    let rest = &input[chars[i].0 + 1..];
                    if standalone && !rest.trim_start().starts_with("=>") {
                        hits.push(chars[i].0);
                    }
                }
                _ => {}
            },
            State::Str | State::Char => match c {
                '\\' => i += 1,
                '"' if state == State::Str => state = State::Code,
                '\'' if state == State::Char => state = State::Code,
                _ => {}
            },
            State::Backtick => {
                if c == '`' {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment(depth) => match (c, next) {
                ('*', Some('/')) => {
                    state = if depth == 1 {
                        State::Code
                    } else {
                        State::BlockComment(depth - 1)
                    };
                    i += 1;
                }
                ('/', Some('*')) => {
                    state = State::BlockComment(depth + 1);
                    i += 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    if hits.is_empty() {
        return None;
    }
    let mut output = String::with_capacity(input.len() + hits.len() * LAST_VAR.len());
    let mut from = 0;
    for at in hits {
        output.push_str(&input[from..at]);
        output.push_str(LAST_VAR);
        from = at + 1;
    }
    output.push_str(&input[from..]);
    Some(output)
}

/// An engine that only parses, for the multi-line check (the real engine
/// lives in the script host).
pub fn syntax_engine() -> Engine {
    let mut engine = Engine::new_raw();
    engine.set_max_expr_depths(64, 32);
    engine
}

/// Whether `input` is unfinished Rhai: an open string, bracket or block, or
/// an operator waiting for its operand, i.e. a parse error at its very end.
/// Any other error is left for the run to report with its position.
pub fn is_incomplete(engine: &Engine, input: &str) -> bool {
    let source = rewrite_underscore(input);
    match engine.compile(source.as_deref().unwrap_or(input)) {
        Ok(_) => false,
        Err(error) => error_at_end(&error, source.as_deref().unwrap_or(input)),
    }
}

fn error_at_end(error: &ParseError, input: &str) -> bool {
    let ParseError(kind, position) = error;
    match kind.as_ref() {
        ParseErrorType::UnexpectedEOF => return true,
        // A backtick string may span lines; a "…" string left open at the
        // end of the input may be continued with a trailing backslash.
        ParseErrorType::BadInput(rhai::LexError::UnterminatedString) => {
            return open_string_may_continue(input)
        }
        _ => {}
    }
    let (Some(line), Some(column)) = (position.line(), position.position()) else {
        return true;
    };
    // The last non-blank character, 1-based (line, column).
    let mut last = (0, 0);
    for (index, text) in input.split('\n').enumerate() {
        if let Some(at) = text.trim_end().chars().count().checked_sub(1) {
            last = (index + 1, at + 1);
        }
    }
    (line, column) > last
}

fn open_string_may_continue(input: &str) -> bool {
    let trimmed = input.trim_end_matches([' ', '\t']);
    let backticks = input.matches('`').count();
    backticks % 2 == 1 || trimmed.ends_with('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscore_becomes_the_last_result() {
        assert_eq!(
            rewrite_underscore("_.zone[0].name").as_deref(),
            Some("_last.zone[0].name")
        );
        assert_eq!(
            rewrite_underscore("len(_) + _.count").as_deref(),
            Some("len(_last) + _last.count")
        );
        assert_eq!(rewrite_underscore("let _x = a_b;"), None);
        assert_eq!(rewrite_underscore(r#"print("_ is " + '_') // _"#), None);
        assert_eq!(rewrite_underscore("switch x { 1 => 2, _ => 3 }"), None);
        assert_eq!(
            rewrite_underscore("/* _ /* _ */ _ */ _").as_deref(),
            Some("/* _ /* _ */ _ */ _last")
        );
        assert_eq!(
            rewrite_underscore(r#""a\"_" + _"#).as_deref(),
            Some(r#""a\"_" + _last"#)
        );
        assert_eq!(
            rewrite_underscore("`_` + _").as_deref(),
            Some("`_` + _last")
        );
    }

    #[test]
    fn unfinished_input_is_incomplete() {
        let engine = syntax_engine();
        for input in [
            "fn f() {",
            "#{ a: 1,",
            "foo(1",
            "`abc",
            "1 +",
            "let x = [1,\n2",
            "if x {\n",
            "\"abc \\",
        ] {
            assert!(
                is_incomplete(&engine, input),
                "{input:?} should be incomplete"
            );
        }
    }

    #[test]
    fn finished_or_wrong_input_is_not() {
        let engine = syntax_engine();
        for input in [
            "1 + 2",
            "let x = 1 2",
            "fn f() { 1 }",
            "foo(1))",
            "_.name",
            "\"abc",
            "x +* 2",
            "let = 5",
        ] {
            assert!(
                !is_incomplete(&engine, input),
                "{input:?} should be complete"
            );
        }
    }
}
