//! SHA-1-signed certificates (`signature = "sha1"`): what old CPE/LPE firmware reads
//! (domain.md §D.3; §G row 12's second fix, "SHA-1/2048-bit chain").
//!
//! rcgen cannot sign with SHA-1, and aws-lc-rs's public API has no SHA-1 *signing* either (its
//! `RSA_PKCS1_*` signing encodings start at SHA-256; SHA-1 is verification only). So a SHA-1
//! certificate is made in two steps:
//! 1. rcgen builds the certificate exactly as for SHA-256 (names, validity, extensions, key
//!    identifiers, serial);
//! 2. [`resign_sha1`] parses it with `x509-cert`, sets both `tbsCertificate.signature` and the
//!    outer `signatureAlgorithm` to `sha1WithRSAEncryption` with NULL parameters, DER-encodes
//!    the TBS, signs it with RSASSA-PKCS1-v1_5 / SHA-1 (RFC 8017 §8.2.1, EMSA-PKCS1-v1_5 §9.2)
//!    under the issuer's RSA private key, and assembles the `Certificate`.
//!
//! The signing is pure Rust, with crates the workspace already builds: `sha1` for the digest,
//! `der` to read the issuer's PKCS#8 / PKCS#1 private key (rcgen's `KeyPair::serialize_der`),
//! `num-bigint` for the RSA private-key operation (CRT). No external tool is needed (the other
//! acceptable path, the `openssl` CLI, would make the catalogue depend on a program being
//! installed and spawn processes per certificate). Every signature is checked against the public
//! key (`s^e mod n`) before it is used; the unit tests check it byte for byte against
//! `openssl dgst -sha1 -sign` and verify it with the phone's aws-lc-rs SHA-1 algorithm. This is **test-fixture code**: num-bigint's arithmetic is
//! not constant-time, which does not matter for throwaway keys on loopback and must not be
//! copied anywhere keys matter.

use der::asn1::{Any, BitString, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode, Header, Reader, SliceReader, Tag};
use num_bigint::BigUint;
use rcgen::KeyPair;
use sha1::{Digest, Sha1};
use x509_cert::spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

/// sha1WithRSAEncryption (RFC 8017 appendix A.2.4).
pub const SHA1_WITH_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");

/// rsaEncryption: the PKCS#8 algorithm of an RSA private key.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// DigestInfo { sha1 (1.3.14.3.2.26), NULL } up to the 20-byte digest (RFC 8017 §9.2 note 1).
const SHA1_DIGEST_INFO_PREFIX: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Whether `key` is an RSA key (the only kind that can make `sha1WithRSAEncryption`).
pub fn is_rsa(key: &KeyPair) -> bool {
    private_key_algorithm(&key.serialize_der()).is_ok_and(|(oid, _)| oid == RSA_ENCRYPTION)
}

/// `certificate` (DER, as rcgen made it) re-signed by `issuer_key` with `sha1WithRSAEncryption`:
/// both AlgorithmIdentifiers (parameters NULL) and the signature change, nothing else.
pub fn resign_sha1(certificate: &[u8], issuer_key: &KeyPair) -> Result<Vec<u8>, crate::Error> {
    resign(certificate, issuer_key).map_err(crate::Error::Pki)
}

fn resign(certificate: &[u8], issuer_key: &KeyPair) -> Result<Vec<u8>, String> {
    let mut parsed = x509_cert::Certificate::from_der(certificate)
        .map_err(|error| format!("the certificate to re-sign does not parse: {error}"))?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: SHA1_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::null()),
    };
    parsed.tbs_certificate.signature = algorithm.clone();
    parsed.signature_algorithm = algorithm;
    let tbs = parsed
        .tbs_certificate
        .to_der()
        .map_err(|error| format!("cannot encode the TBS certificate: {error}"))?;
    let signature = sign(&issuer_key.serialize_der(), &tbs)?;
    parsed.signature = BitString::from_bytes(&signature)
        .map_err(|error| format!("cannot encode the signature: {error}"))?;
    parsed
        .to_der()
        .map_err(|error| format!("cannot encode the certificate: {error}"))
}

