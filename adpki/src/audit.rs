//! `adpki audit`: what a phone would see in a directory, reported like pkiview.
//!
//! Lists every certificationAuthority object (Certification Authorities, AIA, NTAuthCertificates)
//! with each certificate described and placeholders flagged, every enrollment service with its
//! dNSHostName (and, if asked, what its certnew.p7b answers), every CDP object with its CRL's
//! freshness; and, given the registrar's chain and a firmware profile, whether that phone would sign
//! in, through which path, and if not, why and which publish command would fix it. The verdict
//! uses the phone's own pieces (the step 1 search, the install rules, the TLS verifier), so it
//! cannot drift from what `phone-client` does.

use std::time::Duration;

use der::Decode;
use serde::Serialize;

use phone_client::certinfo::{describe, unusable_reason, CertificateInfo};
use phone_client::enroll::{self, ResolveMap};
use phone_client::ldap::Directory;
use phone_client::machine::Path;
use phone_client::profile::{Profile, Revocation, SearchBase};
use phone_client::trust::{validate_chain, ValidationFailure};

pub mod html;
mod status;

pub use html::html;
pub use status::{CertificateStatus, EXPIRING_DAYS};

/// What to audit and with which phone in mind.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The DC: its address, and for StartTLS or LDAPS the name its certificate must carry and
    /// the roots (a `SocketAddr` converts to plain LDAP). The Global Catalog is reached the same
    /// way on the profile's GC port.
    pub dc: phone_client::ldap::LdapTarget,
    /// How the administrator binds (`--bind`): simple or NTLM.
    pub bind: phone_client::ldap::LdapBind,
    pub user: String,
    pub password: String,
    pub profile: Profile,
    /// The registrar's FQDN and its chain (leaf first, DER), to judge the phone's outcome.
    pub registrar: Option<(String, Vec<Vec<u8>>)>,
    /// GET each enrollment service's certnew.p7b.
    pub probe_web: bool,
    pub resolve: ResolveMap,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub configuration_nc: String,
    pub certification_authorities: Vec<CaObject>,
    pub enrollment_services: Vec<EnrollmentServiceReport>,
    pub crl_distribution_points: Vec<CdpReport>,
    /// pKICertificateTemplate objects (their CNs) under CN=Certificate Templates.
    pub certificate_templates: Vec<String>,
    pub phone: Option<PhoneVerdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaObject {
    pub dn: String,
    /// `Certification Authorities`, `AIA`, `NTAuthCertificates`, or `elsewhere`.
    pub container: String,
    pub certificates: Vec<CertificateInfo>,
    /// Each certificate's status, in the order of `certificates`.
    pub statuses: Vec<CertificateStatus>,
    /// Values that are not certificates (placeholders, garbage), with why.
    pub unusable: Vec<String>,
    /// `placeholder` (AD's one-byte value for a mandatory attribute) or `garbage`, in the order
    /// of `unusable`.
    pub unusable_kinds: Vec<&'static str>,
    pub cross_certificate_pairs: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrollmentServiceReport {
    pub dn: String,
    pub dns_host_name: Option<String>,
    /// The probe's result when `probe_web` was asked.
    pub web_enrollment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CdpReport {
    pub dn: String,
    pub crls: Vec<CrlInfo>,
    pub unusable: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrlInfo {
    pub issuer: String,
    pub this_update: String,
    pub next_update: Option<String>,
    /// nextUpdate is in the past.
    pub stale: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneVerdict {
    pub profile: String,
    pub would_sign_in: bool,
    pub path: Option<Path>,
    pub reason: String,
    /// A command that would fix it, when there is one.
    pub fix: Option<String>,
    /// Subjects of what the phone would install.
    pub installed: Vec<String>,
}

/// Reads the directory and judges it.
pub async fn audit(request: &AuditRequest) -> Result<AuditReport, crate::Error> {
    let timeout = Duration::from_millis(request.profile.timeouts.ldap_ms);
    let mut directory = Directory::connect(request.dc.clone(), timeout).await?;
    directory
        .bind(request.bind, &request.user, &request.password)
        .await?;
    let (configuration_nc, default_nc) = directory.naming_contexts().await?;
    let certification_authorities =
        ca_objects(&mut directory, &configuration_nc, &request.profile).await?;
    let mut enrollment_services = Vec::new();
    for service in directory
        .search_raw(
            &configuration_nc,
            "(objectClass=pKIEnrollmentService)",
            &["dNSHostName"],
        )
        .await?
    {
        enrollment_services.push(EnrollmentServiceReport {
            dns_host_name: service.text("dNSHostName"),
            dn: service.dn,
            web_enrollment: None,
        });
    }
    if request.probe_web {
        probe(&mut enrollment_services, request).await;
    }
    let crl_distribution_points = cdp_objects(&mut directory, &configuration_nc).await?;
    let mut certificate_templates: Vec<String> = directory
        .search_raw(
            &configuration_nc,
            "(objectClass=pKICertificateTemplate)",
            &["cn"],
        )
        .await?
        .into_iter()
        .map(|entry| entry.text("cn").unwrap_or(entry.dn))
        .collect();
    certificate_templates.sort();
    let phone = match &request.registrar {
        Some((name, chain)) => Some(
            verdict(
                &mut directory,
                (&configuration_nc, &default_nc),
                request,
                name,
                chain,
            )
            .await?,
        ),
        None => None,
    };
    directory.unbind().await;
    Ok(AuditReport {
        configuration_nc,
        certification_authorities,
        enrollment_services,
        crl_distribution_points,
        certificate_templates,
        phone,
    })
}

async fn ca_objects(
    directory: &mut Directory,
    base: &str,
    profile: &Profile,
) -> Result<Vec<CaObject>, phone_client::Error> {
    let now = status::now();
    let entries = directory
        .search_raw(
            base,
            "(objectClass=certificationAuthority)",
            &["cACertificate", "crossCertificatePair"],
        )
        .await?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let mut certificates = Vec::new();
            let mut statuses = Vec::new();
            let mut unusable = Vec::new();
            let mut unusable_kinds = Vec::new();
            for value in entry.get("cACertificate") {
                match describe(value) {
                    Ok(info) if unusable_reason(value).is_none() => {
                        statuses.push(status::status(value, &info, profile, now));
                        certificates.push(info);
                    }
                    Ok(_) | Err(_) => {
                        unusable_kinds.push(if status::is_placeholder(value) {
                            "placeholder"
                        } else {
                            "garbage"
                        });
                        unusable.push(
                            unusable_reason(value).unwrap_or_else(|| "not a certificate".into()),
                        )
                    }
                }
            }
            CaObject {
                statuses,
                unusable_kinds,
                container: container_of(&entry.dn),
                cross_certificate_pairs: entry.get("crossCertificatePair").len(),
                dn: entry.dn,
                certificates,
                unusable,
            }
        })
        .collect())
}

fn container_of(dn: &str) -> String {
    let lower = dn.to_ascii_lowercase();
    if lower.starts_with("cn=ntauthcertificates,") {
        "NTAuthCertificates".into()
    } else if lower.contains(",cn=certification authorities,") {
        "Certification Authorities".into()
    } else if lower.contains(",cn=aia,") {
        "AIA".into()
    } else {
        "elsewhere".into()
    }
}

async fn cdp_objects(
    directory: &mut Directory,
    base: &str,
) -> Result<Vec<CdpReport>, phone_client::Error> {
    let entries = directory
        .search_raw(
            base,
            "(objectClass=cRLDistributionPoint)",
            &["certificateRevocationList", "deltaRevocationList"],
        )
        .await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(entries
        .into_iter()
        .map(|entry| {
            let mut crls = Vec::new();
            let mut unusable = Vec::new();
            for value in entry
                .get("certificateRevocationList")
                .iter()
                .chain(entry.get("deltaRevocationList"))
            {
                match x509_cert::crl::CertificateList::from_der(value) {
                    Ok(crl) => {
                        let tbs = &crl.tbs_cert_list;
                        let next = tbs.next_update.map(|time| time.to_unix_duration());
                        crls.push(CrlInfo {
                            issuer: tbs.issuer.to_string(),
                            this_update: tbs.this_update.to_string(),
                            next_update: tbs.next_update.map(|time| time.to_string()),
                            stale: next.is_some_and(|next| next < now),
                        });
                    }
                    Err(error) => unusable.push(if value.len() <= 1 {
                        "placeholder".into()
                    } else {
                        format!("not a CRL: {error}")
                    }),
                }
            }
            CdpReport {
                dn: entry.dn,
                crls,
                unusable,
            }
        })
        .collect())
}

async fn probe(services: &mut [EnrollmentServiceReport], request: &AuditRequest) {
    let client = match enroll::http_client_for(&request.profile, &request.resolve) {
        Ok(client) => client,
        Err(error) => {
            for service in services.iter_mut() {
                service.web_enrollment = Some(error.to_string());
            }
            return;
        }
    };
    for service in services.iter_mut() {
        let Some(host) = &service.dns_host_name else {
            service.web_enrollment = Some("no dNSHostName: nothing to fetch".into());
            continue;
        };
        let url = enroll::chain_url(
            host,
            None,
            request.profile.enrollment_renewal,
            request.profile.enrollment_encoding,
        );
        service.web_enrollment = Some(match enroll::fetch_chain(&client, &url).await {
            Ok(chain) => format!("GET {url}: {} certificate(s)", chain.len()),
            Err(error) => error.to_string(),
        });
    }
}

/// The phone's outcome, computed with the phone's own steps but no registrar connection.
async fn verdict(
    directory: &mut Directory,
    (configuration_nc, default_nc): (&str, &str),
    request: &AuditRequest,
    name: &str,
    chain: &[Vec<u8>],
) -> Result<PhoneVerdict, phone_client::Error> {
    let profile = &request.profile;
    // Step 1 where this firmware looks (profile.search_base), as the phone does it.
    let step1 = match profile.search_base {
        SearchBase::ConfigurationNc => {
            directory
                .search_certification_authorities(configuration_nc, &profile.ca_filter)
                .await?
        }
        SearchBase::DomainNc => {
            directory
                .search_certification_authorities(default_nc, &profile.ca_filter)
                .await?
        }
        SearchBase::GlobalCatalog => {
            let timeout = Duration::from_millis(profile.timeouts.ldap_ms);
            let gc = request.dc.with_port(profile.gc_port());
            let mut global_catalog = Directory::connect(gc, timeout).await?;
            global_catalog
                .bind(request.bind, &request.user, &request.password)
                .await?;
            let found = global_catalog
                .search_certification_authorities("", &profile.ca_filter)
                .await;
            global_catalog.unbind().await;
            found?
        }
    };
    let (mut candidates, mut path) = (
        step1
            .candidates
            .into_iter()
            .map(|c| c.der)
            .collect::<Vec<_>>(),
        Path::Directory,
    );
    let mut note = String::new();
    if candidates.is_empty() && profile.http_fallback {
        path = Path::WebEnrollment;
        let hosts: Vec<String> = directory
            .search_enrollment_services(configuration_nc, &profile.enrollment_filter)
            .await?
            .into_iter()
            .filter_map(|service| service.dns_host_name)
            .collect();
        if request.probe_web {
            let client = enroll::http_client_for(profile, &request.resolve)?;
            for host in &hosts {
                let url = enroll::chain_url(
                    host,
                    None,
                    profile.enrollment_renewal,
                    profile.enrollment_encoding,
                );
                let credentials = profile
                    .enrollment_auth
                    .credentials(&request.user, &request.password);
                let route = enroll::Route {
                    resolve: &request.resolve,
                    timeout: std::time::Duration::from_millis(profile.timeouts.http_ms),
                };
                match enroll::fetch_chain_as(&client, &url, credentials, route).await {
                    Ok(chain) => candidates.extend(chain),
                    Err(error) => note.push_str(&format!(" {error};")),
                }
            }
        } else if !hosts.is_empty() {
            note = format!(
                " (the phone would try web enrollment at {}; run with --probe-web to fetch it)",
                hosts.join(", ")
            );
        }
    }
    let mut installed = Vec::new();
    let mut roots = Vec::new();
    let mut refused = Vec::new();
    for der in candidates {
        match describe(&der) {
            Ok(info) => match profile.refusal(&info) {
                None => {
                    installed.push(info.subject);
                    roots.push(der);
                }
                Some(reason) => refused.push(format!("{}: {reason}", info.subject)),
            },
            Err(reason) => refused.push(reason.to_string()),
        }
    }
    let top = chain.last().and_then(|der| describe(der).ok());
    let publish_root = || match &top {
        Some(info) if info.self_signed => format!(
            "adpki publish <{}>.cer RootCA -f   (certutil -f -dspublish root.cer RootCA)",
            info.subject
        ),
        Some(info) => format!(
            "adpki publish <root of {}>.cer RootCA -f   (certutil -f -dspublish root.cer RootCA)",
            info.issuer
        ),
        None => "adpki publish root.cer RootCA -f".to_string(),
    };
    let outcome = if roots.is_empty() {
        let reason = if refused.is_empty() {
            format!("no certificate to install: no certificationAuthority object has a usable cACertificate{note}")
        } else {
            format!("nothing this firmware can install: {}", refused.join("; "))
        };
        (false, reason, Some(publish_root()))
    } else {
        match validate_chain(chain, name, &roots, &profile.trust_policy()) {
            Ok(()) if profile.revocation == Revocation::HardFail => {
                match revocation_verdict(chain, &roots, request).await {
                    Ok(()) => (true, String::new(), None),
                    Err(reason) => (
                        false,
                        format!("cannot validate server certificate: {reason}"),
                        Some("publish a current CRL at an HTTP CDP the phones can reach (certutil -crl; copy it to CertEnroll)".into()),
                    ),
                }
            }
            Ok(()) => (true, String::new(), None),
            Err(failure) => {
                let fix =
                    match &failure {
                        ValidationFailure::UnknownIssuer { .. }
                        | ValidationFailure::BadSignature => Some(publish_root()),
                        // The issuing CA is installed but its root is not (§G row 3).
                        ValidationFailure::PartialChain { issuer, .. } => Some(format!(
                            "adpki publish <{issuer}>.cer RootCA -f   (certutil -f -dspublish root.cer RootCA)"
                        )),
                        ValidationFailure::NameMismatch { expected, .. } => Some(format!(
                            "reissue the registrar certificate with the SAN {expected}"
                        )),
                        ValidationFailure::RootNotTimeValid { subject, .. } => Some(format!(
                            "renew the root CA \"{subject}\", reissue its chain and publish the new root (adpki publish root.cer RootCA -f)"
                        )),
                        ValidationFailure::Expired { .. }
                        | ValidationFailure::NotYetValid { .. } => Some(
                            "renew the registrar certificate, or fix the phone's clock (NTP)"
                                .into(),
                        ),
                        ValidationFailure::UnsupportedAlgorithm { .. } => {
                            Some("update the phone firmware, or use a SHA-1/RSA-2048 chain".into())
                        }
                        ValidationFailure::Other(_) => None,
                    };
                (
                    false,
                    format!("cannot validate server certificate: {failure}"),
                    fix,
                )
            }
        }
    };
    Ok(PhoneVerdict {
        profile: profile.name.clone(),
        would_sign_in: outcome.0,
        path: outcome.0.then_some(path),
        reason: outcome.1,
        fix: outcome.2,
        installed,
    })
}

/// What a hard-failing phone's revocation check would conclude about `chain`.
async fn revocation_verdict(
    chain: &[Vec<u8>],
    roots: &[Vec<u8>],
    request: &AuditRequest,
) -> Result<(), phone_client::Error> {
    let profile = &request.profile;
    let client = enroll::http_client_for(profile, &request.resolve)?;
    phone_client::trust::revocation::check_revocation(
        chain,
        roots,
        &profile.trust_policy(),
        &client,
        profile.retries,
    )
    .await
    .result
}

/// A person's reading of the report.
pub fn human(report: &AuditReport) -> String {
    let mut out = format!("Public Key Services under {}\n\n", report.configuration_nc);
    out.push_str("certificationAuthority objects:\n");
    for object in &report.certification_authorities {
        out.push_str(&format!("  [{}] {}\n", object.container, object.dn));
        for certificate in &object.certificates {
            out.push_str(&format!(
                "      {} (issuer {}; {}, {}; until {}; SHA-1 {})\n",
                certificate.subject,
                certificate.issuer,
                certificate.key,
                certificate.signature_algorithm,
                certificate.not_after,
                certificate.sha1
            ));
        }
        for reason in &object.unusable {
            out.push_str(&format!("      unusable value: {reason}\n"));
        }
    }
    out.push_str("\nEnrollment services:\n");
    for service in &report.enrollment_services {
        out.push_str(&format!(
            "  {} → {}\n",
            service.dn,
            service
                .dns_host_name
                .as_deref()
                .unwrap_or("(no dNSHostName)")
        ));
        if let Some(web) = &service.web_enrollment {
            out.push_str(&format!("      {web}\n"));
        }
    }
    out.push_str("\nCDP objects:\n");
    for cdp in &report.crl_distribution_points {
        out.push_str(&format!("  {}\n", cdp.dn));
        for crl in &cdp.crls {
            out.push_str(&format!(
                "      CRL of {} next update {}{}\n",
                crl.issuer,
                crl.next_update.as_deref().unwrap_or("(none)"),
                if crl.stale { " — STALE" } else { "" }
            ));
        }
        for reason in &cdp.unusable {
            out.push_str(&format!("      unusable value: {reason}\n"));
        }
    }
    if let Some(phone) = &report.phone {
        out.push_str(&format!("\nA {} phone ", phone.profile));
        if phone.would_sign_in {
            out.push_str(&format!(
                "would sign in ({:?} path), installing: {}\n",
                phone.path.unwrap_or(Path::Directory),
                phone.installed.join(", ")
            ));
        } else {
            out.push_str(&format!(
                "would show \"Cannot validate server certificate\": {}\n",
                phone.reason
            ));
            if let Some(fix) = &phone.fix {
                out.push_str(&format!("  fix: {fix}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_named_like_pkiview() {
        let pks = "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";
        assert_eq!(
            container_of(&format!("CN=NTAuthCertificates,{pks}")),
            "NTAuthCertificates"
        );
        assert_eq!(
            container_of(&format!("CN=Root,CN=Certification Authorities,{pks}")),
            "Certification Authorities"
        );
        assert_eq!(container_of(&format!("CN=Sub,CN=AIA,{pks}")), "AIA");
        assert_eq!(container_of("CN=x,DC=example,DC=test"), "elsewhere");
    }
}
