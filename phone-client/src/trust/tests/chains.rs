//! Which installed certificates anchor which chains: roots, partial chains, names.

use super::*;

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
