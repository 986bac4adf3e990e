//! The commands, grouped by API group: each file holds one group's
//! handlers, the views of its entities and the job effects it needs, and
//! lists its commands in a `HANDLERS` table. Adding an API's semantics is
//! one place. Handlers run with the state locked and settled, after the
//! parameter layer's checks ([`super::catalog::check`]).

pub(crate) mod accounts;
pub(crate) mod address;
pub(crate) mod discovery;
pub(crate) mod firewall;
pub(crate) mod generic;
pub(crate) mod infra;
pub(crate) mod jobs;
pub(crate) mod lb;
pub(crate) mod limits;
pub(crate) mod nat;
pub(crate) mod network;
pub(crate) mod offerings;
pub(crate) mod projects;
pub(crate) mod securitygroups;
pub(crate) mod settings;
pub(crate) mod sshkeys;
pub(crate) mod tags;
pub(crate) mod templates;
pub(crate) mod views;
pub(crate) mod vm;
pub(crate) mod vm_change;
pub(crate) mod volumes;
pub(crate) mod zones;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::catalog::Command;
use super::params::Params;
use super::respond::{envelope, list_reply, ApiError, Reply};
use super::state::State;

/// What a command runs with.
pub(crate) struct Ctx<'a> {
    pub st: &'a mut State,
    pub now: Instant,
    pub wall: DateTime<Utc>,
    pub api: &'static Command,
    /// Who the request runs as.
    pub caller: crate::sim::state::tenants::Caller,
}

impl Ctx<'_> {
    /// The command name lower-cased, as error texts spell it.
    pub fn command(&self) -> &'static str {
        self.api.lower()
    }
}

pub(crate) type Handler = fn(&mut Ctx<'_>, &Params) -> Result<Reply, ApiError>;

/// A group's commands: (exact command name, handler).
pub(crate) type Handlers = &'static [(&'static str, Handler)];

/// Every group's table.
const GROUPS: &[Handlers] = &[
    discovery::HANDLERS,
    zones::HANDLERS,
    network::HANDLERS,
    templates::HANDLERS,
    offerings::HANDLERS,
    vm::HANDLERS,
    vm_change::HANDLERS,
    address::HANDLERS,
    firewall::HANDLERS,
    tags::HANDLERS,
    jobs::HANDLERS,
    sshkeys::HANDLERS,
    volumes::HANDLERS,
    nat::HANDLERS,
    lb::HANDLERS,
    securitygroups::HANDLERS,
    accounts::HANDLERS,
    limits::HANDLERS,
    projects::HANDLERS,
];

/// Fills a new world with the objects every cloud has, then a cloud
/// file's `objects`.
pub(crate) fn seed(
    st: &mut State,
    objects: &std::collections::BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
    complete: bool,
) {
    accounts::seed(st, !objects.contains_key("resourcelimit"));
    infra::seed(st);
    if !objects.contains_key("securitygroup") {
        securitygroups::seed(st);
    }
    infra::seed_objects(st, objects, complete);
    settings::seed(st);
}

static BY_NAME: LazyLock<HashMap<&'static str, Handler>> = LazyLock::new(|| {
    GROUPS
        .iter()
        .flat_map(|group| group.iter().copied())
        .collect()
});

/// The handler of a command, by its exact name: its hand-written one, or
/// the generic resource model.
pub(crate) fn handler(name: &str) -> Handler {
    BY_NAME.get(name).copied().unwrap_or(generic::run)
}

/// Commands of typed kinds left to the generic model, which answers with
/// the typed row as it is and keeps no change to it; each is a documented
/// difference (`docs/simulator.md`).
#[cfg(test)]
const UNCHANGED_BY_GENERIC: &[&str] = &[
    // A dedication is a record of its own (`listDedicatedZones`), not a
    // change to the zone.
    "dedicateZone",
    // One network offering and one host per zone: nothing to move to.
    "migrateNetwork",
    "migrateVirtualMachine",
    // Reads that answer a URL or a status.
    "extractTemplate",
    "prepareTemplate",
    // Leaving CloudStack's management, and reserving or releasing an
    // address for an account (admins), are not simulated: the row stays.
    "unmanageVirtualMachine",
    "reserveIpAddress",
    "releaseIpAddress",
    // Refused by the generic model: no unmanaged instances to import.
    "importVm",
];

