//! The commands the simulator knows: every command of the shared catalogue
//! ([`crate::catalog`]), merged with what the simulator knows beyond it for
//! the long-standing commands ([`super::catalog_extras`]: descriptions,
//! lengths, the declared parameter order the server checks in). Types,
//! required flags, entities, async flags and answer keys come from the
//! catalogue only; `listApis` and the checker read the one merged view.
//! The parameter layer checks parameters before a handler runs, as
//! `ParamProcessWorker` does: missing required parameters, non-numeric
//! integers, scalar maps, unknown uuids, over-long strings.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use super::catalog_extras::{CommandExtra, ParamExtra, EXTRAS};
use super::params::{split_list, Params};
use super::respond::ApiError;
use super::state::State;

/// Parameter types as the checker tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Uuid,
    Integer,
    Long,
    Boolean,
    List,
    Map,
    Date,
}

/// A command the simulator answers: the catalogue's description, the
/// hand-written one if any, and its handler if it has hand-written semantics
/// (else the generic resource model answers it).
pub(crate) struct Command {
    /// The exact name.
    pub name: &'static str,
    /// `<lowercase name>response`.
    pub key: &'static str,
    /// The shared catalogue's entry.
    pub cat: &'static crate::catalog::Api,
    /// What the simulator adds to the catalogue, for the long-standing
    /// commands.
    pub extra: Option<&'static CommandExtra>,
    /// The `cmd` its jobs show (a Java class name, as the server's).
    pub job_cmd: &'static str,
}

impl Command {
    /// The command name lower-cased, as error texts spell it.
    pub fn lower(&self) -> &'static str {
        &self.key[..self.key.len() - "response".len()]
    }

    /// Whether it answers with a job.
    pub fn is_async(&self) -> bool {
        self.cat.is_async
    }
}

static COMMANDS: LazyLock<HashMap<&'static str, Command>> = LazyLock::new(|| {
    let extras: HashMap<&str, &'static CommandExtra> =
        EXTRAS.iter().map(|extra| (extra.name, extra)).collect();
    crate::catalog::builtin()
        .apis()
        .iter()
        .map(|api| {
            let name: &'static str = &api.name;
            let key: &'static str =
                Box::leak(format!("{}response", name.to_ascii_lowercase()).into_boxed_str());
            let mut class = name.to_string();
            if let Some(first) = class.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            let job_cmd: &'static str =
                Box::leak(format!("org.apache.cloudstack.api.command.{class}Cmd").into_boxed_str());
            (
                name,
                Command {
                    name,
                    key,
                    cat: api,
                    extra: extras.get(name).copied(),
                    job_cmd,
                },
            )
        })
        .collect()
});

/// A command by its exact (case-sensitive) name, as the server's command
/// map is keyed.
pub(crate) fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.get(name)
}

/// The fields of a command's answer (of one element for a list).
pub(crate) fn fields_of(name: &str) -> &'static crate::catalog::Fields {
    static EMPTY: LazyLock<crate::catalog::Fields> = LazyLock::new(Default::default);
    find(name).map_or(&EMPTY, |command| command.cat.response.fields())
}

/// Every command, sorted by name.
pub(crate) fn all() -> Vec<&'static Command> {
    let mut all: Vec<&'static Command> = COMMANDS.values().collect();
    all.sort_unstable_by_key(|command| command.name);
    all
}

/// One parameter in the merged view: the catalogue's facts and, for a
/// long-standing command, what the simulator adds.
#[derive(Clone, Copy)]
pub(crate) struct Param {
    /// The catalogue's description (name, type, required flag, entity).
    pub cat: &'static crate::catalog::Param,
    /// The simulator's additions (description, length, order).
    pub extra: Option<&'static ParamExtra>,
}

impl Param {
    /// Its type as the checker and `listApis` name it.
    fn ty(self) -> Ty {
        use crate::catalog::ValueType;
        match self.cat.kind {
            ValueType::Integer | ValueType::Short => Ty::Integer,
            ValueType::Long => Ty::Long,
            ValueType::Date | ValueType::TzDate => Ty::Date,
            ValueType::Uuid => Ty::Uuid,
            ValueType::List => Ty::List,
            ValueType::Map => Ty::Map,
            ValueType::Boolean => Ty::Boolean,
            ValueType::String | ValueType::Double | ValueType::Float | ValueType::Object => Ty::Str,
        }
    }

