//! The Rhai scripting host: an [`Engine`] with the CloudStack functions
//! (`api`, `list_all`, `wait_jobs`, …) bound to one [`Client`], script
//! arguments, file imports, located error messages and Ctrl-C handling.
//!
//! This is what `csctl run` uses; it is a library module so that other
//! programs can embed it:
//!
//! ```no_run
//! use csctl::client::{Client, ClientConfig, Credentials};
//! use csctl::script::ScriptHost;
//!
//! let runtime = tokio::runtime::Runtime::new().unwrap();
//! let config = ClientConfig::new(
//!     "http://127.0.0.1:8080/client/api",
//!     Credentials::ApiKey { api_key: "KEY".into(), secret_key: "SECRET".into() },
//! );
//! let client = Client::new(config).unwrap();
//! let host = ScriptHost::new(client, runtime.handle().clone());
//! // A second Ctrl-C calls this: ending the process is the program's choice.
//! let _ctrl_c = host.install_ctrl_c_handler(|| std::process::exit(130));
//! let args = vec![("count".to_string(), "3".to_string())];
//! if let Err(error) = host.run_file("scripts/deploy_cluster.rhai".as_ref(), &args) {
//!     eprintln!("{error}");
//! }
//! ```
//!
//! # Threads
//!
//! Rhai evaluates synchronously. Script functions that talk to the cloud
//! drive their future to the end on the thread that evaluates the script,
//! inside the `block_on` of a private current-thread runtime with a
//! connection pool of its own, so **scripts must be run from a thread that
//! is not a runtime worker** (the main thread of a program that builds its
//! runtime itself, or a thread from `spawn_blocking`). The handle given to
//! [`ScriptHost::new`] serves the Ctrl-C listener, and the requests
//! themselves if the private runtime cannot be built; it must be
//! multi-threaded, so that its workers drive I/O meanwhile.
//!
//! # Interruption
//!
//! [`ScriptHost::interrupt`] (what the Ctrl-C handler calls) stops the script
//! at its next step and cancels the requests and waits in flight; the run
//! ends with [`ScriptError::Interrupted`]. Call
//! [`ScriptHost::reset_interrupt`] before running anything else.

mod convert;
mod errors;
mod functions;
pub mod limits;
pub mod memory;
mod progress;
mod resolver;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rhai::{Dynamic, Engine, EvalAltResult, Map, ModuleResolver, Position, Scope, AST};
use tokio_util::sync::CancellationToken;

use crate::client::{Client, WaitOptions};

pub use convert::{dynamic_to_json, json_to_dynamic, map_to_json};
pub use errors::{Diagnostic, Location, ScriptError, SourceMap};
pub use resolver::ScriptResolver;

/// Where a line of script output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// `print` and `print_table`.
    Stdout,
    /// `debug`, and notes from the host.
    Stderr,
}

/// Receives script output, one piece at a time, without its final newline.
pub type OutputSink = Arc<dyn Fn(Stream, &str) + Send + Sync>;

/// The name of the constant map holding the script arguments.
pub const ARGS: &str = "ARGS";

/// Stops a running script: cheap to clone, usable from any thread (a
/// signal handler task, a UI thread).
#[derive(Clone, Debug, Default)]
pub struct Interrupter {
    inner: Arc<InterruptState>,
}

#[derive(Debug, Default)]
struct InterruptState {
    flag: AtomicBool,
    token: Mutex<CancellationToken>,
}

impl Interrupter {
    /// Stops the script at its next step and cancels its requests in flight.
    pub fn interrupt(&self) {
        self.inner.flag.store(true, Ordering::SeqCst);
        self.token().cancel();
    }

    /// Whether [`Interrupter::interrupt`] was called since the last reset.
    pub fn is_interrupted(&self) -> bool {
        self.inner.flag.load(Ordering::SeqCst)
    }

    /// Clears the interruption, so that the next script runs.
    pub fn reset(&self) {
        let mut token = self
            .inner
            .token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *token = CancellationToken::new();
        self.inner.flag.store(false, Ordering::SeqCst);
    }

