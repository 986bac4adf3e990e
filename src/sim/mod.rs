//! The embedded CloudStack simulator.
//!
//! A management server in miniature: `GET|POST /client/api` with the
//! server's signature check (reusing [`crate::client::sign`]), sessions,
//! error shapes and async jobs, over a small cloud ([`Cloud::demo`] or a
//! cloud file). `docs/simulator.md` documents the flags, the default cloud,
//! the cloud file format and every command.
//!
//! ```no_run
//! # async fn demo() -> Result<(), csctl::sim::SimError> {
//! let sim = csctl::sim::start(csctl::sim::SimConfig {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     ..Default::default()
//! })
//! .await?;
//! println!("{}", sim.endpoint());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout, in layers (docs/architecture.md, "The simulator's layers"):
//! the vocabulary (`respond`, `params`, `objects`, `kinds`, `auth`…); the
//! model (`cloud`, `state` with its jobs, journal and tenants, `catalog`
//! describing every command and checking parameters); the handlers (`api`,
//! one file per API group with its views and job effects); and on top
//! `server` (routing, the checks in the server's order) and `session`
//! (login/logout). The model never names a handler.

mod api;
mod auth;
mod catalog;
mod catalog_extras;
mod cloud;
pub mod demo;
mod error;
mod kinds;
mod listener;
mod objects;
mod params;
mod respond;
mod server;
mod session;
mod state;
#[cfg(test)]
pub(crate) mod test_proxy;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use cloud::{
    load_cloud_file, Account, Cloud, Network, PortForwardingRule, PublicAddress, PublicIpSpec,
    ServiceOffering, TagSpec, Template, VirtualMachine, VmNic, Zone,
};
pub use error::SimError;
pub use state::jobs::DEFAULT_JOB_DELAY;
pub use state::journal::JournalEntry;

/// The default listen address.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// How a simulator runs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The one API key accepted.
    pub api_key: String,
    /// Its secret key.
    pub secret_key: String,
    /// How long an async job takes.
    pub job_delay: Duration,
    /// The cloud served (see [`load_cloud_file`]).
    pub cloud: Cloud,
    /// Fraction (0 to 1) of requests answered with an HTTP 503 page, unprocessed.
    pub fail_rate: f64,
    /// Seed of every generated id, key and injected failure; `None`: random.
    pub seed: Option<u64>,
    /// Requests per second per account before HTTP 429; `None`: no limit.
    pub rate_limit: Option<u32>,
    /// How far the simulator's clock runs ahead of this machine's, to see
    /// what a client's clock skew does to signed requests' `expires`.
    pub clock_ahead: Duration,
    /// The most connections open at once; more wait until one closes.
    pub max_connections: usize,
    /// A connection that sends nothing for this long while a request is
    /// awaited (an idle or stalled socket) is closed.
    pub idle_timeout: Duration,
    /// How long each answer of a list command (one page) is delayed, as a
    /// real server's database work delays it; other commands answer at once.
    pub latency: Duration,
    /// Whether answers are gzip-compressed for clients that ask, as the
    /// server does (on by default; `--no-compress` turns it off).
    pub compress: bool,
    /// The bandwidth, in bytes per second, of the one link all answers
    /// share (`--bandwidth`); `None`: as fast as the machine goes.
    pub bandwidth: Option<u64>,
    /// Whether `login` with the account's username and password is
    /// accepted (default true); see [`password_login_allowed`] for the
    /// rule `csctl sim` applies.
    pub password_login: bool,
}

/// What `login` answers when password login is off.
pub(crate) const LOGIN_OFF: &str = "Password login is off on this simulator: sign requests with its API key and secret key, or give the account a password in the cloud file";

/// Whether a simulator should accept password login: only on loopback
/// with the demo keys, unless a password of its own was given (the cloud
/// file's account). Anyone who reaches an exposed simulator, or one given
/// real keys, must not get in with the documented `admin` / `password`.
pub fn password_login_allowed(listen: SocketAddr, keys_given: bool, cloud: &Cloud) -> bool {
    let own_password = cloud.account.password != demo::PASSWORD;
    own_password || (listen.ip().is_loopback() && !keys_given)
}

