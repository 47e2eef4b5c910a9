//! The registrar connection: the step where the phone finally says "Cannot validate server
//! certificate" (domain.md §0 step 3, §G rows 12-16 and 19).
//!
//! The real phone reports one sentence for every cause. The simulator keeps the cause: which
//! root was missing, which name was expected, what the phone's clock said, which certificate the
//! firmware could not read. Validation itself is rustls + webpki; this module adds the phone's
//! own clock and firmware limits around it and turns rustls's errors back into those causes.
//!
//! Limitation: rustls-webpki cannot verify SHA-1 signatures at all. A chain whose certificates
//! are SHA-1-signed (what old CPE firmware *requires*) therefore fails here with
//! `UnsupportedAlgorithm { what: "SHA-1 signatures (not verifiable by this simulator's TLS
//! stack)" }`, even for a policy that would accept it. A SHA-1-signed *root* is fine: root
//! signatures are never checked.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, ProtocolVersion,
    RootCertStore, SignatureScheme,
};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::certinfo::{self, CertificateInfo};

/// Firmware limits that decide what the phone can validate (a profile supplies them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// false: old firmware that only understands SHA-1 signatures.
    pub supports_sha256: bool,
    /// e.g. 2048 on old CX700 firmware, 4096 otherwise.
    pub max_rsa_bits: u32,
    /// false: firmware that only knows RSA keys.
    pub supports_ecdsa: bool,
    /// The phone's clock minus real time (no NTP).
    pub clock_offset_seconds: i64,
    /// Also trust the built-in public root list (webpki-roots), like the phone's Windows CE store.
    pub public_roots: bool,
}

/// Why the phone cannot validate the registrar (kept precise: the phone only says "Cannot validate server certificate").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValidationFailure {
    /// No installed (or public) root anchors the presented chain.
    #[error("no installed root certificate issued the registrar's chain (issuer: {issuer})")]
    UnknownIssuer {
        /// Issuer name of the top of the presented chain: the root the phone would need.
        issuer: String,
    },
    /// The registrar certificate does not name the host the phone dialled.
    #[error("the registrar certificate is not valid for {expected} (it names: {presented})")]
    NameMismatch {
        /// The server name the phone used.
        expected: String,
        /// The DNS names in the certificate (comma separated).
        presented: String,
    },
    /// A certificate in the chain is past its notAfter on the phone's clock.
    #[error("the registrar certificate expired on {not_after} (phone clock: {phone_time})")]
    Expired {
        /// RFC 3339.
        not_after: String,
        /// The phone's clock, RFC 3339.
        phone_time: String,
    },
    /// A certificate in the chain is before its notBefore on the phone's clock.
    #[error(
        "the registrar certificate is not valid before {not_before} (phone clock: {phone_time})"
    )]
    NotYetValid {
        /// RFC 3339.
        not_before: String,
        /// The phone's clock, RFC 3339.
        phone_time: String,
    },
    /// The firmware (or this simulator's TLS stack) cannot process an algorithm in the chain.
    #[error("this firmware cannot handle {what}")]
    UnsupportedAlgorithm {
        /// e.g. "SHA-256 signatures", "a 4096-bit RSA key", "ECDSA keys", with the certificate.
        what: String,
    },
    /// A signature in the chain does not verify.
    #[error("a signature in the registrar's chain does not verify")]
    BadSignature,
    /// Anything rustls reports that has no closer match.
    #[error("{0}")]
    Other(String),
}

/// Why the registrar connection failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistrarError {
    /// TCP connect failed (refused, unreachable, ...).
    #[error("cannot connect to the registrar {address}: {detail}")]
    Connect {
        /// host:port.
        address: String,
        /// The OS error text.
        detail: String,
    },
    /// TCP connect plus TLS handshake took longer than allowed.
    #[error("timed out after {seconds:.1} s connecting to the registrar {address}")]
    Timeout {
        /// host:port.
        address: String,
        /// The limit that was exceeded.
        seconds: f64,
    },
    /// The phone's "Cannot validate server certificate".
    #[error("cannot validate server certificate: {0}")]
    Validation(ValidationFailure),
    /// The TLS handshake failed for a reason other than certificate validation.
    #[error("TLS handshake with {address} failed: {detail}")]
    Handshake {
        /// host:port.
        address: String,
        /// rustls's or the peer's reason.
        detail: String,
    },
}

