//! Revocation hard-fail: the phone's CRL check of the registrar's chain, run after the TLS
//! handshake validated it (profile `revocation = "hard_fail"`; domain.md §E and §G row 17).
//!
//! Sources and confidence:
//! * Whether CPE/LPE check CRLs at all is undocumented (§E, §H.4: **UNCERTAIN**); the default
//!   profile setting is `none`, and this module models a firmware that does.
//! * "Hard fail" is CryptoAPI's strong CRL checking: an unreachable CRL is "revocation status
//!   unknown / revocation server offline", and applications doing strong checking treat it as
//!   revoked (§E, source S90; **observed** for desktop Windows, **inferred** for the phone). IE's
//!   default is the opposite (soft fail, source S87), which is why this is a profile setting.
//! * An `ldap:///` CDP is unreachable for a phone that is not domain-joined and reads AD
//!   anonymously (§E, **inferred** from §B.7); such a URL is reported as unreachable without
//!   any LDAP traffic.
//!
//! What the model does, exactly:
//! 1. Rebuilds the validated path with rustls-webpki at the phone's clock, from what the
//!    handshake used: the installed certificates split into anchors and intermediates by the
//!    same rule (`partial_chain_trust`), the presented chain, and the public roots when the
//!    profile trusts them.
//! 2. For every certificate of that path except the anchor (the leaf and the intermediates),
//!    reads its CRL Distribution Points extension and takes the **first `http://` URL** (only
//!    full-name URIs are considered; later HTTP URLs are not tried). A certificate without the
//!    extension has status unknown and fails (**inferred**: strong checking cannot confirm
//!    it is not revoked; Lync 2013 requires server certificates to carry a CDP, §D.3).
//! 3. GETs the URL with the phone's HTTP client (names only through `--resolve`, the profile's
//!    HTTP timeout, retried as the profile allows on connect errors and timeouts). Refused,
//!    timed out, any non-2xx answer → status unknown → fail.
//! 4. Accepts the CRL as DER or PEM (`-----BEGIN X509 CRL-----`), parses it with rustls-webpki
//!    (version 2 with extensions and a nextUpdate; delta CRLs are refused) and checks, in
//!    webpki's order: the CRL's issuer is the certificate's issuer; its signature verifies with
//!    the issuer's key; thisUpdate is not after and nextUpdate not at or before the phone's clock;
//!    the certificate's serial number is not listed. Each failure names the certificate and URL.
//!    Signatures (the CRL's, and the path's in step 1 and 5) are verified with the phone's
//!    algorithms: `sha1WithRSAEncryption` too when the profile has `supports_sha1`
//!    ([`super::sha1`]).
//! 5. Runs rustls-webpki's own revocation check over the whole path with all fetched CRLs
//!    (`UnknownStatusPolicy::Deny`, `ExpirationPolicy::Enforce`, `RevocationCheckDepth::Chain`),
//!    so nothing the precise checks above missed can pass.
//!
//! Not modelled: delta CRLs (§E), OCSP, the AIA-fetching of missing issuers, CRL caching
//! between boots.

use std::collections::BTreeMap;

use base64::Engine as _;
use der::asn1::{BitStringRef, ObjectIdentifier};
use der::{Decode, Header, Reader, SliceReader};
use rustls::pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::CrlDistributionPoints;

use super::sha1::provider_for;
use super::verifier::{phone_clock, rfc3339, Store};
use super::TrustPolicy;
use crate::certinfo;
use crate::enroll::{self, EnrollError};
use crate::error::{Error, ReasonCode};

/// id-ce-cRLDistributionPoints (RFC 5280 §4.2.1.13).
const ID_CE_CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");

/// The suffix of every "status unknown" reason.
const HARD_FAILS: &str = "this firmware hard-fails";

/// What the revocation step found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationCheck {
    /// One line per certificate (and per CRL fetched), for the step's detail.
    pub lines: Vec<String>,
    /// `Err` carries the precise reason the phone cannot validate the registrar.
    pub result: Result<(), Error>,
}