/// RSASSA-PKCS1-v1_5 with SHA-1 over `message`, with the RSA key in `pkcs8` (PKCS#8 DER).
pub fn sign_pkcs1_sha1(pkcs8: &[u8], message: &[u8]) -> Result<Vec<u8>, crate::Error> {
    sign(pkcs8, message).map_err(crate::Error::Pki)
}

fn sign(pkcs8: &[u8], message: &[u8]) -> Result<Vec<u8>, String> {
    let key = RsaPrivateKey::from_pkcs8(pkcs8)?;
    let k =
        usize::try_from(key.n.bits().div_ceil(8)).map_err(|_| "the RSA modulus is too large")?;
    // EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo
    let mut digest_info = SHA1_DIGEST_INFO_PREFIX.to_vec();
    digest_info.extend_from_slice(&Sha1::digest(message));
    if k < digest_info.len() + 11 {
        return Err(format!(
            "a {}-bit RSA key is too short for PKCS#1 v1.5 with SHA-1",
            key.n.bits()
        ));
    }
    let mut em = vec![0x00, 0x01];
    em.resize(k - digest_info.len() - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(&digest_info);
    let m = BigUint::from_bytes_be(&em);
    let s = key.private_operation(&m);
    if s.modpow(&key.e, &key.n) != m {
        return Err("the SHA-1 RSA signature does not verify with the key's own public half (the PKCS#8 key is inconsistent)".into());
    }
    let bytes = s.to_bytes_be();
    let mut signature = vec![0u8; k - bytes.len()];
    signature.extend_from_slice(&bytes);
    Ok(signature)
}

/// An RSAPrivateKey (RFC 8017 appendix A.1.2), two-prime.
struct RsaPrivateKey {
    n: BigUint,
    e: BigUint,
    p: BigUint,
    q: BigUint,
    dp: BigUint,
    dq: BigUint,
    qinv: BigUint,
}

impl RsaPrivateKey {
    fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, String> {
        let (algorithm, private_key) = private_key_algorithm(pkcs8)?;
        if algorithm != RSA_ENCRYPTION {
            return Err(format!(
                "the issuer key is not an RSA key (PKCS#8 algorithm {algorithm}); sha1WithRSAEncryption needs one"
            ));
        }
        let malformed = |error: der::Error| format!("malformed RSAPrivateKey: {error}");
        let contents = sequence_contents(&private_key).map_err(malformed)?;
        let mut reader = SliceReader::new(contents).map_err(malformed)?;
        let mut next = || -> Result<BigUint, String> {
            let integer: UintRef<'_> = reader.decode().map_err(malformed)?;
            Ok(BigUint::from_bytes_be(integer.as_bytes()))
        };
        let _version = next()?;
        let n = next()?;
        let e = next()?;
        let _d = next()?;
        Ok(RsaPrivateKey {
            n,
            e,
            p: next()?,
            q: next()?,
            dp: next()?,
            dq: next()?,
            qinv: next()?,
        })
    }

    /// `m^d mod n` by the Chinese remainder theorem (RFC 8017 §5.1.2, 2.b).
    fn private_operation(&self, m: &BigUint) -> BigUint {
        let m1 = (m % &self.p).modpow(&self.dp, &self.p);
        let m2 = (m % &self.q).modpow(&self.dq, &self.q);
        let difference = (&m1 + &self.p - (&m2 % &self.p)) % &self.p;
        let h = (&self.qinv * difference) % &self.p;
        m2 + h * &self.q
    }
}

/// A PKCS#8 PrivateKeyInfo's algorithm OID and privateKey contents (attributes ignored).
fn private_key_algorithm(pkcs8: &[u8]) -> Result<(ObjectIdentifier, Vec<u8>), String> {
    let malformed = |error: der::Error| format!("malformed PKCS#8 private key: {error}");
    let contents = sequence_contents(pkcs8).map_err(malformed)?;
    let mut reader = SliceReader::new(contents).map_err(malformed)?;
    let _version: UintRef<'_> = reader.decode().map_err(malformed)?;
    let algorithm: AlgorithmIdentifierRef<'_> = reader.decode().map_err(malformed)?;
    let private_key: OctetStringRef<'_> = reader.decode().map_err(malformed)?;
    Ok((algorithm.oid, private_key.as_bytes().to_vec()))
}

/// The contents of a DER SEQUENCE.
fn sequence_contents(der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = Header::decode(&mut reader)?;
    header.tag.assert_eq(Tag::Sequence)?;
    reader.read_slice(header.length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Tagged;
    use rcgen::CertificateParams;

    fn rsa_key() -> std::sync::Arc<KeyPair> {
        crate::pki::KeyPool::shared()
            .key(crate::spec::KeySpec::Rsa2048, 0)
            .unwrap()
    }

    #[test]
    fn the_signature_verifies_with_the_phones_aws_lc_rs_sha1_algorithm() {
        let key = rsa_key();
        let message = b"tbsCertificate";
        let signature = sign_pkcs1_sha1(&key.serialize_der(), message).unwrap();
        assert_eq!(signature.len(), 256);
        // Deterministic (PKCS#1 v1.5 has no randomness).
        assert_eq!(
            signature,
            sign_pkcs1_sha1(&key.serialize_der(), message).unwrap()
        );
        // The phone's SHA-1 algorithm (aws-lc-rs RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY).
        use rustls::pki_types::SignatureVerificationAlgorithm;
        let sha1 = &phone_client::trust::sha1::RSA_PKCS1_2048_8192_SHA1;
        sha1.verify_signature(key.public_key_raw(), message, &signature)
            .unwrap();
        assert!(sha1
            .verify_signature(key.public_key_raw(), b"another message", &signature)
            .is_err());
    }

    #[test]
    fn the_signature_is_byte_for_byte_what_openssl_makes() {
        // PKCS#1 v1.5 is deterministic: `openssl dgst -sha1 -sign` must give the same bytes.
        let key = rsa_key();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join("message"), b"tbsCertificate").unwrap();
        let output = std::process::Command::new("openssl")
            .args([
                "dgst",
                "-sha1",
                "-sign",
                "key.pem",
                "-out",
                "signature",
                "message",
            ])
            .current_dir(dir.path())
            .output()
            .expect("the openssl CLI cross-checks the signer (apt-get install openssl)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            sign_pkcs1_sha1(&key.serialize_der(), b"tbsCertificate").unwrap(),
            std::fs::read(dir.path().join("signature")).unwrap()
        );
    }

    #[test]
    fn a_resigned_certificate_keeps_its_tbs_and_carries_sha1_with_rsa() {
        let key = rsa_key();
        let mut params = CertificateParams::new(vec!["pool.example.test".into()]).unwrap();
        params.distinguished_name = crate::pki::distinguished_name("Contoso Root CA");
        let original = params.self_signed(key.as_ref()).unwrap().der().to_vec();
        let resigned = resign_sha1(&original, &key).unwrap();
        let before = x509_cert::Certificate::from_der(&original).unwrap();
        let after = x509_cert::Certificate::from_der(&resigned).unwrap();
        assert_eq!(after.signature_algorithm.oid, SHA1_WITH_RSA_ENCRYPTION);
        assert_eq!(
            after.tbs_certificate.signature.oid,
            SHA1_WITH_RSA_ENCRYPTION
        );
        assert_eq!(
            after
                .signature_algorithm
                .parameters
                .as_ref()
                .map(|p| p.tag()),
            Some(Tag::Null)
        );
        assert_eq!(
            after.tbs_certificate.subject,
            before.tbs_certificate.subject
        );
        assert_eq!(
            after.tbs_certificate.extensions,
            before.tbs_certificate.extensions
        );
        assert_eq!(
            after.tbs_certificate.serial_number,
            before.tbs_certificate.serial_number
        );
    }

    #[test]
    fn ecdsa_keys_are_refused() {
        let key = KeyPair::generate().unwrap();
        assert!(!is_rsa(&key));
        assert!(is_rsa(&rsa_key()));
        let error = sign_pkcs1_sha1(&key.serialize_der(), b"x")
            .unwrap_err()
            .to_string();
        assert!(error.contains("not an RSA key"), "{error}");
    }
}
