//! The registrar connection: the step where the phone finally says "Cannot validate server
//! certificate" (domain.md §0 step 3, §G rows 12-16 and 19).
//!
//! The real phone reports one sentence for every cause. The simulator keeps the cause: which
//! root was missing, which name was expected, what the phone's clock said, which certificate the
//! firmware could not read. Validation itself is rustls + webpki; this module adds the phone's
//! own clock and firmware limits around it and turns rustls's errors back into those causes.
//!
//! SHA-1: rustls-webpki has no SHA-1 algorithm of its own; [`sha1`] adds `sha1WithRSAEncryption`
//! (RSA keys of 2048-8192 bits) to the certificate-signature algorithms when the policy's
//! `supports_sha1` says the firmware reads SHA-1 (every built-in profile does: it is what old
//! CPE firmware *requires*, domain.md §D.3). TLS handshake signatures are rustls's own. A root's
//! own signature is never checked, whatever its algorithm.

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

pub mod revocation;
pub mod sha1;
mod verifier;
use verifier::*;

/// Firmware limits that decide what the phone can validate (a profile supplies them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// false: old firmware that only understands SHA-1 signatures.
    pub supports_sha256: bool,
    /// `sha1WithRSAEncryption` certificate signatures are read and verified (every built-in
    /// profile: SHA-1 is the old standard). false: a SHA-1-signed certificate is one the firmware
    /// cannot read, like a SHA-256 one with `supports_sha256 = false`.
    pub supports_sha1: bool,
    /// e.g. 2048 on old CX700 firmware, 4096 otherwise.
    pub max_rsa_bits: u32,
    /// false: firmware that only knows RSA keys.
    pub supports_ecdsa: bool,
    /// The phone's clock minus real time (no NTP).
    pub clock_offset_seconds: i64,
    /// Also trust the built-in public root list (webpki-roots), like the phone's Windows CE store.
    pub public_roots: bool,
    /// Installed certificates that are not self-signed are trust anchors too (the old model).
    ///
    /// false (the profile default): only self-signed installed certificates anchor a chain;
    /// installed CA certificates that are not self-signed (an issuing CA picked up from AIA or
    /// NTAuthCertificates) only help complete a path, as intermediates. Windows CE's CryptoAPI
    /// ends a chain at a self-signed root, and a chain that stops below one is
    /// CERT_TRUST_IS_PARTIAL_CHAIN, i.e. not trusted (domain.md §G row 3; **inferred** from
    /// desktop CryptoAPI, **UNCERTAIN** for the CE build on the phones).
    pub partial_chain_trust: bool,
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
    /// The path from the registrar's certificate ends at an installed CA certificate that is not
    /// self-signed, whose issuer is not installed: CryptoAPI's CERT_TRUST_IS_PARTIAL_CHAIN
    /// (domain.md §G row 3, inferred). Only with `partial_chain_trust = false`.
    #[error("chain ends at \"{top}\", which is installed but not self-signed; its issuer \"{issuer}\" is not installed (partial chain)")]
    PartialChain {
        /// Subject of the installed, non-self-signed certificate the path stops at.
        top: String,
        /// Its issuer: the root the phone would need.
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
    /// The chain leads to an installed root that is outside its validity period on the phone's
    /// clock. CryptoAPI checks the root's time validity too (CERT_TRUST_IS_NOT_TIME_VALID);
    /// webpki does not look at a trust anchor's dates, so the phone checks them itself
    /// (domain.md §G row 16).
    #[error("the chain leads to the installed root \"{subject}\", which is valid only from {not_before} to {not_after} (phone clock: {phone_time})")]
    RootNotTimeValid {
        subject: String,
        /// RFC 3339.
        not_before: String,
        /// RFC 3339.
        not_after: String,
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
    /// The same certificates, DER (what the revocation check judges).
    #[serde(skip)]
    pub chain_der: Vec<Vec<u8>>,
}

/// The wording for a SHA-1 signature webpki refused because the policy has `supports_sha1 =
/// false` (normally the firmware check names the certificate first; this is webpki's verdict).
const SHA1_UNSUPPORTED: &str = "SHA-1 signatures (this firmware has supports_sha1 = false)";

/// Connects to `address` over TCP, does a TLS handshake for `server_name` with a rustls root
/// store built from `roots` (DER; plus webpki-roots when `policy.public_roots`), validates
/// with the phone's clock (now + `clock_offset_seconds`), and classifies any failure precisely.
///
/// Which of `roots` anchor a chain depends on `policy.partial_chain_trust`: when false (the
/// default) only self-signed certificates are anchors, and the others are offered to the path
/// builder as intermediates after the ones the server sent; a path that stops at one of them
/// fails with [`ValidationFailure::PartialChain`] (domain.md §G row 3, inferred). When true,
/// every installed certificate is an anchor.
///
/// Before trusting, the firmware limits are applied to the presented chain and to `roots`: a
/// SHA-2-signed certificate with `supports_sha256 = false`, a SHA-1-signed one with
/// `supports_sha1 = false`, an RSA key above `max_rsa_bits`, or an ECDSA key with
/// `supports_ecdsa = false` gives [`ValidationFailure::UnsupportedAlgorithm`]
/// naming the certificate. A root the firmware cannot read is left out of the trust store (the
/// phone could not install it); when the presented chain leads to such a root the failure names
/// that root rather than reporting an unknown issuer. Values in `roots` that are not
/// certificates (AD placeholders) are skipped. The public roots are taken as they are.
///
/// `sha1WithRSAEncryption` signatures are verified when `policy.supports_sha1` (see [`sha1`]);
/// other SHA-1 algorithms (ECDSA, DSA) are not, and fail as unsupported algorithms.
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

/// Validates a registrar chain (leaf first, DER) offline, as the phone's handshake would, at the
/// phone's clock: the same verifier and the same precise failures as [`connect_registrar`], for
/// answering "would this phone trust that certificate" without a live registrar (`adpki audit`).
pub fn validate_chain(
    chain: &[Vec<u8>],
    server_name: &str,
    roots: &[Vec<u8>],
    policy: &TrustPolicy,
) -> Result<(), ValidationFailure> {
    let (leaf, intermediates) = chain
        .split_first()
        .ok_or_else(|| ValidationFailure::Other("the registrar chain is empty".into()))?;
    let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
        ValidationFailure::Other(format!("{server_name:?} is not a valid server name: {e}"))
    })?;
    let verifier = PhoneVerifier::new(roots, policy).map_err(|error| match error {
        RegistrarError::Validation(failure) => failure,
        other => ValidationFailure::Other(other.to_string()),
    })?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|der| CertificateDer::from(der.as_slice()))
        .collect();
    let leaf = CertificateDer::from(leaf.as_slice());
    match verifier.verify_server_cert(&leaf, &intermediates, &name, &[], UnixTime::now()) {
        Ok(_) => Ok(()),
        Err(error) => Err(verifier
            .take_failure()
            .unwrap_or_else(|| ValidationFailure::Other(error.to_string()))),
    }
}

