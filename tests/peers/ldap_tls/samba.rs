//! Samba AD DC as installed: simple binds need TLS. The phone and adpki over StartTLS and LDAPS
//! with the certificate an administrator gave the DC; the plain bind refused with Samba's text;
//! Samba's own CN-only certificate refused by our clients.

use super::*;
use e2e::samba::{Samba, SambaTls, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD};

/// LDAP and LDAPS: Samba's fixed ports.
const LDAP: u16 = 389;
const LDAPS: u16 = 636;

#[tokio::test]
async fn samba_as_installed_works_over_starttls_and_ldaps_and_refuses_plain_binds() {
    let cert = DcCert::issue("Example Lab CA", &[DC_NAME, "127.0.0.1"]);
    let samba = Samba::start_as_installed(Some(SambaTls::from_cert(&cert))).await;
    let pki = Pki::new();
    let (_registrar, registrar_port) = registrar(&pki).await;
    let ca = cert.ca();

    // The administrator publishes the phones' root over LDAPS (ldaps:// URL, the name mapped).
    let mut publish = strings(&["publish"]);
    publish.push(pki.path("root.pem").display().to_string());
    publish.extend(strings(&[
        "RootCA",
        "-f",
        "--url",
        &format!("ldaps://{DC_NAME}"),
        "--resolve",
        &format!("{DC_NAME}=127.0.0.1:{LDAPS}"),
        "--ca-file",
        &ca.display().to_string(),
        "--user",
        SAMBA_ADMIN,
        "--password",
        SAMBA_ADMIN_PASSWORD,
    ]));
    let out = adpki(&publish).await;
    assert_eq!(out.code, 0, "{out}\n{}", samba.log());
    assert!(
        out.stdout.contains("published (created the object)"),
        "{out}"
    );

    // The phone signs in over StartTLS (by name) and over LDAPS (by IP literal).
    for args in [
        over("starttls", DC_NAME, LDAP, &ca),
        over("ldaps", "127.0.0.1", LDAPS, &ca),
    ] {
        let (code, report, text) =
            boot_over(SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, registrar_port, &args).await;
        assert_eq!(code, 0, "{args:?}: {text}");
        assert_eq!(report["path"], "directory", "{text}");
        assert_eq!(
            report["installed"][0]["subject"], "CN=Example Test Root CA",
            "{text}"
        );
    }

    // A simple bind over plain LDAP: refused for the DC's policy, said plainly, Samba's text kept.
    let plain = strings(&["--dc", "127.0.0.1:389", "--ldap-tls", "none"]);
    let (code, report, text) =
        boot_over(SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, registrar_port, &plain).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["outcome"], "sign_in_failed", "{text}");
    assert_eq!(report["reason_code"], "signing_required", "{text}");
    let reason = report["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with(
            "the DC requires LDAP signing or TLS; this phone binds with a simple bind over plain LDAP"
        ),
        "{text}"
    );
    assert!(
        reason
            .ends_with("LDAP 8 (strongerAuthRequired) BindSimple: Transport encryption required."),
        "{text}"
    );
    // The default profile binds over plain LDAP too (ldap_transport = none).
    let (_, report, text) = boot_over(
        SAMBA_ADMIN,
        SAMBA_ADMIN_PASSWORD,
        registrar_port,
        &strings(&["--dc", "127.0.0.1"]),
    )
    .await;
    assert_eq!(report["reason_code"], "signing_required", "{text}");

    // adpki audit over StartTLS and over LDAPS (the name mapped; port 0: the transport's).
    let audit = |tls: &[&str]| {
        let mut args = strings(&[
            "audit",
            "--user",
            SAMBA_ADMIN,
            "--password",
            SAMBA_ADMIN_PASSWORD,
            "--registrar-chain",
        ]);
        args.push(pki.path("leaf.pem").display().to_string());
        args.extend(strings(&["--registrar-name", POOL, "--resolve"]));
        args.push(format!("{DC_NAME}=127.0.0.1:0"));
        args.extend(strings(tls));
        args
    };
    let ca_text = ca.display().to_string();
    for mode in ["starttls", "ldaps"] {
        let out = adpki(&audit(&[
            "--dc",
            DC_NAME,
            "--ldap-tls",
            mode,
            "--ca-file",
            &ca_text,
        ]))
        .await;
        assert_eq!(out.code, 0, "{mode}: {out}");
        assert!(out.stdout.contains("CN=Example Test Root CA"), "{out}");
        assert!(out.stdout.contains("would sign in"), "{out}");
    }
    // auto: Samba (4.17) serves StartTLS but lists no supportedExtension in its rootDSE, so auto
    // stays on plain LDAP even with --ca-file, and the bind is refused: the sentence, Samba's
    // text, and what to do.
    for tls in [
        vec!["--dc", DC_NAME, "--ca-file", &ca_text],
        vec!["--dc", DC_NAME],
    ] {
        let out = adpki(&audit(&tls)).await;
        assert_eq!(out.code, 2, "{out}");
        assert!(
            out.stderr.contains(
                "adpki audit: the DC requires LDAP signing or TLS; this phone binds with a simple bind over plain LDAP. The DC answered the bind as Administrator@example.test: LDAP 8 (strongerAuthRequired) BindSimple: Transport encryption required."
            ),
            "{out}"
        );
        assert!(
            out.stderr.contains("the DC does not advertise StartTLS")
                && out.stderr.contains("--ldap-tls starttls"),
            "{out}"
        );
    }
    // NTLM (`--bind ntlm`: GSS-SPNEGO NTLMv2, the TLS channel binding, no signing or sealing):
    // Samba 4.17 as installed wants NTLM's own signing or sealing on every transport, TLS
    // included ("SASL:[GSS-SPNEGO]: Sign or Seal are required."), so it is refused over plain
    // LDAP, StartTLS and LDAPS alike, and the report says why and what to do.
    for (args, sentence) in [
        (plain.clone(), phone_client::ldap::NTLM_WITHOUT_INTEGRITY),
        (
            over("starttls", DC_NAME, LDAP, &ca),
            phone_client::ldap::NTLM_INTEGRITY_OVER_TLS,
        ),
        (
            over("ldaps", "127.0.0.1", LDAPS, &ca),
            phone_client::ldap::NTLM_INTEGRITY_OVER_TLS,
        ),
    ] {
        let mut args = args;
        args.extend(strings(&["--bind", "ntlm"]));
        let (code, report, text) =
            boot_over(SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD, registrar_port, &args).await;
        assert_eq!(code, 1, "{args:?}: {text}");
        assert_eq!(report["reason_code"], "signing_required", "{text}");
        let reason = report["reason"].as_str().unwrap_or_default();
        assert!(reason.starts_with(sentence), "{text}");
        assert!(
            reason.ends_with("SASL:[GSS-SPNEGO]: Sign or Seal are required."),
            "{text}"
        );
    }
    let mut ntlm_audit = audit(&[
        "--dc",
        DC_NAME,
        "--ldap-tls",
        "ldaps",
        "--ca-file",
        &ca_text,
    ]);
    ntlm_audit.extend(strings(&["--bind", "ntlm"]));
    let out = adpki(&ntlm_audit).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains(phone_client::ldap::NTLM_INTEGRITY_OVER_TLS),
        "{out}"
    );

    // publish over plain LDAP: the same sentence.
    let mut plain_publish = strings(&["publish"]);
    plain_publish.push(pki.path("root.pem").display().to_string());
    plain_publish.extend(strings(&[
        "RootCA",
        "--host",
        "127.0.0.1",
        "--ldap-tls",
        "none",
        "--user",
        SAMBA_ADMIN,
        "--password",
        SAMBA_ADMIN_PASSWORD,
    ]));
    let out = adpki(&plain_publish).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("the DC requires LDAP signing or TLS")
            && out.stderr.contains("--ldap-tls starttls"),
        "{out}"
    );
    drop(samba);
}

