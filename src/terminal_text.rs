//! Text made safe for a terminal: the one rule of which characters a
//! terminal could act on rather than show, and the escaping of messages
//! written on stderr. It sits below every other module (the client's `-v`
//! log and stderr lines, errors, and the cells of the output all use it)
//! and depends on none of them.

use std::borrow::Cow;

/// Whether a terminal could act on `c` rather than show it: C0 and C1
/// control characters, DEL, and the bidirectional overrides and isolates
/// that reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether stderr is a terminal (checked once).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal as _;
    static IS_TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IS_TERMINAL.get_or_init(|| std::io::stderr().is_terminal())
}

/// Text that may hold a server's words, made safe for a terminal: each
/// character a terminal could act on ([`is_unsafe`]: escape sequences,
/// carriage returns, bells, C1 controls, bidirectional overrides) but
/// newline and tab is shown as `\u{…}`, so a server cannot retitle, clear
/// or overwrite the screen. Unchanged when `to_terminal` is false (output
/// to a file or pipe stays exact).
pub fn terminal_safe(text: &str, to_terminal: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !to_terminal || !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed_on_a_terminal() {
        let text = "bad\x1b]0;owned\x07 \x1b[2J\rfake\u{9b}31m\nnext\tline";
        assert_eq!(
            terminal_safe(text, true),
            "bad\\u{1b}]0;owned\\u{7} \\u{1b}[2J\\u{d}fake\\u{9b}31m\nnext\tline"
        );
        assert_eq!(terminal_safe(text, false), text);
    }

    #[test]
    fn bidirectional_overrides_and_isolates_are_shown_not_obeyed() {
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2069}',
        ] {
            let text = format!("evil{c}gpj.exe");
            let safe = terminal_safe(&text, true);
            assert!(!safe.contains(c), "{safe}");
            assert_eq!(safe, format!("evil\\u{{{:x}}}gpj.exe", c as u32));
        }
        assert_eq!(terminal_safe("a\u{202e}b", false), "a\u{202e}b");
    }
}
