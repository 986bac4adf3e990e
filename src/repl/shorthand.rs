//! Shorthand API calls: a line such as
//! `listVirtualMachines state=Running name="web 1"` is an API name followed
//! by `name=value` words, split like a shell does (quotes group words, a
//! backslash escapes the next character).
//!
//! A line is shorthand only when its first word is a known API name
//! (case-insensitive) or looks like one (`^[a-z]+[A-Z]\w*$`, e.g.
//! `listFooBars` on a server newer than the cached catalogue), and every
//! other word is `name=value`. A lone word that is also a Rhai variable or
//! function stays Rhai, so `myList` prints the variable.
//!
//! cmk's habit works too ([`parse_words`]): `list virtualmachines
//! state=Running`, `deploy virtualmachine k=v`, a verb and a noun (singular
//! or plural, any case) that name an API, then `name=value` words.

/// One word of a line: its text with quotes and escapes removed, and where
/// it sits in the line (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The text, unquoted.
    pub text: String,
    /// Byte offset of its first character in the line.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

/// The words of a line, and the quote left open at its end, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The words, the last one possibly unfinished.
    pub words: Vec<Word>,
    /// `Some('"')` when the line ends inside a double-quoted string.
    pub open_quote: Option<char>,
    /// Whether the line ends with whitespace outside quotes (a new word starts).
    pub trailing_space: bool,
}

/// Splits a line into words like a POSIX shell: whitespace separates words,
/// `'…'` is literal, `"…"` allows `\"` and `\\`, and outside quotes `\x` is
/// `x`. Never fails: an open quote is reported in [`Split::open_quote`].
pub fn split(line: &str) -> Split {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let end = index + c.len_utf8();
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else if let Some(word) = current.as_mut() {
                    word.text.push(c);
                }
                if let Some(word) = current.as_mut() {
                    word.end = end;
                }
            }
            Some(_) => {
                let word = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    start: index,
                    end,
                });
                word.end = end;
                match c {
                    '"' => quote = None,
                    '\\' => match chars.peek() {
                        Some(&(next_index, next @ ('"' | '\\' | '$' | '`'))) => {
                            word.text.push(next);
                            word.end = next_index + next.len_utf8();
                            chars.next();
                        }
                        _ => word.text.push('\\'),
                    },
                    _ => word.text.push(c),
                }
            }
            None if c.is_whitespace() => {
                if let Some(word) = current.take() {
                    words.push(word);
                }
            }
            None => {
                let word = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    start: index,
                    end,
                });
                word.end = end;
                match c {
                    '\'' | '"' => quote = Some(c),
                    '\\' => {
                        if let Some(&(next_index, next)) = chars.peek() {
                            word.text.push(next);
                            word.end = next_index + next.len_utf8();
                            chars.next();
                        }
                    }
                    _ => word.text.push(c),
                }
            }
        }
    }
    let trailing_space = quote.is_none() && current.is_none() && !line.is_empty();
    if let Some(word) = current {
        words.push(word);
    }
    Split {
        words,
        open_quote: quote,
        trailing_space,
    }
}

/// A shorthand line, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shorthand {
    /// The API name as typed.
    pub api: String,
    /// The `name=value` words, unquoted (values may still be `@file`).
    pub args: Vec<String>,
}

/// What a line that looks like shorthand turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not shorthand: evaluate it as Rhai.
    NotShorthand,
    /// A call to make.
    Call(Shorthand),
    /// Shorthand with a mistake the user must fix (an open quote).
    Invalid(String),
}

/// Whether `word` is shaped like a CloudStack API name: a lower-case verb
/// then a capitalised noun (`listZones`, `deployVirtualMachine`).
pub fn looks_like_api(word: &str) -> bool {
    let verb = word.bytes().take_while(u8::is_ascii_lowercase).count();
    let rest = &word.as_bytes()[verb..];
    verb > 0
        && rest.first().is_some_and(u8::is_ascii_uppercase)
        && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// Whether `word` is a `name=value` argument with a valid parameter name
/// (letters, digits, `_ - . [ ]`, as `tags[0].key`).
pub fn is_assignment(word: &str) -> bool {
    word.split_once('=')
        .is_some_and(|(name, _)| is_param_name(name))
}

/// Whether `name` can be a parameter name.
pub fn is_param_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
}

/// Classifies a line. `is_known_api` says whether a word names an API of the
/// catalogue (ignoring case); `is_rhai_name` whether it names a Rhai variable
/// or function of the session.
pub fn parse(
    line: &str,
    is_known_api: impl Fn(&str) -> bool,
    is_rhai_name: impl Fn(&str) -> bool,
) -> Parsed {
    let line = line.trim();
    let first = line.split_whitespace().next().unwrap_or_default();
    let known = is_known_api(first);
    if first.is_empty() || !(known || looks_like_api(first)) {
        return Parsed::NotShorthand;
    }
    let rest = line[first.len()..].trim_start();
    if rest.is_empty() && !known && is_rhai_name(first) {
        return Parsed::NotShorthand;
    }
    let split = split(rest);
    // Every word must be `name=…`; the last one may be unfinished inside a
    // quote, which is still shorthand, just wrong.
    if !split.words.iter().all(|word| is_assignment(&word.text)) {
        return Parsed::NotShorthand;
    }
    if let Some(quote) = split.open_quote {
        return Parsed::Invalid(format!("unterminated {quote} quote in `{line}`"));
    }
    Parsed::Call(Shorthand {
        api: first.to_string(),
        args: split.words.into_iter().map(|word| word.text).collect(),
    })
}

