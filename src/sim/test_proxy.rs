//! A proxy in front of the simulator that changes some answers the way
//! other servers do, for the client's tests (it lives beside the simulator
//! so that the client itself knows nothing of it): jobs missing from
//! `listAsyncJobs`, the list forbidden, no `jobresult`, rows repeated across
//! pages, `page` ignored.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::client::{sign::SignatureAlgorithm, Client, ClientConfig, Credentials, Params, Signer};
use crate::sim;

/// A client of the demo credentials.
pub(crate) fn client_for(endpoint: String) -> Client {
    Client::new(ClientConfig::new(
        endpoint,
        Credentials::ApiKey {
            api_key: sim::demo::API_KEY.into(),
            secret_key: sim::demo::SECRET_KEY.into(),
        },
    ))
    .unwrap()
}

/// How the proxy changes `listAsyncJobs` answers.
#[derive(Clone)]
pub(crate) enum Twist {
    /// Leaves these jobs out (another account's, purged…).
    Hide(HashSet<String>),
    /// Refuses the command, as a role without it does.
    Forbid,
    /// Shows ended jobs without their `jobresult`.
    StripResults,
    /// Lists answer every page after the first with the previous page's
    /// last row first (rows shifting while the cloud changes).
    RepeatRows,
    /// Lists answer page 1 whatever `page` asks.
    IgnorePage,
}

pub(crate) struct Proxy {
    upstream: String,
    twist: Twist,
    http: reqwest::Client,
    pub lists: AtomicU64,
    /// The job ids polled alone.
    pub queried: Mutex<Vec<String>>,
}

fn param<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let form = String::from_utf8_lossy(&body).to_string();
    let query = query.unwrap_or_default();
    let command = param(&form, "command").or(param(&query, "command"));
    let jobid = param(&form, "jobid").or(param(&query, "jobid"));
    match (command, &proxy.twist) {
        (Some("queryAsyncJobResult"), _) => {
            proxy
                .queried
                .lock()
                .unwrap()
                .push(jobid.unwrap().to_string());
        }
        (Some("listAsyncJobs"), Twist::Forbid) => {
            proxy.lists.fetch_add(1, Ordering::Relaxed);
            let body = r#"{"listasyncjobsresponse":{"uuidList":[],"errorcode":401,"errortext":"The user is not allowed to request the API command or the API command does not exist"}}"#;
            return (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
        }
        (Some("listAsyncJobs"), _) => {
            proxy.lists.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
    let page: usize = param(&form, "page")
        .and_then(|page| page.parse().ok())
        .unwrap_or(1);
    let is_list = command.is_some_and(|command| command.starts_with("list"));
    let body = match (&proxy.twist, is_list) {
        (Twist::IgnorePage, true) => with_page(&form, 1),
        _ => body,
    };
    let (status, mut json) = upstream(&proxy, &method, &headers, &query, body).await;
    if let (Twist::RepeatRows, true, true) = (&proxy.twist, is_list, page > 1) {
        let previous = with_page(&form, page - 1);
        let (_, before) = upstream(&proxy, &method, &headers, &query, previous).await;
        let key = format!("{}response", command.unwrap().to_ascii_lowercase());
        let last = before[&key]
            .as_object()
            .and_then(|fields| fields.values().find_map(Value::as_array))
            .and_then(|rows| rows.last().cloned());
        if let (Some(last), Some(fields)) = (last, json[&key].as_object_mut()) {
            if let Some(rows) = fields.values_mut().find_map(Value::as_array_mut) {
                rows.insert(0, last);
            }
        }
    }
    if command == Some("listAsyncJobs") {
        let list = &mut json["listasyncjobsresponse"];
        if let Some(Value::Array(jobs)) = list.get_mut("asyncjobs") {
            match &proxy.twist {
                Twist::Hide(hidden) => {
                    jobs.retain(|job| !hidden.contains(job["jobid"].as_str().unwrap()));
                    let left = jobs.len();
                    list["count"] = Value::from(left);
                }
                Twist::StripResults => {
                    for job in jobs.iter_mut() {
                        job.as_object_mut().unwrap().remove("jobresult");
                    }
                }
                _ => {}
            }
        }
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

/// Starts a proxy to `upstream` on a free port; returns its endpoint.
pub(crate) async fn start_proxy(upstream: String, twist: Twist) -> (String, Arc<Proxy>) {
    let proxy = Arc::new(Proxy {
        upstream,
        twist,
        http: reqwest::Client::new(),
        lists: AtomicU64::new(0),
        queried: Mutex::new(Vec::new()),
    });
    let router = axum::Router::new()
        .route("/client/api", axum::routing::get(forward).post(forward))
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}/client/api"), proxy)
}

async fn upstream(
    proxy: &Proxy,
    method: &Method,
    headers: &HeaderMap,
    query: &str,
    body: Bytes,
) -> (StatusCode, Value) {
    let mut url = proxy.upstream.clone();
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    let mut request = proxy.http.request(method.clone(), url).body(body);
    if let Some(kind) = headers.get(header::CONTENT_TYPE) {
        request = request.header(header::CONTENT_TYPE, kind);
    }
    let answer = request.send().await.unwrap();
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let json = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    (status, json)
}

/// The signed form `form` asking for another page, signed again.
fn with_page(form: &str, page: usize) -> Bytes {
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut command = String::new();
    let mut params = Params::new();
    for (name, value) in form.split('&').filter_map(|pair| pair.split_once('=')) {
        let (name, value) = (decode(name), decode(value));
        match name.as_str() {
            "command" => command = value,
            "response" | "apiKey" | "signatureVersion" | "expires" | "signature" => {}
            "page" => params.set("page", page.to_string()),
            _ => params.set(&name, value),
        }
    }
    let signer = Signer::new(
        &Credentials::ApiKey {
            api_key: sim::demo::API_KEY.into(),
            secret_key: sim::demo::SECRET_KEY.into(),
        },
        SignatureAlgorithm::Sha1,
        Some(crate::client::config::DEFAULT_EXPIRES),
    )
    .unwrap();
    Bytes::from(signer.signed_query(&command, &params).unwrap())
}
