//! Shell completion (bash, zsh, fish, elvish, PowerShell) through clap_complete's dynamic
//! engine: the shell calls csctl back with `CSCTL_COMPLETE=<shell>` and the words of the line,
//! and csctl answers with candidates. Subcommands and flags come from the clap definitions;
//! API names and their parameters come from the built-in catalogue, profiles from the
//! configuration files, scripts from the file system. Nothing contacts a cloud and no
//! `secret_command` runs.

use std::ffi::OsStr;
use std::io::Write;

use clap_complete::engine::{CompletionCandidate, PathCompleter};
use clap_complete::env::{CompleteEnv, Shells};

use crate::cli::Shell;
use csctl::catalog;
use csctl::config::{self, Overrides, Sources};

/// The environment variable that turns a run of csctl into a completion answer.
pub const ENV_VAR: &str = "CSCTL_COMPLETE";

/// Answers a completion request and exits when [`ENV_VAR`] is set; returns
/// at once otherwise (`main` calls it first).
pub fn answer_if_asked() {
    CompleteEnv::with_factory(crate::cli::command)
        .var(ENV_VAR)
        .complete();
}

/// The script to source in `shell`'s start-up file. `completer` is how the
/// shell runs csctl back: as it was invoked (a bare `csctl` is found on
/// `PATH`, a path is made absolute).
pub fn registration(shell: Shell, completer: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let completer = match std::path::Path::new(completer) {
        path if path.components().count() > 1 => std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
            .to_string_lossy()
            .into_owned(),
        _ => completer.to_string(),
    };
    let shells = Shells::builtins();
    let adapter = shells
        .completer(shell.name())
        .ok_or_else(|| std::io::Error::other(format!("no completion for {}", shell.name())))?;
    adapter.write_registration(ENV_VAR, "csctl", "csctl", &completer, out)?;
    if shell == Shell::Bash {
        out.write_all(BASH_QUOTING.as_bytes())?;
    }
    Ok(())
}

