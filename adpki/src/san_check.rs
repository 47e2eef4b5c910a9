//! `adpki san-check`: does one certificate cover every name clients will ask it for? The Lync
//! 2010 → 2013 migration case: one reverse-proxy listener publishes several pools (their external
//! web services names) and the simple URLs, and a certificate that lacks the new pool's names
//! fails that pool's clients only.
//!
//! Whether a name is covered is decided by rustls-webpki, the check the phone's TLS stack makes
//! (RFC 6125 as TLS clients apply it: subjectAltName only — the subject's CN is ignored — a
//! wildcard only as a whole left-most label, matching exactly one label). The SAN entry that
//! covers a name, or why none does, is worked out alongside for the administrator.

use std::net::IpAddr;

use der::oid::AssociatedOid;
use der::Decode;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use crate::Error;

/// One name and whether the certificate covers it.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub name: String,
    pub covered: bool,
    /// The SAN entry that covers it.
    pub by: Option<String>,
    /// Why not, in words (empty when covered).
    pub why: String,
}

/// The certificate's names and the verdict for each name asked.
#[derive(Debug, Clone, Serialize)]
pub struct SanCheck {
    pub subject: String,
    /// `DNS:…` and `IP:…` entries of subjectAltName, in order.
    pub sans: Vec<String>,
    pub names: Vec<Coverage>,
}

impl SanCheck {
    pub fn all_covered(&self) -> bool {
        self.names.iter().all(|name| name.covered)
    }
}

/// The names one reverse-proxy listener answers for a Lync/Skype pool: its external web services
/// FQDN, and the simple URLs of the SIP domain (meet, dialin, lyncdiscover).
pub fn pool_names(external_web_services: &str, sip_domain: &str) -> Vec<String> {
    vec![
        external_web_services.to_string(),
        format!("meet.{sip_domain}"),
        format!("dialin.{sip_domain}"),
        format!("lyncdiscover.{sip_domain}"),
    ]
}

/// The SIP domain a pool's FQDN implies: everything after its first label.
pub fn domain_of(fqdn: &str) -> Option<&str> {
    fqdn.split_once('.')
        .map(|(_, rest)| rest)
        .filter(|rest| !rest.is_empty())
}

/// Checks `names` against the leaf certificate `der`.
pub fn check(der: &[u8], names: &[String]) -> Result<SanCheck, Error> {
    let certificate = x509_cert::Certificate::from_der(der)
        .map_err(|error| Error::Input(format!("not an X.509 certificate: {error}")))?;
    let sans = subject_alt_names(&certificate)?;
    let webpki_der = CertificateDer::from(der);
    let end_entity = webpki::EndEntityCert::try_from(&webpki_der)
        .map_err(|error| Error::Input(format!("the certificate cannot be used by TLS: {error}")))?;
    let mut coverage = Vec::new();
    for name in names {
        let asked = name.trim().trim_end_matches('.').to_string();
        // Pools share the simple URLs: each name once.
        if coverage
            .iter()
            .any(|seen: &Coverage| seen.name.eq_ignore_ascii_case(&asked))
        {
            continue;
        }
        let server_name = ServerName::try_from(asked.as_str())
            .map_err(|_| Error::Input(format!("{name:?} is not a DNS name or an IP address")))?;
        let covered = end_entity
            .verify_is_valid_for_subject_name(&server_name)
            .is_ok();
        let by = sans.iter().find(|san| san_covers(san, &asked)).cloned();
        let why = if covered {
            String::new()
        } else {
            why_not(&sans, &asked)
        };
        coverage.push(Coverage {
            name: asked,
            covered,
            by: if covered { by } else { None },
            why,
        });
    }
    Ok(SanCheck {
        subject: certificate.tbs_certificate.subject.to_string(),
        sans,
        names: coverage,
    })
}

fn subject_alt_names(certificate: &x509_cert::Certificate) -> Result<Vec<String>, Error> {
    let extension = certificate
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == SubjectAltName::OID);
    let Some(extension) = extension else {
        return Ok(Vec::new());
    };
    let names = SubjectAltName::from_der(extension.extn_value.as_bytes())
        .map_err(|error| Error::Input(format!("unreadable subjectAltName: {error}")))?;
    Ok(names
        .0
        .iter()
        .filter_map(|name| match name {
            GeneralName::DnsName(dns) => Some(format!("DNS:{}", dns.as_str())),
            GeneralName::IpAddress(octets) => {
                ip_text(octets.as_bytes()).map(|ip| format!("IP:{ip}"))
            }
            _ => None,
        })
        .collect())
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| IpAddr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| IpAddr::from(b).to_string()),
        _ => None,
    }
}

/// Whether one SAN entry covers `name`, by the rule TLS clients apply.
fn san_covers(san: &str, name: &str) -> bool {
    if let Some(ip) = san.strip_prefix("IP:") {
        return name.parse::<IpAddr>().ok() == ip.parse::<IpAddr>().ok()
            && ip.parse::<IpAddr>().is_ok();
    }
    let Some(dns) = san.strip_prefix("DNS:") else {
        return false;
    };
    let dns = dns.trim_end_matches('.');
    match dns.strip_prefix("*.") {
        Some(parent) => name
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(parent)),
        None => dns.eq_ignore_ascii_case(name),
    }
}

/// Why no SAN entry covers `name`, as specifically as the entries allow.
fn why_not(sans: &[String], name: &str) -> String {
    if sans.is_empty() {
        return "the certificate has no subjectAltName (TLS clients ignore the subject's CN)"
            .into();
    }
    for san in sans {
        let Some(parent) = san.strip_prefix("DNS:*.") else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        let parent = parent.to_ascii_lowercase();
        if lower == parent {
            return format!("{san} does not cover {parent} itself");
        }
        if lower.ends_with(&format!(".{parent}")) {
            return format!("{san} covers one label only");
        }
    }
    if let Some(partial) = sans
        .iter()
        .find(|san| san.starts_with("DNS:") && san[4..].contains('*') && !san.starts_with("DNS:*."))
    {
        return format!("{partial} is a partial wildcard, which TLS clients do not accept");
    }
    "no subjectAltName entry names it".into()
}

/// The report for a terminal.
pub fn text(check: &SanCheck) -> String {
    let mut out = format!("Certificate {}\n", check.subject);
    if check.sans.is_empty() {
        out.push_str("  subjectAltName: (none)\n");
    } else {
        out.push_str(&format!("  subjectAltName: {}\n", check.sans.join(", ")));
    }
    let width = check
        .names
        .iter()
        .map(|name| name.name.len())
        .max()
        .unwrap_or(0);
    for name in &check.names {
        if name.covered {
            out.push_str(&format!(
                "  covered      {:<width$}  ({})\n",
                name.name,
                name.by.as_deref().unwrap_or("subjectAltName")
            ));
        } else {
            out.push_str(&format!(
                "  NOT covered  {:<width$}  {}\n",
                name.name, name.why
            ));
        }
    }
    let missing = check.names.iter().filter(|name| !name.covered).count();
    if missing == 0 {
        out.push_str(&format!("All {} names are covered.\n", check.names.len()));
    } else {
        out.push_str(&format!(
            "{missing} of {} names are not covered: clients asking for them fail validation (a name mismatch). Reissue the certificate with every name.\n",
            check.names.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests;
