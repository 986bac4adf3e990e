//! The functions scripts call, one file per group:
//!
//! - [`api`]: `api`, `api_wait`, `list_all`, `sign`, `signed_url`;
//! - [`jobs`]: `wait_jobs`, `wait_job`;
//! - [`ensure`]: `ensure`, `ensure_all`, `ensure_rules` (scripts that can be run again);
//! - [`util`]: `arg`, `sleep`, `env`, `now`, `to_json`, `parse_json`, `print_table`.
//!
//! Every function that does I/O is registered volatile, so that the
//! optimizer never runs it at compile time. Errors a script should be able
//! to handle are thrown as maps (`catch (e)` binds the map), with at least a
//! `message` field; Ctrl-C ends the script with `ErrorTerminated`, which no
//! `catch` stops.

mod api;
mod ensure;
mod jobs;
mod util;

use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, Map, Position};

use super::HostState;
use crate::client::{ClientError, Params};

/// What a script function returns.
pub(crate) type FnResult<T> = Result<T, Box<EvalAltResult>>;

/// Registers every script function into `engine`.
pub(crate) fn register_all(engine: &mut Engine, state: &Arc<HostState>) {
    api::register(engine, state);
    jobs::register(engine, state);
    ensure::register(engine, state);
    util::register(engine, state);
}

/// A catchable error carrying `value` (what `catch (e)` binds).
pub(crate) fn throw(value: impl Into<Dynamic>) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(value.into(), Position::NONE).into()
}

/// A thrown map `#{error: kind, message}` plus `fields`.
pub(crate) fn throw_map(kind: &str, message: String, fields: Map) -> Box<EvalAltResult> {
    let mut map = fields;
    map.insert("error".into(), kind.into());
    map.insert("message".into(), message.into());
    throw(map)
}

/// A client error as what a script sees: an API error is a map with
/// `errorcode`, `cserrorcode`, `errortext`, `command`, `http_status` and
/// `message`; other failures a map with `error` and `message`; Ctrl-C ends
/// the script.
pub(crate) fn client_error(error: ClientError) -> Box<EvalAltResult> {
    let message = error.to_string();
    let mut fields = Map::new();
    let kind = match error {
        ClientError::Cancelled => return super::terminated(),
        ClientError::UnknownCommand {
            source: api,
            suggestions,
        } => {
            fields.insert(
                "suggestions".into(),
                Dynamic::from_array(suggestions.into_iter().map(Dynamic::from).collect()),
            );
            api_fields(&mut fields, api);
            "api"
        }
        ClientError::Api(api) => {
            api_fields(&mut fields, api);
            "api"
        }
        ClientError::JobFailed {
            jobid,
            errorcode,
            errortext,
        } => {
            fields.insert("jobid".into(), jobid.into());
            fields.insert("errorcode".into(), Dynamic::from_int(errorcode));
            fields.insert("errortext".into(), errortext.into());
            "job"
        }
        ClientError::Transport { command, .. }
        | ClientError::NotJson { command, .. }
        | ClientError::InvalidJson { command, .. }
        | ClientError::MissingResponse { command, .. }
        | ClientError::MaybeApplied { command, .. }
        | ClientError::RedirectRefused { command, .. }
        | ClientError::TooManyRedirects { command, .. }
        | ClientError::TooLarge { command, .. } => {
            fields.insert("command".into(), command.into());
            "transport"
        }
        ClientError::Params(_) | ClientError::Reserved(_) => "params",
        _ => "client",
    };
    throw_map(kind, message, fields)
}

fn api_fields(fields: &mut Map, api: crate::client::ApiError) {
    fields.insert("errorcode".into(), Dynamic::from_int(api.errorcode));
    fields.insert(
        "cserrorcode".into(),
        api.cserrorcode.map_or(Dynamic::UNIT, Dynamic::from_int),
    );
    fields.insert("errortext".into(), api.errortext.into());
    fields.insert("command".into(), api.command.into());
    fields.insert(
        "http_status".into(),
        Dynamic::from_int(i64::from(api.http_status)),
    );
}

/// Runs one API call of `command` for a script. When the script is
/// interrupted while a state-changing call is in flight, says on stderr
/// that it may have been applied and how to check.
pub(crate) fn block_on_call<T>(
    state: &crate::script::HostState,
    command: &str,
    future: impl std::future::Future<Output = T>,
) -> Result<T, Box<EvalAltResult>> {
    let already = state.interrupter.is_interrupted();
    state.block_on(future).map_err(|error| {
        if already {
            error
        } else {
            interrupted_in_flight(state, command)
        }
    })
}

/// Ends a script interrupted while the call of `command` was in flight;
/// for a state-changing call, first says on stderr that it may have been
/// applied and how to check.
pub(crate) fn interrupted_in_flight(
    state: &crate::script::HostState,
    command: &str,
) -> Box<EvalAltResult> {
    if !crate::client::retry::is_read_only(command) {
        state.emit(
            crate::script::Stream::Stderr,
            &format!(
                "csctl: interrupted: {}",
                crate::interrupt::in_flight_note(command)
            ),
        );
    }
    super::terminated()
}

/// A script map of API arguments as request parameters (maps, arrays,
/// booleans and numbers flattened as the client does).
pub(crate) fn params_of(args: &Map, function: &str) -> FnResult<Params> {
    let json = super::convert::map_to_json(args, "args")
        .map_err(|reason| throw_map("params", format!("{function}: {reason}"), Map::new()))?;
    Params::from_json_map(&json)
        .map_err(|error| throw_map("params", format!("{function}: {error}"), Map::new()))
}
