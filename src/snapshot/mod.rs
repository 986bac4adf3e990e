//! `csctl snapshot`: a copy of what an account sees in its cloud, as a
//! simulator cloud file (`csctl sim --cloud FILE`), read with read-only
//! calls only (see [`guard::ReadOnly`]) and with every secret left out
//! (see [`secrets`]).
//!
//! [`take`] lists each selected resource type (pages fetched by the client's
//! paging code, several types at once), then [`convert`] turns the answers
//! into a [`Cloud`]: the typed parts the simulator's hand-written commands
//! serve (zones, networks, templates, offerings, VMs with their NICs, public
//! IPs, port forwarding rules, tags, the account) and generic objects for
//! the rest, ids kept.

pub mod convert;
pub mod diff;
pub mod guard;
pub mod inventory;
pub mod plan;
pub mod secrets;

use std::collections::BTreeMap;
use std::path::Path;

use futures::StreamExt as _;
use serde_json::Value;

use csctl::client::{Client, ClientError, Params};
use csctl::sim::Cloud;

pub use guard::ReadOnly;

/// Why a snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The snapshot path was asked to send a command that is not read-only.
    #[error("{0} is not a read-only command: a snapshot never sends it")]
    NotReadOnly(String),
    /// A resource type name in `--only` / `--skip` is unknown.
    #[error("unknown resource type `{given}` (known: {known})")]
    UnknownKind {
        /// The name given.
        given: String,
        /// Every known name.
        known: String,
    },
    /// A list call failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// What was read does not make a cloud the simulator can serve.
    #[error("the snapshot is not a usable cloud: {0}")]
    Invalid(String),
    /// Writing the file failed.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// The reason.
        reason: String,
    },
}

/// A resource type a snapshot can hold (the names of `--only` / `--skip`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The account, its user and domain.
    Account,
    /// The account's resource limits.
    Limits,
    /// Zones.
    Zones,
    /// Guest networks.
    Networks,
    /// VPCs.
    Vpcs,
    /// Templates, under every template filter.
    Templates,
    /// ISOs, under every filter.
    Isos,
    /// Service (compute) offerings.
    ServiceOfferings,
    /// Disk offerings.
    DiskOfferings,
    /// SSH key pairs (public part only).
    SshKeyPairs,
    /// Security groups with their rules.
    SecurityGroups,
    /// Affinity groups.
    AffinityGroups,
    /// Public IP addresses.
    PublicIps,
    /// Firewall rules.
    FirewallRules,
    /// Port forwarding rules.
    PortForwardingRules,
    /// Load balancer rules.
    LoadBalancerRules,
    /// Virtual machines with their NICs.
    Vms,
    /// Volumes.
    Volumes,
    /// Tags.
    Tags,
}

/// Every kind with its name, in the order they are listed.
pub const KINDS: &[(Kind, &str)] = &[
    (Kind::Account, "account"),
    (Kind::Limits, "limits"),
    (Kind::Zones, "zones"),
    (Kind::Networks, "networks"),
    (Kind::Vpcs, "vpcs"),
    (Kind::Templates, "templates"),
    (Kind::Isos, "isos"),
    (Kind::ServiceOfferings, "serviceofferings"),
    (Kind::DiskOfferings, "diskofferings"),
    (Kind::SshKeyPairs, "sshkeypairs"),
    (Kind::SecurityGroups, "securitygroups"),
    (Kind::AffinityGroups, "affinitygroups"),
    (Kind::PublicIps, "publicips"),
    (Kind::FirewallRules, "firewallrules"),
    (Kind::PortForwardingRules, "portforwardingrules"),
    (Kind::LoadBalancerRules, "loadbalancerrules"),
    (Kind::Vms, "vms"),
    (Kind::Volumes, "volumes"),
    (Kind::Tags, "tags"),
];

