//! `csctl diff A B`: what differs between two clouds, each a cloud file
//! (a snapshot) or `live` (the configured cloud, read with read-only calls
//! as `csctl snapshot` reads it): objects created, changed (fields before →
//! after) and deleted, by kind and name. Exit status 0 when nothing
//! differs, 1 when something does, as `diff`.

use super::{connect, print_stdout};
use crate::cli::{DiffArgs, GlobalArgs, PlanFormat, SimTarget};
use crate::error::Error;
use crate::snapshot::diff::{self, Tense};
use crate::snapshot::inventory::Inventory;
use csctl::sim::Cloud;

/// The word that stands for the configured cloud.
const LIVE: &str = "live";

/// Reads both clouds, prints what differs.
pub async fn run(global: &GlobalArgs, args: &DiffArgs) -> Result<(), Error> {
    let before = read(global, &args.before).await?;
    let after = read(global, &args.after).await?;
    let changes = diff::diff(&Inventory::of(&before), &Inventory::of(&after));
    let rendered = match args.output {
        PlanFormat::Text if changes.is_empty() => "No differences.\n".to_string(),
        PlanFormat::Text => {
            let width = csctl::output::terminal_width().map(usize::from);
            let mut text = diff::text(&changes, Tense::Diff, width);
            let (created, changed, deleted) = diff::counts(&changes);
            text.push('\n');
            diff::push_wrapped(
                &mut text,
                &format!("{created} created, {changed} changed, {deleted} deleted."),
                0,
                width,
            );
            text
        }
        PlanFormat::Json => {
            let (created, changed, deleted) = diff::counts(&changes);
            let value = serde_json::json!({
                "changes": changes,
                "summary": {"create": created, "change": changed, "delete": deleted},
            });
            let mut text = csctl::output::text::escape_json_text(
                serde_json::to_string_pretty(&value).map_err(|e| Error::Io(e.to_string()))?,
            );
            text.push('\n');
            text
        }
    };
    print_stdout(&rendered)?;
    if changes.is_empty() {
        Ok(())
    } else {
        Err(Error::Differ)
    }
}

/// A cloud file, or the configured cloud for `live`.
async fn read(global: &GlobalArgs, which: &str) -> Result<Cloud, Error> {
    if which != LIVE {
        return Ok(csctl::sim::load_cloud_file(std::path::Path::new(which))?);
    }
    let target = connect(global, &SimTarget::default()).await?;
    let kinds = crate::snapshot::select(&[], &[])?;
    let taken = super::snapshot::take_with_progress(&target.client, &kinds).await?;
    for warning in &taken.warnings {
        crate::error::write_stderr(&format!("csctl: warning: {warning}"));
    }
    Ok(taken.cloud)
}