/// Classifies a cmk-style line, `list virtualmachines state=Running`: a
/// verb and a noun that `resolve` turns into an API name (singular or
/// plural, any case), then `name=value` words.
pub fn parse_words(line: &str, resolve: impl Fn(&str, &str) -> Option<String>) -> Parsed {
    let split = split(line.trim());
    let [verb, noun, rest @ ..] = split.words.as_slice() else {
        return Parsed::NotShorthand;
    };
    let plain = |word: &Word| {
        !word.text.is_empty()
            && word.text.len() == word.end - word.start
            && word.text.chars().all(|c| c.is_ascii_alphanumeric())
    };
    if !plain(verb) || !plain(noun) {
        return Parsed::NotShorthand;
    }
    let Some(api) = resolve(&verb.text, &noun.text) else {
        return Parsed::NotShorthand;
    };
    if !rest.iter().all(|word| is_assignment(&word.text)) {
        return Parsed::NotShorthand;
    }
    if let Some(quote) = split.open_quote {
        return Parsed::Invalid(format!("unterminated {quote} quote in `{}`", line.trim()));
    }
    Parsed::Call(Shorthand {
        api,
        args: rest.iter().map(|word| word.text.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).words.into_iter().map(|w| w.text).collect()
    }

    fn known(name: &str) -> bool {
        ["listZones", "deployVirtualMachine", "login"]
            .iter()
            .any(|api| api.eq_ignore_ascii_case(name))
    }

    fn call(line: &str) -> Parsed {
        parse(line, known, |name| name == "myVar" || name == "login")
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(words("a  b\tc"), ["a", "b", "c"]);
        assert_eq!(
            words(r#"name="web 1" x='a "b"' y=c\ d"#),
            ["name=web 1", r#"x=a "b""#, "y=c d"]
        );
        assert_eq!(words(r#"t="say \"hi\" \\ \n""#), [r#"t=say "hi" \ \n"#]);
        assert_eq!(words(r#"a=""  b=''"#), ["a=", "b="]);
        assert!(words("   ").is_empty());
    }

    #[test]
    fn word_offsets_and_open_quotes_are_reported() {
        let split = split(r#"listZones name="a b"#);
        assert_eq!(split.open_quote, Some('"'));
        assert_eq!(split.words[1].start, 10);
        assert_eq!(split.words[1].text, "name=a b");
        assert!(!split.trailing_space);
        let split = super::split("listZones ");
        assert!(split.trailing_space);
        assert_eq!(split.words[0].end, 9);
    }

    #[test]
    fn api_shapes() {
        assert!(looks_like_api("listVirtualMachines"));
        assert!(looks_like_api("syncStoragePool"));
        assert!(looks_like_api("listVPCs"));
        assert!(!looks_like_api("list"));
        assert!(!looks_like_api("Zones"));
        assert!(!looks_like_api("list_all"));
        assert!(!looks_like_api("vm.name"));
        assert!(!looks_like_api("listZones()"));
    }

    #[test]
    fn shorthand_lines_are_calls() {
        assert_eq!(
            call(r#"deployVirtualMachine zoneid=z1 name="web 1" userdata=@init.sh"#),
            Parsed::Call(Shorthand {
                api: "deployVirtualMachine".into(),
                args: vec![
                    "zoneid=z1".into(),
                    "name=web 1".into(),
                    "userdata=@init.sh".into()
                ],
            })
        );
        assert_eq!(
            call("  listzones  "),
            Parsed::Call(Shorthand {
                api: "listzones".into(),
                args: vec![]
            })
        );
        // Unknown to the catalogue but shaped like an API name.
        assert!(matches!(call("syncStoragePool id=1"), Parsed::Call(_)));
        assert!(matches!(
            call("listZones tags[0].key=env tags[0].value=prod"),
            Parsed::Call(_)
        ));
        assert!(matches!(call("listZones name=a=b"), Parsed::Call(_)));
        // A known API wins over a Rhai name of the same spelling.
        assert!(matches!(call("login"), Parsed::Call(_)));
    }

    #[test]
    fn rhai_lines_are_not_calls() {
        for line in [
            "let vm = api(\"listZones\", #{});",
            "vm.name",
            "myVar",
            "fooBar = 5",
            "fooBar=5",
            "listZones;",
            "listZones(1)",
            "x + 1",
            "print(\"a=b\")",
            "deployVirtualMachine zoneid",
            "",
        ] {
            assert_eq!(call(line), Parsed::NotShorthand, "{line}");
        }
    }

    #[test]
    fn cmk_lines_are_calls() {
        let resolve = |verb: &str, noun: &str| {
            csctl::catalog::builtin()
                .resolve_words(verb, noun)
                .map(|api| api.name.to_string())
        };
        assert_eq!(
            parse_words("list virtualmachines state=Running", resolve),
            Parsed::Call(Shorthand {
                api: "listVirtualMachines".into(),
                args: vec!["state=Running".into()],
            })
        );
        assert_eq!(
            parse_words("  LIST Zone ", resolve),
            Parsed::Call(Shorthand {
                api: "listZones".into(),
                args: vec![],
            })
        );
        assert!(matches!(
            parse_words(r#"deploy virtualmachine name="web 1" zoneid=z"#, resolve),
            Parsed::Call(Shorthand { api, args }) if api == "deployVirtualMachine" && args[0] == "name=web 1"
        ));
        for line in [
            "list",
            "list zones x",
            "list nothings",
            "let x = 1",
            "x + y",
            "list \"zones\"",
            "list zones;",
        ] {
            assert_eq!(parse_words(line, resolve), Parsed::NotShorthand, "{line}");
        }
        assert!(matches!(
            parse_words(r#"list zones name="a"#, resolve),
            Parsed::Invalid(_)
        ));
    }

    #[test]
    fn an_open_quote_is_an_error() {
        assert!(matches!(call(r#"listZones name="a b"#), Parsed::Invalid(_)));
    }
}
