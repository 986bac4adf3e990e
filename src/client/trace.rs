//! The `-v` request log, with every secret redacted, and the scrubbing of
//! every line csctl writes on stderr.
//!
//! Nothing secret may reach stderr whatever the verbosity: the values of
//! secret parameters and fields (API key, signature, passwords, session key,
//! private keys, pre-shared keys, `details[n].value` whose key names a
//! secret, …) are replaced by `<redacted>` by name, in requests and answers;
//! and the secret key, password, session keys and recent signatures are
//! scrubbed wherever their text appears ([`scrub`]), since a server may echo
//! them back in an error text.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use serde_json::{Map, Value};

/// Parameter and field names whose values are never shown.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "signature",
    "password",
    "sessionkey",
    "secretkey",
    "secret_key",
    "currentpassword",
    "privatekey",
    "presharedkey",
    "ipsecpsk",
    "configdata",
    "token",
    "passphrase",
];

/// Text that stands in for a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether a parameter or field of this name holds a secret: one of a list
/// of names, or a name that speaks of a password, a secret, a private key or
/// a pre-shared key (`vmpassword`, `s3.secret`, `ldap.bind.password`…),
/// except flags about them (`passwordenabled`). An indexed or dotted name
/// (`details[0].password`) matches the list by its last part.
pub fn is_secret_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    if SECRET_NAMES
        .iter()
        .any(|secret| last.eq_ignore_ascii_case(secret))
    {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    let flag = [
        "enabled",
        "required",
        "changerequired",
        "policy",
        "length",
        "expiry",
    ]
    .iter()
    .any(|suffix| lower.ends_with(suffix));
    !flag
        && ["password", "secret", "privatekey", "presharedkey", "psk"]
            .iter()
            .any(|word| lower.contains(word))
}

/// Secrets that live as long as the process (secret keys, passwords,
/// session keys), scrubbed from every line csctl writes.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// The signatures of the latest requests (a server may echo one back).
static SIGNATURES: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// How many recent signatures are scrubbed.
const RECENT_SIGNATURES: usize = 64;

/// Remembers a secret, so that [`scrub`] removes it from any text. Texts
/// shorter than 4 characters are not remembered (they would garble text).
pub fn remember_secret(secret: &str) {
    if secret.len() < 4 {
        return;
    }
    let mut secrets = SECRETS
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.iter().any(|known| known == secret) {
        secrets.push(secret.to_string());
    }
}

/// Remembers the signature of a request just sent (the latest few are kept).
pub fn remember_signature(signature: &str) {
    let mut recent = SIGNATURES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // The oldest one's buffer is reused: no allocation per request.
    let mut slot = if recent.len() >= RECENT_SIGNATURES {
        recent.pop_front().unwrap_or_default()
    } else {
        String::with_capacity(signature.len())
    };
    slot.clear();
    slot.push_str(signature);
    recent.push_back(slot);
}

/// `text` with every remembered secret and recent signature replaced by
/// `<redacted>`, and the value of every `name=value` whose name is secret
/// (`signature=…`, `password=…`) too. Used on every line csctl writes on
/// stderr, the final `csctl: error:` line included.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    {
        let secrets = SECRETS
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let recent = SIGNATURES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for secret in secrets.iter().chain(recent.iter()) {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
    }
    match redact_assignments(&out) {
        Some(redacted) => Cow::Owned(redacted),
        None => out,
    }
}