    /// The token cancelled by the next interruption.
    pub fn token(&self) -> CancellationToken {
        self.inner
            .token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// What the script functions share: the client, the runtime, the
/// interruption state, the arguments and the output.
pub(crate) struct HostState {
    pub(crate) client: Client,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) interrupter: Interrupter,
    pub(crate) args: RwLock<BTreeMap<String, String>>,
    /// The argument names `arg()` was asked for.
    pub(crate) read_args: Mutex<BTreeSet<String>>,
    pub(crate) output: RwLock<OutputSink>,
    pub(crate) wait_options: RwLock<WaitOptions>,
    pub(crate) progress: AtomicBool,
    /// The jobs of the script's previous run (`previous_jobs()`), as the
    /// program that runs it finds them in its job journal: read on the
    /// script's first call only, so that a script that never asks does not
    /// pay for reading a large journal at start-up.
    pub(crate) previous_jobs: Mutex<PreviousJobs>,
    /// Where the script's requests run (see [`LocalRuntime`]).
    local: LocalRuntime,
}

/// A current-thread runtime on which the script's thread drives its own
/// requests inside `block_on`: the connection's I/O then happens on that
/// thread, with no hand-off to a worker thread and back on every call
/// (what that saves: docs/performance.md, "What was changed"). `client`
/// has a connection pool of its own ([`Client::with_own_pool`]), so that
/// no other runtime ever waits on these connections. Everything else
/// (Ctrl-C, an in-process simulator) stays on the multi-threaded runtime.
/// `None` if it could not be built: then `runtime` runs the requests.
struct LocalRuntime(Option<tokio::runtime::Runtime>);

impl LocalRuntime {
    fn new() -> Self {
        Self(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok(),
        )
    }
}

impl Drop for LocalRuntime {
    /// Never blocks, so that a host may be dropped anywhere, even in async code.
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The jobs `previous_jobs()` gives: known, or found on first use.
pub(crate) enum PreviousJobs {
    /// Already known.
    Known(Vec<serde_json::Value>),
    /// Found when the script first asks.
    Later(Box<dyn FnOnce() -> Vec<serde_json::Value> + Send>),
}

impl HostState {
    /// The slot of `previous_jobs()` (a poisoned lock is still usable: it
    /// holds plain data).
    fn previous_jobs_slot(&self) -> std::sync::MutexGuard<'_, PreviousJobs> {
        self.previous_jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The jobs of the previous run, found now if not yet.
    pub(crate) fn previous_jobs(&self) -> Vec<serde_json::Value> {
        let mut slot = self.previous_jobs_slot();
        let jobs = match std::mem::replace(&mut *slot, PreviousJobs::Known(Vec::new())) {
            PreviousJobs::Known(jobs) => jobs,
            PreviousJobs::Later(find) => find(),
        };
        *slot = PreviousJobs::Known(jobs.clone());
        jobs
    }

    /// Runs `future` to completion on the runtime, or stops with
    /// `ErrorTerminated` when the script is interrupted (dropping the
    /// future cancels its requests).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Box<EvalAltResult>> {
        let token = self.interrupter.token();
        self.drive(async move {
            tokio::select! {
                biased;
                () = token.cancelled() => Err(terminated()),
                output = future => Ok(output),
            }
        })?
    }

    /// Runs `future`, which stops by itself on an interruption (it watches
    /// [`Interrupter::token`]), to completion; fails at once if the script
    /// is already interrupted.
    pub(crate) fn drive<F: Future>(&self, future: F) -> Result<F::Output, Box<EvalAltResult>> {
        if self.interrupter.is_interrupted() {
            return Err(terminated());
        }
        Ok(match &self.local.0 {
            Some(local) => local.block_on(future),
            None => self.runtime.block_on(future),
        })
    }

    /// Sends script output to the sink.
    pub(crate) fn emit(&self, stream: Stream, text: &str) {
        let sink = self
            .output
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        sink(stream, text);
    }

