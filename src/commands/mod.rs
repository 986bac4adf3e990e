//! The subcommands: each turns parsed arguments into calls on the library
//! and prints the result. [`dispatch`] is what `main` calls.

mod apis;
mod call;
mod diff;
mod jobs;
mod keys;
mod login;
mod man;
mod plan;
mod repl;
mod run;
mod save_keys;
mod shell;
mod sign;
mod sim;
mod snapshot;

use crate::cli::{Cli, Command, GlobalArgs, SimTarget};
use crate::error::Error;
use csctl::client::{Client, ClientConfig, ClientError, Credentials};
use csctl::config::{self, Overrides, Sources};
use csctl::sim::{RunningSim, SimConfig};

/// Runs a parsed command line to completion.
pub fn dispatch(cli: Cli) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::Io(format!("cannot start the async runtime: {error}")))?;
    let global = cli.global;
    match cli.command {
        Command::Call(args) => runtime.block_on(call::run(&global, &args)),
        Command::Sign(args) => runtime.block_on(sign::run(&global, &args)),
        Command::Sim(args) => runtime.block_on(sim::run(&global, &args)),
        Command::Run(args) => run::run(&runtime, &global, &args),
        Command::Repl(args) => repl::run(&runtime, &global, &args),
        Command::Apis(args) => apis::run(&global, &args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => man::man(&args),
        Command::Snapshot(args) => runtime.block_on(until_ctrl_c(snapshot::run(&global, &args))),
        Command::Diff(args) => runtime.block_on(until_ctrl_c(diff::run(&global, &args))),
        Command::Login(args) => runtime.block_on(until_ctrl_c(login::login(&global, &args))),
        Command::Logout => runtime.block_on(until_ctrl_c(login::logout(&global))),
        Command::Keys(args) => runtime.block_on(until_ctrl_c(keys::run(&global, &args))),
        Command::Jobs(args) => runtime.block_on(jobs::run(&global, &args)),
    }
}

/// A client for the configured cloud, or for an in-process simulator with
/// `--sim`. The simulator (if any) lives as long as the returned value.
pub struct Target {
    /// The client.
    pub client: Client,
    /// The in-process simulator, kept running while this lives.
    pub sim: Option<RunningSim>,
}

/// Resolves the configuration (or starts the simulator) and builds a client.
/// Must run inside the tokio runtime (the simulator's server is spawned on it).
pub async fn connect(global: &GlobalArgs, target: &SimTarget) -> Result<Target, Error> {
    if !target.sim {
        let client = Client::new(resolve_client_config(global)?)?;
        return Ok(Target { client, sim: None });
    }
    if global.endpoint.is_some() || global.profile.is_some() {
        return Err(Error::Usage(
            "--sim runs against the embedded simulator: it cannot be combined with --endpoint or --profile".into(),
        ));
    }
    let mut sim_config = SimConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        ..SimConfig::default()
    };
    if let Some(delay) = target.sim_job_delay {
        sim_config.job_delay = delay;
    }
    if let Some(path) = &target.sim_cloud {
        sim_config.cloud = csctl::sim::load_cloud_file(path)?;
    }
    sim_config.seed = target.sim_seed;
    let credentials = Credentials::ApiKey {
        api_key: sim_config.api_key.clone(),
        secret_key: sim_config.secret_key.clone(),
    };
    let sim = csctl::sim::start(sim_config).await?;
    let mut client_config = ClientConfig::new(sim.endpoint(), credentials);
    client_config.verbosity = global.verbose;
    if let Some(timeout) = global.timeout {
        client_config.timeout = timeout;
    }
    if let Some(method) = global.method {
        client_config.method = method;
    }
    let client = Client::new(client_config)?;
    Ok(Target {
        client,
        sim: Some(sim),
    })
}

/// The configured cloud's client settings (flags, environment, profile and
/// defaults), printing the resolver's warnings.
/// Without credentials anywhere, a saved login session of the profile
/// (`csctl login`) is used until it expires.
pub fn resolve_client_config(global: &GlobalArgs) -> Result<ClientConfig, Error> {
    let resolved = match config::resolve(&overrides(global), &Sources::from_process()) {
        Ok(resolved) => resolved,
        Err(error @ config::ConfigError::MissingCredentials { .. }) => {
            return match login::saved_session_config(global)? {
                Some(config) => Ok(config),
                None => Err(error.into()),
            };
        }
        Err(error) => return Err(error.into()),
    };
    for warning in &resolved.warnings {
        crate::error::write_stderr(&format!("csctl: warning: {warning}"));
    }
    Ok(resolved.client)
}

/// The command-line part of the configuration.
pub fn overrides(global: &GlobalArgs) -> Overrides {
    Overrides {
        endpoint: global.endpoint.clone(),
        api_key: global.api_key.clone(),
        secret_key: global.secret_key.clone(),
        profile: global.profile.clone(),
        config_file: global.config.clone(),
        timeout: global.timeout,
        insecure: global.insecure,
        ca_bundle: global.ca_bundle.clone(),
        method: global.method,
        proxy: global.proxy.clone(),
        verbosity: global.verbose,
    }
}

/// Runs `work`, or ends with [`ClientError::Cancelled`] on Ctrl-C or
/// SIGTERM (dropping `work` cancels its requests).
pub async fn until_ctrl_c<F>(work: F) -> Result<(), Error>
where
    F: std::future::Future<Output = Result<(), Error>>,
{
    let mut signals = csctl::interrupt::Signals::new();
    tokio::select! {
        result = work => result,
        () = signals.recv() => Err(ClientError::Cancelled.into()),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> Result<(), Error> {
    csctl::output::write_stdout(text)
        .map_err(|error| Error::Io(format!("cannot write the output: {error}")))
}
