//! The command line, as clap types. Doc comments here are the `--help` text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use csctl::client::HttpMethod;
use csctl::output::{Fields, Format};

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
    /// API key (may begin with '-': keys are URL-safe Base64)
    #[arg(long, global = true, value_name = "KEY", allow_hyphen_values = true)]
    pub api_key: Option<String>,
    /// Secret key (prefer the environment or `secret_command`: flags show in `ps`)
    #[arg(
        long,
        global = true,
        value_name = "SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub secret_key: Option<String>,
    /// Profile to use from the configuration files
    #[arg(short = 'p', long, global = true, value_name = "NAME",
          add = ArgValueCompleter::new(crate::completion::profile_names))]
    pub profile: Option<String>,
    /// Configuration file instead of ~/.config/csctl/config.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Time limit of one HTTP request, answer included: seconds or a duration (90, 90s, 2m)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_timeout)]
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
    /// Proxy for API requests (http://, https://, socks5://, socks5h://;
    /// user:password@ allowed); "" or none: no proxy, whatever HTTPS_PROXY,
    /// HTTP_PROXY or ALL_PROXY say
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
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
    /// Print the shell completion script (source it from the shell's rc file)
    Completions(CompletionsArgs),
    /// Print a manual page (roff): csctl's, or a subcommand's
    Man(ManArgs),
    /// Copy what the account sees in its cloud into a simulator cloud file (read-only calls only)
    Snapshot(SnapshotArgs),
    /// What differs between two clouds (cloud files, or `live`): exit 0 when nothing, 1 when something
    Diff(DiffArgs),
    /// Log in with a username and password (and a two-factor code); later calls use the session
    Login(LoginArgs),
    /// End the saved login session of the profile, on the server and here
    Logout,
    /// Show, create or rotate the logged-in user's API keys, and save them in the profile
    Keys(KeysArgs),
    /// List recent async jobs with their status, or wait for them again (`jobs wait`)
    Jobs(JobsArgs),
}

/// `csctl diff A B`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The cloud before: a cloud file (`csctl snapshot -o FILE`), or `live` for the configured cloud
    #[arg(value_name = "A")]
    pub before: String,
    /// The cloud after: a cloud file, or `live` for the configured cloud (read-only calls only)
    #[arg(value_name = "B")]
    pub after: String,
    /// Print the differences as text or json
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub output: PlanFormat,
}

/// `csctl login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The login name (asked when not given and stdin is a terminal)
    #[arg(short = 'u', long, value_name = "NAME")]
    pub username: Option<String>,
    /// The user's domain path
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub domain: String,
    /// Read the password from the first line of stdin instead of asking
    #[arg(long)]
    pub password_stdin: bool,
    /// The two-factor code, when the account needs one (asked when not given)
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
}

/// `csctl keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// What to do
    #[arg(value_enum)]
    pub action: KeysAction,
    /// Write the API key into the profile and the secret key into a private file
    #[arg(long)]
    pub save: bool,
    /// Print the secret key too (it is hidden otherwise)
    #[arg(long)]
    pub reveal: bool,
}

/// What `csctl keys` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeysAction {
    /// The user's current keys (getUserKeys)
    Show,
    /// Keys for a user that has none (registerUserKeys)
    Create,
    /// New keys; the old ones stop working (registerUserKeys)
    Rotate,
}

/// `csctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_name = "SHELL")]
    pub shell: Shell,
}

/// A shell csctl completes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// GNU Bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
    /// Elvish
    Elvish,
    /// PowerShell
    Powershell,
}

impl Shell {
    /// The shell's name, as clap_complete knows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Elvish => "elvish",
            Self::Powershell => "powershell",
        }
    }
}

