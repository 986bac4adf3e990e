//! `csctl apis [COMMAND|PATTERN]`: the API's commands, from the built-in
//! catalogue with the REPL's cached `listApis` of the current profile laid
//! over it when there is one. Never contacts a cloud and never runs a
//! `secret_command`.

use std::fmt::Write as _;

use super::{overrides, print_stdout};
use crate::cli::{ApisArgs, ApisFormat, GlobalArgs};
use crate::error::Error;
use crate::repl::catalog::{newest_cached, LiveApis};
use csctl::catalog::{self, describe, Catalog};
use csctl::config::{self, Sources};

/// Lists the matching commands, or describes the one named.
pub fn run(global: &GlobalArgs, args: &ApisArgs) -> Result<(), Error> {
    let live = live_apis(global);
    let owned;
    let catalog: &Catalog = match &live {
        Some(live) => {
            owned = live.catalog();
            &owned
        }
        None => catalog::builtin(),
    };
    let pattern = args.pattern.as_deref().unwrap_or("");
    let wildcard = pattern.contains(['*', '?']);
    if !wildcard && !pattern.is_empty() {
        if let Some(api) = catalog.find(pattern) {
            return print_stdout(&match args.output {
                ApisFormat::Text => describe::text(catalog, api),
                ApisFormat::Json => pretty(&describe::json(catalog, api)),
            });
        }
    }
    let matching: Vec<_> = catalog.matching(pattern).collect();
    if matching.is_empty() {
        let mut message = format!("no CloudStack command matches `{pattern}`");
        let closest = catalog.suggest(pattern);
        if !closest.is_empty() {
            let _ = write!(message, "; did you mean {}?", catalog::or_list(&closest));
        }
        return Err(Error::Usage(message));
    }
    match args.output {
        ApisFormat::Json => print_stdout(&pretty(&serde_json::Value::Array(
            matching
                .iter()
                .map(|api| describe::summary_json(api))
                .collect(),
        ))),
        ApisFormat::Text => {
            let width = matching.iter().map(|api| api.name.len()).max().unwrap_or(0);
            let text: String = matching
                .iter()
                .map(|api| describe::summary_line(api, width))
                .collect();
            print_stdout(&text)
        }
    }
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The REPL's cached `listApis` of the profile csctl would use (`-p`, or
/// the default one), or of `--endpoint`. Reading the profiles' list runs
/// no `secret_command`.
fn live_apis(global: &GlobalArgs) -> Option<LiveApis> {
    let (profile, endpoint) = match &global.endpoint {
        Some(endpoint) => (global.profile.clone(), Some(endpoint.clone())),
        None => {
            let profiles =
                config::list_profiles_for(&overrides(global), &Sources::from_process()).ok()?;
            let chosen = profiles.into_iter().find(|summary| {
                !summary.shadowed
                    && match &global.profile {
                        Some(name) => &summary.name == name,
                        None => summary.is_default,
                    }
            })?;
            (Some(chosen.name), chosen.endpoint)
        }
    };
    let (live, path) = newest_cached(profile.as_deref(), endpoint.as_deref())?;
    if global.verbose > 0 {
        crate::error::write_stderr(&format!(
            "csctl: using the listApis of {} cached in {}",
            live.endpoint.as_deref().unwrap_or("the cloud"),
            path.display()
        ));
    }
    Some(live)
}
