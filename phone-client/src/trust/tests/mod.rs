//! Trust tests: shared fixtures (rcgen CAs, a TLS registrar on 127.0.0.1:0) and, in the
//! submodules, chains and anchors, time and firmware limits, SHA-1.

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

mod chains;
mod firmware;
mod sha1_chains;