/// Laid over clap's bash function: the word being completed is unquoted
/// before csctl sees it (`my\ d` is the path `my d`), and candidates with
/// spaces or shell characters are quoted back (`my\ dir/`), so a path with
/// a space stays one word.
const BASH_QUOTING: &str = r#"
_csctl_complete() {
    local cur="$2"
    cur="${cur#[\"\']}"
    cur="${cur//\\/}"
    _clap_complete_csctl "$1" "$cur" "$3"
    local i
    for i in "${!COMPREPLY[@]}"; do
        if [[ ${COMPREPLY[i]} == *[[:space:]\'\"\$\`\\\(\)\&\;\<\>\|\*\?]* ]]; then
            printf -v "COMPREPLY[$i]" '%q' "${COMPREPLY[i]}"
        fi
    done
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _csctl_complete csctl
else
    complete -o nospace -o bashdefault -F _csctl_complete csctl
fi
"#;

/// API names of the catalogue starting with `current`, in any case
/// (`listz` → `listZones`, `listZonesMetrics`).
pub fn api_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let typed = typed.to_ascii_lowercase();
    catalog::builtin()
        .apis()
        .iter()
        .filter(|api| api.name.to_ascii_lowercase().starts_with(&typed))
        .map(|api| CompletionCandidate::new(api.name.as_ref()))
        .collect()
}

/// `name=` for each parameter of the command on the line (`csctl call
/// deployVirtualMachine zo` → `zoneid=`), required ones first, skipping
/// those already given.
pub fn param_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let words: Vec<String> = std::env::args().collect();
    param_candidates(&words, typed)
}

/// [`param_names`] for the words of a completion request (`csctl -- csctl
/// call listZones …`).
pub fn param_candidates(words: &[String], typed: &str) -> Vec<CompletionCandidate> {
    if typed.contains('=') {
        return Vec::new();
    }
    let Some((api, given)) = command_on_line(words) else {
        return Vec::new();
    };
    let catalog = catalog::builtin();
    let Some(api) = catalog.find(&api) else {
        return Vec::new();
    };
    let typed = typed.to_ascii_lowercase();
    catalog::describe::params_in_order(api)
        .into_iter()
        .filter(|param| param.name.to_ascii_lowercase().starts_with(&typed))
        .filter(|param| {
            !given.iter().any(|word| {
                word.split_once('=')
                    .is_some_and(|(name, _)| name.eq_ignore_ascii_case(&param.name))
            })
        })
        .map(|param| {
            CompletionCandidate::new(format!("{}=", param.name))
                .help(Some(param.kind.as_str().into()))
        })
        .collect()
}

/// The API command of a `call` or `sign` line and the `name=value` words
/// after it, from the words of a completion request: the first word after
/// the subcommand that is neither a flag nor a flag's value.
fn command_on_line(words: &[String]) -> Option<(String, Vec<String>)> {
    // The request is `csctl -- csctl <words>`: the line starts after `--`.
    let start = words
        .iter()
        .position(|word| word == "--")
        .map_or(0, |at| at + 1);
    let line = joined_at_equals(words.get(start + 1..)?);
    let line = line.as_slice();
    let root = crate::cli::command();
    let takes_value = |sub: &clap::Command, word: &str| {
        let flag = word.split_once('=').map_or(word, |(flag, _)| flag);
        if word.contains('=') {
            return false;
        }
        root.get_arguments()
            .chain(sub.get_arguments())
            .filter(|arg| arg.get_action().takes_values())
            .any(|arg| {
                flag.strip_prefix("--")
                    .is_some_and(|long| arg.get_long() == Some(long))
                    || (flag.len() == 2
                        && flag.starts_with('-')
                        && arg.get_short() == flag.chars().nth(1))
            })
    };
    let at = line
        .iter()
        .position(|word| word == "call" || word == "sign")?;
    let sub = root.find_subcommand(&line[at])?;
    let mut rest = line[at + 1..].iter();
    let mut skip_value = false;
    let mut command = None;
    let mut given = Vec::new();
    for word in rest.by_ref() {
        if skip_value {
            skip_value = false;
        } else if word.starts_with('-') {
            skip_value = takes_value(sub, word);
        } else if command.is_none() {
            command = Some(word.clone());
        } else {
            given.push(word.clone());
        }
    }
    Some((command?, given))
}

/// The words of a line with bash's `=` splits undone: bash breaks words at
/// the characters of `COMP_WORDBREAKS` (`=` among them), so `zoneid=x`
/// arrives as `zoneid`, `=`, `x`; a parameter already given must still be
/// seen as given.
fn joined_at_equals(words: &[String]) -> Vec<String> {
    let mut joined: Vec<String> = Vec::with_capacity(words.len());
    let mut glue_next = false;
    for word in words {
        if word == "=" && !joined.is_empty() {
            if let Some(last) = joined.last_mut() {
                last.push('=');
            }
            glue_next = true;
        } else if glue_next {
            if let Some(last) = joined.last_mut() {
                last.push_str(word);
            }
            glue_next = false;
        } else {
            joined.push(word.clone());
        }
    }
    joined
}

/// Field names of the answer of the command on the line, from the
/// catalogue (`csctl call listZones --fields na` → `name`), for
/// `--fields a,b` and `--fields '!a'`: what is already typed before the
/// last comma is kept, a `!` is kept, fields already named are skipped.
pub fn field_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let words: Vec<String> = std::env::args().collect();
    field_candidates(&words, typed)
}

/// [`field_names`] for the words of a completion request.
pub fn field_candidates(words: &[String], typed: &str) -> Vec<CompletionCandidate> {
    let Some((api, _)) = command_on_line(words) else {
        return Vec::new();
    };
    let catalog = catalog::builtin();
    let Some(api) = catalog.find(&api) else {
        return Vec::new();
    };
    let (done, last) = typed
        .rsplit_once(',')
        .map_or(("", typed), |(done, last)| (done, last));
    let (bang, last) = last
        .strip_prefix('!')
        .map_or(("", last), |rest| ("!", rest));
    let named: Vec<String> = done
        .split(',')
        .map(|name| name.trim_start_matches('!').to_ascii_lowercase())
        .collect();
    let prefix = if done.is_empty() {
        String::new()
    } else {
        format!("{done},")
    };
    let last = last.to_ascii_lowercase();
    api.response
        .fields()
        .iter()
        .filter(|field| field.name.to_ascii_lowercase().starts_with(&last))
        .filter(|field| !named.contains(&field.name.to_ascii_lowercase()))
        .map(|field| CompletionCandidate::new(format!("{prefix}{bang}{}", field.name)))
        .collect()
}

/// Subcommands that have a manual page (`csctl man ca` → `call`).
pub fn page_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    crate::cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .filter(|sub| sub.get_name().starts_with(typed.as_ref()))
        .map(|sub| {
            CompletionCandidate::new(sub.get_name().to_string()).help(sub.get_about().cloned())
        })
        .collect()
}

