//! `csctl completions SHELL` and `csctl man [SUBCOMMAND]`: what a shell and
//! `man` need, generated from the clap definitions.

use super::print_stdout;
use crate::cli::{CompletionsArgs, ManArgs};
use crate::error::Error;

/// Prints the completion script of a shell.
pub fn completions(args: &CompletionsArgs) -> Result<(), Error> {
    let invoked = std::env::args().next().unwrap_or_else(|| "csctl".into());
    let mut script = Vec::new();
    crate::completion::registration(args.shell, &invoked, &mut script)
        .map_err(|error| Error::Io(format!("cannot write the completion script: {error}")))?;
    print_stdout(&String::from_utf8_lossy(&script))
}

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

/// The names of every manual page: `csctl`, `csctl-call`, …
pub fn page_names() -> Vec<String> {
    let mut names = vec!["csctl".to_string()];
    names.extend(
        crate::cli::command()
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
            .map(|sub| format!("csctl-{}", sub.get_name())),
    );
    names
}

/// The roff text of csctl(1) (`None`) or of a subcommand's page; `None`
/// for a subcommand that does not exist.
pub fn page(subcommand: Option<&str>) -> Option<String> {
    let root = crate::cli::command();
    let command = match subcommand {
        None => root,
        Some(name) => {
            let sub = root.find_subcommand(name)?.clone();
            let name = sub.get_name().to_string();
            sub.name(format!("csctl-{name}"))
                .bin_name(format!("csctl {name}"))
                .display_name(format!("csctl-{name}"))
        }
    };
    let mut text = Vec::new();
    clap_mangen::Man::new(command).render(&mut text).ok()?;
    String::from_utf8(text).ok()
}
