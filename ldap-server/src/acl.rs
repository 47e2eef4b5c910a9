//! Who may read and write what: one place both the read and the write paths ask.
//!
//! AD's defaults, simplified to the objects this server holds:
//! - anonymous connections may read the rootDSE and bind; anything else is refused with
//!   `000004DC` unless the operator lifts `fLDAPBlockAnonOps` (then anonymous may read ordinary
//!   objects, but never PKI objects: their default security descriptor grants read only to
//!   Authenticated Users — MS-ADSC, certificationAuthority's defaultSecurityDescriptor);
//! - authenticated users read the domain, Configuration and Schema NCs, never secrets;
//! - Enterprise Admins and Domain Admins write anywhere; others may not write under
//!   Public Key Services (nor anywhere else, in this mock).

use crate::ad_text;
use crate::dn::Dn;
use crate::error::{OpError, ResultCode};

/// Who is on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User {
        /// The bound object's DN.
        dn: String,
        /// The down-level logon name, `EXAMPLE\alice`.
        account: String,
        /// Member of Enterprise Admins, Domain Admins or Administrators.
        admin: bool,
    },
}

impl Principal {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Principal::Anonymous)
    }

    /// The authzId the WhoAmI extended operation returns: `u:EXAMPLE\alice`, as AD answers.
    pub fn authz_id(&self) -> String {
        match self {
            Principal::Anonymous => String::new(),
            Principal::User { account, .. } => format!("u:{account}"),
        }
    }
}

/// Who a search is answered for, as far as access control can tell principals apart: the
/// rules below only ask whether a principal is anonymous. Remembered search answers are shared
/// by the principals of one class ([`crate::search_cache`]), so a rule that looks at more of
/// the principal must add it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Readers {
    Anonymous,
    Authenticated,
}

/// The object classes whose default security descriptor denies anonymous reads.
const AUTHENTICATED_ONLY_CLASSES: &[&str] = &[
    "certificationAuthority",
    "pKIEnrollmentService",
    "cRLDistributionPoint",
    "pKICertificateTemplate",
    "msPKI-Enterprise-Oid",
    "msPKI-PrivateKeyRecoveryAgent",
];

/// The access policy of one server.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// dSHeuristics' fLDAPBlockAnonOps cleared: anonymous may search beyond the rootDSE.
    pub allow_anonymous_reads: bool,
}

impl AccessPolicy {
    /// The class of readers `principal` belongs to: what [`AccessPolicy::check_search`] and
    /// [`AccessPolicy::can_read_object`] decide by.
    pub fn readers(&self, principal: &Principal) -> Readers {
        if principal.is_anonymous() {
            Readers::Anonymous
        } else {
            Readers::Authenticated
        }
    }

    /// May `principal` run a search (or compare) based at `base`? The rootDSE is always readable.
    pub fn check_search(&self, principal: &Principal, base: &Dn) -> Result<(), OpError> {
        if base.is_root() || !principal.is_anonymous() || self.allow_anonymous_reads {
            Ok(())
        } else {
            Err(OpError::new(
                ResultCode::OperationsError,
                ad_text::bind_required(),
            ))
        }
    }

    /// May `principal` see an object of these classes? Unreadable objects are silently left out of
    /// results, as AD does.
    pub fn can_read_object<'a>(
        &self,
        principal: &Principal,
        mut object_classes: impl Iterator<Item = &'a [u8]>,
    ) -> bool {
        if !principal.is_anonymous() {
            return true;
        }
        self.allow_anonymous_reads
            && !object_classes.any(|class| {
                AUTHENTICATED_ONLY_CLASSES
                    .iter()
                    .any(|protected| protected.as_bytes().eq_ignore_ascii_case(class))
            })
    }

    /// May `principal` add, modify, rename or delete the object at `target`?
    pub fn check_write(&self, principal: &Principal, target: &Dn) -> Result<(), OpError> {
        match principal {
            Principal::Anonymous => Err(OpError::new(
                ResultCode::OperationsError,
                ad_text::bind_required(),
            )),
            Principal::User { admin: true, .. } => Ok(()),
            Principal::User { .. } => Err(OpError::new(
                ResultCode::InsufficientAccessRights,
                ad_text::insufficient_access(&target.to_string()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool) -> Principal {
        Principal::User {
            dn: "CN=alice,CN=Users,DC=example,DC=test".into(),
            account: "EXAMPLE\\alice".into(),
            admin,
        }
    }

    #[test]
    fn anonymous_reads_only_the_root_dse_by_default() {
        let policy = AccessPolicy::default();
        assert!(policy
            .check_search(&Principal::Anonymous, &Dn::root())
            .is_ok());
        let error = policy
            .check_search(
                &Principal::Anonymous,
                &Dn::parse("DC=example,DC=test").unwrap(),
            )
            .unwrap_err();
        assert_eq!(error.code, ResultCode::OperationsError);
        assert!(error.diagnostic.starts_with("000004DC"));
        assert!(policy
            .check_search(&user(false), &Dn::parse("DC=example,DC=test").unwrap())
            .is_ok());
    }

    #[test]
    fn pki_objects_need_an_authenticated_reader_even_when_anonymous_reads_are_allowed() {
        let policy = AccessPolicy {
            allow_anonymous_reads: true,
        };
        let ca: [&[u8]; 2] = [b"top", b"certificationAuthority"];
        let container: [&[u8]; 2] = [b"top", b"container"];
        assert!(!policy.can_read_object(&Principal::Anonymous, ca.into_iter()));
        assert!(policy.can_read_object(&Principal::Anonymous, container.into_iter()));
        assert!(policy.can_read_object(&user(false), ca.into_iter()));
    }

    #[test]
    fn only_admins_write() {
        let policy = AccessPolicy::default();
        let target =
            Dn::parse("CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test")
                .unwrap();
        assert!(policy.check_write(&user(true), &target).is_ok());
        assert_eq!(
            policy.check_write(&user(false), &target).unwrap_err().code,
            ResultCode::InsufficientAccessRights
        );
    }
}