/// What a successful connection presented.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegistrarSession {
    /// "TLSv1.2" or "TLSv1.3".
    pub protocol: String,
    /// IANA-style suite name, e.g. "TLS13_AES_256_GCM_SHA384".
    pub cipher_suite: String,
    /// The certificates the registrar sent, leaf first.
    pub chain: Vec<CertificateInfo>,
}

/// The exact wording for SHA-1 chains (see the module documentation).
const SHA1_UNSUPPORTED: &str = "SHA-1 signatures (not verifiable by this simulator's TLS stack)";

/// Connects to `address` over TCP, does a TLS handshake for `server_name` with a rustls root
/// store holding exactly `roots` (DER; plus webpki-roots when `policy.public_roots`), validates
/// with the phone's clock (now + `clock_offset_seconds`), and classifies any failure precisely.
///
/// Before trusting, the firmware limits are applied to the presented chain and to `roots`: a
/// SHA-2-signed certificate with `supports_sha256 = false`, an RSA key above `max_rsa_bits`, or
/// an ECDSA key with `supports_ecdsa = false` gives [`ValidationFailure::UnsupportedAlgorithm`]
/// naming the certificate. A root the firmware cannot read is left out of the trust store (the
/// phone could not install it); when the presented chain leads to such a root the failure names
/// that root rather than reporting an unknown issuer. Values in `roots` that are not
/// certificates (AD placeholders) are skipped. The public roots are taken as they are.
///
/// SHA-1 signatures cannot be verified by rustls-webpki, so a SHA-1-signed chain fails with
/// `UnsupportedAlgorithm { what: "SHA-1 signatures (not verifiable by this simulator's TLS stack)" }`
/// even when the policy would allow it.
///
/// `timeout` covers the TCP connect and the handshake together.
pub async fn connect_registrar(
    address: SocketAddr,
    server_name: &str,
    roots: &[Vec<u8>],
    policy: &TrustPolicy,
    timeout: Duration,
) -> Result<RegistrarSession, RegistrarError> {
    let attempt = handshake(address, server_name, roots, policy);
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(RegistrarError::Timeout {
            address: address.to_string(),
            seconds: timeout.as_secs_f64(),
        }),
    }
}

async fn handshake(
    address: SocketAddr,
    server_name: &str,
    roots: &[Vec<u8>],
    policy: &TrustPolicy,
) -> Result<RegistrarSession, RegistrarError> {
    let handshake_error = |detail: String| RegistrarError::Handshake {
        address: address.to_string(),
        detail,
    };
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|e| handshake_error(format!("{server_name:?} is not a valid server name: {e}")))?;
    let verifier = Arc::new(PhoneVerifier::new(roots, policy)?);
    let config = client_config(verifier.clone()).map_err(|e| handshake_error(e.to_string()))?;

    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| RegistrarError::Connect {
            address: address.to_string(),
            detail: e.to_string(),
        })?;
    match TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
    {
        Ok(tls) => Ok(session(tls.get_ref().1)),
        Err(e) => Err(verifier
            .take_failure()
            .or_else(|| validation_from_io(&e))
            .map(RegistrarError::Validation)
            .unwrap_or_else(|| handshake_error(e.to_string()))),
    }
}

/// An explicit provider so nothing depends on (or changes) the process-wide default.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn client_config(verifier: Arc<PhoneVerifier>) -> Result<ClientConfig, rustls::Error> {
    Ok(
        ClientConfig::builder_with_provider(verifier.provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth(),
    )
}

