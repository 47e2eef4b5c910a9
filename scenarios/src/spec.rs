//! The scenario file format (TOML), documented for users in `scenarios/README.md`.
//!
//! A scenario describes a world — a domain with its users and published PKI objects, AD CS web
//! enrollment hosts, a registrar certificate, a phone — and one or more acts, each an optional
//! administrator action followed by a phone boot with an expected outcome. Every table rejects
//! unknown keys, and errors name the file, line and key, because a typo in a scenario must not
//! silently become a different world.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod template;
pub use template::TemplateSpec;

/// One scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Defaults to the file's stem.
    #[serde(default)]
    pub name: String,
    pub title: String,
    /// Rows of domain.md §G this scenario reproduces (1–19); empty for stories outside the table.
    #[serde(default)]
    pub covers: Vec<u8>,
    /// Where the story comes from (domain.md section and source tags).
    #[serde(default)]
    pub source: String,
    pub cause: String,
    pub symptom: String,
    pub fix: String,
    #[serde(default)]
    pub domain: DomainSpec,
    #[serde(default, rename = "user")]
    pub users: Vec<UserSpec>,
    /// Certificates by id; `registrar` is reserved for the registrar's leaf.
    #[serde(default)]
    pub pki: BTreeMap<String, CertificateSpec>,
    #[serde(default)]
    pub registrar: RegistrarSpec,
    #[serde(default, rename = "crl")]
    pub crls: Vec<CrlSpec>,
    #[serde(default)]
    pub directory: DirectorySpec,
    #[serde(default, rename = "certsrv")]
    pub certsrv: Vec<CertsrvSpec>,
    /// LPE PIN sign-in's Certificate Provisioning web service (what DHCP option 43 points at).
    #[serde(default)]
    pub web_service: Option<WebServiceSpec>,
    #[serde(default)]
    pub phone: PhoneSpec,
    #[serde(rename = "act")]
    pub acts: Vec<ActSpec>,
    /// Where the file was read from (relative paths in the file resolve against its directory).
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DomainSpec {
    /// The AD DNS domain.
    pub dns: String,
    /// Also serve a Global Catalog port (for profiles with `search_base = "global_catalog"`).
    pub global_catalog: bool,
    /// Create the forest's `CN=NTAuthCertificates` object at start.
    pub ntauth_object: bool,
    /// Anonymous searches allowed (dSHeuristics); AD's default is no.
    pub anonymous_reads: bool,
    /// LDAPServerIntegrity: `"require"` refuses simple binds without TLS (8, 00002028), as new
    /// Windows Server 2025 forests do; `"none"` (default) allows them.
    pub ldap_signing: LdapSigning,
    /// The DC's certificate: `"issued"` (default; by the forest's CA, as AD auto-enrolls it, for
    /// StartTLS and LDAPS) or `"none"` (StartTLS answers 52, LDAPS drops the handshake).
    pub dc_certificate: DcCertificateSpec,
}

/// `[domain] ldap_signing`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LdapSigning {
    #[default]
    None,
    Require,
}

/// `[domain] dc_certificate`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DcCertificateSpec {
    #[default]
    Issued,
    None,
}

impl Default for DomainSpec {
    fn default() -> Self {
        DomainSpec {
            dns: "example.test".into(),
            global_catalog: false,
            ntauth_object: true,
            anonymous_reads: false,
            ldap_signing: LdapSigning::None,
            dc_certificate: DcCertificateSpec::Issued,
        }
    }
}

/// An account and the state AD would report at bind time.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// sAMAccountName; the UPN is `<name>@<domain>`.
    pub name: String,
    #[serde(default = "default_password")]
    pub password: String,
    #[serde(default)]
    pub state: AccountState,
}

pub fn default_password() -> String {
    "Passw0rd!".into()
}

/// What makes AD refuse a bind, each with the data code it reports (domain.md §B.8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    #[default]
    Active,
    /// userAccountControl ACCOUNTDISABLE → 533.
    Disabled,
    /// lockoutTime set → 775.
    LockedOut,
    /// accountExpires in the past → 701.
    AccountExpired,
    /// pwdLastSet = 0 → 773.
    MustChangePassword,
}

/// Signature/key algorithm of a generated key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySpec {
    #[default]
    EcdsaP256,
    EcdsaP384,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "rsa-4096")]
    Rsa4096,
}

