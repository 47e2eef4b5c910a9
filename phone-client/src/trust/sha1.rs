//! SHA-1 certificate signatures: `sha1WithRSAEncryption` (OID 1.2.840.113549.1.1.5), the only
//! signature old CPE/LPE firmware reads (domain.md §D.3; §G row 12's second fix, "SHA-1/2048-bit
//! chain").
//!
//! rustls-webpki ships no SHA-1 algorithm, but it verifies certificate (and CRL) signatures with
//! whatever `SignatureVerificationAlgorithm`s it is given, matched by AlgorithmIdentifier. This
//! module implements that public trait with aws-lc-rs's
//! `RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY` (RSA keys of 2048 to 8192 bits, as webpki's own
//! RSA algorithms), and builds the phone's [`CryptoProvider`]: rustls's aws-lc-rs provider with
//! the SHA-1 algorithm added to `signature_verification_algorithms.all` when the profile's
//! `supports_sha1` says so.
//!
//! Only certificate and CRL signatures are affected: `all` is what webpki's path building and CRL
//! checks use. The `mapping` from TLS signature schemes (TLS 1.2/1.3 CertificateVerify) is
//! rustls's, unchanged, so the handshake negotiates exactly what it did before.

use std::sync::{Arc, LazyLock};

use aws_lc_rs::signature;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::alg_id::{self, AlgorithmIdentifier};
use rustls::pki_types::{InvalidSignature, SignatureVerificationAlgorithm};

use super::TrustPolicy;

/// `sha1WithRSAEncryption` with NULL parameters, as webpki compares AlgorithmIdentifiers: the
/// contents without the outer SEQUENCE, i.e. the OID TLV followed by `05 00`.
const SHA1_WITH_RSA_NULL: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
];

/// The same OID with the parameters absent. RFC 4055 §5 (sha*WithRSAEncryption): "the parameters
/// MUST be NULL. Implementations MUST accept the parameters being absent as well as present";
/// webpki accepts both forms for SHA-256/384/512 too.
const SHA1_WITH_RSA_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05,
];

/// RSA PKCS#1 v1.5 with SHA-1, for RSA keys of 2048 to 8192 bits, with one AlgorithmIdentifier
/// encoding of `sha1WithRSAEncryption`.
#[derive(Debug)]
pub struct RsaPkcs1Sha1 {
    signature_alg_id: &'static [u8],
}

/// `sha1WithRSAEncryption` with NULL parameters (what every CA writes).
pub static RSA_PKCS1_2048_8192_SHA1: RsaPkcs1Sha1 = RsaPkcs1Sha1 {
    signature_alg_id: SHA1_WITH_RSA_NULL,
};

/// `sha1WithRSAEncryption` with absent parameters.
pub static RSA_PKCS1_2048_8192_SHA1_ABSENT_PARAMS: RsaPkcs1Sha1 = RsaPkcs1Sha1 {
    signature_alg_id: SHA1_WITH_RSA_ABSENT,
};

impl SignatureVerificationAlgorithm for RsaPkcs1Sha1 {
    /// rsaEncryption: the issuer's SubjectPublicKeyInfo algorithm this verifies with.
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(self.signature_alg_id)
    }

    /// `public_key` is the subjectPublicKey BIT STRING's contents (a PKCS#1 RSAPublicKey), which
    /// is what aws-lc-rs's RSA `UnparsedPublicKey` takes. Keys under 2048 bits do not verify.
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            public_key,
        )
        .verify(message, signature)
        .map_err(|_| InvalidSignature)
    }

    /// SHA-1 signatures are not FIPS-approved for verification of new signatures.
    fn fips(&self) -> bool {
        false
    }
}

/// rustls's aws-lc-rs algorithms, for firmware without SHA-1.
fn without_sha1() -> WebPkiSupportedAlgorithms {
    rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms
}

/// rustls's aws-lc-rs algorithms plus SHA-1 for certificate signatures (`all`); `mapping` (TLS
/// handshake signatures) untouched. Built once per process: `all` must be `'static`.
static WITH_SHA1: LazyLock<WebPkiSupportedAlgorithms> = LazyLock::new(|| {
    let base = without_sha1();
    let mut all: Vec<&'static dyn SignatureVerificationAlgorithm> = base.all.to_vec();
    all.push(&RSA_PKCS1_2048_8192_SHA1);
    all.push(&RSA_PKCS1_2048_8192_SHA1_ABSENT_PARAMS);
    WebPkiSupportedAlgorithms {
        all: Vec::leak(all),
        mapping: base.mapping,
    }
});

/// The certificate-signature algorithms this firmware verifies.
pub fn algorithms(policy: &TrustPolicy) -> WebPkiSupportedAlgorithms {
    if policy.supports_sha1 {
        *WITH_SHA1
    } else {
        without_sha1()
    }
}

/// The phone's crypto provider: aws-lc-rs, with SHA-1 certificate signatures when the firmware
/// reads them. Explicit, so nothing depends on (or changes) the process-wide default.
pub fn provider_for(policy: &TrustPolicy) -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        signature_verification_algorithms: algorithms(policy),
        ..rustls::crypto::aws_lc_rs::default_provider()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_algorithm_ids_are_sha1_with_rsa_as_webpki_compares_them() {
        use der::{Decode, Tagged};
        // The NULL-parameter form is the full AlgorithmIdentifier's contents.
        let full = [&[0x30, 0x0d][..], SHA1_WITH_RSA_NULL].concat();
        let parsed = x509_cert::spki::AlgorithmIdentifierOwned::from_der(&full).unwrap();
        assert_eq!(parsed.oid.to_string(), "1.2.840.113549.1.1.5");
        assert_eq!(
            parsed.parameters.unwrap().tag(),
            der::Tag::Null,
            "parameters NULL"
        );
        assert_eq!(
            RSA_PKCS1_2048_8192_SHA1.public_key_alg_id(),
            alg_id::RSA_ENCRYPTION
        );
        assert_eq!(
            &*RSA_PKCS1_2048_8192_SHA1_ABSENT_PARAMS.signature_alg_id(),
            &SHA1_WITH_RSA_NULL[..11]
        );
        assert!(!RSA_PKCS1_2048_8192_SHA1.fips());
    }

    #[test]
    fn sha1_is_added_to_certificate_algorithms_only() {
        let policy = |supports_sha1| TrustPolicy {
            supports_sha1,
            supports_sha256: true,
            max_rsa_bits: 4096,
            supports_ecdsa: true,
            clock_offset_seconds: 0,
            public_roots: false,
            partial_chain_trust: false,
        };
        let has_sha1 = |algorithms: &WebPkiSupportedAlgorithms| {
            algorithms
                .all
                .iter()
                .any(|a| &*a.signature_alg_id() == SHA1_WITH_RSA_NULL)
        };
        let with = algorithms(&policy(true));
        let without = algorithms(&policy(false));
        assert!(has_sha1(&with));
        assert!(!has_sha1(&without));
        assert_eq!(with.all.len(), without.all.len() + 2);
        // TLS handshake schemes are rustls's own either way.
        assert_eq!(with.supported_schemes(), without.supported_schemes());
    }
}
