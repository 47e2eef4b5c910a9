//! `adpki trust-store`: the roots a phone with a given profile would install, as files for the
//! devices that need the same trust by hand (an MCU, an SBC, a gateway): the Codian post's
//! `openssl x509 -inform der -in root.cer -out root.pem`, done from the source of truth.
//!
//! The certificates come from the phone's own boot — the directory's certificationAuthority
//! objects, or failing that web enrollment's chain, with the profile's filters and firmware
//! limits — stopped before it would dial a registrar. So the store holds exactly what such a
//! phone would trust, not what an administrator believes is published.

use std::path::{Path, PathBuf};

use phone_client::enroll::ResolveMap;
use phone_client::ldap::{LdapBind, LdapTarget};
use phone_client::locate::Locator;
use phone_client::machine::Path as BootPath;
use phone_client::profile::{Profile, SignInMethod};
use phone_client::report::{Installed, Report};
use phone_client::run::Boot;
use serde::Serialize;

use crate::Error;

/// Where to read and as whom.
pub struct TrustStoreRequest {
    pub dc: LdapTarget,
    pub bind: LdapBind,
    pub user: String,
    pub password: String,
    pub profile: Profile,
    pub resolve: ResolveMap,
}

/// What the phone would install, and how it got it.
pub struct TrustStore {
    pub certificates: Vec<Installed>,
    /// Directory or web enrollment.
    pub path: Option<BootPath>,
    pub report: Report,
}

/// One file written.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub file: PathBuf,
    pub subject: String,
    pub sha1: String,
    pub source: String,
}

/// `pem` (one PEM file each and a PEM bundle) or `der` (`.cer` each and a `.p7b` bundle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreFormat {
    Pem,
    Der,
}

/// The bundle's file name.
pub fn bundle_name(format: StoreFormat) -> &'static str {
    match format {
        StoreFormat::Pem => "trust-bundle.pem",
        StoreFormat::Der => "trust-bundle.p7b",
    }
}

/// Boots the phone against the directory until it has installed its roots.
pub async fn collect(request: &TrustStoreRequest) -> Result<TrustStore, Error> {
    if request.profile.sign_in_method == SignInMethod::Pin {
        return Err(Error::Usage(format!(
            "profile {} signs in with a PIN: its roots come from the Certificate Provisioning web service, not the directory",
            request.profile.name
        )));
    }
    let mut profile = request.profile.clone();
    profile.ldap_transport = request.dc.transport;
    profile.ldap_bind = request.bind;
    let mut resolve = request.resolve.clone();
    // The phone dials the DC by the name its certificate must carry.
    if request.dc.name.parse::<std::net::IpAddr>().is_err() {
        resolve.insert(request.dc.name.to_ascii_lowercase(), request.dc.address);
    }
    let boot = Boot {
        profile,
        user: request.user.clone(),
        password: request.password.clone(),
        locator: Locator {
            dc: Some(format!("{}:{}", request.dc.name, request.dc.address.port())),
            resolve: resolve.clone(),
            ..Locator::default()
        },
        // No registrar: the boot ends right after installing, before any TLS to a pool.
        registrar: String::new(),
        resolve,
        dc_trust: request.dc.trust.clone(),
    };
    let report = boot.run().await;
    if report.installed.is_empty() {
        return Err(Error::Input(format!(
            "a phone with profile {} would install nothing: {}",
            report.profile, report.reason
        )));
    }
    Ok(TrustStore {
        certificates: report.installed.clone(),
        path: installed_path(&report),
        report,
    })
}

/// Which path filled the store: the install step's source says it.
fn installed_path(report: &Report) -> Option<BootPath> {
    let source = &report.installed.first()?.source;
    if source.starts_with("http://") || source.starts_with("https://") {
        Some(BootPath::WebEnrollment)
    } else {
        Some(BootPath::Directory)
    }
}

/// Writes one file per certificate (named after its CN) and the bundle into `dir`.
pub fn write(store: &TrustStore, dir: &Path, format: StoreFormat) -> Result<Vec<Written>, Error> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Error::Input(format!("cannot create {}: {error}", dir.display())))?;
    let mut written = Vec::new();
    let mut taken = Vec::new();
    for installed in &store.certificates {
        let stem = unique(file_stem(installed), &mut taken);
        let (name, bytes) = match format {
            StoreFormat::Pem => (format!("{stem}.pem"), pem(&installed.der).into_bytes()),
            StoreFormat::Der => (format!("{stem}.cer"), installed.der.clone()),
        };
        let file = dir.join(name);
        put(&file, &bytes)?;
        written.push(Written {
            file,
            subject: installed.certificate.subject.clone(),
            sha1: installed.certificate.sha1.clone(),
            source: installed.source.clone(),
        });
    }
    let bundle = match format {
        StoreFormat::Pem => store
            .certificates
            .iter()
            .map(|installed| pem(&installed.der))
            .collect::<String>()
            .into_bytes(),
        StoreFormat::Der => certsrv::certs_only_pkcs7(
            &store
                .certificates
                .iter()
                .map(|installed| installed.der.clone())
                .collect::<Vec<_>>(),
        )
        .map_err(|error| Error::Input(format!("cannot encode the bundle: {error}")))?,
    };
    let file = dir.join(bundle_name(format));
    put(&file, &bundle)?;
    written.push(Written {
        file,
        subject: format!("{} certificate(s)", store.certificates.len()),
        sha1: String::new(),
        source: "bundle".into(),
    });
    Ok(written)
}

fn put(file: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(file, bytes)
        .map_err(|error| Error::Input(format!("cannot write {}: {error}", file.display())))
}

/// PEM with 64-character lines, as openssl writes it.
pub fn pem(der: &[u8]) -> String {
    ad_common::certfile::pem_certificate(der)
}

/// A file name from a certificate: its CN (or the whole subject), with only characters every
/// file system takes.
fn file_stem(installed: &Installed) -> String {
    use der::Decode;
    let cn = x509_cert::Certificate::from_der(&installed.der)
        .ok()
        .and_then(|certificate| crate::publish::common_name(&certificate.tbs_certificate.subject))
        .unwrap_or_else(|| installed.certificate.subject.clone());
    safe_file_name(&cn)
}

/// `text` with only characters every file system takes.
fn safe_file_name(text: &str) -> String {
    let stem: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches(['-', '.'])
        .to_string();
    if stem.is_empty() {
        "certificate".into()
    } else {
        stem
    }
}

fn unique(stem: String, taken: &mut Vec<String>) -> String {
    let mut name = stem.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_cn_and_never_collide() {
        let mut taken = Vec::new();
        assert_eq!(
            unique(safe_file_name("Contoso Root CA"), &mut taken),
            "Contoso-Root-CA"
        );
        assert_eq!(
            unique(safe_file_name("Contoso Root CA"), &mut taken),
            "Contoso-Root-CA-2"
        );
        assert_eq!(safe_file_name("O=../../etc"), "O-..-..-etc");
        assert_eq!(safe_file_name("///"), "certificate");
    }

    #[test]
    fn pem_lines_are_64_characters() {
        let text = pem(&[0u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    }
}
