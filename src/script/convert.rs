//! Converting between JSON values (what the API answers) and Rhai values
//! (what scripts handle).
//!
//! API answers are decoded straight from their bytes into Rhai values
//! ([`decode_answer`]), without a `serde_json::Value` in between: that
//! halves the cost of an `api()` call's answer. `rhai::serde` is not used
//! for it: with serde_json's `arbitrary_precision` feature, numbers beyond
//! `i64`/`u64` reach serde as a private map, which Rhai's deserializer does
//! not understand; the visitor here does, and nesting is bounded
//! ([`MAX_DEPTH`]), so a hostile answer nested a million deep is an error,
//! not a stack overflow. The key lists of the objects decoded lately are
//! remembered per thread (`Shape`): an object whose keys come again, as in
//! every row of a list and every answer to the same command, is made by
//! cloning a map already sorted, without comparing keys. Short string
//! values are looked up among the 512 decoded lately (`recent_string`): a
//! value that comes again (a zone's name in every row) shares the string
//! already made, which Rhai copies before any change. Both paths follow the
//! same rules:
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

use std::cell::{Cell, RefCell};
use std::fmt;

use rhai::{Array, Dynamic, ImmutableString, Map, INT};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use crate::client::response::{self, RawAnswer};
use crate::client::ClientError;

/// The deepest nesting of arrays and objects accepted in an answer decoded
/// straight to Rhai values (CloudStack's own answers stay under ten).
pub const MAX_DEPTH: usize = 64;

/// The key serde_json (with `arbitrary_precision`) hands a number under
/// when it fits neither `i64` nor `u64`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Decodes an answer to `command` as [`response::decode`] does, straight
/// into a Rhai value: the object under `<command>response`. Error answers,
/// and anything unusual, take `response::decode`'s path, so that errors are
/// exactly the client's.
pub fn decode_answer(
    command: &str,
    endpoint: &str,
    answer: RawAnswer<'_>,
) -> Result<Dynamic, ClientError> {
    // The body is checked to be UTF-8 once, as a whole: reading it as a
    // `str` spares serde_json checking each string in it one by one.
    // Anything else takes `response::decode`'s path.
    if let (true, Ok(text)) = (answer.status < 400, std::str::from_utf8(answer.body)) {
        let too_deep = Cell::new(false);
        let mut reader = serde_json::Deserializer::from_str(text);
        let seed = Envelope {
            command,
            too_deep: &too_deep,
        };
        match seed
            .deserialize(&mut reader)
            .and_then(|inner| reader.end().map(|()| inner))
        {
            Ok(Some(inner)) if !is_error_object(&inner) => return Ok(inner),
            Err(_) if too_deep.get() => {
                return Err(ClientError::InvalidJson {
                    command: command.to_string(),
                    status: answer.status,
                    message: format!("the answer is nested deeper than {MAX_DEPTH} levels"),
                })
            }
            _ => {}
        }
    }
    response::decode(command, endpoint, answer).map(|inner| json_to_dynamic(&inner))
}

/// Whether an unwrapped answer is an error object (`errorcode` at its top).
fn is_error_object(inner: &Dynamic) -> bool {
    inner
        .read_lock::<Map>()
        .is_some_and(|map| map.contains_key("errorcode"))
}

/// The top-level object of an answer: the value under the command's
/// [`response_key`](response::response_key) when it is the only key
/// (anything else is left to the general path).
struct Envelope<'a> {
    command: &'a str,
    too_deep: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = Option<Dynamic>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = Option<Dynamic>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an API answer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut others = false;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if found.is_none() && is_response_key(key.as_str(), self.command) {
                found = Some(map.next_value_seed(ToDynamic {
                    depth: 1,
                    too_deep: self.too_deep,
                })?);
            } else {
                others = true;
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found.filter(|_| !others))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Whether `key` is `command`'s [`response::response_key`] (the command
/// lower-cased, then `response`), compared where it lies.
fn is_response_key(key: &str, command: &str) -> bool {
    key.len() == command.len() + RESPONSE.len()
        && key.ends_with(RESPONSE)
        && key
            .bytes()
            .zip(command.bytes())
            .all(|(key, command)| key == command.to_ascii_lowercase())
}

/// What a command's answer key ends with.
const RESPONSE: &str = "response";

/// An object key, borrowed from the answer when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Self::Borrowed(text) => text,
            Self::Owned(text) => text,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Key::Borrowed(text))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Key::Owned(text.to_string()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Key::Owned(text))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// One JSON value as a Rhai value, `depth` levels down.