/// A certificate of the validated path below the anchor, with what judging its CRL needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCertificate {
    pub der: Vec<u8>,
    /// RFC 4514 text.
    pub subject: String,
    /// RFC 4514 text of the issuer.
    pub issuer: String,
    /// The issuer's SubjectPublicKeyInfo, DER with its outer SEQUENCE: verifies the CRL.
    pub issuer_spki: Vec<u8>,
}

/// Checks the registrar's `chain` (leaf first, DER, as presented) against the CRLs its
/// certificates name, as a hard-failing phone does (see the module documentation for exactly
/// what is checked). `installed` is the phone's store, `policy` the profile's trust settings
/// (anchors, clock); `client` is the phone's HTTP client; `retries` as the profile says.
/// Never panics on what the network returns.
pub async fn check_revocation(
    chain: &[Vec<u8>],
    installed: &[Vec<u8>],
    policy: &TrustPolicy,
    client: &reqwest::Client,
    retries: u32,
) -> RevocationCheck {
    let now = phone_clock(UnixTime::now(), policy.clock_offset_seconds);
    let mut lines = Vec::new();
    let path = match path_to_check(chain, installed, policy, now) {
        Ok(path) => path,
        Err(reason) => {
            return RevocationCheck {
                lines,
                result: Err(reason),
            }
        }
    };
    let provider = provider_for(policy);
    let algorithms = provider.signature_verification_algorithms.all;
    let mut fetched: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for certificate in &path {
        let url = match distribution_points(&certificate.der)
            .and_then(|urls| choose_url(&certificate.subject, &urls))
        {
            Ok(url) => url,
            Err(reason) => return fail(lines, reason),
        };
        let crl = match fetched.get(&url) {
            Some(crl) => crl.clone(),
            None => match fetch_crl(client, &url, retries).await {
                Ok(crl) => {
                    lines.push(format!("GET {url}: {} bytes", crl.len()));
                    fetched.insert(url.clone(), crl.clone());
                    crl
                }
                Err(reason) => {
                    lines.push(format!("GET {url}: failed"));
                    return fail(lines, reason);
                }
            },
        };
        match judge(certificate, &url, &crl, now, algorithms) {
            Ok(line) => lines.push(line),
            Err(reason) => return fail(lines, reason),
        }
    }
    let crls: Vec<Vec<u8>> = fetched.into_values().collect();
    let result = webpki_check(chain, installed, policy, now, &crls);
    if result.is_ok() {
        lines.push(format!(
            "rustls-webpki: the path verifies with {} CRL(s) (unknown status denied, expired CRLs refused)",
            crls.len()
        ));
    }
    RevocationCheck { lines, result }
}

fn fail(lines: Vec<String>, reason: Error) -> RevocationCheck {
    RevocationCheck {
        lines,
        result: Err(reason),
    }
}

/// The installed certificates' anchors and intermediates, as the handshake used them.
fn trust_material(
    chain: &[Vec<u8>],
    installed: &[Vec<u8>],
    policy: &TrustPolicy,
) -> (Store, Vec<CertificateDer<'static>>) {
    let store = Store::new(installed, policy);
    let mut intermediates: Vec<CertificateDer<'static>> = chain
        .iter()
        .skip(1)
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    intermediates.extend(store.intermediates.iter().cloned());
    (store, intermediates)
}

