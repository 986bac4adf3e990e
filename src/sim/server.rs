//! The HTTP side: `GET|POST /client/api`, the fault injection of
//! `--fail-rate`, and the order of checks of `ApiServlet` and
//! `ApiServer.verifyRequest` (contract §2.5, §3) before a command runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State as AxumState};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;

use super::api::{self, Ctx};
use super::auth::{self, RateLimiter, BAD_SESSION, BAD_SIGNATURE};
use super::catalog::{self, Command};
use super::cloud::Account;
use super::params::{self, Params};
use super::respond::{error_reply, ApiError, Reply, CS_SERVER_API, UNAVAILABLE_PAGE};
use super::session::{self, SessionCheck, Sessions};
use super::state::journal;
use super::state::tenants::{self, Caller};
use super::state::State;

/// Request counters (the rest of [`super::SimStats`] lives in the state).
#[derive(Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub rejected_auth: AtomicU64,
    pub throttled: AtomicU64,
    pub failed_injected: AtomicU64,
}

/// Everything the request handler shares.
pub(crate) struct Shared {
    pub account: Account,
    pub fail_rate: f64,
    fail_seed: u64,
    fail_draws: AtomicU64,
    pub rate_limit: Option<RateLimiter>,
    pub clock_ahead: chrono::Duration,
    pub sessions: Sessions,
    state: LazyWorld,
    pub counters: Counters,
    /// The delay of every answer to a list command (`--latency`).
    pub list_latency: std::time::Duration,
    /// Whether `login` with a password is accepted (see
    /// [`super::SimConfig::password_login`]).
    pub password_login: bool,
    /// Whether answers are compressed when the client asks (`Accept-Encoding`),
    /// as the server's Jetty `GzipHandler` does; `--no-compress` turns it off.
    pub compress: bool,
    /// The one link all answers share (`--bandwidth`), if limited.
    pub link: Option<Link>,
    /// Answer bytes written, as sent (after compression).
    pub bytes_sent: AtomicU64,
}

/// A link of a given bandwidth that every answer's bytes go through, one
/// after another, as through one network link: the time each chunk needs is
/// reserved on the link, and the chunk waits until its turn has passed.
pub(crate) struct Link {
    bytes_per_second: f64,
    /// When the link is free again.
    free_at: Mutex<tokio::time::Instant>,
}

/// The largest piece of an answer that takes the link at once, so that
/// concurrent answers interleave as packets would.
const LINK_CHUNK: usize = 16 * 1024;

