//! The catalogue's types: an API, its parameters and its answer.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// A value type, as the server's `CommandType` names it (`listApis` shows it
/// lower-cased).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `string`
    #[default]
    String,
    /// `uuid`: the id of an object.
    Uuid,
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `short`
    Short,
    /// `long`
    Long,
    /// `double`
    Double,
    /// `float`
    Float,
    /// `date`
    Date,
    /// `tzdate` (older servers)
    TzDate,
    /// `list`: sent comma-joined.
    List,
    /// `map`: sent as `name[0].key=value` entries.
    Map,
    /// `object`, or a type this version does not know.
    Object,
}

impl ValueType {
    /// The name `listApis` gives the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Uuid => "uuid",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Short => "short",
            Self::Long => "long",
            Self::Double => "double",
            Self::Float => "float",
            Self::Date => "date",
            Self::TzDate => "tzdate",
            Self::List => "list",
            Self::Map => "map",
            Self::Object => "object",
        }
    }

    /// The type called `name` (any case); an unknown name is [`ValueType::Object`].
    pub fn parse(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "string" => Self::String,
            "uuid" => Self::Uuid,
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "short" => Self::Short,
            "long" => Self::Long,
            "double" => Self::Double,
            "float" => Self::Float,
            "date" => Self::Date,
            "tzdate" => Self::TzDate,
            "list" | "set" => Self::List,
            "map" => Self::Map,
            _ => Self::Object,
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ValueType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::parse(&name))
    }
}

/// Where an API's description comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// Only the catalogue built into csctl.
    #[default]
    Builtin,
    /// Only the endpoint's `listApis` answer (a plugin or a newer version).
    Live,
    /// Both; the live answer's async flag and parameters win.
    Both,
}

/// One API command.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Api {
    /// Its name as the server spells it, e.g. `deployVirtualMachine`.
    #[serde(deserialize_with = "borrowed")]
    pub name: Cow<'static, str>,
    /// Whether it answers with a job id (`BaseAsyncCmd`); [`Api::response`]
    /// then describes the job's result.
    #[serde(rename = "async")]
    pub is_async: bool,
    /// Its parameters, sorted by name.
    pub params: Vec<Param>,
    /// The shape of its answer.
    pub response: Response,
    /// What it does (only a live `listApis` answer has descriptions).
    #[serde(skip)]
    pub description: Option<String>,
    /// Whether the server's Java source has it but the Go SDK does not
    /// (mostly plugins).
    #[serde(default, rename = "source", deserialize_with = "java_only")]
    pub java_only: bool,
    /// Where this description comes from.
    #[serde(skip)]
    pub origin: Origin,
}

/// A string borrowed from the embedded data when it has no escapes.
fn borrowed<'de: 'static, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Cow<'static, str>, D::Error> {
    struct Visitor;
    impl<'de: 'static> serde::de::Visitor<'de> for Visitor {
        type Value = Cow<'static, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(text))
        }
        fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(text.to_string()))
        }
    }
    deserializer.deserialize_str(Visitor)
}

fn borrowed_option<'de: 'static, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'static, str>>, D::Error> {
    struct Visitor;
    impl<'de: 'static> serde::de::Visitor<'de> for Visitor {
        type Value = Option<Cow<'static, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            borrowed(deserializer).map(Some)
        }
    }
    deserializer.deserialize_option(Visitor)
}

fn java_only<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let source = Option::<Cow<'de, str>>::deserialize(deserializer)?;
    Ok(source.as_deref() == Some("java"))
}

impl Api {
    /// The parameter called `name`, ignoring case.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|param| param.name.eq_ignore_ascii_case(name))
    }

    /// The required parameters, by name.
    pub fn required(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|param| param.required)
    }

    /// The verb of the name: `deploy` for `deployVirtualMachine`.
    pub fn verb(&self) -> &str {
        super::words::split_verb(&self.name).0
    }

    /// The noun of the name: `VirtualMachine` for `deployVirtualMachine`
    /// (empty for one-word names such as `login`).
    pub fn noun(&self) -> &str {
        super::words::split_verb(&self.name).1
    }
}

/// One parameter of an API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Param {
    /// Its name, e.g. `zoneid`.
    #[serde(deserialize_with = "borrowed")]
    pub name: Cow<'static, str>,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ValueType,
    /// Whether the server refuses a call without it (431).
    #[serde(default)]
    pub required: bool,
    /// For an id (or a list of ids): the server's response class of the
    /// object it names, e.g. `ZoneResponse`. See
    /// [`Catalog::list_command_for`](super::Catalog::list_command_for).
    #[serde(default, deserialize_with = "borrowed_option")]
    pub entity: Option<Cow<'static, str>>,
    /// For a map: how the entries are spelled, e.g.
    /// `tags[{i}].key={k}&tags[{i}].value={v}` (`{i}` the entry's index in
    /// sorted key order, `{n}` the index of a map in a list of maps).
    #[serde(default, deserialize_with = "borrowed_option")]
    pub encoding: Option<Cow<'static, str>>,
    /// Whether the Go SDK always sends it, for older servers.
    #[serde(default)]
    pub compat: bool,
    /// Whether only the newer Go SDK has it (not the Java source).
    #[serde(default)]
    pub go_only: bool,
    /// APIs that list what it names, from a live `listApis` answer's `related`.
    #[serde(skip)]
    pub related: Vec<String>,
    /// What it means (only a live `listApis` answer has descriptions).
    #[serde(skip)]
    pub description: Option<String>,
}

