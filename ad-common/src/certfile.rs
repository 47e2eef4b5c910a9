//! Certificate input as it arrives in the field: DER, PEM under any label (AD CS armours a PKCS#7
//! as `CERTIFICATE`, some tools mislabel the END line), bare base64, a certs-only PKCS#7 chain, a
//! byte-order mark in front. One reader for every place that takes a certificate file or body: the
//! phone's web enrollment download, `adpki publish`, web enrollment's CA files, scenario fixtures.
//!
//! Lenient where real servers and tools are sloppy (labels, line lengths, padding, RFC 1421
//! header lines), strict where it matters: every certificate returned parses as X.509, and every
//! error says what the bytes were instead.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber, Tagged};

/// id-signedData (RFC 5652 §5.1): the only PKCS#7 content type that carries a certificate chain.
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Why bytes are not the certificates they should be. The text is written for the person who
/// gave them (it names the block, the position, the DER problem).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CertFileError(pub String);

fn fail<T>(text: impl Into<String>) -> Result<T, CertFileError> {
    Err(CertFileError(text.into()))
}

/// One `-----BEGIN X-----` … `-----END Y-----` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemBlock<'a> {
    /// The BEGIN line's label (`CERTIFICATE`, `PKCS7`, `X509 CRL`, …), trimmed.
    pub label: &'a str,
    /// The text between the BEGIN and END lines.
    pub body: &'a str,
}

impl PemBlock<'_> {
    /// The block's bytes: RFC 1421 header lines (`Proc-Type: …`) dropped, base64 decoded leniently.
    pub fn der(&self) -> Result<Vec<u8>, CertFileError> {
        let body: String = self
            .body
            .lines()
            .filter(|line| !line.contains(':'))
            .collect();
        base64_lenient(&body).map_err(|e| {
            CertFileError(format!("the {} block is not valid base64: {e}", self.label))
        })
    }
}

/// Splits PEM text into blocks, in file order. Text between blocks is ignored. The END label is
/// not required to match the BEGIN label: some tools get it wrong, and callers sniff the content.
pub fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>, CertFileError> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let Some(label_len) = after_begin.find(DASHES) else {
            return fail("a -----BEGIN line is not terminated by -----");
        };
        let label = after_begin[..label_len].trim();
        let inside = &after_begin[label_len + DASHES.len()..];
        let Some(body_len) = inside.find(END) else {
            return fail(format!("-----BEGIN {label}----- has no -----END line"));
        };
        blocks.push(PemBlock {
            label,
            body: &inside[..body_len],
        });
        let after_end = &inside[body_len + END.len()..];
        rest = after_end
            .find(DASHES)
            .map_or("", |end| &after_end[end + DASHES.len()..]);
    }
    Ok(blocks)
}

/// Base64 as found in the field: whitespace anywhere, padding present or not.
pub fn base64_lenient(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(compact)
}

/// The certificates in `bytes`, in the order they were written: DER of one certificate or of a
/// certs-only PKCS#7, PEM blocks of either (whatever their labels say), or bare base64 of either.
/// A leading UTF-8 byte-order mark is skipped. PEM blocks that hold neither (a private key, a
/// CRL) are an error; [`certificates_in_pem`] with a label filter skips them instead.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CertFileError> {
    let bytes = strip_bom(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return fail("the body is empty");
    }
    if bytes.first() == Some(&0x30) {
        return certificates_in_der(bytes);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return fail(format!(
            "the body is neither DER (it starts with byte 0x{:02x}, not 0x30) nor base64 text",
            bytes.first().copied().unwrap_or_default()
        ));
    };
    if text.contains("-----BEGIN ") {
        return certificates_in_pem(text, |_| true);
    }
    let der = base64_lenient(text).map_err(|e| {
        CertFileError(format!(
            "neither DER, PEM nor base64 ({e}); it starts with {}",
            snippet(text)
        ))
    })?;
    certificates_in_der(&der)
}

