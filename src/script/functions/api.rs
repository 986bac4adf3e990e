//! `api`, `api_wait`, `list_all`, `sign` and `signed_url`.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map};

use super::{client_error, params_of, throw_map, FnResult};
use crate::client::{self, http::encode_form, sign, Credentials, Params};
use crate::script::convert::json_to_dynamic;
use crate::script::HostState;

pub(crate) fn register(engine: &mut Engine, state: &Arc<HostState>) {
    let s = state.clone();
    FuncRegistration::new("api")
        .with_volatility(true)
        .with_params_info(["command: &str", "Map"])
        .with_comments(["/// Calls API `command` without arguments and returns the unwrapped response.\n/// An API error throws a map: `errorcode`, `cserrorcode`, `errortext`, `command`, `http_status`, `message`."])
        .register_into_engine(engine, move |command: &str| -> FnResult<Dynamic> {
            call(&s, command, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("api")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "Map"])
        .with_comments(["/// Calls API `command` with `args` (maps, arrays, booleans and numbers are flattened)\n/// and returns the unwrapped response, e.g. `#{count: 1, zone: [...]}` or `#{id, jobid}`.\n/// An API error throws a map: `errorcode`, `cserrorcode`, `errortext`, `command`, `http_status`, `message`."])
        .register_into_engine(engine, move |command: &str, args: Map| -> FnResult<Dynamic> {
            call(&s, command, &args)
        });

    let s = state.clone();
    FuncRegistration::new("api_wait")
        .with_volatility(true)
        .with_params_info(["command: &str", "Dynamic"])
        .with_comments([
            "/// Calls an async API `command` and waits for its job; returns the job result.",
        ])
        .register_into_engine(engine, move |command: &str| -> FnResult<Dynamic> {
            call_and_wait(&s, command, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("api_wait")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "Dynamic"])
        .with_comments(["/// Calls an async API `command` with `args` and waits for its job; returns the job result\n/// (e.g. `#{virtualmachine: #{...}}`). A failed job throws a map with `jobid`, `errorcode`, `errortext`.\n/// A command that is not async returns its response as `api` does."])
        .register_into_engine(engine, move |command: &str, args: Map| -> FnResult<Dynamic> {
            call_and_wait(&s, command, &args)
        });

    let s = state.clone();
    FuncRegistration::new("list_all")
        .with_volatility(true)
        .with_params_info(["command: &str", "Array"])
        .with_comments(["/// Every item of list `command` across all pages, as an array."])
        .register_into_engine(engine, move |command: &str| -> FnResult<Array> {
            list(&s, command, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("list_all")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "Array"])
        .with_comments(["/// Every item of list `command` with `args` across all pages, as an array.\n/// Stops on an empty or short page or at `count`, and on a server that ignores `page`."])
        .register_into_engine(engine, move |command: &str, args: Map| -> FnResult<Array> {
            list(&s, command, &args)
        });

    // A second argument that is not a map gets a clear message instead of
    // Rhai's "function not found".
    for function in ["api", "api_wait", "list_all", "signed_url"] {
        FuncRegistration::new(function)
            .with_params_info(["command: &str", "args: Dynamic", "Dynamic"])
            .register_into_engine(engine, move |_: &str, args: Dynamic| -> FnResult<Dynamic> {
                Err(throw_map(
                    "params",
                    format!(
                        "{function}: the arguments must be a map such as #{{ zoneid: \"…\" }}, not {}",
                        args.type_name()
                    ),
                    Map::new(),
                ))
            });
    }

    let s = state.clone();
    FuncRegistration::new("sign")
        .with_params_info(["params: Map", "String"])
        .with_comments(["/// The signature of `params` (all of them, e.g. `command`, `apiKey`, `response`) with the\n/// current secret key, as the server computes it."])
        .register_into_engine(engine, move |params: Map| -> FnResult<String> { signature(&s, &params) });

    let s = state.clone();
    FuncRegistration::new("signed_url")
        .with_volatility(true)
        .with_params_info(["command: &str", "String"])
        .with_comments(["/// A signed GET URL for `command` (valid until its `expires`)."])
        .register_into_engine(engine, move |command: &str| -> FnResult<String> {
            signed_url(&s, command, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("signed_url")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "String"])
        .with_comments([
            "/// A signed GET URL for `command` with `args` (valid until its `expires`).",
        ])
        .register_into_engine(
            engine,
            move |command: &str, args: Map| -> FnResult<String> { signed_url(&s, command, &args) },
        );
}

fn call(state: &HostState, command: &str, args: &Map) -> FnResult<Dynamic> {
    let params = params_of(args, "api")?;
    let answer = state
        .block_on(state.client.call(command, &params))?
        .map_err(client_error)?;
    Ok(json_to_dynamic(&answer))
}

fn call_and_wait(state: &HostState, command: &str, args: &Map) -> FnResult<Dynamic> {
    let params = params_of(args, "api_wait")?;
    let answer = state
        .block_on(state.client.call(command, &params))?
        .map_err(client_error)?;
    let Some(jobid) = state.client.job_to_wait(command, &answer) else {
        return Ok(json_to_dynamic(&answer));
    };
    let options = state.wait_defaults();
    super::jobs::wait_one(state, &jobid, &options, command)
}

fn list(state: &HostState, command: &str, args: &Map) -> FnResult<Array> {
    let params = params_of(args, "list_all")?;
    let all = state
        .block_on(client::list_all(&state.client, command, &params))?
        .map_err(client_error)?;
    Ok(all.items.iter().map(json_to_dynamic).collect())
}

fn signature(state: &HostState, params: &Map) -> FnResult<String> {
    let params: Params = params_of(params, "sign")?;
    let config = state.client.config();
    let Credentials::ApiKey { secret_key, .. } = &config.credentials else {
        return Err(throw_map(
            "params",
            "sign: signing needs API-key credentials, not a password login".into(),
            Map::new(),
        ));
    };
    Ok(sign::sign(
        params.pairs(),
        secret_key,
        config.signature_algorithm,
    ))
}

fn signed_url(state: &HostState, command: &str, args: &Map) -> FnResult<String> {
    let params = params_of(args, "signed_url")?;
    let pairs = state
        .client
        .signed_pairs(command, &params)
        .map_err(client_error)?;
    let endpoint = &state.client.config().endpoint;
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Ok(format!("{endpoint}{separator}{}", encode_form(&pairs)))
}
