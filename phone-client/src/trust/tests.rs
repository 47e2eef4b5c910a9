use super::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, RsaKeySize,
    SignatureAlgorithm,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const POOL: &str = "pool.example.test";
const WAIT: Duration = Duration::from_secs(10);

/// A test CA: its DER and an issuer that signs leaves.
struct TestCa {
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(cn: &str, key: KeyPair) -> TestCa {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let der = params.self_signed(&key).expect("self-sign").der().to_vec();
    TestCa {
        der,
        issuer: Issuer::new(params, key),
    }
}

fn ec_ca(cn: &str) -> TestCa {
    ca(
        cn,
        KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen"),
    )
}

struct Leaf {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn leaf_with(
    ca: &TestCa,
    alg: &'static SignatureAlgorithm,
    edit: impl FnOnce(&mut CertificateParams),
) -> Leaf {
    let key = KeyPair::generate_for(alg).expect("keygen");
    let mut params = CertificateParams::new(vec![POOL.to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, POOL);
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    edit(&mut params);
    let cert = params.signed_by(&key, &ca.issuer).expect("sign");
    Leaf {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

fn leaf(ca: &TestCa) -> Leaf {
    leaf_with(ca, &rcgen::PKCS_ECDSA_P256_SHA256, |_| {})
}

fn modern() -> TrustPolicy {
    TrustPolicy {
        supports_sha256: true,
        supports_sha1: true,
        max_rsa_bits: 4096,
        supports_ecdsa: true,
        clock_offset_seconds: 0,
        public_roots: false,
        partial_chain_trust: false,
    }
}

/// Serves TLS with `leaf` on 127.0.0.1:0 until the test ends. Handshake failures on the
/// server side are expected in the failing cases and ignored.
async fn serve(leaf: Leaf) -> SocketAddr {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(leaf.chain, leaf.key)
        .expect("server cert");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut sink = Vec::new();
                    let _ = tls.read_to_end(&mut sink).await;
                }
            });
        }
    });
    address
}

async fn connect(
    address: SocketAddr,
    name: &str,
    roots: &[Vec<u8>],
    policy: &TrustPolicy,
) -> Result<RegistrarSession, RegistrarError> {
    connect_registrar(address, name, roots, policy, WAIT).await
}

fn validation(result: Result<RegistrarSession, RegistrarError>) -> ValidationFailure {
    match result {
        Err(RegistrarError::Validation(v)) => v,
        other => panic!("expected a validation failure, got {other:?}"),
    }
}

#[tokio::test]
async fn trusted_root_connects_and_reports_the_chain() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let session = connect(address, POOL, std::slice::from_ref(&root.der), &modern())
        .await
        .expect("connects");
    assert!(
        session.protocol == "TLSv1.3" || session.protocol == "TLSv1.2",
        "{}",
        session.protocol
    );
    assert!(
        session.cipher_suite.starts_with("TLS"),
        "{}",
        session.cipher_suite
    );
    assert_eq!(session.chain.len(), 1);
    assert_eq!(session.chain[0].dns_names, vec![POOL.to_owned()]);
    assert_eq!(session.chain[0].issuer, "CN=Test Root");
}

#[tokio::test]
async fn placeholder_roots_are_skipped() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let roots = [vec![0u8], Vec::new(), root.der.clone()];
    assert!(connect(address, POOL, &roots, &modern()).await.is_ok());
}

#[tokio::test]
async fn another_root_is_unknown_issuer() {
    let root = ec_ca("Test Root");
    let other = ec_ca("Other Root");
    let address = serve(leaf(&root)).await;
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&other.der), &modern()).await);
    assert_eq!(
        failure,
        ValidationFailure::UnknownIssuer {
            issuer: "CN=Test Root".to_owned()
        }
    );
}

/// An issuing CA signed by `parent`.
fn sub_ca(parent: &TestCa, cn: &str) -> TestCa {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let der = params
        .signed_by(&key, &parent.issuer)
        .expect("sign")
        .der()
        .to_vec();
    TestCa {
        der,
        issuer: Issuer::new(params, key),
    }
}

