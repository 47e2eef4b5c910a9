//! The bodies certnew.p7b and certnew.cer send: a certs-only ("degenerate") PKCS#7 SignedData
//! holding a chain, a single certificate, and the base64 armour AD CS puts around either.
//!
//! The certificates go out in chain order (the CA's own first, then its issuers, nearest first),
//! as Windows writes them, rather than in DER's sorted SET OF order: clients that walk the set
//! (and `openssl pkcs7 -print_certs`) see the chain as the CA presents it. `cms` is used for
//! every other part of the structure; decoders such as `cms` accept either order.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignerInfos};
use der::asn1::{Any, ContextSpecificRef, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, EncodeValue, FixedTag, Length, Tag, TagMode, TagNumber, Writer};

/// `id-signedData` (RFC 5652).
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// `id-data` (RFC 5652).
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

/// The armour AD CS uses for both certnew.cer and certnew.p7b with `Enc=b64` (domain.md §C:
/// a real server armours the PKCS#7 as CERTIFICATE too, not PKCS7).
const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// A ContentInfo(SignedData) with no signers, no digest algorithms, `id-data` without content,
/// and `certificates` in the given order (duplicates dropped: a SET holds each once, and strict
/// decoders reject a repeated element).
pub(crate) fn certs_only(certificates: &[&[u8]]) -> der::Result<Vec<u8>> {
    let mut unique: Vec<&[u8]> = Vec::with_capacity(certificates.len());
    for certificate in certificates {
        if !unique.contains(certificate) {
            unique.push(certificate);
        }
    }
    let signed_data = CertsOnlySignedData {
        certificates: InOrder(&unique),
    }
    .to_der()?;
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::from_der(&signed_data)?,
    }
    .to_der()
}

/// `text` as AD CS writes base64: CERTIFICATE armour, 64 characters a line, CRLF line ends
/// (IIS serves the file Windows wrote).
pub(crate) fn armour(der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = String::with_capacity(encoded.len() + encoded.len() / 32 + 64);
    text.push_str(BEGIN);
    text.push_str("\r\n");
    // Base64 output is ASCII, so every 64-byte chunk is a valid str.
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push_str("\r\n");
    }
    text.push_str(END);
    text.push_str("\r\n");
    text
}

/// SignedData with `certificates` and nothing signed; encoded field by field so the
/// certificate set keeps its order.
struct CertsOnlySignedData<'a> {
    certificates: InOrder<'a>,
}

impl CertsOnlySignedData<'_> {
    fn certificates_field(&self) -> ContextSpecificRef<'_, InOrder<'_>> {
        ContextSpecificRef {
            tag_number: TagNumber::N0,
            tag_mode: TagMode::Implicit,
            value: &self.certificates,
        }
    }

    fn parts() -> (
        CmsVersion,
        DigestAlgorithmIdentifiers,
        EncapsulatedContentInfo,
        SignerInfos,
    ) {
        (
            // v1: no attribute certificates, no other-format certificates, id-data content.
            CmsVersion::V1,
            SetOfVec::new(),
            EncapsulatedContentInfo {
                econtent_type: ID_DATA,
                econtent: None,
            },
            SignerInfos(SetOfVec::new()),
        )
    }
}

impl FixedTag for CertsOnlySignedData<'_> {
    const TAG: Tag = Tag::Sequence;
}

impl EncodeValue for CertsOnlySignedData<'_> {
    fn value_len(&self) -> der::Result<Length> {
        let (version, digests, content, signers) = Self::parts();
        version.encoded_len()?
            + digests.encoded_len()?
            + content.encoded_len()?
            + self.certificates_field().encoded_len()?
            + signers.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        let (version, digests, content, signers) = Self::parts();
        version.encode(writer)?;
        digests.encode(writer)?;
        content.encode(writer)?;
        self.certificates_field().encode(writer)?;
        signers.encode(writer)
    }
}