/// The certificates whose revocation the phone checks: the path rustls-webpki builds from the
/// leaf to an anchor (at `now`), without the anchor. Fails when no path can be built.
pub fn path_to_check(
    chain: &[Vec<u8>],
    installed: &[Vec<u8>],
    policy: &TrustPolicy,
    now: UnixTime,
) -> Result<Vec<PathCertificate>, Error> {
    let unknown = |why: String| {
        Error::new(ReasonCode::RevocationUnknown, format!("revocation status unknown: the registrar's chain could not be rebuilt for the check ({why}); {HARD_FAILS}"))
    };
    let leaf_der = chain
        .first()
        .map(|der| CertificateDer::from(der.as_slice()))
        .ok_or_else(|| unknown("the chain is empty".into()))?;
    let leaf = EndEntityCert::try_from(&leaf_der).map_err(|e| unknown(format!("{e:?}")))?;
    let (store, intermediates) = trust_material(chain, installed, policy);
    let provider = provider_for(policy);
    let path = leaf
        .verify_for_usage(
            provider.signature_verification_algorithms.all,
            &store.roots.roots,
            &intermediates,
            now,
            KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(|e| unknown(format!("{e:?}")))?;
    let mut certs: Vec<Vec<u8>> = vec![leaf_der.to_vec()];
    let mut spkis: Vec<Vec<u8>> = Vec::new();
    for intermediate in path.intermediate_certificates() {
        certs.push(intermediate.der().to_vec());
        spkis.push(intermediate.subject_public_key_info().as_ref().to_vec());
    }
    spkis.push(webpki::spki_for_anchor(path.anchor()).as_ref().to_vec());
    certs
        .into_iter()
        .zip(spkis)
        .map(|(der, issuer_spki)| {
            let info =
                certinfo::describe(&der).map_err(|error| unknown(error.text().to_string()))?;
            Ok(PathCertificate {
                der,
                subject: info.subject,
                issuer: info.issuer,
                issuer_spki,
            })
        })
        .collect()
}

/// The URIs of a certificate's CRL Distribution Points extension (full names only), in order;
/// empty when the extension is absent.
pub fn distribution_points(cert_der: &[u8]) -> Result<Vec<String>, Error> {
    let unknown = |text: String| Error::new(ReasonCode::RevocationUnknown, text);
    let cert = x509_cert::Certificate::from_der(cert_der)
        .map_err(|e| unknown(format!("revocation status unknown: a certificate of the chain does not parse ({e}); {HARD_FAILS}")))?;
    let Some(extension) = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == ID_CE_CRL_DISTRIBUTION_POINTS)
    else {
        return Ok(Vec::new());
    };
    let subject = cert.tbs_certificate.subject.to_string();
    let points = CrlDistributionPoints::from_der(extension.extn_value.as_bytes()).map_err(|e| {
        unknown(format!("revocation status unknown: the CRL Distribution Points extension of \"{subject}\" does not parse ({e}); {HARD_FAILS}"))
    })?;
    let mut urls = Vec::new();
    for point in &points.0 {
        if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
            for name in names {
                if let GeneralName::UniformResourceIdentifier(uri) = name {
                    urls.push(uri.as_str().to_string());
                }
            }
        }
    }
    Ok(urls)
}

/// The URL the phone fetches: the first `http://` one. Without one the status is unknown, and
/// the reason says why (no CDP at all; only `ldap:///`, which a phone that is not domain-joined
/// cannot read; only other schemes).
pub fn choose_url(subject: &str, urls: &[String]) -> Result<String, Error> {
    let none = |text: String| Error::new(ReasonCode::NoCrlDistributionPoint, text);
    if let Some(url) = urls
        .iter()
        .find(|url| url.to_ascii_lowercase().starts_with("http://"))
    {
        return Ok(url.clone());
    }
    if urls.is_empty() {
        return Err(none(format!(
            "revocation status unknown: certificate \"{subject}\" has no CRL distribution point; {HARD_FAILS}"
        )));
    }
    if let Some(ldap) = urls
        .iter()
        .find(|url| url.to_ascii_lowercase().starts_with("ldap:"))
    {
        return Err(none(format!(
            "revocation status unknown: certificate \"{subject}\" names only the LDAP CRL distribution point {ldap}, unreachable for a phone that is not domain-joined; {HARD_FAILS}"
        )));
    }
    Err(none(format!(
        "revocation status unknown: certificate \"{subject}\" names no http:// CRL distribution point ({}); {HARD_FAILS}",
        urls.join(", ")
    )))
}

