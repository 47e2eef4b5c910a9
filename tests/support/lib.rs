//! Shared helpers for the end-to-end tests.
//!
//! The tests are three binaries (`cargo test -p e2e --test NAME`), one per kind of test, so that the
//! whole stack is linked three times, not once per topic:
//!
//! * `in_process` (`tests/in_process/`): our servers started in-process (the library
//!   `ldap_server::Server`, certsrv over HTTP) and Rust clients (the `ldap3` crate, the phone's
//!   library) over real loopback sockets.
//! * `peers` (`tests/peers/`): outside programs and peers: OpenLDAP's tools and slapd, Samba AD
//!   DC, dnsmasq, python's ldap3 (`$E2E_PYTHON`).
//! * `cli` (`tests/cli/`): our own executables built next to the test binary (`ldap-server`,
//!   `adpki`, `phone-client`, `scenarios`).
//!
//! Every test starts its own directory on `127.0.0.1:0` (no fixed ports, no shared state), loads the
//! LDIF it needs from a private temporary directory and talks to it with a real client: the `ldap3`
//! crate, OpenLDAP's `ldapsearch`/`ldapwhoami`, or raw bytes over TCP.
//!
//! * [`start`] / [`start_with`]: a library server seeded with LDIF text ([`TestServer`]).
//! * [`standard_ldif`]: users in every account state plus two certification authorities.
//! * [`user_ldif`], [`bulk_users_ldif`], [`ca_ldif`], [`make_ca_cert`]: LDIF/certificate generators.
//! * [`ldapsearch`], [`ldapwhoami`], [`run_tool`]: run the OpenLDAP tools with no system
//!   configuration (`LDAPNOINIT=1`) and capture their output ([`ToolOutput`], [`parse_ldif`]).
//! * [`server_binary`] / [`CliServer`]: the `ldap-server` executable built next to the test binary.
//! * [`http::StaticServer`]: a tiny in-process HTTP server (CRLs, the LPE certificate web service).
//! * [`phone::run_phone`]: the `phone-client` executable with `--format json`.
//! * [`adpki_binary`]: the `adpki` executable (`adpki publish`, `adpki audit`).
//! * [`slapd::Slapd`], [`samba::Samba`]: private OpenLDAP and Samba AD DC peers on loopback
//!   (Samba always on 127.0.0.1:389, so its tests take a lock and run one at a time).
//! * [`web_enrollment`]: a CA in two generations, an HTTP/1.1 client and `openssl` helpers for the
//!   certsrv tests (library server and `ldap-server serve --certsrv-…`).
//! * [`phone_rig`]: the phone's world for the `phone_directory` tests (test PKI, `openssl s_server`
//!   registrar, static certsrv, `phone-client --dc/--dns`).
//!
//! Every wait is bounded by a timeout; nothing here sleeps to make a test pass.

pub mod http;
pub mod phone;
pub mod phone_rig;
pub mod samba;
pub mod slapd;
pub mod web_enrollment;

mod cli;
mod ldif;
mod results;
mod server;
mod tools;

pub use cli::*;
pub use ldif::*;
pub use results::*;
pub use server::*;
pub use tools::*;

use std::time::Duration;

pub use ldap3;

/// The DNS domain every test directory serves.
pub const DOMAIN: &str = "example.test";
/// The NetBIOS name that goes with [`DOMAIN`].
pub const NETBIOS: &str = "EXAMPLE";
/// The domain naming context.
pub const BASE_DN: &str = "DC=example,DC=test";
/// The Configuration naming context.
pub const CONFIG_DN: &str = "CN=Configuration,DC=example,DC=test";
/// The Schema naming context.
pub const SCHEMA_DN: &str = "CN=Schema,CN=Configuration,DC=example,DC=test";
/// The subschema subentry.
pub const AGGREGATE_DN: &str = "CN=Aggregate,CN=Schema,CN=Configuration,DC=example,DC=test";
/// `CN=Public Key Services,CN=Services,<Configuration NC>`.
pub const PKS_DN: &str = "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";
/// The default users container.
pub const USERS_DN: &str = "CN=Users,DC=example,DC=test";
/// The built-in administrator.
pub const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=example,DC=test";
/// The administrator's password in every test directory.
pub const ADMIN_PASSWORD: &str = "Passw0rd!";
/// objectCategory of certificationAuthority objects.
pub const CA_CATEGORY_DN: &str =
    "CN=Certification-Authority,CN=Schema,CN=Configuration,DC=example,DC=test";
/// The continuation reference a domain-NC subtree search returns for the Configuration NC.
pub const CONFIG_REF: &str = "ldap://example.test/CN=Configuration,DC=example,DC=test";
/// The continuation reference a Configuration-NC subtree search returns for the Schema NC.
pub const SCHEMA_REF: &str = "ldap://example.test/CN=Schema,CN=Configuration,DC=example,DC=test";
/// OID of the Notice of Disconnection unsolicited notification (RFC 4511 §4.4.1).
pub const NOTICE_OF_DISCONNECTION_OID: &str = "1.3.6.1.4.1.1466.20036";
/// The paged-results control.
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";

/// Password of every user in [`standard_ldif`].
pub const USER_PASSWORD: &str = "Alice!Passw0rd1";
/// Common names of the two CAs in [`standard_ldif`].
pub const ROOT_CA_CN: &str = "Root CA";
pub const ISSUING_CA_CN: &str = "Issuing CA";

/// Upper bound for any single wait (server start, tool run, process exit).
pub const WAIT: Duration = Duration::from_secs(30);

/// `CN=<cn>,CN=Users,DC=example,DC=test`.
pub fn user_dn(cn: &str) -> String {
    format!("CN={cn},{USERS_DN}")
}

/// DN of a CA object under `CN=<container>,<PKS>`.
pub fn ca_dn(cn: &str, container: &str) -> String {
    format!("CN={cn},CN={container},{PKS_DN}")
}
