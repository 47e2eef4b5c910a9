use super::*;
use crate::spec::Scenario;

fn scenario(pki_and_more: &str) -> Scenario {
    let text = format!(
        "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n{pki_and_more}\n[[act]]\ntitle = \"a\"\nexpect = {{ outcome = \"signed_in\" }}\n"
    );
    Scenario::parse(&text, "test.toml", None).unwrap()
}

fn describe(der: &[u8]) -> phone_client::certinfo::CertificateInfo {
    phone_client::certinfo::describe(der).unwrap()
}

const TWO_TIER: &str = r#"
[pki.root]
subject = "Contoso Root CA"
[pki.issuing]
subject = "CN=Contoso Issuing CA,O=Contoso,DC=example,DC=test"
issuer = "root"
[registrar]
issuer = "issuing"
"#;

#[test]
fn a_two_tier_hierarchy_chains_and_the_registrar_sends_the_intermediate_only() {
    let pki = Hierarchy::build(&scenario(TWO_TIER), KeyPool::shared()).unwrap();
    let root = pki.get("root").unwrap();
    let issuing = pki.get("issuing").unwrap();
    assert!(root.self_signed);
    assert!(!issuing.self_signed);
    let issuing_info = describe(&issuing.der);
    assert!(
        issuing_info.subject.contains("Contoso Issuing CA"),
        "{}",
        issuing_info.subject
    );
    assert_eq!(issuing_info.issuer, describe(&root.der).subject);
    assert_eq!(pki.registrar.chain.len(), 2);
    assert_eq!(pki.registrar.chain[1], issuing.der);
    let ids: Vec<_> = pki.path("registrar").iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, ["registrar", "issuing", "root"]);
    assert_eq!(pki.id_of(&root.der), Some("root"));
    // The phone's own offline validation accepts the chain with the root installed.
    let policy = phone_client::profile::Profile::built_in("cpe-2007r2")
        .unwrap()
        .trust_policy();
    phone_client::trust::validate_chain(
        &pki.registrar.chain,
        "pool.example.test",
        std::slice::from_ref(&root.der),
        &policy,
    )
    .unwrap();
}

#[test]
fn a_renewed_root_has_the_same_name_and_another_key() {
    let pki = Hierarchy::build(
        &scenario(
            "[pki.root]\nsubject = \"Contoso Root CA\"\n[pki.root-2015]\nsubject = \"Contoso Root CA\"\nvalid_from_days = -3000\n",
        ),
        KeyPool::shared(),
    )
    .unwrap();
    let new = describe(&pki.get("root").unwrap().der);
    let old = describe(&pki.get("root-2015").unwrap().der);
    assert_eq!(new.subject, old.subject);
    assert_ne!(new.sha1, old.sha1);
}

#[test]
fn a_cross_certificate_carries_the_subjects_key_under_another_issuer() {
    let pki = Hierarchy::build(
        &scenario(
            "[pki.root]\nsubject = \"Contoso Root CA\"\n[pki.partner]\nsubject = \"Fabrikam Root CA\"\n[pki.cross]\nsubject = \"Contoso Root CA\"\nissuer = \"partner\"\nkey_from = \"root\"\n",
        ),
        KeyPool::shared(),
    )
    .unwrap();
    let cross = describe(&pki.get("cross").unwrap().der);
    assert_eq!(
        pki.get("root")
            .unwrap()
            .key
            .as_ref()
            .unwrap()
            .public_key_raw(),
        pki.get("cross")
            .unwrap()
            .key
            .as_ref()
            .unwrap()
            .public_key_raw()
    );
    assert!(cross.issuer.contains("Fabrikam"));
}

#[test]
fn rsa_4096_and_validity_are_honoured() {
    let pki = Hierarchy::build(
        &scenario(
            "[pki.root]\nsubject = \"Big Root\"\nkey = \"rsa-4096\"\nvalid_from_days = -400\nvalid_days = 365\n[registrar]\nissuer = \"root\"\nsans = [\"other.example.test\"]\n",
        ),
        KeyPool::shared(),
    )
    .unwrap();
    let root = describe(&pki.get("root").unwrap().der);
    assert_eq!(root.key_bits, 4096, "{}", root.key);
    use der::Decode;
    let parsed = x509_cert::Certificate::from_der(&pki.get("root").unwrap().der).unwrap();
    let not_after = parsed.tbs_certificate.validity.not_after.to_unix_duration();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert!(not_after < now, "{root:?}");
    let leaf = describe(&pki.registrar.leaf.der);
    assert_eq!(leaf.dns_names, ["other.example.test"]);
}

#[test]
fn a_crl_lists_the_revoked_registrar_and_parses() {
    use der::Decode;
    let pki = Hierarchy::build(
        &scenario(
            "[pki.root]\nsubject = \"Contoso Root CA\"\n[registrar]\ncrl_url = \"http://crl.example.test/root.crl\"\n[[crl]]\nissuer = \"root\"\nurl = \"http://crl.example.test/root.crl\"\nrevoked = [\"registrar\"]\n",
        ),
        KeyPool::shared(),
    )
    .unwrap();
    let crl = x509_cert::crl::CertificateList::from_der(&pki.crls[0].der).unwrap();
    let revoked = crl.tbs_cert_list.revoked_certificates.unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0].serial_number.as_bytes(),
        pki.registrar.leaf.serial.as_slice()
    );
}

#[test]
fn a_supplied_certificate_and_key_can_issue_the_registrar() {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name("Real Root CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    std::fs::write(dir.path().join("root.pem"), certificate.pem()).unwrap();
    std::fs::write(dir.path().join("root.key"), key.serialize_pem()).unwrap();
    let text = "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nfile = \"root.pem\"\nkey_file = \"root.key\"\n[[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n";
    let spec = Scenario::parse(text, "x.toml", Some(dir.path())).unwrap();
    let pki = Hierarchy::build(&spec, KeyPool::shared()).unwrap();
    assert_eq!(pki.get("root").unwrap().der, certificate.der().to_vec());
    assert!(pki.get("root").unwrap().self_signed);
    let leaf = describe(&pki.registrar.leaf.der);
    assert!(leaf.issuer.contains("Real Root CA"));
}

#[test]
fn a_missing_or_garbage_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.pem"), "not a certificate").unwrap();
    for file in ["missing.pem", "bad.pem"] {
        let text = format!("title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nfile = \"{file}\"\n[[act]]\ntitle = \"a\"\nexpect = {{ outcome = \"signed_in\" }}\n");
        let spec = Scenario::parse(&text, "x.toml", Some(dir.path())).unwrap();
        let error = Hierarchy::build(&spec, KeyPool::shared()).err().unwrap();
        assert!(error.contains(file), "{error}");
    }
}

#[test]
fn issuing_from_a_certificate_without_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    std::fs::write(
        dir.path().join("root.pem"),
        params.self_signed(&key).unwrap().pem(),
    )
    .unwrap();
    let text = "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nfile = \"root.pem\"\n[[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n";
    let spec = Scenario::parse(text, "x.toml", Some(dir.path())).unwrap();
    let error = Hierarchy::build(&spec, KeyPool::shared()).err().unwrap();
    assert!(error.contains("no private key"), "{error}");
}