    /// The longest string accepted, when known (the catalogue has no lengths).
    fn length(self) -> Option<u32> {
        self.extra
            .filter(|_| self.ty() == Ty::Str)
            .map(|extra| extra.length)
    }
}

/// A command's parameters in the order the server checks them: the
/// declared order the extras give, then the catalogue's other parameters
/// (alphabetical).
pub(crate) fn params_of(command: &Command) -> Vec<Param> {
    let cat = &command.cat.params;
    let declared = command.extra.map_or(&[][..], |extra| extra.params);
    let mut merged: Vec<Param> = declared
        .iter()
        .filter_map(|extra| {
            let cat = cat.iter().find(|p| p.name == extra.name)?;
            Some(Param {
                cat,
                extra: Some(extra),
            })
        })
        .collect();
    merged.extend(
        cat.iter()
            .filter(|p| !declared.iter().any(|extra| extra.name == p.name))
            .map(|cat| Param { cat, extra: None }),
    );
    merged
}

/// The parameter layer's checks, as `ParamProcessWorker` runs them: for
/// each parameter in order, a map given as a scalar, then a missing
/// required one, then its type (numbers, dates), the ids it names, and a
/// string's length. The first failure wins.
pub(crate) fn check(command: &Command, params: &Params, st: &State) -> Result<(), ApiError> {
    let lower = command.lower();
    for spec in params_of(command) {
        let name: &str = &spec.cat.name;
        let (ty, required) = (spec.ty(), spec.cat.required);
        let key = name.to_ascii_lowercase();
        if ty == Ty::Map {
            if params.map(&key).is_some() {
                continue;
            }
            if let Some(value) = params.get(&key) {
                return Err(ApiError::bad_value(lower, value, name));
            }
            if required {
                return Err(ApiError::missing(lower, name));
            }
            continue;
        }
        let Some(value) = params.get(&key) else {
            if required {
                return Err(ApiError::missing(lower, name));
            }
            continue;
        };
        let bad_value = match ty {
            Ty::Integer => value.trim().parse::<i32>().is_err(),
            Ty::Long => value.trim().parse::<i64>().is_err(),
            Ty::Date => parse_date(value).is_none(),
            _ => false,
        };
        if bad_value {
            return Err(ApiError::bad_value(lower, value, name));
        }
        let ids = match (ty, spec.cat.entity.as_deref()) {
            // `ParamProcessWorker` passes an empty id and `-1` through
            // untranslated ("hardcoded special cases where -1 is sent"):
            // `projectid=-1` means every project.
            (Ty::Uuid, Some(_)) if value.is_empty() || value == "-1" => None,
            (Ty::Uuid, Some(class)) => Some((class, vec![value])),
            (Ty::List, Some(class)) => Some((class, split_list(value))),
            _ => None,
        };
        if let Some((class, ids)) = ids {
            if let Some(bad) = ids.into_iter().find(|id| !st.entity_exists(class, id)) {
                return Err(ApiError::no_entity(lower, name, bad));
            }
        }
        if let Some(length) = spec.length() {
            if value.chars().count() > length as usize {
                return Err(ApiError::param(format!(
                    "Unable to execute API command {lower} due to invalid value. Value greater than max \
                     allowed length {length} for param: {name}"
                )));
            }
        }
    }
    Ok(())
}

/// Dates given as parameters: `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss`, or the
/// `expires` formats.
pub(crate) fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Some(at) = crate::client::sign::parse_expires(text) {
        return Some(at);
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[derive(Serialize)]
struct ParamView<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    length: u32,
    required: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    related: &'a str,
}

#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    description: &'static str,
    #[serde(rename = "type")]
    ty: String,
}

/// One `listApis` entry (`ApiDiscoveryResponse`).
#[derive(Serialize)]
pub(crate) struct ApiView<'a> {
    name: &'a str,
    description: &'a str,
    isasync: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    related: &'a str,
    params: Vec<ParamView<'a>>,
    response: Vec<FieldView<'a>>,
}

