//! The whole catalogue against one simulator: every command called with its
//! required parameters (ids of objects listed or created first) answers with
//! the catalogue's shape (its key, a list or not, sync or async); every
//! command with a required parameter answers 431 without it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use csctl::catalog::{self, Api, ValueType};
use serde_json::Value;

use crate::support::sim::TestSim;

use csctl::sim::demo::{DEBIAN7, M1_SMALL, NETWORK, ZONE1, ZONE2};
const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl walk";

/// Commands answered before the parameter layer (sessions).
const SESSION_COMMANDS: &[&str] = &["login", "logout"];

/// Verbs whose commands run last: they take away what others use.
fn phase(api: &Api) -> u8 {
    if api.name == "removeFromLoadBalancerRule" {
        // Before the rule itself is deleted.
        return 1;
    }
    match api.verb() {
        "create" | "add" | "register" | "deploy" | "import" | "upload" | "associate" => 0,
        "delete" | "remove" | "release" | "destroy" | "disassociate" | "revoke" | "expunge"
        | "purge" | "unregister" | "disable" | "lock" | "cancel" => 2,
        _ => 1,
    }
}

/// Ids seen so far, by the list command that lists such objects.
#[derive(Default)]
struct Pool {
    by_list: HashMap<String, Vec<String>>,
    jobs: Vec<String>,
    names: HashMap<String, String>,
    /// Commands that succeeded.
    done: std::collections::HashSet<String>,
    /// Security group rule ids, by list (`ingressrule`, `egressrule`).
    rules: HashMap<String, String>,
}

struct Walk<'a> {
    sim: &'a TestSim,
    pool: Pool,
    failures: Vec<String>,
    calls: usize,
    /// Ids of a kind no list command gives are taken from any object.
    fallback: bool,
    /// The last call's arguments hold such an id.
    used_fallback: bool,
    /// Commands given another kind's id, refused as the server refuses
    /// them (431, "entity does not exist").
    refused_other_kind: Vec<String>,
    /// Something was made since the lists were last read.
    dirty: bool,
}

