//! `[[directory.template]]`: a certificate template the world's directory holds beside AD CS's
//! defaults (WebServer, DomainController, User, Machine), which an enterprise CA's web
//! enrollment issues from.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// The template's CN, what `CertificateTemplate:` names.
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// pKIExtendedKeyUsage OIDs; default: serverAuth.
    #[serde(default = "server_auth")]
    pub eku: Vec<String>,
    /// pKIExpirationPeriod in days; default 730 (WebServer's two years).
    #[serde(default = "two_years")]
    pub validity_days: u32,
    /// msPKI-Certificate-Name-Flag's ENROLLEE_SUPPLIES_SUBJECT: the request's subject is used;
    /// otherwise the requester's account names the certificate.
    #[serde(default = "yes")]
    pub enrollee_supplies_subject: bool,
    /// msPKI-Enrollment-Flag's PEND_ALL_REQUESTS: CA manager approval.
    #[serde(default)]
    pub pend: bool,
    /// msPKI-Minimal-Key-Size.
    #[serde(default = "minimal_key_size")]
    pub minimal_key_size: u32,
}

fn server_auth() -> Vec<String> {
    vec!["1.3.6.1.5.5.7.3.1".into()]
}

fn two_years() -> u32 {
    730
}

fn yes() -> bool {
    true
}

fn minimal_key_size() -> u32 {
    2048
}