/// Profile names from the configuration files (csctl's, cloudmonkey's, cs's).
pub fn profile_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    config::list_profiles_for(&Overrides::default(), &Sources::from_process())
        .unwrap_or_default()
        .into_iter()
        .filter(|profile| !profile.shadowed && profile.name.starts_with(typed.as_ref()))
        .map(|profile| CompletionCandidate::new(profile.name))
        .collect()
}

/// `.rhai` files (and directories to look into).
pub fn scripts() -> PathCompleter {
    PathCompleter::any().filter(|path| path.extension().is_some_and(|ext| ext == "rhai"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(candidates: Vec<CompletionCandidate>) -> Vec<String> {
        candidates
            .into_iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    fn line(words: &str) -> Vec<String> {
        ["csctl", "--", "csctl"]
            .into_iter()
            .chain(words.split_whitespace())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn api_names_complete_in_any_case() {
        assert_eq!(
            values(api_names(OsStr::new("listzo"))),
            ["listZones", "listZonesMetrics"]
        );
        assert!(values(api_names(OsStr::new(""))).len() >= 917);
    }

    #[test]
    fn parameters_of_the_command_on_the_line_complete() {
        let names = |words: &str, typed: &str| values(param_candidates(&line(words), typed));
        assert_eq!(names("call deployVirtualMachine", "zo"), ["zoneid="]);
        let all = names("-p lab call -o table deployvirtualmachine", "");
        assert_eq!(&all[..2], ["serviceofferingid=", "zoneid="]);
        assert!(!names("call deployVirtualMachine zoneid=z", "").contains(&"zoneid=".into()));
        assert_eq!(names("sign --sim-seed 4 listZones", "nam"), ["name="]);
        assert!(names("call", "").is_empty());
        assert!(names("call pluginThing", "").is_empty());
        assert!(names("call listZones", "name=x").is_empty());
        // bash splits `zoneid=z` at `=`: still given.
        let split = line("call deployVirtualMachine zoneid = z");
        assert!(!values(param_candidates(&split, "zo")).contains(&"zoneid=".into()));
    }

    #[test]
    fn fields_of_the_answer_complete_with_commas_and_bangs() {
        let names = |words: &str, typed: &str| values(field_candidates(&line(words), typed));
        assert!(names("call listZones --fields", "na").contains(&"name".to_string()));
        assert!(
            names("call listZones --fields", "name,netw").contains(&"name,networktype".to_string())
        );
        assert!(names("call listZones --fields", "!na").contains(&"!name".to_string()));
        assert!(!names("call listZones --fields", "name,").contains(&"name,name".to_string()));
        assert!(names("call --fields", "na").is_empty());
    }
}
