//! Request parameters: flattening structured values into the flat
//! `name=value` pairs the server reads, and parsing `name=value` words typed
//! on a command line.
//!
//! The rules follow what the server's dispatcher unpacks (contract §5):
//! scalar lists are comma-joined, a list of maps becomes
//! `name[i].field=value`, a map becomes `name[0].field=value` (so
//! `details: {cpuNumber: 2}` gives `details[0].cpuNumber=2`), and `null` is
//! dropped. A plain map under `tags` is taken as key/value pairs, since that
//! is what an operator means by `tags: {env: "prod"}`.

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::{Map, Value};

/// Why parameters could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParamError {
    /// A command-line word that is not `name=value`.
    #[error("malformed parameter `{0}`: expected name=value")]
    Malformed(String),
    /// The same name twice (ignoring case): the server would keep only one.
    #[error("parameter `{0}` is given more than once (names are compared ignoring case)")]
    Duplicate(String),
    /// A nested value with no `name[i].field=value` form.
    #[error("parameter `{name}` cannot be sent: {reason}")]
    Unflattenable {
        /// The parameter's name.
        name: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// `name=@path` whose file cannot be read.
    #[error("cannot read `{path}` for parameter `{name}`: {message}")]
    File {
        /// The parameter's name.
        name: String,
        /// The file that was asked for.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
}

/// Flat request parameters, in the order given, with unique names (ignoring
/// case). Names and values are decoded text; encoding happens on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one parameter; a name already present (ignoring case) is an error.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), ParamError> {
        let name = name.into();
        if self.contains(&name) {
            return Err(ParamError::Duplicate(name));
        }
        self.pairs.push((name, value.into()));
        Ok(())
    }

    /// Adds or replaces a parameter (matched ignoring case). For values the
    /// client owns, such as `page` while paging.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.pairs.iter_mut().find(|(n, _)| same_name(n, name)) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((name.to_string(), value)),
        }
    }

    /// Removes a parameter (matched ignoring case) and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let index = self.pairs.iter().position(|(n, _)| same_name(n, name))?;
        Some(self.pairs.remove(index).1)
    }

    /// The value of a parameter, matched ignoring case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a parameter is present, matched ignoring case.
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| same_name(n, name))
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Flattens a map of structured values (from a script or JSON).
    pub fn from_json_map(map: &Map<String, Value>) -> Result<Self, ParamError> {
        let mut params = Self::new();
        for (name, value) in map {
            params.insert_value(name, value)?;
        }
        Ok(params)
    }

    /// Flattens one structured value under `name` and adds the result.
    pub fn insert_value(&mut self, name: &str, value: &Value) -> Result<(), ParamError> {
        match value {
            Value::Null => Ok(()),
            Value::Array(items) => self.insert_array(name, items),
            Value::Object(fields) if name.eq_ignore_ascii_case("tags") => {
                let tags = fields
                    .iter()
                    .map(|(key, value)| {
                        let mut tag = Map::new();
                        tag.insert("key".into(), Value::String(key.clone()));
                        tag.insert("value".into(), value.clone());
                        Value::Object(tag)
                    })
                    .collect::<Vec<_>>();
                self.insert_array(name, &tags)
            }
            Value::Object(fields) => self.insert_indexed_map(name, 0, fields),
            scalar => self.insert(name, scalar_text(name, scalar)?),
        }
    }

    fn insert_array(&mut self, name: &str, items: &[Value]) -> Result<(), ParamError> {
        let items: Vec<&Value> = items.iter().filter(|item| !item.is_null()).collect();
        if items.is_empty() {
            return Ok(());
        }
        if items.iter().all(|item| item.is_object()) {
            for (index, item) in items.iter().enumerate() {
                if let Value::Object(fields) = item {
                    self.insert_indexed_map(name, index, fields)?;
                }
            }
            return Ok(());
        }
        let mut joined = Vec::with_capacity(items.len());
        for item in items {
            if item.is_object() || item.is_array() {
                return Err(ParamError::Unflattenable {
                    name: name.to_string(),
                    reason: "a list must hold only plain values (joined with commas) or only maps \
                             (sent as name[i].field=value)"
                        .into(),
                });
            }
            joined.push(scalar_text(name, item)?);
        }
        self.insert(name, joined.join(","))
    }

    fn insert_indexed_map(
        &mut self,
        name: &str,
        index: usize,
        fields: &Map<String, Value>,
    ) -> Result<(), ParamError> {
        for (field, value) in fields {
            if value.is_null() {
                continue;
            }
            if value.is_object() || value.is_array() {
                return Err(ParamError::Unflattenable {
                    name: format!("{name}[{index}].{field}"),
                    reason: "map fields must be plain values; CloudStack has no deeper nesting"
                        .into(),
                });
            }
            self.insert(
                format!("{name}[{index}].{field}"),
                scalar_text(name, value)?,
            )?;
        }
        Ok(())
    }
}

