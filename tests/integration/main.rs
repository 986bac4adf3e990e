//! Integration tests: one binary, one module per area. They run the real
//! `csctl` binary and talk HTTP to the simulator on 127.0.0.1.

mod support;
mod signing;
mod sim_auth;
mod sim_commands;
mod sim_faults;
mod sim_jobs;
mod sim_paging;
mod script_helpers;
mod script_bundled;
mod script_errors;
mod cli_call;
mod cli_config;
mod cli_errors;
