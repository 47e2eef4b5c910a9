//! What the mock domain controller and its clients both need, without the phone depending on the
//! server: Active Directory's diagnostic texts and the bind data codes inside them
//! ([`diagnostics`]). The server writes these texts; the phone, `adpki` and the scenarios read
//! them back, so there is one table for both directions. Also the one reader of certificate files
//! and bodies (PEM, DER, base64, certs-only PKCS#7: [`certfile`]) that the phone, `adpki`, web
//! enrollment and the scenarios share.

pub mod certfile;
pub mod diagnostics;
pub mod html;
pub mod listener;
pub mod sanitized_cn;

pub use diagnostics::LogonFailure;
