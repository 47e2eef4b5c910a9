//! Firmware and directory quirks: old firmware boot loops, placeholder cACertificates, the domain
//! NC's continuation reference and the global catalog.

use super::*;

#[tokio::test]
async fn old_firmware_that_cannot_read_the_root_loops_instead_of_signing_in() {
    // §D.3: the pre-SHA-2 builds cannot read this PKI (SHA-256 signatures, an ECDSA key) and
    // cycle through the boot screens; the profile ends that as `boot_loop`.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let extra = ["--profile".to_string(), "cpe-2007r2-old-firmware".into()];
    let (code, report, text) = boot(server.port(), registrar_port, &extra).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["outcome"], "boot_loop", "{text}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("this firmware cannot read"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_placeholder_cacertificate_counts_as_empty_and_is_reported() {
    // §G row 2: the object exists but holds AD's one-byte placeholder.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&[0u8]))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    let search = &report["steps"][2];
    assert_eq!(
        search["name"], "searching_certification_authorities",
        "{text}"
    );
    assert!(
        search["detail"]
            .as_str()
            .unwrap_or("")
            .contains("unusable (counts as empty)"),
        "{text}"
    );
    assert_eq!(
        report["steps"][3]["name"], "searching_enrollment_services",
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_phone_searching_the_domain_nc_only_sees_a_continuation_reference() {
    // §G row 4: AD keeps Public Key Services in the Configuration NC; the domain NC answers with a
    // reference the phone does not chase.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = pki.path("domain-nc.toml");
    std::fs::write(
        &profile,
        "name = \"misconfigured\"\nsearch_base = \"domain_nc\"\n",
    )
    .expect("write profile");
    let extra = ["--profile".to_string(), profile.display().to_string()];
    let (code, report, text) = boot(server.port(), registrar_port, &extra).await;
    assert_eq!(code, 1, "{text}");
    let detail = report["steps"][2]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("continuation reference not followed: ldap://example.test/CN=Configuration,DC=example,DC=test"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_phone_searching_the_global_catalog_finds_the_configuration_objects() {
    // §0: cACertificate is in the partial attribute set, so a GC search (port 3268, base "")
    // finds the Configuration NC's certificationAuthority objects.
    let pki = Pki::new();
    let ldif = pki.path("seed.ldif");
    std::fs::write(&ldif, format!("{}{}", alice(), root_ldif(&pki.root_der))).expect("write seed");
    let server = ldap_server::Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen("127.0.0.1:0".parse().expect("addr"))
        .global_catalog_listen("127.0.0.1:0".parse().expect("addr"))
        .ldif_file(&ldif)
        .start()
        .await
        .expect("server");
    let gc = server.global_catalog_addr().expect("GC listener");
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = pki.path("gc.toml");
    std::fs::write(
        &profile,
        format!(
            "name = \"gc\"\nsearch_base = \"global_catalog\"\nglobal_catalog_port = {}\n",
            gc.port()
        ),
    )
    .expect("write profile");
    let extra = ["--profile".to_string(), profile.display().to_string()];
    let (code, report, text) = boot(server.local_addr().port(), registrar_port, &extra).await;
    assert_eq!(code, 0, "{text}");
    let detail = report["steps"][2]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("Global Catalog"), "{text}");
    server.shutdown().await;
}