/// Redacts the values of `name=value` (or `name: value`-free URL-style)
/// assignments whose name is secret; `None` when there is none.
fn redact_assignments(text: &str) -> Option<String> {
    if !text.contains('=') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut copied = 0;
    let mut index = 0;
    while let Some(offset) = text[index..].find('=') {
        let equals = index + offset;
        let start = text[..equals]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || "_.[]-".contains(*c)))
            .map_or(0, |(at, c)| at + c.len_utf8());
        let name = &text[start..equals];
        let end = text[equals + 1..]
            .find(|c: char| c.is_whitespace() || "&\"',;)}>".contains(c))
            .map_or(text.len(), |at| equals + 1 + at);
        if !name.is_empty()
            && is_secret_name(name)
            && end > equals + 1
            && &text[equals + 1..end] != REDACTED
            && bytes[equals + 1] != b'<'
        {
            out.push_str(&text[copied..=equals]);
            out.push_str(REDACTED);
            copied = end;
            changed = true;
        }
        index = end.max(equals + 1);
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
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
        let scrub: Vec<String> = scrub
            .into_iter()
            .filter(|secret| secret.len() >= 4)
            .collect();
        scrub.iter().for_each(|secret| remember_secret(secret));
        Self { verbosity, scrub }
    }

    /// Whether anything is logged.
    pub fn enabled(&self) -> bool {
        self.verbosity > 0
    }

    /// Logs an outgoing request: method, endpoint and parameters.
    pub fn request<K: AsRef<str>, V: AsRef<str>>(
        &self,
        method: &str,
        endpoint: &str,
        pairs: &[(K, V)],
    ) {
        if !self.enabled() {
            return;
        }
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_ref()))
            .collect();
        let secret_details = secret_detail_values(&pairs);
        let shown = pairs
            .iter()
            .map(|&(name, value)| {
                if is_secret_name(name) || secret_details.iter().any(|secret| secret == name) {
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

    /// Logs an answer: status, type, size, time and, at `-vv`, its bytes
    /// on the wire when counted (`wire`: how many, and their
    /// `Content-Encoding`) and the body.
    pub fn response(
        &self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        elapsed: Duration,
        wire: Option<(u64, Option<&str>)>,
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
            if let Some((bytes, encoding)) = wire {
                self.wire(bytes, encoding, body.len() as u64);
            }
            self.line(&format!("< {}", redact_body(body)));
        }
    }

    /// An answer's bytes on the wire (`wire` of them, in `encoding` if
    /// compressed) beside its `decoded` bytes.
    fn wire(&self, wire: u64, encoding: Option<&str>, decoded: u64) {
        let show = super::error::show_size;
        let line = match encoding {
            Some(encoding) => format!(
                "< {} on the wire ({encoding}), {} decoded",
                show(wire),
                show(decoded)
            ),
            None => format!("< {} on the wire, not compressed", show(wire)),
        };
        self.line(&line);
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
        write_stderr(&text);
    }
}

/// Writes one line (or a few) on stderr, scrubbed of secrets ([`scrub`])
/// and, on a terminal, of control characters: the way every message csctl
/// writes about its own work (errors, warnings, notes, this log) goes out.
pub fn write_stderr(text: &str) {
    let text = scrub(text);
    let text =
        crate::terminal_text::terminal_safe(&text, crate::terminal_text::stderr_is_terminal());
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The names `x[n].value` of request parameters whose sibling `x[n].key`
/// (or `x[n].name`) names a secret: `details[0].key=password` makes
/// `details[0].value` secret.
fn secret_detail_values(pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let prefix = lower
                .strip_suffix(".key")
                .or_else(|| lower.strip_suffix(".name"))?;
            (prefix.ends_with(']') && is_secret_name(value))
                .then(|| format!("{}.value", &name[..prefix.len()]))
        })
        .flat_map(|value_name| {
            // The parameter may be spelt in any case.
            pairs
                .iter()
                .filter(move |(name, _)| name.eq_ignore_ascii_case(&value_name))
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>()
        })
        .collect()
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

/// Replaces the values of secret fields, at any depth, by `<redacted>`;
/// also the `value` of an object whose `key` or `name` names a secret
/// (`{"key": "password", "value": "…"}`, as in `details`).
pub fn redact_value(value: &mut Value) {
    // An explicit stack: an answer nested absurdly deep cannot overflow it.
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(fields) => {
                let secret_value = names_a_secret(fields);
                for (name, field) in fields.iter_mut() {
                    if is_secret_name(name) || (secret_value && name.eq_ignore_ascii_case("value"))
                    {
                        *field = Value::String(REDACTED.into());
                    } else {
                        stack.push(field);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Whether an object's `key` or `name` field is a secret's name.
fn names_a_secret(fields: &Map<String, Value>) -> bool {
    ["key", "name"].iter().any(|field| {
        fields
            .get(*field)
            .and_then(Value::as_str)
            .is_some_and(is_secret_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_recognised() {
        for name in [
            "privatekey",
            "presharedkey",
            "ipsecpsk",
            "configdata",
            "secretkey",
            "vmpassword",
            "details[0].password",
            "s3.secret.key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "passwordenabled",
            "name",
            "keypair",
            "fingerprint",
            "publickey",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn detail_values_named_secret_are_redacted() {
        let pairs = [
            ("details[0].key", "password"),
            ("details[0].value", "hunter2"),
            ("details[1].key", "cpuNumber"),
            ("details[1].value", "2"),
        ];
        assert_eq!(secret_detail_values(&pairs), vec!["details[0].value"]);
        let mut value = serde_json::json!({"details": [{"name": "ldap.bind.password", "value": "x"}, {"key": "a", "value": "y"}]});
        redact_value(&mut value);
        assert_eq!(value["details"][0]["value"], REDACTED);
        assert_eq!(value["details"][1]["value"], "y");
    }

    #[test]
    fn scrubs_remembered_secrets_and_secret_assignments() {
        remember_secret("s3cr3t-scrub-test");
        remember_signature("c2lnbmF0dXJlLXRlc3Q=");
        let text =
            "bad key s3cr3t-scrub-test in signature=abc&apiKey=k1 (c2lnbmF0dXJlLXRlc3Q=) name=x";
        assert_eq!(
            scrub(text),
            "bad key <redacted> in signature=<redacted>&apiKey=<redacted> (<redacted>) name=x"
        );
        assert!(matches!(scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(scrub("été password=x é=y"), "été password=<redacted> é=y");
    }

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
