//! A technician's view of one X.509 certificate.
//!
//! The phone installs whatever `cACertificate` values AD hands it (domain.md §0), so the
//! simulator needs to say what each value is: a real root, an intermediate from AIA/NTAuth, or
//! one of the placeholder values AD keeps in mandatory attributes. Parsing uses `x509-cert`
//! (pure Rust, no crypto) so describing a value never depends on the TLS stack accepting it:
//! a SHA-1 or RSA-4096 root must still be described even when the simulated firmware rejects it.

use std::fmt::Write as _;

use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Sequence};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

/// What a technician needs to know about an installed certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    /// RFC 4514 text, most specific first, e.g. "CN=Contoso Root CA,DC=contoso,DC=com".
    pub subject: String,
    /// RFC 4514 text of the issuer name.
    pub issuer: String,
    /// Serial number as lowercase hex (the bytes as encoded, leading zero octet dropped).
    pub serial: String,
    /// SHA-1 of the DER, uppercase hex without separators (Windows thumbprint style).
    pub sha1: String,
    /// SHA-256 of the DER, uppercase hex without separators.
    pub sha256: String,
    /// RFC 3339 UTC.
    pub not_before: String,
    /// RFC 3339 UTC.
    pub not_after: String,
    /// "sha256WithRSAEncryption", "ecdsa-with-SHA256", "sha1WithRSAEncryption", ... (OID text if unknown).
    pub signature_algorithm: String,
    /// "RSA 2048", "RSA 4096", "ECDSA P-256", "ECDSA P-384", "Ed25519", or the OID.
    pub key: String,
    /// Size of the public key in bits (0 when the key type is unknown).
    pub key_bits: u32,
    /// Subject equals issuer (and, when both key identifiers are present, they agree).
    ///
    /// The signature itself is not checked: that would need a crypto backend here, and the
    /// TLS stack verifies signatures where it matters anyway.
    pub self_signed: bool,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// subjectAltName dNSName entries.
    pub dns_names: Vec<String>,
}

/// Parses DER with `x509-cert`. Errors are a String saying what is wrong ("not a certificate: ...").
pub fn describe(der: &[u8]) -> Result<CertificateInfo, crate::Error> {
    let not_x509 = |text: String| crate::Error::new(crate::ReasonCode::NotACertificate, text);
    if let Some(reason) = placeholder_reason(der) {
        return Err(not_x509(reason));
    }
    let cert = Certificate::from_der(der).map_err(|e| not_x509(not_a_certificate(der, &e)))?;
    let tbs = &cert.tbs_certificate;
    let (key, key_bits) = describe_key(&tbs.subject_public_key_info);
    Ok(CertificateInfo {
        subject: name_text(&tbs.subject),
        issuer: name_text(&tbs.issuer),
        serial: hex_lower(tbs.serial_number.as_bytes()),
        sha1: hex_upper(&Sha1::digest(der)),
        sha256: hex_upper(&Sha256::digest(der)),
        not_before: time_text(tbs.validity.not_before),
        not_after: time_text(tbs.validity.not_after),
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.oid),
        key,
        key_bits,
        self_signed: looks_self_signed(&cert),
        is_ca: is_ca(&cert),
        dns_names: dns_names(&cert),
    })
}

/// Placeholder values AD keeps in mandatory attributes (a single 0x00 byte, empty, or anything that is not a certificate)
/// are "not a certificate": callers use this to count them as empty. Returns the reason when `der` is not usable.
pub fn unusable_reason(der: &[u8]) -> Option<String> {
    describe(der).err().map(|error| error.text().to_string())
}

/// Human name of a signature algorithm OID (also used by the TLS module to name what webpki refused).
pub(crate) fn signature_algorithm_name(oid: &ObjectIdentifier) -> String {
    let known = match oid.to_string().as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-sha1",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return oid.to_string(),
    };
    known.to_owned()
}

