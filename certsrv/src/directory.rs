//! What Web Enrollment asks of the directory it belongs to: the CA certificates the enrollment
//! services publish, Basic credentials checked like an LDAP simple bind, and the names the pages
//! fall back on. A mock DC implements it over its tree (ldap-server does); a test can implement
//! it over a few constants.

/// A certificate template as the directory holds it (a `pKICertificateTemplate` under
/// `CN=Certificate Templates,CN=Public Key Services,…`): what an enterprise CA issues from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its CN (`WebServer`), the name `CertificateTemplate:` requests.
    pub name: String,
    /// `pKIExtendedKeyUsage` OIDs, dotted.
    pub extended_key_usages: Vec<String>,
    /// `pKIKeyUsage`'s first byte (0xA0: digitalSignature, keyEncipherment).
    pub key_usage: u8,
    /// `pKIExpirationPeriod`, in seconds.
    pub validity_seconds: u64,
    /// `msPKI-Certificate-Name-Flag` (bit 0x1: the enrollee supplies the subject).
    pub name_flag: u32,
    /// `msPKI-Enrollment-Flag` (bit 0x2: pend every request for a CA manager).
    pub enrollment_flag: u32,
    /// `msPKI-Minimal-Key-Size`, in bits.
    pub minimal_key_size: u32,
}

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

    /// An NTLM logon (IIS's Windows Authentication): the account `domain\user` with the checks a
    /// simple bind has; `proves` says whether an NT hash answers the client's response (the
    /// directory offers the account's NT hashes one by one). Returns the down-level name. The
    /// default refuses: a directory that keeps no NT hashes cannot do NTLM.
    fn ntlm_logon(
        &self,
        user: &str,
        domain: &str,
        proves: &mut dyn FnMut(&[u8; 16]) -> bool,
    ) -> Result<String, BindRefused> {
        let _ = (user, domain, proves);
        Err(BindRefused::Refused {
            diagnostic: "this directory does not do NTLM".into(),
        })
    }

    /// The NetBIOS and DNS names NTLM's CHALLENGE carries (domain, computer). The default
    /// derives them from [`host_name`](Directory::host_name).
    fn ntlm_target(&self) -> ntlm::Target {
        let host = self.host_name();
        let (computer, domain) = host.split_once('.').unwrap_or((host.as_str(), ""));
        ntlm::Target {
            netbios_domain: domain
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase(),
            netbios_computer: computer.to_ascii_uppercase(),
            dns_domain: domain.to_string(),
            dns_computer: host.clone(),
        }
    }

    /// The template named `name` (any letter case), if the directory holds it.
    fn template(&self, name: &str) -> Option<Template> {
        let _ = name;
        None
    }

    /// The `certificateTemplates` the enrollment service on `host` (its `dNSHostName`, any
    /// letter case) offers; empty when no service names that host.
    fn offered_templates(&self, host: &str) -> Vec<String> {
        let _ = host;
        Vec::new()
    }

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