#[tokio::test]
async fn samba_s_own_cn_only_certificate_is_refused_with_a_clear_report() {
    let samba = Samba::start_as_installed(None).await;
    // Samba writes its autogenerated CA and certificate at the first start.
    let ca = samba.dir.path().join("private/tls/ca.pem");
    assert!(ca.is_file(), "no {}:\n{}", ca.display(), samba.log());
    let pki = Pki::new();
    let (_registrar, registrar_port) = registrar(&pki).await;
    let name = "DC1.example.test";
    for (mode, port) in [("ldaps", LDAPS), ("starttls", LDAP)] {
        let (code, report, text) = boot_over(
            SAMBA_ADMIN,
            SAMBA_ADMIN_PASSWORD,
            registrar_port,
            &over(mode, name, port, &ca),
        )
        .await;
        assert_eq!(code, 1, "{text}");
        assert_eq!(report["reason_code"], "dc_certificate", "{text}");
        let reason = report["reason"].as_str().unwrap_or("");
        assert!(
            reason.contains(&format!(
                "is not valid for {name}: it has no subjectAltName, only the subject's CN"
            )),
            "{text}"
        );
    }
    let mut args = strings(&[
        "audit",
        "--dc",
        &format!("{name}:{LDAPS}"),
        "--resolve",
        &format!("{name}=127.0.0.1:{LDAPS}"),
        "--ldap-tls",
        "ldaps",
        "--ca-file",
    ]);
    args.push(ca.display().to_string());
    args.extend(strings(&[
        "--user",
        SAMBA_ADMIN,
        "--password",
        SAMBA_ADMIN_PASSWORD,
    ]));
    let out = adpki(&args).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("it has no subjectAltName"), "{out}");
    drop(samba);
}

