//! The entry point for fuzzing what the phone reads as certificates (the cargo-fuzz target in
//! `fuzz/` and the corpus replay test call it): a Web Enrollment body (certs-only PKCS#7 as DER or
//! base64 or PEM, a lone certificate), a certificate file in any form, a CRL body, and every
//! certificate found described and checked as the install step does. Must never panic. Not a
//! stable API.

/// One body or file's bytes.
pub fn certificates(data: &[u8]) {
    let mut found = Vec::new();
    if let Ok(chain) = crate::enroll::decode_chain(data) {
        found.extend(chain);
    }
    if let Ok(certificates) = ad_common::certfile::certificates(data) {
        found.extend(certificates);
    }
    let _ = crate::trust::revocation::crl_from_body(data);
    // The bytes themselves as one DER certificate, as a cACertificate value arrives.
    found.push(data.to_vec());
    for der in found.iter().take(16) {
        let _ = crate::certinfo::describe(der);
        let _ = crate::certinfo::unusable_reason(der);
        let _ = crate::trust::revocation::distribution_points(der);
    }
}
