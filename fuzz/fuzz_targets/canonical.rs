//! `sign::canonical_string` against a reference written here from the
//! server's rule (contract §2.2, `ApiServer.verifyRequest`), sharing no code
//! with the library:
//!
//! - a parameter named `signature` under Java's `String.equalsIgnoreCase`
//!   is left out;
//! - a name given twice counts once, with its first value (the server reads
//!   element `[0]`);
//! - names are sorted by UTF-16 code unit (`String.compareTo`);
//! - values are encoded like `java.net.URLEncoder` (then `+` → `%20`):
//!   `A-Z a-z 0-9 . - * _` stay, every other byte of the UTF-8 form is `%XX`;
//! - `name=value` joined with `&`, the whole lower-cased (`toLowerCase`).
//!
//! Input layout: pairs separated by NUL bytes, name and value by the first
//! `\x01` of a pair (none: the value is empty); invalid UTF-8 is replaced.

#![no_main]

use std::collections::HashSet;

use csctl::client::sign::canonical_string;
use libfuzzer_sys::fuzz_target;

/// The characters Java's `equalsIgnoreCase` takes as each letter of
/// `signature`, found by trying every code point on Java 17 (`"signature"`
/// with one character replaced): besides both ASCII cases, `ſ` (U+017F)
/// for `s`, and dotted `İ` (U+0130) and dotless `ı` (U+0131) for `i`.
fn java_same_letter(c: char, letter: char) -> bool {
    if c.eq_ignore_ascii_case(&letter) {
        return true;
    }
    matches!(
        (letter, c),
        ('s', '\u{17F}') | ('i', '\u{130}') | ('i', '\u{131}')
    )
}

fn java_is_signature(name: &str) -> bool {
    // UTF-16 length first, as regionMatches does.
    name.encode_utf16().count() == 9
        && name
            .chars()
            .zip("signature".chars())
            .all(|(c, letter)| java_same_letter(c, letter))
}

fn url_encode(value: &str) -> String {
    let mut out = String::new();
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'*' | b'_') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Java's `toLowerCase` maps character by character, except that a final
/// `Σ` becomes `ς`; compare modulo that one context rule.
fn lower(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect()
}

fn reference(pairs: &[(String, String)]) -> String {
    let mut seen = HashSet::new();
    let mut kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(name, _)| !java_is_signature(name))
        .filter(|(name, _)| seen.insert(name.clone()))
        .collect();
    kept.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let joined = kept
        .iter()
        .map(|(name, value)| format!("{name}={}", url_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    lower(&joined)
}

fuzz_target!(|data: &[u8]| {
    let pairs: Vec<(String, String)> = data
        .split(|&b| b == 0)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == 1) {
            Some(at) => (
                String::from_utf8_lossy(&pair[..at]).into_owned(),
                String::from_utf8_lossy(&pair[at + 1..]).into_owned(),
            ),
            None => (String::from_utf8_lossy(pair).into_owned(), String::new()),
        })
        .collect();
    check(&pairs);
    // Which names count as `signature` is decided character by character:
    // try every character of the input at every position of `signature`,
    // which finds look-alikes far sooner than whole names would.
    // (ASCII letters are plain: the seeds cover them.)
    let mut chars: Vec<char> = pairs
        .iter()
        .flat_map(|(name, _)| name.chars())
        .filter(|c| !c.is_ascii())
        .collect();
    chars.sort_unstable();
    chars.dedup();
    for c in chars.into_iter().take(8) {
        for at in 0..9 {
            let mut name: Vec<char> = "signature".chars().collect();
            name[at] = c;
            let name: String = name.into_iter().collect();
            check(&[("command".into(), "x".into()), (name, "y".into())]);
        }
    }
});

fn check(pairs: &[(String, String)]) {
    let canonical = canonical_string(pairs);
    let expected = reference(pairs);
    let normalised = canonical.replace('ς', "σ");
    assert_eq!(normalised, expected, "pairs: {pairs:?}");
}
