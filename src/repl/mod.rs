//! `csctl repl`: an interactive shell for API calls and Rhai.
//!
//! Each line is one of three things, tried in this order:
//!
//! 1. a REPL command, `:help`, `:sync`, `:set output table`… (their own
//!    namespace, so they never hide an API such as `syncStoragePool`);
//! 2. a shorthand API call, `listVirtualMachines state=Running` (see
//!    [`shorthand`]), whose result is printed and kept in `_`;
//! 3. Rhai, evaluated by the script host in one persistent session, so
//!    variables and functions stay defined from line to line.
//!
//! One concern per file: [`catalog`] (the `listApis` catalogue and its
//! cache), `complete` (the line editor's helper), `values` (id values for
//! completion), `call` (running a shorthand call), `commands` (the `:`
//! commands), `render` (output), `rhai_input` (`_`, multi-line input).
//!
//! The loop runs on the main thread, outside the tokio runtime: requests
//! run on the runtime through `Handle::block_on`, and Ctrl-C, caught by a
//! signal task on the runtime, interrupts the call, wait or script in
//! progress through the script host's [`Interrupter`].

mod call;
pub mod catalog;
mod commands;
mod complete;
pub(crate) mod private;
mod render;
mod rhai_input;
pub mod shorthand;
mod state;
mod values;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rhai::{Dynamic, FuncRegistration};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Cmd, CompletionType, Config, Editor, EventHandler, KeyCode, KeyEvent, Modifiers};
use serde_json::Value;

use crate::error::Error;
use csctl::client::{self, Client, Params};
use csctl::config::Overrides;
use csctl::output::Format;
use csctl::script::{
    dynamic_to_json, json_to_dynamic, Interrupter, ScriptError, ScriptHost, Session,
};
use csctl::sim::RunningSim;

use catalog::LiveApis;
use complete::ReplHelper;
use rhai_input::LAST_VAR;
use shorthand::Parsed;
use state::{Names, Shared};

/// How long fetching the catalogue may take before the REPL goes on without it.
const CATALOG_BUDGET: Duration = Duration::from_secs(30);
/// How long the start-up check of a cached catalogue's endpoint may take.
const PROBE_BUDGET: Duration = Duration::from_secs(5);
/// A cached catalogue older than this gets a reminder of `:sync`.
const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The native function that hands the last result to the session.
const LAST_FN: &str = "__repl_last";

/// What the REPL talks to.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The profile it comes from, if any.
    pub profile: Option<String>,
    /// The embedded simulator (`--sim`), kept running while the REPL runs.
    pub sim: Option<RunningSim>,
}

/// Settings from the command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The global flags, for `:profile` (which resolves a profile again).
    pub overrides: Overrides,
}

/// Runs the REPL until `:quit` or Ctrl-D. Call from outside the runtime.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    connection: Connection,
    options: Options,
) -> Result<(), Error> {
    let mut repl = Repl::new(runtime.handle().clone(), connection, options)?;
    repl.start();
    let result = repl.read_loop();
    repl.ctrl_c.abort();
    result
}

/// What to do after a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Quit,
}

/// The REPL's state.
pub(crate) struct Repl {
    runtime: tokio::runtime::Handle,
    host: ScriptHost,
    session: Session,
    shared: Arc<Shared>,
    profile: Option<String>,
    sim: Option<RunningSim>,
    format: Format,
    last: Arc<Mutex<Dynamic>>,
    interrupter: Arc<RwLock<Interrupter>>,
    ctrl_c: tokio::task::JoinHandle<()>,
    editor: Editor<ReplHelper, DefaultHistory>,
    history: Option<PathBuf>,
    host_functions: Vec<String>,
}

impl Repl {
    fn new(
        runtime: tokio::runtime::Handle,
        connection: Connection,
        options: Options,
    ) -> Result<Self, Error> {
        let last = Arc::new(Mutex::new(Dynamic::UNIT));
        let host = new_host(connection.client.clone(), &runtime, &last);
        let interrupter = Arc::new(RwLock::new(host.interrupter()));
        let ctrl_c = listen_for_ctrl_c(&runtime, interrupter.clone());
        let mut session = host.session(&[]);
        if let Err(error) = host.eval_in(&mut session, &format!("let {LAST_VAR} = ();")) {
            return Err(Error::Script(error.to_string()));
        }
        let shared = Arc::new(Shared {
            runtime: runtime.clone(),
            client: RwLock::new(connection.client),
            values: values::ValueCache::default(),
            names: RwLock::new(Names::default()),
            colour: render::colour_enabled(),
            overrides: options.overrides,
        });
        let editor = new_editor(shared.clone())?;
        let host_functions = function_names(&host);
        let mut repl = Self {
            runtime,
            host,
            session,
            shared,
            profile: connection.profile,
            sim: connection.sim,
            format: Format::Json,
            last,
            interrupter,
            ctrl_c,
            editor,
            history: history_path(),
            host_functions,
        };
        repl.load_history();
        repl.update_names();
        Ok(repl)
    }