#[tokio::test]
async fn unknown_issuer_names_the_root_above_the_sent_intermediate() {
    let root = ec_ca("Test Root");
    let issuing = sub_ca(&root, "Issuing CA");
    let mut served = leaf(&issuing);
    served.chain.push(CertificateDer::from(issuing.der.clone()));
    let address = serve(served).await;
    let other = ec_ca("Other Root");
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&other.der), &modern()).await);
    assert_eq!(
        failure,
        ValidationFailure::UnknownIssuer {
            issuer: "CN=Test Root".to_owned()
        }
    );
    // An issuing CA picked up from AIA/NTAuth alone is not a trust anchor (domain.md §G row 3,
    // CryptoAPI's partial chain). This test used to assert the opposite (webpki accepts any
    // installed certificate as an anchor); that was the old, wrong model.
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&issuing.der), &modern()).await);
    assert_eq!(
        failure,
        ValidationFailure::PartialChain {
            top: "CN=Issuing CA".to_owned(),
            issuer: "CN=Test Root".to_owned()
        }
    );
    // A profile with partial_chain_trust keeps the old behaviour.
    let lenient = TrustPolicy {
        partial_chain_trust: true,
        ..modern()
    };
    let session = connect(address, POOL, std::slice::from_ref(&issuing.der), &lenient)
        .await
        .expect("intermediate as anchor");
    assert_eq!(session.chain.len(), 2);
}

#[tokio::test]
async fn an_installed_issuing_ca_alone_is_a_partial_chain_with_the_precise_wording() {
    // The registrar sends only its leaf; the phone installed only the issuing CA.
    let root = ec_ca("Contoso Root CA");
    let issuing = sub_ca(&root, "Contoso Issuing CA");
    let address = serve(leaf(&issuing)).await;
    let result = connect(address, POOL, std::slice::from_ref(&issuing.der), &modern()).await;
    let Err(error) = result else {
        panic!("a partial chain must not be trusted")
    };
    assert_eq!(
        error.to_string(),
        "cannot validate server certificate: chain ends at \"CN=Contoso Issuing CA\", which is installed but not self-signed; its issuer \"CN=Contoso Root CA\" is not installed (partial chain)"
    );
}

#[tokio::test]
async fn an_installed_issuing_ca_completes_a_leaf_only_chain_to_an_installed_root() {
    let root = ec_ca("Contoso Root CA");
    let issuing = sub_ca(&root, "Contoso Issuing CA");
    let address = serve(leaf(&issuing)).await;
    // Installed: the issuing CA (AIA) and the root; the server sends its leaf alone.
    let installed = [issuing.der.clone(), root.der.clone()];
    let session = connect(address, POOL, &installed, &modern())
        .await
        .expect("the installed intermediate completes the path to the root");
    assert_eq!(session.chain.len(), 1);
    // Without the installed intermediate the leaf's issuer is simply unknown.
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &modern()).await);
    assert_eq!(
        failure,
        ValidationFailure::UnknownIssuer {
            issuer: "CN=Contoso Issuing CA".to_owned()
        }
    );
}

#[tokio::test]
async fn a_sent_intermediate_that_is_also_installed_still_needs_its_root() {
    let root = ec_ca("Contoso Root CA");
    let issuing = sub_ca(&root, "Contoso Issuing CA");
    let mut served = leaf(&issuing);
    served.chain.push(CertificateDer::from(issuing.der.clone()));
    let address = serve(served).await;
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&issuing.der), &modern()).await);
    assert!(
        matches!(failure, ValidationFailure::PartialChain { ref top, .. } if top == "CN=Contoso Issuing CA"),
        "{failure:?}"
    );
    let both = [issuing.der.clone(), root.der.clone()];
    assert!(connect(address, POOL, &both, &modern()).await.is_ok());
}

