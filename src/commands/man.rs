//! `csctl man [SUBCOMMAND]`: the manual pages, generated from the clap
//! definitions (clap_mangen) and completed with what `--help` does not say:
//! ENVIRONMENT (the variables of docs/configuration.md, read from it at
//! build time so the two cannot drift), FILES, EXIT STATUS, EXAMPLES and
//! SEE ALSO. Every page a page cites is written too.

use clap_mangen::roff::{bold, italic, roman, Roff};

use super::print_stdout;
use crate::cli::ManArgs;
use crate::error::Error;

/// Prints csctl(1), or csctl-SUBCOMMAND(1); or writes every page into a directory.
pub fn man(args: &ManArgs) -> Result<(), Error> {
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .map_err(|error| Error::Io(format!("cannot create {}: {error}", dir.display())))?;
        for name in page_names() {
            let sub = name.strip_prefix("csctl-");
            let path = dir.join(format!("{name}.1"));
            std::fs::write(&path, page(sub).unwrap_or_default())
                .map_err(|error| Error::Io(format!("cannot write {}: {error}", path.display())))?;
        }
        return Ok(());
    }
    let name = args.subcommand.as_deref();
    let text = page(name).ok_or_else(|| {
        Error::Usage(format!(
            "no subcommand `{}`; the pages are: {}",
            name.unwrap_or_default(),
            page_names().join(", ")
        ))
    })?;
    print_stdout(&text)
}

/// The subcommands that have a page: every visible one but `help` (whose
/// page would only repeat `--help`).
fn subcommands() -> Vec<String> {
    crate::cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .map(|sub| sub.get_name().to_string())
        .collect()
}

/// The names of every manual page: `csctl`, `csctl-call`, …
pub fn page_names() -> Vec<String> {
    let mut names = vec!["csctl".to_string()];
    names.extend(subcommands().iter().map(|name| format!("csctl-{name}")));
    names
}

/// The roff text of csctl(1) (`None`) or of a subcommand's page; `None`
/// for a subcommand that does not exist.
pub fn page(subcommand: Option<&str>) -> Option<String> {
    let mut root = crate::cli::command();
    if root.find_subcommand("help").is_some() {
        // csctl(1) lists the subcommands' pages: no csctl-help(1) is written.
        root = root.mut_subcommand("help", |help| help.hide(true));
    }
    let command = match subcommand {
        None => root,
        Some(name) => {
            let sub = root.find_subcommand(name)?.clone();
            if sub.get_name() == "help" {
                return None;
            }
            let name = sub.get_name().to_string();
            sub.name(format!("csctl-{name}"))
                .bin_name(format!("csctl {name}"))
                .display_name(format!("csctl-{name}"))
        }
    };
    let man = clap_mangen::Man::new(command.clone());
    let mut text = Vec::new();
    man.render_title(&mut text).ok()?;
    man.render_name_section(&mut text).ok()?;
    man.render_synopsis_section(&mut text).ok()?;
    man.render_description_section(&mut text).ok()?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut text).ok()?;
    }
    if command.get_subcommands().any(|sub| !sub.is_hide_set()) {
        man.render_subcommands_section(&mut text).ok()?;
    }
    let mut roff = Roff::default();
    environment(&mut roff);
    files(&mut roff);
    exit_status(&mut roff);
    examples(&mut roff, subcommand);
    see_also(&mut roff, subcommand);
    roff.to_writer(&mut text).ok()?;
    if command.get_version().is_some() {
        man.render_version_section(&mut text).ok()?;
    }
    String::from_utf8(text).ok()
}

/// docs/configuration.md, whose "Environment variables" table is the one
/// list of the variables csctl reads.
const CONFIGURATION_MD: &str = include_str!("../../docs/configuration.md");

/// The rows `(variable, meaning)` of configuration.md's variables table.
fn environment_rows() -> Vec<(String, String)> {
    let Some(start) = CONFIGURATION_MD.find("\n## Environment variables") else {
        return Vec::new();
    };
    let section = &CONFIGURATION_MD[start + 1..];
    let section = section[2..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 2]);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| {
            let mut cells = line.trim_matches('|').split(" | ").map(str::trim);
            let name = cells.next()?.trim_matches('`').to_string();
            let meaning = plain(cells.next()?);
            Some((name, meaning))
        })
        .collect()
}