impl Walk<'_> {
    fn call(&mut self, params: &[(String, String)]) -> (u16, Value) {
        self.calls += 1;
        let borrowed: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.sim.signed_post(&borrowed)
    }

    /// Records the ids of a list or object answer under the list command
    /// that lists them.
    fn remember(&mut self, api: &Api, inner: &Value) {
        let cat = catalog::builtin();
        let list = if api.verb() == "list" {
            Some(api.name.to_string())
        } else if phase(api) != 0 {
            // Only lists and creations say what exists.
            None
        } else {
            cat.resolve_words("list", api.noun())
                .map(|list| list.name.to_string())
        };
        let Some(list) = list else { return };
        let mut add = |item: &Value| {
            for nic in item["nic"].as_array().into_iter().flatten() {
                if let Some(id) = nic["id"].as_str() {
                    let ids = self.pool.by_list.entry("listNics".into()).or_default();
                    if !ids.iter().any(|known| known == id) {
                        ids.push(id.to_string());
                    }
                }
            }
            if let Some(id) = item.get("id").and_then(Value::as_str) {
                let ids = self.pool.by_list.entry(list.clone()).or_default();
                if !ids.iter().any(|known| known == id) {
                    ids.push(id.to_string());
                }
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    self.pool.names.insert(id.to_string(), name.to_string());
                }
            }
        };
        match inner {
            Value::Array(items) => items.iter().for_each(&mut add),
            Value::Object(_) => add(inner),
            _ => {}
        }
    }

    /// The id of some object (a zone).
    fn any_id(&self) -> Option<String> {
        self.pool
            .by_list
            .get("listZones")
            .and_then(|ids| ids.first().cloned())
    }

    /// An id for a parameter naming objects of `entity`.
    fn id_for(&self, api: &Api, param: &str) -> Option<String> {
        let cat = catalog::builtin();
        let list = cat.list_command_for(api, param)?;
        // Not the VMs destroyed before the walk (for recover and expunge).
        let gone = |id: &String| {
            self.pool
                .names
                .get(id)
                .is_some_and(|n| n.starts_with("walk-gone"))
        };
        self.pool
            .by_list
            .get(list.name.as_ref())
            .and_then(|ids| ids.iter().find(|id| !gone(id)).cloned())
    }

    /// Values for a command's required parameters; `None` while an id it
    /// needs is not known yet.
    fn arguments(&mut self, api: &Api) -> Option<Vec<(String, String)>> {
        let mut params = vec![("command".to_string(), api.name.to_string())];
        if waits(api, &self.pool) {
            return None;
        }
        if let Some(special) = special(api, &self.pool) {
            params.extend(special);
            return Some(params);
        }
        for param in api.required() {
            let name = param.name.to_string();
            match param.kind {
                ValueType::Integer | ValueType::Long | ValueType::Short => {
                    params.push((name, "22".into()))
                }
                ValueType::Map => {
                    params.push((format!("{name}[0].key"), "walk".into()));
                    params.push((format!("{name}[0].value"), "yes".into()));
                    params.push((format!("{name}[0].name"), "walk".into()));
                }
                _ if param.is_id() => {
                    let id = if name.eq_ignore_ascii_case("jobid") {
                        self.pool.jobs.first().cloned()
                    } else {
                        self.id_for(api, &name)
                    };
                    let id = match (id, param.kind) {
                        (Some(id), _) => id,
                        // A name, not an id.
                        (None, ValueType::String) => format!("walk-{name}"),
                        // No list gives such objects: another object's id,
                        // which the parameter layer must refuse.
                        (None, _) if self.fallback => {
                            self.used_fallback = true;
                            self.any_id()?
                        }
                        (None, _) => return None,
                    };
                    params.push((name, id));
                }
                ValueType::Double | ValueType::Float => params.push((name, "1.5".into())),
                ValueType::Boolean => params.push((name, "true".into())),
                ValueType::Date | ValueType::TzDate => params.push((name, "2024-01-31".into())),
                _ => {
                    let value = match name.to_ascii_lowercase().as_str() {
                        "templatefilter" | "isofilter" => "featured".to_string(),
                        "protocol" => "tcp".into(),
                        "algorithm" => "roundrobin".into(),
                        "resourcetype" => "UserVm".into(),
                        "publickey" => PUBLIC_KEY.into(),
                        "url" => "http://192.0.2.1/walk".into(),
                        "cidrlist" | "cidr" | "gateway" => "10.9.0.0/24".into(),
                        _ => format!("walk-{}", api.name.to_ascii_lowercase()),
                    };
                    params.push((name, value));
                }
            }
        }
        Some(params)
    }

    /// Runs every list command without required parameters: what the cloud
    /// has now.
    fn list_everything(&mut self) {
        for api in catalog::builtin().apis() {
            if api.verb() == "list" && api.response.list && api.required().next().is_none() {
                self.run(api);
            }
        }
    }

    /// Calls one command; checks and records its answer. `Ok(false)` when
    /// it could not be called yet.
    fn run(&mut self, api: &Api) -> bool {
        self.used_fallback = false;
        let Some(params) = self.arguments(api) else {
            return false;
        };
        let (status, body) = self.call(&params);
        let wrapper = format!("{}response", api.name.to_ascii_lowercase());
        let answer = body.get(&wrapper).cloned().unwrap_or(Value::Null);
        let text = answer["errortext"].as_str().unwrap_or_default();
        if self.used_fallback && status == 431 && text.contains("entity does not exist") {
            self.refused_other_kind.push(api.name.to_string());
            return true;
        }
        if status != 200
            && REFUSED
                .iter()
                .any(|(name, why)| *name == api.name && text.contains(why))
        {
            return true;
        }
        if status != 200 {
            self.failures
                .push(format!("{}: HTTP {status} {body}", api.name));
            return true;
        }
        self.pool.done.insert(api.name.to_string());
        if api.is_async {
            let Some(job) = answer.get("jobid").and_then(Value::as_str) else {
                self.failures
                    .push(format!("{}: async without a jobid: {body}", api.name));
                return true;
            };
            self.pool.jobs.push(job.to_string());
            let result = self.sim.wait_job(job);
            if result["jobstatus"] != 1 {
                self.failures
                    .push(format!("{}: the job failed: {result}", api.name));
                return true;
            }
            for list in ["ingressrule", "egressrule"] {
                if let Some(id) = result["jobresult"]["securitygroup"][list]
                    .as_array()
                    .and_then(|rules| rules.last())
                    .and_then(|rule| rule["ruleid"].as_str())
                {
                    self.pool.rules.insert(list.to_string(), id.to_string());
                }
            }
            self.check_shape(api, &result["jobresult"], &body);
        } else {
            if answer.get("jobid").is_some() && !api.response.list && !api.response.direct {
                self.failures
                    .push(format!("{}: sync answered with a job: {body}", api.name));
            }
            self.check_shape(api, &answer, &body);
        }
        true
    }

    fn check_shape(&mut self, api: &Api, inner: &Value, body: &Value) {
        let response = &api.response;
        let Some(object) = inner.as_object() else {
            self.failures
                .push(format!("{}: not an object: {body}", api.name));
            return;
        };
        if response.list {
            if object.is_empty() {
                return;
            }
            let keys: Vec<&str> = response
                .key_or_guess()
                .into_iter()
                .chain(response.also().iter().map(|(k, _)| k.as_str()))
                .collect();
            match keys.iter().find_map(|k| object.get(*k)) {
                Some(Value::Array(items)) if object.get("count").is_some() => {
                    let items = Value::Array(items.clone());
                    self.remember(api, &items);
                }
                _ => self.failures.push(format!(
                    "{}: not a list under {keys:?} with a count: {body}",
                    api.name
                )),
            }
        } else if response.direct || response.key_or_guess().is_none() {
            if api.name == "queryAsyncJobResult" {
                return;
            }
            if !object.contains_key("success") && !response.fields().is_empty() {
                let expected = response
                    .fields()
                    .iter()
                    .any(|f| object.contains_key(&f.name));
                if !expected {
                    self.failures
                        .push(format!("{}: no success nor a field: {body}", api.name));
                }
            }
        } else {
            let key = response.key_or_guess().unwrap_or_default();
            match object.get(key) {
                Some(Value::Object(_)) => {
                    let item = object[key].clone();
                    self.remember(api, &item);
                }
                Some(Value::Array(_)) => {}
                _ => self
                    .failures
                    .push(format!("{}: no object under `{key}`: {body}", api.name)),
            }
        }
    }
}

