//! The administrator's side of a desk phone's trust bootstrap: what `certutil -dspublish` and
//! pkiview.msc do, for any LDAP directory (AD, Samba AD DC, OpenLDAP, our `ldap-server`).
//!
//! - [`publish`]: write a CA certificate or CRL where AD keeps it (Certification Authorities,
//!   AIA, NTAuthCertificates, CDP), as `certutil [-f] -dspublish FILE TYPE` does, or print the
//!   LDIF it would apply.
//! - [`audit`]: list the PKI objects a phone looks at, and, given the registrar's chain, judge
//!   with the phone's own code ([`phone_client`]) whether a phone would sign in, and what fixes it.
//!
//! - [`transport`]: `--ldap-tls auto|none|starttls|ldaps` and `--ca-file`, how both reach a DC.
//!
//! This crate sits above the phone (it reuses the phone's directory steps, downloads and chain
//! validation) and the directory (`adpki audit --ldif` loads an export into an in-process
//! [`ldap_server`]); the phone itself never depends on the directory.

pub mod audit;
mod error;
pub mod publish;
pub mod request;
pub mod san_check;
pub mod transport;
pub mod trust_store;

pub use error::Error;
