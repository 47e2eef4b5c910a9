use super::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A CA and a server certificate it issued for `names` (DNS names or IP literals).
struct Fixture {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn fixture(ca_name: &str, names: &[&str]) -> Fixture {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "DC1.example.test");
    for name in names {
        params.subject_alt_names.push(match name.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName((*name).try_into().unwrap()),
        });
    }
    let leaf = params.signed_by(&key, &issuer).unwrap();
    Fixture {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    }
}

/// A TLS listener on 127.0.0.1:0 that completes handshakes and then holds the connection.
async fn tls_server(fixture: &Fixture) -> SocketAddr {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(fixture.chain.clone(), fixture.key.clone_key())
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(stream) = acceptor.accept(tcp).await {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    drop(stream);
                }
            });
        }
    });
    address
}

/// The error of a connection that must fail.
async fn refused(target: &LdapTarget, timeout: Duration) -> Error {
    match connect(target, timeout).await {
        Ok(_) => panic!("connected to {target:?}"),
        Err(error) => error,
    }
}

fn ldaps(address: SocketAddr, name: &str, ca_pem: &str) -> LdapTarget {
    LdapTarget {
        address,
        name: name.into(),
        transport: LdapTransport::Ldaps,
        trust: Some(DcTrust::from_bytes(ca_pem.as_bytes(), "ca.pem").unwrap()),
    }
}

#[test]
fn garbage_and_empty_ca_files_are_usage_errors_naming_the_file() {
    for bytes in [
        &b"this is not a certificate"[..],
        b"",
        b"\x30\x03\x02\x01\x01",
    ] {
        let error = DcTrust::from_bytes(bytes, "roots.pem").unwrap_err();
        assert_eq!(error.code(), ReasonCode::Usage, "{error}");
        assert!(error.text().starts_with("--ca-file roots.pem: "), "{error}");
        assert!(
            error.text().contains("CA that issued the DC's certificate"),
            "{error}"
        );
    }
    let missing = DcTrust::from_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
    assert!(missing.text().contains("cannot read it"), "{missing}");
}

#[test]
fn a_pem_ca_file_gives_exactly_its_roots() {
    let lab = fixture("Lab Root", &["dc1.example.test"]);
    let two = format!("{}{}", lab.ca_pem, fixture("Other Root", &[]).ca_pem);
    let trust = DcTrust::from_bytes(two.as_bytes(), "ca.pem").unwrap();
    assert_eq!(trust.subjects(), ["CN=Lab Root", "CN=Other Root"]);
    assert_eq!(trust.source(), "ca.pem");
}

#[test]
fn subject_alt_names_list_dns_names_and_addresses() {
    let fixture = fixture("Lab Root", &["dc1.example.test", "127.0.0.1"]);
    assert_eq!(
        subject_alt_names(&fixture.chain[0]),
        ["DNS:dc1.example.test", "IP:127.0.0.1"]
    );
    assert!(subject_alt_names(b"junk").is_empty());
}

#[tokio::test]
async fn ldaps_validates_the_name_and_the_roots() {
    let good = fixture("Lab Root", &["dc1.example.test", "127.0.0.1"]);
    let address = tls_server(&good).await;
    let timeout = Duration::from_secs(5);
    // The name as given, and the IP literal, both match.
    for name in ["dc1.example.test", "127.0.0.1"] {
        assert!(
            connect(&ldaps(address, name, &good.ca_pem), timeout)
                .await
                .is_ok(),
            "{name}"
        );
    }
    // Another name: the certificate's SANs are listed.
    let error = refused(&ldaps(address, "dc2.example.test", &good.ca_pem), timeout).await;
    assert_eq!(error.code(), ReasonCode::DcCertificate, "{error}");
    let text = error.text();
    assert!(
        text.starts_with("TLS to the DC dc2.example.test (127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains(
            "is not valid for dc2.example.test (it names: DNS:dc1.example.test, IP:127.0.0.1)"
        ),
        "{text}"
    );
    assert!(text.contains("rustls: invalid peer certificate"), "{text}");
    // Other roots: unknown issuer, naming the issuer and the file's roots.
    let other = fixture("Other Root", &[]);
    let error = refused(&ldaps(address, "dc1.example.test", &other.ca_pem), timeout).await;
    assert_eq!(error.code(), ReasonCode::DcCertificate, "{error}");
    assert!(
        error.text().contains("(issuer \"CN=Lab Root\") does not chain to a root in ca.pem (unknown issuer; the roots there: CN=Other Root)"),
        "{error}"
    );
}

#[tokio::test]
async fn a_certificate_without_subject_alt_name_is_explained() {
    let cn_only = fixture("Samba-like CA", &[]);
    let address = tls_server(&cn_only).await;
    let error = refused(
        &ldaps(address, "DC1.example.test", &cn_only.ca_pem),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(error.code(), ReasonCode::DcCertificate, "{error}");
    assert!(
        error
            .text()
            .contains("it has no subjectAltName, only the subject's CN"),
        "{error}"
    );
}

#[tokio::test]
async fn a_dc_that_drops_the_handshake_or_stalls_is_dc_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // The first connection is closed at once, the second is held without a word.
        let (first, _) = listener.accept().await.unwrap();
        drop(first);
        let (_second, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let pem = fixture("Lab Root", &[]).ca_pem;
    let dropped = refused(&ldaps(address, "127.0.0.1", &pem), Duration::from_secs(5)).await;
    assert_eq!(dropped.code(), ReasonCode::DcTls, "{dropped}");
    assert!(
        dropped
            .text()
            .contains("closed the connection during the TLS handshake"),
        "{dropped}"
    );
    let stalled = refused(
        &ldaps(address, "127.0.0.1", &pem),
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(stalled.code(), ReasonCode::DcTls, "{stalled}");
    assert!(
        stalled
            .text()
            .contains("did not complete the TLS handshake"),
        "{stalled}"
    );
}

#[tokio::test]
async fn tls_without_roots_says_which_flag_is_missing() {
    let target = LdapTarget {
        trust: None,
        ..ldaps(
            "127.0.0.1:9".parse().unwrap(),
            "127.0.0.1",
            &fixture("x", &[]).ca_pem,
        )
    };
    let error = refused(&target, Duration::from_secs(1)).await;
    assert_eq!(error.code(), ReasonCode::DcTls);
    assert!(error.text().contains("--ca-file"), "{error}");
}
