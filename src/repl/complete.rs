//! The line editor's helper: TAB completion, the hint of missing required
//! parameters, and the multi-line check.
//!
//! What TAB completes, by where the cursor is:
//!
//! - `:he` → REPL commands; `:help dep` → API names; `:set output t` →
//!   formats; `:profile p` → profile names;
//! - the first word → API names (ignoring case), Rhai variables,
//!   functions and keywords;
//! - after an API name → its parameters not given yet (`zoneid=`);
//! - after `zoneid=` → ids from the related list API (`listZones`), shown
//!   with their names, fetched within [`values::BUDGET`] and cached;
//!   `true`/`false` for boolean parameters;
//! - in Rhai: variables, functions and keywords; API names inside
//!   `api("…`; parameter names inside `api("listZones", #{ …`.

use std::borrow::Cow;
use std::sync::Arc;

use rhai::Engine;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::commands::COMMANDS;
use super::rhai_input::{self, KEYWORDS};
use super::shorthand::{self, is_assignment, looks_like_api, Parsed};
use super::state::Shared;
use super::values;
use csctl::catalog::{Api, Catalog, ValueType};
use csctl::config::{self, Sources};

/// The REPL's rustyline helper.
#[derive(Helper)]
pub struct ReplHelper {
    shared: Arc<Shared>,
    syntax: Engine,
}

impl ReplHelper {
    /// A helper reading `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            syntax: rhai_input::syntax_engine(),
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(complete(&self.shared, line, pos))
    }
}

/// A hint that is only shown, never inserted.
pub struct ShownHint(String);

impl Hint for ShownHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for ReplHelper {
    type Hint = ShownHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<ShownHint> {
        if !self.shared.colour || pos < line.len() {
            return None;
        }
        missing_required(&self.shared.catalog(), line).map(ShownHint)
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        false
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.starts_with(':') {
            return Ok(ValidationResult::Valid(None));
        }
        let shared = &self.shared;
        let parsed = shorthand::parse(
            trimmed,
            |word| shared.is_known_api(word),
            |word| shared.is_rhai_name(word),
        );
        let words =
            || shorthand::parse_words(trimmed, |verb, noun| shared.resolve_words(verb, noun));
        if parsed != Parsed::NotShorthand || words() != Parsed::NotShorthand {
            return Ok(ValidationResult::Valid(None));
        }
        Ok(if rhai_input::is_incomplete(&self.syntax, input) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

/// `  zoneid= templateid=`: the required parameters of the shorthand call
/// being typed that are not given yet, once the line ends with a space.
pub fn missing_required(catalog: &Catalog, line: &str) -> Option<String> {
    let split = shorthand::split(line);
    if !split.trailing_space || split.words.is_empty() {
        return None;
    }
    let (api, consumed) = api_of_words(catalog, &split.words)?;
    let given = &split.words[consumed..];
    if !given.iter().all(|word| is_assignment(&word.text)) {
        return None;
    }
    let missing: Vec<String> = api
        .params
        .iter()
        .filter(|param| {
            param.required && !is_given(given.iter().map(|w| w.text.as_str()), &param.name)
        })
        .map(|param| format!("{}=", param.name))
        .collect();
    (!missing.is_empty()).then(|| missing.join(" "))
}

/// The API a line's first words name, and how many words that took: an
/// API name (`listZones`, any case), or cmk's verb and noun (`list zones`).
fn api_of_words<'c>(catalog: &'c Catalog, words: &[shorthand::Word]) -> Option<(&'c Api, usize)> {
    let first = words.first()?;
    if let Some(api) = catalog.find(&first.text) {
        return Some((api, 1));
    }
    let second = words.get(1)?;
    catalog
        .resolve_words(&first.text, &second.text)
        .map(|api| (api, 2))
}

fn is_given<'a>(mut words: impl Iterator<Item = &'a str>, param: &str) -> bool {
    words.any(|word| {
        word.split_once('=')
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case(param))
    })
}

/// The completions at `pos` in `line`: where they start, and the candidates.
pub fn complete(shared: &Shared, line: &str, pos: usize) -> (usize, Vec<Pair>) {
    let before = &line[..pos];
    let lead = before.len() - before.trim_start().len();
    if before[lead..].starts_with(':') {
        return complete_command(shared, before);
    }
    if !before.contains('\n') {
        if let Some(found) = complete_shorthand(shared, before) {
            return found;
        }
    }
    complete_rhai(shared, before)
}

