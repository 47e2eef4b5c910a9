//! Samba's own LDAP client (`ldbsearch` from Debian's ldb-tools) against our DC: it always binds
//! with SASL GSS-SPNEGO (NTLMSSP with a MIC, SPNEGO mechListMICs) and seals every later message,
//! so this passes only if the logon, the mechListMIC answer and the security layer are all
//! right. The DC requires signing, as Windows Server 2025's new forests do.

use std::net::SocketAddr;

use e2e::*;
use ldap_server::Server;

async fn ldbsearch(port: u16, credentials: &str) -> ToolOutput {
    let home = tempfile::tempdir().expect("home");
    let args: Vec<String> = [
        "--configfile=/dev/null",
        "-H",
        &format!("ldap://127.0.0.1:{port}"),
        // Kerberos would look the realm's KDC up through the machine's resolver.
        "--use-kerberos=disabled",
        "-U",
        credentials,
        "-b",
        "DC=example,DC=test",
        "(|(sAMAccountName=alice)(sAMAccountName=bob))",
        "sAMAccountName",
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    let mut command = tokio::process::Command::new("ldbsearch");
    command.env("HOME", home.path());
    run_command(command, "ldbsearch", &args).await
}

#[tokio::test]
async fn samba_ldbsearch_seals_its_session_and_a_wrong_password_gets_52e() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldap_signing(ldap_server::SigningPolicy::Require)
        .ldif_text("alice.ldif", user_ldif("alice", "Secret-1", &[]))
        .ldif_text("bob.ldif", user_ldif("bob", "Secret-2", &[]))
        .start()
        .await
        .expect("starts");
    let port = server.local_addr().port();
    let out = ldbsearch(port, "EXAMPLE\\alice%Secret-1").await;
    assert_exit(&out, 0);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("sAMAccountName: "))
        .collect();
    assert_eq!(names.len(), 2, "{out}");
    assert!(names.contains(&"alice") && names.contains(&"bob"), "{out}");
    assert!(out.stdout.contains("# 2 entries"), "{out}");

    let wrong = ldbsearch(port, "EXAMPLE\\alice%Wrong-1").await;
    assert_ne!(wrong.code, 0, "{wrong}");
    let said = format!("{}{}", wrong.stdout, wrong.stderr);
    assert!(
        said.contains("LDAP error 49") && said.contains("AcceptSecurityContext error, data 52e"),
        "{wrong}"
    );
    server.shutdown().await;
}
