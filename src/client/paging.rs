//! Fetching every item of a list command across pages.
//!
//! The first page tells `count`; the other pages are then fetched a few at
//! a time ([`ListOptions::concurrency`], each request still paced by the
//! client's rate limit) and handed over in the server's order as they
//! arrive, so a caller that writes rows out holds one decoded page at a
//! time, whatever the cloud's size: a page that arrives before its turn is
//! kept as the bytes the server sent (checked to be JSON, so that a proxy's
//! HTML page is still retried), several times smaller than decoded. Rows shift between pages while the cloud
//! changes: an item seen on an earlier page is dropped (by `id`, and zone for
//! lists such as `listTemplates` that show one row per template and zone).
//!
//! Paging stops on an empty page, a short page, or once `count` items have
//! been seen. Some APIs ignore `page` and answer the same page forever (cs
//! looped on them); a page whose items were all seen before ends the walk.

use std::collections::HashSet;

use futures::StreamExt as _;
use serde_json::Value;

use super::error::ClientError;
use super::http::Client;
use super::params::Params;
use super::response::{self, as_integer, RawAnswer};

/// The server's default and largest page size (`default.page.size`).
pub const MAX_PAGE_SIZE: usize = 500;

/// Safety net against a server that never ends a list.
const MAX_PAGES: usize = 100_000;

/// How to walk a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListOptions {
    /// Pages requested at once after the first (1: one after another).
    pub concurrency: usize,
}

/// Pages in flight at once by default: enough to hide a slow server's
/// per-page time, few enough to stay polite.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 5;

impl Default for ListOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_PAGE_CONCURRENCY,
        }
    }
}

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
    list_all_with(client, command, params, &ListOptions::default()).await
}

/// [`list_all`] with options.
pub async fn list_all_with(
    client: &Client,
    command: &str,
    params: &Params,
    options: &ListOptions,
) -> Result<AllItems, ClientError> {
    let mut all = AllItems::default();
    for_each_page(client, command, params, options, |key, items| {
        if all.key.is_none() {
            all.key = Some(key.to_string());
        }
        all.items.extend(items);
        Ok(())
    })
    .await?;
    Ok(all)
}

/// Walks every page of `command` and hands each page's new items to `sink`
/// in server order, with the key they sit under, as soon as the pages
/// before it were handed over. An error of `sink` ends the walk.
pub async fn for_each_page(
    client: &Client,
    command: &str,
    params: &Params,
    options: &ListOptions,
    mut sink: impl FnMut(&str, Vec<Value>) -> Result<(), ClientError>,
) -> Result<(), ClientError> {
    let mut params = params.clone();
    params.remove("page");
    let page_size = params
        .remove("pagesize")
        .and_then(|size| size.parse::<usize>().ok())
        .filter(|size| (1..=MAX_PAGE_SIZE).contains(size))
        .unwrap_or(MAX_PAGE_SIZE);
    params.set("pagesize", page_size.to_string());
    let mut walk = Walk {
        command,
        page_size,
        seen: HashSet::new(),
        client,
    };

    let first = fetch(client, command, &params, 1)
        .await?
        .decode(client, command)?;
    let total = first.count;
    let mut more = walk.take(first, 1, &mut sink)?;
    let mut next = 2;
    // With `count` known, the pages it implies are fetched together.
    if let (true, Some(total)) = (more, total) {
        let last = total.div_ceil(page_size).min(MAX_PAGES);
        if last >= next {
            let params = &params;
            let mut pages = futures::stream::iter(next..=last)
                .map(|page| async move { (page, fetch(client, command, params, page).await) })
                .buffered(options.concurrency.max(1));
            while let Some((page, answer)) = pages.next().await {
                more = walk.take(answer?.decode(client, command)?, page, &mut sink)?;
                next = page + 1;
                if !more {
                    break;
                }
            }
        }
    }
    // Then one by one, while pages come full (rows added meanwhile, or no
    // `count` given).
    while more && next <= MAX_PAGES {
        let answer = fetch(client, command, &params, next)
            .await?
            .decode(client, command)?;
        more = walk.take(answer, next, &mut sink)?;
        next += 1;
    }
    Ok(())
}