fn complete_shorthand(shared: &Shared, before: &str) -> Option<(usize, Vec<Pair>)> {
    let catalog = shared.catalog();
    let split = shorthand::split(before);
    let Some(first) = split.words.first() else {
        // An empty line: every API.
        return Some((before.len(), api_names(&catalog, "", " ")));
    };
    if split.words.len() == 1 && !split.trailing_space {
        if !first.text.chars().all(is_ident_char) || split.open_quote.is_some() {
            return None;
        }
        let mut pairs = api_names(&catalog, &first.text, " ");
        pairs.extend(rhai_names(shared, &first.text, false));
        return Some((first.start, pairs));
    }
    let typing_noun = split.words.len() == 1 || (split.words.len() == 2 && !split.trailing_space);
    if typing_noun && catalog.find(&first.text).is_none() && !shared.is_variable(&first.text) {
        // cmk's `list zo`: the nouns of the verb's APIs.
        let typed = split.words.get(1).filter(|_| !split.trailing_space);
        let nouns = noun_names(&catalog, &first.text, typed.map_or("", |w| w.text.as_str()));
        if !nouns.is_empty() {
            return Some((typed.map_or(before.len(), |word| word.start), nouns));
        }
    }
    let Some((api, consumed)) = api_of_words(&catalog, &split.words) else {
        // Shaped like an API the catalogue does not know: nothing to offer.
        return looks_like_api(&first.text).then(|| (before.len(), Vec::new()));
    };
    let (done, current) = if split.trailing_space {
        (split.words.get(consumed..)?, None)
    } else {
        let (last, done) = split.words.get(consumed..)?.split_last()?;
        (done, Some(last))
    };
    if !done.iter().all(|word| is_assignment(&word.text)) {
        return None;
    }
    if split.open_quote.is_some() {
        return Some((before.len(), Vec::new()));
    }
    let given = || done.iter().map(|word| word.text.as_str());
    let Some(word) = current else {
        return Some((before.len(), param_names(api, "", given(), "=")));
    };
    let Some((name, _)) = word.text.split_once('=') else {
        return Some((word.start, param_names(api, &word.text, given(), "=")));
    };
    let raw = &before[word.start..word.end];
    let value_start = word.start + raw.find('=').map_or(raw.len(), |at| at + 1);
    let typed = &before[value_start..];
    if typed.starts_with(['"', '\'']) {
        return Some((before.len(), Vec::new()));
    }
    Some((
        value_start,
        param_values(shared, &catalog, api, name, typed),
    ))
}

/// cmk's nouns for `verb`: `zones` for `listZones`, lower-cased, starting
/// with `typed`.
fn noun_names(catalog: &Catalog, verb: &str, typed: &str) -> Vec<Pair> {
    let verb = verb.to_ascii_lowercase();
    let typed = typed.to_ascii_lowercase();
    catalog
        .apis()
        .iter()
        .filter(|api| api.verb() == verb && !api.noun().is_empty())
        .map(|api| api.noun().to_ascii_lowercase())
        .filter(|noun| noun.starts_with(&typed))
        .map(|noun| Pair {
            replacement: format!("{noun} "),
            display: noun,
        })
        .collect()
}

fn param_names<'a>(
    api: &Api,
    prefix: &str,
    given: impl Iterator<Item = &'a str> + Clone,
    suffix: &str,
) -> Vec<Pair> {
    let prefix = prefix.to_ascii_lowercase();
    csctl::catalog::describe::params_in_order(api)
        .into_iter()
        .filter(|param| param.name.to_ascii_lowercase().starts_with(&prefix))
        .filter(|param| !is_given(given.clone(), &param.name))
        .map(|param| Pair {
            display: format!("{}{suffix}", param.name),
            replacement: format!("{}{suffix}", param.name),
        })
        .collect()
}

fn param_values(
    shared: &Shared,
    catalog: &Catalog,
    api: &Api,
    name: &str,
    typed: &str,
) -> Vec<Pair> {
    let lower = typed.to_ascii_lowercase();
    if api
        .param(name)
        .is_some_and(|param| param.kind == ValueType::Boolean)
    {
        return ["true", "false"]
            .iter()
            .filter(|value| value.starts_with(&lower))
            .map(|value| Pair {
                display: (*value).to_string(),
                replacement: format!("{value} "),
            })
            .collect();
    }
    let Some(list) = catalog.list_command_for(api, name) else {
        return Vec::new();
    };
    let client = shared.client();
    let Some(items) = shared
        .values
        .items(&shared.runtime, &client, list, values::BUDGET)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|item| {
            item.id.to_ascii_lowercase().starts_with(&lower)
                || item
                    .label
                    .as_ref()
                    .is_some_and(|label| label.to_ascii_lowercase().starts_with(&lower))
        })
        .map(|item| Pair {
            display: match &item.label {
                Some(label) => format!("{}  ({label})", item.id),
                None => item.id.clone(),
            },
            replacement: format!("{} ", item.id),
        })
        .collect()
}