/// `csctl man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand whose page to print (csctl-SUBCOMMAND(1)) instead of csctl(1)
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out_dir",
          add = ArgValueCompleter::new(crate::completion::page_names))]
    pub subcommand: Option<String>,
    /// Write every page (csctl.1, csctl-call.1, …) into this directory instead
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `csctl snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Write the cloud file here (created 0600) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Take only these resource types (comma-separated or repeated; zones are always taken, and
    /// what the types need: vms bring templates, offerings and networks): account, limits,
    /// zones, networks, vpcs, templates, isos, serviceofferings, diskofferings, sshkeypairs,
    /// securitygroups, affinitygroups, publicips, firewallrules, portforwardingrules,
    /// loadbalancerrules, vms, volumes, tags; common names too (vm, instance, ip, lb, keypair…)
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
    #[arg(value_name = "COMMAND|PATTERN", add = ArgValueCompleter::new(crate::completion::api_names))]
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
    /// The API command, e.g. listZones (any case)
    #[arg(value_name = "COMMAND", add = ArgValueCompleter::new(crate::completion::api_names))]
    pub command: String,
    /// Parameters as name=value (name=@file reads a file)
    #[arg(value_name = "NAME=VALUE", add = ArgValueCompleter::new(crate::completion::param_names))]
    pub params: Vec<String>,
    /// Output format
    #[arg(
        short,
        long,
        default_value = "json",
        value_name = "FORMAT",
        ignore_case = true
    )]
    pub output: Format,
    /// Fields to show, e.g. name,state,id (`*`: all of them in a table; `!id,!tags`: all but these); also `filter=name,state`
    #[arg(long, value_name = "A,B,…", add = ArgValueCompleter::new(crate::completion::field_names))]
    pub fields: Option<Fields>,
    /// A jq filter applied to the answer (after --all's paging), e.g. '.virtualmachine[] | select(.state == "Running") | .name'
    #[arg(long, value_name = "EXPR")]
    pub query: Option<String>,
    /// Return the job id of an async command instead of waiting for the job
    #[arg(long)]
    pub no_wait: bool,
    /// Fetch every page of a list command
    #[arg(long)]
    pub all: bool,
    /// With --all: pages requested at once once the first page gives the count
    #[arg(long, default_value_t = csctl::client::DEFAULT_PAGE_CONCURRENCY, value_name = "N",
          value_parser = parse_page_concurrency)]
    pub page_concurrency: usize,
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
}

/// `csctl sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The API command, e.g. listZones (any case)
    #[arg(value_name = "COMMAND", add = ArgValueCompleter::new(crate::completion::api_names))]
    pub command: String,
    /// Parameters as name=value (name=@file reads a file)
    #[arg(value_name = "NAME=VALUE", add = ArgValueCompleter::new(crate::completion::param_names))]
    pub params: Vec<String>,
    /// Target.
    #[command(flatten)]
    pub target: SimTarget,
}

/// `csctl run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Rhai script to run
    #[arg(value_name = "SCRIPT", add = ArgValueCompleter::new(crate::completion::scripts()))]
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
    /// Delay each answer of a list command (one page) by this much, as a real server's database work
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = parse_duration)]
    pub latency: Duration,
    /// Send answers uncompressed even to clients that ask for gzip (the server compresses)
    #[arg(long)]
    pub no_compress: bool,
    /// Send all answers together no faster than this, as through one link (e.g. 20Mbit, 2MB)
    #[arg(long, value_name = "RATE", value_parser = parse_bandwidth)]
    pub bandwidth: Option<u64>,
}

/// Parses `--bandwidth` into bytes per second: bits with `bit`, `Kbit`,
/// `Mbit`, `Gbit` (or `bps`, `Kbps`, `Mbps`, `Gbps`), bytes with `B`, `KB`,
/// `MB`, `GB` (decimal) or `KiB`, `MiB`, `GiB`; an optional `/s`.
fn parse_bandwidth(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let trimmed = trimmed.strip_suffix("/s").unwrap_or(trimmed);
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let bad = || format!("`{text}` is not a rate (e.g. 20Mbit, 512Kbit, 2MB, 1MiB)");
    let number: f64 = number.parse().map_err(|_| bad())?;
    let bytes_per_unit: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "bit" | "bps" => 1.0 / 8.0,
        "kbit" | "kbps" => 1e3 / 8.0,
        "mbit" | "mbps" => 1e6 / 8.0,
        "gbit" | "gbps" => 1e9 / 8.0,
        "b" | "" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let rate = number * bytes_per_unit;
    if !rate.is_finite() || !(1.0..=1e12).contains(&rate) {
        return Err(format!(
            "`{text}` is out of range (1 byte to 1 TB per second)"
        ));
    }
    Ok(rate as u64)
}

/// Parses `--page-concurrency`: 1 to 64 pages at once.
fn parse_page_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(count) if (1..=64).contains(&count) => Ok(count),
        _ => Err(format!("`{text}` is not a whole number from 1 to 64")),
    }
}

/// The global options `csctl sim` has no use for: hidden from its `--help`
/// (it takes only --api-key and --secret-key, the credentials it accepts).
const NOT_FOR_SIM: [&str; 9] = [
    "endpoint",
    "profile",
    "config",
    "timeout",
    "method",
    "ca_bundle",
    "insecure",
    "proxy",
    "verbose",
];

/// The command line definition, with each subcommand's help showing only
/// the options it uses.
pub fn command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    // Building propagates the global options into the subcommands, where
    // they can then be hidden.
    command.build();
    command.mut_subcommand("sim", |sim| {
        sim.mut_args(|arg| match arg.get_id().as_str() {
            id if NOT_FOR_SIM.contains(&id) => arg.hide(true),
            "api_key" => arg
                .help("API key the simulator accepts (default: the demo key)")
                .help_heading("Credentials"),
            "secret_key" => arg
                .help("Secret key of that API key (default: the demo secret)")
                .help_heading("Credentials"),
            _ => arg,
        })
    })
}

/// Parses the process's command line. Help, `--version` and mistakes come
/// back as [`Error::CommandLine`](crate::error::Error::CommandLine) (clap's
/// own text, status 0 or 2) or a usage error; `main` reports them, so
/// nothing here prints or exits.
pub fn parse() -> Result<Cli, crate::error::Error> {
    let words: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = command()
        .try_get_matches_from(&words)
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches));
    parsed.map_err(|error| match script_option_hint(&error, &words) {
        Some(message) => crate::error::Error::Usage(message),
        None => crate::error::Error::CommandLine(error),
    })
}