/// Other common names of the kinds (singular; a final `s` is optional).
const ALIASES: &[(Kind, &str)] = &[
    (Kind::Account, "user"),
    (Kind::Limits, "resourcelimit"),
    (Kind::Vms, "virtualmachine"),
    (Kind::Vms, "instance"),
    (Kind::Vms, "uservm"),
    (Kind::ServiceOfferings, "computeoffering"),
    (Kind::ServiceOfferings, "offering"),
    (Kind::SshKeyPairs, "keypair"),
    (Kind::SshKeyPairs, "sshkey"),
    (Kind::PublicIps, "ipaddress"),
    (Kind::PublicIps, "publicipaddress"),
    (Kind::PublicIps, "ip"),
    (Kind::FirewallRules, "firewall"),
    (Kind::PortForwardingRules, "portforward"),
    (Kind::PortForwardingRules, "portforwarding"),
    (Kind::LoadBalancerRules, "loadbalancer"),
    (Kind::LoadBalancerRules, "lb"),
    (Kind::LoadBalancerRules, "lbrule"),
    (Kind::Volumes, "disk"),
    (Kind::Tags, "resourcetag"),
    (Kind::Vpcs, "vpc"),
    (Kind::Isos, "iso"),
];

/// The filters a template (or ISO) list takes for a user account; `all`
/// is for administrators only and adds nothing the others miss.
pub const TEMPLATE_FILTERS: &[&str] = &[
    "featured",
    "self",
    "selfexecutable",
    "sharedexecutable",
    "executable",
    "community",
];

impl Kind {
    /// Parses a name: the kind's name or a common one for it (`vm`,
    /// `VirtualMachines`, `instances`, `public-ips`…), in any case, with or
    /// without `-`/`_` and a final `s`.
    pub fn parse(text: &str) -> Result<Kind, SnapshotError> {
        let lower: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        // `vms` / `vm`, `ipaddresses` / `ipaddress`.
        let singular = |word: &str| -> String {
            if let Some(stem) = word.strip_suffix("sses") {
                format!("{stem}ss")
            } else if word.ends_with('s') && !word.ends_with("ss") {
                word[..word.len() - 1].to_string()
            } else {
                word.to_string()
            }
        };
        let wanted = singular(&lower);
        KINDS
            .iter()
            .map(|(kind, name)| (*kind, *name))
            .chain(ALIASES.iter().copied())
            .find(|(_, name)| singular(name) == wanted)
            .map(|(kind, _)| kind)
            .ok_or_else(|| SnapshotError::UnknownKind {
                given: text.to_string(),
                known: KINDS.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", "),
            })
    }

    /// The kinds this one needs to be served: a VM without its template,
    /// offering and networks, a rule without its address, is left out.
    fn needs(self) -> &'static [Kind] {
        match self {
            Kind::Vms => &[Kind::Templates, Kind::ServiceOfferings, Kind::Networks],
            Kind::PortForwardingRules => &[
                Kind::PublicIps,
                Kind::Vms,
                Kind::Templates,
                Kind::ServiceOfferings,
                Kind::Networks,
            ],
            Kind::PublicIps => &[Kind::Networks],
            _ => &[],
        }
    }

    /// The read-only list calls that fetch it: (command, extra parameters).
    fn calls(self) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
        let one = |command| vec![(command, Vec::new())];
        match self {
            Kind::Account => vec![("listAccounts", Vec::new()), ("listUsers", Vec::new())],
            Kind::Limits => one("listResourceLimits"),
            Kind::Zones => one("listZones"),
            Kind::Networks => one("listNetworks"),
            Kind::Vpcs => one("listVPCs"),
            Kind::Templates => TEMPLATE_FILTERS
                .iter()
                .map(|f| ("listTemplates", vec![("templatefilter", *f)]))
                .collect(),
            Kind::Isos => TEMPLATE_FILTERS
                .iter()
                .map(|f| ("listIsos", vec![("isofilter", *f)]))
                .collect(),
            Kind::ServiceOfferings => one("listServiceOfferings"),
            Kind::DiskOfferings => one("listDiskOfferings"),
            Kind::SshKeyPairs => one("listSSHKeyPairs"),
            Kind::SecurityGroups => one("listSecurityGroups"),
            Kind::AffinityGroups => one("listAffinityGroups"),
            Kind::PublicIps => one("listPublicIpAddresses"),
            Kind::FirewallRules => vec![
                ("listFirewallRules", Vec::new()),
                ("listEgressFirewallRules", Vec::new()),
            ],
            Kind::PortForwardingRules => one("listPortForwardingRules"),
            Kind::LoadBalancerRules => one("listLoadBalancerRules"),
            Kind::Vms => one("listVirtualMachines"),
            Kind::Volumes => one("listVolumes"),
            Kind::Tags => one("listTags"),
        }
    }
}

