//! The LDIF a world's directory starts with: users in the states the scenario asks for, the
//! certificationAuthority and pKIEnrollmentService objects as certutil and AD CS leave them, a
//! messy forest's clutter, and the scenario's own LDIF with its `${...}` names substituted.

use base64::Engine;

use crate::pki::Hierarchy;
use crate::spec::{AccountState, Container, Scenario};
use ad_common::sanitized_cn::sanitized_cn;
use adpki::publish::escape_rdn_value;

/// AD's value for a mandatory attribute nobody wrote (domain.md §0, §H.5: a single 0x00).
const PLACEHOLDER: &str = "AA==";
/// Bytes that are no certificate (what a broken script or a truncated import leaves).
const GARBAGE: &[u8] = b"this is not a certificate";

/// Names a scenario's LDIF may refer to.
pub struct Names {
    pub domain_dn: String,
    pub configuration: String,
}

impl Names {
    pub fn for_domain(domain: &str) -> Names {
        let domain_dn = domain
            .split('.')
            .map(|label| format!("DC={label}"))
            .collect::<Vec<_>>()
            .join(",");
        Names {
            configuration: format!("CN=Configuration,{domain_dn}"),
            domain_dn,
        }
    }

    /// `CN=Public Key Services,CN=Services,<configuration>`.
    pub fn pks(&self) -> String {
        format!("CN=Public Key Services,CN=Services,{}", self.configuration)
    }

    /// Replaces `${configuration}`, `${domain_dn}`, `${pks}` and `${cert:ID}`.
    pub fn substitute(&self, text: &str, pki: &Hierarchy) -> Result<String, crate::Error> {
        self.substitute_text(text, pki).map_err(crate::Error::Act)
    }

    fn substitute_text(&self, text: &str, pki: &Hierarchy) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                return Err(format!(
                    "unterminated ${{ in LDIF near {:?}",
                    &rest[start..]
                ));
            };
            let key = &rest[start + 2..start + end];
            let value = match key {
                "configuration" => self.configuration.clone(),
                "domain_dn" => self.domain_dn.clone(),
                "pks" => self.pks(),
                _ => match key.strip_prefix("cert:") {
                    Some(id) => base64(
                        &pki.get(id)
                            .ok_or_else(|| format!("LDIF names ${{cert:{id}}}, not in [pki]"))?
                            .der,
                    ),
                    None => return Err(format!("unknown substitution ${{{key}}} in LDIF (configuration, domain_dn, pks, cert:ID)")),
                },
            };
            out.push_str(&value);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The whole start-up LDIF of a scenario.
pub(crate) fn initial(
    scenario: &Scenario,
    pki: &Hierarchy,
    clutter: &[Vec<u8>],
) -> Result<String, String> {
    let names = Names::for_domain(&scenario.domain.dns);
    let pks = names.pks();
    let mut ldif = String::from("version: 1\n\n");
    for user in &scenario.users {
        ldif.push_str(&user_entry(&names, &scenario.domain.dns, user));
    }
    for object in &scenario.directory.ca_objects {
        let mut values = Vec::new();
        let mut first_cn = None;
        for value in &object.values {
            match value.as_str() {
                "placeholder" => values.push(PLACEHOLDER.to_string()),
                "garbage" => values.push(base64(GARBAGE)),
                id => {
                    let certificate = pki
                        .get(id)
                        .ok_or_else(|| format!("ca_object: no certificate {id}"))?;
                    if first_cn.is_none() {
                        first_cn = certificate_cn(&certificate.der);
                    }
                    values.push(base64(&certificate.der));
                }
            }
        }
        let ca_name = object
            .cn
            .clone()
            .or(first_cn)
            .ok_or("ca_object: give `cn` when no value is a certificate")?;
        // Named as certutil names what it publishes: the sanitized CA name.
        let cn = sanitized_cn(&ca_name);
        let rdn = escape_rdn_value(&cn);
        let dn = match object.container {
            Container::CertificationAuthorities => {
                format!("CN={rdn},CN=Certification Authorities,{pks}")
            }
            Container::Aia => format!("CN={rdn},CN=AIA,{pks}"),
            Container::Ntauth => format!("CN=NTAuthCertificates,{pks}"),
        };
        let cn = if object.container == Container::Ntauth {
            "NTAuthCertificates".to_string()
        } else {
            cn
        };
        ldif.push_str(&ca_entry(&dn, &cn, &values));
    }
    for (index, der) in clutter.iter().enumerate() {
        let container = if index % 2 == 0 {
            "Certification Authorities"
        } else {
            "AIA"
        };
        let cn = format!("Decommissioned CA {index:02}");
        let value = if scenario.directory.clutter_placeholders {
            PLACEHOLDER.to_string()
        } else {
            base64(der)
        };
        ldif.push_str(&ca_entry(
            &format!("CN={cn},CN={container},{pks}"),
            &cn,
            &[value],
        ));
    }
    ldif.push_str(&super::templates::ldif(scenario, &pks));
    let all_templates = super::templates::names(scenario);
    for service in &scenario.directory.enrollment_services {
        // AD CS names its enrollment service after the sanitized CA name, and keeps the name
        // itself as displayName.
        let cn = sanitized_cn(&service.cn);
        let mut entry = format!(
            "dn: CN={rdn},CN=Enrollment Services,{pks}\nobjectClass: top\nobjectClass: pKIEnrollmentService\n{cn_line}{display}dNSHostName: {host}\n",
            rdn = escape_rdn_value(&cn),
            cn_line = ldif_value("cn", &cn),
            display = ldif_value("displayName", &service.cn),
            host = service.dns_host_name,
        );
        for template in service.templates.as_ref().unwrap_or(&all_templates) {
            entry.push_str(&format!("certificateTemplates: {template}\n"));
        }
        for id in &service.certificates {
            let certificate = pki
                .get(id)
                .ok_or_else(|| format!("enrollment_service: no certificate {id}"))?;
            entry.push_str(&format!("cACertificate:: {}\n", base64(&certificate.der)));
        }
        ldif.push_str(&entry);
        ldif.push('\n');
    }
    if !scenario.directory.ldif.trim().is_empty() {
        ldif.push_str(&names.substitute_text(&scenario.directory.ldif, pki)?);
        ldif.push('\n');
    }
    Ok(ldif)
}

