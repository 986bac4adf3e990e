//! `Params::from_json_map` on any JSON object: it flattens or refuses, never
//! panics, and what it produces is what the server can take: names unique
//! ignoring case (the server lower-cases every name before dispatch, with
//! Java's `String.toLowerCase`, so `É` and `é` are one name), and each name
//! is a key of the map, or `key[i].field`.

#![no_main]

use std::collections::HashSet;

use csctl::client::Params;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A name as the server's dispatcher sees it: lower-cased like Java's
/// `String.toLowerCase()`, which maps every character, not only ASCII.
fn dispatch_name(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(params) = Params::from_json_map(&map) else {
        return;
    };
    let mut seen = HashSet::new();
    for (name, _value) in params.pairs() {
        assert!(
            seen.insert(dispatch_name(name)),
            "`{name}` is sent twice (ignoring case): {:?}",
            params.pairs()
        );
        let from_a_key = map.keys().any(|key| {
            name == key
                || name
                    .strip_prefix(key.as_str())
                    .and_then(|rest| rest.strip_prefix('['))
                    .and_then(|rest| rest.split_once("]."))
                    .is_some_and(|(index, _field)| {
                        !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
                    })
        });
        assert!(from_a_key, "`{name}` comes from no key of the map");
    }
    // A plain value under a name that differs from one of the map's only in
    // case is refused, as the server would see the name twice.
    for (key, value) in &map {
        if !(value.is_string() || value.is_number() || value.is_boolean()) {
            continue;
        }
        for twin in [key.to_uppercase(), key.to_lowercase()] {
            if twin == *key || map.contains_key(&twin) || dispatch_name(&twin) != dispatch_name(key)
            {
                continue;
            }
            let mut doubled = map.clone();
            doubled.insert(twin.clone(), Value::from("x"));
            assert!(
                Params::from_json_map(&doubled).is_err(),
                "`{key}` and `{twin}` are both sent"
            );
        }
    }
    // A null value sends nothing.
    for (key, value) in &map {
        if value.is_null() {
            assert!(
                params.pairs().iter().all(|(name, _)| name != key),
                "null `{key}` was sent"
            );
        }
    }
});
