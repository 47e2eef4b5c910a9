//! What Web Enrollment asks of the directory it belongs to: the CA certificates the enrollment
//! services publish, Basic credentials checked like an LDAP simple bind, and the names the pages
//! fall back on. A mock DC implements it over its tree (ldap-server does); a test can implement
//! it over a few constants.

/// The directory (an AD forest) behind one or more `/certsrv` hosts. Every method is called per
/// request, so a change made through LDAP shows at the next request.
pub trait Directory: Send + Sync {
    /// The `cACertificate` values of each `pKIEnrollmentService` under
    /// `CN=Enrollment Services,CN=Public Key Services,CN=Services,<configuration>`: one list per
    /// service in the directory's order, each in stored order, as stored (placeholders included;
    /// certsrv skips what is no certificate).
    fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>>;

    /// Checks `user` (a DN, a UPN or `DOMAIN\user`) and a non-empty `password` exactly as an
    /// LDAP simple bind does: a locked, disabled or expired account is refused like a wrong
    /// password. Returns the account's down-level name (`DOMAIN\sam`).
    fn authenticate(&self, user: &str, password: &str) -> Result<String, BindRefused>;

    /// The domain controller's DNS name: the Basic realm when neither the request's `Host` nor
    /// [`Config::host_name`](crate::Config::host_name) gives one.
    fn host_name(&self) -> String;

    /// The name the pages give a CA that has no certificate (AD CS setup proposes
    /// `NETBIOS-DCNAME-CA`), unless [`Config::ca_name`](crate::Config::ca_name) gives one.
    fn default_ca_name(&self) -> String;
}

/// Why [`Directory::authenticate`] did not authenticate a user. Every variant is the same 401 on
/// the wire; the text goes to the access log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindRefused {
    /// The bind failed; `diagnostic` is the bind's diagnosticMessage (AD's text with its
    /// `data` code, e.g. `52e` for a wrong password, `775` for a locked account).
    #[error("refused: {diagnostic}")]
    Refused { diagnostic: String },
    /// The bind succeeded without naming a user (an anonymous or unauthenticated bind).
    #[error("not a user")]
    NotAUser,
}
