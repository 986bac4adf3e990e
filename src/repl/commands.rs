//! The REPL's own commands. They start with `:`, so they live apart from API
//! names and Rhai: `:sync` can never hide `syncStoragePool`.

use std::fmt::Write as _;

use super::rhai_input::LAST_VAR;
use super::{note, render, report, Flow, Repl};
use crate::error::Error;
use csctl::client::Client;
use csctl::config::{self, Sources};
use csctl::output::Format;
use csctl::script::dynamic_to_json;

/// The commands: name, arguments, what they do.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "help",
        "[API]",
        "this help, or an API's parameters and answer (also `help`, `help list zones`)",
    ),
    (
        "sync",
        "",
        "fetch the API catalogue again (listApis) and cache it",
    ),
    (
        "set",
        "output json|jsonl|table|column|csv",
        "how results print (now: see :set)",
    ),
    (
        "profile",
        "[NAME]",
        "list the profiles, or switch to one (variables stay)",
    ),
    ("history", "[N]", "the last N inputs (default 20)"),
    ("vars", "", "the session's variables"),
    (
        "quit",
        "",
        "leave the REPL (also :exit, :q, exit, quit, Ctrl-D)",
    ),
    ("exit", "", "the same as :quit"),
];

const USAGE: &str = "\
Type an API call, a Rhai expression, or a :command.

  listVirtualMachines state=Running zoneid=…
  list virtualmachines state=Running
        an API call: an API name (any case) or cmk's verb and noun, then
        name=value (quote values with spaces, name=@file reads a file); async
        APIs are waited for; the result is printed and kept in `_`
  let vm = _.virtualmachine[0]; vm.name
        Rhai, in one session: variables and functions stay defined;
        api(\"listZones\", #{}), list_all(…), wait_jobs(…) call the cloud
        (docs/scripting.md)
";

const KEYS: &str = "\
Keys: TAB completes API names, parameters and ids (twice lists them);
Ctrl-C cancels the running call or wait, or clears the line; Ctrl-D quits;
Alt-Enter adds a line to an input (unfinished Rhai continues by itself).
";

impl Repl {
    /// Runs a `:` command (`text` without the colon).
    pub(crate) fn command(&mut self, text: &str) -> Flow {
        let mut words = text.split_whitespace();
        let name = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        match (name, args.as_slice()) {
            ("help" | "h" | "?", []) => help(),
            ("help" | "h" | "?", [topic]) => self.help_topic(topic),
            ("help" | "h" | "?", [verb, noun]) => match self.shared.resolve_words(verb, noun) {
                Some(api) => self.help_topic(&api),
                None => self.help_topic(&format!("{verb}{noun}")),
            },
            ("sync", []) => self.sync(),
            ("set", []) => note(&format!("output {}", self.format)),
            ("set", ["output", format]) => match format.parse::<Format>() {
                Ok(format) => self.format = format,
                Err(message) => report(&message),
            },
            ("set", [key, ..]) => report(&format!(
                "cannot set `{key}`: the setting is `:set output json|jsonl|table|column|csv`"
            )),
            ("profile", []) => self.list_profiles(),
            ("profile", [profile]) => self.use_profile(profile),
            ("history", []) => self.show_history(20),
            ("history", [count]) => match count.parse() {
                Ok(count) => self.show_history(count),
                Err(_) => report(&format!("`{count}` is not a number of entries")),
            },
            ("vars", []) => self.show_vars(),
            ("quit" | "exit" | "q", []) => return Flow::Quit,
            _ if COMMANDS.iter().any(|(known, ..)| *known == name) => {
                let (_, usage, _) = COMMANDS
                    .iter()
                    .find(|(known, ..)| *known == name)
                    .copied()
                    .unwrap_or_default();
                report(&format!("usage: :{name} {usage}"));
            }
            _ => report(&format!(
                "unknown command `:{name}`; :help lists the commands"
            )),
        }
        Flow::Continue
    }

    fn help_topic(&self, topic: &str) {
        let catalog = self.shared.catalog();
        if let Some(api) = catalog.find(topic) {
            return render::print(&csctl::catalog::describe::text(&catalog, api));
        }
        let bare = topic.trim_start_matches(':');
        if let Some((name, usage, what)) = COMMANDS.iter().find(|(name, ..)| *name == bare) {
            return note(&format!(":{name} {usage}\n  {what}"));
        }
        let mut message = format!("no API `{topic}` in the catalogue ({} APIs", catalog.len());
        if !catalog.has_live() {
            message.push_str("; :sync adds this cloud's own");
        }
        message.push(')');
        let closest = catalog.suggest(topic);
        let similar: Vec<&str> = if closest.is_empty() {
            catalog
                .matching(topic)
                .map(|api| &*api.name)
                .take(8)
                .collect()
        } else {
            closest
        };
        if !similar.is_empty() {
            let _ = write!(
                message,
                "; did you mean {}?",
                csctl::catalog::or_list(&similar)
            );
        }
        report(&message);
    }

    fn list_profiles(&self) {
        if self.sim.is_some() {
            return note("the REPL runs against the embedded simulator (--sim); start it without --sim to use profiles");
        }
        match config::list_profiles_for(&self.shared.overrides, &Sources::from_process()) {
            Ok(profiles) if profiles.is_empty() => {
                note("no profiles configured (docs/configuration.md)")
            }
            Ok(profiles) => {
                let width = profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
                let mut text = String::new();
                for profile in profiles.iter().filter(|profile| !profile.shadowed) {
                    let current = self.profile.as_deref() == Some(profile.name.as_str());
                    let _ = writeln!(
                        text,
                        "{} {:width$}  {:5}  {}{}",
                        if current { '*' } else { ' ' },
                        profile.name,
                        profile.source.to_string(),
                        profile.endpoint.as_deref().unwrap_or("(no endpoint)"),
                        if profile.is_default {
                            "  (default)"
                        } else {
                            ""
                        },
                    );
                }
                render::print(&text);
            }
            Err(error) => report(&error.to_string()),
        }
    }

    fn use_profile(&mut self, profile: &str) {
        if self.sim.is_some() {
            return report("the REPL runs against the embedded simulator (--sim); start it without --sim to use profiles");
        }
        // The profile decides the endpoint and credentials: flags given at
        // start for those would otherwise override it.
        let mut overrides = self.shared.overrides.clone();
        overrides.profile = Some(profile.to_string());
        overrides.endpoint = None;
        overrides.api_key = None;
        overrides.secret_key = None;
        let resolved = match config::resolve(&overrides, &Sources::from_process()) {
            Ok(resolved) => resolved,
            Err(error) => return report(&Error::from(error).to_string()),
        };
        for warning in &resolved.warnings {
            super::warn(warning);
        }
        match Client::new(resolved.client) {
            Ok(client) => {
                let name = resolved.profile_name.unwrap_or_else(|| profile.to_string());
                self.switch(client, Some(name));
            }
            Err(error) => report(&error.to_string()),
        }
    }

    fn show_history(&self, count: usize) {
        let entries: Vec<&String> = self.editor.history().iter().collect();
        let skip = entries.len().saturating_sub(count);
        let mut text = String::new();
        for (number, entry) in entries.iter().enumerate().skip(skip) {
            let entry = entry.replace('\n', "\n      ");
            let _ = writeln!(text, "{:5} {entry}", number + 1);
        }
        render::print(&text);
    }

    fn show_vars(&self) {
        let mut text = String::new();
        for (name, constant, value) in self.session.scope().iter_raw() {
            if name == csctl::script::ARGS {
                continue;
            }
            let shown = if name == LAST_VAR { "_" } else { name };
            let preview = match dynamic_to_json(value, name) {
                Ok(json) => json.to_string(),
                Err(_) => value.to_string(),
            };
            let _ = writeln!(
                text,
                "{}{shown}: {} = {}",
                if constant { "const " } else { "" },
                value.type_name(),
                shorten(&preview, 100)
            );
        }
        if text.is_empty() {
            text.push_str("(no variables)\n");
        }
        render::print(&text);
    }
}

fn help() {
    let mut text = String::from(USAGE);
    text.push_str("\nCommands:\n");
    for (name, usage, what) in COMMANDS {
        let head = format!(":{name} {usage}");
        let _ = writeln!(text, "  {head:36} {what}");
    }
    text.push('\n');
    text.push_str(KEYS);
    render::print(&text);
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut short: String = text.chars().take(limit).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_previews_are_shortened() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