/// `csctl run x.rhai --hostname web01`: an option after the script that
/// csctl does not know is a script argument written the wrong way.
fn script_option_hint(error: &clap::Error, words: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let words: Vec<String> = words
        .iter()
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    let run_at = words.iter().position(|word| word == "run")?;
    let at = words
        .iter()
        .skip(run_at)
        .position(|word| word.starts_with(invalid.as_str()))?
        + run_at;
    let word = &words[at];
    let (name, value) = match word.split_once('=') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (
            word.as_str(),
            words
                .get(at + 1)
                .filter(|next| !next.starts_with('-') && !next.contains('='))
                .cloned(),
        ),
    };
    let name = name.trim_start_matches('-');
    if name.is_empty() {
        return None;
    }
    Some(format!(
        "`{word}` is not an option of `csctl run`; script arguments are written name=value: {name}={}",
        value.as_deref().unwrap_or("VALUE")
    ))
}

/// Parses a duration: a bare number is seconds (`2`, `1.5`), else a
/// number with units (`2s`, `150ms`, `1m 30s`); at most a year. The same
/// grammar as the environment and the configuration files.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    csctl::config::parse_duration(text)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    csctl::config::parse_positive_duration(text)
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

    #[test]
    fn bandwidths_are_bits_or_bytes_per_second() {
        assert_eq!(parse_bandwidth("20Mbit"), Ok(2_500_000));
        assert_eq!(parse_bandwidth("512 Kbps"), Ok(64_000));
        assert_eq!(parse_bandwidth("2MB/s"), Ok(2_000_000));
        assert_eq!(parse_bandwidth("1MiB"), Ok(1_048_576));
        assert!(parse_bandwidth("fast").unwrap_err().contains("not a rate"));
        assert!(parse_bandwidth("0Mbit")
            .unwrap_err()
            .contains("out of range"));
    }
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn sim_help_lists_only_sim_options() {
        let mut command = command();
        let sim = command.find_subcommand_mut("sim").unwrap();
        let help = sim.render_long_help().to_string();
        for hidden in [
            "--endpoint",
            "--profile",
            "--ca-bundle",
            "--insecure",
            "--method",
        ] {
            assert!(!help.contains(hidden), "{hidden} in {help}");
        }
        assert!(
            help.contains("--job-delay") && help.contains("--api-key"),
            "{help}"
        );
        let call = command.find_subcommand_mut("call").unwrap();
        assert!(call.render_long_help().to_string().contains("--endpoint"));
    }

    #[test]
    fn options_after_a_script_suggest_name_value() {
        let words: Vec<std::ffi::OsString> = ["csctl", "run", "x.rhai", "--hostname", "web01"]
            .iter()
            .map(Into::into)
            .collect();
        let error = command().try_get_matches_from(&words).unwrap_err();
        assert_eq!(
            script_option_hint(&error, &words).unwrap(),
            "`--hostname` is not an option of `csctl run`; script arguments are written name=value: hostname=web01"
        );
    }

    #[test]
    fn keys_may_begin_with_a_hyphen() {
        let cli = Cli::try_parse_from([
            "csctl",
            "--api-key",
            "-abc",
            "--secret-key",
            "--def",
            "sign",
            "listZones",
        ])
        .unwrap();
        assert_eq!(cli.global.api_key.as_deref(), Some("-abc"));
        assert_eq!(cli.global.secret_key.as_deref(), Some("--def"));
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("150ms"), Ok(Duration::from_millis(150)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        // A bare number is seconds, as in the environment and the files.
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("1000000years").is_err());
        assert!(parse_timeout("1e300").is_err());
        assert!(parse_timeout("0").is_err());
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
    }
}

/// `csctl jobs`.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// `wait`: wait again for jobs of the journal
    #[command(subcommand)]
    pub action: Option<JobsAction>,
    /// How many of the newest jobs to list
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Output format: json, jsonl, table, column or csv
    #[arg(
        short,
        long,
        default_value = "table",
        value_name = "FORMAT",
        global = true
    )]
    pub output: Format,
}

/// What `csctl jobs` does besides listing.
#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Wait for jobs (after Ctrl-C, SIGTERM or a timeout) and print each result
    Wait(JobsWaitArgs),
}

/// `csctl jobs wait`.
#[derive(Debug, Args)]
pub struct JobsWaitArgs {
    /// The jobs to wait for
    #[arg(value_name = "JOBID", required_unless_present = "last_run")]
    pub jobids: Vec<String>,
    /// Wait for every job of the newest run (csctl process) on this cloud
    #[arg(long, conflicts_with = "jobids")]
    pub last_run: bool,
    /// Give up after this long (e.g. 10m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "1h")]
    pub wait_timeout: Duration,
}
