//! Converting between JSON values (what the API answers) and Rhai values
//! (what scripts handle).
//!
//! `rhai::serde` is not used: with serde_json's `arbitrary_precision`
//! feature, numbers reach serde as a private map type, which Rhai's
//! deserializer does not understand. The rules here are explicit instead:
//!
//! | JSON | Rhai |
//! |---|---|
//! | `null` | `()` |
//! | `true`/`false` | `bool` |
//! | integer that fits `i64` | `INT` |
//! | other number | `FLOAT` when finite, otherwise its text as a string |
//! | string | string |
//! | array | array |
//! | object | object map (keys sorted: Rhai maps are ordered by key) |
//!
//! The other way, `()` is `null`, a character is a one-character string, a
//! blob is an array of byte values, and a finite float is a JSON number
//! (`NaN` and infinities become `null`). Other values (timestamps, function
//! pointers, custom types) have no JSON form and are refused.

use rhai::{Array, Dynamic, Map, INT};
use serde_json::{Number, Value};

/// A JSON value as a Rhai value (see the module docs for the rules).
pub fn json_to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(flag) => Dynamic::from_bool(*flag),
        Value::Number(number) => number_to_dynamic(number),
        Value::String(text) => Dynamic::from(text.clone()),
        Value::Array(items) => Dynamic::from_array(items.iter().map(json_to_dynamic).collect()),
        Value::Object(fields) => {
            let map: Map = fields
                .iter()
                .map(|(key, value)| (key.as_str().into(), json_to_dynamic(value)))
                .collect();
            Dynamic::from_map(map)
        }
    }
}

fn number_to_dynamic(number: &Number) -> Dynamic {
    if let Some(integer) = number.as_i64() {
        return Dynamic::from_int(integer as INT);
    }
    match number.as_f64() {
        Some(float) if float.is_finite() => Dynamic::from_float(float),
        _ => Dynamic::from(number.to_string()),
    }
}

/// A Rhai value as JSON, or a description of the first part that has no
/// JSON form (`what` names the value in that description, e.g. `args`).
/// Arrays and maps nested deeper than [`MAX_DEPTH`](super::limits::MAX_DEPTH)
/// are refused too.
pub fn dynamic_to_json(value: &Dynamic, what: &str) -> Result<Value, String> {
    encode(value, what, 0)
}

/// A Rhai object map as a JSON object (see [`dynamic_to_json`]).
pub fn map_to_json(map: &Map, what: &str) -> Result<serde_json::Map<String, Value>, String> {
    encode_map(map, what, 0)
}

fn encode(value: &Dynamic, what: &str, depth: usize) -> Result<Value, String> {
    if value.is_array() || value.is_map() {
        if depth >= super::limits::MAX_DEPTH {
            return Err(super::limits::too_deep(what));
        }
        if let Some(items) = value.read_lock::<Array>() {
            return items
                .iter()
                .enumerate()
                .map(|(index, item)| encode(item, &format!("{what}[{index}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
        if let Some(map) = value.read_lock::<Map>() {
            return encode_map(&map, what, depth).map(Value::Object);
        }
    }
    let value = value.flatten_clone();
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Ok(integer) = value.as_int() {
        return Ok(Value::Number(Number::from(integer)));
    }
    if let Ok(float) = value.as_float() {
        return Ok(Number::from_f64(float).map_or(Value::Null, Value::Number));
    }
    if let Ok(character) = value.as_char() {
        return Ok(Value::String(character.to_string()));
    }
    if value.is_string() {
        return Ok(Value::String(value.into_string().unwrap_or_default()));
    }
    if value.is_blob() {
        let bytes = value.into_blob().unwrap_or_default();
        return Ok(Value::Array(bytes.into_iter().map(Value::from).collect()));
    }
    Err(format!(
        "{what} is a {} value, which has no JSON form",
        value.type_name()
    ))
}

fn encode_map(
    map: &Map,
    what: &str,
    depth: usize,
) -> Result<serde_json::Map<String, Value>, String> {
    if depth >= super::limits::MAX_DEPTH {
        return Err(super::limits::too_deep(what));
    }
    let mut object = serde_json::Map::with_capacity(map.len());
    for (key, item) in map {
        object.insert(
            key.to_string(),
            encode(item, &format!("{what}.{key}"), depth + 1)?,
        );
    }
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Value {
        let value: Value = serde_json::from_str(text).unwrap();
        dynamic_to_json(&json_to_dynamic(&value), "value").unwrap()
    }

    #[test]
    fn maps_json_scalars_faithfully() {
        let value: Value = serde_json::from_str(
            r#"{"count": 2, "ratio": 0.5, "ok": true, "gone": null, "name": "vm", "big": 123456789012345678901234567890}"#,
        )
        .unwrap();
        let dynamic = json_to_dynamic(&value);
        let map = dynamic.cast::<Map>();
        assert_eq!(map["count"].as_int(), Ok(2));
        assert_eq!(map["ratio"].as_float(), Ok(0.5));
        assert_eq!(map["ok"].as_bool(), Ok(true));
        assert!(map["gone"].is_unit());
        assert_eq!(map["name"].clone().into_string().unwrap(), "vm");
        assert!(map["big"].is_float(), "a number beyond i64 becomes a float");
    }

    #[test]
    fn keeps_numbers_too_large_for_a_float_as_text() {
        let value: Value = serde_json::from_str("1e999").unwrap();
        assert!(json_to_dynamic(&value)
            .into_string()
            .unwrap()
            .starts_with("1e"));
    }

    #[test]
    fn round_trips_nested_values() {
        let text = r#"{"a":[1,2.5,"x",{"b":null,"c":false}],"d":{}}"#;
        assert_eq!(
            round_trip(text),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn converts_rhai_only_values() {
        assert_eq!(
            dynamic_to_json(&Dynamic::from_char('x'), "v").unwrap(),
            Value::from("x")
        );
        assert_eq!(
            dynamic_to_json(&Dynamic::from_float(f64::NAN), "v").unwrap(),
            Value::Null
        );
        let blob = Dynamic::from_blob(vec![1, 2]);
        assert_eq!(
            dynamic_to_json(&blob, "v").unwrap(),
            serde_json::json!([1, 2])
        );
        let mut map = Map::new();
        map.insert("when".into(), Dynamic::from(std::time::Instant::now()));
        let error = dynamic_to_json(&Dynamic::from_map(map), "args").unwrap_err();
        assert!(error.starts_with("args.when is a "), "{error}");
    }
}
