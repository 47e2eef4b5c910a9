//! Firmware profiles: what a given phone build does where the documentation is silent.
//!
//! Every open question of domain.md §H is a setting here, with the documented or most likely
//! behaviour as the default and a comment saying which. Built-in profiles cover the field's three
//! common builds; a TOML file describes any other (unknown keys are errors naming file, line and key).

use std::path::Path;

use serde::{Deserialize, Serialize};

mod ldap_bind;
pub use ldap_bind::LdapBind;

/// Where step 1 looks for certificationAuthority objects (§H.1: the documentation names no base).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchBase {
    /// The rootDSE's configurationNamingContext on port 389: where AD keeps Public Key Services.
    /// Default: the only base that finds the objects on a real DC.
    ConfigurationNc,
    /// defaultNamingContext: a real misconfiguration; AD answers with a continuation reference only.
    DomainNc,
    /// The Global Catalog (port 3268), base "": cACertificate is in the partial attribute set.
    GlobalCatalog,
}

/// Which of the found certificates the phone keeps (§H.2: undocumented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallPolicy {
    /// Every usable value (default: the doc says it "will use the attribute caCertificate").
    All,
    /// Only self-signed certificates (roots).
    SelfSignedOnly,
}

/// How the phone asks for the chain (a firmware-profile setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `Enc=b64`: what the CPE deployment guide documents; AD CS answers base64 armoured as CERTIFICATE.
    B64,
    /// `Enc=bin`: raw DER ContentInfo.
    Bin,
}

impl Encoding {
    /// The value of the `Enc=` query parameter, as AD CS spells it.
    pub(crate) fn query_value(self) -> &'static str {
        match self {
            Encoding::B64 => "b64",
            Encoding::Bin => "bin",
        }
    }
}

/// Credentials the phone presents to AD CS web enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentAuth {
    /// Anonymous GET.
    None,
    /// The sign-in name and password as HTTP Basic (IIS with Basic enabled accepts `DOMAIN\user`).
    Basic,
    /// IIS's Windows Authentication: NTLM on one kept-alive connection (NEGOTIATE, the 401's
    /// CHALLENGE, AUTHENTICATE), with the sign-in name as `DOMAIN\user` or `user@domain`.
    Ntlm,
}

impl EnrollmentAuth {
    /// What a request presents with this setting, as `user` with `password`.
    pub fn credentials<'a>(
        self,
        user: &'a str,
        password: &'a str,
    ) -> Option<crate::enroll::WebCredentials<'a>> {
        use crate::enroll::WebCredentials;
        match self {
            EnrollmentAuth::None => None,
            EnrollmentAuth::Basic => Some(WebCredentials::Basic { user, password }),
            EnrollmentAuth::Ntlm => Some(WebCredentials::Ntlm { user, password }),
        }
    }
}

/// Revocation checking of the registrar's certificate chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// No CRL or OCSP lookups (the behaviour assumed for CPE/LPE).
    None,
    /// After the handshake, fetch the HTTP CRL of every certificate of the validated path below
    /// the anchor and fail when one is revoked or its status cannot be obtained (IE's optional
    /// strict mode and "strong CRL checking", domain.md §E and §G row 17). What exactly is
    /// checked: [`crate::trust::revocation`].
    HardFail,
}

/// How the phone's LDAP connections to the DC (and to the Global Catalog) are made: the profile's
/// `ldap_transport`, phone-client's `--ldap-tls`.
///
/// UNCERTAIN: no source says whether CPE/LPE firmware ever used StartTLS or LDAPS for its AD
/// search; `none` (a simple bind over plain LDAP on 389, what the deployment guide's sequence
/// implies) is the assumed default. The other two model a firmware that does, so that a DC which
/// requires LDAP signing (domain.md §I) can be reproduced on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LdapTransport {
    /// Plain LDAP (389; Global Catalog 3268). Default.
    #[default]
    None,
    /// Plain LDAP, then the StartTLS extended operation (OID 1.3.6.1.4.1.1466.20037) before the
    /// bind (389; Global Catalog 3268).
    #[value(name = "starttls")]
    StartTls,
    /// TLS from the first byte (636; Global Catalog over TLS 3269).
    Ldaps,
}

