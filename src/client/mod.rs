//! The CloudStack API client: signing, parameters, HTTP, responses and jobs.
//!
//! - [`sign`]: the canonical string and HMAC, exactly as the server checks it
//!   (the simulator verifies with the same code).
//! - [`params`]: structured values flattened to `name=value` pairs.
//! - [`http`]: the [`Client`] that sends requests and decodes answers.
//! - [`response`]: unwrapping `<command>response` and error answers.
//! - [`jobs`] and [`paging`]: waiting for async jobs, fetching every page.
//! - [`retry`] and [`pacer`]: which failures are retried, and rate limiting.
//! - [`known`]: what the API catalogue says about a call (exact name, unknown
//!   parameters, async, unknown-command hints).
//! - [`trace`]: the `-v` log, with secrets redacted.

pub mod config;
pub mod error;
pub mod http;
pub mod jobs;
pub mod known;
pub mod pacer;
pub mod paging;
pub mod params;
pub mod response;
pub mod retry;
pub mod sign;
pub mod trace;

pub use config::{ClientConfig, Credentials, HttpMethod, TlsConfig};
pub use error::{ApiError, ClientError, TransportKind};
pub use http::{Client, ClientStats};
pub use jobs::{wait_job, wait_jobs, JobOutcome, Progress, WaitOptions};
pub use known::CatalogRef;
pub use paging::{list_all, AllItems};
pub use params::{ParamError, Params};
pub use retry::RetryPolicy;
pub use sign::SignatureAlgorithm;