/// The default cap on open connections: far below the usual limit of
/// 1,024 open files, far above what clients need.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// The default idle timeout of a connection.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: DEFAULT_LISTEN,
            api_key: demo::API_KEY.into(),
            secret_key: demo::SECRET_KEY.into(),
            job_delay: DEFAULT_JOB_DELAY,
            cloud: Cloud::demo(),
            fail_rate: 0.0,
            seed: None,
            rate_limit: None,
            clock_ahead: Duration::ZERO,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            latency: Duration::ZERO,
            password_login: true,
            compress: true,
            bandwidth: None,
        }
    }
}

/// Counters for soak tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Requests received (all of them, injected failures included).
    pub requests: u64,
    /// Requests rejected with HTTP 401 (signature, key, `expires`, session).
    pub rejected_auth: u64,
    /// Requests answered with HTTP 429.
    pub throttled: u64,
    /// Requests answered with the injected HTTP 503 page.
    pub failed_injected: u64,
    /// Deploy jobs that succeeded.
    pub vms_created: u64,
    /// VMs that went from alive to destroyed or expunged (each once).
    pub vms_destroyed: u64,
    /// Accepted `destroyVirtualMachine` calls, by VM id (a count above 1
    /// means a VM was destroyed more than once).
    pub vms_destroyed_by_id_count: HashMap<String, u64>,
}