/// The server's default (and maximum) page size, `default.page.size`.
pub(crate) const MAX_PAGE_SIZE: i64 = 500;

/// Which slice of the matches a list answer holds.
pub(crate) struct Page {
    skip: usize,
    take: usize,
}

/// `page` / `pagesize` as `BaseListCmd` checks them.
pub(crate) fn paging(params: &Params) -> Result<Page, ApiError> {
    let page = params.int("page");
    let size = params.int("pagesize");
    if let Some(size) = size {
        if size > MAX_PAGE_SIZE {
            return Err(ApiError::invalid(format!(
                "Page size can't exceed max allowed page size value: {MAX_PAGE_SIZE}"
            )));
        }
        if size == -1 && page.is_some() {
            return Err(ApiError::invalid(
                "Can't specify page parameter when pagesize is -1 (Unlimited)",
            ));
        }
    }
    match (page, size) {
        (None, None) => Ok(Page {
            skip: 0,
            take: MAX_PAGE_SIZE as usize,
        }),
        (None, Some(-1)) => Ok(Page {
            skip: 0,
            take: usize::MAX,
        }),
        (None, Some(_)) => Err(ApiError::invalid(
            "\"page\" parameter is required when \"pagesize\" is specified",
        )),
        (Some(_), None) => Err(ApiError::invalid(
            "\"pagesize\" parameter is required when \"page\" is specified",
        )),
        (Some(page), Some(size)) => {
            if size < 1 {
                return Err(ApiError::invalid(format!(
                    "Invalid page size {size}: it must be at least 1"
                )));
            }
            if page < 1 {
                return Err(ApiError::invalid(format!(
                    "Invalid page number {page}: pages start at 1"
                )));
            }
            let skip = (page as usize - 1).saturating_mul(size as usize);
            Ok(Page {
                skip,
                take: size as usize,
            })
        }
    }
}

/// A list answer: `count` is the number of matches, the items the page.
pub(crate) fn paged<K: Copy, T: Serialize>(
    ctx: &Ctx<'_>,
    item_key: &str,
    matches: &[K],
    page: &Page,
    view: impl Fn(K) -> T,
) -> Reply {
    let items = matches
        .iter()
        .skip(page.skip)
        .take(page.take)
        .map(|&i| view(i));
    list_reply(ctx.api.key, item_key, matches.len(), items)
}

/// Queues this command's job on one object (its `instance_type` and uuid):
/// on success its result is what `effect` returns; `failure`, decided now,
/// fails it instead. Answers with the job id.
pub(crate) fn effect_job(
    ctx: &mut Ctx<'_>,
    instance: (&'static str, String),
    effect: impl FnOnce(&mut State) -> serde_json::Value + Send + 'static,
    failure: Option<(u16, String)>,
) -> Reply {
    let job = crate::sim::state::jobs::NewJob {
        cmd: ctx.api.job_cmd,
        instance_type: Some(instance.0),
        instance_id: Some(instance.1),
        action: crate::sim::state::jobs::Action::Effect(Box::new(effect)),
        failure,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    async_reply(ctx, None, job)
}

/// `{"<cmd>response":{"jobid":…}}` or `{"id":…,"jobid":…}` for async-create commands.
pub(crate) fn async_reply(ctx: &Ctx<'_>, id: Option<&str>, job: usize) -> Reply {
    #[derive(Serialize)]
    struct Started<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        jobid: &'a str,
    }
    Reply::ok(envelope(
        ctx.api.key,
        &Started {
            id,
            jobid: &ctx.st.jobs[job].id,
        },
    ))
}

/// A case-insensitive substring test, as SQL `LIKE '%…%'` with the
/// server's collation. `needle` must already be lower-case.
pub(crate) fn like(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
        return haystack.len() >= needle.len()
            && haystack
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle));
    }
    haystack.to_lowercase().contains(needle)
}

// List filters are looked up once per request, not once per row.

/// An optional filter matched by equality, ignoring case.
#[derive(Clone, Copy)]
pub(crate) struct Want<'p>(Option<&'p str>);

impl Want<'_> {
    pub fn allows(self, value: &str) -> bool {
        self.0.is_none_or(|want| want.eq_ignore_ascii_case(value))
    }
}

pub(crate) fn want<'p>(params: &'p Params, name: &str) -> Want<'p> {
    Want(params.get(name))
}

