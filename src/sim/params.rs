//! Request parameters: decoding and merging the query string and form body
//! the way the servlet does (contract §2.1), then the dispatch view with
//! lower-cased names and unpacked `name[i].field` maps (§5).

use std::collections::{BTreeMap, HashMap};

use percent_encoding::percent_decode_str;

use super::respond::ApiError;

/// Decodes `application/x-www-form-urlencoded` text like
/// `java.net.URLDecoder`: `+` is a space, `%XX` a byte (invalid UTF-8 is
/// replaced). A piece without `=` is the name with an empty value; a piece
/// with an empty name is skipped.
pub(crate) fn decode_form(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split('&')
        .filter(|piece| !piece.is_empty())
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = decode_component(name);
            (!name.is_empty()).then(|| (name, decode_component(value)))
        })
}

fn decode_component(text: &str) -> String {
    if !text.bytes().any(|b| b == b'+' || b == b'%') {
        return text.to_string();
    }
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Merges the parameters as the servlet sees them: within the query string
/// the last occurrence wins, within the body the first, and the query string
/// wins over the body. Names keep their case; the result has unique names.
pub(crate) fn merge(query: Option<&str>, body: Option<&str>) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (name, value) in body.into_iter().flat_map(decode_form) {
        if !index.contains_key(&name) {
            index.insert(name.clone(), merged.len());
            merged.push((name, value));
        }
    }
    for (name, value) in query.into_iter().flat_map(decode_form) {
        match index.get(&name) {
            Some(&at) => merged[at].1 = value,
            None => {
                index.insert(name.clone(), merged.len());
                merged.push((name, value));
            }
        }
    }
    merged
}

/// Fields of one map entry, `field` keeping its case.
pub(crate) type MapEntry = Vec<(String, String)>;

/// Parameters as a command sees them: names lower-cased, maps unpacked.
#[derive(Debug, Default)]
pub(crate) struct Params {
    scalars: HashMap<String, String>,
    maps: HashMap<String, BTreeMap<i64, MapEntry>>,
}

impl Params {
    /// Builds the dispatch view. A name containing `[` must be
    /// `name[index].field` with an integer index, else 430.
    pub fn parse(raw: &[(String, String)]) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for (name, value) in raw {
            if name.contains('[') {
                let (map, index, field) = split_map_name(name).ok_or_else(|| {
                    ApiError::new(
                        430,
                        Some(super::respond::CS_SERVER_API),
                        format!(
                            "Unable to decode parameter {name}; if specifying an object array, please use \
                             parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup"
                        ),
                    )
                })?;
                params
                    .maps
                    .entry(map.to_ascii_lowercase())
                    .or_default()
                    .entry(index)
                    .or_default()
                    .push((field.to_string(), value.clone()));
            } else {
                // Names differing only by case: the server's pick is undefined; keep the first.
                params
                    .scalars
                    .entry(name.to_ascii_lowercase())
                    .or_insert_with(|| value.clone());
            }
        }
        Ok(params)
    }

    /// Parameters holding one scalar.
    pub fn single(name: &str, value: &str) -> Params {
        let mut params = Params::default();
        params
            .scalars
            .insert(name.to_ascii_lowercase(), value.to_string());
        params
    }

    /// A scalar parameter (name in lower case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.scalars.get(name).map(String::as_str)
    }

    /// Every scalar parameter (lower-cased name, value), in no order.
    pub fn scalars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.scalars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether a map parameter was given.
    pub fn has_map(&self, name: &str) -> bool {
        self.maps.contains_key(name)
    }

    /// A boolean: `true` in any case is true, anything else false.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A boolean with a default when absent.
    pub fn flag_or(&self, name: &str, default: bool) -> bool {
        self.get(name)
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    }

    /// An integer already checked by the catalog.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// A list parameter: the value split on `,`, empty tokens dropped.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.get(name).map(split_list).unwrap_or_default()
    }

    /// A map parameter, by index.
    pub fn map(&self, name: &str) -> Option<&BTreeMap<i64, MapEntry>> {
        self.maps.get(name)
    }

    /// `name[i].key` / `name[i].value` pairs (tags), in index order; entries
    /// without a key are skipped.
    pub fn key_values(&self, name: &str) -> Vec<(&str, Option<&str>)> {
        let Some(map) = self.map(name) else {
            return Vec::new();
        };
        map.values()
            .filter_map(|entry| {
                let field = |wanted: &str| {
                    entry
                        .iter()
                        .find(|(f, _)| f.eq_ignore_ascii_case(wanted))
                        .map(|(_, v)| v.as_str())
                };
                field("key").map(|key| (key, field("value")))
            })
            .collect()
    }

    /// Every field of every entry merged into one flat list (`details`).
    pub fn flat_map(&self, name: &str) -> Vec<(String, String)> {
        let mut flat: Vec<(String, String)> = Vec::new();
        for entry in self.map(name).into_iter().flat_map(|m| m.values()) {
            for (field, value) in entry {
                match flat.iter_mut().find(|(f, _)| f == field) {
                    Some(slot) => slot.1 = value.clone(),
                    None => flat.push((field.clone(), value.clone())),
                }
            }
        }
        flat
    }
}