impl KeySpec {
    /// The name a scenario file uses.
    pub fn name(self) -> &'static str {
        match self {
            KeySpec::EcdsaP256 => "ecdsa-p256",
            KeySpec::EcdsaP384 => "ecdsa-p384",
            KeySpec::Rsa2048 => "rsa-2048",
            KeySpec::Rsa3072 => "rsa-3072",
            KeySpec::Rsa4096 => "rsa-4096",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096)
    }
}

/// How a generated certificate is signed by its issuer's key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureSpec {
    /// rcgen's signature for the issuer's key: sha256WithRSAEncryption or ecdsa-with-SHA256
    /// (an ECDSA P-384 issuer signs ecdsa-with-SHA384).
    #[default]
    Sha256,
    /// sha1WithRSAEncryption, what old CPE/LPE firmware reads (domain.md §D.3, §G row 12). Only
    /// with an RSA issuer key; made by re-signing rcgen's certificate (`pki::sha1`).
    Sha1,
}

/// A CA certificate (or any certificate a scenario refers to by id).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateSpec {
    /// A common name, or a full DN when it contains `=` (`CN=Contoso Root CA,O=Contoso`).
    pub subject: String,
    /// The id of the issuing certificate; absent = self-signed.
    pub issuer: Option<String>,
    pub key: KeySpec,
    /// Use another certificate's key pair: a renewal with the same key, or a cross-certificate.
    pub key_from: Option<String>,
    /// Days from now to notBefore (negative = in the past).
    pub valid_from_days: Option<i64>,
    /// Lifetime in days.
    pub valid_days: Option<i64>,
    /// A basic-constraints CA (default) or an end-entity certificate.
    pub end_entity: bool,
    /// CRL distribution point URL written into this certificate.
    pub crl_url: Option<String>,
    /// `sha256` (default) or `sha1` (the issuer's key must be RSA; generated certificates only).
    pub signature: SignatureSpec,
    /// A user-supplied certificate (PEM or DER), relative to the scenario file: reproduce a real
    /// chain. Without `key_file` it cannot issue anything.
    pub file: Option<String>,
    /// The private key (PKCS#8 PEM) for `file`, so it can issue the registrar's certificate.
    pub key_file: Option<String>,
}

/// The registrar's (pool's) TLS certificate and where the phone connects.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistrarSpec {
    /// The FQDN the phone connects to (and validates the certificate against).
    pub name: String,
    /// The issuing certificate's id.
    pub issuer: String,
    /// subjectAltName DNS names; default: `[name]`.
    pub sans: Option<Vec<String>>,
    pub key: KeySpec,
    pub valid_from_days: Option<i64>,
    pub valid_days: Option<i64>,
    /// Certificates sent after the leaf; default: the issuer's path up to, not including, its
    /// self-signed root.
    pub chain: Option<Vec<String>>,
    pub crl_url: Option<String>,
    /// `sha256` (default) or `sha1` (the issuer's key must be RSA).
    pub signature: SignatureSpec,
    /// A user-supplied leaf (PEM/DER) and key (PKCS#8 PEM), relative to the scenario file.
    pub certificate_file: Option<String>,
    pub key_file: Option<String>,
}

impl Default for RegistrarSpec {
    fn default() -> Self {
        RegistrarSpec {
            name: "pool.example.test".into(),
            issuer: "root".into(),
            sans: None,
            key: KeySpec::EcdsaP256,
            valid_from_days: None,
            valid_days: None,
            chain: None,
            crl_url: None,
            signature: SignatureSpec::Sha256,
            certificate_file: None,
            key_file: None,
        }
    }
}

/// A CRL a CA issued, served over HTTP at its URL's host (or not).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CrlSpec {
    pub issuer: String,
    /// `http://host/path`: the world serves it on loopback under that host name.
    pub url: String,
    /// Certificate ids listed as revoked (`registrar` for the leaf).
    #[serde(default)]
    pub revoked: Vec<String>,
    /// Days from now to nextUpdate (negative = an expired CRL).
    #[serde(default = "default_next_update")]
    pub next_update_days: i64,
    /// `false`: the host resolves but nothing answers (the CDP is unreachable).
    #[serde(default = "yes")]
    pub reachable: bool,
}

