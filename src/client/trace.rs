//! The `-v` request log, with every secret redacted.
//!
//! Nothing secret may reach stderr whatever the verbosity: the API key,
//! signature, password and session key are replaced by `<redacted>` by name,
//! and the secret key and password are also scrubbed wherever their text
//! appears (a server may echo a parameter back in an error text).

use std::io::Write as _;
use std::time::Duration;

use serde_json::Value;

/// Parameter and field names whose values are never shown.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "signature",
    "password",
    "sessionkey",
    "secretkey",
    "secret_key",
    "currentpassword",
];

/// Text that stands in for a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether a parameter or field of this name holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// Writes the request log to stderr at the configured verbosity.
#[derive(Clone, Debug, Default)]
pub struct Tracer {
    verbosity: u8,
    /// Secret strings scrubbed from every line (secret key, password).
    scrub: Vec<String>,
}

impl Tracer {
    /// A tracer at `verbosity` (0 writes nothing) that also scrubs `scrub`.
    pub fn new(verbosity: u8, scrub: Vec<String>) -> Self {
        let scrub = scrub
            .into_iter()
            .filter(|secret| secret.len() >= 4)
            .collect();
        Self { verbosity, scrub }
    }

    /// Whether anything is logged.
    pub fn enabled(&self) -> bool {
        self.verbosity > 0
    }

    /// Logs an outgoing request: method, endpoint and parameters.
    pub fn request(&self, method: &str, endpoint: &str, pairs: &[(String, String)]) {
        if !self.enabled() {
            return;
        }
        let shown = pairs
            .iter()
            .map(|(name, value)| {
                if is_secret_name(name) {
                    format!("{name}={REDACTED}")
                } else if self.verbosity < 2 && value.len() > 80 {
                    format!("{name}=<{} bytes>", value.len())
                } else {
                    format!("{name}={value}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.line(&format!("> {method} {endpoint} {shown}"));
    }

    /// Logs an answer: status, type, size, time and, at `-vv`, the body.
    pub fn response(
        &self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        elapsed: Duration,
    ) {
        if !self.enabled() {
            return;
        }
        self.line(&format!(
            "< HTTP {status} {} {} bytes in {:.1} ms",
            content_type.unwrap_or("-"),
            body.len(),
            elapsed.as_secs_f64() * 1000.0
        ));
        if self.verbosity >= 2 {
            self.line(&format!("< {}", redact_body(body)));
        }
    }

    /// Logs a free-form note (retries, login, job polling).
    pub fn note(&self, text: &str) {
        if self.enabled() {
            self.line(&format!("* {text}"));
        }
    }

    fn line(&self, text: &str) {
        let mut text = text.to_string();
        for secret in &self.scrub {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// A body for the log: JSON with secret fields redacted, or the text as is.
fn redact_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut document) => {
            redact_value(&mut document);
            document.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Replaces the values of secret fields, at any depth, by `<redacted>`.
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if is_secret_name(name) {
                    *field = Value::String(REDACTED.into());
                } else {
                    redact_value(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_fields_at_any_depth() {
        let mut value = serde_json::json!({"loginresponse": {"sessionkey": "abc", "user": [{"apikey": "k", "name": "n"}]}});
        redact_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"loginresponse": {"sessionkey": REDACTED, "user": [{"apikey": REDACTED, "name": "n"}]}})
        );
    }
}
