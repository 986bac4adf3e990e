//! What a command does to the object it names: reads it, creates one,
//! deletes it or changes it. The one rule retries, the journal, the
//! simulator's generic model, snapshots and plans all use.

use super::{words, Catalog};

/// What a command does to the object it names.
///
/// ```
/// use csctl::catalog::Verb;
/// assert_eq!(Verb::of("listZones"), Verb::Read);
/// assert_eq!(Verb::of("deployVirtualMachine"), Verb::Create);
/// assert_eq!(Verb::of("unregisterSSHKeyPair"), Verb::Delete);
/// assert_eq!(Verb::of("addNicToVirtualMachine"), Verb::Change);
/// assert!(Verb::of("getVMPassword").is_read_only());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Changes nothing: safe to send twice ([`Catalog::is_read_only`]).
    Read,
    /// Makes a new object (`create…`, `deploy…`, `register…`,
    /// `authorizeSecurityGroupIngress`…).
    Create,
    /// Makes an object gone (`delete…`, `destroy…`, `unregister…`,
    /// `revoke…`…).
    Delete,
    /// Changes an existing object: every other verb, and every command
    /// that relates two objects (`addNicToVirtualMachine`,
    /// `removeFromLoadBalancerRule`), which changes the second one.
    /// `copyTemplate` is a change too: the server answers with the same
    /// template, now in one more zone.
    Change,
}

/// Verbs that make a new object.
const CREATES: &[&str] = &[
    "create",
    "add",
    "register",
    "deploy",
    "import",
    "upload",
    "associate",
    "authorize",
];

/// Verbs that make an object gone.
const DELETES: &[&str] = &[
    "delete",
    "remove",
    "release",
    "destroy",
    "disassociate",
    "revoke",
    "expunge",
    "purge",
    "unregister",
];

/// Verbs that still make a new object when their noun names another one
/// (`createSnapshotFromVMSnapshot`, `createVMFromBackup`).
const CREATES_FROM: &[&str] = &["create", "deploy", "import"];

impl Verb {
    /// What `name` (any case) does, by the built-in catalogue.
    pub fn of(name: &str) -> Verb {
        super::builtin().verb(name)
    }

    /// Whether the command changes nothing on the server.
    pub fn is_read_only(self) -> bool {
        self == Verb::Read
    }

    /// The verb of a command that is not a read, from the words of its
    /// name: `verb` in lower case, `noun` as the name spells it.
    fn classify(verb: &str, noun: &str) -> Verb {
        if relates(noun) && !CREATES_FROM.contains(&verb) {
            Verb::Change
        } else if CREATES.contains(&verb) {
            Verb::Create
        } else if DELETES.contains(&verb) {
            Verb::Delete
        } else {
            Verb::Change
        }
    }
}

/// Whether a noun names two objects: `NicToVirtualMachine`,
/// `FromLoadBalancerRule` (the word `To` or `From` starting a capitalised
/// word of its own).
fn relates(noun: &str) -> bool {
    let bytes = noun.as_bytes();
    ["To", "From"].iter().any(|word| {
        noun.match_indices(word).any(|(at, _)| {
            let next = bytes.get(at + word.len());
            next.is_some_and(u8::is_ascii_uppercase)
        })
    })
}

impl Catalog {
    /// What the command `name` (any case) does. Commands the catalogue
    /// does not know are judged by the start of their name.
    pub fn verb(&self, name: &str) -> Verb {
        if self.is_read_only(name) {
            return Verb::Read;
        }
        // `getUploadParamsForVolume` makes the volume (or template) the
        // upload will fill.
        if super::WRITES_WITH_READ_VERB
            .iter()
            .any(|prefix| name.to_ascii_lowercase().starts_with(prefix))
        {
            return Verb::Create;
        }
        if let Some(api) = self.find(name) {
            return Verb::classify(api.verb(), api.noun());
        }
        let (verb, noun) = words::split_verb(name);
        if !noun.is_empty() {
            return Verb::classify(verb, noun);
        }
        // An unknown name in one case: its verb is the longest known start.
        let lower = name.to_ascii_lowercase();
        let start = CREATES
            .iter()
            .chain(DELETES)
            .filter(|verb| lower.starts_with(**verb))
            .max_by_key(|verb| verb.len());
        match start {
            Some(verb) => Verb::classify(verb, ""),
            None => Verb::Change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_decided_from_the_catalogue() {
        let cases = [
            ("listZones", Verb::Read),
            ("queryAsyncJobResult", Verb::Read),
            ("getVMPassword", Verb::Read),
            ("findHostsForMigration", Verb::Read),
            ("quotaSummary", Verb::Read),
            ("getUploadParamsForVolume", Verb::Create),
            ("deployVirtualMachine", Verb::Create),
            ("createNetwork", Verb::Create),
            ("registerSSHKeyPair", Verb::Create),
            ("associateIpAddress", Verb::Create),
            ("authorizeSecurityGroupIngress", Verb::Create),
            ("createSnapshotFromVMSnapshot", Verb::Create),
            ("createVMFromBackup", Verb::Create),
            ("destroyVirtualMachine", Verb::Delete),
            ("unregisterExtension", Verb::Delete),
            ("revokeSecurityGroupIngress", Verb::Delete),
            ("disassociateIpAddress", Verb::Delete),
            ("addNicToVirtualMachine", Verb::Change),
            ("removeFromLoadBalancerRule", Verb::Change),
            ("addIpToNic", Verb::Change),
            ("deleteAccountFromProject", Verb::Change),
            ("copyTemplate", Verb::Change),
            ("updateVirtualMachine", Verb::Change),
            ("startVirtualMachine", Verb::Change),
            ("login", Verb::Change),
        ];
        for (name, verb) in cases {
            assert_eq!(Verb::of(name), verb, "{name}");
            assert_eq!(Verb::of(&name.to_ascii_lowercase()), verb, "{name}");
        }
    }

    #[test]
    fn unknown_commands_are_judged_by_their_name() {
        assert_eq!(Verb::of("listFrobs"), Verb::Read);
        assert_eq!(Verb::of("createFrob"), Verb::Create);
        assert_eq!(Verb::of("deletefrob"), Verb::Delete);
        assert_eq!(Verb::of("disassociatefrob"), Verb::Delete);
        assert_eq!(Verb::of("frobnicate"), Verb::Change);
        assert_eq!(Verb::of("addFrobToThing"), Verb::Change);
    }

    #[test]
    fn async_commands_are_never_reads() {
        let catalog = crate::catalog::builtin();
        for api in catalog.apis().iter().filter(|api| api.is_async) {
            assert!(!Verb::of(&api.name).is_read_only(), "{}", api.name);
        }
    }
}