/// GETs the CRL (retrying connect errors and timeouts `retries` times) and decodes it.
async fn fetch_crl(client: &reqwest::Client, url: &str, retries: u32) -> Result<Vec<u8>, Error> {
    let mut fetched = enroll::fetch_bytes(client, url).await;
    for _ in 0..retries {
        if !matches!(
            fetched,
            Err(EnrollError::Connect { .. } | EnrollError::Timeout { .. })
        ) {
            break;
        }
        fetched = enroll::fetch_bytes(client, url).await;
    }
    let body = fetched
        .map_err(|error| Error::new(ReasonCode::CrlUnreachable, unreachable(url, &error)))?;
    crl_from_body(&body).map_err(|why| {
        why.map_text(|why| {
            format!("revocation status unknown: CRL {url} is not a CRL ({why}); {HARD_FAILS}")
        })
    })
}

/// The reason for a CRL the phone could not download.
pub fn unreachable(url: &str, error: &EnrollError) -> String {
    let why = match error {
        EnrollError::Connect { detail, .. } => {
            let lower = detail.to_ascii_lowercase();
            if lower.contains("connection refused") {
                "connection refused".to_string()
            } else if lower.contains("not in --resolve") {
                "its host is not in --resolve".to_string()
            } else {
                detail.clone()
            }
        }
        EnrollError::Timeout { seconds, .. } => format!("timed out after {seconds:.1} s"),
        EnrollError::Status { status, .. } => format!("HTTP {status}"),
        EnrollError::Decode { detail, .. } => detail.clone(),
        EnrollError::Client(detail) => detail.clone(),
    };
    format!("revocation status unknown: CRL {url} unreachable ({why}); {HARD_FAILS}")
}

/// A CRL as served over HTTP: DER, or PEM armoured as `X509 CRL`.
pub fn crl_from_body(body: &[u8]) -> Result<Vec<u8>, Error> {
    let invalid = |text: String| Error::new(ReasonCode::CrlInvalid, text);
    if body.first() == Some(&0x30) {
        return Ok(body.to_vec());
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| invalid("the body is neither DER nor PEM text".to_string()))?;
    const BEGIN: &str = "-----BEGIN X509 CRL-----";
    const END: &str = "-----END X509 CRL-----";
    let start = text.find(BEGIN).ok_or_else(|| {
        let start: String = text.trim_start().chars().take(40).collect();
        invalid(format!(
            "neither DER nor PEM with {BEGIN}; it starts with \"{}\"",
            start.escape_debug()
        ))
    })? + BEGIN.len();
    let length = text[start..]
        .find(END)
        .ok_or_else(|| invalid(format!("{BEGIN} has no {END} line")))?;
    let compact: Vec<u8> = text[start..start + length]
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| invalid(format!("the PEM block is not valid base64: {e}")))
}

