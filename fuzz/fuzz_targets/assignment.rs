//! `params::parse_assignment` on any word: never panics; a word whose name
//! (up to the first `=`) is valid gives that name and the rest as the value,
//! which join back to the word; any other word is `Malformed` with the word.
//! Values starting with `@` read files and are skipped.

#![no_main]

use csctl::client::params::parse_assignment;
use csctl::client::ParamError;
use libfuzzer_sys::fuzz_target;

/// The names a command line may give: ASCII letters, digits, `_ - . [ ]`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Ok(word) = std::str::from_utf8(data) else {
        return;
    };
    if word
        .split_once('=')
        .is_some_and(|(_, value)| value.starts_with('@'))
    {
        return;
    }
    let parsed = parse_assignment(word);
    match word.split_once('=') {
        Some((name, value)) if valid_name(name) => {
            let (got_name, got_value) = parsed.expect("a valid name=value word parses");
            assert_eq!((got_name.as_str(), got_value.as_str()), (name, value));
            assert_eq!(format!("{got_name}={got_value}"), word);
        }
        _ => assert_eq!(parsed, Err(ParamError::Malformed(word.to_string()))),
    }
});