impl LdapTransport {
    /// `none`, `starttls`, `ldaps` (as the profile and `--ldap-tls` spell it).
    pub fn name(self) -> &'static str {
        match self {
            LdapTransport::None => "none",
            LdapTransport::StartTls => "starttls",
            LdapTransport::Ldaps => "ldaps",
        }
    }

    /// The DC's port when none is given: 389, or 636 for LDAPS.
    pub fn default_port(self) -> u16 {
        match self {
            LdapTransport::None | LdapTransport::StartTls => crate::locate::LDAP_PORT,
            LdapTransport::Ldaps => crate::locate::LDAPS_PORT,
        }
    }

    /// The Global Catalog's port: 3268, or 3269 for LDAPS.
    pub fn global_catalog_port(self) -> u16 {
        match self {
            LdapTransport::None | LdapTransport::StartTls => 3268,
            LdapTransport::Ldaps => 3269,
        }
    }

    /// TLS at all (StartTLS or LDAPS).
    pub fn is_tls(self) -> bool {
        self != LdapTransport::None
    }
}

impl std::fmt::Display for LdapTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the phone signs in, which decides where its root chain comes from (domain.md §D.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Sign-in name and password: the AD search of domain.md §0 (CPE; USB-tethered LPE). Spec.
    Directory,
    /// Extension and PIN (LPE without a keyboard): no AD search; the chain comes from the
    /// Certificate Provisioning web service named by DHCP option 43, the registrar from option
    /// 120 (domain.md §D.2, spec). What the model does: [`crate::pin`].
    Pin,
}

/// Per-step time limits in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    pub locate_ms: u64,
    pub ldap_ms: u64,
    pub http_ms: u64,
    pub tls_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            locate_ms: 5_000,
            ldap_ms: 10_000,
            http_ms: 10_000,
            tls_ms: 10_000,
        }
    }
}