impl Param {
    /// A parameter with only a name and a type.
    pub fn new(name: impl Into<Cow<'static, str>>, kind: ValueType, required: bool) -> Self {
        Self {
            name: name.into(),
            kind,
            required,
            entity: None,
            encoding: None,
            compat: false,
            go_only: false,
            related: Vec::new(),
            description: None,
        }
    }

    /// Whether its value names objects (a uuid, a list of uuids, or a
    /// parameter with an entity).
    pub fn is_id(&self) -> bool {
        self.entity.is_some() || self.kind == ValueType::Uuid
    }
}

/// The shape of an answer (for an async API, of its job's result).
#[derive(Clone, Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Response {
    /// The key of the object inside the answer, or of the list in a list
    /// answer (`zone` for `listZones`): exact, sometimes camelCase. `None`
    /// when unknown or when there is none.
    #[serde(default, deserialize_with = "borrowed_option")]
    pub key: Option<Cow<'static, str>>,
    /// A heuristic key, only where no source gave one.
    #[serde(default, deserialize_with = "borrowed_option")]
    pub key_guess: Option<Cow<'static, str>>,
    /// Whether the answer is `{"count": N, "<key>": [...]}` (`{}` when empty).
    #[serde(default)]
    pub list: bool,
    /// Whether the fields sit directly in the answer (`{"success": true}`),
    /// not under a key.
    #[serde(default)]
    pub direct: bool,
    #[serde(default, rename = "fields")]
    fields_raw: Option<&'static RawValue>,
    #[serde(default, rename = "also")]
    also_raw: Option<&'static RawValue>,
    #[serde(skip)]
    fields: OnceLock<Fields>,
    #[serde(skip)]
    also: OnceLock<Vec<(String, Fields)>>,
}

impl Default for Response {
    fn default() -> Self {
        Self::new(None, false, false, Fields::default())
    }
}

impl Response {
    /// A response with the given key and fields.
    pub fn new(key: Option<String>, list: bool, direct: bool, fields: Fields) -> Self {
        Self {
            key: key.map(Cow::Owned),
            key_guess: None,
            list,
            direct,
            fields_raw: None,
            also_raw: None,
            fields: OnceLock::from(fields),
            also: OnceLock::from(Vec::new()),
        }
    }

    /// The fields of the object (of one element for a list), read from the
    /// embedded data on first use.
    pub fn fields(&self) -> &Fields {
        self.fields.get_or_init(|| {
            self.fields_raw
                .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
                .map(|value| Fields::from_json(&value))
                .unwrap_or_default()
        })
    }

    /// Other list keys the answer may carry instead of [`Response::key`],
    /// with the fields of their elements (`lbrulevmidip` of
    /// `listLoadBalancerRuleInstances`).
    pub fn also(&self) -> &[(String, Fields)] {
        self.also.get_or_init(|| {
            let Some(Value::Object(map)) = self
                .also_raw
                .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
            else {
                return Vec::new();
            };
            map.iter()
                .map(|(key, value)| {
                    let element = match value {
                        Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    };
                    (key.clone(), Fields::from_json(&element))
                })
                .collect()
        })
    }

    /// The key, or failing that the heuristic one.
    pub fn key_or_guess(&self) -> Option<&str> {
        self.key.as_deref().or(self.key_guess.as_deref())
    }
}

/// The fields of an object, in the catalogue's order (by name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<Field>);

/// One field of an answer's object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its JSON name (exact; a few are camelCase).
    pub name: String,
    /// What it holds.
    pub kind: FieldType,
}

/// What a field holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// One value.
    Value(ValueType),
    /// A list of values, e.g. `["string"]`.
    Values(ValueType),
    /// A nested object.
    Object(Fields),
    /// A list of objects.
    Objects(Fields),
}

impl Fields {
    /// Reads the catalogue's notation: `{"name": "string", "tags": [{...}],
    /// "ids": ["string"], "nic": {...}}`.
    pub fn from_json(value: &Value) -> Self {
        let Value::Object(map) = value else {
            return Self::default();
        };
        Self(
            map.iter()
                .map(|(name, kind)| Field {
                    name: name.clone(),
                    kind: FieldType::from_json(kind),
                })
                .collect(),
        )
    }

    /// The field called `name` (exactly).
    pub fn get(&self, name: &str) -> Option<&FieldType> {
        self.0
            .iter()
            .find(|field| field.name == name)
            .map(|field| &field.kind)
    }

    /// Every field, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.0.iter()
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FieldType {
    fn from_json(value: &Value) -> Self {
        match value {
            Value::String(name) => Self::Value(ValueType::parse(name)),
            Value::Object(_) => Self::Object(Fields::from_json(value)),
            Value::Array(items) => match items.first() {
                Some(Value::String(name)) => Self::Values(ValueType::parse(name)),
                Some(object @ Value::Object(_)) => Self::Objects(Fields::from_json(object)),
                _ => Self::Values(ValueType::Object),
            },
            _ => Self::Value(ValueType::Object),
        }
    }

    /// A short description: `string`, `[string]`, `{…}` or `[{…}]`.
    pub fn describe(&self) -> String {
        match self {
            Self::Value(kind) => kind.to_string(),
            Self::Values(kind) => format!("[{kind}]"),
            Self::Object(_) => "{…}".into(),
            Self::Objects(_) => "[{…}]".into(),
        }
    }
}
