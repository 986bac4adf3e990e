//! Integration tests: one binary, one module per area. They run the real
//! `csctl` binary and talk HTTP to the simulator on 127.0.0.1.

mod architecture;
mod catalog;
mod cli_call;
mod cli_config;
mod cli_errors;
mod cli_login;
mod cli_output;
mod cli_query;
#[cfg(unix)] // runs bash
mod cli_shell;
mod cli_tls;
mod docs_examples;
mod errors_teach;
mod hostile;
mod network;
mod perf_paths;
mod plan_exact;
mod plan_matches_run;
mod rehearsal;
mod reliability;
#[cfg(unix)]
mod repl_complete;
#[cfg(unix)]
mod repl_interrupt;
mod repl_piped;
#[cfg(unix)] // pseudo-terminal tests (rexpect)
mod repl_pty;
#[cfg(unix)]
mod repl_start;
mod script_bad_input;
mod script_bundled;
mod script_ensure;
mod script_errors;
mod script_helpers;
#[cfg(unix)] // real shells on a pseudo-terminal (tmux)
mod shell_tty;
mod signing;
mod sim_auth;
mod sim_catalogue;
mod sim_commands;
mod sim_faults;
mod sim_jobs;
mod sim_paging;
mod sim_round_trip;
mod sim_semantics;
mod sim_templates;
mod sim_tenants;
mod soak;
mod support;
