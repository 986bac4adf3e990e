//! `api`, `api_wait`, `list_all`, `sign` and `signed_url`.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map};

use super::{block_on_call, client_error, params_of, throw_map, FnResult};
use crate::client::{self, CallAndWaitError, ClientError, ListOptions, Params};
use crate::script::convert::{decode_answer, json_to_dynamic};
use crate::script::progress::JobsProgress;
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
            list(&s, command, &Map::new(), &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("list_all")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "Array"])
        .with_comments(["/// Every item of list `command` with `args` across all pages, as an array.\n/// Stops on an empty or short page or at `count`, and on a server that ignores `page`."])
        .register_into_engine(engine, move |command: &str, args: Map| -> FnResult<Array> {
            list(&s, command, &args, &Map::new())
        });
    let s = state.clone();
    FuncRegistration::new("list_all")
        .with_volatility(true)
        .with_params_info(["command: &str", "args: Map", "options: Map", "Array"])
        .with_comments(["/// `list_all(command, args)` with options: `concurrency` (pages requested at once once the\n/// first page gives the count; default 5, 1 fetches them one after another)."])
        .register_into_engine(
            engine,
            move |command: &str, args: Map, options: Map| -> FnResult<Array> {
                list(&s, command, &args, &options)
            },
        );

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
    let answer = block_on_call(
        state,
        command,
        state.client.call_with(command, &params, decode_answer),
    )?
    .map_err(client_error)?;
    // The job journal hears of the job as it would from `Client::call`.
    if let Some(jobid) = answer
        .read_lock::<Map>()
        .and_then(|map| map.get("jobid").cloned())
    {
        let jobid = serde_json::Value::String(jobid.to_string());
        state
            .client
            .note_submitted(command, &params, &serde_json::json!({ "jobid": jobid }));
    }
    Ok(answer)
}

fn call_and_wait(state: &HostState, command: &str, args: &Map) -> FnResult<Dynamic> {
    let params = params_of(args, "api_wait")?;
    let options = state.wait_defaults();
    let enabled = state.progress.load(std::sync::atomic::Ordering::Relaxed);
    let bar = std::sync::OnceLock::new();
    let progress = |_: &str, counts| {
        bar.get_or_init(|| JobsProgress::new(1, enabled))
            .update(counts);
    };
    let token = state.interrupter.token();
    let waited = state.drive(state.client.call_and_wait(
        command,
        &params,
        &options,
        &progress,
        token.cancelled(),
    ))?;
    drop(bar);
    match waited {
        Ok(value) => Ok(json_to_dynamic(&value)),
        Err(CallAndWaitError::Call(ClientError::Cancelled)) => {
            Err(super::interrupted_in_flight(state, command))
        }
        Err(CallAndWaitError::Call(error)) => Err(client_error(error)),
        Err(CallAndWaitError::Cancelled { jobid }) => {
            Err(super::jobs::interrupted_wait(state, command, &[jobid]))
        }
        Err(CallAndWaitError::Job { outcome, timeout }) => {
            Err(super::jobs::job_failure(&outcome, timeout, command))
        }
    }
}

fn list(state: &HostState, command: &str, args: &Map, options: &Map) -> FnResult<Array> {
    let params = params_of(args, "list_all")?;
    let mut list_options = ListOptions::default();
    for (key, value) in options {
        match (key.as_str(), value.as_int()) {
            ("concurrency", Ok(count)) if (1..=64).contains(&count) => {
                list_options.concurrency = count as usize;
            }
            ("concurrency", _) => {
                return Err(throw_map(
                    "params",
                    format!("list_all: option `concurrency` must be a whole number from 1 to 64, not {value:?}"),
                    Map::new(),
                ))
            }
            (other, _) => {
                return Err(throw_map(
                    "params",
                    format!("list_all: unknown option `{other}` (the option is concurrency)"),
                    Map::new(),
                ))
            }
        }
    }
    // Each page becomes Rhai values as it arrives: the JSON of the whole
    // list is never held at once.
    let mut items = Array::new();
    state
        .block_on(client::for_each_page(
            &state.client,
            command,
            &params,
            &list_options,
            |_, page| {
                items.extend(page.iter().map(json_to_dynamic));
                Ok(())
            },
        ))?
        .map_err(client_error)?;
    Ok(items)
}

fn signature(state: &HostState, params: &Map) -> FnResult<String> {
    let params: Params = params_of(params, "sign")?;
    let signer = state.client.signer().map_err(|_| {
        throw_map(
            "params",
            "sign: signing needs API-key credentials, not a password login".into(),
            Map::new(),
        )
    })?;
    Ok(signer.signature(params.pairs()))
}

fn signed_url(state: &HostState, command: &str, args: &Map) -> FnResult<String> {
    let params = params_of(args, "signed_url")?;
    state
        .client
        .signed_url(command, &params)
        .map_err(client_error)
}
