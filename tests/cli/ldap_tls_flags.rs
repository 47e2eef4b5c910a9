//! `--ldap-tls` and `--ca-file` on the command line of `phone-client` and `adpki`: what is refused
//! before anything is dialled (exit 2), and `adpki`'s `auto` against our directory, which does not
//! advertise StartTLS, staying on plain LDAP.

use e2e::phone::run_phone;
use e2e::*;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

async fn adpki(args: &[&str]) -> ToolOutput {
    run_tool(adpki_binary().to_str().expect("utf-8 path"), &strings(args)).await
}

const PHONE: &[&str] = &[
    "--user",
    "alice@example.test",
    "--password",
    "x",
    "--registrar",
    "127.0.0.1:9",
    "--dc",
    "127.0.0.1:9",
];

#[tokio::test]
async fn phone_client_refuses_tls_without_roots_and_garbage_roots() {
    let mut args = strings(PHONE);
    args.extend(strings(&["--ldap-tls", "starttls"]));
    let run = run_phone(&args).await;
    assert_eq!(run.code, 2, "{}", run.text);
    assert!(
        run.text.contains(
            "LDAP over starttls (--ldap-tls or the profile's ldap_transport) needs --ca-file FILE"
        ),
        "{}",
        run.text
    );

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("ca.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let mut args = strings(PHONE);
    args.extend(strings(&["--ldap-tls", "ldaps", "--ca-file"]));
    args.push(garbage.display().to_string());
    let run = run_phone(&args).await;
    assert_eq!(run.code, 2, "{}", run.text);
    assert!(
        run.text
            .contains(&format!("--ca-file {}: ", garbage.display())),
        "{}",
        run.text
    );

    // A profile asking for TLS needs the roots too.
    let profile = dir.path().join("tls.toml");
    std::fs::write(&profile, "name = \"tls\"\nldap_transport = \"ldaps\"\n").unwrap();
    let mut args = strings(PHONE);
    args.extend(["--profile".to_string(), profile.display().to_string()]);
    let run = run_phone(&args).await;
    assert_eq!(run.code, 2, "{}", run.text);
    assert!(run.text.contains("LDAP over ldaps"), "{}", run.text);
}

#[tokio::test]
async fn adpki_refuses_tls_without_roots_and_contradicting_flags() {
    let out = adpki(&[
        "audit",
        "--dc",
        "127.0.0.1:9",
        "--user",
        "a",
        "--ldap-tls",
        "ldaps",
    ])
    .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr.contains("--ldap-tls ldaps needs --ca-file FILE"),
        "{out}"
    );
    let out = adpki(&[
        "publish",
        "/nonexistent.pem",
        "RootCA",
        "--url",
        "ldaps://127.0.0.1:9",
        "--ldap-tls",
        "none",
    ])
    .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("--url ldaps://127.0.0.1:9 is LDAPS, but --ldap-tls says none"),
        "{out}"
    );
}

#[tokio::test]
async fn adpki_auto_stays_on_plain_ldap_when_the_dc_offers_no_starttls() {
    let server = start_with(
        &standard_ldif().ldif,
        Options {
            no_dc_certificate: true,
            ..Options::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let unused_roots = dir.path().join("ca.pem");
    // DER is read too.
    std::fs::write(&unused_roots, make_ca_cert("Unused Root")).unwrap();
    let dc = format!("127.0.0.1:{}", server.port());
    let out = adpki(&[
        "audit",
        "--dc",
        &dc,
        "--user",
        "Administrator@example.test",
        "--password",
        ADMIN_PASSWORD,
        "--ca-file",
        unused_roots.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.code, 0, "{out}");
    server.stop().await;
}

#[tokio::test]
async fn adpki_auto_uses_starttls_when_our_dc_offers_it_and_checks_its_certificate() {
    let server = start(&standard_ldif().ldif).await;
    let dir = tempfile::tempdir().unwrap();
    let dc_ca = dir.path().join("dc-ca.pem");
    std::fs::write(
        &dc_ca,
        server.server().dc_ca_pem().expect("issued at start"),
    )
    .unwrap();
    let wrong = dir.path().join("wrong.pem");
    std::fs::write(&wrong, make_ca_cert("Unused Root")).unwrap();
    let port = server.port();
    let audit = |dc: String, ca: std::path::PathBuf| async move {
        let resolve = format!("dc1.example.test=127.0.0.1:{port}");
        adpki(&[
            "audit",
            "--dc",
            &dc,
            "--resolve",
            &resolve,
            "--user",
            "Administrator@example.test",
            "--password",
            ADMIN_PASSWORD,
            "--ca-file",
            ca.to_str().unwrap(),
        ])
        .await
    };
    // The DC's issued certificate names dc1.example.test: by that name, with its CA, StartTLS.
    let by_name = format!("dc1.example.test:{port}");
    let out = audit(by_name.clone(), dc_ca.clone()).await;
    assert_eq!(out.code, 0, "{out}");
    // By address the name check fails, and says so.
    let out = audit(format!("127.0.0.1:{port}"), dc_ca).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("127.0.0.1"), "{out}");
    // With roots that did not issue it, the failure names the unknown issuer.
    let out = audit(by_name, wrong).await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("unknown issuer"), "{out}");
    server.stop().await;
}