/// Whether a command with hand-chosen parameters must wait for an object
/// another command makes.
fn waits(api: &Api, pool: &Pool) -> bool {
    // The VMs destroyed before the walk do not count.
    let gone = |id: &str| {
        pool.names
            .get(id)
            .is_some_and(|n| n.starts_with("walk-gone"))
    };
    let has = |list: &str, keep: &dyn Fn(&str) -> bool| {
        pool.by_list
            .get(list)
            .is_some_and(|ids| ids.iter().any(|id| keep(id) && !gone(id)))
    };
    let needs_vm = [
        "createPortForwardingRule",
        "createTags",
        "deleteTags",
        "attachVolume",
        "enableStaticNat",
        "assignToLoadBalancerRule",
        "removeFromLoadBalancerRule",
    ];
    let needs_ip = [
        "createPortForwardingRule",
        "enableStaticNat",
        "createIpForwardingRule",
        "createFirewallRule",
        "disableStaticNat",
        "createLoadBalancerRule",
        "disassociateIpAddress",
    ];
    let name: &str = api.name.as_ref();
    if name == "createIpForwardingRule" && !pool.done.contains("enableStaticNat") {
        return true;
    }
    if name == "assignVirtualMachine" && !pool.done.contains("recoverVirtualMachine") {
        return true;
    }
    if name.starts_with("revokeSecurityGroup") && pool.rules.len() < 2 {
        return true;
    }
    (needs_vm.contains(&name) && !has("listVirtualMachines", &|_| true))
        || (needs_ip.contains(&name)
            && !has("listPublicIpAddresses", &|id| !id.starts_with("5c8d7e6f")))
}

