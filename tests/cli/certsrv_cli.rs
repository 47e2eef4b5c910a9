//! The `ldap-server serve` command line serving certsrv from CA files, and naming a bad CA file.

use std::net::SocketAddr;
use std::path::Path;

use e2e::web_enrollment::*;
use e2e::*;

/// `ldap-server serve … <extra>` and the address from its `# Web Enrollment on http://…` line.
async fn spawn_cli(extra: &[&str]) -> (tokio::process::Child, SocketAddr) {
    let (child, lines) = serve_with_banner(extra).await;
    let rest = printed(&lines, "# Web Enrollment on http://");
    let addr: SocketAddr = rest
        .split('/')
        .next()
        .unwrap_or_default()
        .parse()
        .expect("IP:PORT");
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    (child, addr)
}

#[tokio::test]
async fn cli_serves_certsrv_from_ca_files() {
    let generations = two_generations();
    let dir = tempfile::tempdir().expect("tempdir");
    let renewal0 = write_file(dir.path(), "renewal0.pem", &generations[0].pem());
    let renewal1 = dir.path().join("renewal1.cer");
    std::fs::write(&renewal1, &generations[1].issuing).expect("write DER");
    let (mut child, http) = spawn_cli(&[
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-ca",
        path_str(&renewal0),
        "--certsrv-ca",
        path_str(&renewal1),
    ])
    .await;

    assert!(get(http, "/certsrv/certcarc.asp", &[])
        .await
        .text()
        .contains("var nRenewals=1;"));
    let original = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    let (subjects, certificates) = print_certs(&original.body);
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(certificates, generations[0].all());
    let current = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(
        print_certs(&unarmour(&current.body)).1,
        [generations[1].issuing.clone()],
        "a DER file is one certificate without a chain"
    );

    let pid = child.id().expect("running").to_string();
    let killed = run_tool("kill", &["-TERM".to_string(), pid]).await;
    assert_eq!(killed.code, 0, "{killed}");
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exit in time")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn cli_names_a_bad_ca_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write_file(dir.path(), "not-a-ca.pem", "hello, I am no certificate\n");
    let out = run_server_cli(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-ca",
        path_str(&bad),
    ])
    .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not-a-ca.pem"), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");

    let out = run_server_cli(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-behaviour",
        "sometimes",
    ])
    .await;
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("sometimes"), "{out}");
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}