#[test]
fn offline_validation_judges_partial_chains_the_same_way() {
    let root = ec_ca("Contoso Root CA");
    let issuing = sub_ca(&root, "Contoso Issuing CA");
    let chain: Vec<Vec<u8>> = leaf(&issuing)
        .chain
        .iter()
        .map(|der| der.to_vec())
        .collect();
    assert_eq!(
        validate_chain(&chain, POOL, std::slice::from_ref(&issuing.der), &modern()),
        Err(ValidationFailure::PartialChain {
            top: "CN=Contoso Issuing CA".to_owned(),
            issuer: "CN=Contoso Root CA".to_owned()
        })
    );
    let lenient = TrustPolicy {
        partial_chain_trust: true,
        ..modern()
    };
    assert_eq!(
        validate_chain(&chain, POOL, std::slice::from_ref(&issuing.der), &lenient),
        Ok(())
    );
    assert_eq!(
        validate_chain(
            &chain,
            POOL,
            &[issuing.der.clone(), root.der.clone()],
            &modern()
        ),
        Ok(())
    );
}

#[tokio::test]
async fn no_roots_at_all_is_unknown_issuer() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let failure = validation(connect(address, POOL, &[vec![0]], &modern()).await);
    assert!(
        matches!(failure, ValidationFailure::UnknownIssuer { ref issuer } if issuer == "CN=Test Root"),
        "{failure:?}"
    );
}

#[tokio::test]
async fn wrong_server_name_is_name_mismatch() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let roots = [root.der.clone()];
    let failure = validation(connect(address, "other.example.test", &roots, &modern()).await);
    assert_eq!(
        failure,
        ValidationFailure::NameMismatch {
            expected: "other.example.test".to_owned(),
            presented: POOL.to_owned()
        }
    );
}

#[tokio::test]
async fn expired_leaf_is_expired() {
    let root = ec_ca("Test Root");
    let expired = leaf_with(&root, &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    });
    let address = serve(expired).await;
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &modern()).await);
    match failure {
        ValidationFailure::Expired { not_after, .. } => {
            assert_eq!(not_after, "2021-01-01T00:00:00Z");
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[tokio::test]
async fn clock_ten_years_behind_is_not_yet_valid() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let policy = TrustPolicy {
        clock_offset_seconds: -10 * 365 * 24 * 3600,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::NotYetValid { phone_time, .. } => {
            let year: i32 = phone_time[..4].parse().expect("year");
            let now = time::OffsetDateTime::now_utc().year();
            assert!((now - 11..=now - 9).contains(&year), "{phone_time}");
        }
        other => panic!("expected NotYetValid, got {other:?}"),
    }
}

#[tokio::test]
async fn rsa_4096_root_on_2048_firmware_is_unsupported() {
    let key =
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096).expect("rsa keygen");
    let root = ca("Big RSA Root", key);
    let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
    let policy = TrustPolicy {
        max_rsa_bits: 2048,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::UnsupportedAlgorithm { what } => {
            assert!(what.contains("4096-bit RSA key"), "{what}");
            assert!(what.contains("CN=Big RSA Root"), "{what}");
        }
        other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
    }
    // The same chain is fine for firmware that reads 4096-bit keys.
    assert!(connect(address, POOL, &[root.der], &modern()).await.is_ok());
}

#[tokio::test]
async fn ecdsa_chain_on_rsa_only_firmware_is_unsupported() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let policy = TrustPolicy {
        supports_ecdsa: false,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::UnsupportedAlgorithm { what } => {
            assert!(what.contains("ECDSA"), "{what}");
            assert!(what.contains("registrar certificate"), "{what}");
        }
        other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
    }
}

