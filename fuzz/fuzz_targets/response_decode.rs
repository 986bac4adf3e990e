//! `response::decode` on any answer: whatever the status, content type and
//! body, it returns a value or an error and never panics; so do the helpers
//! that read what it returns, and the error's message.
//!
//! Input layout (so that seeds can be written by hand, see `seeds/`):
//! two bytes of HTTP status (big-endian), one byte choosing the content
//! type (an index into `CONTENT_TYPES`, or anything larger: the content type
//! is the next line), the command up to a newline, then the body.

#![no_main]

use csctl::client::response::{self, RawAnswer};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json;charset=UTF-8"),
    Some("text/html"),
    Some("text/javascript; charset=UTF-8"),
    None,
    Some("application/json"),
    Some(""),
];

fn line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let selector = data[2] as usize;
    let rest = &data[3..];
    let (content_type, rest) = match CONTENT_TYPES.get(selector) {
        Some(fixed) => (fixed.map(str::to_string), rest),
        None => {
            let (text, rest) = line(rest);
            (Some(String::from_utf8_lossy(text).into_owned()), rest)
        }
    };
    let (command, body) = line(rest);
    let command = String::from_utf8_lossy(command);
    let answer = RawAnswer {
        status,
        content_type: content_type.as_deref(),
        body,
    };
    let first = response::decode(&command, "http://127.0.0.1:8080/client/api", answer);
    match &first {
        Ok(inner) => {
            // A success is never an HTTP error, and the helpers that read
            // it never panic.
            assert!(status < 400, "HTTP {status} decoded as a success");
            let _ = response::is_async_answer(inner);
            let (_key, items) = response::list_items(inner);
            for item in items {
                let _ = response::api_error(&command, status, item);
            }
            assert!(response::api_error(&command, status, inner).is_none());
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
        }
    }
    // Decoding is a function of its input.
    let again = response::decode(&command, "http://127.0.0.1:8080/client/api", answer);
    assert_eq!(
        first.as_ref().map_err(ToString::to_string),
        again.as_ref().map_err(ToString::to_string)
    );
});
