//! The phone over StartTLS and LDAPS to OpenLDAP slapd with a certificate we issued.

use super::*;
use crate::phone_directory::slapd::{slapd_data, slapd_profile, SLAPD_ALICE};

#[tokio::test]
async fn the_phone_boots_over_starttls_and_ldaps_and_reports_bad_certificates() {
    let pki = Pki::new();
    let cert = DcCert::issue("Lab DC CA", &[DC_NAME, "127.0.0.1"]);
    let slapd = e2e::slapd::Slapd::start_tls(&slapd_data(Some(&pki.root_der), None), &cert).await;
    let ldaps_port = slapd.ldaps_port.expect("slapd with TLS listens for LDAPS");
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let boot = |args: Vec<String>| {
        let profile = profile.clone();
        async move {
            let mut args = args;
            args.extend(["--profile".to_string(), profile]);
            boot_over(SLAPD_ALICE, USER_PASSWORD, registrar_port, &args).await
        }
    };

    // StartTLS on the LDAP port, the certificate checked for the --dc name.
    let (code, report, text) = boot(over("starttls", DC_NAME, slapd.port, &cert.ca())).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "directory", "{text}");
    let located = report["steps"][0]["detail"].as_str().unwrap_or("");
    assert!(
        located.contains(&format!(
            "ldap://127.0.0.1:{} (StartTLS, certificate checked for {DC_NAME} against",
            slapd.port
        )),
        "{text}"
    );

    // LDAPS, by name and by IP literal (the certificate carries IP:127.0.0.1 too).
    for name in [DC_NAME, "127.0.0.1"] {
        let (code, _, text) = boot(over("ldaps", name, ldaps_port, &cert.ca())).await;
        assert_eq!(code, 0, "ldaps to {name}: {text}");
    }

    // Roots that did not issue the DC's certificate: unknown issuer, naming the DC and the file.
    let stranger = DcCert::issue("Some Other CA", &[DC_NAME]);
    for (mode, port) in [("ldaps", ldaps_port), ("starttls", slapd.port)] {
        let (code, report, text) = boot(over(mode, DC_NAME, port, &stranger.ca())).await;
        assert_eq!(code, 1, "{text}");
        assert_eq!(
            report["outcome"], "cannot_locate_domain_controller",
            "{text}"
        );
        assert_eq!(report["reason_code"], "dc_certificate", "{text}");
        let reason = report["reason"].as_str().unwrap_or("");
        assert!(
            reason.starts_with(&format!("TLS to the DC {DC_NAME} (127.0.0.1:{port}, ")),
            "{text}"
        );
        assert!(
            reason.contains("(issuer \"CN=Lab DC CA\") does not chain to a root in")
                && reason.contains("(unknown issuer; the roots there: CN=Some Other CA)")
                && reason.contains("rustls: invalid peer certificate: UnknownIssuer"),
            "{text}"
        );
    }

    // A name the certificate does not carry.
    let (code, report, text) =
        boot(over("ldaps", "ldap.example.test", ldaps_port, &cert.ca())).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["reason_code"], "dc_certificate", "{text}");
    assert!(
        report["reason"].as_str().unwrap_or("").contains(
            "is not valid for ldap.example.test (it names: DNS:dc1.example.test, IP:127.0.0.1)"
        ),
        "{text}"
    );

    // LDAPS to the plain LDAP port: slapd answers the ClientHello as LDAP and the handshake fails.
    let (code, report, text) = boot(over("ldaps", DC_NAME, slapd.port, &cert.ca())).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["reason_code"], "dc_tls", "{text}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!(
                "TLS to the DC {DC_NAME} (127.0.0.1:{}, LDAPS) failed: ",
                slapd.port
            )),
        "{text}"
    );
}

/// `adpki audit --ldap-tls auto` (the default): slapd with TLS lists StartTLS in its rootDSE, so
/// with --ca-file adpki takes StartTLS (a wrong --ca-file shows it: the certificate is refused),
/// without --ca-file it stays on plain LDAP, which slapd allows.
#[tokio::test]
async fn adpki_auto_takes_starttls_when_slapd_offers_it_and_roots_are_given() {
    let pki = Pki::new();
    let cert = DcCert::issue("Lab DC CA", &[DC_NAME, "127.0.0.1"]);
    let slapd = e2e::slapd::Slapd::start_tls(&slapd_data(Some(&pki.root_der), None), &cert).await;
    let stranger = DcCert::issue("Some Other CA", &[DC_NAME]);
    let audit = |extra: &[String]| {
        let mut args = strings(&[
            "audit",
            "--dc",
            &format!("{DC_NAME}:{}", slapd.port),
            "--resolve",
            &format!("{DC_NAME}=127.0.0.1:{}", slapd.port),
            "--user",
            "cn=admin,dc=example,dc=test",
            "--password",
            "secret",
        ]);
        args.extend(extra.iter().cloned());
        args
    };
    let ca = |cert: &DcCert| vec!["--ca-file".to_string(), cert.ca().display().to_string()];

    let out = adpki(&audit(&ca(&cert))).await;
    assert_eq!(out.code, 0, "{out}");
    let out = adpki(&audit(&ca(&stranger))).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains(&format!(
            "TLS to the DC {DC_NAME} (127.0.0.1:{}, StartTLS) failed: its certificate",
            slapd.port
        )) && out.stderr.contains("unknown issuer"),
        "{out}"
    );
    let out = adpki(&audit(&[])).await;
    assert_eq!(out.code, 0, "{out}");
    // LDAPS on slapd's LDAPS port, explicitly.
    let ldaps_port = slapd.ldaps_port.expect("LDAPS port");
    let mut args = strings(&[
        "audit",
        "--dc",
        &format!("127.0.0.1:{ldaps_port}"),
        "--ldap-tls",
        "ldaps",
        "--user",
        "cn=admin,dc=example,dc=test",
        "--password",
        "secret",
    ]);
    args.extend(ca(&cert));
    let out = adpki(&args).await;
    assert_eq!(out.code, 0, "{out}");
}
