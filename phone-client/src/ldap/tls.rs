//! TLS to the DC (StartTLS on the LDAP port, or LDAPS): the roots from `--ca-file` and nothing
//! else, the DC's name checked as TLS clients check it, and every failure told apart (StartTLS
//! refused, handshake refused or dropped, unknown issuer, name mismatch, expired) naming the DC
//! and rustls's reason.
//!
//! The `ldap3` crate does the StartTLS exchange and the handshake; this module gives it a TCP
//! stream we connected (so no name is ever looked up: the address came from `--dc`, `--resolve`
//! or the locator) and a rustls configuration whose verifier checks the certificate against
//! [`DcTrust`]'s roots for the name we choose, and keeps what it saw for the report.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use der::Decode as _;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, StdStream};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use super::LdapTarget;
use crate::certinfo::describe;
use crate::error::{Error, ReasonCode};
use crate::profile::LdapTransport;

/// The roots a DC's certificate must chain to (`--ca-file`): exactly these, no system or public
/// roots.
#[derive(Clone)]
pub struct DcTrust {
    verifier: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    /// Where the roots came from (the file name), for messages.
    source: String,
    /// The roots' subjects, for messages.
    subjects: Vec<String>,
}

impl std::fmt::Debug for DcTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DcTrust")
            .field("source", &self.source)
            .field("subjects", &self.subjects)
            .finish_non_exhaustive()
    }
}

impl DcTrust {
    /// The certificates of a `--ca-file` (PEM; DER and certs-only PKCS#7 are read too). A file
    /// that cannot be read or holds no usable certificate is a usage error naming the file.
    pub fn from_file(path: &Path) -> Result<DcTrust, Error> {
        let bytes = std::fs::read(path).map_err(|error| {
            Error::usage(format!(
                "--ca-file {}: cannot read it: {error}",
                path.display()
            ))
        })?;
        DcTrust::from_bytes(&bytes, &path.display().to_string())
    }

    /// The certificates in `bytes` (see [`DcTrust::from_file`]); `source` names them in messages.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<DcTrust, Error> {
        let bad = |text: String| {
            Error::usage(format!(
                "--ca-file {source}: {text} (it should hold the PEM certificates of the CA that issued the DC's certificate)"
            ))
        };
        let certificates =
            ad_common::certfile::certificates(bytes).map_err(|error| bad(error.to_string()))?;
        let mut roots = RootCertStore::empty();
        let mut subjects = Vec::new();
        for (index, der) in certificates.into_iter().enumerate() {
            let subject = describe(&der)
                .map(|info| info.subject)
                .unwrap_or_else(|_| format!("certificate {}", index + 1));
            roots
                .add(CertificateDer::from(der))
                .map_err(|error| bad(format!("{subject} cannot be a trust anchor: {error}")))?;
            subjects.push(subject);
        }
        if roots.is_empty() {
            return Err(bad("no certificate".into()));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|error| bad(error.to_string()))?;
        Ok(DcTrust {
            verifier,
            provider,
            source: source.to_string(),
            subjects,
        })
    }

    /// Where the roots came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The roots' subjects.
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }

    /// A client configuration for one connection whose certificate must name `expected`; the
    /// verifier keeps what it saw.
    fn client_config(
        &self,
        expected: ServerName<'static>,
    ) -> Result<(Arc<ClientConfig>, Arc<DcVerifier>), Error> {
        let verifier = Arc::new(DcVerifier {
            inner: self.verifier.clone(),
            expected,
            seen: Mutex::new(None),
        });
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::internal(format!("TLS configuration: {error}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        Ok((Arc::new(config), verifier))
    }
}

/// What the verifier saw: the DC's certificate and rustls's verdict on it.
#[derive(Debug, Clone)]
struct Seen {
    leaf: Vec<u8>,
    error: Option<rustls::Error>,
}

/// rustls's WebPKI verifier for the DC's name chosen here (not the URL's host), keeping the
/// certificate and the verdict for the report.
#[derive(Debug)]
struct DcVerifier {
    inner: Arc<WebPkiServerVerifier>,
    expected: ServerName<'static>,
    seen: Mutex<Option<Seen>>,
}

impl DcVerifier {
    fn seen(&self) -> Option<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl ServerCertVerifier for DcVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            &self.expected,
            ocsp_response,
            now,
        );
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(Seen {
            leaf: end_entity.to_vec(),
            error: result.as_ref().err().cloned(),
        });
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// "LDAPS" or "StartTLS".
fn mode(transport: LdapTransport) -> &'static str {
    match transport {
        LdapTransport::Ldaps => "LDAPS",
        LdapTransport::StartTls => "StartTLS",
        LdapTransport::None => "plain LDAP",
    }
}