#[derive(Clone, Copy)]
struct ToDynamic<'a> {
    depth: usize,
    too_deep: &'a Cell<bool>,
}

impl ToDynamic<'_> {
    fn deeper<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            self.too_deep.set(true);
            return Err(E::custom(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(Self {
            depth: self.depth + 1,
            too_deep: self.too_deep,
        })
    }
}

impl<'de> DeserializeSeed<'de> for ToDynamic<'_> {
    type Value = Dynamic;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Dynamic, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ToDynamic<'_> {
    type Value = Dynamic;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Dynamic, E> {
        Ok(Dynamic::UNIT)
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Dynamic, E> {
        Ok(Dynamic::from_bool(flag))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Dynamic, E> {
        Ok(Dynamic::from_int(number as INT))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Dynamic, E> {
        Ok(match i64::try_from(number) {
            Ok(number) => Dynamic::from_int(number as INT),
            Err(_) => Dynamic::from_float(number as f64),
        })
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Dynamic, E> {
        Ok(float_or_text(number, || number.to_string()))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Dynamic, E> {
        Ok(Dynamic::from(recent_string(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dynamic, A::Error> {
        let inner = self.deeper()?;
        let mut items = Array::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Dynamic::from_array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dynamic, A::Error> {
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return Ok(Dynamic::from_map(Map::new()));
        };
        if first.as_str() == NUMBER_TOKEN {
            // A number beyond i64 and u64, as its text.
            let text: String = map.next_value()?;
            return Ok(text_number_to_dynamic(text));
        }
        let inner = self.deeper()?;
        // Collected first, then made a map all at once (see `fields_to_map`).
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16).min(256));
        fields.push((first, map.next_value_seed(inner)?));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value_seed(inner)?;
            fields.push((key, value));
        }
        Ok(Dynamic::from_map(fields_to_map(fields)))
    }
}

/// The most object shapes (key lists) remembered per thread.
const MAX_SHAPES: usize = 32;

/// Objects with more keys than this, or longer keys all told, are not
/// remembered as shapes (the catalogue's largest answer object, a virtual
/// machine, has 107 fields, 1,132 bytes of keys). A shape that large keeps
/// about 11 KB.
const MAX_SHAPE_KEYS: usize = 128;
const MAX_SHAPE_BYTES: usize = 4096;

thread_local! {
    /// The object shapes seen lately, the latest first.
    static SHAPES: RefCell<Vec<Shape>> = const { RefCell::new(Vec::new()) };
}

/// An object's keys in the order an answer gave them, and the map they make.
///
/// Building a `Map` (a `BTreeMap`) sorts its keys, compares neighbours to
/// drop repeats, and converts every key: about half the cost of decoding an
/// answer. But answers repeat their shapes (every zone of a list has the
/// same keys in the same order, and so does the next answer to the same
/// command), so the keys of an object are remembered, and when they come
/// again, the sorted map they make is kept with `()` values: an object of a
/// known shape costs one equality test per key, a clone of that template
/// (no comparisons) and one move per value.
struct Shape {
    /// The keys, in the answer's order (repeats included), end to end.
    keys: Box<[u8]>,
    /// Where each key ends in `keys`.
    ends: Box<[u32]>,
    /// Made when the shape is seen again.
    sorted: Option<Sorted>,
}

/// The map a [`Shape`]'s keys make.
struct Sorted {
    /// For each entry of `template`, in key order, the position among the
    /// object's fields of the value it takes: the last of a repeated key.
    sources: Box<[u16]>,
    /// The keys, each with `()`.
    template: Map,
}

impl Shape {
    fn new(fields: &[(Key<'_>, Dynamic)], key_bytes: usize) -> Self {
        let mut keys = Vec::with_capacity(key_bytes);
        let mut ends = Vec::with_capacity(fields.len());
        for (key, _) in fields {
            keys.extend_from_slice(key.as_str().as_bytes());
            ends.push(u32::try_from(keys.len()).expect("at most MAX_SHAPE_BYTES"));
        }
        Self {
            keys: keys.into(),
            ends: ends.into(),
            sorted: None,
        }
    }

    fn matches(&self, fields: &[(Key<'_>, Dynamic)]) -> bool {
        if self.ends.len() != fields.len() {
            return false;
        }
        let mut start = 0;
        for (&end, (key, _)) in self.ends.iter().zip(fields) {
            let end = end as usize;
            if self.keys.get(start..end) != Some(key.as_str().as_bytes()) {
                return false;
            }
            start = end;
        }
        true
    }

    /// The map of an object of this shape: the template cloned, and the
    /// values moved in.
    fn fill(&mut self, mut fields: Vec<(Key<'_>, Dynamic)>) -> Map {
        let sorted = self.sorted.get_or_insert_with(|| Sorted::new(&fields));
        let mut map = sorted.template.clone();
        for (slot, &source) in map.values_mut().zip(sorted.sources.iter()) {
            std::mem::swap(slot, &mut fields[usize::from(source)].1);
        }
        map
    }
}

impl Sorted {
    fn new(fields: &[(Key<'_>, Dynamic)]) -> Self {
        let key = |index: u16| fields[usize::from(index)].0.as_str();
        let count = u16::try_from(fields.len()).expect("at most MAX_SHAPE_KEYS fields");
        let mut order: Vec<u16> = (0..count).collect();
        // Stable: a repeated key's occurrences stay in the answer's order.
        order.sort_by(|a, b| key(*a).cmp(key(*b)));
        let mut sources: Vec<u16> = Vec::with_capacity(order.len());
        for index in order {
            match sources.last_mut() {
                Some(last) if key(*last) == key(index) => *last = index,
                _ => sources.push(index),
            }
        }
        let template = sources
            .iter()
            .map(|&index| (key(index).into(), Dynamic::UNIT))
            .collect();
        Self {
            sources: sources.into(),
            template,
        }
    }
}

/// An object's fields as a map: through a remembered [`Shape`] when the
/// object has one, else sorted and built in bulk (about half the cost of one
/// insert per entry). A repeated key keeps its last value, as inserts would.
fn fields_to_map(fields: Vec<(Key<'_>, Dynamic)>) -> Map {
    SHAPES.with_borrow_mut(|shapes| {
        if let Some(found) = shapes.iter().position(|shape| shape.matches(&fields)) {
            shapes[..=found].rotate_right(1);
            return shapes[0].fill(fields);
        }
        let key_bytes = fields.iter().map(|(key, _)| key.as_str().len()).sum();
        if fields.len() <= MAX_SHAPE_KEYS && key_bytes <= MAX_SHAPE_BYTES {
            shapes.truncate(MAX_SHAPES - 1);
            shapes.insert(0, Shape::new(&fields, key_bytes));
        }
        fields
            .into_iter()
            .map(|(key, value)| (key.as_str().into(), value))
            .collect()
    })
}

/// The number of string values remembered per thread (a power of two).
const RECENT_STRINGS: usize = 512;

/// Longer string values are not remembered.
const MAX_RECENT_STRING: usize = 64;

thread_local! {
    /// String values decoded lately, each in the slot its hash picks.
    static RECENT: RefCell<Vec<ImmutableString>> = const { RefCell::new(Vec::new()) };
}

/// A string value: the one decoded last time when an answer repeats it (a
/// zone's name in every row, the same state in every answer…), sharing its
/// allocation, else a new one, remembered in place of another.
fn recent_string(text: &str) -> ImmutableString {
    if text.len() > MAX_RECENT_STRING {
        return immutable_string(text);
    }
    RECENT.with_borrow_mut(|recent| {
        if recent.is_empty() {
            recent.resize(RECENT_STRINGS, ImmutableString::new());
        }
        let slot = &mut recent[slot_of(text)];
        if slot.as_str() != text {
            *slot = immutable_string(text);
        }
        slot.clone()
    })
}

/// Which slot of the recent strings `text` takes: a hash of its length and
/// of its first and last eight bytes.
fn slot_of(text: &str) -> usize {
    let bytes = text.as_bytes();
    let word = |part: &[u8]| {
        let mut buffer = [0u8; 8];
        buffer[..part.len()].copy_from_slice(part);
        u64::from_le_bytes(buffer)
    };
    let head = word(&bytes[..bytes.len().min(8)]);
    let tail = word(&bytes[bytes.len().saturating_sub(8)..]);
    let mixed =
        (head ^ tail.rotate_left(29) ^ bytes.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 32) as usize & (RECENT_STRINGS - 1)
}

/// A string value in one allocation besides its `Arc`: `SmartString`'s
/// own `From<&str>` copies a string too long to be inline (over 23 bytes)
/// twice, through a `String` it then frees.
fn immutable_string(text: &str) -> ImmutableString {
    if text.len() <= INLINE_STRING {
        return ImmutableString::from(text);
    }
    let mut string = ImmutableString::new();
    string.make_mut().push_str(text);
    string
}

/// The longest string `SmartString` keeps inline.
const INLINE_STRING: usize = 23;

/// A number given as text (beyond `i64`): an integer when it fits, a finite
/// float, or else the text itself (as [`json_to_dynamic`] does).
fn text_number_to_dynamic(text: String) -> Dynamic {
    if let Ok(integer) = text.parse::<i64>() {
        return Dynamic::from_int(integer as INT);
    }
    match text.parse::<f64>() {
        Ok(float) if float.is_finite() => Dynamic::from_float(float),
        _ => Dynamic::from(text),
    }
}

fn float_or_text(float: f64, text: impl FnOnce() -> String) -> Dynamic {
    if float.is_finite() {
        Dynamic::from_float(float)
    } else {
        Dynamic::from(text())
    }
}

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

    fn answer(status: u16, body: &str) -> RawAnswer<'_> {
        RawAnswer {
            status,
            content_type: Some("application/json"),
            body: body.as_bytes(),
        }
    }

    /// What the two paths make of a body, as JSON text to compare.
    fn both_ways(body: &str) -> (String, String) {
        let direct = decode_answer("listThings", "e", answer(200, body)).unwrap();
        let value = response::decode("listThings", "e", answer(200, body)).unwrap();
        let direct = dynamic_to_json(&direct, "v").unwrap().to_string();
        let via_value = dynamic_to_json(&json_to_dynamic(&value), "v")
            .unwrap()
            .to_string();
        (direct, via_value)
    }

    #[test]
    fn decoding_straight_to_rhai_gives_what_the_value_path_gives() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
        for entry in std::fs::read_dir(shared).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let top: Value = serde_json::from_str(&text).unwrap();
            let key = top.as_object().unwrap().keys().next().unwrap().clone();
            let command = key.trim_end_matches("response");
            let direct = decode_answer(command, "e", answer(200, &text)).unwrap();
            let value = response::decode(command, "e", answer(200, &text)).unwrap();
            assert_eq!(
                dynamic_to_json(&direct, "v").unwrap(),
                dynamic_to_json(&json_to_dynamic(&value), "v").unwrap(),
                "{}",
                path.display()
            );
        }
        let body = r#"{"listthingsresponse":{"count":2,"big":123456789012345678901234567890,"u":18446744073709551615,"neg":-9223372036854775808,"f":0.1,"inf":1e999,"esc":"a\"b\u00e9","k\u00e9y":[],"n":null,"t":true,"o":{}}}"#;
        let (direct, via_value) = both_ways(body);
        assert_eq!(direct, via_value);
        let map = decode_answer("listThings", "e", answer(200, body))
            .unwrap()
            .cast::<Map>();
        assert_eq!(map["neg"].as_int(), Ok(i64::MIN));
        assert!(map["big"].is_float());
        assert!(map["inf"].clone().into_string().unwrap().starts_with("1e"));
        assert_eq!(map["esc"].clone().into_string().unwrap(), "a\"bé");
        assert!(map.contains_key("kéy"));
    }

    #[test]
    fn response_keys_are_recognised_as_the_client_spells_them() {
        for command in ["listZones", "listzones", "LISTZONES", "", "é"] {
            let key = response::response_key(command);
            assert!(is_response_key(&key, command), "{key}");
        }
        for (key, command) in [
            ("listZonesresponse", "listZones"),
            ("listzonesResponse", "listZones"),
            ("listzoneresponse", "listZones"),
            ("listzonesresponse ", "listZones"),
            ("xlistzonesrespons", "listZones"),
        ] {
            assert!(!is_response_key(key, command), "{key}");
        }
    }

    #[test]
    fn long_strings_are_kept_whole() {
        for length in [0, 1, INLINE_STRING, INLINE_STRING + 1, 1000] {
            let text = "é".repeat(length);
            assert_eq!(immutable_string(&text).as_str(), text);
        }
    }

    #[test]
    fn repeated_strings_share_one_allocation_and_others_stay_whole() {
        let texts: Vec<String> = (0..RECENT_STRINGS * 3)
            .map(|index| format!("value-{index}"))
            .chain(
                [
                    "",
                    "é",
                    &"x".repeat(MAX_RECENT_STRING),
                    &"y".repeat(MAX_RECENT_STRING + 1),
                ]
                .map(String::from),
            )
            .collect();
        for _ in 0..2 {
            for text in &texts {
                assert_eq!(recent_string(text).as_str(), text);
            }
        }
        let first = recent_string("Running");
        assert!(first.ptr_eq(&recent_string("Running")));
        assert!(!first.ptr_eq(&recent_string("Stopped")));
    }

    /// Decodes `body` twice (the second time through remembered shapes)
    /// and checks both against the `Value` path.
    fn same_both_times(body: &str) {
        for _ in 0..2 {
            let (direct, via_value) = both_ways(body);
            assert_eq!(direct, via_value, "{body}");
        }
    }

    #[test]
    fn objects_of_a_known_shape_decode_as_fresh_ones() {
        // Repeated keys keep their last value, every time.
        same_both_times(
            r#"{"listthingsresponse":{"count":3,"thing":[{"b":1,"a":2,"b":3},{"b":4,"a":5,"b":6},{"b":"x","a":[{"b":7,"a":8,"b":{}}],"b":null}]}}"#,
        );
        // The same keys in another order, or other keys of the same
        // number and length, are other shapes.
        same_both_times(
            r#"{"listthingsresponse":{"thing":[{"a":1,"b":2},{"b":3,"a":4},{"a":5,"c":6},{"c":7,"a":8},{"a":9,"b":10}]}}"#,
        );
        // Keys written with escapes.
        same_both_times(
            r#"{"listthingsresponse":{"thing":[{"k\u00e9y":1,"z":2},{"kéy":3,"z":4},{"k\u00e9y":5,"z":6}]}}"#,
        );
        let map = decode_answer(
            "listThings",
            "e",
            answer(
                200,
                r#"{"listthingsresponse":{"thing":[{"b":1,"a":2,"b":3},{"b":4,"a":5,"b":6}]}}"#,
            ),
        )
        .unwrap()
        .cast::<Map>();
        let things = map["thing"].clone().into_array().unwrap();
        let second = things[1].clone().cast::<Map>();
        assert_eq!(second.len(), 2);
        assert_eq!(second["a"].as_int(), Ok(5));
        assert_eq!(second["b"].as_int(), Ok(6));
    }

    #[test]
    fn more_shapes_than_are_remembered_decode_alike() {
        let objects: Vec<String> = (0..MAX_SHAPES * 2)
            .map(|shape| format!(r#"{{"k{shape}":{shape},"common":"v{shape}"}}"#))
            .collect();
        let body = format!(
            r#"{{"listthingsresponse":{{"thing":[{}]}}}}"#,
            objects.join(",")
        );
        same_both_times(&body);
        // Too many keys, or keys too long, to be remembered.
        let wide: Vec<String> = (0..=MAX_SHAPE_KEYS)
            .map(|key| format!(r#""k{key}":{key}"#))
            .collect();
        let wide = format!("{{{}}}", wide.join(","));
        let long = format!(r#"{{"{}":1,"a":2}}"#, "k".repeat(MAX_SHAPE_BYTES));
        same_both_times(&format!(
            r#"{{"listthingsresponse":{{"thing":[{wide},{wide},{long},{long}]}}}}"#
        ));
    }

    #[test]
    fn error_answers_and_odd_shapes_take_the_clients_path() {
        let body = r#"{"listthingsresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"bad"}}"#;
        let Err(ClientError::Api(error)) = decode_answer("listThings", "e", answer(431, body))
        else {
            panic!("an API error");
        };
        assert_eq!(error.errorcode, 431);
        // An error object under a 200 is still an error.
        assert!(matches!(
            decode_answer("listThings", "e", answer(200, body)),
            Err(ClientError::Api(_))
        ));
        // The single `…response` key of another name is accepted, as the client does.
        let other = r#"{"somethingresponse":{"count":1}}"#;
        let map = decode_answer("listThings", "e", answer(200, other))
            .unwrap()
            .cast::<Map>();
        assert_eq!(map["count"].as_int(), Ok(1));
        assert!(matches!(
            decode_answer("listThings", "e", answer(200, "{\"listthingsresponse\":")),
            Err(ClientError::InvalidJson { .. })
        ));
    }

    #[test]
    fn deep_answers_are_an_error_not_a_stack_overflow() {
        for depth in [MAX_DEPTH + 5, 100_000] {
            let body = format!(
                r#"{{"listthingsresponse":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let error = decode_answer("listThings", "e", answer(200, &body)).unwrap_err();
            assert!(matches!(error, ClientError::InvalidJson { .. }), "{error}");
        }
        let fine = format!(
            r#"{{"listthingsresponse":{{"a":{}1{}}}}}"#,
            "[".repeat(MAX_DEPTH - 2),
            "]".repeat(MAX_DEPTH - 2)
        );
        assert!(decode_answer("listThings", "e", answer(200, &fine)).is_ok());
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
