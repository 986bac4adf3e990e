//! `csctl run --plan SCRIPT`: the script runs against an in-process
//! simulator serving a snapshot of the configured cloud (taken with
//! read-only calls, or read from `--plan-from FILE`); then the plan is
//! printed from the simulator's journal and from what differs in the copy
//! before and after the script. The real cloud never sees a state-changing
//! call: the snapshot path can only send read-only ones, and the script's
//! client points at the simulator.

use std::time::Duration;

use super::{connect, print_stdout};
use crate::cli::{GlobalArgs, PlanFormat, RunArgs, SimTarget};
use crate::error::Error;
use crate::snapshot::inventory::Inventory;
use crate::snapshot::plan::{plan, Run};
use csctl::client::{Client, ClientConfig, ClientError, Credentials};
use csctl::config::ConfigError;
use csctl::script::{ScriptError, ScriptHost};
use csctl::sim::{Cloud, SimConfig};

/// Async jobs of the rehearsal finish quickly: the plan is about what is
/// done, not how long it takes.
const REHEARSAL_JOB_DELAY: Duration = Duration::from_millis(5);

/// Runs the rehearsal and prints the plan; the script's failure is
/// returned after the plan is printed.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    global: &GlobalArgs,
    args: &RunArgs,
    script_args: &[(String, String)],
    text: &str,
) -> Result<(), Error> {
    let name = args.script.to_string_lossy();
    // A script that does not compile is refused before the cloud is read.
    csctl::script::check_syntax(&name, text).map_err(script_error)?;
    let mut unread = 0;
    let cloud: Cloud = match &args.plan_from {
        Some(path) => csctl::sim::load_cloud_file(path)?,
        None => runtime
            .block_on(async {
                let source = connect(global, &SimTarget::default())
                    .await
                    .map_err(plan_hint)?;
                let kinds = crate::snapshot::select(&[], &[])?;
                let taken = super::snapshot::take_with_progress(&source.client, &kinds).await?;
                for warning in &taken.warnings {
                    crate::error::write_stderr(&format!("csctl: warning: {warning}"));
                }
                Ok::<_, Error>((taken.cloud, taken.warnings.len()))
            })
            .map(|(cloud, warnings)| {
                unread = warnings;
                cloud
            })?,
    };
    let sim = runtime.block_on(csctl::sim::start(SimConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        job_delay: REHEARSAL_JOB_DELAY,
        cloud,
        ..SimConfig::default()
    }))?;
    let mut config = ClientConfig::new(
        sim.endpoint(),
        Credentials::ApiKey {
            api_key: csctl::sim::demo::API_KEY.into(),
            secret_key: csctl::sim::demo::SECRET_KEY.into(),
        },
    );
    config.verbosity = global.verbose;
    let client = Client::new(config)?;
    let before = runtime.block_on(inventory(&client))?;
    let host = ScriptHost::new(client.clone(), runtime.handle().clone());
    let ctrl_c = host.install_ctrl_c_handler(crate::error::exit_interrupted_again);
    let result = host.run_source(&name, text, script_args);
    drop(ctrl_c);
    // Jobs the script did not wait for still say what they would do.
    sim.settle_after(Duration::from_secs(24 * 3600));
    let after = runtime.block_on(inventory(&client))?;
    let journal = sim.journal();
    drop(sim);
    // The script's error as stderr would show it: scrubbed of secrets.
    let error = result
        .as_ref()
        .err()
        .map(|e| csctl::client::trace::scrub(&e.to_string()).into_owned());
    let mut the_plan = plan(&Run {
        journal: &journal,
        before: &before,
        after: &after,
        error,
    });
    if unread > 0 {
        the_plan.notes.push(format!(
            "{unread} list{} could not be read or kept (see the warnings above):              those objects are not in the copy",
            if unread == 1 { "" } else { "s" }
        ));
    }
    if let Some(path) = &args.plan_from {
        the_plan.notes.push(format!(
            "the copy is {}, not the cloud as it is now (`csctl diff {} live` shows what changed since)",
            path.display(),
            path.display()
        ));
    }
    let rendered = match args.output {
        PlanFormat::Text => the_plan.text(csctl::output::terminal_width().map(usize::from)),
        PlanFormat::Json => {
            let mut text = csctl::output::text::escape_json_text(
                serde_json::to_string_pretty(&the_plan.json())
                    .map_err(|e| Error::Io(e.to_string()))?,
            );
            text.push('\n');
            text
        }
    };
    print_stdout(&rendered)?;
    result.map(drop).map_err(script_error)
}

/// What the rehearsal simulator holds, read as a snapshot reads a cloud.
async fn inventory(client: &Client) -> Result<Inventory, Error> {
    let kinds = crate::snapshot::select(&[], &[])?;
    let taken = crate::snapshot::take(client, &kinds, &|_| {}).await?;
    Ok(Inventory::of(&taken.cloud))
}

fn script_error(error: ScriptError) -> Error {
    match error {
        ScriptError::Interrupted => ClientError::Cancelled.into(),
        error @ ScriptError::Read { .. } => Error::Io(error.to_string()),
        error => Error::Script(error.to_string()),
    }
}

/// No endpoint: `--plan` needs a cloud to copy, or a copy (`--sim` is
/// no use to it).
fn plan_hint(error: Error) -> Error {
    match error {
        Error::Config(ConfigError::MissingEndpoint { looked_at }) => Error::Usage(format!(
            "--plan rehearses on a copy of the configured cloud, and no API endpoint is \
             configured; looked at: {}\n  hint: configure one (--endpoint, $CLOUDSTACK_ENDPOINT \
             or a profile), or rehearse on a cloud file with --plan-from FILE \
             (`csctl snapshot -o FILE` writes one)",
            looked_at.join(", ")
        )),
        other => other,
    }
}