/// Which kinds to take: every kind, or those of `only` and what they need
/// (a VM its template, offering and networks), minus `skip`. Zones are
/// always taken (a cloud has at least one).
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<Kind>, SnapshotError> {
    let parse_all = |names: &[String]| -> Result<Vec<Kind>, SnapshotError> {
        names
            .iter()
            .flat_map(|n| n.split(','))
            .filter(|n| !n.trim().is_empty())
            .map(Kind::parse)
            .collect()
    };
    let mut only = parse_all(only)?;
    let skip = parse_all(skip)?;
    // What the chosen kinds need comes too (unless skipped).
    let needed: Vec<Kind> = only.iter().flat_map(|kind| kind.needs()).copied().collect();
    only.extend(needed);
    Ok(KINDS
        .iter()
        .map(|(kind, _)| *kind)
        .filter(|kind| only.is_empty() || only.contains(kind) || *kind == Kind::Zones)
        .filter(|kind| !skip.contains(kind) || *kind == Kind::Zones)
        .collect())
}

/// What was read: each list call's items (by command and filter), and the
/// key its items sat under.
#[derive(Debug, Default)]
pub struct Listed {
    /// `(command, filter)` -> (answer key, items).
    pub lists: BTreeMap<(String, String), (Option<String>, Vec<Value>)>,
    /// Calls the cloud refused (a command it lacks, a filter it forbids).
    pub warnings: Vec<String>,
}

impl Listed {
    /// The items of a call (empty when it was not made or refused).
    pub fn items(&self, command: &str, filter: &str) -> &[Value] {
        self.lists
            .get(&(command.to_string(), filter.to_string()))
            .map_or(&[], |(_, items)| items.as_slice())
    }
}

/// A snapshot: the cloud file and what could not be taken.
#[derive(Debug)]
pub struct Snapshot {
    /// The cloud, ready for `csctl sim --cloud`.
    pub cloud: Cloud,
    /// Lists the cloud refused and objects left out, one line each.
    pub warnings: Vec<String>,
}

/// How many list calls run at once.
const CONCURRENT_LISTS: usize = 4;