fn default_next_update() -> i64 {
    7
}

fn yes() -> bool {
    true
}

/// What the directory holds besides the forest's skeleton.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySpec {
    #[serde(rename = "ca_object")]
    pub ca_objects: Vec<CaObjectSpec>,
    #[serde(rename = "enrollment_service")]
    pub enrollment_services: Vec<EnrollmentServiceSpec>,
    /// Unrelated CA objects (old, decommissioned, other forests' roots) as a messy forest has.
    pub clutter_ca_objects: u32,
    /// The clutter objects hold AD's placeholder instead of a certificate (objects created with
    /// `-f` whose certificate was later removed by a cleanup).
    pub clutter_placeholders: bool,
    /// Extra LDIF loaded at start. `${configuration}`, `${domain_dn}`, `${pks}` (Public Key
    /// Services' DN) and `${cert:ID}` (base64 DER of certificate ID) are substituted.
    pub ldif: String,
    /// Certificate templates beside AD CS's defaults.
    #[serde(rename = "template")]
    pub templates: Vec<TemplateSpec>,
    /// AD CS's default templates (WebServer, DomainController, User, Machine); default: present
    /// when the world has an enterprise CA (an enrollment service).
    pub default_templates: Option<bool>,
}

/// A certificationAuthority object, as certutil -dspublish or pkiview would leave it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaObjectSpec {
    pub container: Container,
    /// The object's CN; default: the first certificate's common name.
    #[serde(default)]
    pub cn: Option<String>,
    /// `cACertificate` values in order: certificate ids, `placeholder` (AD's single 0x00 byte) or
    /// `garbage` (bytes that are no certificate).
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// `CN=Certification Authorities` (certutil RootCA).
    CertificationAuthorities,
    /// `CN=AIA` (certutil SubCA / CrossCA).
    Aia,
    /// The `CN=NTAuthCertificates` object itself (certutil NTAuthCA).
    Ntauth,
}

/// A pKIEnrollmentService object: an enterprise CA the phone's step 2 asks over HTTP.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentServiceSpec {
    pub cn: String,
    pub dns_host_name: String,
    /// `cACertificate` of the object (certificate ids).
    #[serde(default)]
    pub certificates: Vec<String>,
    /// `certificateTemplates`: the templates this CA issues; default: every template the
    /// world holds.
    #[serde(default)]
    pub templates: Option<Vec<String>>,
}

/// An AD CS web enrollment host.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CertsrvSpec {
    /// The host name phones use (the enrollment service's dNSHostName).
    pub host: String,
    /// The CA's certificate ids, renewal 0 first; each is served with its issuer path.
    #[serde(default)]
    pub renewals: Vec<String>,
    /// ldap-server's certsrv behaviours (`anonymous`, `basic`, `windows`, `not-installed`, `https-required`,
    /// `slow:MS`, `silent`, `wrong-content:KIND`), or `refused` (the name resolves, the port is
    /// closed).
    #[serde(default = "default_behaviour")]
    pub behaviour: String,
    /// `issue` (the policy module decides) or `pend` (every request waits for a CA manager).
    #[serde(default)]
    pub requests: RequestHandling,
}

/// What the CA does with certfnsh.asp requests its policy allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestHandling {
    #[default]
    Issue,
    Pend,
}

fn default_behaviour() -> String {
    "anonymous".into()
}

/// The Lync Certificate Provisioning web service, modelled as an HTTP GET of the chain at its
/// URL (the real service speaks SOAP; see phone-client's `pin` module).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebServiceSpec {
    /// e.g. `https://webpool.example.test:443/CertProv/CertProvisioningService.svc`.
    pub url: String,
    /// The chain it hands out (certificate ids), as a certs-only PKCS#7.
    pub certificates: Vec<String>,
    /// `false`: the host resolves but nothing listens.
    #[serde(default = "yes")]
    pub reachable: bool,
}

