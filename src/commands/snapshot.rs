//! `csctl snapshot [-o FILE] [--only T,…] [--skip T,…]`: reads the configured
//! cloud with read-only calls and writes a simulator cloud file.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressStyle};

use super::{connect, print_stdout};
use crate::cli::{GlobalArgs, SimTarget, SnapshotArgs};
use crate::error::Error;
use crate::snapshot::{self, Kind, Progress, Snapshot};
use csctl::client::Client;

/// Takes the snapshot and writes it.
pub async fn run(global: &GlobalArgs, args: &SnapshotArgs) -> Result<(), Error> {
    let kinds = snapshot::select(&args.only, &args.skip)?;
    // The file is checked (and its place taken) before the cloud is read.
    let file = args
        .output
        .as_deref()
        .map(snapshot::OutputFile::prepare)
        .transpose()?;
    let target = connect(global, &SimTarget::default()).await?;
    let taken = take_with_progress(&target.client, &kinds).await?;
    for warning in &taken.warnings {
        crate::error::write_stderr(&format!("csctl: warning: {warning}"));
    }
    match (file, &args.output) {
        (Some(file), Some(path)) => {
            file.write(&taken.cloud)?;
            crate::error::write_stderr(&summary(&taken, &path.display().to_string()));
            Ok(())
        }
        _ => {
            let text =
                serde_json::to_string_pretty(&taken.cloud).map_err(|e| Error::Io(e.to_string()))?;
            print_stdout(&format!("{text}\n"))
        }
    }
}

/// A snapshot of the cloud behind `client`, with a progress bar on a
/// terminal (stderr).
pub async fn take_with_progress(client: &Client, kinds: &[Kind]) -> Result<Snapshot, Error> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("snapshot {bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = |event: Progress<'_>| match event {
        Progress::Start(calls) => bar.set_length(calls as u64),
        Progress::More(calls) => bar.inc_length(calls as u64),
        Progress::Done(command) => {
            bar.set_message(command.to_string());
            bar.inc(1);
        }
    };
    let taken = snapshot::take(client, kinds, &progress).await;
    bar.finish_and_clear();
    Ok(taken?)
}

/// `wrote FILE: 2 zones, 3 networks, …`.
fn summary(taken: &Snapshot, path: &str) -> String {
    let cloud = &taken.cloud;
    let mut parts = vec![
        format!("{} zones", cloud.zones.len()),
        format!("{} networks", cloud.networks.len()),
        format!("{} templates", cloud.templates.len()),
        format!("{} service offerings", cloud.service_offerings.len()),
        format!("{} virtual machines", cloud.virtual_machines.len()),
        format!(
            "{} public IPs",
            cloud.public_ips.len()
                + cloud
                    .networks
                    .iter()
                    .filter(|n| n.source_nat_ip.is_some())
                    .count()
        ),
        format!(
            "{} port forwarding rules",
            cloud.port_forwarding_rules.len()
        ),
        format!("{} tags", cloud.tags.len()),
    ];
    for (key, items) in &cloud.objects {
        parts.push(format!("{} {key}", items.len()));
    }
    format!("wrote {path}: {}", parts.join(", "))
}
