//! `csctl run --plan SCRIPT`: the script runs against an in-process
//! simulator serving a snapshot of the configured cloud (taken with
//! read-only calls, or read from `--plan-from FILE`); then the plan is
//! printed from the simulator's journal. The real cloud never sees a
//! state-changing call: the snapshot path can only send read-only ones, and
//! the script's client points at the simulator.

use std::time::Duration;

use super::{connect, print_stdout};
use crate::cli::{GlobalArgs, PlanFormat, RunArgs, SimTarget};
use crate::error::Error;
use crate::snapshot::plan::plan;
use csctl::client::{Client, ClientConfig, ClientError, Credentials};
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
    let cloud: Cloud = match &args.plan_from {
        Some(path) => csctl::sim::load_cloud_file(path)?,
        None => runtime.block_on(async {
            let source = connect(global, &SimTarget::default()).await?;
            let kinds = crate::snapshot::select(&[], &[])?;
            let taken = super::snapshot::take_with_progress(&source.client, &kinds).await?;
            for warning in &taken.warnings {
                crate::error::write_stderr(&format!("csctl: warning: {warning}"));
            }
            Ok::<_, Error>(taken.cloud)
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
    let host = ScriptHost::new(client, runtime.handle().clone());
    let ctrl_c = host.install_ctrl_c_handler(crate::error::exit_interrupted_again);
    let result = host.run_source(&args.script.to_string_lossy(), text, script_args);
    drop(ctrl_c);
    // Jobs the script did not wait for still say what they would do.
    sim.settle_after(Duration::from_secs(24 * 3600));
    let the_plan = plan(&sim.journal());
    drop(sim);
    let rendered = match args.output {
        PlanFormat::Text => the_plan.text(),
        PlanFormat::Json => {
            let mut text = serde_json::to_string_pretty(&the_plan.json())
                .map_err(|e| Error::Io(e.to_string()))?;
            text.push('\n');
            text
        }
    };
    print_stdout(&rendered)?;
    match result {
        Ok(_) => Ok(()),
        Err(ScriptError::Interrupted) => Err(ClientError::Cancelled.into()),
        Err(error @ ScriptError::Read { .. }) => Err(Error::Io(error.to_string())),
        Err(error) => Err(Error::Script(error.to_string())),
    }
}