/// The phone and how it is set up.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhoneSpec {
    /// A built-in profile name or a TOML file relative to the scenario.
    pub profile: Option<String>,
    /// Profile settings that differ from the profile (any key of the profile format).
    pub settings: Option<toml::Table>,
    /// Sign-in name; default: the first user's UPN.
    pub user: Option<String>,
    pub password: Option<String>,
    /// `direct` (the DC's address is given) or `dns` (SRV lookup against the world's DNS server).
    pub locate: Option<Locate>,
    /// DHCP option 15.
    pub dhcp_domain: Option<String>,
    /// DHCP option 119.
    pub dhcp_search: Option<Vec<String>>,
    /// DHCP option 43: the Certificate Provisioning web service URL (PIN sign-in).
    pub dhcp_option_43: Option<String>,
    /// DHCP option 120: the registrar (pool) FQDN (PIN sign-in).
    pub dhcp_option_120: Option<String>,
    /// The PIN (PIN sign-in; `user` is then the extension).
    pub pin: Option<String>,
    /// The name this phone dials and checks the registrar's certificate against (default:
    /// `[registrar] name`), e.g. another pool published through the same listener.
    pub registrar: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Locate {
    Direct,
    Dns,
}

/// One act: what the administrator does, then a phone boot and what it must end in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActSpec {
    pub title: String,
    /// `certutil -f -dspublish` equivalents run over LDAP as the Administrator before the boot.
    #[serde(default)]
    pub publish: Vec<PublishSpec>,
    /// An ldapmodify-style LDIF applied over LDAP as the Administrator before the boot
    /// (same substitutions as `directory.ldif`).
    #[serde(default)]
    pub ldif: String,
    /// The administrator replaces the registrar's certificate with one carrying these
    /// subjectAltNames (otherwise as `[registrar]` says), for this act and the following ones.
    pub registrar_sans: Option<Vec<String>>,
    /// Phone changes for this act and the following ones (e.g. a firmware update).
    #[serde(default)]
    pub phone: Option<PhoneSpec>,
    pub expect: Expectation,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishSpec {
    pub certificate: String,
    /// certutil's type: RootCA, SubCA, NTAuthCA, CrossCA, KRA.
    #[serde(rename = "as")]
    pub kind: String,
}

/// What the boot must end in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The report's outcome (`signed_in`, `cannot_validate_server_certificate`, ...).
    pub outcome: phone_client::machine::Outcome,
    /// For `signed_in`: `directory`, `web_enrollment`, ...
    #[serde(default)]
    pub path: Option<String>,
    /// The report's `reason_code` (`no_enrollment_service`, `name_mismatch`, `bind_refused`, …):
    /// the stable way to say why. Preferred over `reason`.
    #[serde(default)]
    pub reason_code: Option<phone_client::ReasonCode>,
    /// AD's data code of a refused bind (`52e`, `775`, …), with `reason_code = "bind_refused"`.
    #[serde(default)]
    pub data_code: Option<ad_common::LogonFailure>,
    /// A text the reason must contain (case-insensitive): for what no code says, such as a host
    /// name or an HTTP status.
    #[serde(default)]
    pub reason: Option<String>,
    /// Exactly these certificates (ids) are installed, in any order.
    #[serde(default)]
    pub installed: Option<Vec<String>>,
}

/// A scenario file that cannot be used, with the place at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SpecError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Scenario {
    /// Parses a scenario; `file` names it in errors and `origin` anchors its relative paths.
    pub fn parse(text: &str, file: &str, origin: Option<&Path>) -> Result<Scenario, SpecError> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map(|span| line_and_column(text, span.start))
                .unwrap_or((1, 1));
            SpecError {
                file: file.to_string(),
                line,
                column,
                message: error.message().trim().to_string(),
            }
        })?;
        if scenario.name.is_empty() {
            scenario.name = Path::new(file)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        scenario.origin = origin.map(Path::to_path_buf);
        scenario.check().map_err(|(key, message)| SpecError {
            file: file.to_string(),
            line: find_key_line(text, &key),
            column: 1,
            message: format!("{key}: {message}"),
        })?;
        Ok(scenario)
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<Scenario, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|error| SpecError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {error}"),
        })?;
        Scenario::parse(&text, &path.display().to_string(), path.parent())
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// The first line mentioning a key or table (for errors found after parsing).
fn find_key_line(text: &str, key: &str) -> usize {
    let last = key.rsplit('.').next().unwrap_or(key);
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            !line.starts_with('#') && line.contains(last)
        })
        .map_or(1, |index| index + 1)
}

mod check;
#[cfg(test)]
mod tests;
