//! csctl: a scripting host, REPL and simulator for the Apache CloudStack API.
//!
//! The crate is laid out by concern:
//!
//! - [`catalog`]: the whole CloudStack API (commands, parameters, answers), known offline.
//! - [`client`]: request signing, parameters, the HTTP client, async jobs.
//! - [`config`]: profiles, environment and flags resolved into a client configuration.
//! - [`sim`]: the embedded CloudStack simulator.
//! - [`script`]: the Rhai scripting host behind `csctl run` (embeddable).
//! - [`repl`]: the interactive shell behind `csctl repl`.
//! - [`output`]: JSON, JSON Lines, table and CSV rendering.
//! - [`cli`] and [`commands`]: the command line and what each subcommand does;
//!   [`completion`]: shell completion.
//! - [`error`]: the one place where errors become user messages and exit codes.

#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod client;
pub mod commands;
pub mod completion;
pub mod config;
pub mod error;
pub mod interrupt;
pub mod output;
pub mod repl;
pub mod script;
pub mod sim;
pub mod snapshot;
mod terminal_text;