/// Commands the simulator refuses on purpose, with the words of the refusal.
const REFUSED: &[(&str, &str)] = &[("importVm", "The simulator does not simulate importVm")];

/// Parameters chosen by hand for commands whose semantics are simulated.
fn special(api: &Api, pool: &Pool) -> Option<Vec<(String, String)>> {
    let pairs = |list: &[(&str, String)]| {
        Some(
            list.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>(),
        )
    };
    let first = |list: &str| {
        pool.by_list
            .get(list)
            .and_then(|ids| ids.last().cloned())
            .unwrap_or_default()
    };
    // The VMs destroyed before the walk are for recover and expunge only.
    let gone = |id: &String| {
        pool.names
            .get(id)
            .is_some_and(|n| n.starts_with("walk-gone"))
    };
    let vm = pool
        .by_list
        .get("listVirtualMachines")
        .and_then(|ids| ids.iter().find(|id| !gone(id)).cloned());
    let named = |name: &str| {
        pool.names
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_default()
    };
    // An address other than the source NAT one.
    let ip = pool.by_list.get("listPublicIpAddresses").and_then(|ids| {
        ids.iter()
            .rev()
            .find(|id| !id.starts_with("5c8d7e6f"))
            .cloned()
    });
    let (vm, ip) = (vm.unwrap_or_default(), ip.unwrap_or_default());
    match api.name.as_ref() {
        "deployVirtualMachine" => pairs(&[
            ("zoneid", ZONE1.into()),
            ("serviceofferingid", M1_SMALL.into()),
            ("templateid", DEBIAN7.into()),
        ]),
        "associateIpAddress" => pairs(&[("networkid", NETWORK.into())]),
        "createPortForwardingRule" => pairs(&[
            ("ipaddressid", ip),
            ("privateport", "22".into()),
            ("publicport", "2222".into()),
            ("protocol", "tcp".into()),
            ("virtualmachineid", vm),
        ]),
        "createTags" | "deleteTags" => pairs(&[
            ("resourcetype", "UserVm".into()),
            ("resourceids", vm),
            ("tags[0].key", "walk".into()),
            ("tags[0].value", "yes".into()),
        ]),
        "createSSHKeyPair" | "registerSSHKeyPair" | "deleteSSHKeyPair" => {
            let mut list = vec![("name", "walk-key".to_string())];
            if api.name == "registerSSHKeyPair" {
                list[0].1 = "walk-registered".into();
                list.push(("publickey", PUBLIC_KEY.into()));
            }
            pairs(&list)
        }
        "createVolume" => pairs(&[
            ("name", "walk-data".into()),
            ("zoneid", ZONE1.into()),
            ("diskofferingid", first("listDiskOfferings")),
        ]),
        "attachVolume" | "detachVolume" | "deleteVolume" => {
            let data = pool
                .names
                .iter()
                .find(|(_, name)| *name == "walk-data")
                .map(|(id, _)| id.clone())
                .unwrap_or_default();
            let mut list = vec![("id", data)];
            if api.name == "attachVolume" {
                list.push(("virtualmachineid", vm));
            }
            pairs(&list)
        }
        "enableStaticNat" => pairs(&[("ipaddressid", ip), ("virtualmachineid", vm)]),
        "createIpForwardingRule" | "createFirewallRule" => pairs(&[
            ("ipaddressid", ip),
            ("protocol", "tcp".into()),
            ("startport", "80".into()),
        ]),
        "disableStaticNat" => pairs(&[("ipaddressid", ip)]),
        "disassociateIpAddress" => pairs(&[("id", ip)]),
        "deletePortForwardingRule" => pairs(&[("id", first("listPortForwardingRules"))]),
        "listLoadBalancerRuleInstances" | "deleteLoadBalancerRule" => {
            pairs(&[("id", first("listLoadBalancerRules"))])
        }
        "createLoadBalancerRule" => pairs(&[
            ("name", "walk-lb".into()),
            ("algorithm", "roundrobin".into()),
            ("privateport", "80".into()),
            ("publicport", "80".into()),
            ("publicipid", ip),
        ]),
        "assignToLoadBalancerRule" | "removeFromLoadBalancerRule" => pairs(&[
            ("id", first("listLoadBalancerRules")),
            ("virtualmachineids", vm),
        ]),
        "createSecurityGroup" => pairs(&[("name", "walk-sg".into())]),
        // A user joins an account that exists.
        "createUser" => pairs(&[
            ("account", "admin".into()),
            ("username", "walk-user".into()),
            ("password", "walk".into()),
            ("email", "walk@example.com".into()),
            ("firstname", "walk".into()),
            ("lastname", "walk".into()),
        ]),
        // Project members are accounts of the project's domain.
        // (Until a project is known, the default arguments wait for one.)
        "addAccountToProject" | "deleteAccountFromProject" => pool
            .by_list
            .get("listProjects")
            .and_then(|ids| ids.first().cloned())
            .and_then(|project| pairs(&[("projectid", project), ("account", "admin".into())])),
        "recoverVirtualMachine" => pairs(&[("id", named("walk-gone-1"))]),
        // The recovered (stopped) VM: only a stopped VM changes owner.
        "assignVirtualMachine" => pairs(&[
            ("virtualmachineid", named("walk-gone-1")),
            ("account", "admin".into()),
            ("domainid", csctl::sim::demo::DOMAIN.into()),
        ]),
        // A zone of its own: the demo zones hold hosts and VMs.
        "createZone" => pairs(&[
            ("name", "walk-zone".into()),
            ("dns1", "192.0.2.53".into()),
            ("internaldns1", "10.0.0.2".into()),
            ("networktype", "Advanced".into()),
        ]),
        "deleteZone" => pairs(&[("id", named("walk-zone"))]),
        // A network no VM uses (the server refuses one that has VMs).
        "deleteNetwork" => pairs(&[("id", named("walk-createnetwork"))]),
        // A port forwarding rule's id (firewall rules share its class).
        "updatePortForwardingRule" => pairs(&[("id", first("listPortForwardingRules"))]),
        "expungeVirtualMachine" => pairs(&[("id", named("walk-gone-2"))]),
        "updateResourceLimit" => pairs(&[("resourcetype", "0".into()), ("max", "-1".into())]),
        // Of a detached volume (the server refuses a running VM's).
        "extractVolume" => pairs(&[
            ("id", named("walk-data")),
            ("zoneid", ZONE1.into()),
            ("mode", "HTTP_DOWNLOAD".into()),
        ]),
        // From a volume (exactly one of volumeid and snapshotid).
        "createTemplate" => pairs(&[
            ("name", "walk-template".into()),
            ("displaytext", "walk".into()),
            ("ostypeid", first("listOsTypes")),
            ("volumeid", first("listVolumes")),
        ]),
        // To a zone it is not in yet.
        "copyTemplate" => pairs(&[
            ("id", DEBIAN7.into()),
            ("sourcezoneid", ZONE1.into()),
            ("destzoneid", ZONE2.into()),
        ]),
        "revokeSecurityGroupIngress" => pairs(&[("id", pool.rules["ingressrule"].clone())]),
        "revokeSecurityGroupEgress" => pairs(&[("id", pool.rules["egressrule"].clone())]),
        "authorizeSecurityGroupIngress" | "authorizeSecurityGroupEgress" => pairs(&[
            ("securitygroupname", "default".into()),
            ("protocol", "tcp".into()),
            ("startport", "22".into()),
            ("endport", "22".into()),
            ("cidrlist", "0.0.0.0/0".into()),
        ]),
        _ => None,
    }
}

