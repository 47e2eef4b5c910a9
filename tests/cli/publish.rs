//! `adpki publish` (the `certutil -dspublish` equivalent) end to end: the built binary against our
//! server in-process on 127.0.0.1:0, checked with OpenLDAP's `ldapsearch`. Publishing into a
//! private OpenLDAP slapd with `--profile rfc` is `peers::publish_openldap`.

use std::path::{Path, PathBuf};

use e2e::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
};

/// `target/<profile>/adpki`, built by `cargo build --workspace --bins`.
fn adpki_binary() -> PathBuf {
    let bin = server_binary().with_file_name("adpki");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first with `cargo build --workspace --bins`",
        bin.display()
    );
    bin
}

/// Runs `adpki publish <args>`.
async fn adpki(args: &[&str]) -> ToolOutput {
    let mut all = vec!["publish".to_string()];
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool(adpki_binary().to_str().expect("utf-8 path"), &all).await
}

/// `adpki publish FILE TYPE --url <server> --user Administrator@example.test --password … <extra>`.
async fn publish_as_admin(
    server: &TestServer,
    file: &Path,
    kind: &str,
    extra: &[&str],
) -> ToolOutput {
    let url = server.url();
    let mut args = vec![
        file.to_str().expect("utf-8 path"),
        kind,
        "--url",
        &url,
        "--user",
        "Administrator@example.test",
        "--password",
        ADMIN_PASSWORD,
    ];
    args.extend_from_slice(extra);
    adpki(&args).await
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

fn output_text(out: &ToolOutput) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

/// Values of `attribute` on `dn`, read back with ldapsearch as the administrator.
async fn read_values(server: &TestServer, dn: &str, attribute: &str) -> Vec<Vec<u8>> {
    let out = server
        .ldapsearch_admin(&["-b", dn, "-s", "base", "(objectClass=*)", attribute])
        .await;
    assert_eq!(out.code, 0, "ldapsearch {dn}: {out}");
    let ldif = out.ldif();
    let entry = ldif.find(dn).unwrap_or_else(|| panic!("{dn} not in {out}"));
    entry.get(attribute)
}

async fn exists(server: &TestServer, dn: &str) -> bool {
    let out = server
        .ldapsearch_admin(&["-b", dn, "-s", "base", "(objectClass=*)", "1.1"])
        .await;
    match out.code {
        0 => true,
        32 => false,
        _ => panic!("ldapsearch {dn}: {out}"),
    }
}

fn sorted(mut values: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    values.sort();
    values
}

/// A CA certificate `cn` and its issuer handle (for signing CRLs).
fn ca_with_issuer(cn: &str) -> (Vec<u8>, String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-signed");
    (cert.der().to_vec(), cert.pem(), Issuer::new(params, key))
}

fn crl(issuer: &Issuer<'static, KeyPair>, number: u64) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2025, 1, 1),
        next_update: rcgen::date_time_ymd(2035, 1, 1),
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(number + 100),
            revocation_time: rcgen::date_time_ymd(2025, 1, 1),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(issuer)
    .expect("CRL")
    .der()
    .to_vec()
}

#[tokio::test]
async fn root_ca_needs_f_then_creates_the_object_then_refuses_a_duplicate() {
    let server = start("").await;
    let der = make_ca_cert("Example Publish Root CA");
    let file = write_bytes(server.dir.path(), "root.cer", &der);
    let dn = ca_dn("Example Publish Root CA", "Certification Authorities");

    // Without -f: refused, and the message says -f creates it.
    let out = publish_as_admin(&server, &file, "RootCA", &[]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains("-f"), "{out}");
    assert!(output_text(&out).contains(&dn), "{out}");
    assert!(!exists(&server, &dn).await);

    // With -f, through a --resolve name (never the system resolver): created.
    let url = format!("ldap://dc1.example.test:{}", server.port());
    let resolve = format!("dc1.example.test={}", server.addr);
    let out = adpki(&[
        file.to_str().unwrap(),
        "rootca",
        "--url",
        &url,
        "--resolve",
        &resolve,
        "--user",
        "EXAMPLE\\Administrator",
        "--password",
        ADMIN_PASSWORD,
        "-f",
    ])
    .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("created"), "{out}");
    assert!(out.stdout.contains(&dn), "{out}");
    let sha1 = {
        use sha1::{Digest, Sha1};
        Sha1::digest(&der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    };
    assert!(out.stdout.contains(&sha1), "thumbprint missing: {out}");
    assert!(out.stdout.contains("CN=Example Publish Root CA"), "{out}");
    assert_eq!(
        read_values(&server, &dn, "cACertificate").await,
        vec![der.clone()]
    );
    assert_eq!(
        read_values(&server, &dn, "certificateRevocationList").await,
        vec![vec![0u8]]
    );
    assert_eq!(
        read_values(&server, &dn, "authorityRevocationList").await,
        vec![vec![0u8]]
    );

    // The same certificate again: refused by the tool, not by the server.
    let out = publish_as_admin(&server, &file, "RootCA", &["-f"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains("already published"), "{out}");
    assert!(output_text(&out).contains(&dn), "{out}");
    assert!(!output_text(&out).contains("LDAP 20"), "{out}");
    assert_eq!(read_values(&server, &dn, "cACertificate").await, vec![der]);
    server.stop().await;
}

#[tokio::test]
async fn ntauth_is_created_then_appended_to() {
    let server = start("").await;
    let (first, _, _) = ca_with_issuer("Example NTAuth One");
    let (second, second_pem, _) = ca_with_issuer("Example NTAuth Two");
    let first_file = write_bytes(server.dir.path(), "one.cer", &first);
    // The second as PEM.
    let second_file = write_bytes(server.dir.path(), "two.pem", second_pem.as_bytes());
    let dn = format!("CN=NTAuthCertificates,{PKS_DN}");
    assert!(!exists(&server, &dn).await);

    let out = publish_as_admin(
        &server,
        &first_file,
        "NTAuthCA",
        &["-f", "--format", "json"],
    )
    .await;
    assert_eq!(out.code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("JSON report");
    assert_eq!(report["status"], "published", "{report}");
    assert_eq!(report["action"], "created", "{report}");
    assert_eq!(report["dn"], dn.as_str(), "{report}");
    assert_eq!(report["attribute"], "cACertificate", "{report}");
    assert_eq!(
        read_values(&server, &dn, "cACertificate").await,
        vec![first.clone()]
    );

    let out = publish_as_admin(&server, &second_file, "ntauthca", &[]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("appended"), "{out}");
    assert_eq!(
        sorted(read_values(&server, &dn, "cACertificate").await),
        sorted(vec![first, second])
    );
    server.stop().await;
}

#[tokio::test]
async fn sub_ca_goes_to_aia() {
    let server = start("").await;
    let der = make_ca_cert("Example Publish Issuing CA");
    let file = write_bytes(server.dir.path(), "issuing.cer", &der);
    let dn = ca_dn("Example Publish Issuing CA", "AIA");
    let out = publish_as_admin(&server, &file, "SubCA", &["-f"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(read_values(&server, &dn, "cACertificate").await, vec![der]);
    let classes = read_values(&server, &dn, "objectClass").await;
    assert!(
        classes.iter().any(|c| c == b"certificationAuthority"),
        "{classes:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn crl_goes_to_a_cdp_container_and_is_replaced() {
    let server = start("").await;
    let (_, _, issuer) = ca_with_issuer("Example CRL CA");
    let first = crl(&issuer, 1);
    let second = crl(&issuer, 2);
    let first_file = write_bytes(server.dir.path(), "one.crl", &first);
    let second_file = write_bytes(server.dir.path(), "two.crl", &second);
    let container = format!("CN=ca1,CN=CDP,{PKS_DN}");
    let dn = format!("CN=Example CRL CA,{container}");

    // Without -f the missing container is named.
    let out = publish_as_admin(&server, &first_file, "crl", &["--cdp-container", "ca1"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains(&container), "{out}");
    assert!(output_text(&out).contains("-f"), "{out}");

    let out = publish_as_admin(
        &server,
        &first_file,
        "crl",
        &["--cdp-container", "ca1", "-f"],
    )
    .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains(&container), "{out}");
    let container_classes = read_values(&server, &container, "objectClass").await;
    assert!(
        container_classes.iter().any(|c| c == b"container"),
        "{container_classes:?}"
    );
    assert_eq!(
        read_values(&server, &dn, "certificateRevocationList").await,
        vec![first.clone()]
    );

    // A newer CRL replaces the single value; the type may be left out for a CRL file.
    let out = adpki(&[
        second_file.to_str().unwrap(),
        "--host",
        "127.0.0.1",
        "--port",
        &server.port().to_string(),
        "--user",
        "Administrator@example.test",
        "--password",
        ADMIN_PASSWORD,
        "--cdp-container",
        "ca1",
    ])
    .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("replaced"), "{out}");
    assert_eq!(
        read_values(&server, &dn, "certificateRevocationList").await,
        vec![second]
    );

    // The same CRL again is refused.
    let out = publish_as_admin(&server, &second_file, "CRL", &["--cdp-container", "ca1"]).await;
    assert_eq!(out.code, 1, "{out}");
    assert!(output_text(&out).contains("already published"), "{out}");
    server.stop().await;
}

#[tokio::test]
async fn dry_run_prints_ldif_and_changes_nothing() {
    let server = start("").await;
    let der = make_ca_cert("Example Dry Run CA");
    let file = write_bytes(server.dir.path(), "root.cer", &der);
    let dn = ca_dn("Example Dry Run CA", "Certification Authorities");
    let out = publish_as_admin(&server, &file, "RootCA", &["-f", "--dry-run"]).await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains(&format!("dn: {dn}\nchangetype: add\n")),
        "{out}"
    );
    assert!(
        out.stdout
            .contains(&format!("cACertificate:: {}\n", b64(&der))),
        "{out}"
    );
    assert!(
        out.stdout.contains("certificateRevocationList:: AA==\n"),
        "{out}"
    );
    assert!(!exists(&server, &dn).await, "a dry run must not write");

    // The printed LDIF is what ldapmodify would apply: apply it and compare with a real publish.
    let ldif_path = write_file(server.dir.path(), "dry.ldif", &out.stdout);
    let url = server.url();
    let applied = run_tool(
        "/usr/bin/ldapmodify",
        &[
            "-x".into(),
            "-H".into(),
            url,
            "-D".into(),
            ADMIN_DN.into(),
            "-w".into(),
            ADMIN_PASSWORD.into(),
            "-f".into(),
            ldif_path.display().to_string(),
        ],
    )
    .await;
    assert_eq!(applied.code, 0, "ldapmodify of the dry-run LDIF: {applied}");
    assert_eq!(read_values(&server, &dn, "cACertificate").await, vec![der]);
    server.stop().await;
}

#[tokio::test]
async fn a_non_admin_gets_insufficient_access() {
    let server = start(&user_ldif("carol", USER_PASSWORD, &[])).await;
    let der = make_ca_cert("Example Carol CA");
    let file = write_bytes(server.dir.path(), "root.cer", &der);
    let url = server.url();
    let out = adpki(&[
        file.to_str().unwrap(),
        "RootCA",
        "--url",
        &url,
        "--user",
        "carol@example.test",
        "--password",
        USER_PASSWORD,
        "-f",
    ])
    .await;
    assert_eq!(out.code, 1, "{out}");
    let text = output_text(&out);
    assert!(text.contains("00002098"), "{out}");
    assert!(text.contains("LDAP 50"), "{out}");
    assert!(
        !exists(
            &server,
            &ca_dn("Example Carol CA", "Certification Authorities")
        )
        .await
    );
    server.stop().await;
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_bytes(dir.path(), "root.cer", &make_ca_cert("Example Usage CA"));
    let path = file.to_str().unwrap();
    for args in [
        vec![path, "User", "--url", "ldap://127.0.0.1:1"],
        vec![path, "RootCA"],
        vec![path, "RootCA", "--url", "ldap://dc1.example.test"],
        vec![
            path,
            "RootCA",
            "--url",
            "ldap://127.0.0.1:1",
            "--profile",
            "rfc",
        ],
    ] {
        let out = adpki(&args).await;
        assert_eq!(out.code, 2, "{args:?}: {out}");
    }
    let garbage = write_file(dir.path(), "garbage.txt", "not a certificate");
    let out = adpki(&[
        garbage.to_str().unwrap(),
        "RootCA",
        "--url",
        "ldap://127.0.0.1:1",
    ])
    .await;
    assert_eq!(out.code, 2, "{out}");
}
