//! A Microsoft Office Communicator Phone Edition (and USB-tethered Lync Phone Edition) desk
//! phone's root-CA bootstrap from Active Directory, simulated faithfully enough to reproduce
//! "Cannot validate server certificate" offline — against our `ldap-server`, Samba AD DC, a real
//! Windows DC or OpenLDAP.
//!
//! The boot is an explicit state machine ([`machine`], pure) driven by an executor ([`run`]) that
//! performs the network steps: locate the DC ([`locate`]), bind and search the directory
//! ([`ldap`]), fall back to AD CS web enrollment ([`enroll`]), install what the firmware can read
//! ([`certinfo`], [`profile`]), and validate the registrar's TLS certificate with exactly those
//! roots ([`trust`]), optionally checking its CRLs ([`trust::revocation`]). Lync Phone Edition's PIN
//! sign-in takes its chain from the Certificate Provisioning web service instead ([`pin`]).
//! [`report`] renders the outcome for people and scripts.

pub mod certinfo;
pub mod enroll;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod ldap;
pub mod locate;
pub mod machine;
pub mod pin;
pub mod profile;
pub mod report;
pub mod run;
pub mod trust;

pub use error::{Error, ReasonCode};