    /// The banner, then the catalogue (from the cache, or fetched).
    fn start(&mut self) {
        note(&format!(
            "csctl repl — connected to {} ({}); :help for help, Ctrl-D to quit",
            self.shared.client().config().endpoint,
            self.describe_target()
        ));
        self.load_catalog();
    }

    fn describe_target(&self) -> String {
        match (&self.profile, &self.sim) {
            (_, Some(_)) => "the embedded simulator".into(),
            (Some(profile), None) => format!("profile {profile}"),
            (None, None) => "no profile".into(),
        }
    }

    fn prompt(&self) -> String {
        match (&self.profile, &self.sim) {
            (_, Some(_)) => "csctl(sim)> ".into(),
            (Some(profile), None) => format!("csctl({profile})> "),
            (None, None) => "csctl> ".into(),
        }
    }

    fn read_loop(&mut self) -> Result<(), Error> {
        loop {
            let prompt = self.prompt();
            match self.editor.readline(&prompt) {
                Ok(line) => {
                    // A line holding a secret (`login … password=…`) never
                    // reaches the history file.
                    if !line.trim().is_empty()
                        && !line.starts_with(' ')
                        && !private::holds_secret(&line)
                    {
                        let _ = self.editor.add_history_entry(line.as_str());
                    }
                    self.save_history();
                    if self.handle(&line) == Flow::Quit {
                        return Ok(());
                    }
                }
                // Ctrl-C while editing: the line is dropped, a new prompt shows.
                Err(ReadlineError::Interrupted) => {}
                Err(ReadlineError::Eof) => return Ok(()),
                Err(error) => return Err(Error::Io(format!("cannot read the input: {error}"))),
            }
        }
    }