/// The URL as the report names it.
pub(super) fn url_of(target: &LdapTarget) -> String {
    match target.transport {
        LdapTransport::Ldaps => format!("ldaps://{}", target.address),
        _ => format!("ldap://{}", target.address),
    }
}

/// Connects over TCP, then StartTLS or LDAPS, validating the DC's certificate for
/// `target.name` against `target.trust`. `timeout` bounds the TCP connect, and then StartTLS and
/// the handshake together.
pub(super) async fn connect(
    target: &LdapTarget,
    timeout: Duration,
) -> Result<(LdapConnAsync, Ldap), Error> {
    let name = &target.name;
    let Some(trust) = &target.trust else {
        return Err(Error::new(
            ReasonCode::DcTls,
            format!(
                "ldap transport {} to the DC {name} needs the roots its certificate chains to (--ca-file FILE)",
                target.transport
            ),
        ));
    };
    let expected = ServerName::try_from(name.clone()).map_err(|error| {
        Error::usage(format!(
            "the DC's name {name:?} is neither a DNS name nor an IP address, so its certificate cannot be checked: {error}"
        ))
    })?;
    let (config, verifier) = trust.client_config(expected.clone())?;
    let url = url_of(target);
    let tcp =
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(target.address)).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(error)) => {
                return Err(Error::new(
                    ReasonCode::DcUnreachable,
                    format!("cannot connect to {url}: {}", LdapError::from(error)),
                ))
            }
            Err(_) => {
                return Err(Error::new(
                    ReasonCode::DcUnreachable,
                    format!(
                        "cannot connect to {url}: no answer within {:.1} s",
                        timeout.as_secs_f64()
                    ),
                ))
            }
        };
    let std_stream = tcp.into_std().map_err(|error| {
        Error::new(
            ReasonCode::DcUnreachable,
            format!("cannot connect to {url}: {error}"),
        )
    })?;
    let settings = LdapConnSettings::new()
        .set_conn_timeout(timeout)
        .set_config(config)
        .set_starttls(target.transport == LdapTransport::StartTls)
        .set_std_stream(StdStream::Tcp(std_stream));
    // ldap3 turns the URL's host into the handshake's server name (SNI); the verifier checks
    // `expected` whatever it is. An IPv6 literal is no valid URL host for that: a placeholder.
    let host = match &expected {
        ServerName::IpAddress(rustls::pki_types::IpAddr::V6(_)) => "ipv6-literal.invalid".into(),
        _ => name.clone(),
    };
    let scheme = match target.transport {
        LdapTransport::Ldaps => "ldaps",
        _ => "ldap",
    };
    let ldap_url = format!("{scheme}://{host}:{}", target.address.port());
    LdapConnAsync::with_settings(settings, &ldap_url)
        .await
        .map_err(|error| failure(target, trust, verifier.seen(), &error, timeout))
}