/// An optional boolean filter.
#[derive(Clone, Copy)]
pub(crate) struct WantFlag(Option<bool>);

impl WantFlag {
    pub fn allows(self, value: bool) -> bool {
        self.0.is_none_or(|want| want == value)
    }
}

pub(crate) fn want_flag(params: &Params, name: &str) -> WantFlag {
    WantFlag(params.get(name).map(|_| params.flag(name)))
}

/// `id` and `ids`.
pub(crate) struct Ids<'p> {
    id: Want<'p>,
    ids: Option<Vec<&'p str>>,
}

impl<'p> Ids<'p> {
    pub fn new(params: &'p Params) -> Self {
        Ids {
            id: want(params, "id"),
            ids: params.get("ids").map(|_| params.list("ids")),
        }
    }

    pub fn allows(&self, id: &str) -> bool {
        self.id.allows(id)
            && self
                .ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|want| want.eq_ignore_ascii_case(id)))
    }
}

/// `keyword`, matched as a substring of any of the given texts.
pub(crate) struct Keyword(Option<String>);

impl Keyword {
    pub fn new(params: &Params) -> Self {
        Keyword(params.get("keyword").map(str::to_lowercase))
    }

    pub fn allows(&self, texts: &[&str]) -> bool {
        self.0
            .as_deref()
            .is_none_or(|k| texts.iter().any(|text| like(text, k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Params {
        Params::parse(&crate::sim::params::pairs(list)).unwrap()
    }

    #[test]
    fn paging_rules() {
        let page = paging(&params(&[])).unwrap();
        assert_eq!((page.skip, page.take), (0, 500));
        let page = paging(&params(&[("page", "3"), ("pagesize", "10")])).unwrap();
        assert_eq!((page.skip, page.take), (20, 10));
        assert_eq!(
            paging(&params(&[("pagesize", "-1")])).unwrap().take,
            usize::MAX
        );
        let error = paging(&params(&[("pagesize", "10")])).err().unwrap();
        assert_eq!(
            error.text,
            "\"page\" parameter is required when \"pagesize\" is specified"
        );
        let error = paging(&params(&[("page", "1")])).err().unwrap();
        assert_eq!(
            error.text,
            "\"pagesize\" parameter is required when \"page\" is specified"
        );
        let error = paging(&params(&[("page", "1"), ("pagesize", "501")]))
            .err()
            .unwrap();
        assert_eq!((error.code, error.cs), (431, Some(4350)));
        assert_eq!(
            error.text,
            "Page size can't exceed max allowed page size value: 500"
        );
    }

    /// A typed kind owns every object of its kind, so the generic model
    /// (which keeps generic rows) must never answer a command that makes,
    /// takes away or changes the shown fields of one: each has a handler.
    #[test]
    fn typed_kinds_are_changed_only_by_their_handlers() {
        use crate::catalog::Verb;
        use crate::sim::kinds::Entity;
        use crate::sim::objects::kind_of;
        let mut missing = Vec::new();
        for api in crate::catalog::builtin().apis() {
            let kind = kind_of(&api.name);
            let Some(entity) = Entity::of_kind(&kind) else {
                continue;
            };
            if BY_NAME.contains_key(&*api.name) || UNCHANGED_BY_GENERIC.contains(&&*api.name) {
                continue;
            }
            let list = crate::catalog::builtin()
                .apis()
                .iter()
                .find(|list| list.verb() == "list" && kind_of(&list.name) == entity.kind());
            let shown = list.map(|list| list.response.fields());
            let changes_a_field = api.params.iter().any(|param| {
                param.name != "id"
                    && shown.is_some_and(|fields| {
                        fields
                            .iter()
                            .any(|f| f.name.eq_ignore_ascii_case(&param.name))
                    })
            });
            let missed = match Verb::of(&api.name) {
                Verb::Read => false,
                Verb::Create | Verb::Delete => true,
                Verb::Change => changes_a_field,
            };
            if missed {
                missing.push(api.name.to_string());
            }
        }
        assert!(missing.is_empty(), "no hand-written handler: {missing:?}");
    }

    #[test]
    fn like_is_case_insensitive() {
        assert!(like("Debian 7 - Minimal", "debian"));
        assert!(!like("CentOS", "debian"));
    }
}