/// One firmware build's behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "defaults::search_base")]
    pub search_base: SearchBase,
    /// The Global Catalog's port for `search_base = "global_catalog"`; absent: AD's, 3268, or
    /// 3269 with `ldap_transport = "ldaps"` ([`Profile::gc_port`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_catalog_port: Option<u16>,
    /// How the phone's LDAP connections (the DC and the Global Catalog) are made: `none` (plain
    /// LDAP, default), `starttls` or `ldaps`. UNCERTAIN: what CPE/LPE firmware did is not
    /// documented; see [`LdapTransport`]. A TLS transport needs the roots the DC's certificate
    /// chains to (phone-client `--ca-file`), and checks the DC's name (`--dc`'s host).
    #[serde(default)]
    pub ldap_transport: LdapTransport,
    /// How the phone binds: `simple` (default) or `ntlm`. UNCERTAIN: see [`LdapBind`].
    #[serde(default)]
    pub ldap_bind: LdapBind,
    /// Step 1's filter. `(objectCategory=certificationAuthority)` relies on AD's shortcut; against
    /// OpenLDAP use `(objectClass=certificationAuthority)` or the full category DN.
    #[serde(default = "defaults::ca_filter")]
    pub ca_filter: String,
    /// Step 2's filter.
    #[serde(default = "defaults::enrollment_filter")]
    pub enrollment_filter: String,
    #[serde(default = "defaults::install")]
    pub install: InstallPolicy,
    /// Step 2 at all (§0: documented behaviour, on by default).
    #[serde(default = "defaults::yes")]
    pub http_fallback: bool,
    /// `Renewal=` in the certnew.p7b URL (§H.6: -1, the current CA certificate, as documented).
    #[serde(default = "defaults::renewal")]
    pub enrollment_renewal: i32,
    #[serde(default = "defaults::encoding")]
    pub enrollment_encoding: Encoding,
    /// How the phone authenticates to /certsrv (§H.3, UNCERTAIN: the deployment guide says nothing;
    /// field reports of 401 failures suggest it sends no credentials, the default here).
    #[serde(default = "defaults::enrollment_auth")]
    pub enrollment_auth: EnrollmentAuth,
    /// Follow HTTP redirects from /certsrv, e.g. to HTTPS (§H.3, UNCERTAIN; default: no).
    #[serde(default)]
    pub follow_redirects: bool,
    /// Revocation checking of the registrar's chain (§H.4, UNCERTAIN: whether CPE/LPE check CRLs
    /// is undocumented; `none`, the default, is the behaviour assumed for the phones; `hard_fail`
    /// models a firmware that does strong CRL checking, §E and §G row 17).
    #[serde(default = "defaults::revocation")]
    pub revocation: Revocation,
    /// Installed CA certificates that are not self-signed anchor a chain too (§G row 3).
    /// Default false: only self-signed installed certificates are trust anchors; the others
    /// only complete a path, so a phone that installed just the issuing CA (published as SubCA
    /// or NTAuthCA) cannot validate. Inferred from desktop CryptoAPI (a chain that does not end
    /// at a self-signed root is CERT_TRUST_IS_PARTIAL_CHAIN); UNCERTAIN for Windows CE.
    #[serde(default)]
    pub partial_chain_trust: bool,
    /// `directory` (default; §0) or `pin` (LPE PIN authentication through DHCP options 43 and
    /// 120, §D.2).
    #[serde(default = "defaults::sign_in_method")]
    pub sign_in_method: SignInMethod,
    /// PIN sign-in only: GET the Certificate Provisioning Service URL from option 43 over plain
    /// HTTP on the URL's port (default true), rather than with the URL's own scheme. UNCERTAIN:
    /// the real service speaks SOAP over HTTPS and how the phone gets the chain before it trusts
    /// anything is undocumented; see [`crate::pin`]. With false, an `https://` URL is fetched
    /// with the simulator's HTTP client, which validates the web service's certificate against
    /// the machine's trust store, not the phone's.
    #[serde(default = "defaults::yes")]
    pub certificate_web_service_force_http: bool,
    /// SHA-256 signatures understood (old CPE/LPE builds: no — §D.3).
    #[serde(default = "defaults::yes")]
    pub supports_sha256: bool,
    /// SHA-1 (`sha1WithRSAEncryption`) certificate signatures understood and verified: every
    /// built-in profile (SHA-1 is the old standard, and the only one pre-SHA-2 firmware reads —
    /// §D.3, §G row 12's "SHA-1/2048-bit chain" fix). false models a firmware that has dropped
    /// SHA-1: a SHA-1-signed certificate is then refused like a SHA-256 one on old firmware.
    /// Other SHA-1 algorithms (ECDSA, DSA) are never verified.
    #[serde(default = "defaults::yes")]
    pub supports_sha1: bool,
    /// Largest RSA key the firmware reads (CX700 loops on 4096-bit roots — §D.3).
    #[serde(default = "defaults::max_rsa_bits")]
    pub max_rsa_bits: u32,
    /// ECDSA keys understood. UNCERTAIN: no source says; current firmware is assumed to (so the
    /// default P-256 test PKI works), the pre-SHA-2 builds are assumed not to.
    #[serde(default = "defaults::yes")]
    pub supports_ecdsa: bool,
    /// Trust the built-in public roots too (the doc: "the same list of trusted CAs as Windows CE").
    #[serde(default = "defaults::yes")]
    pub public_roots: bool,
    /// Follow continuation references from the domain NC (§B.6: phones most likely do not).
    #[serde(default)]
    pub chase_referrals: bool,
    /// The phone's clock minus real time, in seconds (a phone without NTP — §G row 14).
    #[serde(default)]
    pub clock_offset_seconds: i64,
    /// Certificates the firmware cannot read make it loop rather than stop (§D.3: reported for old
    /// CX700 and LPE builds; current builds are assumed to stop at "Cannot validate").
    #[serde(default)]
    pub loop_on_unreadable: bool,
    /// Retries of a failed network step before giving up.
    #[serde(default = "defaults::retries")]
    pub retries: u32,
    #[serde(default)]
    pub timeouts: Timeouts,
}

