//! The demo cloud's fixed ids and credentials, in one place.
//!
//! [`Cloud::demo`](super::Cloud::demo) is built from these, tests refer to
//! them by name, and `docs/simulator.md` lists them (a test below keeps the
//! two in step). Their values never change: tutorials and scripts quote
//! them.

/// The API key the simulator accepts when none is given.
pub const API_KEY: &str = "csctl-demo-api-key";
/// The secret key of [`API_KEY`].
pub const SECRET_KEY: &str = "csctl-demo-secret-key";
/// The login user of the default cloud (domain `/`).
pub const USERNAME: &str = "admin";
/// The password of [`USERNAME`].
pub const PASSWORD: &str = "password";

/// Uuid of the account `admin`.
pub const ACCOUNT: &str = "5f2f3a43-9c1e-4d7b-a1c0-6e8d2b4f7a10";
/// Uuid of the account's user `admin`.
pub const USER: &str = "8a6c1e2d-3b4f-4a5e-9d7c-0f1e2d3c4b5a";
/// Uuid of the ROOT domain.
pub const DOMAIN: &str = "e1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8";

/// Uuid of the first zone, `SimZone1` (it holds the network).
pub const ZONE1: &str = "a4e9c8f0-4b1e-4c3a-9d2f-6b7e1f0c2d31";
/// Uuid of the second zone, `SimZone2` (no guest network).
pub const ZONE2: &str = "b7d2e1a3-5c4f-4e6b-8a9d-0c1f2e3d4a52";

/// Uuid of the isolated network `default-isolated` (in [`ZONE1`]).
pub const NETWORK: &str = "3f9c2b1a-7d4e-4f8a-b6c5-1e2d3c4b5a60";
/// Uuid of [`NETWORK`]'s source-NAT public IP (`203.0.113.10`).
pub const SOURCE_NAT_IP: &str = "5c8d7e6f-1a2b-4c3d-9e4f-5a6b7c8d9e01";

/// Uuid of the template `Debian 7 - Minimal - 64bits` (featured, both
/// zones, password-enabled): the tutorial's template.
pub const DEBIAN7: &str = "6d5b069b-4268-4c7c-810f-2793c2ac44fb";
/// Uuid of the template `CentOS 7.9 - 64bits` (featured, both zones).
pub const CENTOS7: &str = "2c7f3a8e-9b1d-4e5f-a6c7-d8e9f0a1b2c3";
/// Uuid of the template `Ubuntu 22.04 LTS - 64bits` (featured, [`ZONE1`]).
pub const UBUNTU2204: &str = "4d6e8f0a-1b3c-4d5e-8f7a-9b0c1d2e3f4a";
/// Uuid of the template `Windows Server 2019 - Standard` (community,
/// [`ZONE1`]).
pub const WINDOWS2019: &str = "7e9f1a2b-3c4d-4e5f-9a6b-7c8d9e0f1a2b";
/// Uuid of the template `my-app-snapshot` (owned by the account, private,
/// [`ZONE1`]).
pub const MY_APP_SNAPSHOT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// Uuid of the service offering `m1.small` (1 vCPU, 1 GB).
pub const M1_SMALL: &str = "c6b89fea-1242-4f54-b15e-9d8ec8a0b7e8";
/// Uuid of the service offering `m1.medium` (2 vCPU, 2 GB).
pub const M1_MEDIUM: &str = "8dae8be9-5dae-4f81-89d1-b171f25ef3fd";
/// Uuid of the service offering `m1.large` (4 vCPU, 8 GB).
pub const M1_LARGE: &str = "d2b2e7b9-4ffa-419e-9ef1-6d413f08deab";
/// Uuid of the service offering `m1.extralarge` (8 vCPU, 16 GB).
pub const M1_EXTRALARGE: &str = "1412009f-0e89-4cfc-a681-1cda0631094b";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixed id, as `docs/simulator.md` must list it.
    const IDS: &[&str] = &[
        ACCOUNT,
        USER,
        DOMAIN,
        ZONE1,
        ZONE2,
        NETWORK,
        SOURCE_NAT_IP,
        DEBIAN7,
        CENTOS7,
        UBUNTU2204,
        WINDOWS2019,
        MY_APP_SNAPSHOT,
        M1_SMALL,
        M1_MEDIUM,
        M1_LARGE,
        M1_EXTRALARGE,
    ];

    #[test]
    fn the_simulator_docs_list_every_fixed_id() {
        let docs = include_str!("../../docs/simulator.md");
        for id in IDS {
            assert!(
                docs.contains(&format!("`{id}`")),
                "docs/simulator.md does not list {id}"
            );
        }
    }

    #[test]
    fn the_demo_cloud_uses_every_fixed_id() {
        let cloud = serde_json::to_string(&super::super::Cloud::demo()).unwrap();
        for id in IDS {
            assert!(cloud.contains(id), "the demo cloud has no {id}");
        }
    }
}
