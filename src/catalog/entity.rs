//! Which list command gives the ids a parameter names.
//!
//! A parameter's `entity` is the server's response class (`ZoneResponse`);
//! most classes are named after their list command (`listZones`), and this
//! table holds the ones that are not.

/// Response classes whose list command is not `list<Class minus Response>s`.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("UserVmResponse", "listVirtualMachines"),
    ("IPAddressResponse", "listPublicIpAddresses"),
    ("GuestOSResponse", "listOsTypes"),
    ("GuestOSCategoryResponse", "listOsCategories"),
    ("DomainRouterResponse", "listRouters"),
    ("SharedFSResponse", "listSharedFileSystems"),
    ("ProviderResponse", "listNetworkServiceProviders"),
    ("DataCenterIpv4SubnetResponse", "listIpv4SubnetsForZone"),
    ("GlobalLoadBalancerResponse", "listGlobalLoadBalancerRules"),
    ("ObjectStoreResponse", "listObjectStoragePools"),
    (
        "Site2SiteCustomerGatewayResponse",
        "listVpnCustomerGateways",
    ),
    ("Site2SiteVpnGatewayResponse", "listVpnGateways"),
    ("Site2SiteVpnConnectionResponse", "listVpnConnections"),
    ("ExtensionCustomActionResponse", "listCustomActions"),
    ("LBHealthCheckResponse", "listLBHealthCheckPolicies"),
    ("LBStickinessResponse", "listLBStickinessPolicies"),
    // The server's "ACL" is a list of items; its items are "ACLs".
    ("NetworkACLResponse", "listNetworkACLLists"),
    ("NetworkACLItemResponse", "listNetworkACLs"),
    (
        "DataCenterGuestIpv6PrefixResponse",
        "listGuestNetworkIpv6Prefixes",
    ),
    (
        "Ipv4SubnetForGuestNetworkResponse",
        "listIpv4SubnetsForGuestNetwork",
    ),
    ("VmwareDatacenterResponse", "listVmwareDcs"),
    ("GuestVlanRangeResponse", "listDedicatedGuestVlanRanges"),
    ("IpQuarantineResponse", "listQuarantinedIps"),
    (
        "SecondaryStorageHeuristicsResponse",
        "listSecondaryStorageSelectors",
    ),
    ("OvsProviderResponse", "listOvsElements"),
    ("VirtualRouterProviderResponse", "listVirtualRouterElements"),
    (
        "DirectDownloadCertificateResponse",
        "listTemplateDirectDownloadCertificates",
    ),
    ("IsoVmResponse", "listIsos"),
    ("QuotaTariffResponse", "quotaTariffList"),
    (
        "ManagementServerMetricsResponse",
        "listManagementServersMetrics",
    ),
    (
        "NetScalerServicePackageResponse",
        "listRegisteredServicePackages",
    ),
];

/// The list command named explicitly for a response class, if any.
pub fn exception(entity: &str) -> Option<&'static str> {
    EXCEPTIONS
        .iter()
        .find(|(class, _)| *class == entity)
        .map(|(_, list)| *list)
}

/// The noun of a response class: `Zone` for `ZoneResponse`.
pub fn noun(entity: &str) -> &str {
    entity.strip_suffix("Response").unwrap_or(entity)
}

/// The noun an id parameter's name suggests when there is no entity:
/// `zone` for `zoneid`, `virtualmachine` for `vmids`; `None` for names that
/// do not end in `id`/`ids`, or for `id` itself.
pub fn noun_of_param(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let noun = match lower.as_str() {
        "vmid" | "vmids" => "virtualmachine",
        "ipaddressid" | "publicipid" => "publicipaddress",
        other => other
            .strip_suffix("ids")
            .or_else(|| other.strip_suffix("id"))
            .filter(|noun| !noun.is_empty())?,
    };
    Some(noun.to_string())
}

#[cfg(test)]
pub(crate) fn exceptions() -> &'static [(&'static str, &'static str)] {
    EXCEPTIONS
}
