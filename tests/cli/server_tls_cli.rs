//! `ldap-server serve` with TLS flags: the issued certificate and `--tls-ca-out`, a certificate
//! from files, and a DC without one; `ldapsearch` over LDAPS and StartTLS judges the result.

use std::process::Stdio;

use e2e::*;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `ldap-server serve … <extra>`: the child and every stdout line up to the `# domain` line.
async fn serve(extra: &[&str]) -> (tokio::process::Child, Vec<String>) {
    let mut child = tokio::process::Command::new(server_binary())
        .args([
            "serve",
            "--domain",
            DOMAIN,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn ldap-server serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("ldap-server printed its banner in time")
            .expect("read stdout")
            .unwrap_or_else(|| panic!("ldap-server ended early; printed {seen:?}"));
        let done = line.starts_with("# domain ");
        seen.push(line);
        if done {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, seen)
}

/// The value after `prefix` in the printed lines.
fn printed<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
}

/// `ldapsearch` trusting `ca` (LDAPTLS_CACERT; LDAPNOINIT would ignore it).
async fn ldapsearch_with_ca(ca: &std::path::Path, args: &[&str]) -> ToolOutput {
    let child = tokio::process::Command::new("ldapsearch")
        .args(["-x", "-LLL", "-o", "nettimeout=10"])
        .args(args)
        .env_remove("LDAPNOINIT")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null")
        .env("LDAPTLS_REQCERT", "demand")
        .env("LDAPTLS_CACERT", ca)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("ldapsearch (apt-get install ldap-utils)");
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("ldapsearch finished in time")
        .expect("wait");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const ROOT_DSE: [&str; 4] = ["-b", "", "-s", "base"];

#[tokio::test]
async fn the_issued_certificate_and_its_ca_file_serve_ldaps_and_starttls() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("dc-ca.pem");
    let (_child, lines) = serve(&[
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
    for args in [vec!["-H", ldaps], vec!["-H", plain.as_str(), "-ZZ"]] {
        let mut all = args.clone();
        all.extend(["-D", "EXAMPLE\\Administrator", "-w", ADMIN_PASSWORD]);
        all.extend(ROOT_DSE);
        all.extend(["(objectClass=*)", "supportedExtension"]);
        let out = ldapsearch_with_ca(&ca, &all).await;
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
    let (_child, lines) = serve(&[
        "--ldaps-listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().expect("path"),
        "--tls-key",
        key.to_str().expect("path"),
    ])
    .await;
    let ldaps = printed(&lines, "# LDAPS on ");
    let mut args = vec!["-H", ldaps];
    args.extend(ROOT_DSE);
    args.push("(objectClass=*)");
    let out = ldapsearch_with_ca(&ca, &args).await;
    assert_exit(&out, 0);

    let (_certless, lines) = serve(&["--no-tls-certificate"]).await;
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("# no DC certificate: StartTLS answers 52")),
        "{lines:?}"
    );
    let plain = format!("ldap://{}", lines[0]);
    let mut args = vec!["-H", plain.as_str(), "-ZZ"];
    args.extend(ROOT_DSE);
    args.push("(objectClass=*)");
    let out = ldapsearch_with_ca(&ca, &args).await;
    assert!(out.stderr.contains("(52)"), "{out}");
}
