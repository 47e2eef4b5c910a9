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
        let error = Hierarchy::build(&spec, KeyPool::shared())
            .err()
            .unwrap()
            .to_string();
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
    let error = Hierarchy::build(&spec, KeyPool::shared())
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("no private key"), "{error}");
}

const SHA1_CHAIN: &str = r#"
[pki.root]
subject = "Contoso Root CA SHA1"
key = "rsa-2048"
signature = "sha1"
[pki.issuing]
subject = "Contoso Issuing CA SHA1"
issuer = "root"
key = "rsa-2048"
signature = "sha1"
[registrar]
issuer = "issuing"
key = "rsa-2048"
signature = "sha1"
"#;

#[test]
fn sha1_certificates_parse_carry_sha1_with_rsa_and_validate_on_the_phone() {
    use der::Decode;
    let pki = Hierarchy::build(&scenario(SHA1_CHAIN), KeyPool::shared()).unwrap();
    let root = pki.get("root").unwrap();
    for certificate in [root, pki.get("issuing").unwrap(), &pki.registrar.leaf] {
        let parsed = x509_cert::Certificate::from_der(&certificate.der).unwrap();
        assert_eq!(
            parsed.signature_algorithm.oid,
            super::sha1::SHA1_WITH_RSA_ENCRYPTION,
            "{}",
            certificate.id
        );
        assert_eq!(
            parsed.tbs_certificate.signature.oid,
            super::sha1::SHA1_WITH_RSA_ENCRYPTION
        );
        let info = describe(&certificate.der);
        assert_eq!(info.signature_algorithm, "sha1WithRSAEncryption");
        assert_eq!(info.key_bits, 2048);
    }
    assert_eq!(pki.registrar.chain.len(), 2);
    // The phone (aws-lc-rs) verifies every SHA-1 signature, on current and old firmware.
    for profile in ["cpe-2007r2", "cpe-2007r2-old-firmware"] {
        let policy = phone_client::profile::Profile::built_in(profile)
            .unwrap()
            .trust_policy();
        phone_client::trust::validate_chain(
            &pki.registrar.chain,
            "pool.example.test",
            std::slice::from_ref(&root.der),
            &policy,
        )
        .unwrap_or_else(|failure| panic!("{profile}: {failure}"));
    }
    // A firmware without SHA-1 names the certificate it cannot read.
    let mut policy = phone_client::profile::Profile::built_in("cpe-2007r2")
        .unwrap()
        .trust_policy();
    policy.supports_sha1 = false;
    let failure = phone_client::trust::validate_chain(
        &pki.registrar.chain,
        "pool.example.test",
        std::slice::from_ref(&root.der),
        &policy,
    )
    .unwrap_err();
    assert_eq!(
        failure.to_string(),
        "this firmware cannot handle SHA-1 signatures (the registrar certificate CN=pool.example.test)"
    );
}

#[test]
fn a_sha1_issuing_ca_can_sign_sha256_certificates_and_vice_versa() {
    // Signatures are per certificate: a SHA-256 leaf under a SHA-1 root is SHA-256.
    let pki = Hierarchy::build(
        &scenario(
            "[pki.root]\nsubject = \"Root\"\nkey = \"rsa-2048\"\nsignature = \"sha1\"\n[registrar]\nissuer = \"root\"\nkey = \"rsa-2048\"\n",
        ),
        KeyPool::shared(),
    )
    .unwrap();
    assert_eq!(
        describe(&pki.get("root").unwrap().der).signature_algorithm,
        "sha1WithRSAEncryption"
    );
    assert_eq!(
        describe(&pki.registrar.leaf.der).signature_algorithm,
        "sha256WithRSAEncryption"
    );
}

#[test]
fn sha1_with_an_ecdsa_issuer_key_is_refused_naming_the_certificate() {
    let text = |pki: &str| {
        format!("title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n{pki}\n[[act]]\ntitle = \"a\"\nexpect = {{ outcome = \"signed_in\" }}\n")
    };
    // Self-signed with its own ECDSA key.
    let error = Scenario::parse(
        &text("[pki.root]\nsubject = \"Root\"\nsignature = \"sha1\"\n"),
        "x.toml",
        None,
    )
    .unwrap_err();
    assert!(
        error
            .message
            .starts_with("pki.root: signature = \"sha1\" needs an RSA issuer key"),
        "{error}"
    );
    assert!(
        error
            .message
            .contains("its own key (self-signed) is ecdsa-p256"),
        "{error}"
    );
    // An RSA leaf under an ECDSA issuer.
    let error = Scenario::parse(
        &text("[pki.root]\nsubject = \"Root\"\nkey = \"ecdsa-p384\"\n[pki.sub]\nsubject = \"Sub\"\nissuer = \"root\"\nkey = \"rsa-2048\"\nsignature = \"sha1\"\n"),
        "x.toml",
        None,
    )
    .unwrap_err();
    assert!(error.message.starts_with("pki.sub: "), "{error}");
    assert!(
        error.message.contains("issuer `root`'s key is ecdsa-p384"),
        "{error}"
    );
    // The registrar, whose issuer is ECDSA.
    let error = Scenario::parse(
        &text("[pki.root]\nsubject = \"Root\"\n[registrar]\nissuer = \"root\"\nkey = \"rsa-2048\"\nsignature = \"sha1\"\n"),
        "x.toml",
        None,
    )
    .unwrap_err();
    assert!(
        error.message.starts_with("registrar: signature = \"sha1\""),
        "{error}"
    );
    // Unknown values are serde errors with the allowed ones.
    let error = Scenario::parse(
        &text("[pki.root]\nsubject = \"Root\"\nsignature = \"md5\"\n"),
        "x.toml",
        None,
    )
    .unwrap_err();
    assert!(error.message.contains("sha1"), "{error}");
}

#[test]
fn sha1_with_a_supplied_ecdsa_issuer_key_is_refused_when_built() {
    // The key file's type is only known when the PKI is built: the error still names pki.<id>.
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name("Real Root CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    std::fs::write(
        dir.path().join("root.pem"),
        params.self_signed(&key).unwrap().pem(),
    )
    .unwrap();
    std::fs::write(dir.path().join("root.key"), key.serialize_pem()).unwrap();
    let text = "title = \"t\"\ncause = \"c\"\nsymptom = \"s\"\nfix = \"f\"\n[pki.root]\nfile = \"root.pem\"\nkey_file = \"root.key\"\n[pki.sub]\nsubject = \"Sub\"\nissuer = \"root\"\nkey = \"rsa-2048\"\nsignature = \"sha1\"\n[[act]]\ntitle = \"a\"\nexpect = { outcome = \"signed_in\" }\n";
    let spec = Scenario::parse(text, "x.toml", Some(dir.path())).unwrap();
    let error = Hierarchy::build(&spec, KeyPool::shared())
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        error,
        "pki.sub: signature = \"sha1\" needs an RSA issuer key (sha1WithRSAEncryption), but its issuer `root`'s key is not RSA"
    );
    // signature = "sha1" on a supplied certificate itself is refused at parse time.
    let text = text.replace(
        "key_file = \"root.key\"\n",
        "key_file = \"root.key\"\nsignature = \"sha1\"\n",
    );
    let error = Scenario::parse(&text, "x.toml", Some(dir.path())).unwrap_err();
    assert!(
        error
            .message
            .starts_with("pki.root: signature = \"sha1\" applies to generated certificates"),
        "{error}"
    );
}
