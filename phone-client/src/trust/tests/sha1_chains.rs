//! SHA-1 certificate signatures (old firmware's chains).

use super::*;

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
        Err(crate::Error::new(
            crate::ReasonCode::CrlInvalid,
            "its signature algorithm is not supported for the issuer's key type"
        ))
    );
}
