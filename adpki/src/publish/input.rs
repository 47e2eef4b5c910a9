//! Reading the file to publish: a certificate or CRL, DER or PEM, and the names it carries.

use super::*;
use ad_common::certfile;
use der::{Decode, Tag, Tagged};
use sha1::{Digest, Sha1};
use x509_cert::crl::CertificateList;
use x509_cert::name::Name;
use x509_cert::Certificate;

/// What the input file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Certificate,
    Crl,
    DeltaCrl,
}

/// A certificate or CRL read from a file.
#[derive(Debug, Clone)]
pub struct Input {
    /// The DER bytes written to the directory.
    pub der: Vec<u8>,
    pub kind: InputKind,
    /// RFC 4514 text of the certificate's subject, or of the CRL's issuer.
    pub subject: String,
    /// The most specific CN of that name (None when it has none).
    pub common_name: Option<String>,
    /// SHA-1 of the DER, uppercase hex (Windows thumbprint style).
    pub sha1: String,
}

/// Reads a DER or PEM (`CERTIFICATE`, `X509 CRL`) file's bytes.
pub fn read_input(bytes: &[u8]) -> Result<Input, Error> {
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        pem_decode(bytes)?
    };
    let sha1 = hex_upper(&Sha1::digest(&der));
    if let Ok(cert) = Certificate::from_der(&der) {
        let name = &cert.tbs_certificate.subject;
        return Ok(Input {
            kind: InputKind::Certificate,
            subject: name.to_string(),
            common_name: common_name(name),
            der,
            sha1,
        });
    }
    match CertificateList::from_der(&der) {
        Ok(crl) => {
            let tbs = &crl.tbs_cert_list;
            let delta = tbs
                .crl_extensions
                .iter()
                .flatten()
                .any(|extension| extension.extn_id == DELTA_CRL_INDICATOR);
            Ok(Input {
                kind: if delta {
                    InputKind::DeltaCrl
                } else {
                    InputKind::Crl
                },
                subject: tbs.issuer.to_string(),
                common_name: common_name(&tbs.issuer),
                der,
                sha1,
            })
        }
        Err(error) => Err(Error::Input(format!(
            "neither an X.509 certificate nor a CRL ({} bytes): {error}",
            der.len()
        ))),
    }
}

/// The first PEM block labelled CERTIFICATE, TRUSTED CERTIFICATE or X509 CRL (through the
/// shared reader, [`ad_common::certfile`]).
pub(super) fn pem_decode(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(certfile::strip_bom(bytes))
        .map_err(|_| Error::Input("not DER (no SEQUENCE at the start) and not PEM text".into()))?;
    let blocks = certfile::pem_blocks(text).map_err(|error| Error::Input(error.to_string()))?;
    let block = blocks
        .into_iter()
        .find(|block| {
            matches!(
                block.label,
                "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CRL"
            )
        })
        .ok_or_else(|| {
            Error::Input("not DER and no PEM CERTIFICATE or X509 CRL block found".into())
        })?;
    block
        .der()
        .map_err(|error| Error::Input(format!("bad base64 in PEM: {error}")))
}

/// The most specific (last) commonName of `name`, decoded from any string type.
pub fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == COMMON_NAME)
        .filter_map(|atv| {
            let value = atv.value.value();
            match atv.value.tag() {
                Tag::BmpString => {
                    let units: Vec<u16> = value
                        .chunks(2)
                        .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                        .collect();
                    Some(String::from_utf16_lossy(&units))
                }
                Tag::Utf8String
                | Tag::PrintableString
                | Tag::Ia5String
                | Tag::TeletexString
                | Tag::VisibleString => Some(String::from_utf8_lossy(value).into_owned()),
                _ => None,
            }
        })
        .next_back()
}

pub(super) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02X}");
        text
    })
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// certutil's sanitized CN (MS-WCCE 3.1.1.4.1.1): `!xxxx` escapes, and names over 51 characters
/// cut with a hash of the rest ([`ad_common::sanitized_cn`]).
pub fn sanitize_cn(name: &str) -> String {
    ad_common::sanitized_cn::sanitized_cn(name)
}

/// RFC 4514 §2.4 escaping of an attribute value inside a DN.
pub fn escape_rdn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (index, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (index == 0 && (c == ' ' || c == '#'))
            || (index == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}