fn session(conn: &rustls::ClientConnection) -> RegistrarSession {
    let protocol = match conn.protocol_version() {
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let cipher_suite = conn
        .negotiated_cipher_suite()
        .map(|s| {
            let suite = s.suite();
            suite
                .as_str()
                .map_or_else(|| format!("{suite:?}"), str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let chain = conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| certinfo::describe(c).ok())
        .collect();
    RegistrarSession {
        protocol,
        cipher_suite,
        chain,
    }
}

/// A root the firmware refused to install, kept to explain a chain that leads to it.
#[derive(Debug)]
struct RejectedRoot {
    subject: String,
    objection: String,
}

/// rustls's WebPkiServerVerifier seen through the phone: its clock, its firmware limits, and a
/// slot that keeps the precise failure (rustls only carries an error enum to the caller).
#[derive(Debug)]
struct PhoneVerifier {
    /// None when no root was usable: rustls refuses to build a verifier without anchors, and
    /// the phone in that state still connects and fails with "unknown issuer".
    inner: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    policy: TrustPolicy,
    /// Subjects of the roots in the store, to tell "no root" from "root the firmware refused".
    installed: Vec<String>,
    rejected: Vec<RejectedRoot>,
    failure: Mutex<Option<ValidationFailure>>,
}

impl PhoneVerifier {
    fn new(roots: &[Vec<u8>], policy: &TrustPolicy) -> Result<Self, RegistrarError> {
        let provider = provider();
        let mut store = RootCertStore::empty();
        let mut installed = Vec::new();
        let mut rejected = Vec::new();
        for der in roots {
            let Ok(info) = certinfo::describe(der) else {
                continue;
            };
            if let Some(objection) = firmware_objection(&info, policy, "root certificate") {
                rejected.push(RejectedRoot {
                    subject: info.subject,
                    objection,
                });
            } else if store.add(CertificateDer::from(der.as_slice())).is_ok() {
                installed.push(info.subject);
            }
        }
        if policy.public_roots {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        let inner = if store.is_empty() {
            None
        } else {
            let built =
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| {
                        RegistrarError::Validation(ValidationFailure::Other(e.to_string()))
                    })?;
            Some(built)
        };
        Ok(Self {
            inner,
            provider,
            policy: policy.clone(),
            installed,
            rejected,
            failure: Mutex::new(None),
        })
    }

    fn take_failure(&self) -> Option<ValidationFailure> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Records the precise failure and hands rustls an error that sends a sensible alert.
    fn fail(&self, failure: ValidationFailure, error: rustls::Error) -> rustls::Error {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure);
        error
    }

    fn algorithms(&self) -> &WebPkiSupportedAlgorithms {
        &self.provider.signature_verification_algorithms
    }

    /// The firmware's view of the chain, before any cryptography: what it cannot read in the
    /// presented certificates, then whether the chain leads to a root it refused to install.
    fn firmware_check(&self, chain: &Chain) -> Option<ValidationFailure> {
        let presented = chain.certs.iter().enumerate().find_map(|(i, info)| {
            let role = if i == 0 {
                "registrar certificate"
            } else {
                "intermediate certificate"
            };
            firmware_objection(info, &self.policy, role)
        });
        let refused_root = || {
            if self.installed.contains(&chain.top_issuer) {
                return None;
            }
            self.rejected
                .iter()
                .find(|r| r.subject == chain.top_issuer)
                .map(|r| r.objection.clone())
        };
        presented
            .or_else(refused_root)
            .map(|what| ValidationFailure::UnsupportedAlgorithm { what })
    }
}

impl ServerCertVerifier for PhoneVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let phone_now = phone_clock(now, self.policy.clock_offset_seconds);
        let chain = Chain::new(end_entity, intermediates);
        if let Some(failure) = self.firmware_check(&chain) {
            let error = other_error(&failure);
            return Err(self.fail(failure, error));
        }
        let Some(inner) = &self.inner else {
            let failure = ValidationFailure::UnknownIssuer {
                issuer: chain.top_issuer.clone(),
            };
            return Err(self.fail(failure, CertificateError::UnknownIssuer.into()));
        };
        inner
            .verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                phone_now,
            )
            .map_err(|error| match &error {
                rustls::Error::InvalidCertificate(ce) => {
                    let context = Context {
                        chain: &chain,
                        expected: server_name.to_str().into_owned(),
                        phone_now,
                    };
                    self.fail(classify(ce, &context), error)
                }
                _ => error,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms())
    }

    /// All schemes the provider verifies, even ECDSA on RSA-only firmware: narrowing them would
    /// make an ECDSA-only server abort the handshake, hiding the certificate problem behind a
    /// generic handshake failure.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms().supported_schemes()
    }
}

