//! The only way the snapshot code talks to a cloud: list calls that the
//! catalogue says are read-only. A command that changes state can never be
//! sent from here, whatever the caller asks.

use serde_json::Value;

use super::SnapshotError;
use csctl::client::{list_all, Client, Params};

/// A client restricted to read-only commands.
pub struct ReadOnly<'a> {
    client: &'a Client,
}

impl<'a> ReadOnly<'a> {
    /// Wraps a client.
    pub fn new(client: &'a Client) -> Self {
        ReadOnly { client }
    }

    /// Refuses any command the built-in catalogue does not know as read-only
    /// (`list*`, `get*`… that are sync, as the catalogue classifies them).
    pub fn check(command: &str) -> Result<(), SnapshotError> {
        let catalog = csctl::catalog::builtin();
        match catalog.get(command) {
            Some(api) if catalog.is_read_only(&api.name) => Ok(()),
            _ => Err(SnapshotError::NotReadOnly(command.to_string())),
        }
    }

    /// Every item of a read-only list command, across pages, and the key
    /// they sit under.
    pub async fn list(
        &self,
        command: &str,
        params: &Params,
    ) -> Result<(Option<String>, Vec<Value>), SnapshotError> {
        Self::check(command)?;
        let all = list_all(self.client, command, params).await?;
        Ok((all.key, all.items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_commands_pass() {
        assert!(ReadOnly::check("listVirtualMachines").is_ok());
        assert!(ReadOnly::check("listTemplates").is_ok());
        for command in [
            "deployVirtualMachine",
            "getUploadParamsForVolume",
            "createTags",
            "listVirtualMachinez",
            "listvirtualmachines",
        ] {
            assert!(
                matches!(ReadOnly::check(command), Err(SnapshotError::NotReadOnly(_))),
                "{command}"
            );
        }
    }
}