/// AD's placeholders get their own wording so a report can say "placeholder" rather than
/// quoting a DER decoder error about a one-byte value.
fn placeholder_reason(der: &[u8]) -> Option<String> {
    match der {
        [] => Some("not a certificate: the value is empty".to_owned()),
        [0] => Some(
            "not a certificate: a single 0x00 byte (the placeholder AD keeps in mandatory attributes)"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Adds a hint for the common mistake of publishing PEM/base64 text instead of DER.
fn not_a_certificate(der: &[u8], error: &der::Error) -> String {
    if der.starts_with(b"-----BEGIN") {
        "not a certificate: PEM text was stored where DER is expected".to_owned()
    } else if der.first() != Some(&0x30) {
        format!(
            "not a certificate: {} bytes that do not start with a DER SEQUENCE ({error})",
            der.len()
        )
    } else {
        format!("not a certificate: {error}")
    }
}

/// `Display` for names can fail (an attribute that cannot be re-encoded), and `to_string`
/// would panic on that; writing into a String keeps a bad name from taking the process down.
fn name_text(name: &Name) -> String {
    let mut text = String::new();
    match write!(text, "{name}") {
        Ok(()) => text,
        Err(_) => "(unprintable name)".to_owned(),
    }
}

/// `der`'s `DateTime` already prints RFC 3339 UTC ("2025-01-01T00:00:00Z").
fn time_text(time: Time) -> String {
    time.to_date_time().to_string()
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// PKCS#1 RSAPublicKey, only to count the modulus bits.
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    #[allow(dead_code)]
    public_exponent: UintRef<'a>,
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// The key as the phone's firmware limits are phrased: algorithm plus size.
fn describe_key(spki: &SubjectPublicKeyInfoOwned) -> (String, u32) {
    match spki.algorithm.oid.to_string().as_str() {
        RSA_ENCRYPTION => match rsa_bits(spki) {
            Some(bits) => (format!("RSA {bits}"), bits),
            None => ("RSA (unreadable modulus)".to_owned(), 0),
        },
        EC_PUBLIC_KEY => ec_curve(spki),
        "1.3.101.112" => ("Ed25519".to_owned(), 256),
        "1.3.101.113" => ("Ed448".to_owned(), 456),
        other => (other.to_owned(), 0),
    }
}

fn rsa_bits(spki: &SubjectPublicKeyInfoOwned) -> Option<u32> {
    let bytes = spki.subject_public_key.as_bytes()?;
    let key = RsaPublicKey::from_der(bytes).ok()?;
    let modulus = key.modulus.as_bytes();
    let first = modulus.first()?;
    let len = u32::try_from(modulus.len()).ok()?;
    Some(len.saturating_mul(8).saturating_sub(first.leading_zeros()))
}

fn ec_curve(spki: &SubjectPublicKeyInfoOwned) -> (String, u32) {
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let Some(curve) = curve else {
        return ("ECDSA (no named curve)".to_owned(), 0);
    };
    match curve.to_string().as_str() {
        "1.2.840.10045.3.1.7" => ("ECDSA P-256".to_owned(), 256),
        "1.3.132.0.34" => ("ECDSA P-384".to_owned(), 384),
        "1.3.132.0.35" => ("ECDSA P-521".to_owned(), 521),
        other => (format!("ECDSA {other}"), 0),
    }
}

/// Extension lookups are tolerant: a malformed or duplicated extension reads as absent,
/// because describing a broken certificate is still more useful than refusing to.
fn extension<'a, T>(cert: &'a Certificate) -> Option<T>
where
    T: Decode<'a> + der::oid::AssociatedOid,
{
    cert.tbs_certificate
        .get::<T>()
        .ok()
        .flatten()
        .map(|(_, v)| v)
}

fn is_ca(cert: &Certificate) -> bool {
    extension::<BasicConstraints>(cert).is_some_and(|bc| bc.ca)
}

fn dns_names(cert: &Certificate) -> Vec<String> {
    let Some(SubjectAltName(names)) = extension::<SubjectAltName>(cert) else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DnsName(dns) => Some(dns.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

/// Same name on both sides, and no contradicting key identifiers (a renewed CA re-signed by
/// its predecessor has subject == issuer but a different authority key id).
fn looks_self_signed(cert: &Certificate) -> bool {
    let tbs = &cert.tbs_certificate;
    if tbs.subject != tbs.issuer {
        return false;
    }
    let ski = extension::<SubjectKeyIdentifier>(cert);
    let aki = extension::<AuthorityKeyIdentifier>(cert).and_then(|a| a.key_identifier);
    match (ski, aki) {
        (Some(ski), Some(aki)) => ski.0 == aki,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints as RcBc, CertificateParams, DnType, IsCa, KeyPair};

    fn root(key: &KeyPair, cn: &str) -> Vec<u8> {
        let mut params = CertificateParams::new(vec!["root.example.test".to_owned()])
            .expect("static SAN is valid");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(RcBc::Unconstrained);
        params.self_signed(key).expect("rcgen signs").der().to_vec()
    }

    #[test]
    fn describes_an_ecdsa_p256_root() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
        let der = root(&key, "Test EC Root");
        let info = describe(&der).expect("parses");
        assert_eq!(info.subject, "CN=Test EC Root");
        assert_eq!(info.issuer, info.subject);
        assert_eq!(info.key, "ECDSA P-256");
        assert_eq!(info.key_bits, 256);
        assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
        assert!(info.self_signed);
        assert!(info.is_ca);
        assert_eq!(info.dns_names, vec!["root.example.test".to_owned()]);
        assert_eq!(info.sha1.len(), 40);
        assert_eq!(info.sha256.len(), 64);
        assert!(info
            .sha1
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(info.not_before, "1975-01-01T00:00:00Z");
        assert_eq!(info.not_after, "4096-01-01T00:00:00Z");
        assert!(!info.serial.is_empty());
        assert_eq!(unusable_reason(&der), None);
    }

    #[test]
    fn describes_an_rsa_2048_root() {
        let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("keygen");
        let der = root(&key, "Test RSA Root");
        let info = describe(&der).expect("parses");
        assert_eq!(info.key, "RSA 2048");
        assert_eq!(info.key_bits, 2048);
        assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
        assert!(info.self_signed);
        assert!(info.is_ca);
    }

    #[test]
    fn a_leaf_is_neither_ca_nor_self_signed() {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(RcBc::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Issuing CA");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("keygen");
        let leaf = CertificateParams::new(vec![
            "pool.example.test".to_owned(),
            "sip.example.test".to_owned(),
        ])
        .expect("params")
        .signed_by(&leaf_key, &issuer)
        .expect("signs");
        let info = describe(leaf.der()).expect("parses");
        assert!(!info.self_signed);
        assert!(!info.is_ca);
        assert_eq!(info.key, "ECDSA P-384");
        assert_eq!(
            info.dns_names,
            vec!["pool.example.test", "sip.example.test"]
        );
    }

    #[test]
    fn placeholders_are_unusable() {
        let zero = unusable_reason(&[0x00]).expect("a 0x00 byte is a placeholder");
        assert!(zero.starts_with("not a certificate"), "{zero}");
        assert!(zero.contains("0x00"), "{zero}");
        let empty = unusable_reason(&[]).expect("empty is unusable");
        assert!(empty.contains("empty"), "{empty}");
        let pem = unusable_reason(b"-----BEGIN CERTIFICATE-----\nMII=").expect("PEM");
        assert!(pem.contains("PEM"), "{pem}");
    }

    #[test]
    fn garbage_never_panics() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
        let der = root(&key, "Truncate Me");
        for len in 0..der.len() {
            assert!(
                describe(&der[..len]).is_err(),
                "prefix of {len} bytes parsed"
            );
        }
        let mut flipped = der.clone();
        for i in 0..flipped.len() {
            flipped[i] ^= 0xff;
            let _ = describe(&flipped);
            flipped[i] ^= 0xff;
        }
        let mut state: u32 = 0x1234_5678;
        for len in [1usize, 2, 3, 16, 100, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (state >> 16) as u8
                })
                .collect();
            assert!(unusable_reason(&bytes).is_some());
            let mut seq = vec![0x30, 0x82, 0x01, 0x00];
            seq.extend_from_slice(&bytes);
            let _ = describe(&seq);
        }
        let mut trailing = der;
        trailing.push(0);
        assert!(
            describe(&trailing).is_err(),
            "trailing data must be rejected"
        );
    }
}