/// The presented chain as the firmware reads it.
struct Chain {
    /// Parsable certificates, leaf first (unparsable ones are left to rustls to reject).
    certs: Vec<CertificateInfo>,
    /// The issuer the phone would need a root for: the issuer at the top of the path that can
    /// be built from the leaf through the presented intermediates.
    top_issuer: String,
}

impl Chain {
    fn new(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Self {
        let certs: Vec<CertificateInfo> = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(|c| certinfo::describe(c).ok())
            .collect();
        let top_issuer = top_issuer(&certs);
        Self { certs, top_issuer }
    }

    fn leaf(&self) -> Option<&CertificateInfo> {
        self.certs.first()
    }
}

/// Walks leaf → issuer → issuer through the presented certificates, stopping at a self-signed
/// one or when the next issuer was not sent. Bounded by the chain length, so loops cannot hang.
fn top_issuer(certs: &[CertificateInfo]) -> String {
    let Some(mut current) = certs.first() else {
        return "(no parsable certificate)".to_owned();
    };
    for _ in 0..certs.len() {
        if current.self_signed {
            break;
        }
        match certs[1..]
            .iter()
            .find(|c| c.subject == current.issuer && c.subject != current.subject)
        {
            Some(next) => current = next,
            None => break,
        }
    }
    current.issuer.clone()
}

/// What this firmware cannot read in one certificate, naming the certificate.
fn firmware_objection(info: &CertificateInfo, policy: &TrustPolicy, role: &str) -> Option<String> {
    let limit =
        signature_limit(&info.signature_algorithm, policy).or_else(|| key_limit(info, policy))?;
    Some(format!("{limit} (the {role} {})", info.subject))
}

fn signature_limit(algorithm: &str, policy: &TrustPolicy) -> Option<String> {
    let lower = algorithm.to_ascii_lowercase();
    if !policy.supports_ecdsa && lower.starts_with("ecdsa") {
        return Some("ECDSA signatures".to_owned());
    }
    if policy.supports_sha256 {
        return None;
    }
    ["sha256", "sha384", "sha512"]
        .iter()
        .find(|hash| lower.contains(*hash))
        .map(|hash| format!("SHA-{} signatures", &hash[3..]))
}

fn key_limit(info: &CertificateInfo, policy: &TrustPolicy) -> Option<String> {
    if info.key.starts_with("RSA") && info.key_bits > policy.max_rsa_bits {
        return Some(format!("a {}-bit RSA key", info.key_bits));
    }
    if info.key.starts_with("ECDSA") && !policy.supports_ecdsa {
        return Some("ECDSA keys".to_owned());
    }
    None
}

/// The phone's clock: real time shifted by its offset, clamped at the epoch.
fn phone_clock(now: UnixTime, offset_seconds: i64) -> UnixTime {
    let secs = now.as_secs().saturating_add_signed(offset_seconds);
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn rfc3339(time: UnixTime) -> String {
    let secs = time.as_secs();
    der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_or_else(|_| format!("{secs} s after 1970-01-01"), |t| t.to_string())
}

fn other_error(failure: &ValidationFailure) -> rustls::Error {
    CertificateError::Other(OtherError(Arc::new(failure.clone()))).into()
}

/// What `classify` needs besides the rustls error to fill the human fields.
struct Context<'a> {
    chain: &'a Chain,
    expected: String,
    phone_now: UnixTime,
}

/// Maps rustls's certificate errors to the phone's causes. rustls 0.23 reports most of them
/// with a `...Context` variant when the webpki verifier produced them; the bare variants are
/// handled too (filled from the leaf) because other verifiers and older paths still use them.
#[allow(deprecated)] // CertificateError::UnsupportedSignatureAlgorithm is deprecated but still produced
fn classify(error: &CertificateError, cx: &Context<'_>) -> ValidationFailure {
    let phone_time = rfc3339(cx.phone_now);
    let leaf_field = |f: fn(&CertificateInfo) -> &String| {
        cx.chain
            .leaf()
            .map_or_else(|| "(unknown)".to_owned(), |l| f(l).clone())
    };
    match error {
        CertificateError::UnknownIssuer => ValidationFailure::UnknownIssuer {
            issuer: cx.chain.top_issuer.clone(),
        },
        CertificateError::NotValidForName => name_mismatch(cx, &[]),
        CertificateError::NotValidForNameContext { presented, .. } => name_mismatch(cx, presented),
        CertificateError::Expired => ValidationFailure::Expired {
            not_after: leaf_field(|l| &l.not_after),
            phone_time,
        },
        CertificateError::ExpiredContext { time, not_after } => ValidationFailure::Expired {
            not_after: rfc3339(*not_after),
            phone_time: rfc3339(*time),
        },
        CertificateError::NotValidYet => ValidationFailure::NotYetValid {
            not_before: leaf_field(|l| &l.not_before),
            phone_time,
        },
        CertificateError::NotValidYetContext { time, not_before } => {
            ValidationFailure::NotYetValid {
                not_before: rfc3339(*not_before),
                phone_time: rfc3339(*time),
            }
        }
        CertificateError::BadSignature => ValidationFailure::BadSignature,
        CertificateError::UnsupportedSignatureAlgorithm => unsupported_signature(cx.chain, None),
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id,
            ..
        }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id,
            ..
        } => unsupported_signature(cx.chain, Some(signature_algorithm_id)),
        CertificateError::BadEncoding => {
            ValidationFailure::Other("the registrar sent a malformed certificate".to_owned())
        }
        CertificateError::Other(OtherError(inner)) => inner
            .downcast_ref::<ValidationFailure>()
            .cloned()
            .unwrap_or_else(|| ValidationFailure::Other(inner.to_string())),
        other => {
            ValidationFailure::Other(rustls::Error::InvalidCertificate(other.clone()).to_string())
        }
    }
}

