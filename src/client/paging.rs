//! Fetching every item of a list command across pages.
//!
//! Paging stops on an empty page, a short page, or once `count` items have
//! been seen. Some APIs ignore `page` and answer the same page forever (cs
//! looped on them); a page whose items were all seen before ends the walk.

use std::collections::HashSet;

use serde_json::Value;

use super::error::ClientError;
use super::http::Client;
use super::params::Params;
use super::response::{as_integer, list_items};

/// The server's default and largest page size (`default.page.size`).
pub const MAX_PAGE_SIZE: usize = 500;

/// Safety net against a server that never ends a list.
const MAX_PAGES: usize = 100_000;

/// Every item of a list, with the key its items sit under (`zone`,
/// `virtualmachine`, …; `None` when the list was empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllItems {
    /// The array's key in the list answer.
    pub key: Option<String>,
    /// The items of every page, in server order.
    pub items: Vec<Value>,
}

impl AllItems {
    /// The items as one list answer: `{"count": N, "<key>": [...]}`, or `{}`.
    pub fn into_answer(self) -> Value {
        let mut answer = serde_json::Map::new();
        if let (Some(key), false) = (self.key, self.items.is_empty()) {
            answer.insert("count".into(), Value::from(self.items.len()));
            answer.insert(key, Value::Array(self.items));
        }
        Value::Object(answer)
    }
}

/// Every item of `command` across pages, in server order. A `pagesize` in
/// `params` sets the page size; a `page` there is ignored.
pub async fn list_all(
    client: &Client,
    command: &str,
    params: &Params,
) -> Result<AllItems, ClientError> {
    let mut params = params.clone();
    params.remove("page");
    let page_size = params
        .remove("pagesize")
        .and_then(|size| size.parse::<usize>().ok())
        .filter(|size| (1..=MAX_PAGE_SIZE).contains(size))
        .unwrap_or(MAX_PAGE_SIZE);
    params.set("pagesize", page_size.to_string());

    let mut key = None;
    let mut items: Vec<Value> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for page in 1..=MAX_PAGES {
        params.set("page", page.to_string());
        let answer = client.call(command, &params).await?;
        let (page_key, page_items) = list_items(&answer);
        if page_items.is_empty() {
            break;
        }
        if key.is_none() {
            key = page_key.map(str::to_string);
        }
        let mut new_items = 0;
        for item in page_items {
            if seen.insert(identity(item)) {
                items.push(item.clone());
                new_items += 1;
            }
        }
        if new_items == 0 {
            client.tracer().note(&format!(
                "{command} answered page {page} with items already seen: it ignores `page`"
            ));
            break;
        }
        let total = answer
            .get("count")
            .and_then(as_integer)
            .map(|count| count.max(0) as usize);
        if page_items.len() < page_size || total.is_some_and(|total| items.len() >= total) {
            break;
        }
    }
    Ok(AllItems { key, items })
}

/// What makes an item the same item on another page: its whole text, since
/// an `id` alone is not unique in some lists (`listTemplates` has one row
/// per template and zone).
fn identity(item: &Value) -> String {
    item.to_string()
}