/// A command as `listApis` describes it: the catalogue's facts (names,
/// types, required flags, answer fields), with the descriptions, lengths
/// and declared order of the extras where the simulator has them.
pub(crate) fn api_view(command: &'static Command) -> ApiView<'static> {
    let catalog = crate::catalog::builtin();
    let api = command.cat;
    let extra = command.extra;
    let field_description = |name: &str| {
        extra
            .and_then(|extra| extra.fields.iter().find(|(field, _)| *field == name))
            .map_or("", |(_, description)| description)
    };
    ApiView {
        name: command.name,
        description: extra.map_or("", |extra| extra.description),
        isasync: api.is_async,
        related: extra.map_or("", |extra| extra.related),
        params: params_of(command)
            .into_iter()
            .map(|p| ParamView {
                name: &p.cat.name,
                description: p.extra.map_or("", |extra| extra.description),
                ty: p.cat.kind.as_str(),
                length: p.extra.map_or(255, |extra| extra.length),
                required: p.cat.required,
                related: param_related(catalog, p),
            })
            .collect(),
        response: api
            .response
            .fields()
            .iter()
            .map(|field| FieldView {
                name: &field.name,
                description: field_description(&field.name),
                ty: field_type_name(&field.kind),
            })
            .collect(),
    }
}

/// The commands `listApis` names as related to a parameter: the extras'
/// own, else the list command of the entity it names.
fn param_related(catalog: &'static crate::catalog::Catalog, p: Param) -> &'static str {
    if let Some(related) = p.extra.and_then(|extra| extra.related) {
        return related;
    }
    let Some(class) = p.cat.entity.as_deref() else {
        return "";
    };
    catalog
        .list_command_for_entity(class)
        .map_or("", |list| &list.name)
}

/// A response field's type as `listApis` names it.
fn field_type_name(kind: &crate::catalog::FieldType) -> String {
    use crate::catalog::FieldType;
    match kind {
        FieldType::Value(ty) => ty.as_str().to_string(),
        FieldType::Values(_) | FieldType::Objects(_) => "list".into(),
        FieldType::Object(_) => "object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_keys_are_lowercase_names() {
        for api in all() {
            assert_eq!(
                api.key,
                format!("{}response", api.name.to_ascii_lowercase()),
                "{}",
                api.name
            );
        }
        assert!(find("listZones").is_some());
        assert!(find("listSSHKeyPairs").is_some(), "every catalogue command");
        assert!(
            find("listzones").is_none(),
            "command names are case-sensitive on the server"
        );
    }

    /// The extras are keyed by name: every entry must name a command of
    /// the catalogue, every parameter one of that command's (so the data
    /// cannot drift from the catalogue), and none twice.
    #[test]
    fn every_extra_names_a_catalogue_command_and_parameter() {
        let mut commands: Vec<&str> = EXTRAS.iter().map(|extra| extra.name).collect();
        commands.sort_unstable();
        commands.dedup();
        assert_eq!(
            commands.len(),
            EXTRAS.len(),
            "a command twice in the extras"
        );
        for extra in EXTRAS {
            let command = find(extra.name)
                .unwrap_or_else(|| panic!("extras name {}, not in the catalogue", extra.name));
            let mut names: Vec<&str> = extra.params.iter().map(|p| p.name).collect();
            for name in &names {
                assert!(
                    command.cat.param(name).is_some_and(|p| p.name == *name),
                    "extras of {} name parameter {name}, not in the catalogue",
                    extra.name
                );
            }
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                extra.params.len(),
                "a parameter twice in {}",
                extra.name
            );
            let fields = command.cat.response.fields();
            for (field, _) in extra.fields {
                assert!(
                    fields.get(field).is_some(),
                    "extras of {} describe field {field}, not in the catalogue",
                    extra.name
                );
            }
        }
    }

    #[test]
    fn deploy_checks_zone_offering_template_first() {
        let command = find("deployVirtualMachine").unwrap();
        let first: Vec<String> = params_of(command)
            .iter()
            .take(3)
            .map(|p| p.cat.name.to_string())
            .collect();
        assert_eq!(first, ["zoneid", "serviceofferingid", "templateid"]);
        let required: Vec<String> = params_of(command)
            .iter()
            .filter(|p| p.cat.required)
            .map(|p| p.cat.name.to_string())
            .collect();
        // 4.22 declares templateid optional (a VM can also start from a
        // volume or a snapshot); the handler refuses a deploy without one.
        assert_eq!(required, ["zoneid", "serviceofferingid"]);
    }

    #[test]
    fn parses_dates() {
        assert!(parse_date("2024-01-31").is_some());
        assert!(parse_date("2024-01-31 10:00:00").is_some());
        assert!(parse_date("2024-01-31T10:00:00+0000").is_some());
        assert!(parse_date("yesterday").is_none());
    }
}