    /// The default wait options (`wait_jobs` options override them).
    pub(crate) fn wait_defaults(&self) -> WaitOptions {
        self.wait_options
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn arg(&self, name: &str) -> Option<String> {
        self.read_args
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(name.to_string());
        self.args
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
            .cloned()
    }
}

pub(crate) fn terminated() -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated("interrupted".into(), Position::NONE).into()
}

/// Writes output to the process's stdout and stderr, ignoring a closed pipe.
pub fn standard_output() -> OutputSink {
    Arc::new(|stream, text| {
        use std::io::Write as _;
        match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}").and_then(|()| out.flush());
            }
            Stream::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    })
}

/// A persistent evaluation context, for a REPL: variables, constants and
/// functions defined by one input are visible to the next.
pub struct Session {
    scope: Scope<'static>,
    functions: AST,
    inputs: usize,
}

impl Session {
    /// The variables defined so far (`Scope` implements `Display`).
    pub fn scope(&self) -> &Scope<'static> {
        &self.scope
    }

    /// The script functions defined so far.
    pub fn functions(&self) -> &AST {
        &self.functions
    }
}

/// Forwards `import` resolution to a shared [`ScriptResolver`], so that the
/// host keeps a handle on its cache.
struct SharedResolver(Arc<ScriptResolver>);

impl ModuleResolver for SharedResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        position: Position,
    ) -> Result<rhai::Shared<rhai::Module>, Box<EvalAltResult>> {
        self.0.resolve(engine, source, path, position)
    }
}

/// Stops listening for Ctrl-C when dropped.
pub struct CtrlCGuard {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CtrlCGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What decides whether a script compiles, shared by [`ScriptHost`] and
/// [`check_syntax`].
fn parse_settings(engine: &mut Engine) {
    // Explicit limits: debug builds otherwise allow far less nesting
    // than release builds, and scripts must behave the same in both.
    engine.set_max_call_levels(64);
    engine.set_max_expr_depths(64, 32);
    // No data-size limits of Rhai's (they re-measure a whole value after
    // every call that changes it; docs/performance.md, "Rhai's data-size
    // limits", has the figure). `pad`
    // and `blob` are capped instead, and the memory budget is checked
    // as the script runs (see `limits` and `memory`).
    engine.set_strict_variables(true);
}

/// Compiles script text without running it or needing a cloud: the same
/// syntax errors, located the same way, as [`ScriptHost::run_source`]
/// reports (`csctl run --plan` checks a script before reading the cloud).
pub fn check_syntax(name: &str, text: &str) -> Result<(), ScriptError> {
    let mut engine = Engine::new_raw();
    parse_settings(&mut engine);
    let sources = SourceMap::default();
    sources.insert(name, text);
    let mut scope = Scope::new();
    scope.push_constant(ARGS, rhai::Map::new());
    engine
        .compile_with_scope(&scope, resolver::without_shebang(text))
        .map(drop)
        .map_err(|error| errors::parse_error(&error, name, &sources))
}

/// A Rhai engine bound to one cloud (see the module docs).
pub struct ScriptHost {
    engine: Engine,
    state: Arc<HostState>,
    sources: SourceMap,
    resolver: Arc<ScriptResolver>,
    /// The client given to [`ScriptHost::new`] (the script functions use a
    /// clone of it with its own connection pool).
    client: Client,
}

impl ScriptHost {
    /// A host whose script functions call `client`, running requests on
    /// `runtime` (a multi-threaded runtime; see the module docs).
    pub fn new(client: Client, runtime: tokio::runtime::Handle) -> Self {
        let (local, own) = match (LocalRuntime::new(), client.with_own_pool()) {
            (local @ LocalRuntime(Some(_)), Ok(own)) => (local, own),
            _ => (LocalRuntime(None), client.clone()),
        };
        let state = Arc::new(HostState {
            client: own,
            local,
            runtime,
            interrupter: Interrupter::default(),
            args: RwLock::default(),
            read_args: Mutex::default(),
            output: RwLock::new(standard_output()),
            wait_options: RwLock::new(WaitOptions::default()),
            progress: AtomicBool::new(true),
            previous_jobs: Mutex::new(PreviousJobs::Known(Vec::new())),
        });
        let sources = SourceMap::default();
        let resolver = Arc::new(ScriptResolver::new(sources.clone()));
        let mut engine = Engine::new();
        parse_settings(&mut engine);
        // No optimizer: in rhai 1.27 its constant propagation panics on
        // `const M = #{}; M.x = 1;` (and on `ARGS.x = 1`). The I/O functions
        // are registered volatile anyway, should it be turned on.
        engine.set_optimization_level(rhai::OptimizationLevel::None);
        engine.set_module_resolver(SharedResolver(resolver.clone()));
        let print_state = state.clone();
        engine.on_print(move |text| print_state.emit(Stream::Stdout, text));
        let debug_state = state.clone();
        engine.on_debug(move |text, source, position| {
            let line = match (source, position.line()) {
                (Some(source), Some(line)) => format!("{source}:{line}: {text}"),
                (None, Some(line)) => format!("line {line}: {text}"),
                _ => text.to_string(),
            };
            debug_state.emit(Stream::Stderr, &line);
        });
        let interrupter = state.interrupter.clone();
        engine.on_progress(move |_| {
            if interrupter.is_interrupted() {
                return Some(Dynamic::from("interrupted"));
            }
            // One relaxed atomic load per step: a string doubled at every
            // step must be caught before the machine runs out.
            memory::over_budget().then(|| Dynamic::from(limits::MEMORY_TOKEN))
        });
        functions::register_all(&mut engine, &state);
        limits::register_bounded_printing(&mut engine);
        limits::register_size_guards(&mut engine);
        Self {
            engine,
            state,
            sources,
            resolver,
            client,
        }
    }