/// The names come from the leaf itself: webpki's `presented` list holds Debug text
/// (`DnsName("pool.example.test")`), which is only the fallback.
fn name_mismatch(cx: &Context<'_>, webpki_presented: &[String]) -> ValidationFailure {
    let names = cx
        .chain
        .leaf()
        .map(|l| l.dns_names.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| webpki_presented.to_vec());
    let presented = if names.is_empty() {
        "no DNS names".to_owned()
    } else {
        names.join(", ")
    };
    ValidationFailure::NameMismatch {
        expected: cx.expected.clone(),
        presented,
    }
}

/// webpki's `signature_algorithm_id` is the AlgorithmIdentifier content (OID first, no outer
/// SEQUENCE). SHA-1 gets the fixed wording; without an id, a SHA-1 certificate in the chain is
/// the likely cause (webpki supports every other common algorithm).
fn unsupported_signature(chain: &Chain, algorithm_id: Option<&[u8]>) -> ValidationFailure {
    let name = match algorithm_id {
        Some(id) => oid_name(id),
        None => chain
            .certs
            .iter()
            .map(|c| c.signature_algorithm.clone())
            .find(|a| is_sha1(a)),
    };
    let what = match name {
        Some(n) if is_sha1(&n) => SHA1_UNSUPPORTED.to_owned(),
        Some(n) => format!("the signature algorithm {n}"),
        None => "a signature algorithm in the chain".to_owned(),
    };
    ValidationFailure::UnsupportedAlgorithm { what }
}