/// Reads the selected kinds from the cloud behind `client` with read-only
/// calls only. `progress` is told the number of calls, then each one done.
pub async fn take(
    client: &Client,
    kinds: &[Kind],
    progress: &dyn Fn(Progress<'_>),
) -> Result<Snapshot, SnapshotError> {
    let reader = ReadOnly::new(client);
    let calls: Vec<(&'static str, Vec<(&'static str, &'static str)>)> =
        kinds.iter().flat_map(|kind| kind.calls()).collect();
    progress(Progress::Start(calls.len()));
    let reader = &reader;
    let mut answers = futures::stream::iter(calls.into_iter().map(|(command, extra)| async move {
        let mut params = Params::new();
        for (name, value) in &extra {
            params.set(name, *value);
        }
        let filter = extra
            .first()
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        (command, filter, reader.list(command, &params).await)
    }))
    .buffer_unordered(CONCURRENT_LISTS);
    let mut listed = Listed::default();
    while let Some((command, filter, answer)) = answers.next().await {
        progress(Progress::Done(command));
        match answer {
            Ok((key, mut items)) => {
                items.iter_mut().for_each(secrets::strip);
                listed
                    .lists
                    .insert((command.to_string(), filter), (key, items));
            }
            // Wrong keys or a session that ended (401), a cloud that does
            // not serve the API as expected (432): nothing read can be
            // trusted to be the cloud.
            Err(SnapshotError::Client(ClientError::Api(error))) if stops(&error) => {
                return Err(SnapshotError::Client(ClientError::Api(error)));
            }
            // The cloud lacks the command, or the account may not use it
            // (or that filter): the rest of the snapshot is still useful.
            Err(SnapshotError::Client(ClientError::Api(error))) => {
                let what = if filter.is_empty() {
                    command.to_string()
                } else {
                    format!("{command} ({filter})")
                };
                listed.warnings.push(format!("{what}: {error}"));
            }
            Err(error) => return Err(error),
        }
    }
    drop(answers);
    members(reader, &mut listed, progress).await?;
    let (cloud, mut warnings) = convert::to_cloud(&listed);
    warnings.splice(0..0, listed.warnings);
    cloud.validate().map_err(SnapshotError::Invalid)?;
    Ok(Snapshot { cloud, warnings })
}

/// Whether an error answer ends a snapshot: 401 (the request was not
/// accepted: keys, clock, session) or 432 (the command is unknown to a
/// cloud that should know it), as opposed to a list the account may not
/// read.
fn stops(error: &csctl::client::ApiError) -> bool {
    [401, 432].contains(&error.errorcode) || [401, 432].contains(&error.http_status)
}

/// The VMs of each load balancer rule (`listLoadBalancerRuleInstances`
/// per rule), under `("listLoadBalancerRuleInstances", rule id)`.
async fn members(
    reader: &ReadOnly<'_>,
    listed: &mut Listed,
    progress: &dyn Fn(Progress<'_>),
) -> Result<(), SnapshotError> {
    let rules: Vec<String> = listed
        .items("listLoadBalancerRules", "")
        .iter()
        .filter_map(|rule| rule.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    if rules.is_empty() {
        return Ok(());
    }
    progress(Progress::More(rules.len()));
    const COMMAND: &str = "listLoadBalancerRuleInstances";
    let mut answers = futures::stream::iter(rules.into_iter().map(|rule| async move {
        let mut params = Params::new();
        params.set("id", rule.clone());
        (rule, reader.list(COMMAND, &params).await)
    }))
    .buffer_unordered(CONCURRENT_LISTS);
    while let Some((rule, answer)) = answers.next().await {
        progress(Progress::Done(COMMAND));
        match answer {
            Ok((key, items)) => {
                listed
                    .lists
                    .insert((COMMAND.to_string(), rule), (key, items));
            }
            Err(SnapshotError::Client(ClientError::Api(error))) if stops(&error) => {
                return Err(SnapshotError::Client(ClientError::Api(error)));
            }
            Err(SnapshotError::Client(ClientError::Api(error))) => {
                listed.warnings.push(format!("{COMMAND} ({rule}): {error}"));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Progress of [`take`].
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// This many list calls will be made.
    Start(usize),
    /// This many more calls will be made.
    More(usize),
    /// One of them is done.
    Done(&'a str),
}

/// The file a snapshot goes to, checked before the cloud is read: the
/// cloud is written to a private temporary file beside it (0600 on Unix),
/// which replaces the file only once complete, so a failed snapshot leaves
/// an older one as it was.
pub struct OutputFile {
    path: std::path::PathBuf,
    temporary: std::path::PathBuf,
    file: Option<std::fs::File>,
}

impl OutputFile {
    /// Checks that `path` can be written (not a directory or a device; its
    /// folder exists and is writable) by creating the temporary file.
    pub fn prepare(path: &Path) -> Result<OutputFile, SnapshotError> {
        let bad = |reason: String| SnapshotError::Write {
            path: path.display().to_string(),
            reason,
        };
        if let Ok(metadata) = std::fs::metadata(path) {
            if !metadata.is_file() {
                return Err(bad("not a regular file".into()));
            }
        }
        let file_name = path
            .file_name()
            .ok_or_else(|| bad("not a file name".into()))?;
        let mut hidden = std::ffi::OsString::from(".");
        hidden.push(file_name);
        hidden.push(format!(".{}.tmp", std::process::id()));
        let temporary = path.with_file_name(hidden);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(&temporary).map_err(|e| bad(e.to_string()))?;
        Ok(OutputFile {
            path: path.to_path_buf(),
            temporary,
            file: Some(file),
        })
    }

    /// Writes the cloud as pretty JSON and puts the file in place.
    pub fn write(mut self, cloud: &Cloud) -> Result<(), SnapshotError> {
        let bad = |reason: String| SnapshotError::Write {
            path: self.path.display().to_string(),
            reason,
        };
        let text = serde_json::to_string_pretty(cloud).map_err(|e| bad(e.to_string()))?;
        let file = self
            .file
            .take()
            .ok_or_else(|| bad("written already".into()))?;
        write_all(file, &text).map_err(|e| bad(e.to_string()))?;
        std::fs::rename(&self.temporary, &self.path).map_err(|e| bad(e.to_string()))
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        // Not put in place (a failed snapshot, a failed write): no trace.
        let _ = std::fs::remove_file(&self.temporary);
    }
}

fn write_all(mut file: std::fs::File, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_takes_only_and_skip() {
        let all = select(&[], &[]).unwrap();
        assert_eq!(all.len(), KINDS.len());
        let some = select(&["vms,templates".into()], &[]).unwrap();
        assert_eq!(
            some,
            [
                Kind::Zones,
                Kind::Networks,
                Kind::Templates,
                Kind::ServiceOfferings,
                Kind::Vms
            ]
        );
        let fewer = select(&[], &["tags".into(), "zones".into()]).unwrap();
        assert!(!fewer.contains(&Kind::Tags) && fewer.contains(&Kind::Zones));
        assert_eq!(Kind::parse("VM").unwrap(), Kind::Vms);
        for name in [
            "vm",
            "vms",
            "VirtualMachines",
            "instance",
            "virtual_machine",
        ] {
            assert_eq!(Kind::parse(name).unwrap(), Kind::Vms, "{name}");
        }
        for name in ["public-ips", "ipaddresses", "publicipaddress"] {
            assert_eq!(Kind::parse(name).unwrap(), Kind::PublicIps, "{name}");
        }
        assert_eq!(Kind::parse("lb").unwrap(), Kind::LoadBalancerRules);
        // VMs bring what they need to be served.
        let vms = select(&["vm".into()], &[]).unwrap();
        assert_eq!(
            vms,
            [
                Kind::Zones,
                Kind::Networks,
                Kind::Templates,
                Kind::ServiceOfferings,
                Kind::Vms
            ]
        );
        assert!(matches!(
            select(&["vmz".into()], &[]),
            Err(SnapshotError::UnknownKind { .. })
        ));
    }

    #[test]
    fn every_call_is_read_only() {
        for (kind, _) in KINDS {
            for (command, _) in kind.calls() {
                ReadOnly::check(command).unwrap();
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloud.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        OutputFile::prepare(&path)
            .unwrap()
            .write(&Cloud::demo())
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Checked before anything is read; nothing left behind.
        for bad in [
            Path::new("/dev/null"),
            dir.path(),
            dir.path().join("no/such/dir.json").as_path(),
        ] {
            assert!(
                matches!(OutputFile::prepare(bad), Err(SnapshotError::Write { .. })),
                "{bad:?}"
            );
        }
        drop(OutputFile::prepare(&path).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        csctl::sim::load_cloud_file(&path).unwrap();
    }
}