/// Judges one certificate against the CRL fetched from `url`, at the phone's clock `now`, in
/// rustls-webpki's order: issuer, signature, validity period, serial number. `Ok` is the line
/// for the report; `Err` the precise reason.
pub fn judge(
    certificate: &PathCertificate,
    url: &str,
    crl_der: &[u8],
    now: UnixTime,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Result<String, Error> {
    let subject = &certificate.subject;
    let invalid = |text: String| Error::new(ReasonCode::CrlInvalid, text);
    let unusable = |why: String| {
        invalid(format!(
            "revocation status unknown: CRL {url} cannot be used ({why}); {HARD_FAILS}"
        ))
    };
    let crl = CertRevocationList::from(
        OwnedCertRevocationList::from_der(crl_der).map_err(|e| unusable(format!("{e:?}")))?,
    );
    let list =
        x509_cert::crl::CertificateList::from_der(crl_der).map_err(|e| unusable(e.to_string()))?;
    let tbs = &list.tbs_cert_list;
    let crl_issuer = tbs.issuer.to_string();
    let cert_der = CertificateDer::from(certificate.der.as_slice());
    let cert = EndEntityCert::try_from(&cert_der)
        .map_err(|e| unusable(format!("the certificate does not parse: {e:?}")))?;
    if crl.issuer() != cert.issuer() {
        return Err(invalid(format!(
            "revocation status unknown: CRL {url} was issued by \"{crl_issuer}\", not by \"{}\", the issuer of \"{subject}\"; {HARD_FAILS}",
            certificate.issuer
        )));
    }
    verify_signature(crl_der, &certificate.issuer_spki, algorithms).map_err(|why| {
        why.map_text(|why| format!(
            "revocation status unknown: the signature of CRL {url} does not verify with the key of \"{}\" ({why}); {HARD_FAILS}",
            certificate.issuer
        ))
    })?;
    let phone_time = rfc3339(now);
    let this_update = tbs.this_update.to_unix_duration();
    if this_update.as_secs() > now.as_secs() {
        return Err(invalid(format!(
            "revocation status unknown: CRL {url} is not valid before {} (phone clock {phone_time}); {HARD_FAILS}",
            tbs.this_update
        )));
    }
    let next_update = tbs
        .next_update
        .ok_or_else(|| unusable("it has no nextUpdate".into()))?;
    if next_update.to_unix_duration().as_secs() <= now.as_secs() {
        return Err(invalid(format!(
            "revocation status unknown: CRL {url} expired at {next_update} (phone clock {phone_time}); {HARD_FAILS}"
        )));
    }
    match crl.find_serial(cert.serial()) {
        Ok(Some(revoked)) => {
            let reason = revoked
                .reason_code
                .map(|code| format!(", reason {}", reason_name(code)))
                .unwrap_or_default();
            Err(Error::new(
                ReasonCode::Revoked,
                format!(
                    "certificate \"{subject}\" is revoked (CRL {url}; revoked {}{reason})",
                    rfc3339(revoked.revocation_date)
                ),
            ))
        }
        Ok(None) => Ok(format!(
            "\"{subject}\": not revoked (CRL {url} from \"{crl_issuer}\", next update {next_update})"
        )),
        Err(e) => Err(unusable(format!("{e:?}"))),
    }
}

/// RFC 5280's names for CRLReason.
fn reason_name(code: webpki::RevocationReason) -> &'static str {
    use webpki::RevocationReason as R;
    match code {
        R::Unspecified => "unspecified",
        R::KeyCompromise => "keyCompromise",
        R::CaCompromise => "cACompromise",
        R::AffiliationChanged => "affiliationChanged",
        R::Superseded => "superseded",
        R::CessationOfOperation => "cessationOfOperation",
        R::CertificateHold => "certificateHold",
        R::RemoveFromCrl => "removeFromCRL",
        R::PrivilegeWithdrawn => "privilegeWithdrawn",
        R::AaCompromise => "aACompromise",
    }
}

