//! Values for id parameters (`zoneid=` → the zones' ids), fetched from the
//! related list API with a short time budget and kept for a few minutes, so
//! that TAB never hangs and never calls the API on every press.
//!
//! A fetch that outlives its budget goes on in the background and fills the
//! cache, so the next TAB has the values. A failed fetch is remembered
//! briefly too, so a broken list API is not called on every TAB either.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt as _, Shared};
use serde_json::Value;

use csctl::catalog::Api;
use csctl::client::{response, Client, Params};

/// How long TAB waits for values.
pub const BUDGET: Duration = Duration::from_millis(300);
/// How long fetched values are used.
pub const FRESH_FOR: Duration = Duration::from_secs(300);
/// How long a failed fetch is not retried.
const FAILED_FOR: Duration = Duration::from_secs(30);
/// How many items one fetch asks for.
const PAGE_SIZE: &str = "500";

/// One completion value: an id, and the name shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What is inserted.
    pub id: String,
    /// A readable name, shown in the list.
    pub label: Option<String>,
}

type Fetch = Shared<BoxFuture<'static, ()>>;

enum Entry {
    Pending(Fetch),
    Ready(Instant, Arc<Vec<Item>>),
    Failed(Instant),
}

/// The values of list APIs, by API name.
#[derive(Clone, Default)]
pub struct ValueCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    /// Bumped by [`ValueCache::clear`], so that a fetch started before
    /// (with another profile's client, say) does not fill the cache after.
    generation: Arc<AtomicU64>,
}

impl ValueCache {
    /// Forgets everything (after `:sync` or a profile switch).
    pub fn clear(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The items `list` returns, from the cache when fresh, else fetched
    /// with at most `budget` of waiting; `None` when they are not there in
    /// time (or the fetch failed). Call from outside the runtime.
    pub fn items(
        &self,
        runtime: &tokio::runtime::Handle,
        client: &Client,
        list: &Api,
        budget: Duration,
    ) -> Option<Arc<Vec<Item>>> {
        let key = list.name.to_ascii_lowercase();
        let fetch = {
            let mut entries = self.lock();
            match entries.get(&key) {
                Some(Entry::Ready(at, items)) if at.elapsed() < FRESH_FOR => {
                    return Some(items.clone())
                }
                Some(Entry::Failed(at)) if at.elapsed() < FAILED_FOR => return None,
                Some(Entry::Pending(fetch)) => fetch.clone(),
                _ => {
                    let fetch = self.start(runtime, client, list, &key);
                    entries.insert(key.clone(), Entry::Pending(fetch.clone()));
                    fetch
                }
            }
        };
        // The timer must be made inside the runtime.
        runtime.block_on(async move {
            let _ = tokio::time::timeout(budget, fetch).await;
        });
        match self.lock().get(&key) {
            Some(Entry::Ready(_, items)) => Some(items.clone()),
            _ => None,
        }
    }

    fn start(
        &self,
        runtime: &tokio::runtime::Handle,
        client: &Client,
        list: &Api,
        key: &str,
    ) -> Fetch {
        let entries = self.entries.clone();
        let generation = self.generation.clone();
        let started = generation.load(Ordering::SeqCst);
        let client = client.clone();
        let key = key.to_string();
        let name = list.name.clone();
        let params = list_params(list);
        let task = runtime.spawn(async move {
            let outcome = match params {
                Some(params) => client.call(&name, &params).await.ok(),
                None => None,
            };
            let entry = match outcome {
                Some(answer) => Entry::Ready(Instant::now(), Arc::new(items_of(&answer))),
                None => Entry::Failed(Instant::now()),
            };
            let mut entries = entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if generation.load(Ordering::SeqCst) == started {
                entries.insert(key, entry);
            }
        });
        async move {
            let _ = task.await;
        }
        .boxed()
        .shared()
    }
}

/// The parameters of one completion fetch: everything visible, the first
/// big page, and the usual value of required filters. `None` when the list
/// API needs something completion cannot guess.
fn list_params(list: &Api) -> Option<Params> {
    let mut params = Params::new();
    for param in &list.params {
        let value = match param.name.to_ascii_lowercase().as_str() {
            "listall" => "true",
            "page" => "1",
            "pagesize" => PAGE_SIZE,
            "templatefilter" | "isofilter" => "executable",
            _ if param.required => return None,
            _ => continue,
        };
        params.set(&param.name, value);
    }
    if params.contains("pagesize") && !params.contains("page") {
        params.set("page", "1");
    }
    Some(params)
}

/// The completion items of a list answer: each item's `id` with its name.
pub fn items_of(answer: &Value) -> Vec<Item> {
    let (_, rows) = response::list_items(answer);
    let mut items: Vec<Item> = rows
        .iter()
        .filter_map(|row| {
            let id = match row.get("id")? {
                Value::String(id) => id.clone(),
                Value::Number(id) => id.to_string(),
                _ => return None,
            };
            let label = [
                "name",
                "displayname",
                "ipaddress",
                "username",
                "displaytext",
                "description",
            ]
            .iter()
            .find_map(|key| row.get(*key).and_then(Value::as_str))
            .filter(|label| !label.is_empty())
            .map(str::to_string);
            Some(Item { id, label })
        })
        .collect();
    items.dedup_by(|a, b| a.id == b.id);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use csctl::catalog::{Param, ValueType};

    fn param(name: &str, required: bool) -> Param {
        Param::new(name.to_string(), ValueType::String, required)
    }

    #[test]
    fn items_carry_a_readable_label() {
        let answer = serde_json::json!({"count": 3, "zone": [
            {"id": "z1", "name": "Zone 1"},
            {"id": "z2", "displaytext": "Second"},
            {"id": 7},
            {"name": "no id"}
        ]});
        assert_eq!(
            items_of(&answer),
            [
                Item {
                    id: "z1".into(),
                    label: Some("Zone 1".into())
                },
                Item {
                    id: "z2".into(),
                    label: Some("Second".into())
                },
                Item {
                    id: "7".into(),
                    label: None
                },
            ]
        );
        assert!(items_of(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn fetch_parameters_fill_what_they_can() {
        let list = Api {
            name: "listTemplates".into(),
            params: vec![
                param("templatefilter", true),
                param("listall", false),
                param("pagesize", false),
                param("name", false),
            ],
            ..Api::default()
        };
        let params = list_params(&list).unwrap();
        assert_eq!(params.get("templatefilter"), Some("executable"));
        assert_eq!(params.get("listall"), Some("true"));
        assert_eq!(params.get("page"), Some("1"));
        assert_eq!(params.get("name"), None);
        let needy = Api {
            name: "listThings".into(),
            params: vec![param("parentid", true)],
            ..Api::default()
        };
        assert!(list_params(&needy).is_none());
    }
}