mod defaults {
    use super::*;
    pub fn search_base() -> SearchBase {
        SearchBase::ConfigurationNc
    }
    pub fn ca_filter() -> String {
        "(objectCategory=certificationAuthority)".into()
    }
    pub fn enrollment_filter() -> String {
        "(objectCategory=pKIEnrollmentService)".into()
    }
    pub fn install() -> InstallPolicy {
        InstallPolicy::All
    }
    pub fn yes() -> bool {
        true
    }
    pub fn renewal() -> i32 {
        -1
    }
    pub fn encoding() -> Encoding {
        Encoding::B64
    }
    pub fn enrollment_auth() -> EnrollmentAuth {
        EnrollmentAuth::None
    }
    pub fn revocation() -> Revocation {
        Revocation::None
    }
    pub fn sign_in_method() -> SignInMethod {
        SignInMethod::Directory
    }
    pub fn max_rsa_bits() -> u32 {
        4096
    }
    pub fn retries() -> u32 {
        1
    }
}

/// The built-in profiles' names.
pub const BUILT_IN: &[&str] = &[
    "cpe-2007r2",
    "cpe-2007r2-old-firmware",
    "lpe-2010",
    "lpe-2010-pin",
];

impl Profile {
    /// Why this firmware would not install a certificate, if it would not.
    pub fn refusal(&self, info: &crate::certinfo::CertificateInfo) -> Option<String> {
        if self.install == InstallPolicy::SelfSignedOnly && !info.self_signed {
            return Some("not self-signed, and this firmware installs roots only".into());
        }
        let algorithm = info.signature_algorithm.to_ascii_lowercase();
        let sha2 = ["sha256", "sha384", "sha512"]
            .iter()
            .any(|name| algorithm.contains(name));
        if !self.supports_sha256 && sha2 {
            return Some(format!(
                "this firmware cannot read {} signatures (SHA-1 only)",
                info.signature_algorithm
            ));
        }
        let sha1 = algorithm.contains("sha1") || algorithm.contains("sha-1");
        if !self.supports_sha1 && sha1 {
            return Some(format!(
                "this firmware cannot read {} signatures (supports_sha1 = false)",
                info.signature_algorithm
            ));
        }
        if info.key.starts_with("RSA") && info.key_bits > self.max_rsa_bits {
            return Some(format!(
                "this firmware cannot read a {}-bit RSA key (at most {})",
                info.key_bits, self.max_rsa_bits
            ));
        }
        if info.key.starts_with("ECDSA") && !self.supports_ecdsa {
            return Some("this firmware cannot read ECDSA keys".into());
        }
        None
    }

    /// The Global Catalog's port: `global_catalog_port`, else 3268 (3269 over LDAPS).
    pub fn gc_port(&self) -> u16 {
        self.global_catalog_port
            .unwrap_or_else(|| self.ldap_transport.global_catalog_port())
    }

    /// The limits the TLS step validates with.
    pub fn trust_policy(&self) -> crate::trust::TrustPolicy {
        crate::trust::TrustPolicy {
            supports_sha256: self.supports_sha256,
            supports_sha1: self.supports_sha1,
            max_rsa_bits: self.max_rsa_bits,
            supports_ecdsa: self.supports_ecdsa,
            clock_offset_seconds: self.clock_offset_seconds,
            public_roots: self.public_roots,
            partial_chain_trust: self.partial_chain_trust,
        }
    }

    /// A built-in profile by name, or a TOML file when `name` is a path ending in `.toml`.
    pub fn load(name: &str) -> Result<Profile, crate::Error> {
        if name.ends_with(".toml") {
            return Profile::from_file(Path::new(name));
        }
        Profile::built_in(name).ok_or_else(|| {
            crate::Error::usage(format!(
                "unknown profile {name:?}; built-in profiles: {}",
                BUILT_IN.join(", ")
            ))
        })
    }

