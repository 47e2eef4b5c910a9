//! The DC's TLS: its certificate, the acceptor LDAPS and StartTLS share, and the signing policy
//! that decides whether a simple bind without TLS is allowed (domain.md §I).
//!
//! A real DC gets its "Domain Controller" certificate by auto-enrollment from an enterprise CA
//! of its forest; the default here does the same at start: a CA named like AD CS names one
//! (`<NETBIOS>-<DC>-CA`) issues the DC a server-auth certificate for its dNSHostName and any
//! extra names (`--tls-name`; an IP address becomes an IP SAN). The CA can be written out
//! (`--tls-ca-out`) so clients trust it. Or the certificate comes from files, or there is none:
//! then StartTLS is answered 52 and LDAPS drops the handshake, as a DC without one does.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};
use crate::forest::Forest;

/// The OID of the StartTLS extended operation (RFC 4511 §4.14).
pub const START_TLS: &str = "1.3.6.1.4.1.1466.20037";

/// How long a client may take to finish a TLS handshake before the connection is dropped.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the DC's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DcCertificate {
    /// Issued at start by a CA of the forest (AD's auto-enrolled Domain Controller certificate).
    #[default]
    Issued,
    /// A PEM certificate chain (leaf first) and its PEM private key.
    Files { certificate: PathBuf, key: PathBuf },
    /// None: StartTLS answers 52, LDAPS drops the handshake.
    Absent,
}

/// The DC's TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub certificate: DcCertificate,
    /// Names the issued certificate carries besides the DC's dNSHostName (IPs become IP SANs).
    pub names: Vec<String>,
    pub handshake_timeout: Duration,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            certificate: DcCertificate::Issued,
            names: Vec::new(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }
}

/// LDAPServerIntegrity: whether simple binds need TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningPolicy {
    /// 1 (the default before Windows Server 2025): simple binds over plain LDAP are allowed.
    #[default]
    None,
    /// 2 (new Windows Server 2025 forests): a simple bind without TLS gets 8 and 00002028.
    Require,
}

impl std::str::FromStr for SigningPolicy {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        match text {
            "none" => Ok(SigningPolicy::None),
            "require" => Ok(SigningPolicy::Require),
            other => Err(format!("{other:?} is not none or require")),
        }
    }
}

/// LdapEnforceChannelBinding: whether an NTLM logon over TLS must carry the TLS channel's
/// binding (tls-server-end-point) in its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelBinding {
    /// 0: not checked (AD's long-standing default).
    #[default]
    Never,
    /// 1: checked when the client sends one.
    WhenSupported,
    /// 2: required over TLS.
    Always,
}

impl std::str::FromStr for ChannelBinding {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        match text {
            "never" => Ok(ChannelBinding::Never),
            "when-supported" => Ok(ChannelBinding::WhenSupported),
            "always" => Ok(ChannelBinding::Always),
            other => Err(format!("{other:?} is not never, when-supported or always")),
        }
    }
}

/// The DC's TLS, once its certificate is ready.
pub struct DcTls {
    pub(crate) acceptor: TlsAcceptor,
    /// The same certificate for Web Enrollment over HTTPS beside the DC.
    pub(crate) server_config: Arc<rustls::ServerConfig>,
    pub(crate) handshake_timeout: Duration,
    /// The CA that issued the DC's certificate, PEM, when it was issued at start.
    pub(crate) issuing_ca_pem: Option<String>,
    /// What an NTLM client over TLS binds to (tls-server-end-point of the DC's certificate).
    pub(crate) channel_binding: [u8; 16],
}

impl std::fmt::Debug for DcTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DcTls")
            .field("handshake_timeout", &self.handshake_timeout)
            .field("issued", &self.issuing_ca_pem.is_some())
            .finish()
    }
}