/// A page's answer as the server sent it.
struct Fetched {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Keeps a successful JSON answer undecoded; an error answer, or one that
/// is not JSON, is decoded at once into its error (so that the client's
/// retries apply as to any call).
fn keep_undecoded(
    command: &str,
    endpoint: &str,
    answer: RawAnswer<'_>,
) -> Result<Fetched, ClientError> {
    if answer.status >= 400 || serde_json::from_slice::<serde::de::IgnoredAny>(answer.body).is_err()
    {
        response::decode(command, endpoint, answer)?;
    }
    Ok(Fetched {
        status: answer.status,
        content_type: answer.content_type.map(str::to_string),
        body: answer.body.to_vec(),
    })
}

/// One page's answer.
struct Page {
    key: Option<String>,
    items: Vec<Value>,
    count: Option<usize>,
}

async fn fetch(
    client: &Client,
    command: &str,
    params: &Params,
    page: usize,
) -> Result<Undecoded, ClientError> {
    let mut params = params.clone();
    params.set("page", page.to_string());
    let fetched = client.call_with(command, &params, keep_undecoded).await?;
    Ok(Undecoded(fetched))
}

/// A fetched page, decoded when its turn comes.
struct Undecoded(Fetched);

impl Undecoded {
    fn decode(self, client: &Client, command: &str) -> Result<Page, ClientError> {
        let Fetched {
            status,
            content_type,
            body,
        } = self.0;
        let raw = RawAnswer {
            status,
            content_type: content_type.as_deref(),
            body: &body,
        };
        let answer = response::decode(command, &client.config().endpoint, raw)?;
        drop(body);
        Ok(page_of(answer))
    }
}

/// The rows and `count` of a decoded list answer.
fn page_of(answer: Value) -> Page {
    let count = answer
        .get("count")
        .and_then(as_integer)
        .map(|count| count.max(0) as usize);
    let Value::Object(fields) = answer else {
        return Page {
            key: None,
            items: Vec::new(),
            count,
        };
    };
    let (key, items) = fields
        .into_iter()
        .find_map(|(key, value)| match value {
            Value::Array(items) => Some((Some(key), items)),
            _ => None,
        })
        .unwrap_or((None, Vec::new()));
    Page { key, items, count }
}

/// What the walk remembers between pages.
struct Walk<'a> {
    command: &'a str,
    page_size: usize,
    seen: HashSet<String>,
    client: &'a Client,
}

impl Walk<'_> {
    /// Hands a page's new items over; whether more pages may follow.
    fn take(
        &mut self,
        page: Page,
        number: usize,
        sink: &mut impl FnMut(&str, Vec<Value>) -> Result<(), ClientError>,
    ) -> Result<bool, ClientError> {
        let length = page.items.len();
        if length == 0 {
            return Ok(false);
        }
        let fresh: Vec<Value> = page
            .items
            .into_iter()
            .filter(|item| self.seen.insert(identity(item)))
            .collect();
        if fresh.is_empty() {
            self.client.tracer().note(&format!(
                "{} answered page {number} with items already seen: it ignores `page`",
                self.command
            ));
            return Ok(false);
        }
        sink(page.key.as_deref().unwrap_or("items"), fresh)?;
        let reached = page.count.is_some_and(|count| self.seen.len() >= count);
        Ok(length >= self.page_size && !reached)
    }
}

/// What makes an item the same item on another page: its `id` (with its
/// zone, since `listTemplates` and `listIsos` show one row per template and
/// zone); an item without an `id` is known by its whole text.
fn identity(item: &Value) -> String {
    match item.get("id") {
        Some(Value::String(id)) => match item.get("zoneid") {
            Some(Value::String(zone)) => format!("{id}\u{0}{zone}"),
            _ => id.clone(),
        },
        _ => item.to_string(),
    }
}

#[cfg(test)]
#[path = "paging_tests.rs"]
mod tests;