    /// Runs one input: a `:` command, a shorthand call, or Rhai.
    pub(crate) fn handle(&mut self, line: &str) -> Flow {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Flow::Continue;
        }
        self.interrupter().reset();
        if let Some(command) = trimmed.strip_prefix(':') {
            return self.command(command);
        }
        if self.is_bare_command(trimmed) {
            return self.command(trimmed);
        }
        let shared = &self.shared;
        let mut parsed = shorthand::parse(
            trimmed,
            |word| shared.is_known_api(word),
            |word| shared.is_rhai_name(word),
        );
        if parsed == Parsed::NotShorthand {
            parsed = shorthand::parse_words(trimmed, |verb, noun| shared.resolve_words(verb, noun));
        }
        match parsed {
            Parsed::Call(call) => self.call(&call.api, &call.args),
            Parsed::Invalid(message) => report(&message),
            Parsed::NotShorthand => self.eval(line),
        }
        Flow::Continue
    }

    /// `help`, `help listZones`, `exit` and `quit` without the colon, as in
    /// cmk, unless the word is a variable of the session.
    fn is_bare_command(&self, line: &str) -> bool {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        let plain = rest
            .iter()
            .all(|word| word.chars().all(|c| c.is_ascii_alphanumeric() || c == ':'));
        match first {
            "exit" | "quit" => rest.is_empty() && !self.shared.is_variable(first),
            "help" => plain && rest.len() <= 2 && !self.shared.is_variable(first),
            _ => false,
        }
    }

    fn interrupter(&self) -> Interrupter {
        self.interrupter
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn call(&mut self, api: &str, args: &[String]) {
        // cloudmonkey's `filter=a,b` chooses the fields shown, `query=EXPR`
        // (a jq filter, as `csctl call --query`) what is shown of the
        // answer; neither is sent.
        let mut fields = csctl::output::Fields::Default;
        let mut query = None;
        let mut kept = Vec::with_capacity(args.len());
        for word in args {
            match word.split_once('=') {
                Some((name, value)) if name.eq_ignore_ascii_case("filter") => match value.parse() {
                    Ok(chosen) => fields = chosen,
                    Err(message) => return report(&message),
                },
                Some((name, value)) if name.eq_ignore_ascii_case("query") => {
                    if let Err(error) = csctl::output::query::check(value) {
                        return report(&error.to_string());
                    }
                    query = Some(value.to_string());
                }
                _ => kept.push(word.clone()),
            }
        }
        let params = match client::parse_assignments(&kept) {
            Ok(params) => params,
            Err(error) => return report(&error.to_string()),
        };
        let name = csctl::client::canonical_name(&self.shared.catalog(), api).into_owned();
        match call::execute(
            &self.runtime,
            &self.shared.client(),
            &self.interrupter(),
            &name,
            &params,
        ) {
            Ok(value) => {
                match &query {
                    Some(expr) => match csctl::output::query::run_as_one(expr, &value) {
                        Ok(result) => self.print_fields(&result, &fields),
                        Err(error) => report(&error.to_string()),
                    },
                    None => self.print_fields(&value, &fields),
                }
                // `_` is the whole answer, whatever was shown of it.
                self.set_last(&value);
            }
            Err(interrupted @ call::CallError::Interrupted { .. }) => {
                note(&interrupted.to_string());
            }
            Err(call::CallError::Client(error)) => {
                report(&error.to_string());
                if matches!(error, csctl::client::ClientError::UnknownCommand { .. }) {
                    note("  :sync fetches this cloud's own list of commands (plugins, newer versions)");
                }
            }
        }
    }

    fn eval(&mut self, line: &str) {
        let source = rhai_input::rewrite_underscore(line);
        let result = self
            .host
            .eval_in(&mut self.session, source.as_deref().unwrap_or(line));
        match result {
            Ok(value) if value.is_unit() => {}
            Ok(value) => match dynamic_to_json(&value, "the result") {
                Ok(json) => self.print_value(&json),
                Err(_) => render::print(&render::plain_text(&format!("{value}\n"))),
            },
            Err(ScriptError::Interrupted) => note("interrupted"),
            Err(mut error) => {
                // The user typed `_`, not the variable it runs as.
                if source.is_some() {
                    if let Some(diagnostic) = error.diagnostic_mut() {
                        diagnostic.rename(LAST_VAR, "_", Some(line));
                    }
                }
                report(&error.to_string())
            }
        }
        self.update_names();
    }

    fn print_value(&mut self, value: &Value) {
        self.print_fields(value, &csctl::output::Fields::Default);
    }

    fn print_fields(&mut self, value: &Value, fields: &csctl::output::Fields) {
        let width = self
            .editor
            .dimensions()
            .map(|(columns, _)| columns)
            .filter(|columns| *columns > 0)
            .or_else(csctl::output::terminal_width);
        render::print(&render::render_fields(
            value,
            self.format,
            width,
            self.shared.colour,
            fields,
        ));
    }

    /// Makes `value` the session's `_`.
    fn set_last(&mut self, value: &Value) {
        *self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = json_to_dynamic(value);
        let assign = format!("{LAST_VAR} = {LAST_FN}();");
        if let Err(error) = self.host.eval_in(&mut self.session, &assign) {
            report(&format!("cannot keep the result in `_`: {error}"));
        }
    }

    /// Refreshes the names completion offers.
    fn update_names(&mut self) {
        let variables = self
            .session
            .scope()
            .iter_raw()
            .map(|(name, ..)| name.to_string())
            .filter(|name| name != LAST_VAR && name != csctl::script::ARGS)
            .collect::<Vec<_>>();
        let mut functions: Vec<String> = self
            .session
            .functions()
            .iter_functions()
            .map(|function| function.name.to_string())
            .collect();
        functions.extend(self.host_functions.iter().cloned());
        functions.sort();
        functions.dedup();
        let mut variables = variables;
        variables.sort();
        variables.dedup();
        Shared::set(
            &self.shared.names,
            Names {
                variables,
                functions,
            },
        );
    }

    /// Lays the endpoint's `listApis` over the built-in catalogue: from the
    /// cache, or fetched when there is none (the simulator's is always
    /// fetched: it is local and never cached).
    fn load_catalog(&mut self) {
        let path = self.cache_path();
        if let Some(path) = &path {
            match LiveApis::load(path) {
                Ok(Some(live)) => {
                    let age = live.age();
                    self.use_live(&live);
                    if age > STALE_AFTER {
                        note(&format!(
                            "the API catalogue was fetched {} days ago; :sync refreshes it",
                            age.as_secs() / 86_400
                        ));
                    }
                    self.probe();
                    return;
                }
                Ok(None) => {}
                Err(message) => warn(&format!("{message}; fetching the catalogue again")),
            }
        }
        self.sync();
    }

    /// The cache file of the current connection (none for the simulator).
    fn cache_path(&self) -> Option<PathBuf> {
        if self.sim.is_some() {
            return None;
        }
        catalog::cache_path(self.profile.as_deref(), self.shared.client().config())
    }

    /// Fetches the catalogue now and caches it, saying what happened.
    pub(crate) fn sync(&mut self) {
        let client = self.shared.client();
        let spinner = csctl::output::spinner("fetching the API catalogue (listApis)");
        let outcome = self.within(CATALOG_BUDGET, catalog::fetch(&client));
        spinner.finish_and_clear();
        self.shared.values.clear();
        let live = match outcome {
            Budget::Done(Ok(live)) => live,
            Budget::Done(Err(error)) => {
                return warn(&format!(
                    "cannot fetch the API catalogue from {}: {error}\n  the REPL goes on with the built-in catalogue; :sync tries again",
                    client.config().endpoint
                ));
            }
            Budget::TimedOut => {
                return warn(&format!(
                    "listApis did not answer within {}s; the REPL goes on with the built-in catalogue; :sync tries again",
                    CATALOG_BUDGET.as_secs()
                ));
            }
            Budget::Interrupted => {
                return note("fetching the API catalogue was interrupted; :sync fetches it")
            }
        };
        let mut message = format!("fetched {} APIs from listApis", live.len());
        if let Some(path) = self.cache_path() {
            if let Some(dir) = path.parent() {
                let _ = private::private_dir(dir);
            }
            let saved = live
                .save(&path, &client.config().endpoint, self.profile.as_deref())
                .and_then(|()| private::private_file(&path).map_err(|error| error.to_string()));
            match saved {
                Ok(()) => message.push_str(&format!("; cached in {}", path.display())),
                Err(error) => warn(&format!("cannot cache the API catalogue: {error}")),
            }
        }
        self.use_live(&live);
        note(&message);
    }

    /// Makes the client (calls, scripts, completion) use the built-in
    /// catalogue with `live` laid over it.
    fn use_live(&self, live: &LiveApis) {
        let catalog = csctl::client::CatalogRef::new(Arc::new(live.catalog()));
        self.shared.client().set_catalog(catalog);
    }

    /// With a cached catalogue, checks once that the endpoint answers and
    /// accepts the credentials, so that a problem shows at start.
    fn probe(&mut self) {
        let client = self.shared.client();
        let mut params = Params::new();
        params.set("name", "listApis");
        match self.within(PROBE_BUDGET, client.call("listApis", &params)) {
            Budget::Done(Ok(_)) | Budget::Interrupted => {}
            Budget::Done(Err(error)) => warn(&format!(
                "{} does not answer as expected: {error}\n  the REPL goes on with the cached API catalogue",
                client.config().endpoint
            )),
            Budget::TimedOut => warn(&format!(
                "{} did not answer within {}s; the REPL goes on with the cached API catalogue",
                client.config().endpoint,
                PROBE_BUDGET.as_secs()
            )),
        }
    }

    /// Runs `work` on the runtime for at most `budget`, or until Ctrl-C.
    fn within<F: std::future::Future>(&self, budget: Duration, work: F) -> Budget<F::Output> {
        let token = self.interrupter().token();
        self.runtime.block_on(async {
            tokio::select! {
                biased;
                () = token.cancelled() => Budget::Interrupted,
                outcome = tokio::time::timeout(budget, work) => match outcome {
                    Ok(output) => Budget::Done(output),
                    Err(_) => Budget::TimedOut,
                },
            }
        })
    }

    /// Switches to another client (`:profile`): a new script host on it,
    /// the same session (variables and functions stay).
    pub(crate) fn switch(&mut self, client: Client, profile: Option<String>) {
        self.host = new_host(client.clone(), &self.runtime, &self.last);
        self.host_functions = function_names(&self.host);
        *self
            .interrupter
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = self.host.interrupter();
        Shared::set(&self.shared.client, client);
        self.shared.values.clear();
        self.profile = profile;
        self.update_names();
        note(&format!(
            "connected to {} ({})",
            self.shared.client().config().endpoint,
            self.describe_target()
        ));
        self.load_catalog();
    }

    fn load_history(&mut self) {
        let Some(path) = &self.history else { return };
        if path.exists() {
            if let Err(error) = self.editor.load_history(path) {
                warn(&format!(
                    "cannot read the history {}: {error}",
                    path.display()
                ));
            }
        }
    }

    fn save_history(&mut self) {
        let Some(path) = self.history.clone() else {
            return;
        };
        if let Some(dir) = path.parent() {
            let _ = private::private_dir(dir);
        }
        let saved = self
            .editor
            .append_history(&path)
            .map_err(|error| error.to_string())
            .and_then(|()| private::private_file(&path).map_err(|error| error.to_string()));
        if let Err(error) = saved {
            warn(&format!(
                "cannot write the history {}: {error}; it is no longer saved",
                path.display()
            ));
            self.history = None;
        }
    }
}

