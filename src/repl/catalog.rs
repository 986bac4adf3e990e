//! The API catalogue: what `listApis` says about every API the user may
//! call (name, description, async or not, parameters), kept small, and cached
//! as JSON per profile, endpoint and user under the user's cache directory
//! (`~/.cache/csctl/apis-<hash>.json` on Linux), so that starting the REPL
//! costs no `listApis` call once the cache exists.
//!
//! The cache is refreshed only by `:sync`, or fetched when missing, and the
//! REPL always says when it fetches.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::client::{Client, ClientConfig, ClientError, Credentials, Params};

/// The cache file format; a file of another format is ignored.
const FORMAT: u32 = 1;

/// One parameter of an API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiParam {
    /// Its name, e.g. `zoneid`.
    pub name: String,
    /// Its type as `listApis` names it: `uuid`, `string`, `boolean`, `list`, `map`…
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Whether the API needs it.
    #[serde(default)]
    pub required: bool,
    /// Comma-separated APIs that list what it names (`listZones` for `zoneid`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub related: String,
    /// What it means.
    #[serde(default)]
    pub description: String,
}

/// One API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Api {
    /// Its name, e.g. `deployVirtualMachine`.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Whether it answers with a job id.
    #[serde(default)]
    pub isasync: bool,
    /// Its parameters, required ones first, then by name.
    #[serde(default)]
    pub params: Vec<ApiParam>,
}

impl Api {
    /// The parameter called `name` (ignoring case).
    pub fn param(&self, name: &str) -> Option<&ApiParam> {
        self.params
            .iter()
            .find(|param| param.name.eq_ignore_ascii_case(name))
    }

    /// The noun of the name: `VirtualMachine` for `deployVirtualMachine`.
    pub fn noun(&self) -> &str {
        let verb = self.name.bytes().take_while(u8::is_ascii_lowercase).count();
        &self.name[verb..]
    }
}

/// The catalogue of one cloud, as seen by one user.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    apis: Vec<Api>,
    index: HashMap<String, usize>,
    /// When it was fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
}

#[derive(Serialize, Deserialize)]
struct CacheDoc {
    format: u32,
    endpoint: String,
    #[serde(default)]
    profile: Option<String>,
    fetched_at: u64,
    apis: Vec<Api>,
}

impl Catalog {
    /// A catalogue of `apis`, fetched at `fetched_at` (Unix seconds).
    pub fn new(mut apis: Vec<Api>, fetched_at: u64) -> Self {
        apis.sort_by(|a, b| a.name.cmp(&b.name));
        apis.dedup_by(|a, b| a.name.eq_ignore_ascii_case(&b.name));
        for api in &mut apis {
            api.params.sort_by(|a, b| {
                b.required
                    .cmp(&a.required)
                    .then_with(|| a.name.cmp(&b.name))
            });
        }
        let index = apis
            .iter()
            .enumerate()
            .map(|(at, api)| (api.name.to_ascii_lowercase(), at))
            .collect();
        Self {
            apis,
            index,
            fetched_at,
        }
    }