/// Verifies the CRL's signature with `issuer_spki` (DER SubjectPublicKeyInfo) using the
/// provider's algorithms, matched by their AlgorithmIdentifiers as webpki does.
pub fn verify_signature(
    crl_der: &[u8],
    issuer_spki: &[u8],
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Result<(), Error> {
    let invalid = |text: &str| Error::new(ReasonCode::CrlInvalid, text);
    let malformed = |e: der::Error| invalid(&format!("malformed DER: {e}"));
    // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
    let crl = sequence_contents(crl_der).map_err(malformed)?;
    let mut reader = SliceReader::new(crl).map_err(malformed)?;
    let tbs = reader.tlv_bytes().map_err(malformed)?;
    let signature_algorithm =
        contents(reader.tlv_bytes().map_err(malformed)?).map_err(malformed)?;
    let signature: BitStringRef<'_> = reader.decode().map_err(malformed)?;
    let signature = signature
        .as_bytes()
        .ok_or_else(|| invalid("the signature BIT STRING has unused bits"))?;
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
    let spki = sequence_contents(issuer_spki).map_err(malformed)?;
    let mut reader = SliceReader::new(spki).map_err(malformed)?;
    let key_algorithm = contents(reader.tlv_bytes().map_err(malformed)?).map_err(malformed)?;
    let key: BitStringRef<'_> = reader.decode().map_err(malformed)?;
    let key = key
        .as_bytes()
        .ok_or_else(|| invalid("the public key BIT STRING has unused bits"))?;
    let algorithm = algorithms
        .iter()
        .find(|algorithm| {
            algorithm.public_key_alg_id().as_ref() == key_algorithm
                && algorithm.signature_alg_id().as_ref() == signature_algorithm
        })
        .ok_or_else(|| {
            invalid("its signature algorithm is not supported for the issuer's key type")
        })?;
    algorithm
        .verify_signature(key, tbs, signature)
        .map_err(|_| invalid("the signature is wrong"))
}

/// The contents of a DER SEQUENCE (the bytes after its tag and length).
fn sequence_contents(der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = Header::decode(&mut reader)?;
    header.tag.assert_eq(der::Tag::Sequence)?;
    reader.read_slice(header.length)
}

/// The contents of any DER TLV.
fn contents(tlv: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(tlv)?;
    let header = Header::decode(&mut reader)?;
    reader.read_slice(header.length)
}

/// rustls-webpki's own revocation check of the whole path with every fetched CRL.
fn webpki_check(
    chain: &[Vec<u8>],
    installed: &[Vec<u8>],
    policy: &TrustPolicy,
    now: UnixTime,
    crls: &[Vec<u8>],
) -> Result<(), Error> {
    let unknown = |why: String| {
        Error::new(
            ReasonCode::RevocationUnknown,
            format!("revocation status unknown: {why} (rustls-webpki); {HARD_FAILS}"),
        )
    };
    let parsed: Vec<CertRevocationList<'static>> = crls
        .iter()
        .map(|der| OwnedCertRevocationList::from_der(der).map(CertRevocationList::from))
        .collect::<Result<_, _>>()
        .map_err(|e| unknown(format!("a CRL cannot be used: {e:?}")))?;
    let references: Vec<&CertRevocationList<'static>> = parsed.iter().collect();
    let options = RevocationOptionsBuilder::new(&references)
        .map_err(|_| unknown("no CRL was fetched".into()))?
        .with_depth(RevocationCheckDepth::Chain)
        .with_status_policy(UnknownStatusPolicy::Deny)
        .with_expiration_policy(ExpirationPolicy::Enforce)
        .build();
    let leaf_der = chain
        .first()
        .map(|der| CertificateDer::from(der.as_slice()))
        .ok_or_else(|| unknown("the chain is empty".into()))?;
    let leaf = EndEntityCert::try_from(&leaf_der).map_err(|e| unknown(format!("{e:?}")))?;
    let (store, intermediates) = trust_material(chain, installed, policy);
    let provider = provider_for(policy);
    match leaf.verify_for_usage(
        provider.signature_verification_algorithms.all,
        &store.roots.roots,
        &intermediates,
        now,
        KeyUsage::server_auth(),
        Some(options),
        None,
    ) {
        Ok(_) => Ok(()),
        Err(webpki::Error::CertRevoked) => Err(Error::new(
            ReasonCode::Revoked,
            "a certificate of the registrar's chain is revoked (rustls-webpki)",
        )),
        Err(webpki::Error::UnknownRevocationStatus) => Err(unknown(
            "no fetched CRL is authoritative for every certificate of the chain".into(),
        )),
        Err(webpki::Error::CrlExpired { time, next_update }) => Err(unknown(format!(
            "a CRL expired at {} (phone clock {})",
            rfc3339(next_update),
            rfc3339(time)
        ))),
        Err(other) => Err(unknown(format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests;
