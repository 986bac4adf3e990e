//! The server's global settings the simulator acts on, as
//! `listConfigurations` shows them and `updateConfiguration` (the generic
//! model, which finds a setting by `name`) changes them: objects of kind
//! `configuration` with the server's defaults.

use std::time::Duration;

use serde_json::Value;

use super::accounts::object;
use super::generic;
use crate::sim::state::State;

/// `expunge.delay`: seconds a destroyed VM waits before it is expunged.
pub(crate) const EXPUNGE_DELAY: &str = "expunge.delay";
/// `expunge.interval`: seconds between two runs of the expunge task.
pub(crate) const EXPUNGE_INTERVAL: &str = "expunge.interval";

/// The settings, with the server's defaults (`ConfigurationManagerImpl`'s
/// `Config` entries): (name, category, default, description).
const DEFAULTS: &[(&str, &str, &str, &str)] = &[
    (
        EXPUNGE_DELAY,
        "Advanced",
        "86400",
        "Determines how long (in seconds) to wait before actually expunging destroyed vm. The default value = the default value of expunge.interval",
    ),
    (
        EXPUNGE_INTERVAL,
        "Advanced",
        "86400",
        "The interval (in seconds) to wait before running the expunge thread.",
    ),
];

/// Adds the settings (a cloud file may already hold some: those are kept).
pub(crate) fn seed(st: &mut State) {
    for (name, category, default, description) in DEFAULTS {
        if st.objects.find_by("configuration", "name", name).is_some() {
            continue;
        }
        let index = generic::seed(
            st,
            "listConfigurations",
            object(&[
                ("name", (*name).into()),
                ("category", (*category).into()),
                ("value", (*default).into()),
                ("defaultvalue", (*default).into()),
                ("description", (*description).into()),
                ("scope", Value::Null),
                ("isdynamic", true.into()),
                ("type", "Integer".into()),
                ("component", "management-server".into()),
                ("group", "Miscellaneous".into()),
                ("subgroup", "Others".into()),
            ]),
        );
        // Settings have no id on the server: they are named.
        let fields = &mut st.objects[index].fields;
        fields.remove("id");
        fields.retain(|_, value| !value.is_null());
    }
}

/// A setting in seconds (its default when unset or not a number).
pub(crate) fn seconds(st: &State, name: &str) -> Duration {
    let value = st
        .objects
        .find_by("configuration", "name", name)
        .and_then(|index| st.objects[index].text("value"))
        .and_then(|text| text.trim().parse::<u64>().ok());
    let default = DEFAULTS
        .iter()
        .find(|(setting, ..)| *setting == name)
        .and_then(|(_, _, default, _)| default.parse().ok())
        .unwrap_or(0);
    Duration::from_secs(value.unwrap_or(default))
}