/// Samba with `ldap server require strong auth = allow_sasl_over_tls` (the setting Samba offers
/// for SASL clients that rely on TLS): the phone and adpki bind with NTLM over StartTLS and
/// LDAPS, by down-level name and by UPN; a wrong password gets Samba's 52e.
#[tokio::test]
async fn samba_allowing_sasl_over_tls_takes_ntlm_binds_over_tls() {
    let cert = DcCert::issue("Example Lab CA", &[DC_NAME, "127.0.0.1"]);
    let samba = Samba::start_with(e2e::samba::SambaConfig {
        as_installed: true,
        tls: Some(SambaTls::from_cert(&cert)),
        strong_auth: Some("allow_sasl_over_tls"),
    })
    .await;
    let pki = Pki::new();
    let (_registrar, registrar_port) = registrar(&pki).await;
    let ca = cert.ca();
    let ca_text = ca.display().to_string();

    let mut publish = strings(&["publish"]);
    publish.push(pki.path("root.pem").display().to_string());
    publish.extend(strings(&[
        "RootCA",
        "-f",
        "--url",
        "ldaps://127.0.0.1",
        "--ca-file",
        &ca_text,
        "--bind",
        "ntlm",
        "--user",
        "EXAMPLE\\Administrator",
        "--password",
        SAMBA_ADMIN_PASSWORD,
    ]));
    let out = adpki(&publish).await;
    assert_eq!(out.code, 0, "{out}\n{}", samba.log());

    for (user, args) in [
        (
            "EXAMPLE\\Administrator",
            over("starttls", DC_NAME, LDAP, &ca),
        ),
        (SAMBA_ADMIN, over("ldaps", "127.0.0.1", LDAPS, &ca)),
    ] {
        let mut args = args;
        args.extend(strings(&["--bind", "ntlm"]));
        let (code, report, text) =
            boot_over(user, SAMBA_ADMIN_PASSWORD, registrar_port, &args).await;
        assert_eq!(code, 0, "{user} {args:?}: {text}\n{}", samba.log());
        assert_eq!(report["path"], "directory", "{text}");
    }
    let mut wrong = over("ldaps", "127.0.0.1", LDAPS, &ca);
    wrong.extend(strings(&["--bind", "ntlm"]));
    let (code, report, text) =
        boot_over("EXAMPLE\\Administrator", "Wrong-1", registrar_port, &wrong).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["reason_code"], "bind_refused", "{text}");
    assert_eq!(report["data_code"], "52e", "{text}");

    let mut audit = strings(&[
        "audit",
        "--dc",
        DC_NAME,
        "--resolve",
        &format!("{DC_NAME}=127.0.0.1:0"),
        "--ldap-tls",
        "starttls",
        "--ca-file",
        &ca_text,
        "--bind",
        "ntlm",
        "--user",
        "EXAMPLE\\Administrator",
        "--password",
        SAMBA_ADMIN_PASSWORD,
        "--registrar-chain",
    ]);
    audit.push(pki.path("leaf.pem").display().to_string());
    audit.extend(strings(&["--registrar-name", POOL]));
    let out = adpki(&audit).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("would sign in"), "{out}");
    drop(samba);
}