/// The certificates of every PEM block whose label `wanted` accepts, in turn. A block's label is
/// not trusted for its content (AD CS armours a PKCS#7 as `CERTIFICATE`): its DER is sniffed.
pub fn certificates_in_pem(
    text: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Vec<u8>>, CertFileError> {
    let blocks: Vec<PemBlock<'_>> = pem_blocks(text)?
        .into_iter()
        .filter(|block| wanted(block.label))
        .collect();
    if blocks.is_empty() {
        return fail("no complete -----BEGIN … -----END block");
    }
    let mut certificates = Vec::new();
    for block in blocks {
        let der = block.der()?;
        let found = certificates_in_der(&der)
            .map_err(|e| CertFileError(format!("the {} block: {e}", block.label)))?;
        certificates.extend(found);
    }
    Ok(certificates)
}

/// A DER certificate (one) or certs-only PKCS#7 (its X.509 certificates, in stored order).
pub fn certificates_in_der(der: &[u8]) -> Result<Vec<Vec<u8>>, CertFileError> {
    let malformed = |e: der::Error| {
        CertFileError(format!(
            "malformed DER ({e}; BER indefinite lengths are not accepted)"
        ))
    };
    let mut reader = SliceReader::new(der).map_err(malformed)?;
    let outer = Header::decode(&mut reader).map_err(malformed)?;
    if outer.tag != Tag::Sequence {
        return fail(format!("expected a DER SEQUENCE, found {}", outer.tag));
    }
    match reader.peek_tag().map_err(malformed)? {
        Tag::ObjectIdentifier => certificates_in_content_info(der),
        Tag::Sequence => {
            check_certificate(der, 1)?;
            Ok(vec![der.to_vec()])
        }
        other => fail(format!(
            "a DER SEQUENCE that is neither a PKCS#7 ContentInfo nor an X.509 certificate (first element: {other})"
        )),
    }
}

/// The bytes without a leading UTF-8 byte-order mark (Windows editors write one).
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The first characters of unrecognised text, escaped, for an error message.
pub fn snippet(text: &str) -> String {
    let start: String = text.trim_start().chars().take(40).collect();
    format!("\"{}\"", start.escape_debug())
}

/// ContentInfo → SignedData → its certificates, in the order the SignedData holds them.
fn certificates_in_content_info(der: &[u8]) -> Result<Vec<Vec<u8>>, CertFileError> {
    let content_info = cms::content_info::ContentInfo::from_der(der)
        .map_err(|e| CertFileError(format!("malformed PKCS#7 ContentInfo: {e}")))?;
    if content_info.content_type != ID_SIGNED_DATA {
        return fail(format!(
            "the PKCS#7 content type is {}, not signedData ({ID_SIGNED_DATA})",
            content_info.content_type
        ));
    }
    if content_info.content.tag() != Tag::Sequence {
        return fail("the PKCS#7 signedData content is not a SEQUENCE");
    }
    signed_data_certificates(content_info.content.value())
}

/// Walks SignedData by hand instead of using `cms::signed_data::SignedData`: the `der` crate
/// decodes a SET OF by sorting it (losing the order the CA wrote) and rejects duplicate
/// certificates, and a certs-only bundle's readers need neither signer infos nor CRLs.
fn signed_data_certificates(signed_data: &[u8]) -> Result<Vec<Vec<u8>>, CertFileError> {
    let malformed = |e: der::Error| CertFileError(format!("malformed PKCS#7 SignedData: {e}"));
    let mut reader = SliceReader::new(signed_data).map_err(malformed)?;
    for (field, tag) in [
        ("version", Tag::Integer),
        ("digestAlgorithms", Tag::Set),
        ("encapContentInfo", Tag::Sequence),
    ] {
        let element: AnyRef<'_> = reader.decode().map_err(malformed)?;
        if element.tag() != tag {
            return fail(format!(
                "malformed PKCS#7 SignedData: {field} is {}, expected {tag}",
                element.tag()
            ));
        }
    }
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    if reader.is_finished() || reader.peek_tag().map_err(malformed)? != certificates_tag {
        return fail("the PKCS#7 SignedData holds no certificates");
    }
    let header = Header::decode(&mut reader).map_err(malformed)?;
    let set = reader.read_slice(header.length).map_err(malformed)?;
    certificate_choices(set)
}

/// The X.509 members of a CertificateSet, in order. Attribute and other certificate choices are
/// skipped: only X.509 certificates are installed or published.
fn certificate_choices(set: &[u8]) -> Result<Vec<Vec<u8>>, CertFileError> {
    let malformed = |e: der::Error| CertFileError(format!("malformed PKCS#7 certificate set: {e}"));
    let mut reader = SliceReader::new(set).map_err(malformed)?;
    let mut certificates = Vec::new();
    let mut others = 0usize;
    while !reader.is_finished() {
        let tag = reader.peek_tag().map_err(malformed)?;
        let tlv = reader.tlv_bytes().map_err(malformed)?;
        if tag == Tag::Sequence {
            check_certificate(tlv, certificates.len() + 1)?;
            certificates.push(tlv.to_vec());
        } else {
            others += 1;
        }
    }
    if certificates.is_empty() {
        return fail(format!(
            "the PKCS#7 SignedData holds no X.509 certificates ({others} of other kinds)"
        ));
    }
    Ok(certificates)
}

/// Rejects what is not a well-formed X.509 certificate, so no caller installs garbage.
fn check_certificate(der: &[u8], position: usize) -> Result<(), CertFileError> {
    x509_cert::Certificate::from_der(der)
        .map(|_| ())
        .map_err(|e| {
            CertFileError(format!(
                "certificate #{position} is not a valid X.509 certificate: {e}"
            ))
        })
}

/// A certificate as PEM with 64-character lines, as openssl writes it.
pub fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal self-signed-looking certificate is not needed here: the structural checks are
    /// what this module adds; real certificates are exercised by the phone's and certsrv's tests.
    #[test]
    fn pem_blocks_keep_file_order_and_tolerate_mislabelled_ends() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN PRIVATE KEY-----\nBBBB\n-----END KEY-----\ntrailer";
        let blocks = pem_blocks(text).expect("two blocks");
        assert_eq!(
            blocks.iter().map(|b| b.label).collect::<Vec<_>>(),
            ["CERTIFICATE", "PRIVATE KEY"]
        );
        assert_eq!(blocks[0].der().expect("base64"), vec![0, 0, 0]);
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(pem_blocks("-----BEGIN CERTIFICATE\nAAAA\n").is_err());
        assert_eq!(pem_blocks("no pem here").expect("none"), vec![]);
    }

    #[test]
    fn header_lines_and_missing_padding_are_tolerated() {
        let block = PemBlock {
            label: "CERTIFICATE",
            body: "\nProc-Type: 4,ENCRYPTED\nAAE\n",
        };
        assert_eq!(block.der().expect("lenient"), vec![0, 1]);
    }

    #[test]
    fn garbage_is_explained_not_accepted() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "empty"),
            (b"  \r\n", "empty"),
            (b"\xff\xfe\x00", "neither DER"),
            (b"<html>", "neither DER, PEM nor base64"),
            (b"MAA=", "malformed DER"),
            (
                b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                "not valid base64",
            ),
            (&[0x30, 0x03, 0x02, 0x01, 0x00], "neither a PKCS#7"),
        ];
        for (bytes, expected) in cases {
            let error = certificates(bytes).expect_err("not certificates");
            assert!(error.to_string().contains(expected), "{bytes:?}: {error}");
        }
        let only_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let error = certificates_in_pem(only_key, |label| label == "CERTIFICATE")
            .expect_err("no certificate block");
        assert!(error.to_string().contains("no complete"), "{error}");
        assert_eq!(strip_bom(b"\xEF\xBB\xBF0"), b"0");
    }
}