/// The result of work with a time budget.
enum Budget<T> {
    Done(T),
    TimedOut,
    Interrupted,
}

/// A script host on `client`, whose `__repl_last()` returns the last result.
fn new_host(
    client: Client,
    runtime: &tokio::runtime::Handle,
    last: &Arc<Mutex<Dynamic>>,
) -> ScriptHost {
    let mut host = ScriptHost::new(client, runtime.clone());
    // Modules are read again on every `import`, so edits show up.
    host.set_module_cache(false);
    // What a script prints may be the server's text: on a terminal, its
    // control characters are shown, not obeyed.
    let plain = csctl::script::standard_output();
    let (stdout_tty, stderr_tty) = {
        use std::io::IsTerminal as _;
        (
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        )
    };
    host.set_output(move |stream, text| {
        let terminal = match stream {
            csctl::script::Stream::Stdout => stdout_tty,
            csctl::script::Stream::Stderr => stderr_tty,
        };
        if terminal {
            plain(stream, &csctl::output::text::sanitize_keeping_lines(text));
        } else {
            plain(stream, text);
        }
    });
    let last = last.clone();
    FuncRegistration::new(LAST_FN)
        .with_volatility(true)
        .register_into_engine(host.engine_mut(), move || -> Dynamic {
            last.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        });
    host
}

