//! Decoding what /certsrv returns: certs-only PKCS#7 (DER or in any PEM armour), a single
//! certificate, or something else (an HTML page) that is reported as such.

use super::*;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use der::asn1::AnyRef;
use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber, Tagged};

/// The Content-Type is worth showing only when it is not one AD CS sends for a chain.
pub(super) fn with_content_type(detail: String, content_type: &Option<String>) -> String {
    match content_type {
        Some(ct) if !ct.contains("pkcs7") && !ct.contains("pkix-cert") => {
            format!("{detail} (Content-Type: {ct})")
        }
        _ => detail,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding: text wrappers first, then DER.

/// [`decode_chain`] with the bare reason as the error.
pub(super) fn decode_detail(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the body is empty".to_string());
    }
    if body.first() == Some(&0x30) {
        return certs_from_der(body);
    }
    let text = std::str::from_utf8(body).map_err(|_| {
        format!(
            "the body is neither DER (it starts with byte 0x{:02x}, not 0x30) nor base64 text",
            body.first().copied().unwrap_or_default()
        )
    })?;
    if let Some(title) = html_title(text) {
        return Err(format!(
            "got an HTML page{title} instead of a certificate chain (an error or login page?)"
        ));
    }
    if text.contains("-----BEGIN ") {
        return certs_from_pem(text);
    }
    let der = base64_decode(text).map_err(|e| {
        format!(
            "neither DER, PEM nor base64 ({e}); it starts with {}",
            snippet(text)
        )
    })?;
    certs_from_der(&der)
}

/// `Some(" titled \"…\"")` (or `Some("")` without a title) when the text is an HTML page: IIS error pages,
/// login forms and the certsrv pages themselves are what a misconfigured server returns instead of a chain.
pub(super) fn html_title(text: &str) -> Option<String> {
    let head: String = text.trim_start().chars().take(2048).collect();
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` slice `head`.
    let lower = head.to_ascii_lowercase();
    let is_html = lower.starts_with('<')
        && ["<html", "<!doctype html", "<head", "<body"]
            .iter()
            .any(|marker| lower.contains(marker));
    if !is_html {
        return None;
    }
    let title = lower
        .find("<title>")
        .map(|start| start + "<title>".len())
        .and_then(|start| {
            lower[start..]
                .find("</title>")
                .map(|len| &head[start..start + len])
        })
        .map(|title| title.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|title| !title.is_empty())
        .map(|title| {
            format!(
                " titled \"{}\"",
                title.chars().take(100).collect::<String>()
            )
        });
    Some(title.unwrap_or_default())
}

/// The first characters of an unrecognised body, escaped, for the error message.
pub(super) fn snippet(text: &str) -> String {
    let start: String = text.trim_start().chars().take(40).collect();
    format!("\"{}\"", start.escape_debug())
}

/// Base64 as found in the field: whitespace anywhere, padding present or not.
pub(super) fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(compact)
}

/// One `-----BEGIN X-----` … `-----END Y-----` block.
pub(super) struct PemBlock<'a> {
    label: &'a str,
    body: &'a str,
}

/// The certificates of every PEM block in turn. The label is not trusted: AD CS armours a PKCS#7 as
/// `CERTIFICATE`, so each block's DER is sniffed instead.
pub(super) fn certs_from_pem(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut certs = Vec::new();
    for block in pem_blocks(text)? {
        let der = base64_decode(&strip_pem_headers(block.body))
            .map_err(|e| format!("the {} block is not valid base64: {e}", block.label))?;
        let found = certs_from_der(&der).map_err(|e| format!("the {} block: {e}", block.label))?;
        certs.extend(found);
    }
    Ok(certs)
}

/// Splits PEM text into blocks. The END label is not required to match the BEGIN label; some tools get it wrong
/// and the content is sniffed anyway.
pub(super) fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>, String> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let label_len = after_begin
            .find(DASHES)
            .ok_or("a -----BEGIN line is not terminated by -----")?;
        let label = after_begin[..label_len].trim();
        let inside = &after_begin[label_len + DASHES.len()..];
        let body_len = inside
            .find(END)
            .ok_or_else(|| format!("-----BEGIN {label}----- has no -----END line"))?;
        blocks.push(PemBlock {
            label,
            body: &inside[..body_len],
        });
        let after_end = &inside[body_len + END.len()..];
        rest = after_end
            .find(DASHES)
            .map_or("", |end| &after_end[end + DASHES.len()..]);
    }
    if blocks.is_empty() {
        return Err("no complete -----BEGIN … -----END block".to_string());
    }
    Ok(blocks)
}

/// Drops RFC 1421 header lines (`Proc-Type: …`) that some tools put inside a PEM block.
pub(super) fn strip_pem_headers(body: &str) -> String {
    body.lines().filter(|line| !line.contains(':')).collect()
}

/// What a DER blob is, judged by the first element inside its outer SEQUENCE.
pub(super) enum DerKind {
    /// OBJECT IDENTIFIER first: a PKCS#7 ContentInfo.
    ContentInfo,
    /// SEQUENCE first (the tbsCertificate): an X.509 certificate.
    Certificate,
}

pub(super) fn certs_from_der(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    match sniff_der(der)? {
        DerKind::ContentInfo => certs_from_content_info(der),
        DerKind::Certificate => {
            check_certificate(der, 1)?;
            Ok(vec![der.to_vec()])
        }
    }
}

pub(super) fn sniff_der(der: &[u8]) -> Result<DerKind, String> {
    let malformed =
        |e: der::Error| format!("malformed DER ({e}; BER indefinite lengths are not accepted)");
    let mut reader = SliceReader::new(der).map_err(malformed)?;
    let outer = Header::decode(&mut reader).map_err(malformed)?;
    if outer.tag != Tag::Sequence {
        return Err(format!("expected a DER SEQUENCE, found {}", outer.tag));
    }
    match reader.peek_tag().map_err(malformed)? {
        Tag::ObjectIdentifier => Ok(DerKind::ContentInfo),
        Tag::Sequence => Ok(DerKind::Certificate),
        other => Err(format!(
            "a DER SEQUENCE that is neither a PKCS#7 ContentInfo nor an X.509 certificate (first element: {other})"
        )),
    }
}

/// ContentInfo → SignedData → its certificates, in the order the SignedData holds them.
pub(super) fn certs_from_content_info(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let content_info = cms::content_info::ContentInfo::from_der(der)
        .map_err(|e| format!("malformed PKCS#7 ContentInfo: {e}"))?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(format!(
            "the PKCS#7 content type is {}, not signedData ({ID_SIGNED_DATA})",
            content_info.content_type
        ));
    }
    if content_info.content.tag() != Tag::Sequence {
        return Err("the PKCS#7 signedData content is not a SEQUENCE".to_string());
    }
    signed_data_certificates(content_info.content.value())
}

/// Walks SignedData by hand instead of using `cms::signed_data::SignedData`: the `der` crate decodes a SET OF
/// by sorting it (losing the order the CA wrote) and rejects duplicate certificates, and the phone needs neither
/// the signer infos nor the CRLs of a certs-only bundle.
pub(super) fn signed_data_certificates(signed_data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let malformed = |e: der::Error| format!("malformed PKCS#7 SignedData: {e}");
    let mut reader = SliceReader::new(signed_data).map_err(malformed)?;
    for (field, tag) in [
        ("version", Tag::Integer),
        ("digestAlgorithms", Tag::Set),
        ("encapContentInfo", Tag::Sequence),
    ] {
        let element: AnyRef<'_> = reader.decode().map_err(malformed)?;
        if element.tag() != tag {
            return Err(format!(
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
        return Err("the PKCS#7 SignedData holds no certificates".to_string());
    }
    let header = Header::decode(&mut reader).map_err(malformed)?;
    let set = reader.read_slice(header.length).map_err(malformed)?;
    certificate_choices(set)
}

/// The X.509 members of a CertificateSet, in order. Attribute and other certificate choices are skipped: the
/// phone only installs X.509 certificates.
pub(super) fn certificate_choices(set: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let malformed = |e: der::Error| format!("malformed PKCS#7 certificate set: {e}");
    let mut reader = SliceReader::new(set).map_err(malformed)?;
    let mut certs = Vec::new();
    let mut others = 0usize;
    while !reader.is_finished() {
        let tag = reader.peek_tag().map_err(malformed)?;
        let tlv = reader.tlv_bytes().map_err(malformed)?;
        if tag == Tag::Sequence {
            check_certificate(tlv, certs.len() + 1)?;
            certs.push(tlv.to_vec());
        } else {
            others += 1;
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "the PKCS#7 SignedData holds no X.509 certificates ({others} of other kinds)"
        ));
    }
    Ok(certs)
}

/// Rejects what is not a well-formed X.509 certificate now, so the caller never installs garbage.
pub(super) fn check_certificate(der: &[u8], position: usize) -> Result<(), String> {
    x509_cert::Certificate::from_der(der)
        .map(|_| ())
        .map_err(|e| format!("certificate #{position} is not a valid X.509 certificate: {e}"))
}
