//! The DC's TLS through clients nobody here wrote: OpenLDAP's `ldapsearch -ZZ` and `-H ldaps://`
//! (trusting the DC's CA through `LDAPTLS_CACERT`), `openssl s_client -starttls ldap`, and
//! python's ldap3 with TLS; the signing refusal and the cert-less DC as `ldapsearch` reports them.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use e2e::*;
use ldap_server::{DcCertificate, RunningServer, Server, SigningPolicy};

async fn dc(certificate: DcCertificate, signing: SigningPolicy) -> RunningServer {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    tokio::time::timeout(
        WAIT,
        Server::builder(DOMAIN)
            .admin_password(ADMIN_PASSWORD)
            .listen(loopback)
            .ldaps_listen(loopback)
            .dc_certificate(certificate)
            .tls_name("127.0.0.1")
            .ldap_signing(signing)
            .start(),
    )
    .await
    .expect("start timed out")
    .expect("starts")
}

fn write_ca(server: &RunningServer, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("dc-ca.pem");
    std::fs::write(&path, server.dc_ca_pem().expect("issued at start")).expect("write CA");
    path
}

const ADMIN: &str = "Administrator@example.test";

#[tokio::test]
async fn ldapsearch_reads_the_directory_over_starttls_and_ldaps() {
    let server = dc(DcCertificate::Issued, SigningPolicy::Require).await;
    let dir = tempfile::tempdir().expect("dir");
    let ca = write_ca(&server, dir.path());
    let plain_url = format!("ldap://{}", server.local_addr());
    let ldaps_url = format!("ldaps://{}", server.ldaps_addr().expect("LDAPS"));
    for (url, starttls) in [(&plain_url, true), (&ldaps_url, false)] {
        let mut args = vec!["-x", "-H", url.as_str()];
        if starttls {
            args.push("-ZZ");
        }
        args.extend([
            "-D",
            ADMIN,
            "-w",
            ADMIN_PASSWORD,
            "-b",
            BASE_DN,
            "-s",
            "base",
            "(objectClass=*)",
            "distinguishedName",
        ]);
        let out = ldapsearch_trusting(Some(&ca), &args).await;
        assert_exit(&out, 0);
        assert!(
            out.stdout
                .contains(&format!("distinguishedName: {BASE_DN}")),
            "{url}: {out}"
        );
    }
    // Without the CA ldapsearch refuses the certificate (the client checks, not us).
    let out = ldapsearch_trusting(
        None,
        &[
            "-x",
            "-H",
            &ldaps_url,
            "-b",
            "",
            "-s",
            "base",
            "(objectClass=*)",
        ],
    )
    .await;
    assert_ne!(out.code, 0, "{out}");
    server.shutdown().await;
}

#[tokio::test]
async fn ldapsearch_shows_ads_signing_refusal_and_the_certless_dcs_52() {
    let signing = dc(DcCertificate::Issued, SigningPolicy::Require).await;
    let out = ldapsearch(
        signing.local_addr(),
        &[
            "-D",
            ADMIN,
            "-w",
            ADMIN_PASSWORD,
            "-b",
            "",
            "-s",
            "base",
            "(objectClass=*)",
        ],
    )
    .await;
    assert_exit(&out, 8);
    assert!(
        out.stderr
            .contains("Strong(er) authentication required (8)"),
        "{out}"
    );
    assert!(
        out.stderr.contains("00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection"),
        "{out}"
    );
    signing.shutdown().await;

    let certless = dc(DcCertificate::Absent, SigningPolicy::None).await;
    let url = format!("ldap://{}", certless.local_addr());
    let out = ldapsearch_trusting(
        None,
        &[
            "-x",
            "-H",
            &url,
            "-ZZ",
            "-b",
            "",
            "-s",
            "base",
            "(objectClass=*)",
        ],
    )
    .await;
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("unavailable (52)"), "{out}");
    assert!(
        out.stderr
            .contains("00000000: LdapErr: DSID-0C09102C, comment: Error initializing SSL/TLS"),
        "{out}"
    );
    certless.shutdown().await;
}

#[tokio::test]
async fn openssl_s_client_verifies_the_dcs_chain_after_starttls_with_tls_1_2_and_1_3() {
    let server = dc(DcCertificate::Issued, SigningPolicy::None).await;
    let dir = tempfile::tempdir().expect("dir");
    let ca = write_ca(&server, dir.path());
    let connect = server.local_addr().to_string();
    for (version, protocol) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
        let mut child = tokio::process::Command::new("openssl")
            .args([
                "s_client",
                version,
                "-starttls",
                "ldap",
                "-connect",
                &connect,
                "-CAfile",
                ca.to_str().expect("path"),
                "-verify_ip",
                "127.0.0.1",
                "-verify_return_error",
                "-showcerts",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("openssl");
        // Closing stdin ends the session after the handshake.
        drop(child.stdin.take());
        let out = tokio::time::timeout(WAIT, child.wait_with_output())
            .await
            .expect("openssl finished in time")
            .expect("wait");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.contains("Verify return code: 0 (ok)"),
            "{version}: {stdout}\n{stderr}"
        );
        assert!(stdout.contains(protocol), "{version}: {stdout}");
        assert!(
            stdout.contains("CN=dc1.example.test") || stdout.contains("CN = dc1.example.test"),
            "{stdout}"
        );
        assert!(stdout.contains("example-DC1-CA"), "{stdout}");
    }
    server.shutdown().await;
}

const PYTHON_TLS: &str = r#"
import ssl, sys, ldap3
host, port, ldaps_port, ca, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca)
starttls = ldap3.Connection(ldap3.Server(host, port=port, tls=tls), user="Administrator@example.test", password=password)
starttls.open(); starttls.start_tls(); assert starttls.bind(), starttls.result
print("starttls", starttls.extend.standard.who_am_i())
ldaps = ldap3.Connection(ldap3.Server(host, port=ldaps_port, use_ssl=True, tls=tls), user="Administrator@example.test", password=password, auto_bind=True)
print("ldaps", ldaps.extend.standard.who_am_i())
"#;

#[tokio::test]
async fn python_ldap3_binds_over_starttls_and_ldaps() {
    let server = dc(DcCertificate::Issued, SigningPolicy::Require).await;
    let dir = tempfile::tempdir().expect("dir");
    let ca = write_ca(&server, dir.path());
    let out = run_python(
        PYTHON_TLS,
        &[
            "127.0.0.1".into(),
            server.local_addr().port().to_string(),
            server.ldaps_addr().expect("LDAPS").port().to_string(),
            ca.to_str().expect("path").into(),
            ADMIN_PASSWORD.into(),
        ],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("starttls u:EXAMPLE\\Administrator"),
        "{out}"
    );
    assert!(
        out.stdout.contains("ldaps u:EXAMPLE\\Administrator"),
        "{out}"
    );
    server.shutdown().await;
}