fn api_names(catalog: &Catalog, prefix: &str, suffix: &str) -> Vec<Pair> {
    let prefix = prefix.to_ascii_lowercase();
    catalog
        .apis()
        .iter()
        .filter(|api| api.name.to_ascii_lowercase().starts_with(&prefix))
        .map(|api| Pair {
            display: api.name.to_string(),
            replacement: format!("{}{suffix}", api.name),
        })
        .collect()
}

/// Rhai variables, functions (and keywords unless `methods_only`) starting
/// with `prefix` (case matters in Rhai).
fn rhai_names(shared: &Shared, prefix: &str, methods_only: bool) -> Vec<Pair> {
    if prefix.is_empty() {
        return Vec::new();
    }
    let names = shared.names();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut push = |name: &str, replacement: String| {
        if name.starts_with(prefix) && !pairs.iter().any(|pair| pair.replacement == replacement) {
            pairs.push(Pair {
                display: name.to_string(),
                replacement,
            });
        }
    };
    if !methods_only {
        for variable in &names.variables {
            push(variable, variable.clone());
        }
    }
    for function in &names.functions {
        push(function, format!("{function}("));
    }
    if !methods_only {
        for keyword in KEYWORDS {
            push(keyword, (*keyword).to_string());
        }
    }
    pairs
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn complete_rhai(shared: &Shared, before: &str) -> (usize, Vec<Pair>) {
    if let Some((start, prefix)) = api_string(before) {
        return (start, api_names(&shared.catalog(), prefix, "\""));
    }
    let start = before.len()
        - before
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    let prefix = &before[start..];
    if let Some(api) = api_map_key(before, start) {
        if let Some(api) = shared.catalog().find(api) {
            return (start, param_names(api, prefix, std::iter::empty(), ": "));
        }
    }
    let after_dot = before[..start].ends_with('.');
    (start, rhai_names(shared, prefix, after_dot))
}

/// Functions whose first argument is an API name.
const API_FUNCTIONS: &[&str] = &["api", "api_wait", "list_all", "signed_url"];

/// Inside `api("lis`: where the name starts, and what is typed of it.
fn api_string(before: &str) -> Option<(usize, &str)> {
    let quote = before.rfind('"')?;
    let typed = &before[quote + 1..];
    if !typed.chars().all(is_ident_char) {
        return None;
    }
    let head = before[..quote].trim_end().strip_suffix('(')?.trim_end();
    calls_api_function(head).then_some((quote + 1, typed))
}

fn calls_api_function(head: &str) -> bool {
    API_FUNCTIONS.iter().any(|name| {
        head.strip_suffix(name)
            .is_some_and(|rest| !rest.ends_with(is_ident_char))
    })
}

/// Inside `api("listZones", #{ zo`: the API whose parameter is being typed
/// as a map key at `start`.
fn api_map_key(before: &str, start: usize) -> Option<&str> {
    let open = before[..start].rfind("#{")?;
    let inside = &before[open + 2..start];
    let depth = inside.matches('{').count() as isize - inside.matches('}').count() as isize;
    if depth != 0 || inside.matches('"').count() % 2 != 0 {
        return None;
    }
    let key_position = inside.trim_end();
    if !(key_position.is_empty() || key_position.ends_with(',')) {
        return None;
    }
    let head = before[..open].trim_end().strip_suffix(',')?.trim_end();
    let name_end = head.strip_suffix('"')?;
    let name_start = name_end.rfind('"')?;
    let name = &name_end[name_start + 1..];
    let call = name_end[..name_start]
        .trim_end()
        .strip_suffix('(')?
        .trim_end();
    (calls_api_function(call) && name.chars().all(is_ident_char)).then_some(name)
}

fn complete_command(shared: &Shared, before: &str) -> (usize, Vec<Pair>) {
    let split = shorthand::split(before.trim_start());
    let offset = before.len() - before.trim_start().len();
    let words = &split.words;
    let current = if split.trailing_space {
        None
    } else {
        words.last()
    };
    let index = if split.trailing_space {
        words.len()
    } else {
        words.len().saturating_sub(1)
    };
    let (start, typed) = current.map_or((before.len(), ""), |word| {
        (offset + word.start, word.text.as_str())
    });
    let pick = |options: Vec<String>, suffix: &str| -> Vec<Pair> {
        options
            .into_iter()
            .filter(|option| {
                option
                    .to_ascii_lowercase()
                    .starts_with(&typed.to_ascii_lowercase())
            })
            .map(|option| Pair {
                replacement: format!("{option}{suffix}"),
                display: option,
            })
            .collect()
    };
    if index == 0 {
        let names = COMMANDS
            .iter()
            .map(|(name, ..)| format!(":{name}"))
            .collect();
        return (start, pick(names, " "));
    }
    let command = words[0].text.trim_start_matches(':');
    let options: Vec<String> = match (command, index) {
        ("help" | "h" | "?", 1) => {
            let mut options: Vec<String> = COMMANDS
                .iter()
                .map(|(name, ..)| format!(":{name}"))
                .collect();
            options.extend(
                shared
                    .catalog()
                    .apis()
                    .iter()
                    .map(|api| api.name.to_string()),
            );
            options
        }
        ("set", 1) => vec!["output".into()],
        ("set", 2) if words[1].text == "output" => {
            <csctl::output::Format as clap::ValueEnum>::value_variants()
                .iter()
                .map(|format| format.to_string())
                .collect()
        }
        ("profile", 1) => config::list_profiles_for(&shared.overrides, &Sources::from_process())
            .map(|profiles| {
                profiles
                    .into_iter()
                    .filter(|p| !p.shadowed)
                    .map(|p| p.name)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    (start, pick(options, " "))
}

#[cfg(test)]
mod tests {
    use std::sync::RwLock;

    use super::*;
    use crate::repl::state::Names;
    use csctl::client::{Client, ClientConfig, Credentials};

    /// A REPL state whose client consults a three-API catalogue.
    fn shared(runtime: &tokio::runtime::Runtime) -> Shared {
        let answer = serde_json::json!({"api": [
            {"name": "listZones", "params": [{"name": "id", "type": "uuid"}, {"name": "name", "type": "string"}]},
            {"name": "listVirtualMachines", "params": [
                {"name": "zoneid", "type": "uuid"}, {"name": "state", "type": "string"},
                {"name": "listall", "type": "boolean"}]},
            {"name": "deployVirtualMachine", "isasync": true, "params": [
                {"name": "zoneid", "type": "uuid", "required": true},
                {"name": "templateid", "type": "uuid", "required": true},
                {"name": "name", "type": "string"}]}
        ]});
        let config = ClientConfig::new(
            "http://127.0.0.1:9/client/api",
            Credentials::ApiKey {
                api_key: "k".into(),
                secret_key: "s".into(),
            },
        );
        let client = Client::new(config).unwrap();
        let apis = csctl::catalog::from_list_apis(&answer).unwrap();
        client.set_catalog(csctl::client::CatalogRef::new(Arc::new(Catalog::new(
            apis, true,
        ))));
        with_client(runtime, client)
    }

    /// A REPL state whose client consults the built-in catalogue.
    fn builtin(runtime: &tokio::runtime::Runtime) -> Shared {
        let config = ClientConfig::new(
            "http://127.0.0.1:9/client/api",
            Credentials::ApiKey {
                api_key: "k".into(),
                secret_key: "s".into(),
            },
        );
        with_client(runtime, Client::new(config).unwrap())
    }

    fn with_client(runtime: &tokio::runtime::Runtime, client: Client) -> Shared {
        Shared {
            runtime: runtime.handle().clone(),
            client: RwLock::new(client),
            values: values::ValueCache::default(),
            names: RwLock::new(Names {
                variables: vec!["vm".into(), "vms".into()],
                functions: vec!["list_all".into(), "len".into()],
            }),
            colour: false,
            overrides: csctl::config::Overrides::default(),
        }
    }

    fn replacements(shared: &Shared, line: &str) -> (usize, Vec<String>) {
        let (start, pairs) = complete(shared, line, line.len());
        (
            start,
            pairs.into_iter().map(|pair| pair.replacement).collect(),
        )
    }

    #[test]
    fn api_names_complete_ignoring_case() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = shared(&runtime);
        assert_eq!(
            replacements(&shared, "listz"),
            (0, vec!["listZones ".into()])
        );
        assert_eq!(
            replacements(&shared, "  LISTV"),
            (2, vec!["listVirtualMachines ".into()])
        );
        let (_, all) = replacements(&shared, "list");
        assert_eq!(all, ["listVirtualMachines ", "listZones ", "list_all("]);
        assert_eq!(replacements(&shared, "").1.len(), 3);
    }

    #[test]
    fn parameters_complete_after_the_api() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = shared(&runtime);
        assert_eq!(
            replacements(&shared, "listVirtualMachines zo"),
            (20, vec!["zoneid=".into()])
        );
        assert_eq!(
            replacements(&shared, "listVirtualMachines state=Running "),
            (34, vec!["listall=".into(), "zoneid=".into()])
        );
        assert_eq!(
            replacements(&shared, "listVirtualMachines listall=t"),
            (28, vec!["true ".into()])
        );
        assert_eq!(
            replacements(&shared, r#"listZones name="a b"#).1,
            Vec::<String>::new()
        );
        assert!(replacements(&shared, "listFooBars x").1.is_empty());
    }

    #[test]
    fn rhai_names_complete_in_rhai() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = shared(&runtime);
        assert_eq!(
            replacements(&shared, "print(vm"),
            (6, vec!["vm".into(), "vms".into()])
        );
        assert_eq!(
            replacements(&shared, "let n = le"),
            (8, vec!["len(".into(), "let".into()])
        );
        assert_eq!(replacements(&shared, "x.le"), (2, vec!["len(".into()]));
        assert_eq!(
            replacements(&shared, r#"let z = api("listZ"#),
            (13, vec!["listZones\"".into()])
        );
        assert_eq!(
            replacements(
                &shared,
                r#"api_wait("deployVirtualMachine", #{ zoneid: "z", te"#
            ),
            (49, vec!["templateid: ".into()])
        );
        assert!(replacements(&shared, r#"api("listZones", #{ name: "a, na"#)
            .1
            .is_empty());
    }

    #[test]
    fn commands_complete() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = shared(&runtime);
        assert_eq!(replacements(&shared, ":he"), (0, vec![":help ".into()]));
        assert_eq!(
            replacements(&shared, ":help deploy"),
            (6, vec!["deployVirtualMachine ".into()])
        );
        assert_eq!(
            replacements(&shared, ":set output t"),
            (12, vec!["table ".into()])
        );
        assert_eq!(replacements(&shared, ":set o"), (5, vec!["output ".into()]));
    }

    #[test]
    fn the_builtin_catalogue_completes_before_any_sync() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = builtin(&runtime);
        let (_, names) = replacements(&shared, "listSSHK");
        assert_eq!(names, ["listSSHKeyPairs "]);
        let (_, params) = replacements(&shared, "deployVirtualMachine serviceoff");
        assert_eq!(params, ["serviceofferingid="]);
        let (_, params) = replacements(&shared, "createSSHKeyPair ");
        assert!(params.contains(&"name=".to_string()), "{params:?}");
        assert_eq!(
            replacements(&shared, ":help deployVirtualMach").1,
            ["deployVirtualMachine "]
        );
        assert!(replacements(&shared, "listZones showcapacities=f")
            .1
            .contains(&"false ".to_string()));
    }

    #[test]
    fn cmk_words_complete() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = builtin(&runtime);
        let (start, nouns) = replacements(&shared, "list virtualm");
        assert_eq!(start, 5);
        assert_eq!(
            nouns,
            [
                "virtualmachines ",
                "virtualmachinesmetrics ",
                "virtualmachinesusagehistory "
            ]
        );
        let (_, nouns) = replacements(&shared, "deploy ");
        assert!(nouns.contains(&"virtualmachine ".to_string()), "{nouns:?}");
        assert_eq!(
            replacements(&shared, "list zones showcap"),
            (11, vec!["showcapacities=".into()])
        );
        assert_eq!(
            missing_required(&shared.catalog(), "deploy virtualmachine ").as_deref(),
            Some("serviceofferingid= zoneid=")
        );
    }

    #[test]
    fn required_parameters_are_hinted() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let shared = shared(&runtime);
        let catalog = shared.catalog();
        assert_eq!(
            missing_required(&catalog, "deployVirtualMachine ").as_deref(),
            Some("templateid= zoneid=")
        );
        assert_eq!(
            missing_required(&catalog, "deployVirtualMachine zoneid=z ").as_deref(),
            Some("templateid=")
        );
        assert_eq!(missing_required(&catalog, "deployVirtualMachine"), None);
        assert_eq!(missing_required(&catalog, "listZones "), None);
    }
}
