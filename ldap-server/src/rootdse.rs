//! The rootDSE: what a client reads first (base "", scope base) to learn the naming contexts,
//! the DC's names, and what the server supports. Readable anonymously, never writable.

use bytes::Bytes;

use crate::directory::Directory;
use crate::forest::Forest;

/// Controls this server honours. AD advertises more; we list what we implement or can safely accept
/// (SD flags, domain scope, search options, lazy commit, permissive modify, show deleted: none changes
/// the answer of an in-memory DC without deleted objects or security descriptors).
pub const SUPPORTED_CONTROLS: &[&str] = &[
    PAGED_RESULTS,
    "1.2.840.113556.1.4.417",  // SHOW_DELETED
    "1.2.840.113556.1.4.619",  // LAZY_COMMIT
    "1.2.840.113556.1.4.801",  // SD_FLAGS
    "1.2.840.113556.1.4.1339", // DOMAIN_SCOPE
    "1.2.840.113556.1.4.1340", // SEARCH_OPTIONS
    "1.2.840.113556.1.4.1413", // PERMISSIVE_MODIFY
];

/// LDAP_PAGED_RESULT_OID_STRING (RFC 2696).
pub const PAGED_RESULTS: &str = "1.2.840.113556.1.4.319";

/// The WhoAmI extended operation (RFC 4532).
pub const WHO_AM_I: &str = "1.3.6.1.4.1.4203.1.11.3";

/// AD's capability OIDs: ACTIVE_DIRECTORY, _V51, _PARTIAL_SECRETS, _V60, _V61_R2, _W8.
const CAPABILITIES: &[&str] = &[
    "1.2.840.113556.1.4.800",
    "1.2.840.113556.1.4.1670",
    "1.2.840.113556.1.4.1791",
    "1.2.840.113556.1.4.1935",
    "1.2.840.113556.1.4.2080",
    "1.2.840.113556.1.4.2237",
];

/// AD's LDAP policy names (values live in CN=Default Query Policy on a real DC).
const POLICIES: &[&str] = &[
    "MaxPoolThreads",
    "MaxPercentDirSyncRequests",
    "MaxDatagramRecv",
    "MaxReceiveBuffer",
    "InitRecvTimeout",
    "MaxConnections",
    "MaxConnIdleTime",
    "MaxPageSize",
    "MaxBatchReturnMessages",
    "MaxQueryDuration",
    "MaxDirSyncDuration",
    "MaxTempTableSize",
    "MaxResultSetSize",
    "MinResultSets",
    "MaxResultSetsPerConn",
    "MaxNotificationPerConn",
    "MaxValRange",
    "MaxValRangeTransitive",
    "ThreadMemoryLimit",
    "SystemMemoryLimitPercent",
];

/// The rootDSE's attributes in AD's spelling, with their values now.
/// `start_tls`: the DC has a certificate, so it advertises StartTLS.
pub fn attributes(
    dir: &Directory,
    forest: &Forest,
    start_tls: bool,
) -> Vec<(&'static str, Vec<Bytes>)> {
    let text = |value: String| vec![Bytes::from(value)];
    let list = |values: &[&str]| {
        values
            .iter()
            .map(|value| Bytes::from(value.to_string()))
            .collect::<Vec<_>>()
    };
    let domain = forest.domain_dn.to_string();
    let configuration = forest.configuration_dn.to_string();
    let schema = forest.schema_dn.to_string();
    // Windows Server 2016 functional levels (7), the highest AD defines.
    let level = || text("7".to_string());
    vec![
        (
            "currentTime",
            text(crate::directory::format_time(
                time::OffsetDateTime::now_utc().unix_timestamp(),
            )),
        ),
        ("subschemaSubentry", text(forest.subschema_dn().to_string())),
        ("dsServiceName", text(forest.ds_service_dn.to_string())),
        ("namingContexts", list(&[&domain, &configuration, &schema])),
        ("defaultNamingContext", text(domain.clone())),
        ("rootDomainNamingContext", text(domain)),
        ("configurationNamingContext", text(configuration)),
        ("schemaNamingContext", text(schema)),
        ("serverName", text(forest.server_dn.to_string())),
        ("supportedControl", list(SUPPORTED_CONTROLS)),
        ("supportedLDAPVersion", list(&["3", "2"])),
        ("supportedLDAPPolicies", list(POLICIES)),
        (
            "supportedExtension",
            if start_tls {
                list(&[crate::tls::START_TLS, WHO_AM_I])
            } else {
                list(&[WHO_AM_I])
            },
        ),
        ("highestCommittedUSN", text(dir.highest_usn().to_string())),
        (
            "supportedSASLMechanisms",
            list(&["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]),
        ),
        ("dnsHostName", text(forest.dc_fqdn.clone())),
        (
            "ldapServiceName",
            text(format!(
                "{}:{}$@{}",
                forest.domain,
                forest.dc_name.to_ascii_lowercase(),
                forest.domain.to_ascii_uppercase()
            )),
        ),
        ("supportedCapabilities", list(CAPABILITIES)),
        ("isSynchronized", text("TRUE".to_string())),
        ("isGlobalCatalogReady", text("TRUE".to_string())),
        ("domainFunctionality", level()),
        ("forestFunctionality", level()),
        ("domainControllerFunctionality", level()),
    ]
}