    /// The engine, e.g. to list its functions (`gen_fn_signatures`) or to
    /// compile for syntax checks.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, to register more functions or change settings.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The client the script functions call (they share its settings,
    /// session and counters, through a connection pool of their own).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The text of every script and module loaded so far.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Sends `print`, `print_table` and `debug` output to `sink` instead of
    /// stdout and stderr.
    pub fn set_output(&self, sink: impl Fn(Stream, &str) + Send + Sync + 'static) {
        *self
            .state
            .output
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(sink);
    }

    /// Shows (the default) or hides the `wait_jobs` progress bar; it is
    /// shown only when stderr is a terminal anyway.
    pub fn set_progress(&self, enabled: bool) {
        self.state.progress.store(enabled, Ordering::Relaxed);
    }

    /// What `previous_jobs()` gives the script: the jobs its previous run
    /// submitted (e.g. from csctl's job journal), one JSON object each with
    /// at least `jobid` and `command`.
    pub fn set_previous_jobs(&self, jobs: Vec<serde_json::Value>) {
        *self.state.previous_jobs_slot() = PreviousJobs::Known(jobs);
    }

    /// Like [`Self::set_previous_jobs`], but `find` runs only when the
    /// script first calls `previous_jobs()`.
    pub fn set_previous_jobs_with(
        &self,
        find: impl FnOnce() -> Vec<serde_json::Value> + Send + 'static,
    ) {
        *self.state.previous_jobs_slot() = PreviousJobs::Later(Box::new(find));
    }

    /// The defaults of `wait_jobs`, `wait_job` and `api_wait` (a script's
    /// options override them).
    pub fn set_wait_options(&self, options: WaitOptions) {
        *self
            .state
            .wait_options
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = options;
    }

    /// Caches imported modules (the default) or reads them on every
    /// `import`, as a REPL wants after the files are edited.
    pub fn set_module_cache(&self, enabled: bool) {
        self.resolver.set_cache(enabled);
    }

    /// A handle that stops the running script from another thread.
    pub fn interrupter(&self) -> Interrupter {
        self.state.interrupter.clone()
    }