/// Whether two names are one to the server, which lower-cases every name
/// (Java `String.toLowerCase`) before dispatch: `zoneId` is `zoneid`, and
/// `É` is `é`.
fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.to_lowercase() == b.to_lowercase()
}

fn scalar_text(name: &str, value: &Value) -> Result<String, ParamError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(ParamError::Unflattenable {
            name: name.to_string(),
            reason: "expected a plain value".into(),
        }),
    }
}

/// Parses one command-line word `name=value` (the value may be empty and may
/// contain `=`). `name=@path` reads the file; for `userdata` its content is
/// Base64-encoded, as the server expects.
pub fn parse_assignment(word: &str) -> Result<(String, String), ParamError> {
    let (name, value) = word
        .split_once('=')
        .filter(|(name, _)| is_valid_name(name))
        .ok_or_else(|| ParamError::Malformed(word.to_string()))?;
    let Some(path) = value.strip_prefix('@') else {
        return Ok((name.to_string(), value.to_string()));
    };
    let path = PathBuf::from(path);
    let bytes = read_capped(&path).map_err(|message| ParamError::File {
        name: name.to_string(),
        path: path.clone(),
        message,
    })?;
    if name.eq_ignore_ascii_case("userdata") {
        return Ok((
            name.to_string(),
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| ParamError::File {
        name: name.to_string(),
        path,
        message: "the file is not UTF-8 text".into(),
    })?;
    Ok((name.to_string(), text))
}

/// The largest file `name=@path` reads: 16 MiB, far above what CloudStack
/// accepts in one parameter (userdata: 1 MiB), so `@/dev/zero` or a wrong
/// path to a disk image fails at once instead of filling memory.
pub const MAX_FILE_PARAMETER: u64 = 16 * 1024 * 1024;

/// Reads at most [`MAX_FILE_PARAMETER`] bytes of `path`; a longer file
/// (or an endless one such as `/dev/zero`) is an error.
fn read_capped(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_PARAMETER + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    if bytes.len() as u64 > MAX_FILE_PARAMETER {
        return Err(format!(
            "the file is larger than {} MiB, the most a parameter file may hold",
            MAX_FILE_PARAMETER >> 20
        ));
    }
    Ok(bytes)
}

/// Parses command-line words into parameters (each as `parse_assignment` reads it).
pub fn parse_assignments<S: AsRef<str>>(words: &[S]) -> Result<Params, ParamError> {
    let mut params = Params::new();
    for word in words {
        let (name, value) = parse_assignment(word.as_ref())?;
        params.insert(name, value)?;
    }
    Ok(params)
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flat(value: Value) -> Result<Vec<(String, String)>, ParamError> {
        let Value::Object(map) = value else {
            panic!("not a map")
        };
        Params::from_json_map(&map).map(|p| p.pairs().to_vec())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flattens_scalars_lists_and_maps() {
        let result = flat(json!({
            "name": "web-01",
            "startvm": true,
            "size": 20,
            "networkids": ["a", "b"],
            "details": {"cpuNumber": 2, "memory": 1024},
            "tags": [{"key": "env", "value": "prod"}, {"key": "tier", "value": "web"}],
            "keypair": null,
        }))
        .unwrap();
        assert_eq!(
            result,
            pairs(&[
                ("name", "web-01"),
                ("startvm", "true"),
                ("size", "20"),
                ("networkids", "a,b"),
                ("details[0].cpuNumber", "2"),
                ("details[0].memory", "1024"),
                ("tags[0].key", "env"),
                ("tags[0].value", "prod"),
                ("tags[1].key", "tier"),
                ("tags[1].value", "web"),
            ])
        );
    }

    #[test]
    fn a_plain_map_under_tags_is_key_value_pairs() {
        let result = flat(json!({"tags": {"env": "prod"}})).unwrap();
        assert_eq!(
            result,
            pairs(&[("tags[0].key", "env"), ("tags[0].value", "prod")])
        );
    }

    #[test]
    fn keeps_numbers_exactly() {
        let result =
            flat(serde_json::from_str(r#"{"size": 12345678901234567890, "ratio": 0.1}"#).unwrap())
                .unwrap();
        assert_eq!(
            result,
            pairs(&[("size", "12345678901234567890"), ("ratio", "0.1")])
        );
    }

    #[test]
    fn rejects_what_cannot_be_flattened() {
        assert!(matches!(
            flat(json!({"details": {"a": {"b": 1}}})),
            Err(ParamError::Unflattenable { name, .. }) if name == "details[0].a"
        ));
        assert!(matches!(
            flat(json!({"ids": [["a"]]})),
            Err(ParamError::Unflattenable { .. })
        ));
        assert!(matches!(
            flat(json!({"ids": ["a", {"b": 1}]})),
            Err(ParamError::Unflattenable { .. })
        ));
    }

    #[test]
    fn rejects_duplicates_ignoring_case() {
        assert_eq!(
            parse_assignments(&["zoneid=a", "zoneId=b"]),
            Err(ParamError::Duplicate("zoneId".into()))
        );
        assert_eq!(
            flat(json!({"zoneid": "a", "ZONEID": "b"})),
            Err(ParamError::Duplicate("ZONEID".into()))
        );
    }

    #[test]
    fn names_differing_only_in_non_ascii_case_are_duplicates() {
        // Found by the `params_flatten` fuzz target: `startÉ` and `starté`
        // were both sent, and the server, which lower-cases every name, would
        // have seen one name twice.
        assert_eq!(
            flat(json!({"startÉ": "a", "starté": "b"})),
            Err(ParamError::Duplicate("starté".into()))
        );
        let mut params = Params::new();
        // The Kelvin sign lower-cases to an ASCII `k`.
        params.insert("\u{212A}eypair", "a").unwrap();
        assert!(params.contains("keypair"));
        assert_eq!(
            params.insert("KEYPAIR", "b"),
            Err(ParamError::Duplicate("KEYPAIR".into()))
        );
        assert_eq!(params.get("KEYPAIR"), Some("a"));
        assert!(!params.contains("\u{212A}eypairs"));
    }

    #[test]
    fn parses_assignments() {
        assert_eq!(
            parse_assignment("a=b=c").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(
            parse_assignment("name=").unwrap(),
            ("name".into(), "".into())
        );
        assert_eq!(
            parse_assignment("tags[0].key=env").unwrap(),
            ("tags[0].key".into(), "env".into())
        );
        for bad in ["novalue", "=x", "a b=c", ""] {
            assert_eq!(
                parse_assignment(bad),
                Err(ParamError::Malformed(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn reads_values_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloud-init.yaml");
        std::fs::write(&path, "#cloud-config\n").unwrap();
        let (_, userdata) = parse_assignment(&format!("userdata=@{}", path.display())).unwrap();
        assert_eq!(userdata, "I2Nsb3VkLWNvbmZpZwo=");
        let (_, text) = parse_assignment(&format!("certificate=@{}", path.display())).unwrap();
        assert_eq!(text, "#cloud-config\n");
        assert!(matches!(
            parse_assignment("userdata=@/no/such/file"),
            Err(ParamError::File { .. })
        ));
        #[cfg(unix)]
        assert!(matches!(
            parse_assignment("name=@/dev/zero"),
            Err(ParamError::File { message, .. }) if message.contains("larger than 16 MiB")
        ));
    }
}