/// The names of the host's functions (for completion).
fn function_names(host: &ScriptHost) -> Vec<String> {
    let mut names: Vec<String> = host
        .engine()
        .gen_fn_signatures(true)
        .iter()
        .filter_map(|signature| signature.split('(').next())
        .filter(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn new_editor(shared: Arc<Shared>) -> Result<Editor<ReplHelper, DefaultHistory>, Error> {
    let fail = |error: ReadlineError| Error::Io(format!("cannot set up the line editor: {error}"));
    let config = Config::builder()
        .max_history_size(10_000)
        .map_err(fail)?
        .history_ignore_dups(true)
        .map_err(fail)?
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor = Editor::<ReplHelper, DefaultHistory>::with_config(config).map_err(fail)?;
    editor.set_helper(Some(ReplHelper::new(shared)));
    // Alt-Enter inserts a newline even when the input is complete.
    editor.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::ALT),
        EventHandler::Simple(Cmd::Newline),
    );
    Ok(editor)
}

/// `<data dir>/csctl/history` (`~/.local/share/csctl/history` on Linux).
fn history_path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("csctl").join("history"))
}

/// Listens for Ctrl-C on the runtime and interrupts whatever runs. Unlike
/// `csctl run`, a second Ctrl-C does not end the process: the REPL is left
/// with Ctrl-D or `:quit`.
fn listen_for_ctrl_c(
    runtime: &tokio::runtime::Handle,
    interrupter: Arc<RwLock<Interrupter>>,
) -> tokio::task::JoinHandle<()> {
    let interrupt = move || {
        interrupter
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .interrupt();
    };
    // Registered before this returns, so that the line editor saves and
    // restores this handler rather than the default one.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let _entered = runtime.enter();
        if let Ok(mut signals) = signal(SignalKind::interrupt()) {
            return runtime.spawn(async move {
                while signals.recv().await.is_some() {
                    interrupt();
                }
            });
        }
    }
    runtime.spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupt();
        }
    })
}

/// A note for the user, on stderr.
fn note(text: &str) {
    crate::error::write_stderr(text);
}

/// A warning, on stderr.
fn warn(text: &str) {
    crate::error::write_stderr(&format!("csctl: warning: {text}"));
}

/// An error, on stderr, as `csctl run` prints it; the session goes on.
fn report(text: &str) {
    crate::error::write_stderr(&format!("csctl: error: {text}"));
}
