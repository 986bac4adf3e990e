//! The command line, as clap types. Doc comments here are the `--help` text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::client::HttpMethod;
use crate::output::Format;

/// Script, explore and simulate Apache CloudStack clouds.
#[derive(Debug, Parser)]
#[command(name = "csctl", version, about, max_term_width = 100)]
pub struct Cli {
    /// Settings that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command; they override the environment and the profile.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// API endpoint, e.g. https://cloud.example.com/client/api
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// API key
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Secret key (prefer the environment or `secret_command`: flags show in `ps`)
    #[arg(long, global = true, value_name = "SECRET", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Profile to use from the configuration files
    #[arg(short = 'p', long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Configuration file instead of ~/.config/csctl/config.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Time limit of one HTTP request, in seconds
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
    /// HTTP method for API calls: post (default) or get
    #[arg(long, global = true, value_name = "METHOD")]
    pub method: Option<HttpMethod>,
    /// Extra trusted CA certificates (PEM bundle)
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,
    /// Do not verify the server's TLS certificate (unsafe)
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Log requests and responses on stderr, secrets redacted (-vv adds bodies)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call one API command and print the answer
    Call(CallArgs),
    /// Print the signed query string of a call, sending nothing
    Sign(SignArgs),
    /// Run a Rhai script
    Run(RunArgs),
    /// Interactive shell for API calls and Rhai
    Repl(ReplArgs),
    /// Serve the embedded CloudStack simulator until Ctrl-C
    Sim(SimArgs),
    /// List the API's commands, or describe one (works offline)
    Apis(ApisArgs),
    /// Copy what the account sees in its cloud into a simulator cloud file (read-only calls only)
    Snapshot(SnapshotArgs),
}

/// `csctl snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Write the cloud file here (created 0600) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Take only these resource types (comma-separated or repeated; zones are always taken):
    /// account, limits, zones, networks, vpcs, templates, isos, serviceofferings, diskofferings,
    /// sshkeypairs, securitygroups, affinitygroups, publicips, firewallrules, portforwardingrules,
    /// loadbalancerrules, vms, volumes, tags
    #[arg(long, value_name = "TYPES")]
    pub only: Vec<String>,
    /// Leave these resource types out (comma-separated or repeated)
    #[arg(long, value_name = "TYPES")]
    pub skip: Vec<String>,
}

/// `csctl apis`.
#[derive(Debug, Args)]
pub struct ApisArgs {
    /// A command to describe (any case), or a pattern of the commands to list:
    /// a substring, or a wildcard pattern with * and ? (e.g. 'list*ssh*')
    #[arg(value_name = "COMMAND|PATTERN")]
    pub pattern: Option<String>,
    /// Output format: text or json
    #[arg(short, long, default_value = "text", value_name = "FORMAT")]
    pub output: ApisFormat,
}

/// How `csctl apis` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ApisFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
}

/// `--sim`: run against an in-process simulator instead of a configured cloud.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Simulator")]
pub struct SimTarget {
    /// Start the embedded simulator on a free loopback port and use it
    #[arg(long)]
    pub sim: bool,
    /// With --sim: how long the simulator's async jobs take (e.g. 2s, 150ms)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "sim")]
    pub sim_job_delay: Option<Duration>,
    /// With --sim: a cloud description file (JSON or TOML) instead of the default cloud
    #[arg(long, value_name = "FILE", requires = "sim")]
    pub sim_cloud: Option<PathBuf>,
    /// With --sim: seed for deterministic ids
    #[arg(long, value_name = "N", requires = "sim")]
    pub sim_seed: Option<u64>,
}

/// `csctl call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The API command, e.g. listZones
    #[arg(value_name = "COMMAND")]
    pub command: String,
    /// Parameters as name=value (name=@file reads a file)
    #[arg(value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format: json, jsonl, table or csv
    #[arg(short, long, default_value = "json", value_name = "FORMAT")]
    pub output: Format,
    /// Return the job id of an async command instead of waiting for the job
    #[arg(long)]
    pub no_wait: bool,
    /// Fetch every page of a list command
    #[arg(long)]
    pub all: bool,
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
}

/// `csctl sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The API command, e.g. listZones
    #[arg(value_name = "COMMAND")]
    pub command: String,
    /// Parameters as name=value (name=@file reads a file)
    #[arg(value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
}

/// `csctl run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Rhai script to run
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,
    /// Script arguments as name=value, available as the constant map ARGS
    #[arg(value_name = "NAME=VALUE")]
    pub args: Vec<String>,
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
    /// Rehearse: run the script against a simulator serving a snapshot of the
    /// configured cloud (which receives read-only calls only) and print the
    /// state-changing calls it made and what they created, changed or deleted
    #[arg(long, conflicts_with = "sim")]
    pub plan: bool,
    /// With --plan: serve this snapshot file instead of taking one
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub plan_from: Option<PathBuf>,
    /// With --plan: print the plan as text or json
    #[arg(
        short,
        long,
        value_name = "FORMAT",
        default_value = "text",
        requires = "plan"
    )]
    pub output: PlanFormat,
}

/// How `run --plan` prints the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// For people.
    Text,
    /// For tools.
    Json,
}

/// `csctl repl`.
#[derive(Debug, Args)]
pub struct ReplArgs {
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
}

/// `csctl sim`. The credentials it accepts are the global --api-key and
/// --secret-key, or the documented demo credentials.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// How long async jobs take (e.g. 2s, 150ms)
    #[arg(long, default_value = "2s", value_name = "DURATION", value_parser = parse_duration)]
    pub job_delay: Duration,
    /// A cloud description file (JSON or TOML) instead of the default cloud
    #[arg(long, value_name = "FILE")]
    pub cloud: Option<PathBuf>,
    /// Fraction of requests answered with an HTTP 503 page, unprocessed (0.0 to 1.0)
    #[arg(long, default_value = "0.0", value_name = "R", value_parser = parse_fraction)]
    pub fail_rate: f64,
    /// Seed for deterministic ids
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Requests per second allowed per account; more get HTTP 429 like api.throttling
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Run the simulator's clock ahead by this much (e.g. 15m), to see what clock skew does
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = parse_duration)]
    pub clock_ahead: Duration,
}

/// Parses a duration with units: `2s`, `150ms`, `1m 30s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|error| format!("`{text}` is not a duration ({error}); write e.g. 2s or 150ms"))
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("`{text}` must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` must be a number from 0.0 to 1.0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("150ms"), Ok(Duration::from_millis(150)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("2").is_err());
    }
}