impl DcTls {
    /// The DC's TLS for `settings`, or `None` when it has no certificate.
    pub(crate) fn new(settings: &TlsSettings, forest: &Forest) -> Result<Option<DcTls>> {
        let (chain, key, issuing_ca_pem) = match &settings.certificate {
            DcCertificate::Absent => return Ok(None),
            DcCertificate::Files { certificate, key } => {
                let (chain, key) = from_files(certificate, key)?;
                (chain, key, None)
            }
            DcCertificate::Issued => {
                let issued = issue(forest, &settings.names)?;
                (issued.chain, issued.key, Some(issued.ca_pem))
            }
        };
        let channel_binding =
            ntlm::tls_server_end_point(chain.first().map_or(&[][..], |leaf| leaf.as_ref()));
        let config = rustls::ServerConfig::builder_with_provider(crate::tls_hkdf::provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|error| Error::Config(format!("TLS: {error}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|error| Error::Config(format!("the DC's TLS certificate: {error}")))?;
        let config = Arc::new(config);
        Ok(Some(DcTls {
            channel_binding,
            acceptor: TlsAcceptor::from(config.clone()),
            server_config: config,
            handshake_timeout: settings.handshake_timeout,
            issuing_ca_pem,
        }))
    }
}

/// A PEM chain and key from files, with errors that name the file.
fn from_files(
    certificate: &PathBuf,
    key: &PathBuf,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })
    };
    let certificate_pem = read(certificate)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&certificate_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|error| {
            Error::Config(format!(
                "{}: not a PEM certificate chain: {error}",
                certificate.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(Error::Config(format!(
            "{}: no -----BEGIN CERTIFICATE----- block",
            certificate.display()
        )));
    }
    let key_pem = read(key)?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|error| {
        Error::Config(format!(
            "{}: not a PEM private key (PKCS#8, RSA or EC): {error}",
            key.display()
        ))
    })?;
    Ok((chain, key_der))
}

/// A certificate issued at start.
struct Issued {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_pem: String,
}

/// The forest's CA and the DC's certificate from it (ECDSA P-256, valid from an hour ago for a
/// year: clients' clocks may lag a little, and a test run never outlives it).
fn issue(forest: &Forest, extra_names: &[String]) -> Result<Issued> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
    };
    let failed = |what: &str, error: rcgen::Error| {
        Error::Config(format!("cannot issue the DC's {what}: {error}"))
    };
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::hours(1);
    let not_after = now + time::Duration::days(365);

    let ca_name = format!(
        "{}-{}-CA",
        forest.netbios.to_ascii_lowercase(),
        forest.dc_name
    );
    let mut ca = CertificateParams::default();
    let mut ca_dn = DistinguishedName::new();
    ca_dn.push(DnType::CommonName, ca_name);
    ca.distinguished_name = ca_dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_key = KeyPair::generate().map_err(|error| failed("CA key", error))?;
    let ca_certificate = ca
        .self_signed(&ca_key)
        .map_err(|error| failed("CA certificate", error))?;
    let ca_pem = ca_certificate.pem();
    let issuer = Issuer::new(ca, ca_key);

    let mut names = vec![forest.dc_fqdn.clone()];
    for name in extra_names {
        if !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
            names.push(name.clone());
        }
    }
    let mut leaf = CertificateParams::default();
    let mut leaf_dn = DistinguishedName::new();
    leaf_dn.push(DnType::CommonName, forest.dc_fqdn.clone());
    leaf.distinguished_name = leaf_dn;
    leaf.subject_alt_names = names
        .iter()
        .map(|name| match name.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => name
                .clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|error| failed(&format!("certificate name {name:?}"), error)),
        })
        .collect::<Result<_>>()?;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_key = KeyPair::generate().map_err(|error| failed("key", error))?;
    let leaf_certificate = leaf
        .signed_by(&leaf_key, &issuer)
        .map_err(|error| failed("certificate", error))?;
    Ok(Issued {
        chain: vec![leaf_certificate.der().clone(), ca_certificate.der().clone()],
        key: PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        ca_pem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::ForestConfig;

    fn forest() -> Forest {
        Forest::new(&ForestConfig::new("example.test")).expect("forest")
    }

    #[test]
    fn the_issued_certificate_names_the_dc_and_chains_to_the_written_ca() {
        let settings = TlsSettings {
            names: vec!["127.0.0.1".into(), "ldap.example.test".into()],
            ..TlsSettings::default()
        };
        let issued = issue(&forest(), &settings.names).expect("issued");
        assert_eq!(issued.chain.len(), 2);
        let ca = CertificateDer::from_pem_slice(issued.ca_pem.as_bytes()).expect("CA PEM");
        assert_eq!(ca, issued.chain[1]);
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca).expect("root");
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            roots.into(),
            provider.into(),
        )
        .build()
        .expect("verifier");
        use rustls::client::danger::ServerCertVerifier;
        for name in ["dc1.example.test", "ldap.example.test", "127.0.0.1"] {
            let server_name = rustls::pki_types::ServerName::try_from(name).expect("name");
            verifier
                .verify_server_cert(
                    &issued.chain[0],
                    &[],
                    &server_name,
                    &[],
                    rustls::pki_types::UnixTime::now(),
                )
                .unwrap_or_else(|error| panic!("{name}: {error}"));
        }
        let other = rustls::pki_types::ServerName::try_from("other.example.test").expect("name");
        assert!(verifier
            .verify_server_cert(
                &issued.chain[0],
                &[],
                &other,
                &[],
                rustls::pki_types::UnixTime::now()
            )
            .is_err());
        assert!(DcTls::new(&settings, &forest()).expect("tls").is_some());
    }

    #[test]
    fn no_certificate_means_no_tls_and_bad_files_are_named() {
        let absent = TlsSettings {
            certificate: DcCertificate::Absent,
            ..TlsSettings::default()
        };
        assert!(DcTls::new(&absent, &forest()).expect("ok").is_none());
        let dir = tempfile::tempdir().expect("dir");
        let garbage = dir.path().join("dc.pem");
        std::fs::write(&garbage, "not a certificate").expect("write");
        let files = TlsSettings {
            certificate: DcCertificate::Files {
                certificate: garbage.clone(),
                key: garbage.clone(),
            },
            ..TlsSettings::default()
        };
        let error = DcTls::new(&files, &forest()).expect_err("garbage");
        assert!(error.to_string().contains("dc.pem"), "{error}");
        let missing = TlsSettings {
            certificate: DcCertificate::Files {
                certificate: dir.path().join("missing.pem"),
                key: garbage,
            },
            ..TlsSettings::default()
        };
        let error = DcTls::new(&missing, &forest()).expect_err("missing");
        assert!(error.to_string().contains("missing.pem"), "{error}");
        assert_eq!("require".parse(), Ok(SigningPolicy::Require));
        assert!("sometimes".parse::<SigningPolicy>().is_err());
    }
}