/// The certificate's (last) CN, decoded from the certificate itself: certutil names the object
/// after it. (A subject rendered as text cannot be split on commas: a CN may hold one.)
fn certificate_cn(der: &[u8]) -> Option<String> {
    use der::Decode;
    let certificate = x509_cert::Certificate::from_der(der).ok()?;
    adpki::publish::common_name(&certificate.tbs_certificate.subject)
}

/// `attribute: value`, or `attribute:: base64` when the value is not an LDIF SAFE-STRING (RFC
/// 2849: non-ASCII, or a leading space, colon or `<`, or a trailing space).
fn ldif_value(attribute: &str, value: &str) -> String {
    let safe = value
        .bytes()
        .all(|b| b.is_ascii() && b != b'\0' && b != b'\n' && b != b'\r')
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ');
    if safe {
        format!("{attribute}: {value}\n")
    } else {
        format!("{attribute}:: {}\n", base64(value.as_bytes()))
    }
}

fn ca_entry(dn: &str, cn: &str, values: &[String]) -> String {
    let mut entry = format!(
        "dn: {dn}\nobjectClass: top\nobjectClass: certificationAuthority\n{}authorityRevocationList:: {PLACEHOLDER}\ncertificateRevocationList:: {PLACEHOLDER}\n",
        ldif_value("cn", cn)
    );
    for value in values {
        entry.push_str(&format!("cACertificate:: {value}\n"));
    }
    entry.push('\n');
    entry
}

fn user_entry(names: &Names, domain: &str, user: &crate::spec::UserSpec) -> String {
    // NORMAL_ACCOUNT, plus ACCOUNTDISABLE for a disabled account.
    let control = if user.state == AccountState::Disabled {
        514
    } else {
        512
    };
    let mut entry = format!(
        "dn: CN={name},CN=Users,{base}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: {name}\nsAMAccountName: {name}\nuserPrincipalName: {name}@{domain}\nuserAccountControl: {control}\nuserPassword: {hash}\nunicodePwd: {nt}\n",
        name = user.name,
        base = names.domain_dn,
        hash = ldap_server::hash_ssha(&user.password),
        // The NT hash as AD keeps it: the phone may bind, or authenticate to /certsrv, with NTLM.
        nt = ldap_server::nt_hash_value(&user.password),
    );
    match user.state {
        AccountState::LockedOut => entry.push_str("lockoutTime: 133000000000000000\n"),
        // 2001-01-01 as a FILETIME: long past.
        AccountState::AccountExpired => entry.push_str("accountExpires: 126227808000000000\n"),
        AccountState::MustChangePassword => entry.push_str("pwdLastSet: 0\n"),
        AccountState::Active | AccountState::Disabled => {
            entry.push_str("pwdLastSet: 133000000000000000\n")
        }
    }
    entry.push('\n');
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_domain() {
        let names = Names::for_domain("corp.example.test");
        assert_eq!(names.domain_dn, "DC=corp,DC=example,DC=test");
        assert_eq!(
            names.pks(),
            "CN=Public Key Services,CN=Services,CN=Configuration,DC=corp,DC=example,DC=test"
        );
    }

    #[test]
    fn unknown_substitutions_are_refused() {
        let spec = crate::spec::Scenario::parse(
            "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nsubject = \"R\"\n[[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n",
            "x.toml",
            None,
        )
        .unwrap();
        let pki = Hierarchy::build(&spec, crate::pki::KeyPool::shared()).unwrap();
        let names = Names::for_domain("example.test");
        assert!(names
            .substitute("${nope}", &pki)
            .unwrap_err()
            .to_string()
            .contains("nope"));
        assert!(names
            .substitute("${cert:other}", &pki)
            .unwrap_err()
            .to_string()
            .contains("other"));
        assert!(names
            .substitute("x ${pks", &pki)
            .unwrap_err()
            .to_string()
            .contains("unterminated"));
        let text = names
            .substitute("dn: ${pks}\nv:: ${cert:root}\n", &pki)
            .unwrap();
        assert!(text.starts_with("dn: CN=Public Key Services"));
        assert!(!text.contains("${"));
    }
}
