//! What the mock domain controller and its clients both need, without the phone depending on the
//! server: Active Directory's diagnostic texts and the bind data codes inside them
//! ([`diagnostics`]). The server writes these texts; the phone, `adpki` and the scenarios read
//! them back, so there is one table for both directions.

pub mod diagnostics;

pub use diagnostics::LogonFailure;