    /// A profile file; errors name the file (a usage error: the tool was given it).
    pub fn from_file(path: &Path) -> Result<Profile, crate::Error> {
        let display = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|error| crate::Error::usage(format!("{display}: {error}")))?;
        Profile::from_toml(&text)
            .map_err(|error| error.map_text(|text| format!("{display}: {text}")))
    }

    /// Parses TOML; the error carries the line, column and key (toml's own message).
    pub fn from_toml(text: &str) -> Result<Profile, crate::Error> {
        toml::from_str(text)
            .map_err(|error| crate::Error::usage(error.to_string().trim_end().to_string()))
    }

    pub fn built_in(name: &str) -> Option<Profile> {
        let base = Profile::from_toml(&format!("name = \"{name}\"")).ok()?;
        match name {
            "cpe-2007r2" => Some(Profile {
                description:
                    "Communicator Phone Edition 2007 R2 (CX700, Tanjay) with current firmware"
                        .into(),
                ..base
            }),
            "cpe-2007r2-old-firmware" => Some(Profile {
                description:
                    "CPE 2007 R2 before the SHA-2 update: SHA-1 only, RSA keys up to 2048 bits"
                        .into(),
                supports_sha256: false,
                max_rsa_bits: 2048,
                supports_ecdsa: false,
                loop_on_unreadable: true,
                ..base
            }),
            "lpe-2010" => Some(Profile {
                description: "Lync Phone Edition 2010, USB-tethered (same AD bootstrap as CPE)"
                    .into(),
                ..base
            }),
            "lpe-2010-pin" => Some(Profile {
                description: "Lync Phone Edition 2010 signing in with extension and PIN: root chain from the Certificate Provisioning web service (DHCP option 43), registrar from option 120"
                    .into(),
                sign_in_method: SignInMethod::Pin,
                ..base
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_exist_and_differ_where_the_field_says() {
        for name in BUILT_IN {
            assert!(Profile::load(name).is_ok(), "{name}");
        }
        let current = Profile::load("cpe-2007r2").unwrap();
        let old = Profile::load("cpe-2007r2-old-firmware").unwrap();
        assert!(current.supports_sha256 && !old.supports_sha256);
        for name in BUILT_IN {
            let profile = Profile::load(name).unwrap();
            assert!(profile.supports_sha1, "{name} reads SHA-1");
            assert!(profile.trust_policy().supports_sha1, "{name}");
        }
        let modern = Profile::from_toml("name = \"x\"\nsupports_sha1 = false\n").unwrap();
        assert!(!modern.trust_policy().supports_sha1);
        assert_eq!(old.max_rsa_bits, 2048);
        assert_eq!(current.search_base, SearchBase::ConfigurationNc);
        assert_eq!(current.install, InstallPolicy::All);
        assert_eq!(current.enrollment_renewal, -1);
    }

    #[test]
    fn toml_profiles_take_every_setting() {
        let profile = Profile::from_toml(
            "name = \"lab\"\nsearch_base = \"global_catalog\"\ninstall = \"self_signed_only\"\nhttp_fallback = false\n\
             clock_offset_seconds = -86400\nca_filter = \"(objectClass=certificationAuthority)\"\n[timeouts]\nldap_ms = 500\n",
        )
        .unwrap();
        assert_eq!(profile.search_base, SearchBase::GlobalCatalog);
        assert_eq!(profile.install, InstallPolicy::SelfSignedOnly);
        assert!(!profile.http_fallback);
        assert_eq!(profile.clock_offset_seconds, -86400);
        assert_eq!(profile.timeouts.ldap_ms, 500);
        assert_eq!(profile.timeouts.http_ms, 10_000);
    }

    #[test]
    fn open_questions_have_settings_with_the_likely_defaults() {
        let profile = Profile::load("cpe-2007r2").unwrap();
        assert_eq!(profile.enrollment_auth, EnrollmentAuth::None);
        assert!(!profile.follow_redirects);
        assert_eq!(profile.revocation, Revocation::None);
        let basic = Profile::from_toml(
            "name = \"x\"\nenrollment_auth = \"basic\"\nfollow_redirects = true\n",
        )
        .unwrap();
        assert_eq!(basic.enrollment_auth, EnrollmentAuth::Basic);
        assert!(basic.follow_redirects);
        let strict = Profile::from_toml("name = \"x\"\nrevocation = \"hard_fail\"\n").unwrap();
        assert_eq!(strict.revocation, Revocation::HardFail);
    }

    #[test]
    fn partial_chains_are_not_trusted_by_default() {
        let profile = Profile::load("cpe-2007r2").unwrap();
        assert!(!profile.partial_chain_trust);
        assert!(!profile.trust_policy().partial_chain_trust);
        let lenient = Profile::from_toml("name = \"x\"\npartial_chain_trust = true\n").unwrap();
        assert!(lenient.trust_policy().partial_chain_trust);
    }

    #[test]
    fn pin_sign_in_is_its_own_built_in_profile() {
        for name in ["cpe-2007r2", "cpe-2007r2-old-firmware", "lpe-2010"] {
            let profile = Profile::load(name).unwrap();
            assert_eq!(profile.sign_in_method, SignInMethod::Directory, "{name}");
        }
        let pin = Profile::load("lpe-2010-pin").unwrap();
        assert_eq!(pin.sign_in_method, SignInMethod::Pin);
        assert!(pin.certificate_web_service_force_http);
        assert_eq!(pin.revocation, Revocation::None);
        let custom = Profile::from_toml(
            "name = \"x\"\nsign_in_method = \"pin\"\ncertificate_web_service_force_http = false\n",
        )
        .unwrap();
        assert_eq!(custom.sign_in_method, SignInMethod::Pin);
        assert!(!custom.certificate_web_service_force_http);
        let wrong = Profile::from_toml("name = \"x\"\nsign_in_method = \"usb\"\n")
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("sign_in_method"), "{wrong}");
    }

    #[test]
    fn ldap_transport_defaults_to_plain_ldap_and_picks_the_ports() {
        for name in BUILT_IN {
            let profile = Profile::load(name).unwrap();
            assert_eq!(profile.ldap_transport, LdapTransport::None, "{name}");
            assert_eq!(profile.gc_port(), 3268, "{name}");
        }
        let starttls = Profile::from_toml("name = \"x\"\nldap_transport = \"starttls\"\n").unwrap();
        assert_eq!(starttls.ldap_transport, LdapTransport::StartTls);
        assert_eq!(starttls.ldap_transport.default_port(), 389);
        assert_eq!(starttls.gc_port(), 3268);
        let ldaps = Profile::from_toml("name = \"x\"\nldap_transport = \"ldaps\"\n").unwrap();
        assert_eq!(ldaps.ldap_transport.default_port(), 636);
        assert_eq!(ldaps.gc_port(), 3269);
        let custom = Profile::from_toml(
            "name = \"x\"\nldap_transport = \"ldaps\"\nglobal_catalog_port = 13269\n",
        )
        .unwrap();
        assert_eq!(custom.gc_port(), 13269);
        let wrong = Profile::from_toml("name = \"x\"\nldap_transport = \"tls\"\n")
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("ldap_transport"), "{wrong}");
        assert!(LdapTransport::Ldaps.is_tls() && !LdapTransport::None.is_tls());
        assert_eq!(LdapTransport::StartTls.to_string(), "starttls");
    }

    #[test]
    fn unknown_keys_and_names_are_errors_that_say_where() {
        let error = Profile::from_toml("name = \"x\"\nsearch_bse = \"domain_nc\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("search_bse"), "{error}");
        assert!(error.contains("line 2"), "{error}");
        let unknown = Profile::load("cx9000").unwrap_err().to_string();
        assert!(unknown.contains("cpe-2007r2"), "{unknown}");
    }
}