    /// Stops the running script (see [`Interrupter::interrupt`]).
    pub fn interrupt(&self) {
        self.state.interrupter.interrupt();
    }

    /// Clears an interruption so that scripts run again.
    pub fn reset_interrupt(&self) {
        self.state.interrupter.reset();
    }

    /// Listens for Ctrl-C on the runtime and interrupts the script. Ctrl-C
    /// then no longer ends the process by itself; a second one before
    /// [`ScriptHost::reset_interrupt`] calls `on_second`, in case something
    /// does not stop (the binary ends the process there: the library never
    /// exits by itself). Listening ends when the guard is dropped.
    pub fn install_ctrl_c_handler(&self, on_second: impl Fn() + Send + 'static) -> CtrlCGuard {
        let interrupter = self.interrupter();
        // SIGTERM (a CI runner, `timeout`) is treated as Ctrl-C; which one
        // came decides the exit status (130 or 143).
        let _runtime = self.state.runtime.enter();
        let mut signals = crate::interrupt::Signals::new();
        let task = self.state.runtime.spawn(async move {
            loop {
                signals.recv().await;
                if interrupter.is_interrupted() {
                    on_second();
                    continue;
                }
                interrupter.interrupt();
            }
        });
        CtrlCGuard { task }
    }

    /// Runs a script file with `args` (the `ARGS` map and what `arg()`
    /// reads). Its `import`s resolve relative to its directory.
    pub fn run_file(&self, path: &Path, args: &[(String, String)]) -> Result<(), ScriptError> {
        let text = std::fs::read_to_string(path).map_err(|error| ScriptError::Read {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        self.run_source(&path.to_string_lossy(), &text, args)
            .map(drop)
    }

    /// Runs script text; `name` stands for its file in messages and is what
    /// its `import`s resolve against. Returns the value of the last statement.
    pub fn run_source(
        &self,
        name: &str,
        text: &str,
        args: &[(String, String)],
    ) -> Result<Dynamic, ScriptError> {
        self.sources.insert(name, text);
        let mut scope = Scope::new();
        scope.push_constant(ARGS, self.set_args(args));
        let mut ast = self
            .engine
            .compile_with_scope(&scope, resolver::without_shebang(text))
            .map_err(|error| errors::parse_error(&error, name, &self.sources))?;
        ast.set_source(name);
        self.engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
            .map_err(|error| {
                errors::eval_error_with(&error, name, &self.sources, &self.signatures(&ast))
            })
    }

    /// The signatures of every function a script can call: the host's,
    /// Rhai's and the script's own (`name(a, b)`), for error messages.
    fn signatures(&self, ast: &AST) -> Vec<String> {
        let mut all = self.engine.gen_fn_signatures(true);
        all.extend(
            ast.iter_functions()
                .map(|f| format!("{}({})", f.name, f.params.join(", "))),
        );
        all
    }

    /// Which of `args` the last script read: a name counts as read when
    /// `arg()` asked for it, or when a loaded script or module names it
    /// (`ARGS.name`, `ARGS["name"]`, `arg("name"…)`), even in a branch that
    /// did not run.
    pub fn argument_use(&self, args: &[(String, String)]) -> ArgumentUse {
        let mut read = self
            .state
            .read_args
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        for text in self.sources.texts() {
            read.extend(names_read_in(&text));
        }
        let unread = args
            .iter()
            .filter(|(name, _)| !read.contains(name))
            .cloned()
            .collect();
        ArgumentUse {
            read: read.into_iter().collect(),
            unread,
        }
    }

    /// A new persistent context with `args`, for [`ScriptHost::eval_in`].
    pub fn session(&self, args: &[(String, String)]) -> Session {
        let mut scope = Scope::new();
        scope.push_constant(ARGS, self.set_args(args));
        Session {
            scope,
            functions: AST::empty(),
            inputs: 0,
        }
    }

    /// Evaluates one input in `session`, like a REPL line: its variables and
    /// functions stay for later inputs, its statements do not run again.
    /// Messages name the input `<input N>`. Imports resolve against the
    /// working directory.
    pub fn eval_in(&self, session: &mut Session, input: &str) -> Result<Dynamic, ScriptError> {
        session.inputs += 1;
        let name = format!("<input {}>", session.inputs);
        self.sources.insert(&name, input);
        let mut ast = self
            .engine
            .compile_with_scope(&session.scope, input)
            .map_err(|error| errors::parse_error(&error, &name, &self.sources))?;
        ast.set_source(name.as_str());
        // Earlier functions first, so that this input's definitions replace them.
        let mut program = session.functions.merge(&ast);
        program.set_source(name.as_str());
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut session.scope, &program);
        program.clear_statements();
        session.functions = program;
        result.map_err(|error| {
            let mut signatures = self.engine.gen_fn_signatures(true);
            signatures.extend(
                session
                    .functions
                    .iter_functions()
                    .map(|f| format!("{}({})", f.name, f.params.join(", "))),
            );
            errors::eval_error_with(&error, &name, &self.sources, &signatures)
        })
    }

    fn set_args(&self, args: &[(String, String)]) -> Map {
        let mut stored = self
            .state
            .args
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        stored.clear();
        let mut map = Map::new();
        for (name, value) in args {
            stored.insert(name.clone(), value.clone());
            map.insert(name.as_str().into(), Dynamic::from(value.clone()));
        }
        map
    }
}

/// What a script did with its arguments (see [`ScriptHost::argument_use`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArgumentUse {
    /// The argument names the script reads, sorted.
    pub read: Vec<String>,
    /// The arguments given that it never read, in the order given.
    pub unread: Vec<(String, String)>,
}

/// The argument names a script's text reads: `ARGS.name`, `ARGS?.name`,
/// `ARGS["name"]` and `arg("name"…)`.
fn names_read_in(text: &str) -> Vec<String> {
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let quoted = |rest: &str| -> Option<String> {
        let rest = rest.trim_start().strip_prefix('"')?;
        let name = ident(rest);
        rest[name.len()..].starts_with('"').then_some(name)
    };
    let mut names = Vec::new();
    for (at, _) in text.match_indices(ARGS) {
        let rest = &text[at + ARGS.len()..];
        let rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("?.").or_else(|| rest.strip_prefix('.')) {
            names.push(ident(after.trim_start()));
        } else if let Some(after) = rest.strip_prefix("?[").or_else(|| rest.strip_prefix('[')) {
            names.extend(quoted(after));
        }
    }
    for (at, _) in text.match_indices("arg(") {
        let standalone = !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if standalone {
            names.extend(quoted(&text[at + 4..]));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

/// Parses `name=value` script arguments, refusing malformed and repeated
/// names.
pub fn parse_args<S: AsRef<str>>(words: &[S]) -> Result<Vec<(String, String)>, String> {
    let mut args: Vec<(String, String)> = Vec::with_capacity(words.len());
    for (at, word) in words.iter().enumerate() {
        let word = word.as_ref();
        let Some((name, value)) = word.split_once('=') else {
            let name = word.trim_start_matches('-');
            let next = words
                .get(at + 1)
                .map(AsRef::as_ref)
                .filter(|next| !next.contains('=') && !next.starts_with('-'));
            return Err(match next {
                Some(value) => format!(
                    "script argument `{word}` is not name=value: write {name}={}",
                    shell_word(value)
                ),
                None => format!("script argument `{word}` is not name=value: write {name}=VALUE"),
            });
        };
        if name.starts_with('-') {
            return Err(format!(
                "script argument `{word}` is not name=value: write {}={}",
                name.trim_start_matches('-'),
                shell_word(value)
            ));
        }
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(format!(
                "script argument name `{name}` must be letters, digits and `_`, not starting with a digit"
            ));
        }
        if args.iter().any(|(seen, _)| seen == name) {
            return Err(format!("script argument `{name}` is given more than once"));
        }
        args.push((name.to_string(), value.to_string()));
    }
    Ok(args)
}

/// `text` as one shell word, quoted when it needs to be.
fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
