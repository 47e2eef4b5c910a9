//! `ldap-server serve` with TLS flags: the issued certificate and `--tls-ca-out`, a certificate
//! from files, and a DC without one; `ldapsearch` over LDAPS and StartTLS judges the result.

use e2e::*;

const ROOT_DSE: [&str; 4] = ["-b", "", "-s", "base"];

#[tokio::test]
async fn the_issued_certificate_and_its_ca_file_serve_ldaps_and_starttls() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("dc-ca.pem");
    let (_child, lines) = serve_with_banner(&[
        "--ldaps-listen",
        "127.0.0.1:0",
        "--tls-name",
        "127.0.0.1",
        "--tls-ca-out",
        ca.to_str().expect("path"),
        "--ldap-signing",
        "require",
    ])
    .await;
    let ldaps = printed(&lines, "# LDAPS on ");
    assert!(ldaps.starts_with("ldaps://127.0.0.1:"), "{lines:?}");
    assert!(std::fs::read_to_string(&ca)
        .expect("CA written")
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let plain = format!("ldap://{}", lines[0]);
    for args in [
        vec!["-x", "-H", ldaps],
        vec!["-x", "-H", plain.as_str(), "-ZZ"],
    ] {
        let mut all = args.clone();
        all.extend(["-D", "EXAMPLE\\Administrator", "-w", ADMIN_PASSWORD]);
        all.extend(ROOT_DSE);
        all.extend(["(objectClass=*)", "supportedExtension"]);
        let out = ldapsearch_trusting(Some(&ca), &all).await;
        assert_exit(&out, 0);
        assert!(
            out.stdout
                .contains("supportedExtension: 1.3.6.1.4.1.1466.20037"),
            "{args:?}: {out}"
        );
    }
}

#[tokio::test]
async fn a_certificate_from_files_is_served_and_a_certless_dc_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Files Root CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["dc1.example.test".into(), "127.0.0.1".into()])
            .expect("params");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = params.signed_by(&key, &issuer).expect("leaf");
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let cert = write("dc.pem", leaf.pem());
    let key = write("dc.key", key.serialize_pem());
    let ca = write("ca.pem", ca_cert.pem());
    let (_child, lines) = serve_with_banner(&[
        "--ldaps-listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().expect("path"),
        "--tls-key",
        key.to_str().expect("path"),
    ])
    .await;
    let ldaps = printed(&lines, "# LDAPS on ");
    let mut args = vec!["-x", "-H", ldaps];
    args.extend(ROOT_DSE);
    args.push("(objectClass=*)");
    let out = ldapsearch_trusting(Some(&ca), &args).await;
    assert_exit(&out, 0);

    let (_certless, lines) = serve_with_banner(&["--no-tls-certificate"]).await;
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("# no DC certificate: StartTLS answers 52")),
        "{lines:?}"
    );
    let plain = format!("ldap://{}", lines[0]);
    let mut args = vec!["-x", "-H", plain.as_str(), "-ZZ"];
    args.extend(ROOT_DSE);
    args.push("(objectClass=*)");
    let out = ldapsearch_trusting(Some(&ca), &args).await;
    assert!(out.stderr.contains("(52)"), "{out}");
}
