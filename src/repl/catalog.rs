//! The live catalogue: what the endpoint's `listApis` says (its version's
//! async flags and parameters, its plugins' commands), laid over the
//! built-in catalogue ([`csctl::catalog`]), and cached as JSON per profile,
//! endpoint and user under the user's cache directory
//! (`~/.cache/csctl/apis-<hash>.json` on Linux), so that starting the REPL
//! costs no `listApis` call once the cache exists.
//!
//! The cache is refreshed only by `:sync`, or fetched when missing, and the
//! REPL always says when it fetches. `csctl apis` reads it too.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use csctl::catalog::{self, Catalog};
use csctl::client::{Client, ClientConfig, ClientError, Credentials, Params};

/// The cache file format; a file of another format is ignored. Its `apis`
/// are the items of the `listApis` answer, as the server sent them.
const FORMAT: u32 = 1;

/// An endpoint's `listApis` answer, with when it was fetched.
#[derive(Clone, Debug)]
pub struct LiveApis {
    /// The answer's `api` items.
    items: Vec<Value>,
    /// When it was fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
    /// The endpoint it came from (known once saved or loaded).
    pub endpoint: Option<String>,
    /// The profile it was fetched with, if any.
    pub profile: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CacheDoc {
    format: u32,
    endpoint: String,
    #[serde(default)]
    profile: Option<String>,
    fetched_at: u64,
    apis: Vec<Value>,
}

impl LiveApis {
    /// Reads a `listApis` answer (`{count, api: [...]}`).
    pub fn from_answer(answer: &Value, fetched_at: u64) -> Result<Self, String> {
        catalog::from_list_apis(answer)?;
        let items = answer
            .get("api")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(Self {
            items,
            fetched_at,
            endpoint: None,
            profile: None,
        })
    }

    /// How many APIs the answer has.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// How long ago it was fetched.
    pub fn age(&self) -> Duration {
        Duration::from_secs(now().saturating_sub(self.fetched_at))
    }

    /// The built-in catalogue with this answer laid over it.
    pub fn catalog(&self) -> Catalog {
        let answer = serde_json::json!({ "api": self.items });
        let live = catalog::from_list_apis(&answer).unwrap_or_default();
        catalog::builtin().with_live(live)
    }

    /// Reads a cache file written by [`LiveApis::save`]; `Ok(None)` when there is none.
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
        Ok(Some(Self {
            items: doc.apis,
            fetched_at: doc.fetched_at,
            endpoint: Some(doc.endpoint),
            profile: doc.profile,
        }))
    }

    /// Writes the answer to `path` (through a temporary file, so that a
    /// concurrent reader never sees half of it).
    pub fn save(&self, path: &Path, endpoint: &str, profile: Option<&str>) -> Result<(), String> {
        let doc = CacheDoc {
            format: FORMAT,
            endpoint: endpoint.to_string(),
            profile: profile.map(str::to_string),
            fetched_at: self.fetched_at,
            apis: self.items.clone(),
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

/// The newest cached `listApis` answer fetched with `profile` from
/// `endpoint` (either may be left open), by any user.
pub fn newest_cached(profile: Option<&str>, endpoint: Option<&str>) -> Option<(LiveApis, PathBuf)> {
    let entries = std::fs::read_dir(cache_dir()?).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("apis-") && name.ends_with(".json"))
        })
        .filter_map(|path| Some((LiveApis::load(&path).ok()??, path)))
        .filter(|(live, _)| {
            profile.is_none_or(|profile| live.profile.as_deref() == Some(profile))
                && endpoint.is_none_or(|endpoint| live.endpoint.as_deref() == Some(endpoint))
        })
        .max_by_key(|(live, _)| live.fetched_at)
}

/// Calls `listApis` and reads its answer.
pub async fn fetch(client: &Client) -> Result<LiveApis, FetchError> {
    let answer = client
        .call("listApis", &Params::new())
        .await
        .map_err(FetchError::Client)?;
    LiveApis::from_answer(&answer, now()).map_err(FetchError::Answer)
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
        Credentials::Session { sessionkey, .. } => {
            format!("session:{}", hex(&Sha256::digest(sessionkey)))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LiveApis {
        let answer = serde_json::json!({
            "count": 3,
            "api": [
                {"name": "listZones", "description": "Lists zones", "isasync": false,
                 "params": [{"name": "id", "type": "uuid", "required": false, "related": "listZones"}]},
                {"name": "pluginThing", "isasync": "true", "params": [{"name": "x", "type": "uuid", "required": true}]},
                {"description": "no name: skipped"}
            ]
        });
        LiveApis::from_answer(&answer, 1_700_000_000).unwrap()
    }

    #[test]
    fn the_answer_is_laid_over_the_builtin_catalogue() {
        let catalog = sample().catalog();
        assert!(catalog.has_live());
        assert_eq!(catalog.len(), csctl::catalog::builtin().len() + 1);
        assert!(catalog.find("PLUGINTHING").unwrap().is_async);
        assert_eq!(
            catalog.find("listZones").unwrap().description.as_deref(),
            Some("Lists zones")
        );
        assert!(LiveApis::from_answer(&serde_json::json!({}), 0).is_err());
    }

    #[test]
    fn the_cache_round_trips_and_is_per_user() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/apis.json");
        assert!(LiveApis::load(&path).unwrap().is_none());
        let catalog = sample();
        catalog
            .save(&path, "http://x/client/api", Some("p"))
            .unwrap();
        let loaded = LiveApis::load(&path).unwrap().unwrap();
        assert_eq!(loaded.items, catalog.items);
        assert_eq!(loaded.fetched_at, 1_700_000_000);
        std::fs::write(&path, "not json").unwrap();
        assert!(LiveApis::load(&path).is_err());

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
