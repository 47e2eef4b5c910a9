//! `--bind ntlm` on the command lines of `phone-client` and `adpki`, against our DC as Windows
//! Server 2025 ships it: LDAP signing required, and channel binding enforced ("always"). The
//! ldap3 client's NTLM neither signs nor seals, so over plain LDAP the DC refuses it (the report
//! says to use TLS); over StartTLS and LDAPS it binds with the tls-server-end-point channel
//! binding the DC insists on; a wrong password gets AD's 52e.

use std::net::SocketAddr;

use e2e::phone_rig::*;
use e2e::*;
use ldap_server::{ChannelBinding, Server, SigningPolicy};

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

async fn adpki(args: &[String]) -> ToolOutput {
    run_tool(adpki_binary().to_str().expect("utf-8 path"), args).await
}

#[tokio::test]
async fn phone_and_adpki_bind_with_ntlm_over_tls_to_a_dc_that_requires_signing() {
    let pki = Pki::new();
    let (_registrar, registrar_port) = registrar(&pki).await;
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldaps_listen(loopback)
        .tls_name("127.0.0.1")
        .ldap_signing(SigningPolicy::Require)
        .channel_binding(ChannelBinding::Always)
        .ldif_text("alice.ldif", alice())
        .start()
        .await
        .expect("starts");
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("dc-ca.pem");
    std::fs::write(&ca, server.dc_ca_pem().expect("issued")).expect("write");
    let ca = ca.display().to_string();
    let plain = server.local_addr().to_string();
    let ldaps = server.ldaps_addr().expect("LDAPS").to_string();

    // The administrator publishes the phones' root with NTLM over StartTLS.
    let mut publish = strings(&["publish"]);
    publish.push(pki.path("root.pem").display().to_string());
    publish.extend(strings(&[
        "RootCA",
        "-f",
        "--url",
        &format!("ldap://{plain}"),
        "--ldap-tls",
        "starttls",
        "--ca-file",
        &ca,
        "--bind",
        "ntlm",
        "--user",
        "EXAMPLE\\Administrator",
        "--password",
        ADMIN_PASSWORD,
    ]));
    let out = adpki(&publish).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("published (created the object)"),
        "{out}"
    );

    let phone = |password: &str, tls: &[&str]| {
        let mut extra = strings(&["--bind", "ntlm"]);
        extra.extend(strings(tls));
        let password = password.to_string();
        async move { run_phone("EXAMPLE\\alice", &password, &[], registrar_port, &extra).await }
    };

    // Over plain LDAP: refused for the DC's policy, and the report says what to do.
    let (code, report, text) = phone(USER_PASSWORD, &["--dc", &plain]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["reason_code"], "signing_required", "{text}");
    let reason = report["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(phone_client::ldap::NTLM_WITHOUT_INTEGRITY),
        "{text}"
    );
    assert!(reason.contains("00002028"), "{text}");

    // Over StartTLS (by UPN) and LDAPS (down-level name): signed in, the root from the directory.
    for (user, tls) in [
        (
            "alice@example.test",
            ["--dc", &plain, "--ldap-tls", "starttls"],
        ),
        ("EXAMPLE\\alice", ["--dc", &ldaps, "--ldap-tls", "ldaps"]),
    ] {
        let mut extra = strings(&["--bind", "ntlm", "--ca-file", &ca]);
        extra.extend(strings(&tls));
        let (code, report, text) =
            run_phone(user, USER_PASSWORD, &[], registrar_port, &extra).await;
        assert_eq!(code, 0, "{user} {tls:?}: {text}");
        assert_eq!(report["path"], "directory", "{text}");
        assert!(
            text.contains(&format!("ntlm bind as {}", user.replace('\\', "\\\\"))),
            "{text}"
        );
    }

    // A wrong password: AD's 52e, explained.
    let (code, report, text) = phone(
        "Wrong-Password-1",
        &["--dc", &ldaps, "--ldap-tls", "ldaps", "--ca-file", &ca],
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["reason_code"], "bind_refused", "{text}");
    assert_eq!(report["data_code"], "52e", "{text}");

    // A DN is no NTLM name: said before anything is sent.
    let (code, report, text) = run_phone(
        "CN=alice,CN=Users,DC=example,DC=test",
        USER_PASSWORD,
        &[],
        registrar_port,
        &strings(&[
            "--bind",
            "ntlm",
            "--dc",
            &ldaps,
            "--ldap-tls",
            "ldaps",
            "--ca-file",
            &ca,
        ]),
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("NTLM signs in as DOMAIN\\user or user@domain"),
        "{text}"
    );

    // The audit with NTLM over LDAPS: the phone would sign in.
    let mut audit = strings(&[
        "audit",
        "--dc",
        &ldaps,
        "--ldap-tls",
        "ldaps",
        "--ca-file",
        &ca,
        "--bind",
        "ntlm",
        "--user",
        "EXAMPLE\\alice",
        "--password",
        USER_PASSWORD,
        "--registrar-chain",
    ]);
    audit.push(pki.path("leaf.pem").display().to_string());
    audit.extend(strings(&["--registrar-name", POOL]));
    let out = adpki(&audit).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("would sign in"), "{out}");
    server.shutdown().await;
}
