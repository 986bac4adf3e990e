//! `csctl sim`: serve the simulator until Ctrl-C.

use crate::cli::{GlobalArgs, SimArgs};
use crate::error::Error;
use csctl::sim::{self, SimConfig};

/// Starts the simulator with the flags' settings and serves until Ctrl-C.
pub async fn run(global: &GlobalArgs, args: &SimArgs) -> Result<(), Error> {
    let mut config = SimConfig {
        listen: args.listen,
        job_delay: args.job_delay,
        fail_rate: args.fail_rate,
        seed: args.seed,
        rate_limit: args.rate_limit,
        clock_ahead: args.clock_ahead,
        latency: args.latency,
        compress: !args.no_compress,
        bandwidth: args.bandwidth,
        ..SimConfig::default()
    };
    let keys_given = global.api_key.is_some();
    match (&global.api_key, &global.secret_key) {
        (Some(api_key), Some(secret_key)) => {
            config.api_key = api_key.clone();
            config.secret_key = secret_key.clone();
        }
        (None, None) => {}
        _ => {
            return Err(Error::Usage(
                "give both --api-key and --secret-key for the simulator, or neither for the demo credentials".into(),
            ))
        }
    }
    if let Some(path) = &args.cloud {
        config.cloud = sim::load_cloud_file(path)?;
    }
    config.password_login = sim::password_login_allowed(args.listen, keys_given, &config.cloud);
    if !args.listen.ip().is_loopback() {
        csctl::client::trace::write_stderr(&format!(
            "warning: the simulator listens on {}, beyond this machine: whoever reaches it \
             can read and change the cloud it serves (a snapshot's inventory too) with the keys below{}",
            args.listen,
            if config.password_login {
                ""
            } else {
                "; password login is off"
            }
        ));
    }
    let (requests, bytes) = sim::serve_until_ctrl_c(config, |banner| {
        // A closed stdout does not stop the simulator.
        let _ = super::print_stdout(&format!("{banner}\n"));
    })
    .await?;
    crate::error::write_stderr(&format!(
        "csctl sim: {requests} requests answered, {bytes} bytes of answers sent"
    ));
    Ok(())
}
