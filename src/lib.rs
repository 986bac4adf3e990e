//! csctl: a scripting host and simulator for the Apache CloudStack API, as
//! a library for programs that embed them. The `csctl` binary (command line,
//! REPL, snapshots, error reporting) is built on this and is not part of it.
//!
//! The public surface is what embedding needs:
//!
//! - [`script::ScriptHost`]: runs Rhai scripts that call the API (`api`,
//!   `wait_jobs`, `list_all`, `sign`…) with a [`client::Client`].
//! - [`client`]: request signing ([`client::sign`]), the HTTP client, async
//!   jobs and paging.
//! - [`sim`]: the embedded CloudStack simulator, to run and test all of it
//!   offline.
//!
//! And what those three are made of, public because they appear in their
//! signatures or are useful beside them:
//!
//! - [`catalog`]: the whole CloudStack API (commands, parameters, answers),
//!   known offline.
//! - [`config`]: profiles, environment and flags resolved into a
//!   [`client::ClientConfig`], the way `csctl` does it.
//! - [`output`]: JSON, JSON Lines, table, column and CSV rendering of answers.
//! - [`interrupt`]: Ctrl-C and SIGTERM, shared by the script host and the
//!   binary.
//! - [`terminal_text`]: the one rule of what a terminal could act on, for
//!   every line written to stderr and every cell of the output.

#![warn(missing_docs)]

pub mod catalog;
pub mod client;
pub mod config;
pub mod interrupt;
pub mod output;
pub mod script;
pub mod sim;
pub mod terminal_text;