impl Link {
    /// A link of `bytes_per_second`.
    pub(crate) fn new(bytes_per_second: u64) -> Self {
        Self {
            bytes_per_second: bytes_per_second.max(1) as f64,
            free_at: Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Reserves the link for `bytes`: when they have gone through.
    fn reserve(&self, bytes: usize) -> tokio::time::Instant {
        let mut free_at = self
            .free_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = (*free_at).max(tokio::time::Instant::now());
        *free_at = start + std::time::Duration::from_secs_f64(bytes as f64 / self.bytes_per_second);
        *free_at
    }
}

/// Counts every answer's bytes as sent and, with `--bandwidth`, lets them
/// out no faster than the link allows. Outside the compression layer: what
/// it sees is what goes on the wire.
async fn through_link(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use futures::StreamExt as _;
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    // Keep the length of an answer whose size is known (an uncompressed
    // one): the server sends `Content-Length` for those, and the stream
    // below would otherwise turn every answer into a chunked one.
    if let Some(length) = http_body::Body::size_hint(&body).exact() {
        parts
            .headers
            .entry(http::header::CONTENT_LENGTH)
            .or_insert_with(|| http::HeaderValue::from(length));
    }
    let chunks = body.into_data_stream().flat_map(|chunk| {
        let pieces: Vec<Result<Bytes, axum::Error>> = match chunk {
            Ok(mut bytes) => {
                let mut pieces = Vec::new();
                while bytes.len() > LINK_CHUNK {
                    pieces.push(Ok(bytes.split_to(LINK_CHUNK)));
                }
                pieces.push(Ok(bytes));
                pieces
            }
            Err(error) => vec![Err(error)],
        };
        futures::stream::iter(pieces)
    });
    let paced = chunks.then(move |piece| {
        let shared = shared.clone();
        async move {
            if let Ok(bytes) = &piece {
                shared
                    .bytes_sent
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                if let Some(link) = &shared.link {
                    tokio::time::sleep_until(link.reserve(bytes.len())).await;
                }
            }
            piece
        }
    });
    Response::from_parts(parts, Body::from_stream(paced))
}

/// The simulated world, built when it is first needed: filling it (the
/// catalogue parsed, the objects every cloud has made) is most of the
/// simulator's start-up, which `csctl run --sim` of a script that never
/// calls the API should not pay for.
pub(crate) struct LazyWorld {
    /// The cloud's account, known before the world is built (requests
    /// are authenticated against it).
    account: Account,
    build: Mutex<Option<Box<dyn FnOnce() -> State + Send>>>,
    state: OnceLock<Mutex<State>>,
}

impl LazyWorld {
    /// A world of `account` that `build` makes on first use.
    pub(crate) fn new(account: Account, build: impl FnOnce() -> State + Send + 'static) -> Self {
        LazyWorld {
            account,
            build: Mutex::new(Some(Box::new(build))),
            state: OnceLock::new(),
        }
    }

    fn get(&self) -> &Mutex<State> {
        self.state.get_or_init(|| {
            let build = self
                .build
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("the world is built once");
            Mutex::new(build())
        })
    }
}

impl Shared {
    pub fn new(
        fail_rate: f64,
        seed: Option<u64>,
        rate_limit: Option<u32>,
        clock_ahead: std::time::Duration,
        world: LazyWorld,
    ) -> Shared {
        Shared {
            account: world.account.clone(),
            fail_rate,
            fail_seed: seed.map_or_else(rand::random, |s| s.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            fail_draws: AtomicU64::new(0),
            rate_limit: rate_limit.map(RateLimiter::new),
            clock_ahead: chrono::Duration::from_std(clock_ahead)
                .unwrap_or(chrono::Duration::zero()),
            sessions: Sessions::new(seed),
            state: world,
            counters: Counters::default(),
            list_latency: std::time::Duration::ZERO,
            password_login: true,
            compress: true,
            link: None,
            bytes_sent: AtomicU64::new(0),
        }
    }

    /// The state, even if a panicking request poisoned the lock.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.get().lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether to answer this request with a 503 page: a deterministic
    /// sequence of draws (splitmix64) from the seed.
    fn inject_failure(&self) -> bool {
        if self.fail_rate <= 0.0 {
            return false;
        }
        let draw = self.fail_draws.fetch_add(1, Ordering::Relaxed);
        let mut z = self
            .fail_seed
            .wrapping_add(draw.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < self.fail_rate
    }

    /// Answers one request.
    pub fn handle(
        &self,
        method: &Method,
        headers: &HeaderMap,
        query: Option<&str>,
        body: &[u8],
    ) -> Reply {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if self.inject_failure() {
            self.counters
                .failed_injected
                .fetch_add(1, Ordering::Relaxed);
            return Reply::text(503, "text/html", UNAVAILABLE_PAGE);
        }
        let form =
            (method == Method::POST && is_form(headers)).then(|| String::from_utf8_lossy(body));
        let raw = params::merge(query, form.as_deref());
        let command = raw
            .iter()
            .find(|(name, _)| name == "command")
            .map(|(_, value)| value.as_str());
        match command {
            Some("login") if !self.password_login => {
                return error_reply("loginresponse", &ApiError::new(531, None, super::LOGIN_OFF))
            }
            Some("login") => {
                let st = self.lock();
                return session::login(
                    &self.sessions,
                    &self.account,
                    &st.tenants,
                    method,
                    headers,
                    &raw,
                );
            }
            Some("logout") => return session::logout(&self.sessions, headers),
            _ => {}
        }
        let api = command.and_then(catalog::find);
        let key = api.map_or("errorresponse", |api| api.key);
        match self.sessions.check(headers, &raw, Instant::now()) {
            SessionCheck::Valid { user, verified } => {
                let Some(command) = command else {
                    return self.reject(key, BAD_SIGNATURE);
                };
                if let Err(reply) = self.throttle(key) {
                    return reply;
                }
                let Some(api) = api else {
                    return error_reply(
                        "errorresponse",
                        &ApiError::new(
                            432,
                            Some(CS_SERVER_API),
                            format!("Unknown API command: {command}"),
                        ),
                    );
                };
                if !verified && !session::BEFORE_TWO_FACTOR.contains(&api.name) {
                    return self.reject(key, session::TWO_FACTOR_PENDING);
                }
                let caller = {
                    let mut st = self.lock();
                    if api.name == "validateUserTwoFactorAuthenticationCode" {
                        let unix = Utc::now().timestamp().max(0) as u64;
                        return session::validate_two_factor(
                            &self.sessions,
                            &mut st.tenants,
                            &user,
                            headers,
                            &raw,
                            unix,
                        );
                    }
                    st.tenants.user(&user).map(|u| tenants::caller_of(&st, u))
                };
                match caller {
                    Some(caller) => self.dispatch(api, &raw, caller),
                    None => self.reject(key, BAD_SESSION),
                }
            }
            SessionCheck::Invalid => self.reject(key, BAD_SESSION),
            SessionCheck::None => {
                let Some(api) = api else {
                    return self.reject(key, BAD_SIGNATURE);
                };
                let given = raw
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("apikey"))
                    .map(|(_, value)| value.as_str())
                    .unwrap_or("");
                let Some(signature) = auth::precheck(&raw, given, Utc::now() + self.clock_ahead)
                else {
                    return self.reject(key, BAD_SIGNATURE);
                };
                // Every user's registered keys sign as that user.
                let found = {
                    let st = self.lock();
                    st.tenants
                        .by_api_key(given)
                        .map(|(user, secret)| (secret.to_string(), tenants::caller_of(&st, user)))
                };
                let Some((secret, caller)) = found else {
                    return self.reject(key, BAD_SIGNATURE);
                };
                if let Err(reply) = self.throttle(key) {
                    return reply;
                }
                if !auth::signature_matches(&raw, &secret, signature) {
                    return self.reject(key, BAD_SIGNATURE);
                }
                self.dispatch(api, &raw, caller)
            }
        }
    }

    /// A 401 without `cserrorcode`, as the servlet writes it.
    fn reject(&self, key: &str, text: &str) -> Reply {
        self.counters.rejected_auth.fetch_add(1, Ordering::Relaxed);
        error_reply(key, &ApiError::new(401, None, text))
    }

    /// The account's rate limit, checked before the signature.
    fn throttle(&self, key: &str) -> Result<(), Reply> {
        let Some(limiter) = &self.rate_limit else {
            return Ok(());
        };
        limiter.hit(Instant::now()).map_err(|retry_ms| {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            error_reply(
                key,
                &ApiError::new(429, Some(CS_SERVER_API), auth::throttled_text(retry_ms)),
            )
        })
    }

    /// Runs an authenticated command: map unpacking, the parameter checks,
    /// then its handler, with the state locked and settled.
    fn dispatch(&self, api: &'static Command, raw: &[(String, String)], caller: Caller) -> Reply {
        if matches!(api.name, "login" | "logout") {
            // Answered before dispatch; never here.
            return error_reply(
                api.key,
                &ApiError::new(
                    405,
                    None,
                    "Please use HTTP POST to authenticate using this API",
                ),
            );
        }
        // The role's permissions (`ApiServer.checkCommandAvailable`).
        if !tenants::permits(&caller, api.name) {
            return error_reply(
                api.key,
                &ApiError::new(432, Some(CS_SERVER_API), tenants::not_available(api.name)),
            );
        }
        let params = match Params::parse(raw) {
            Ok(params) => params,
            Err(error) => return error_reply(api.key, &error),
        };
        let now = Instant::now();
        let mut state = self.lock();
        state.settle(now);
        if let Err(error) = catalog::check(api, &params, &state) {
            let reply = error_reply(api.key, &error);
            // A refused write is part of what a script sent (`run --plan`).
            if !crate::catalog::builtin().is_read_only(api.name) {
                journal::record(&mut state, api.name, raw, reply.status, &reply.body, None);
            }
            return reply;
        }
        let handler = api::handler(api.name);
        let mut ctx = Ctx {
            st: &mut state,
            now,
            wall: Utc::now(),
            api,
            caller,
        };
        *ctx.st.received.entry(api.name).or_default() += 1;
        let changes = !crate::catalog::builtin().is_read_only(api.name);
        let target_name = changes.then(|| journal::before(ctx.st, raw)).flatten();
        // Who owns what the command makes, checked before it runs.
        let owner = if changes {
            match tenants::owner_for(ctx.st, api.name, &ctx.caller, &params) {
                Ok(owner) => owner,
                Err(error) => return error_reply(api.key, &error),
            }
        } else {
            None
        };
        let marks = tenants::Marks::of(ctx.st);
        let reply = handler(&mut ctx, &params).unwrap_or_else(|error| error_reply(api.key, &error));
        if let Some(owner) = &owner {
            tenants::claim(ctx.st, &marks, owner);
        }
        tenants::claim_jobs(ctx.st, &marks, &ctx.caller);
        if changes {
            journal::record(
                ctx.st,
                api.name,
                raw,
                reply.status,
                &reply.body,
                target_name,
            );
        }
        reply
    }
}

/// Whether the body is a form, which is all the servlet reads parameters from.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

async fn api(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let reply = shared.handle(&method, &headers, query.as_deref(), &body);
    // A list command's answer (`{"list…response"`) waits as a real
    // server's database work makes it wait; the state is not locked meanwhile.
    if !shared.list_latency.is_zero() && reply.body.starts_with(b"{\"list") {
        tokio::time::sleep(shared.list_latency).await;
    }
    into_response(reply)
}

fn into_response(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    response
}

/// Largest request body: 1 MiB of userdata, base64 then percent-encoded, fits.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The router: `/client/api` for GET and POST (other methods get 405).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/client/api", get(api).post(api))
        // The server maps `/api/*`: clients that add a slash (py-acs-sdk) are served too.
        .route("/client/api/", get(api).post(api))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY));
    // As the server's Jetty `GzipHandler` (ServerDaemon.java): gzip, for
    // clients that ask, GET and POST alike; tiny answers are left as they are.
    let router = if shared.compress {
        router.layer(tower_http::compression::CompressionLayer::new().gzip(true))
    } else {
        router
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            through_link,
        ))
        .with_state(shared)
}
