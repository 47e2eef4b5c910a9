//! Against our directory: a published root signs the phone in; missing, foreign or stale roots, the
//! web enrollment fallback and a wrong password fail or recover as the phone reports them.

use super::*;

#[tokio::test]
async fn published_root_signs_the_phone_in_through_the_directory() {
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["outcome"], "signed_in", "{text}");
    assert_eq!(report["path"], "directory", "{text}");
    let installed = report["installed"].as_array().expect("installed");
    assert_eq!(installed.len(), 1, "{text}");
    assert_eq!(installed[0]["subject"], "CN=Example Test Root CA", "{text}");
    assert!(
        installed[0]["source"]
            .as_str()
            .unwrap_or("")
            .starts_with("CN=Example Test Root CA,CN=Certification Authorities"),
        "{text}"
    );
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "locating_domain_controller",
            "binding_to_directory",
            "searching_certification_authorities",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate"
        ],
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn unpublished_root_is_cannot_validate_server_certificate() {
    let pki = Pki::new();
    let server = start(&alice()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("pKIEnrollmentService"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_root_from_another_ca_fails_validation_with_the_precise_reason() {
    let pki = Pki::new();
    let other = Pki::named("Other Root CA");
    let server = start(&format!("{}{}", alice(), root_ldif(&other.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("issuer"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn enrollment_service_fallback_downloads_the_chain_over_http() {
    let pki = Pki::new();
    let service = format!(
        "dn: CN=Example Issuing CA,CN=Enrollment Services,{PKS_DN}\nobjectClass: top\nobjectClass: pKIEnrollmentService\ndNSHostName: {CA_HOST}\n\n"
    );
    let server = start(&format!("{}{service}", alice())).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (_web, web_port) = certsrv(&pki).await;
    let (code, report, text) = boot(
        server.port(),
        registrar_port,
        &[
            "--resolve".into(),
            format!("{CA_HOST}=127.0.0.1:{web_port}"),
        ],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "web_enrollment", "{text}");
    let source = report["installed"][0]["source"].as_str().unwrap_or("");
    assert_eq!(
        source,
        format!("http://{CA_HOST}/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_is_sign_in_failed_with_ad_data_code() {
    let pki = Pki::new();
    let server = start(&alice()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot_as("wrong", server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["outcome"], "sign_in_failed", "{text}");
    assert!(
        report["reason"].as_str().unwrap_or("").contains("52e"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_renewed_root_with_a_new_key_but_the_old_one_published_fails_on_the_signature() {
    // Same name, new key (domain.md §G row 13): the published old root is found by name but
    // cannot verify the registrar's chain.
    let pki = Pki::new();
    let old_generation = Pki::new();
    let server = start(&format!(
        "{}{}",
        alice(),
        root_ldif(&old_generation.root_der)
    ))
    .await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("signature"),
        "{text}"
    );
    server.stop().await;
}