/// Splits a list value as `StringTokenizer(value, ",")` does.
pub(crate) fn split_list(value: &str) -> Vec<&str> {
    value.split(',').filter(|t| !t.is_empty()).collect()
}

/// `name[index].field` → (name, index, field).
fn split_map_name(name: &str) -> Option<(&str, i64, &str)> {
    let open = name.find('[')?;
    let close = name.find(']')?;
    if close < open || name[open + 1..].contains('[') || name[close + 1..].contains(']') {
        return None;
    }
    let field = name[close + 1..].strip_prefix('.')?;
    let index = name[open + 1..close].parse().ok()?;
    Some((&name[..open], index, field))
}

/// Owned pairs from literals, for tests.
#[cfg(test)]
pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_url_decoder() {
        let decoded: Vec<_> = decode_form("a=b+c&d=%7E%2B&flag&=x&&e=%C3%A9").collect();
        assert_eq!(
            decoded,
            pairs(&[("a", "b c"), ("d", "~+"), ("flag", ""), ("e", "é")])
        );
    }

    #[test]
    fn merges_query_over_body() {
        let merged = merge(Some("a=1&a=2&b=q"), Some("b=body&c=first&c=second"));
        assert_eq!(merged, pairs(&[("b", "q"), ("c", "first"), ("a", "2")]));
    }

    #[test]
    fn unpacks_maps_and_lowercases_names() {
        let raw = pairs(&[
            ("zoneId", "z"),
            ("tags[0].key", "env"),
            ("Tags[0].value", "prod"),
            ("tags[1].key", "tier"),
            ("details[0].cpuNumber", "2"),
            ("details[1].memory", "1024"),
        ]);
        let params = Params::parse(&raw).unwrap();
        assert_eq!(params.get("zoneid"), Some("z"));
        assert_eq!(
            params.key_values("tags"),
            vec![("env", Some("prod")), ("tier", None)]
        );
        assert_eq!(
            params.flat_map("details"),
            pairs(&[("cpuNumber", "2"), ("memory", "1024")])
        );
    }

    #[test]
    fn rejects_malformed_map_names() {
        for bad in [
            "tags[x].key",
            "tags[0]key",
            "tags[0",
            "tags]0[.key",
            "tags[0][1].key",
        ] {
            let error = Params::parse(&pairs(&[(bad, "v")])).unwrap_err();
            assert_eq!(error.code, 430, "{bad}");
            assert!(error
                .text
                .starts_with(&format!("Unable to decode parameter {bad};")));
        }
    }

    #[test]
    fn lists_drop_empty_tokens() {
        assert_eq!(split_list("a,,b,"), vec!["a", "b"]);
    }
}