    /// Reads a `listApis` answer (`{count, api: [...]}`), tolerating
    /// missing fields and booleans sent as strings.
    pub fn from_answer(answer: &Value, fetched_at: u64) -> Result<Self, String> {
        let Some(items) = answer.get("api").and_then(Value::as_array) else {
            return Err(match answer.as_object() {
                Some(fields) if fields.is_empty() => "listApis answered no APIs".into(),
                _ => "the listApis answer has no `api` list".into(),
            });
        };
        let apis = items
            .iter()
            .filter_map(|item| {
                let name = text(item, "name")?;
                let params = item
                    .get("params")
                    .and_then(Value::as_array)
                    .map(|params| {
                        params
                            .iter()
                            .filter_map(|param| {
                                Some(ApiParam {
                                    name: text(param, "name")?,
                                    kind: text(param, "type").unwrap_or_default(),
                                    required: flag(param, "required"),
                                    related: text(param, "related").unwrap_or_default(),
                                    description: text(param, "description").unwrap_or_default(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Api {
                    name,
                    description: text(item, "description").unwrap_or_default(),
                    isasync: flag(item, "isasync"),
                    params,
                })
            })
            .collect();
        Ok(Self::new(apis, fetched_at))
    }

    /// The API called `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&Api> {
        self.index
            .get(&name.to_ascii_lowercase())
            .map(|&at| &self.apis[at])
    }

    /// Every API, by name.
    pub fn apis(&self) -> &[Api] {
        &self.apis
    }

    /// How many APIs it has.
    pub fn len(&self) -> usize {
        self.apis.len()
    }

    /// Whether it has no API.
    pub fn is_empty(&self) -> bool {
        self.apis.is_empty()
    }

    /// How long ago it was fetched.
    pub fn age(&self) -> Duration {
        Duration::from_secs(now().saturating_sub(self.fetched_at))
    }

    /// The list API whose items a parameter of `api` names, for value
    /// completion: the parameter's `related` list API, or one found by
    /// name (`zoneid` → `listZones`, `id` of `startVirtualMachine` →
    /// `listVirtualMachines`).
    pub fn list_api_for(&self, api: &Api, param: &str) -> Option<&Api> {
        let lower = param.to_ascii_lowercase();
        if let Some(spec) = api.param(param) {
            let related = spec
                .related
                .split(',')
                .map(str::trim)
                .filter(|name| name.to_ascii_lowercase().starts_with("list"))
                .find_map(|name| self.get(name));
            if related.is_some() {
                return related;
            }
        }
        let noun = match lower.as_str() {
            "id" | "ids" => api.noun().to_ascii_lowercase(),
            "vmid" | "vmids" => "virtualmachine".into(),
            "ipaddressid" | "publicipid" => "publicipaddress".into(),
            _ => lower
                .strip_suffix("ids")
                .or_else(|| lower.strip_suffix("id"))
                .filter(|noun| !noun.is_empty())?
                .to_string(),
        };
        let mut names = vec![
            format!("list{noun}s"),
            format!("list{noun}es"),
            format!("list{noun}"),
        ];
        if let Some(stem) = noun.strip_suffix('y') {
            names.push(format!("list{stem}ies"));
        }
        names.iter().find_map(|name| self.get(name))
    }

    /// Reads a cache file written by [`Catalog::save`]; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
        };
        let doc: CacheDoc = serde_json::from_str(&text)
            .map_err(|error| format!("{} is not a catalogue cache ({error})", path.display()))?;
        if doc.format != FORMAT {
            return Ok(None);
        }
        Ok(Some(Self::new(doc.apis, doc.fetched_at)))
    }

    /// Writes the catalogue to `path` (through a temporary file, so that a
    /// concurrent reader never sees half of it).
    pub fn save(&self, path: &Path, endpoint: &str, profile: Option<&str>) -> Result<(), String> {
        let doc = CacheDoc {
            format: FORMAT,
            endpoint: endpoint.to_string(),
            profile: profile.map(str::to_string),
            fetched_at: self.fetched_at,
            apis: self.apis.clone(),
        };
        let text = serde_json::to_string(&doc).map_err(|error| error.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        }
        let temporary = path.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|error| {
                let _ = std::fs::remove_file(&temporary);
                format!("cannot write {}: {error}", path.display())
            })
    }
}

/// Calls `listApis` and reads its answer.
pub async fn fetch(client: &Client) -> Result<Catalog, FetchError> {
    let answer = client
        .call("listApis", &Params::new())
        .await
        .map_err(FetchError::Client)?;
    Catalog::from_answer(&answer, now()).map_err(FetchError::Answer)
}

/// Why the catalogue could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The call failed.
    #[error(transparent)]
    Client(ClientError),
    /// The answer is not a catalogue.
    #[error("{0}")]
    Answer(String),
}

/// The cache file of the catalogue seen through `config` (with `profile`):
/// `<cache dir>/csctl/apis-<hash>.json`, the hash covering the profile, the
/// endpoint and the user (a hash of the API key, or the user name), so that
/// two profiles or two users never share a file.
pub fn cache_path(profile: Option<&str>, config: &ClientConfig) -> Option<PathBuf> {
    Some(cache_dir()?.join(cache_file_name(profile, config)))
}

/// The directory of csctl's caches.
pub fn cache_dir() -> Option<PathBuf> {
    Some(dirs::cache_dir()?.join("csctl"))
}

fn cache_file_name(profile: Option<&str>, config: &ClientConfig) -> String {
    let user = match &config.credentials {
        Credentials::ApiKey { api_key, .. } => format!("key:{}", hex(&Sha256::digest(api_key))),
        Credentials::Password {
            username, domain, ..
        } => format!("user:{domain}/{username}"),
    };
    let mut hasher = Sha256::new();
    for part in [
        profile.unwrap_or(""),
        config.endpoint.as_str(),
        user.as_str(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("apis-{}.json", &hex(&hasher.finalize())[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Now, in seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn flag(value: &Value, key: &str) -> bool {
    match value.get(key) {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(text)) => text.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Catalog {
        let answer = serde_json::json!({
            "count": 4,
            "api": [
                {"name": "listZones", "description": "Lists zones", "isasync": false,
                 "params": [{"name": "id", "type": "uuid", "required": false, "related": "listZones"}]},
                {"name": "deployVirtualMachine", "description": "Creates a VM", "isasync": true,
                 "params": [
                    {"name": "name", "type": "string"},
                    {"name": "zoneid", "type": "uuid", "required": true, "related": "listZones"},
                    {"name": "serviceofferingid", "type": "uuid", "required": "true"},
                    {"name": "ipaddressid", "type": "uuid"}
                 ]},
                {"name": "startVirtualMachine", "isasync": "true", "params": [{"name": "id", "type": "uuid", "required": true}]},
                {"name": "listVirtualMachines", "params": []},
                {"name": "listServiceOfferings"},
                {"name": "listPublicIpAddresses"},
                {"description": "no name: skipped"}
            ]
        });
        Catalog::from_answer(&answer, 1_700_000_000).unwrap()
    }

    #[test]
    fn the_answer_is_read_leniently() {
        let catalog = sample();
        assert_eq!(catalog.len(), 6);
        let deploy = catalog.get("DEPLOYvirtualmachine").unwrap();
        assert!(deploy.isasync);
        let names: Vec<_> = deploy.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["serviceofferingid", "zoneid", "ipaddressid", "name"]
        );
        assert!(deploy.param("ZONEID").unwrap().required);
        assert!(catalog.get("startVirtualMachine").unwrap().isasync);
        assert!(Catalog::from_answer(&serde_json::json!({}), 0).is_err());
    }

    #[test]
    fn list_apis_are_found_for_id_parameters() {
        let catalog = sample();
        let deploy = catalog.get("deployVirtualMachine").unwrap();
        let list =
            |api: &Api, param: &str| catalog.list_api_for(api, param).map(|a| a.name.clone());
        assert_eq!(list(deploy, "zoneid").as_deref(), Some("listZones"));
        assert_eq!(
            list(deploy, "serviceofferingid").as_deref(),
            Some("listServiceOfferings")
        );
        assert_eq!(
            list(deploy, "ipaddressid").as_deref(),
            Some("listPublicIpAddresses")
        );
        assert_eq!(list(deploy, "name"), None);
        let start = catalog.get("startVirtualMachine").unwrap();
        assert_eq!(list(start, "id").as_deref(), Some("listVirtualMachines"));
    }

    #[test]
    fn the_cache_round_trips_and_is_per_user() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/apis.json");
        assert!(Catalog::load(&path).unwrap().is_none());
        let catalog = sample();
        catalog
            .save(&path, "http://x/client/api", Some("p"))
            .unwrap();
        let loaded = Catalog::load(&path).unwrap().unwrap();
        assert_eq!(loaded.apis(), catalog.apis());
        assert_eq!(loaded.fetched_at, 1_700_000_000);
        std::fs::write(&path, "not json").unwrap();
        assert!(Catalog::load(&path).is_err());

        let key = |api_key: &str, profile: Option<&str>| {
            let config = ClientConfig::new(
                "http://x/client/api",
                Credentials::ApiKey {
                    api_key: api_key.into(),
                    secret_key: "s".into(),
                },
            );
            cache_file_name(profile, &config)
        };
        assert_eq!(key("a", Some("p")), key("a", Some("p")));
        assert_ne!(key("a", Some("p")), key("b", Some("p")));
        assert_ne!(key("a", Some("p")), key("a", Some("q")));
        assert!(!key("secretive-key", None).contains("secretive"));
    }
}