/// Reads the certificate chain a TLS server presents, without judging it (for `adpki audit
/// --registrar`, which then judges it the phone's way with [`validate_chain`]). The handshake is
/// completed with a verifier that accepts any chain but still checks the handshake signature, so
/// nothing else is trusted on this connection; it is closed right away.
pub async fn read_presented_chain(
    address: SocketAddr,
    server_name: &str,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, RegistrarError> {
    let handshake_error = |detail: String| RegistrarError::Handshake {
        address: address.to_string(),
        detail,
    };
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|e| handshake_error(format!("{server_name:?} is not a valid server name: {e}")))?;
    let recorder = Arc::new(ChainRecorder {
        provider: provider(),
        chain: Mutex::new(Vec::new()),
    });
    let config = ClientConfig::builder_with_provider(recorder.provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| handshake_error(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let attempt = async {
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|e| RegistrarError::Connect {
                address: address.to_string(),
                detail: e.to_string(),
            })?;
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_error(e.to_string()))?;
        Ok::<(), RegistrarError>(())
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result?,
        Err(_) => {
            return Err(RegistrarError::Timeout {
                address: address.to_string(),
                seconds: timeout.as_secs_f64(),
            })
        }
    }
    let chain = std::mem::take(
        &mut *recorder
            .chain
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    Ok(chain)
}

/// Accepts any chain and keeps a copy: only for reading what a server presents.
#[derive(Debug)]
struct ChainRecorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for ChainRecorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|der| der.to_vec()));
        *self.chain.lock().unwrap_or_else(PoisonError::into_inner) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
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

/// An explicit provider so nothing depends on (or changes) the process-wide default. Without
/// SHA-1: for reading a chain without judging it (and for tests' servers); the phone's verifier
/// uses [`sha1::provider_for`].
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
    let chain_der: Vec<Vec<u8>> = conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.to_vec())
        .collect();
    let chain = chain_der
        .iter()
        .filter_map(|c| certinfo::describe(c).ok())
        .collect();
    RegistrarSession {
        protocol,
        cipher_suite,
        chain,
        chain_der,
    }
}

#[cfg(test)]
mod tests;