/// The contents of a SET OF Certificate, written in the order given (each already DER).
struct InOrder<'a>(&'a [&'a [u8]]);

impl FixedTag for InOrder<'_> {
    const TAG: Tag = Tag::Set;
}

impl EncodeValue for InOrder<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.0.iter().try_fold(Length::ZERO, |total, certificate| {
            total + Length::try_from(certificate.len())?
        })
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0
            .iter()
            .try_for_each(|certificate| writer.write(certificate))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cms::signed_data::SignedData;
    use der::{Reader, SliceReader};
    use x509_cert::Certificate;

    /// A self-signed certificate with CN=`cn` (test fixture).
    pub(crate) fn certificate(cn: &str) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn.to_string());
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().expect("key");
        params
            .self_signed(&key)
            .expect("certificate")
            .der()
            .to_vec()
    }

    /// The certificates of a certs-only PKCS#7 in wire order (cms's decoder sorts the SET).
    fn wire_order(p7: &[u8]) -> Vec<Vec<u8>> {
        let info = ContentInfo::from_der(p7).expect("ContentInfo");
        let signed = info.content.to_der().expect("SignedData bytes");
        let mut reader = SliceReader::new(&signed).expect("reader");
        let sequence = der::Header::decode(&mut reader).expect("SEQUENCE");
        assert_eq!(sequence.tag, Tag::Sequence);
        for _ in 0..3 {
            Any::decode(&mut reader).expect("version, digests, content");
        }
        let set = der::Header::decode(&mut reader).expect("[0]");
        assert_eq!(
            set.tag,
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber::N0
            }
        );
        let mut certificates = Vec::new();
        let end = (reader.position() + set.length).expect("length");
        while reader.position() < end {
            let certificate = Certificate::decode(&mut reader).expect("Certificate");
            certificates.push(certificate.to_der().expect("DER"));
        }
        certificates
    }

    #[test]
    fn certs_only_round_trips_through_cms_in_chain_order() {
        // Names chosen so that DER's sorted order would differ from the chain order.
        let chain = [
            certificate("Zulu Issuing CA"),
            certificate("Mike Policy CA"),
            certificate("Alpha Root CA"),
        ];
        let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
        let p7 = certs_only(&refs).expect("encodes");

        let info = ContentInfo::from_der(&p7).expect("ContentInfo");
        assert_eq!(info.content_type, ID_SIGNED_DATA);
        let signed = info.content.decode_as::<SignedData>().expect("SignedData");
        assert_eq!(signed.version, CmsVersion::V1);
        assert!(signed.digest_algorithms.is_empty());
        assert!(signed.signer_infos.0.is_empty());
        assert_eq!(signed.encap_content_info.econtent_type, ID_DATA);
        assert!(signed.encap_content_info.econtent.is_none());
        assert!(signed.crls.is_none());
        assert_eq!(signed.certificates.expect("certificates").0.len(), 3);

        assert_eq!(wire_order(&p7), chain.to_vec());
    }

    #[test]
    fn duplicates_are_dropped_and_a_single_certificate_works() {
        let root = certificate("Root");
        let p7 = certs_only(&[&root, &root]).expect("encodes");
        assert_eq!(wire_order(&p7), vec![root.clone()]);
        let signed = ContentInfo::from_der(&p7)
            .expect("ContentInfo")
            .content
            .decode_as::<SignedData>()
            .expect("SignedData");
        assert_eq!(signed.certificates.expect("set").0.len(), 1);
    }

    #[test]
    fn armour_is_certificate_pem_wrapped_at_64() {
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let text = armour(&der);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[lines.len() - 2], "-----END CERTIFICATE-----");
        assert_eq!(lines[lines.len() - 1], "", "ends with a line break");
        let body = &lines[1..lines.len() - 2];
        assert!(body[..body.len() - 1].iter().all(|line| line.len() == 64));
        assert!(!body[body.len() - 1].is_empty() && body[body.len() - 1].len() <= 64);
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body.concat())
            .expect("base64");
        assert_eq!(decoded, der);
        assert!(!text.contains("PKCS7"));
    }
}
