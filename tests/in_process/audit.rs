//! `audit` (library level, real sockets): what a phone would see in a directory, and whether it
//! would sign in, judged with the phone's own steps — against our ldap-server on port 0. The
//! `adpki audit` command line is tested in `cli::audit`.

use adpki::audit::{audit, AuditRequest};
use e2e::*;
use phone_client::profile::Profile;

const POOL: &str = "pool.example.test";

/// A root and the registrar chain it issued (leaf, root), from the scenarios' PKI fixture.
fn pki(root_cn: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let pki = scenarios::pki::Pki::new(root_cn, POOL).expect("pki");
    (pki.root_der.clone(), vec![pki.leaf_der, pki.root_der])
}

fn request(server: &TestServer, chain: Vec<Vec<u8>>) -> AuditRequest {
    AuditRequest {
        dc: server.server().local_addr().into(),
        bind: Default::default(),
        user: "Administrator@example.test".into(),
        password: ADMIN_PASSWORD.into(),
        profile: Profile::load("cpe-2007r2").expect("profile"),
        registrar: Some((POOL.to_string(), chain)),
        probe_web: false,
        resolve: Default::default(),
    }
}

#[tokio::test]
async fn an_unpublished_root_is_reported_with_the_publish_command_that_fixes_it() {
    let (_root, chain) = pki("Audit Root CA");
    let server = start("").await;
    let report = audit(&request(&server, chain)).await.expect("audit");
    let phone = report.phone.expect("verdict");
    assert!(!phone.would_sign_in, "{phone:?}");
    assert!(
        phone.fix.as_deref().unwrap_or("").contains("RootCA"),
        "{phone:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_published_root_signs_in_through_the_directory_and_is_listed() {
    let (root, chain) = pki("Audit Root CA");
    let placeholder = ca_ldif("Stale CA", "AIA", &[0u8]);
    let server = start(&format!(
        "{}{placeholder}",
        ca_ldif("Audit Root CA", "Certification Authorities", &root)
    ))
    .await;
    let report = audit(&request(&server, chain)).await.expect("audit");
    let phone = report.phone.clone().expect("verdict");
    assert!(phone.would_sign_in, "{phone:?}");
    assert_eq!(phone.installed, ["CN=Audit Root CA"]);
    let listed: Vec<(&str, usize, usize)> = report
        .certification_authorities
        .iter()
        .map(|object| {
            (
                object.container.as_str(),
                object.certificates.len(),
                object.unusable.len(),
            )
        })
        .collect();
    assert!(
        listed.contains(&("Certification Authorities", 1, 0)),
        "{listed:?}"
    );
    assert!(
        listed.contains(&("AIA", 0, 1)),
        "the placeholder is flagged: {listed:?}"
    );
    let text = adpki::audit::human(&report);
    assert!(text.contains("unusable value"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_root_from_another_ca_is_unknown_issuer_with_a_fix() {
    let (other_root, _) = pki("Other Root CA");
    let (_root, chain) = pki("Audit Root CA");
    let server = start(&ca_ldif(
        "Other Root CA",
        "Certification Authorities",
        &other_root,
    ))
    .await;
    let phone = audit(&request(&server, chain))
        .await
        .expect("audit")
        .phone
        .expect("verdict");
    assert!(!phone.would_sign_in);
    assert!(phone.reason.contains("issuer"), "{phone:?}");
    assert!(
        phone
            .fix
            .as_deref()
            .unwrap_or("")
            .contains("CN=Audit Root CA"),
        "{phone:?}"
    );
    server.stop().await;
}

/// A two-tier PKI: root, issuing CA, and the pool's leaf (chain as the registrar sends it:
/// leaf, issuing CA). Returns (root DER, issuing CA DER, chain).
fn two_tier() -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca = |cn: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, cn);
        params
    };
    let root_key = KeyPair::generate().expect("key");
    let root_params = ca("Contoso Root CA");
    let root_der = root_params
        .self_signed(&root_key)
        .expect("root")
        .der()
        .to_vec();
    let root = Issuer::new(root_params, root_key);
    let issuing_key = KeyPair::generate().expect("key");
    let issuing_params = ca("Contoso Issuing CA");
    let issuing_der = issuing_params
        .signed_by(&issuing_key, &root)
        .expect("issuing")
        .der()
        .to_vec();
    let issuing = Issuer::new(issuing_params, issuing_key);
    let leaf_key = KeyPair::generate().expect("key");
    let mut leaf_params = CertificateParams::new(vec![POOL.to_string()]).expect("params");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, POOL);
    let leaf_der = leaf_params
        .signed_by(&leaf_key, &issuing)
        .expect("leaf")
        .der()
        .to_vec();
    (root_der, issuing_der.clone(), vec![leaf_der, issuing_der])
}

#[tokio::test]
async fn only_the_issuing_ca_in_aia_is_a_partial_chain_with_the_root_to_publish() {
    // domain.md §G row 3: the phone installs the issuing CA (SubCA → AIA) but no root; a chain
    // that stops at a CA certificate that is not self-signed is not trusted.
    let (root, issuing, chain) = two_tier();
    let server = start(&ca_ldif("Contoso Issuing CA", "AIA", &issuing)).await;
    let phone = audit(&request(&server, chain.clone()))
        .await
        .expect("audit")
        .phone
        .expect("verdict");
    assert!(!phone.would_sign_in, "{phone:?}");
    assert_eq!(phone.installed, ["CN=Contoso Issuing CA"]);
    assert_eq!(
        phone.reason,
        "cannot validate server certificate: chain ends at \"CN=Contoso Issuing CA\", which is installed but not self-signed; its issuer \"CN=Contoso Root CA\" is not installed (partial chain)"
    );
    assert!(
        phone
            .fix
            .as_deref()
            .unwrap_or("")
            .contains("<CN=Contoso Root CA>.cer RootCA"),
        "{phone:?}"
    );
    server.stop().await;
    // Publishing the root as well (RootCA) fixes it.
    let server = start(&format!(
        "{}{}",
        ca_ldif("Contoso Issuing CA", "AIA", &issuing),
        ca_ldif("Contoso Root CA", "Certification Authorities", &root)
    ))
    .await;
    let phone = audit(&request(&server, chain))
        .await
        .expect("audit")
        .phone
        .expect("verdict");
    assert!(phone.would_sign_in, "{phone:?}");
    server.stop().await;
}
