//! The same phone against OpenLDAP slapd, a directory we did not write.

use super::*;

pub(crate) const SLAPD_ALICE: &str = "uid=alice,cn=Users,dc=example,dc=test";

/// slapd has no objectCategory shortcut and no AD schema: the profile names RFC 4523's pkiCA.
pub(crate) fn slapd_profile(dir: &std::path::Path) -> String {
    let path = dir.join("slapd-profile.toml");
    std::fs::write(
        &path,
        "name = \"cpe-2007r2 against OpenLDAP\"\nca_filter = \"(objectClass=pkiCA)\"\nenrollment_filter = \"(objectClass=pKIEnrollmentService)\"\n",
    )
    .expect("write profile");
    path.display().to_string()
}

pub(crate) fn slapd_data(root_der: Option<&[u8]>, enrollment_host: Option<&str>) -> String {
    let mut ldif = format!(
        "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n\
         dn: cn=Users,dc=example,dc=test\nobjectClass: applicationProcess\ncn: Users\n\n\
         dn: {SLAPD_ALICE}\nobjectClass: inetOrgPerson\nuid: alice\ncn: alice\nsn: alice\nuserPassword: {USER_PASSWORD}\n\n\
         dn: cn=Configuration,dc=example,dc=test\nobjectClass: applicationProcess\ncn: Configuration\n\n"
    );
    if let Some(der) = root_der {
        ldif.push_str(&format!(
            "dn: cn=Example Test Root CA,cn=Configuration,dc=example,dc=test\nobjectClass: applicationProcess\nobjectClass: pkiCA\n\
             cn: Example Test Root CA\ncACertificate;binary:: {}\n\n",
            B64.encode(der)
        ));
    }
    if let Some(host) = enrollment_host {
        ldif.push_str(&format!(
            "dn: cn=Example Issuing CA,cn=Configuration,dc=example,dc=test\nobjectClass: pKIEnrollmentService\ncn: Example Issuing CA\ndNSHostName: {host}\n\n"
        ));
    }
    ldif
}

#[tokio::test]
async fn against_slapd_a_published_root_signs_in_through_the_directory() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(Some(&pki.root_der), None)).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &["--profile".into(), profile],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "directory", "{text}");
    assert_eq!(
        report["installed"][0]["source"],
        "cn=Example Test Root CA,cn=Configuration,dc=example,dc=test",
        "{text}"
    );
}

#[tokio::test]
async fn against_slapd_the_enrollment_service_fallback_signs_in_over_http() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(None, Some(CA_HOST))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (_web, web_port) = certsrv(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let extra = [
        "--profile".into(),
        profile,
        "--resolve".into(),
        format!("{CA_HOST}=127.0.0.1:{web_port}"),
    ];
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &extra,
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "web_enrollment", "{text}");
}

#[tokio::test]
async fn against_slapd_nothing_published_is_cannot_validate() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(None, None)).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &["--profile".into(), profile],
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
}