/// Markdown cell text as plain text: `[text](link)` becomes `text`,
/// backticks go.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|at| open + at) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|at| close + at) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace('`', "")
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "Settings come from flags, then the environment, then the profile, then the defaults. \
         Empty variables count as unset.",
    )]);
    for (name, meaning) in environment_rows() {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }
    for (name, meaning) in [
        ("NO_COLOR", "Set: the REPL prints no colours."),
        (
            "COLUMNS",
            "The width tables are fitted to, instead of the terminal's.",
        ),
        (
            "CSCTL_COMPLETE",
            "Set by the shell completion scripts when they ask csctl for candidates.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (path, meaning) in [
        (
            "~/.config/csctl/config.toml",
            "csctl's configuration: profiles (under $XDG_CONFIG_HOME when set; --config or \
             $CSCTL_CONFIG name another). csctl never writes it.",
        ),
        (
            "~/.cmk/config",
            "cloudmonkey's profiles, read when a profile is asked for (never written).",
        ),
        (
            "./cloudstack.ini, ~/.cloudstack.ini, $CLOUDSTACK_CONFIG",
            "cs's regions, merged key by key (never written).",
        ),
        (
            "~/.cache/csctl/",
            "cached listApis answers (REPL :sync), under $XDG_CACHE_HOME when set.",
        ),
        (
            "~/.local/share/csctl/history",
            "the REPL's history (lines holding secrets are not kept), under $XDG_DATA_HOME when set.",
        ),
        (
            "~/.local/state/csctl/",
            "the state folder (job journal, login sessions): $CSCTL_STATE_DIR, else under \
             $XDG_STATE_HOME when set.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (status, meaning) in [
        ("0", "Success."),
        (
            "1",
            "An API or runtime error (the server refused the call, a job failed, a script threw).",
        ),
        (
            "2",
            "A usage or configuration error (a bad flag, parameter, profile or --query).",
        ),
        ("130", "Interrupted by Ctrl-C (SIGINT)."),
        ("143", "Interrupted by SIGTERM."),
    ] {
        roff.control("TP", []);
        roff.text([bold(status)]);
        roff.text([roman(meaning)]);
    }
}

/// A few examples per page: `(what it does, the command)`.
fn example_list(subcommand: Option<&str>) -> Vec<(&'static str, String)> {
    let list: &[(&str, &str)] = match subcommand {
        None => &[
            ("List the zones of the simulator, nothing configured:", "csctl call listZones --sim"),
            ("The running VMs of the default profile as a table:", "csctl call listVirtualMachines state=Running -o table"),
            ("Run a script against the profile prod:", "csctl -p prod run scripts/deploy_cluster.rhai count=3"),
            ("An interactive shell:", "csctl repl"),
        ],
        Some("call") => &[
            ("Every VM, all pages, as CSV:", "csctl call listVirtualMachines --all -o csv"),
            ("Deploy a VM and wait for its job:", "csctl call deployVirtualMachine zoneid=Z serviceofferingid=S templateid=T name=web01"),
            ("Count the running VMs with a jq filter:", "csctl call listVirtualMachines --all --query '[.virtualmachine[]? | select(.state == \"Running\")] | length'"),
            ("Every field but two:", "csctl call listZones --fields '!tags,!resourcedetails'"),
        ],
        Some("sign") => &[
            ("The signed query string of a call, sent nowhere:", "csctl sign listZones name=zone1"),
        ],
        Some("run") => &[
            ("Run a script with arguments:", "csctl run scripts/deploy_cluster.rhai count=20 prefix=web"),
            ("What the script would change, on a copy in the simulator:", "csctl run --plan scripts/deploy_cluster.rhai count=20"),
        ],
        Some("repl") => &[
            ("An interactive shell on the profile prod:", "csctl -p prod repl"),
            ("Try it on the simulator:", "csctl repl --sim"),
        ],
        Some("sim") => &[
            ("Serve the simulator until Ctrl-C, jobs taking half a second:", "csctl sim --job-delay 500ms"),
            ("Serve a snapshot of a real cloud:", "csctl sim --cloud mycloud.json"),
        ],
        Some("apis") => &[
            ("The commands about SSH keys, offline:", "csctl apis sshkey"),
            ("A command's parameters and answer:", "csctl apis deployVirtualMachine"),
        ],
        Some("completions") => &[
            ("Complete in bash (in ~/.bashrc):", "source <(csctl completions bash)"),
            ("Complete in fish:", "csctl completions fish > ~/.config/fish/completions/csctl.fish"),
        ],
        Some("man") => &[
            ("Read this page:", "csctl man man | man -l -"),
            ("Install every page:", "csctl man --out-dir ~/.local/share/man/man1"),
        ],
        Some("snapshot") => &[
            ("Copy what the account sees into a simulator cloud file:", "csctl snapshot -o mycloud.json"),
            ("Only the zones and templates:", "csctl snapshot --only zones,templates -o small.json"),
        ],
        Some(_) => &[],
    };
    let mut examples: Vec<(&str, String)> = list
        .iter()
        .map(|(what, command)| (*what, (*command).to_string()))
        .collect();
    if let Some(name) = subcommand.filter(|_| examples.is_empty()) {
        examples.push(("Its options:", format!("csctl {name} --help")));
    }
    examples
}

fn examples(roff: &mut Roff, subcommand: Option<&str>) {
    roff.control("SH", ["EXAMPLES"]);
    for (what, command) in example_list(subcommand) {
        roff.control("TP", []);
        roff.text([roman(what)]);
        roff.text([bold(command)]);
    }
}

fn see_also(roff: &mut Roff, subcommand: Option<&str>) {
    roff.control("SH", ["SEE ALSO"]);
    let pages: Vec<String> = match subcommand {
        Some(_) => vec!["csctl(1)".to_string()],
        None => subcommands()
            .iter()
            .map(|name| format!("csctl-{name}(1)"))
            .collect(),
    };
    roff.text([roman(format!(
        "{}; docs/configuration.md, docs/scripting.md and docs/repl.md in the source.",
        pages.join(", ")
    ))]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_comes_from_the_configuration_page() {
        let rows = environment_rows();
        let names: Vec<&str> = rows.iter().map(|(name, _)| name.as_str()).collect();
        for name in [
            "CSCTL_PROFILE",
            "CSCTL_CONFIG",
            "CLOUDSTACK_ENDPOINT",
            "XDG_CONFIG_HOME",
        ] {
            assert!(names.contains(&name), "{names:?}");
        }
        assert!(rows.iter().all(|(_, meaning)| !meaning.contains("](")));
    }

    #[test]
    fn every_page_cited_is_a_page_written() {
        let names = page_names();
        for name in &names {
            let sub = name.strip_prefix("csctl-");
            let text = page(sub).unwrap();
            for section in [
                "ENVIRONMENT",
                "FILES",
                "EXIT STATUS",
                "EXAMPLES",
                "SEE ALSO",
            ] {
                assert!(
                    text.contains(&format!(".SH \"{section}\""))
                        || text.contains(&format!(".SH {section}")),
                    "{name}: {section}"
                );
            }
            let mut rest = text.as_str();
            while let Some(at) = rest.find("csctl\\-") {
                let cited: String = rest[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `csctl-SUBCOMMAND(1)` is a placeholder, not a page.
                let placeholder = cited.chars().any(|c| c.is_ascii_uppercase());
                if !placeholder && rest[at + 7 + cited.len()..].starts_with("(1)") {
                    assert!(
                        names.contains(&format!("csctl-{cited}")),
                        "{name} cites csctl-{cited}(1)"
                    );
                }
                rest = &rest[at + 7..];
            }
        }
        assert!(page(Some("help")).is_none());
    }
}