/// The report's sentence for a failed StartTLS or handshake.
fn failure(
    target: &LdapTarget,
    trust: &DcTrust,
    seen: Option<Seen>,
    error: &LdapError,
    timeout: Duration,
) -> Error {
    let prefix = format!(
        "TLS to the DC {} ({}, {}) failed",
        target.name,
        target.address,
        mode(target.transport)
    );
    let tls = |text: String| Error::new(ReasonCode::DcTls, format!("{prefix}: {text}"));
    if let Some(Seen {
        leaf,
        error: Some(rejected),
    }) = seen
    {
        return Error::new(
            ReasonCode::DcCertificate,
            format!(
                "{prefix}: {}; rustls: {rejected}",
                certificate_problem(&leaf, &rejected, &target.name, trust)
            ),
        );
    }
    match error {
        LdapError::LdapResult { result } => tls(format!(
            "the DC refused StartTLS: LDAP {} {}",
            result.rc,
            result.text.trim_end_matches('\0').trim()
        )),
        LdapError::Timeout { .. } => tls(format!(
            "no answer within {:.1} s: the DC did not complete {}",
            timeout.as_secs_f64(),
            match target.transport {
                LdapTransport::StartTls => "StartTLS and the TLS handshake",
                _ => "the TLS handshake",
            }
        )),
        LdapError::Io { source } => {
            if let Some(rustls_error) = source
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return match rustls_error {
                    rustls::Error::AlertReceived(alert) => tls(format!(
                        "the DC refused the handshake (TLS alert {alert:?}); rustls: {rustls_error}"
                    )),
                    _ => tls(format!("the handshake failed; rustls: {rustls_error}")),
                };
            }
            match source.kind() {
                std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe => tls(format!(
                    "the DC closed the connection during the TLS handshake ({source}); a DC with no certificate does this (domain.md §I)"
                )),
                _ => tls(source.to_string()),
            }
        }
        other => tls(other.to_string()),
    }
}

/// Why the DC's certificate was refused, in the words of someone fixing it.
fn certificate_problem(leaf: &[u8], error: &rustls::Error, name: &str, trust: &DcTrust) -> String {
    let info = describe(leaf).ok();
    let subject = info
        .as_ref()
        .map_or_else(|| "(unreadable)".to_string(), |info| info.subject.clone());
    let rustls::Error::InvalidCertificate(certificate_error) = error else {
        return format!("its certificate \"{subject}\" was refused");
    };
    match certificate_error {
        CertificateError::UnknownIssuer => format!(
            "its certificate \"{subject}\" (issuer \"{}\") does not chain to a root in {} (unknown issuer; the roots there: {})",
            info.as_ref().map_or("", |info| info.issuer.as_str()),
            trust.source,
            trust.subjects.join("; ")
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let names = subject_alt_names(leaf);
            if names.is_empty() {
                format!(
                    "its certificate \"{subject}\" is not valid for {name}: it has no subjectAltName, only the subject's CN, which TLS clients (rustls, browsers) do not use for the name check; reissue it with the DC's DNS name (and address) as subjectAltName"
                )
            } else {
                format!(
                    "its certificate \"{subject}\" is not valid for {name} (it names: {})",
                    names.join(", ")
                )
            }
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
            "its certificate \"{subject}\" has expired (notAfter {})",
            info.as_ref().map_or("", |info| info.not_after.as_str())
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
            "its certificate \"{subject}\" is not valid yet (notBefore {})",
            info.as_ref().map_or("", |info| info.not_before.as_str())
        ),
        _ => format!("its certificate \"{subject}\" was refused"),
    }
}

/// The subjectAltName entries a TLS client matches names against: `DNS:…` and `IP:…`.
pub(super) fn subject_alt_names(der: &[u8]) -> Vec<String> {
    let Ok(certificate) = x509_cert::Certificate::from_der(der) else {
        return Vec::new();
    };
    let Ok(Some((_, SubjectAltName(names)))) = certificate.tbs_certificate.get::<SubjectAltName>()
    else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DnsName(dns) => Some(format!("DNS:{}", dns.as_str())),
            GeneralName::IpAddress(ip) => {
                let bytes = ip.as_bytes();
                let address = match bytes.len() {
                    4 => <[u8; 4]>::try_from(bytes)
                        .ok()
                        .map(|octets| std::net::IpAddr::from(octets).to_string()),
                    16 => <[u8; 16]>::try_from(bytes)
                        .ok()
                        .map(|octets| std::net::IpAddr::from(octets).to_string()),
                    _ => None,
                };
                address.map(|address| format!("IP:{address}"))
            }
            _ => None,
        })
        .collect()
}

/// Where a connection to `address` goes and how it is described: `ldap://…` or
/// `ldaps://…`, and the TLS name and roots when there are any.
pub(super) fn describe_target(target: &LdapTarget) -> String {
    match (&target.trust, target.transport) {
        (_, LdapTransport::None) | (None, _) => url_of(target),
        (Some(trust), transport) => format!(
            "{} ({}, certificate checked for {} against {})",
            url_of(target),
            mode(transport),
            target.name,
            trust.source
        ),
    }
}

#[cfg(test)]
mod tests;