#[test]
fn every_catalogue_command_answers_with_its_shape() {
    let sim = TestSim::start_with(|config| config.job_delay = Duration::ZERO);
    for name in ["walk-gone-1", "walk-gone-2"] {
        let vm = sim.deploy(&[("name", name)])["jobresult"]["virtualmachine"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let started = sim.api("destroyVirtualMachine", &[("id", &vm)]);
        sim.wait_job(started["jobid"].as_str().unwrap());
    }
    let cat = catalog::builtin();
    let mut walk = Walk {
        sim: &sim,
        pool: Pool::default(),
        failures: Vec::new(),
        calls: 0,
        fallback: false,
        used_fallback: false,
        refused_other_kind: Vec::new(),
        dirty: true,
    };
    let mut pending: BTreeMap<(u8, String), &Api> = cat
        .apis()
        .iter()
        .filter(|api| !SESSION_COMMANDS.contains(&api.name.as_ref()))
        .filter(|api| {
            !(api.verb() == "list" && api.response.list && api.required().next().is_none())
        })
        .map(|api| ((phase(api), api.name.to_string()), api))
        .collect();
    // Phase by phase (creating, then the rest, then taking away), in rounds
    // until nothing more can run: each round may make the ids the next needs.
    // Then once more for ids of kinds that no list command gives.
    for fallback in [false, true] {
        walk.fallback = fallback;
        for phase in 0..=2 {
            walk.dirty = true;
            loop {
                if walk.dirty {
                    walk.list_everything();
                    walk.dirty = false;
                }
                let before = pending.len();
                let ready: Vec<(u8, String)> = pending
                    .keys()
                    .filter(|(p, _)| *p <= phase)
                    .cloned()
                    .collect();
                for key in ready {
                    let api = pending[&key];
                    if walk.run(api) {
                        pending.remove(&key);
                        walk.dirty |= key.0 == 0;
                    }
                }
                if pending.len() == before {
                    break;
                }
            }
        }
    }
    let unrunnable: Vec<&String> = pending.keys().map(|(_, name)| name).collect();
    // Every id is checked against its kind: a zone id is not a backup's.
    assert!(
        walk.refused_other_kind
            .iter()
            .any(|name| name == "deleteBackup"),
        "{:?}",
        walk.refused_other_kind
    );
    assert!(
        walk.failures.is_empty() && unrunnable.is_empty(),
        "{} failures of {} calls:\n{}\nnot runnable (no ids): {unrunnable:?}",
        walk.failures.len(),
        walk.calls,
        walk.failures.join("\n")
    );
}

#[test]
fn every_required_parameter_is_checked() {
    let sim = TestSim::start();
    let mut wrong = Vec::new();
    for api in catalog::builtin().apis() {
        if api.required().next().is_none() || SESSION_COMMANDS.contains(&api.name.as_ref()) {
            continue;
        }
        let (status, body) = sim.signed_get(&[("command", api.name.as_ref())]);
        let lower = api.name.to_ascii_lowercase();
        let text = body[format!("{lower}response")]["errortext"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let prefix = format!("Unable to execute API command {lower} due to missing parameter ");
        if status != 431 || !text.starts_with(&prefix) {
            wrong.push(format!("{}: {status} {body}", api.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn unknown_commands_keep_the_401_and_the_slash_path_is_served() {
    let sim = TestSim::start();
    let (status, _) = sim.signed_get(&[("command", "launchRocket")]);
    assert_eq!(status, 401);
    let (status, _) = sim.signed_get(&[("command", "listzones")]);
    assert_eq!(status, 401, "command names are case-sensitive");
    let query = crate::support::sim::encode(&sim.signed_params(&[("command", "listZones")]));
    let response = reqwest::blocking::get(format!("{}/?{query}", sim.endpoint)).unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = serde_json::from_str(&response.text().unwrap()).unwrap();
    assert_eq!(body["listzonesresponse"]["count"], 2);
}