/// A simulator serving on a background task of the current runtime.
pub struct RunningSim {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/client/api`; a wildcard listen address is given as loopback.
    pub fn endpoint(&self) -> String {
        let host = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!(
            "http://{}/client/api",
            SocketAddr::new(host, self.addr.port())
        )
    }

    /// The answer bytes sent so far, as they went on the wire (compressed
    /// when the client asked).
    pub fn bytes_sent(&self) -> u64 {
        self.shared.bytes_sent.load(Ordering::Relaxed)
    }

    /// The counters so far (jobs due by now are counted as finished).
    pub fn stats(&self) -> SimStats {
        let counters = &self.shared.counters;
        let mut state = self.shared.lock();
        state.settle(Instant::now());
        SimStats {
            requests: counters.requests.load(Ordering::Relaxed),
            rejected_auth: counters.rejected_auth.load(Ordering::Relaxed),
            throttled: counters.throttled.load(Ordering::Relaxed),
            failed_injected: counters.failed_injected.load(Ordering::Relaxed),
            vms_created: state.stats.created,
            vms_destroyed: state.stats.destroyed,
            vms_destroyed_by_id_count: state.stats.destroyed_by_id.clone(),
        }
    }

    /// Every state-changing request received so far (commands the catalogue
    /// does not call read-only), in order, with job results where done.
    pub fn journal(&self) -> Vec<JournalEntry> {
        let mut state = self.shared.lock();
        state.settle(Instant::now());
        state::journal::read(&state)
    }

    /// How many authenticated requests each command received (those that
    /// reached their handler), by exact command name.
    pub fn commands_received(&self) -> std::collections::BTreeMap<String, u64> {
        let state = self.shared.lock();
        state
            .received
            .iter()
            .map(|(name, count)| (name.to_string(), *count))
            .collect()
    }

    /// Makes sure every job accepted so far has completed (for `run --plan`,
    /// whose journal wants their results): settles as if `delay` had passed.
    pub fn settle_after(&self, delay: Duration) {
        let mut state = self.shared.lock();
        state.settle(Instant::now() + delay);
    }

    /// Stops accepting connections, lets requests in flight finish (5 s at
    /// most) and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RunningSim {
    /// Dropping a running simulator stops it (in the background).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Whether tags may name this resource type (`UserVm`, `Network`…, any case).
pub fn tag_type_known(resourcetype: &str) -> bool {
    state::ResourceType::parse(resourcetype).is_some()
}

/// Binds the listen address and serves on a task of the current tokio
/// runtime; returns as soon as it is listening.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    if !(0.0..=1.0).contains(&config.fail_rate) {
        return Err(SimError::InvalidConfig(format!(
            "fail rate {} is not between 0 and 1",
            config.fail_rate
        )));
    }
    if config.api_key.is_empty() || config.secret_key.is_empty() {
        return Err(SimError::InvalidConfig(
            "the API key and the secret key must not be empty".into(),
        ));
    }
    if config.rate_limit == Some(0) {
        return Err(SimError::InvalidConfig(
            "the rate limit must be at least 1 request per second".into(),
        ));
    }
    config.cloud.validate().map_err(SimError::InvalidCloud)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.listen,
        source,
    })?;
    let account = config.cloud.account.clone();
    let (cloud, job_delay, seed, started) = (
        config.cloud,
        config.job_delay,
        config.seed,
        chrono::Utc::now(),
    );
    let demo_keys = (config.api_key.clone(), config.secret_key.clone());
    let mut shared = server::Shared::new(
        config.fail_rate,
        config.seed,
        config.rate_limit,
        config.clock_ahead,
        server::LazyWorld::new(account, move || {
            let mut state = state::State::new(cloud, job_delay, seed, started, api::seed);
            // The cloud's user signs with the configured keys.
            let user = state.account.userid.clone();
            state.tenants.pin_keys(&user, demo_keys.0, demo_keys.1);
            state
        }),
    );
    shared.list_latency = config.latency;
    shared.password_login = config.password_login;
    shared.compress = config.compress;
    shared.link = config.bandwidth.map(server::Link::new);
    let shared = Arc::new(shared);
    let router = server::router(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let listener =
        listener::BoundedListener::new(listener, config.max_connections, config.idle_timeout);
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        // Errors of single connections are handled inside; serve itself only ends on shutdown.
        let _ = serve.await;
    });
    Ok(RunningSim {
        addr,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

/// `csctl sim`: starts, hands `announce` the banner (the endpoint and the
/// credentials it accepts: a demo server showing its own secret is the
/// point) for the caller to print, serves until Ctrl-C, then shuts down
/// gracefully. Returns how many requests it answered and how many
/// answer bytes it sent.
pub async fn serve_until_ctrl_c(
    config: SimConfig,
    announce: impl FnOnce(&str),
) -> Result<(u64, u64), SimError> {
    let banner = Banner {
        api_key: config.api_key.clone(),
        secret_key: config.secret_key.clone(),
        username: config.cloud.account.username.clone(),
        password: config.cloud.account.password.clone(),
        job_delay: config.job_delay,
        fail_rate: config.fail_rate,
        seed: config.seed,
        rate_limit: config.rate_limit,
        latency: config.latency,
        password_login: config.password_login,
    };
    let sim = start(config).await?;
    // Install the handler (on first poll) before the banner says to press Ctrl-C.
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let early = futures::FutureExt::now_or_never(ctrl_c.as_mut());
    announce(&banner.render(sim.addr(), &sim.endpoint()));
    let waited = match early {
        Some(result) => result,
        None => ctrl_c.await,
    };
    let served = (
        sim.shared.counters.requests.load(Ordering::Relaxed),
        sim.bytes_sent(),
    );
    sim.shutdown().await;
    waited.map_err(SimError::Signal)?;
    Ok(served)
}

struct Banner {
    api_key: String,
    secret_key: String,
    username: String,
    password: String,
    job_delay: Duration,
    fail_rate: f64,
    seed: Option<u64>,
    rate_limit: Option<u32>,
    latency: Duration,
    password_login: bool,
}

impl Banner {
    /// The banner of a simulator bound to `addr`, reached at `endpoint`
    /// from this machine.
    fn render(&self, addr: SocketAddr, endpoint: &str) -> String {
        let mut extras = vec![format!(
            "job delay {}",
            humantime::format_duration(self.job_delay)
        )];
        if self.fail_rate > 0.0 {
            extras.push(format!("fail rate {}", self.fail_rate));
        }
        if let Some(limit) = self.rate_limit {
            extras.push(format!("rate limit {limit}/s"));
        }
        if !self.latency.is_zero() {
            extras.push(format!(
                "list latency {}",
                humantime::format_duration(self.latency)
            ));
        }
        if let Some(seed) = self.seed {
            extras.push(format!("seed {seed}"));
        }
        // The bound address as it is: a wildcard is every interface, not
        // the loopback address the local endpoint uses.
        let listening = if addr.ip().is_unspecified() {
            format!("{addr} (every interface; {endpoint} from this machine)")
        } else {
            endpoint.to_string()
        };
        let login = if self.password_login {
            format!("{} / {} (domain /)", self.username, self.password)
        } else {
            "off (no password given: sign requests with the keys)".to_string()
        };
        format!(
            "CloudStack simulator listening on {listening}\n\
             \x20 api key:    {}\n\
             \x20 secret key: {}\n\
             \x20 login:      {login}\n\
             \x20 {}\n\
             Press Ctrl-C to stop.",
            self.api_key,
            self.secret_key,
            extras.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_shows_what_a_client_needs() {
        let banner = Banner {
            api_key: demo::API_KEY.into(),
            secret_key: demo::SECRET_KEY.into(),
            username: demo::USERNAME.into(),
            password: demo::PASSWORD.into(),
            job_delay: Duration::from_millis(150),
            fail_rate: 0.1,
            seed: Some(3),
            rate_limit: None,
            latency: Duration::ZERO,
            password_login: true,
        };
        let local = "127.0.0.1:8080".parse().unwrap();
        let text = banner.render(local, "http://127.0.0.1:8080/client/api");
        for needle in [
            "http://127.0.0.1:8080/client/api",
            demo::API_KEY,
            demo::SECRET_KEY,
            "admin / password",
            "job delay 150ms",
            "fail rate 0.1",
            "seed 3",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn an_exposed_banner_tells_the_true_address_and_no_password() {
        let banner = Banner {
            api_key: demo::API_KEY.into(),
            secret_key: demo::SECRET_KEY.into(),
            username: demo::USERNAME.into(),
            password: demo::PASSWORD.into(),
            job_delay: Duration::from_millis(150),
            fail_rate: 0.0,
            seed: None,
            rate_limit: None,
            latency: Duration::ZERO,
            password_login: false,
        };
        let text = banner.render(
            "0.0.0.0:8080".parse().unwrap(),
            "http://127.0.0.1:8080/client/api",
        );
        assert!(
            text.contains("listening on 0.0.0.0:8080 (every interface"),
            "{text}"
        );
        assert!(text.contains("login:      off"), "{text}");
        assert!(!text.contains("admin / password"), "{text}");
    }

    #[test]
    fn password_login_needs_loopback_and_demo_keys_or_a_password() {
        let demo_cloud = Cloud::demo();
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let exposed: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(password_login_allowed(loopback, false, &demo_cloud));
        assert!(!password_login_allowed(loopback, true, &demo_cloud));
        assert!(!password_login_allowed(exposed, false, &demo_cloud));
        let mut own = Cloud::demo();
        own.account.password = "a-password-of-its-own".into();
        assert!(password_login_allowed(exposed, true, &own));
    }

    #[tokio::test]
    async fn starts_on_a_free_port_and_stops() {
        let sim = start(SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_ne!(sim.addr().port(), 0);
        assert_eq!(
            sim.endpoint(),
            format!("http://127.0.0.1:{}/client/api", sim.addr().port())
        );
        assert_eq!(sim.stats(), SimStats::default());
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn rejects_bad_settings() {
        let config = SimConfig {
            fail_rate: 1.5,
            ..Default::default()
        };
        assert!(matches!(
            start(config).await,
            Err(SimError::InvalidConfig(_))
        ));
        let mut cloud = Cloud::demo();
        cloud.zones.clear();
        let config = SimConfig {
            cloud,
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        };
        assert!(matches!(
            start(config).await,
            Err(SimError::InvalidCloud(_))
        ));
    }
}