#[tokio::test]
async fn sha256_chain_on_sha1_firmware_is_unsupported() {
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("keygen");
    let root = ca("RSA Root", key);
    let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
    let policy = TrustPolicy {
        supports_sha256: false,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    assert!(
        matches!(failure, ValidationFailure::UnsupportedAlgorithm { ref what } if what.starts_with("SHA-256 signatures")),
        "{failure:?}"
    );
}

#[tokio::test]
async fn closed_port_is_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    drop(listener);
    let result = connect(address, POOL, &[], &modern()).await;
    assert!(
        matches!(result, Err(RegistrarError::Connect { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    let holder = tokio::spawn(async move {
        let held = listener.accept().await;
        tokio::time::sleep(WAIT).await;
        drop(held);
    });
    let result = connect_registrar(address, POOL, &[], &modern(), Duration::from_millis(300)).await;
    holder.abort();
    match result {
        Err(RegistrarError::Timeout { seconds, .. }) => {
            assert!((seconds - 0.3).abs() < 1e-9, "{seconds}");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[test]
fn validation_error_text_matches_the_phone_wording() {
    let failure = ValidationFailure::UnknownIssuer {
        issuer: "CN=X".to_owned(),
    };
    let text = format!("{}", RegistrarError::Validation(failure));
    assert_eq!(
        text,
        "cannot validate server certificate: no installed root certificate issued the registrar's chain (issuer: CN=X)"
    );
}

#[test]
fn sha1_algorithm_ids_get_precise_wording() {
    // OID 1.2.840.113549.1.1.5 (sha1WithRSAEncryption) followed by NULL parameters.
    let id = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
    ];
    let chain = Chain {
        certs: Vec::new(),
        top_issuer: String::new(),
        partial: None,
    };
    assert_eq!(
        unsupported_signature(&chain, Some(&id), false),
        ValidationFailure::UnsupportedAlgorithm {
            what: SHA1_UNSUPPORTED.to_owned()
        }
    );
    // Firmware that reads SHA-1 only verifies it with RSA: ecdsa-with-SHA1 (1.2.840.10045.4.1)
    // is named as it is.
    let ecdsa_sha1 = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    assert_eq!(
        unsupported_signature(&chain, Some(&ecdsa_sha1), true),
        ValidationFailure::UnsupportedAlgorithm {
            what: "the signature algorithm ecdsa-with-SHA1 (of the SHA-1 algorithms only sha1WithRSAEncryption is verified)".to_owned()
        }
    );
}

#[test]
fn phone_clock_clamps_at_the_epoch() {
    let now = UnixTime::since_unix_epoch(Duration::from_secs(100));
    assert_eq!(phone_clock(now, -1000).as_secs(), 0);
    assert_eq!(phone_clock(now, 50).as_secs(), 150);
    assert_eq!(rfc3339(phone_clock(now, -100)), "1970-01-01T00:00:00Z");
}

#[test]
fn offline_validation_reaches_the_handshake_verdicts() {
    let root = ec_ca("Offline Root");
    let other = ec_ca("Other Root");
    let chain: Vec<Vec<u8>> = leaf(&root).chain.iter().map(|der| der.to_vec()).collect();
    assert_eq!(
        validate_chain(&chain, POOL, std::slice::from_ref(&root.der), &modern()),
        Ok(())
    );
    assert!(matches!(
        validate_chain(&chain, POOL, std::slice::from_ref(&other.der), &modern()),
        Err(ValidationFailure::UnknownIssuer { .. })
    ));
    assert!(matches!(
        validate_chain(
            &chain,
            "other.example.test",
            std::slice::from_ref(&root.der),
            &modern()
        ),
        Err(ValidationFailure::NameMismatch { .. })
    ));
    assert!(matches!(
        validate_chain(&[], POOL, &[root.der], &modern()),
        Err(ValidationFailure::Other(_))
    ));
}

#[test]
fn an_expired_installed_root_fails_with_its_dates_not_unknown_issuer() {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "Old Root");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2015, 1, 1);
    params.not_after = rcgen::date_time_ymd(2020, 1, 1);
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let root = TestCa {
        issuer: Issuer::new(params, key),
        der: der.clone(),
    };
    let chain: Vec<Vec<u8>> = leaf(&root).chain.iter().map(|der| der.to_vec()).collect();
    match validate_chain(&chain, POOL, &[der], &modern()) {
        Err(ValidationFailure::RootNotTimeValid {
            subject, not_after, ..
        }) => {
            assert!(subject.contains("Old Root"), "{subject}");
            assert_eq!(not_after, "2020-01-01T00:00:00Z");
        }
        other => panic!("expected RootNotTimeValid, got {other:?}"),
    }
}

/// A SHA-1 chain made by the `openssl` CLI (rcgen cannot sign with SHA-1): an RSA-2048 root and
/// an RSA-2048 leaf for [`POOL`], both `sha1WithRSAEncryption`, DER, with the leaf's PKCS#8 key.
struct Sha1Chain {
    root: Vec<u8>,
    root_key_pem: String,
    leaf: Vec<u8>,
    leaf_key: Vec<u8>,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let output = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI makes the SHA-1 test certificates (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn sha1_chain() -> Sha1Chain {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    openssl(
        path,
        &[
            "req",
            "-x509",
            "-sha1",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-outform",
            "DER",
            "-out",
            "root.der",
            "-days",
            "3650",
            "-subj",
            "/CN=SHA-1 Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        path,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            &format!("/CN={POOL}"),
        ],
    );
    std::fs::write(
        path.join("leaf.ext"),
        format!("subjectAltName=DNS:{POOL}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"),
    )
    .expect("write");
    openssl(
        path,
        &[
            "x509",
            "-req",
            "-sha1",
            "-in",
            "leaf.csr",
            "-CA",
            "root.der",
            "-CAform",
            "DER",
            "-CAkey",
            "root.key",
            "-set_serial",
            "0x5a1",
            "-days",
            "365",
            "-extfile",
            "leaf.ext",
            "-outform",
            "DER",
            "-out",
            "leaf.der",
        ],
    );
    openssl(
        path,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "leaf.key",
            "-outform",
            "DER",
            "-out",
            "leaf.key.der",
        ],
    );
    let read = |name: &str| std::fs::read(path.join(name)).expect("read");
    let chain = Sha1Chain {
        root: read("root.der"),
        root_key_pem: String::from_utf8(read("root.key")).expect("PEM"),
        leaf: read("leaf.der"),
        leaf_key: read("leaf.key.der"),
    };
    for der in [&chain.root, &chain.leaf] {
        let info = certinfo::describe(der).expect("parses");
        assert_eq!(info.signature_algorithm, "sha1WithRSAEncryption");
        assert_eq!(info.key_bits, 2048);
    }
    chain
}

fn old_firmware() -> TrustPolicy {
    crate::profile::Profile::built_in("cpe-2007r2-old-firmware")
        .expect("built-in")
        .trust_policy()
}

#[test]
fn a_sha1_chain_validates_on_current_and_old_firmware() {
    let sha1 = sha1_chain();
    let chain = [sha1.leaf.clone()];
    let roots = [sha1.root.clone()];
    let current = crate::profile::Profile::built_in("cpe-2007r2")
        .expect("built-in")
        .trust_policy();
    assert!(current.supports_sha1 && old_firmware().supports_sha1);
    assert_eq!(validate_chain(&chain, POOL, &roots, &current), Ok(()));
    assert_eq!(
        validate_chain(&chain, POOL, &roots, &old_firmware()),
        Ok(())
    );
    assert_eq!(validate_chain(&chain, POOL, &roots, &modern()), Ok(()));
    // The signature really is checked: another SHA-1 root of the same name does not verify it.
    let impostor = sha1_chain();
    assert_eq!(
        validate_chain(&chain, POOL, &[impostor.root], &old_firmware()),
        Err(ValidationFailure::BadSignature)
    );
}

#[test]
fn a_sha1_chain_without_supports_sha1_is_an_unsupported_algorithm() {
    let sha1 = sha1_chain();
    let policy = TrustPolicy {
        supports_sha1: false,
        ..modern()
    };
    assert_eq!(
        validate_chain(&[sha1.leaf], POOL, &[sha1.root], &policy),
        Err(ValidationFailure::UnsupportedAlgorithm {
            what: format!("SHA-1 signatures (the registrar certificate CN={POOL})")
        })
    );
}

#[test]
fn a_sha1_root_is_refused_without_supports_sha1_even_under_a_sha256_leaf() {
    // A SHA-256 leaf issued by the SHA-1 root's key: the firmware never installs the root.
    let sha1 = sha1_chain();
    let key = KeyPair::from_pem(&sha1.root_key_pem).expect("root key");
    let issuer =
        Issuer::from_ca_cert_der(&CertificateDer::from(sha1.root.clone()), key).expect("issuer");
    let root = TestCa {
        der: sha1.root.clone(),
        issuer,
    };
    let leaf = leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {});
    let chain: Vec<Vec<u8>> = leaf.chain.iter().map(|der| der.to_vec()).collect();
    assert_eq!(
        validate_chain(&chain, POOL, std::slice::from_ref(&sha1.root), &modern()),
        Ok(())
    );
    let policy = TrustPolicy {
        supports_sha1: false,
        ..modern()
    };
    assert_eq!(
        validate_chain(&chain, POOL, &[sha1.root], &policy),
        Err(ValidationFailure::UnsupportedAlgorithm {
            what: "SHA-1 signatures (the root certificate CN=SHA-1 Root)".to_owned()
        })
    );
}

#[test]
fn a_tampered_sha1_signature_is_a_bad_signature() {
    let sha1 = sha1_chain();
    let mut tampered = sha1.leaf.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01; // the signature BIT STRING is the certificate's last field
    assert!(certinfo::describe(&tampered).is_ok(), "still parses");
    for policy in [modern(), old_firmware()] {
        assert_eq!(
            validate_chain(
                std::slice::from_ref(&tampered),
                POOL,
                std::slice::from_ref(&sha1.root),
                &policy
            ),
            Err(ValidationFailure::BadSignature)
        );
    }
}

#[tokio::test]
async fn old_firmware_connects_to_a_registrar_with_a_sha1_chain() {
    // The handshake's own signatures stay rustls's (RSA-PSS / PKCS#1 with SHA-2); only the
    // certificate signatures are SHA-1.
    let sha1 = sha1_chain();
    let address = serve(Leaf {
        chain: vec![CertificateDer::from(sha1.leaf.clone())],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(sha1.leaf_key.clone())),
    })
    .await;
    let session = connect(
        address,
        POOL,
        std::slice::from_ref(&sha1.root),
        &old_firmware(),
    )
    .await
    .expect("old firmware validates a SHA-1/RSA-2048 chain");
    assert_eq!(
        session.chain[0].signature_algorithm,
        "sha1WithRSAEncryption"
    );
    let refused = TrustPolicy {
        supports_sha1: false,
        ..old_firmware()
    };
    let failure = validation(connect(address, POOL, &[sha1.root], &refused).await);
    assert!(
        matches!(failure, ValidationFailure::UnsupportedAlgorithm { ref what } if what.starts_with("SHA-1 signatures")),
        "{failure:?}"
    );
}

#[test]
fn crl_signature_checks_use_the_same_sha1_algorithm() {
    // revocation::verify_signature reads SEQUENCE { tbs, algorithm, signature }: a certificate
    // has the same shape as a CRL, so the SHA-1 leaf exercises the CRL signature path.
    use der::{Decode, Encode};
    let sha1 = sha1_chain();
    let root = x509_cert::Certificate::from_der(&sha1.root).expect("root");
    let spki = root
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("spki");
    let with = sha1::algorithms(&modern());
    assert_eq!(
        revocation::verify_signature(&sha1.leaf, &spki, with.all),
        Ok(())
    );
    let without = sha1::algorithms(&TrustPolicy {
        supports_sha1: false,
        ..modern()
    });
    assert_eq!(
        revocation::verify_signature(&sha1.leaf, &spki, without.all),
        Err("its signature algorithm is not supported for the issuer's key type".to_owned())
    );
}