fn oid_name(id: &[u8]) -> Option<String> {
    let (&tag, rest) = id.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if tag != 0x06 {
        return None;
    }
    let body = rest.get(..usize::from(len))?;
    let oid = der::asn1::ObjectIdentifier::from_bytes(body).ok()?;
    Some(certinfo::signature_algorithm_name(&oid))
}

fn is_sha1(algorithm: &str) -> bool {
    let lower = algorithm.to_ascii_lowercase();
    lower.contains("sha1") || lower.contains("sha-1")
}

/// Fallback for certificate errors that did not pass through `PhoneVerifier` (tokio-rustls wraps
/// the rustls error in an io::Error).
fn validation_from_io(error: &std::io::Error) -> Option<ValidationFailure> {
    let inner = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    match inner {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(e))) => {
            e.downcast_ref::<ValidationFailure>().cloned()
        }
        rustls::Error::InvalidCertificate(ce) => Some(ValidationFailure::Other(
            rustls::Error::InvalidCertificate(ce.clone()).to_string(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, RsaKeySize,
        SignatureAlgorithm,
    };
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use rustls::ServerConfig;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    const POOL: &str = "pool.example.test";
    const WAIT: Duration = Duration::from_secs(10);

    /// A test CA: its DER and an issuer that signs leaves.
    struct TestCa {
        der: Vec<u8>,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(cn: &str, key: KeyPair) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let der = params.self_signed(&key).expect("self-sign").der().to_vec();
        TestCa {
            der,
            issuer: Issuer::new(params, key),
        }
    }

    fn ec_ca(cn: &str) -> TestCa {
        ca(
            cn,
            KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen"),
        )
    }

    struct Leaf {
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    }

    fn leaf_with(
        ca: &TestCa,
        alg: &'static SignatureAlgorithm,
        edit: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        let key = KeyPair::generate_for(alg).expect("keygen");
        let mut params = CertificateParams::new(vec![POOL.to_owned()]).expect("params");
        params.distinguished_name.push(DnType::CommonName, POOL);
        params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
        edit(&mut params);
        let cert = params.signed_by(&key, &ca.issuer).expect("sign");
        Leaf {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    fn leaf(ca: &TestCa) -> Leaf {
        leaf_with(ca, &rcgen::PKCS_ECDSA_P256_SHA256, |_| {})
    }

    fn modern() -> TrustPolicy {
        TrustPolicy {
            supports_sha256: true,
            max_rsa_bits: 4096,
            supports_ecdsa: true,
            clock_offset_seconds: 0,
            public_roots: false,
        }
    }

    /// Serves TLS with `leaf` on 127.0.0.1:0 until the test ends. Handshake failures on the
    /// server side are expected in the failing cases and ignored.
    async fn serve(leaf: Leaf) -> SocketAddr {
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(leaf.chain, leaf.key)
            .expect("server cert");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = acceptor.accept(tcp).await {
                        let mut sink = Vec::new();
                        let _ = tls.read_to_end(&mut sink).await;
                    }
                });
            }
        });
        address
    }

    async fn connect(
        address: SocketAddr,
        name: &str,
        roots: &[Vec<u8>],
        policy: &TrustPolicy,
    ) -> Result<RegistrarSession, RegistrarError> {
        connect_registrar(address, name, roots, policy, WAIT).await
    }

    fn validation(result: Result<RegistrarSession, RegistrarError>) -> ValidationFailure {
        match result {
            Err(RegistrarError::Validation(v)) => v,
            other => panic!("expected a validation failure, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn trusted_root_connects_and_reports_the_chain() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let session = connect(address, POOL, std::slice::from_ref(&root.der), &modern())
            .await
            .expect("connects");
        assert!(
            session.protocol == "TLSv1.3" || session.protocol == "TLSv1.2",
            "{}",
            session.protocol
        );
        assert!(
            session.cipher_suite.starts_with("TLS"),
            "{}",
            session.cipher_suite
        );
        assert_eq!(session.chain.len(), 1);
        assert_eq!(session.chain[0].dns_names, vec![POOL.to_owned()]);
        assert_eq!(session.chain[0].issuer, "CN=Test Root");
    }

    #[tokio::test]
    async fn placeholder_roots_are_skipped() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let roots = [vec![0u8], Vec::new(), root.der.clone()];
        assert!(connect(address, POOL, &roots, &modern()).await.is_ok());
    }

    #[tokio::test]
    async fn another_root_is_unknown_issuer() {
        let root = ec_ca("Test Root");
        let other = ec_ca("Other Root");
        let address = serve(leaf(&root)).await;
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&other.der), &modern()).await);
        assert_eq!(
            failure,
            ValidationFailure::UnknownIssuer {
                issuer: "CN=Test Root".to_owned()
            }
        );
    }

    /// An issuing CA signed by `parent`.
    fn sub_ca(parent: &TestCa, cn: &str) -> TestCa {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let der = params
            .signed_by(&key, &parent.issuer)
            .expect("sign")
            .der()
            .to_vec();
        TestCa {
            der,
            issuer: Issuer::new(params, key),
        }
    }

    #[tokio::test]
    async fn unknown_issuer_names_the_root_above_the_sent_intermediate() {
        let root = ec_ca("Test Root");
        let issuing = sub_ca(&root, "Issuing CA");
        let mut served = leaf(&issuing);
        served.chain.push(CertificateDer::from(issuing.der.clone()));
        let address = serve(served).await;
        let other = ec_ca("Other Root");
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&other.der), &modern()).await);
        assert_eq!(
            failure,
            ValidationFailure::UnknownIssuer {
                issuer: "CN=Test Root".to_owned()
            }
        );
        // webpki accepts any installed certificate as an anchor, so an issuing CA picked up
        // from AIA/NTAuth alone is enough for this stack (domain.md §G row 3 is only inferred).
        let session = connect(address, POOL, std::slice::from_ref(&issuing.der), &modern())
            .await
            .expect("intermediate as anchor");
        assert_eq!(session.chain.len(), 2);
    }

    #[tokio::test]
    async fn no_roots_at_all_is_unknown_issuer() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let failure = validation(connect(address, POOL, &[vec![0]], &modern()).await);
        assert!(
            matches!(failure, ValidationFailure::UnknownIssuer { ref issuer } if issuer == "CN=Test Root"),
            "{failure:?}"
        );
    }

    #[tokio::test]
    async fn wrong_server_name_is_name_mismatch() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let roots = [root.der.clone()];
        let failure = validation(connect(address, "other.example.test", &roots, &modern()).await);
        assert_eq!(
            failure,
            ValidationFailure::NameMismatch {
                expected: "other.example.test".to_owned(),
                presented: POOL.to_owned()
            }
        );
    }

    #[tokio::test]
    async fn expired_leaf_is_expired() {
        let root = ec_ca("Test Root");
        let expired = leaf_with(&root, &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        });
        let address = serve(expired).await;
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&root.der), &modern()).await);
        match failure {
            ValidationFailure::Expired { not_after, .. } => {
                assert_eq!(not_after, "2021-01-01T00:00:00Z");
            }
            other => panic!("expected Expired, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn clock_ten_years_behind_is_not_yet_valid() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let policy = TrustPolicy {
            clock_offset_seconds: -10 * 365 * 24 * 3600,
            ..modern()
        };
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
        match failure {
            ValidationFailure::NotYetValid { phone_time, .. } => {
                let year: i32 = phone_time[..4].parse().expect("year");
                let now = time::OffsetDateTime::now_utc().year();
                assert!((now - 11..=now - 9).contains(&year), "{phone_time}");
            }
            other => panic!("expected NotYetValid, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn rsa_4096_root_on_2048_firmware_is_unsupported() {
        let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096)
            .expect("rsa keygen");
        let root = ca("Big RSA Root", key);
        let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
        let policy = TrustPolicy {
            max_rsa_bits: 2048,
            ..modern()
        };
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
        match failure {
            ValidationFailure::UnsupportedAlgorithm { what } => {
                assert!(what.contains("4096-bit RSA key"), "{what}");
                assert!(what.contains("CN=Big RSA Root"), "{what}");
            }
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
        // The same chain is fine for firmware that reads 4096-bit keys.
        assert!(connect(address, POOL, &[root.der], &modern()).await.is_ok());
    }

    #[tokio::test]
    async fn ecdsa_chain_on_rsa_only_firmware_is_unsupported() {
        let root = ec_ca("Test Root");
        let address = serve(leaf(&root)).await;
        let policy = TrustPolicy {
            supports_ecdsa: false,
            ..modern()
        };
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
        match failure {
            ValidationFailure::UnsupportedAlgorithm { what } => {
                assert!(what.contains("ECDSA"), "{what}");
                assert!(what.contains("registrar certificate"), "{what}");
            }
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn sha256_chain_on_sha1_firmware_is_unsupported() {
        let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("keygen");
        let root = ca("RSA Root", key);
        let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
        let policy = TrustPolicy {
            supports_sha256: false,
            ..modern()
        };
        let failure =
            validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
        assert!(
            matches!(failure, ValidationFailure::UnsupportedAlgorithm { ref what } if what.starts_with("SHA-256 signatures")),
            "{failure:?}"
        );
    }

    #[tokio::test]
    async fn closed_port_is_connect_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("addr");
        drop(listener);
        let result = connect(address, POOL, &[], &modern()).await;
        assert!(
            matches!(result, Err(RegistrarError::Connect { .. })),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("addr");
        let holder = tokio::spawn(async move {
            let held = listener.accept().await;
            tokio::time::sleep(WAIT).await;
            drop(held);
        });
        let result =
            connect_registrar(address, POOL, &[], &modern(), Duration::from_millis(300)).await;
        holder.abort();
        match result {
            Err(RegistrarError::Timeout { seconds, .. }) => {
                assert!((seconds - 0.3).abs() < 1e-9, "{seconds}");
            }
            other => panic!("expected Timeout, got {other:?}"),
        }
    }

    #[test]
    fn validation_error_text_matches_the_phone_wording() {
        let failure = ValidationFailure::UnknownIssuer {
            issuer: "CN=X".to_owned(),
        };
        let text = format!("{}", RegistrarError::Validation(failure));
        assert_eq!(
            text,
            "cannot validate server certificate: no installed root certificate issued the registrar's chain (issuer: CN=X)"
        );
    }

    #[test]
    fn sha1_algorithm_ids_get_the_fixed_wording() {
        // OID 1.2.840.113549.1.1.5 (sha1WithRSAEncryption) followed by NULL parameters.
        let id = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
        ];
        let chain = Chain {
            certs: Vec::new(),
            top_issuer: String::new(),
        };
        assert_eq!(
            unsupported_signature(&chain, Some(&id)),
            ValidationFailure::UnsupportedAlgorithm {
                what: SHA1_UNSUPPORTED.to_owned()
            }
        );
    }

    #[test]
    fn phone_clock_clamps_at_the_epoch() {
        let now = UnixTime::since_unix_epoch(Duration::from_secs(100));
        assert_eq!(phone_clock(now, -1000).as_secs(), 0);
        assert_eq!(phone_clock(now, 50).as_secs(), 150);
        assert_eq!(rfc3339(phone_clock(now, -100)), "1970-01-01T00:00:00Z");
    }
}
