//! The CloudStack API client: signing, parameters, HTTP, responses and jobs.
//!
//! - [`sign`]: the canonical string and HMAC, exactly as the server checks it
//!   (the simulator verifies with the same code).
//! - `signed`: the [`Signer`]: signed parameters, query strings and GET
//!   URLs from credentials alone.
//! - `params`: structured values flattened to `name=value` pairs.
//! - `http`: the [`Client`] that sends requests and decodes answers.
//! - `login`: sessions opened by hand ([`LoginSession`]): two-factor codes,
//!   calls inside them, logout.
//! - `transport` and `tls`: exchanges with the endpoint's origin on reqwest
//!   (pooled connections, proxy, same-origin redirects, compressed answers,
//!   size cap on decoded bytes), over TCP or TLS.
//! - [`response`]: unwrapping `<command>response` and error answers.
//! - `jobs` and `paging`: waiting for async jobs ([`Client::call_and_wait`]:
//!   call, wait if async, return the job's result), fetching every page.
//! - `retry` and `pacer`: which failures are retried, and rate limiting.
//! - `known`: what the API catalogue says about a call (exact name, unknown
//!   parameters, async, unknown-command hints).
//! - [`trace`]: the `-v` log, with secrets redacted.
//! - `observe`: the [`JobObserver`] told of every job submitted and ended
//!   (the binary's job journal).

pub(crate) mod config;
pub(crate) mod counted;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod jobs;
pub(crate) mod known;
pub(crate) mod login;
pub(crate) mod observe;
pub(crate) mod pacer;
pub(crate) mod paging;
pub(crate) mod params;
pub mod response;
pub(crate) mod retry;
pub mod sign;
pub(crate) mod signed;
pub(crate) mod tls;
pub mod trace;
pub(crate) mod transport;

pub use config::{ClientConfig, Credentials, HttpMethod, TlsConfig};
pub use error::{ApiError, ClientError, TransportKind};
pub use http::{Client, ClientStats};
pub use jobs::{job_id, wait_job, wait_jobs, CallAndWaitError, JobOutcome, Progress, WaitOptions};
pub use known::{canonical_name, set_warning_sink, take_warnings, CatalogRef};
pub use login::LoginSession;
pub use observe::JobObserver;
pub use paging::{
    for_each_page, list_all, list_all_with, AllItems, ListOptions, DEFAULT_PAGE_CONCURRENCY,
};
pub use params::{parse_assignments, ParamError, Params};
pub use retry::{is_read_only, RetryPolicy};
pub use signed::Signer;
