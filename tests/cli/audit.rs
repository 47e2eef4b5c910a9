//! `adpki audit` (the built binary) against our ldap-server on port 0, an LDIF export, and a live
//! registrar (`openssl s_server`): whether a phone would sign in, and the fix. The library level
//! (`phone_client::audit`) is tested in `in_process::audit`.

use e2e::*;

const POOL: &str = "pool.example.test";

/// A root and the registrar chain it issued (leaf, root), from the scenarios' PKI fixture.
fn pki(root_cn: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let pki = scenarios::pki::Pki::new(root_cn, POOL).expect("pki");
    (pki.root_der.clone(), vec![pki.leaf_der, pki.root_der])
}

/// PEM blocks of DER certificates, leaf first.
fn pem_chain(chain: &[Vec<u8>]) -> String {
    use base64::Engine as _;
    chain
        .iter()
        .map(|der| {
            let body = base64::engine::general_purpose::STANDARD.encode(der);
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .map(|line| std::str::from_utf8(line).unwrap_or(""))
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

async fn adpki_audit(server: &TestServer, chain_file: &std::path::Path) -> (i32, String) {
    let adpki = server_binary().with_file_name("adpki");
    assert!(
        adpki.is_file(),
        "build the binaries first: cargo build --workspace --bins"
    );
    let output = tokio::process::Command::new(adpki)
        .args([
            "audit",
            "--dc",
            &format!("127.0.0.1:{}", server.port()),
            "--user",
            "Administrator@example.test",
        ])
        .args([
            "--password",
            ADMIN_PASSWORD,
            "--registrar-name",
            POOL,
            "--registrar-chain",
        ])
        .arg(chain_file)
        .output()
        .await
        .expect("adpki runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn the_audit_command_says_whether_a_phone_would_sign_in() {
    let (root, chain) = pki("Audit Root CA");
    let dir = tempfile::tempdir().expect("tempdir");
    let chain_file = dir.path().join("pool-chain.pem");
    std::fs::write(&chain_file, pem_chain(&chain)).expect("write chain");

    let empty = start("").await;
    let (code, text) = adpki_audit(&empty, &chain_file).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Cannot validate server certificate") && text.contains("fix: adpki publish"),
        "{text}"
    );
    empty.stop().await;

    let published = start(&ca_ldif(
        "Audit Root CA",
        "Certification Authorities",
        &root,
    ))
    .await;
    let (code, text) = adpki_audit(&published, &chain_file).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("would sign in"), "{text}");
    assert!(text.contains("[Certification Authorities]"), "{text}");
    published.stop().await;
}

#[tokio::test]
async fn the_audit_command_reads_an_ldif_export_instead_of_a_live_dc() {
    let (root, chain) = pki("Audit Root CA");
    let dir = tempfile::tempdir().expect("tempdir");
    let chain_file = dir.path().join("pool-chain.pem");
    std::fs::write(&chain_file, pem_chain(&chain)).expect("write chain");
    // An export of a forest where the root was published, as `ldap-server export` writes it.
    let published = start(&ca_ldif(
        "Audit Root CA",
        "Certification Authorities",
        &root,
    ))
    .await;
    let export = dir.path().join("forest.ldif");
    std::fs::write(&export, published.server().export_ldif().await).expect("write export");
    published.stop().await;

    let adpki = server_binary().with_file_name("adpki");
    let output = tokio::process::Command::new(adpki)
        .args([
            "audit",
            "--domain",
            DOMAIN,
            "--registrar-name",
            POOL,
            "--registrar-chain",
        ])
        .arg(&chain_file)
        .arg("--ldif")
        .arg(&export)
        .output()
        .await
        .expect("adpki runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("would sign in"), "{stdout}");
    assert!(stdout.contains("CN=Audit Root CA"), "{stdout}");
}

#[tokio::test]
async fn the_audit_command_reads_the_chain_from_a_live_registrar() {
    // The registrar: `openssl s_server` presenting the pool's leaf from a "Live Root CA".
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = |label: &str, der: &[u8]| {
        use base64::Engine as _;
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        )
    };
    let live = scenarios::pki::Pki::new("Live Root CA", POOL).expect("pki");
    std::fs::write(
        dir.path().join("leaf.pem"),
        pem("CERTIFICATE", &live.leaf_der),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("leaf.key"),
        pem("PRIVATE KEY", &live.leaf_key_der),
    )
    .expect("write");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let _registrar = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
        ])
        .arg(dir.path().join("leaf.pem"))
        .arg("-key")
        .arg(dir.path().join("leaf.key"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl s_server");
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "s_server did not listen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The directory carries the live root: the phone would sign in.
    let server = start(&ca_ldif(
        "Live Root CA",
        "Certification Authorities",
        &live.root_der,
    ))
    .await;
    let adpki = server_binary().with_file_name("adpki");
    let output = tokio::process::Command::new(adpki)
        .args([
            "audit",
            "--dc",
            &format!("127.0.0.1:{}", server.port()),
            "--user",
            "Administrator@example.test",
        ])
        .args([
            "--password",
            ADMIN_PASSWORD,
            "--registrar",
            &format!("{POOL}:{port}"),
        ])
        .args(["--resolve", &format!("{POOL}=127.0.0.1:{port}")])
        .output()
        .await
        .expect("adpki runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("would sign in"), "{stdout}");
    server.stop().await;
}
