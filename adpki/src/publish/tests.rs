use super::*;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
};
use sha1::{Digest, Sha1};
use x509_cert::crl::CertificateList;

const CONFIG: &str = "CN=Configuration,DC=example,DC=test";
const PKS: &str = "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";

fn ca(cn: &str) -> (CertificateParams, KeyPair, rcgen::Certificate) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-signed");
    (params, key, cert)
}

fn crl_der(delta: bool) -> Vec<u8> {
    let (params, key, _) = ca("Example Issuing CA");
    let issuer = Issuer::new(params, key);
    let crl = CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2025, 1, 1),
        next_update: rcgen::date_time_ymd(2035, 1, 1),
        crl_number: SerialNumber::from(7u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(42u64),
            revocation_time: rcgen::date_time_ymd(2025, 1, 1),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .expect("CRL");
    let der = crl.der().to_vec();
    if !delta {
        return der;
    }
    // rcgen cannot write a delta CRL: add the indicator (BaseCRLNumber 6) to its extensions.
    // The signature no longer matches, which publishing does not check.
    let mut list = CertificateList::from_der(&der).expect("decode CRL");
    list.tbs_cert_list
        .crl_extensions
        .get_or_insert_with(Vec::new)
        .push(x509_cert::ext::Extension {
            extn_id: DELTA_CRL_INDICATOR,
            critical: true,
            extn_value: der::asn1::OctetString::new(vec![0x02, 0x01, 0x06]).expect("octets"),
        });
    list.to_der().expect("encode CRL")
}

/// An input with a two-byte "DER" so expected LDIF stays readable (`MAA=`).
fn fake(kind: InputKind, cn: &str) -> Input {
    Input {
        der: vec![0x30, 0x00],
        kind,
        subject: format!("CN={cn}"),
        common_name: Some(cn.to_owned()),
        sha1: "00".into(),
    }
}

fn request(kind: PublishType) -> Request {
    Request {
        kind: Some(kind),
        force_create: true,
        ..Request::default()
    }
}

fn created_ldif(input: &Input, request: &Request, base: &str) -> String {
    let target = target(input, request, base).expect("target");
    let planned = plan(&target, input, &State::default(), true).expect("plan");
    render_ldif(&planned.changes)
}

#[test]
fn types_parse_case_insensitively() {
    assert_eq!(PublishType::parse("rootca"), Some(PublishType::RootCA));
    assert_eq!(PublishType::parse("NTAUTHCA"), Some(PublishType::NTAuthCA));
    assert_eq!(PublishType::parse("SubCA"), Some(PublishType::SubCA));
    assert_eq!(PublishType::parse("crossca"), Some(PublishType::CrossCA));
    assert_eq!(PublishType::parse("Kra"), Some(PublishType::KRA));
    assert_eq!(PublishType::parse("CRL"), Some(PublishType::Crl));
    assert_eq!(PublishType::parse("User"), None);
    assert_eq!(DirectoryProfile::parse("RFC"), Some(DirectoryProfile::Rfc));
}

#[test]
fn sanitizing_follows_the_ms_wcce_example() {
    assert_eq!(
        sanitize_cn("LongCAName(WithSpeci@#$%^Characters"),
        "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters"
    );
    assert_eq!(sanitize_cn("Contoso Root CA"), "Contoso Root CA");
    assert_eq!(sanitize_cn("A, Inc."), "A!002c Inc.");
    assert_eq!(sanitize_cn("Zürich"), "Z!00fcrich");
    assert_eq!(sanitize_cn("a=b+c"), "a!003db!002bc");
}

#[test]
fn rdn_values_are_escaped_per_rfc_4514() {
    assert_eq!(escape_rdn_value("Contoso Root CA"), "Contoso Root CA");
    assert_eq!(escape_rdn_value("A, Inc"), "A\\, Inc");
    assert_eq!(escape_rdn_value("#1 CA "), "\\#1 CA\\ ");
    assert_eq!(escape_rdn_value(" x"), "\\ x");
    assert_eq!(
        escape_rdn_value("a+b;c<d>e\"f\\g"),
        "a\\+b\\;c\\<d\\>e\\\"f\\\\g"
    );
}

#[test]
fn target_dns_for_each_type() {
    let cert = fake(InputKind::Certificate, "Example CA");
    let dn = |kind| target(&cert, &request(kind), CONFIG).expect("target").dn;
    assert_eq!(
        dn(PublishType::RootCA),
        format!("CN=Example CA,CN=Certification Authorities,{PKS}")
    );
    assert_eq!(
        dn(PublishType::SubCA),
        format!("CN=Example CA,CN=AIA,{PKS}")
    );
    assert_eq!(
        dn(PublishType::CrossCA),
        format!("CN=Example CA,CN=AIA,{PKS}")
    );
    assert_eq!(
        dn(PublishType::NTAuthCA),
        format!("CN=NTAuthCertificates,{PKS}")
    );
    assert_eq!(dn(PublishType::KRA), format!("CN=Example CA,CN=KRA,{PKS}"));
    let crl = fake(InputKind::Crl, "Example CA");
    let mut crl_request = request(PublishType::Crl);
    crl_request.cdp_container = Some("ca1".into());
    let crl_target = target(&crl, &crl_request, CONFIG).expect("target");
    assert_eq!(crl_target.dn, format!("CN=Example CA,CN=ca1,CN=CDP,{PKS}"));
    assert_eq!(
        crl_target.parent.expect("container").dn,
        format!("CN=ca1,CN=CDP,{PKS}")
    );
    crl_request.cdp_cn = Some("Example CA(1)".into());
    assert_eq!(
        target(&crl, &crl_request, CONFIG).expect("target").dn,
        format!("CN=Example CA(1),CN=ca1,CN=CDP,{PKS}")
    );
}

#[test]
fn attributes_and_modes_for_each_type() {
    let cert = fake(InputKind::Certificate, "Example CA");
    let of = |kind| {
        let t = target(&cert, &request(kind), CONFIG).expect("target");
        (t.attribute, t.mode, t.object_classes)
    };
    let ca = vec!["certificationAuthority"];
    assert_eq!(
        of(PublishType::RootCA),
        ("cACertificate".into(), WriteMode::Append, ca.clone())
    );
    assert_eq!(
        of(PublishType::SubCA),
        ("cACertificate".into(), WriteMode::Append, ca.clone())
    );
    assert_eq!(
        of(PublishType::NTAuthCA),
        ("cACertificate".into(), WriteMode::Append, ca.clone())
    );
    assert_eq!(
        of(PublishType::CrossCA),
        ("crossCertificatePair".into(), WriteMode::Append, ca)
    );
    assert_eq!(
        of(PublishType::KRA),
        (
            "userCertificate".into(),
            WriteMode::Append,
            vec!["msPKI-PrivateKeyRecoveryAgent"]
        )
    );
    let mut crl_request = request(PublishType::Crl);
    crl_request.cdp_container = Some("ca1".into());
    let base = target(&fake(InputKind::Crl, "X"), &crl_request, CONFIG).expect("target");
    assert_eq!(base.attribute, "certificateRevocationList");
    assert_eq!(base.mode, WriteMode::Replace);
    let delta = target(&fake(InputKind::DeltaCrl, "X"), &crl_request, CONFIG).expect("target");
    assert_eq!(delta.attribute, "deltaRevocationList");
}

#[test]
fn new_ca_objects_get_ad_placeholders() {
    let cert = fake(InputKind::Certificate, "Example CA");
    let placeholders = |kind| {
        target(&cert, &request(kind), CONFIG)
            .expect("target")
            .placeholders
    };
    let zero = PLACEHOLDER.to_vec();
    assert_eq!(PLACEHOLDER, [0u8]);
    assert_eq!(
        placeholders(PublishType::RootCA),
        vec![
            ("certificateRevocationList".to_owned(), zero.clone()),
            ("authorityRevocationList".to_owned(), zero.clone())
        ]
    );
    assert_eq!(placeholders(PublishType::NTAuthCA).len(), 2);
    // A cross certificate goes to crossCertificatePair; the mandatory cACertificate gets 0x00 too.
    assert_eq!(
        placeholders(PublishType::CrossCA),
        vec![
            ("cACertificate".to_owned(), zero.clone()),
            ("certificateRevocationList".to_owned(), zero.clone()),
            ("authorityRevocationList".to_owned(), zero)
        ]
    );
    assert!(placeholders(PublishType::KRA).is_empty());
    let rfc = Request {
        profile: DirectoryProfile::Rfc,
        ..request(PublishType::RootCA)
    };
    assert!(target(&cert, &rfc, "cn=Configuration,dc=example,dc=test")
        .expect("target")
        .placeholders
        .is_empty());
}

#[test]
fn cns_are_sanitized_then_escaped() {
    let cert = fake(InputKind::Certificate, "Contoso, Inc. Root #1");
    let t = target(&cert, &request(PublishType::RootCA), CONFIG).expect("target");
    assert_eq!(t.cn, "Contoso!002c Inc. Root !00231");
    assert!(t
        .dn
        .starts_with("CN=Contoso!002c Inc. Root !00231,CN=Certification Authorities,"));
    // rfc keeps the CN text and escapes it.
    let rfc = Request {
        profile: DirectoryProfile::Rfc,
        ..request(PublishType::RootCA)
    };
    let t = target(&cert, &rfc, "cn=Configuration,dc=example,dc=test").expect("target");
    assert_eq!(t.cn, "Contoso, Inc. Root #1");
    assert_eq!(
        t.dn,
        "cn=Contoso\\, Inc. Root #1,cn=Configuration,dc=example,dc=test"
    );
}

#[test]
fn dry_run_ldif_root_ca_created() {
    let ldif = created_ldif(
        &fake(InputKind::Certificate, "Example Root CA"),
        &request(PublishType::RootCA),
        CONFIG,
    );
    assert_eq!(
        ldif,
        format!(
            "dn: CN=Example Root CA,CN=Certification Authorities,{PKS}\nchangetype: add\n\
             objectClass: certificationAuthority\ncn: Example Root CA\ncACertificate:: MAA=\n\
             certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n"
        )
    );
}

#[test]
fn dry_run_ldif_sub_ca_cross_ca_ntauth_kra() {
    let cert = fake(InputKind::Certificate, "Example Issuing CA");
    assert_eq!(
        created_ldif(&cert, &request(PublishType::SubCA), CONFIG),
        format!(
            "dn: CN=Example Issuing CA,CN=AIA,{PKS}\nchangetype: add\n\
             objectClass: certificationAuthority\ncn: Example Issuing CA\ncACertificate:: MAA=\n\
             certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n"
        )
    );
    assert_eq!(
        created_ldif(&cert, &request(PublishType::CrossCA), CONFIG),
        format!(
            "dn: CN=Example Issuing CA,CN=AIA,{PKS}\nchangetype: add\n\
             objectClass: certificationAuthority\ncn: Example Issuing CA\ncrossCertificatePair:: MAA=\n\
             cACertificate:: AA==\ncertificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n"
        )
    );
    assert_eq!(
        created_ldif(&cert, &request(PublishType::NTAuthCA), CONFIG),
        format!(
            "dn: CN=NTAuthCertificates,{PKS}\nchangetype: add\n\
             objectClass: certificationAuthority\ncn: NTAuthCertificates\ncACertificate:: MAA=\n\
             certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n"
        )
    );
    assert_eq!(
        created_ldif(&cert, &request(PublishType::KRA), CONFIG),
        format!(
            "dn: CN=Example Issuing CA,CN=KRA,{PKS}\nchangetype: add\n\
             objectClass: msPKI-PrivateKeyRecoveryAgent\ncn: Example Issuing CA\nuserCertificate:: MAA=\n\n"
        )
    );
}

#[test]
fn dry_run_ldif_appending_to_an_existing_object() {
    let cert = fake(InputKind::Certificate, "Second Root");
    let t = target(&cert, &request(PublishType::NTAuthCA), CONFIG).expect("target");
    let state = State {
        exists: true,
        values: vec![vec![0x30, 0x01, 0x00]],
        parent_exists: true,
    };
    let planned = plan(&t, &cert, &state, false).expect("plan");
    assert_eq!(planned.action, Action::Appended);
    assert!(planned.created.is_empty());
    assert_eq!(
        render_ldif(&planned.changes),
        format!(
            "dn: CN=NTAuthCertificates,{PKS}\nchangetype: modify\nadd: cACertificate\n\
             cACertificate:: MAA=\n-\n\n"
        )
    );
}

#[test]
fn dry_run_ldif_crl_with_new_container_and_replace() {
    let crl = fake(InputKind::Crl, "Example Issuing CA");
    let mut req = request(PublishType::Crl);
    req.cdp_container = Some("ca1".into());
    assert_eq!(
        created_ldif(&crl, &req, CONFIG),
        format!(
            "dn: CN=ca1,CN=CDP,{PKS}\nchangetype: add\nobjectClass: container\ncn: ca1\n\n\
             dn: CN=Example Issuing CA,CN=ca1,CN=CDP,{PKS}\nchangetype: add\n\
             objectClass: cRLDistributionPoint\ncn: Example Issuing CA\ncertificateRevocationList:: MAA=\n\n"
        )
    );
    let t = target(&crl, &req, CONFIG).expect("target");
    let state = State {
        exists: true,
        values: vec![vec![0x30, 0x01, 0x00]],
        parent_exists: true,
    };
    let planned = plan(&t, &crl, &state, false).expect("plan");
    assert_eq!(planned.action, Action::Replaced);
    assert_eq!(
        render_ldif(&planned.changes),
        format!(
            "dn: CN=Example Issuing CA,CN=ca1,CN=CDP,{PKS}\nchangetype: modify\n\
             replace: certificateRevocationList\ncertificateRevocationList:: MAA=\n-\n\n"
        )
    );
    // A delta CRL goes to deltaRevocationList; the container exists already.
    let delta = fake(InputKind::DeltaCrl, "Example Issuing CA");
    let t = target(&delta, &req, CONFIG).expect("target");
    let state = State {
        parent_exists: true,
        ..State::default()
    };
    let planned = plan(&t, &delta, &state, true).expect("plan");
    assert_eq!(planned.created, vec![t.dn.clone()]);
    assert_eq!(
        render_ldif(&planned.changes),
        format!(
            "dn: CN=Example Issuing CA,CN=ca1,CN=CDP,{PKS}\nchangetype: add\n\
             objectClass: cRLDistributionPoint\ncn: Example Issuing CA\ndeltaRevocationList:: MAA=\n\n"
        )
    );
}

#[test]
fn dry_run_ldif_rfc_profile() {
    let cert = fake(InputKind::Certificate, "Example Root CA");
    let rfc = Request {
        profile: DirectoryProfile::Rfc,
        ..request(PublishType::RootCA)
    };
    assert_eq!(
        created_ldif(&cert, &rfc, "cn=Configuration,dc=example,dc=test"),
        "dn: cn=Example Root CA,cn=Configuration,dc=example,dc=test\nchangetype: add\n\
         objectClass: applicationProcess\nobjectClass: pkiCA\ncn: Example Root CA\n\
         cACertificate;binary:: MAA=\n\n"
    );
    let crl = fake(InputKind::Crl, "Example Root CA");
    let rfc_crl = Request {
        profile: DirectoryProfile::Rfc,
        ..request(PublishType::Crl)
    };
    assert_eq!(
        created_ldif(&crl, &rfc_crl, "ou=crls,dc=example,dc=test"),
        "dn: cn=Example Root CA,ou=crls,dc=example,dc=test\nchangetype: add\n\
         objectClass: cRLDistributionPoint\ncn: Example Root CA\n\
         certificateRevocationList;binary:: MAA=\n\n"
    );
}

#[test]
fn refusals() {
    let cert = fake(InputKind::Certificate, "Example Root CA");
    let t = target(&cert, &request(PublishType::RootCA), CONFIG).expect("target");
    let missing = plan(&t, &cert, &State::default(), false).expect_err("no -f");
    assert_eq!(missing.exit_code(), 1);
    assert!(missing.to_string().contains("-f"), "{missing}");
    assert!(missing.to_string().contains(&t.dn), "{missing}");
    let there = State {
        exists: true,
        values: vec![PLACEHOLDER.to_vec(), cert.der.clone()],
        parent_exists: true,
    };
    let again = plan(&t, &cert, &there, true).expect_err("duplicate");
    assert_eq!(again.exit_code(), 1);
    assert_eq!(again.kind(), "already-published");
    assert!(again
        .to_string()
        .contains(&format!("already published in {}", t.dn)));
    // Missing CDP container without -f names the container.
    let crl = fake(InputKind::Crl, "X");
    let mut req = request(PublishType::Crl);
    req.cdp_container = Some("ca1".into());
    let t = target(&crl, &req, CONFIG).expect("target");
    let err = plan(&t, &crl, &State::default(), false).expect_err("no container");
    assert!(
        err.to_string()
            .starts_with(&format!("CN=ca1,CN=CDP,{PKS} does not exist")),
        "{err}"
    );
    // Usage and input errors exit 2.
    req.cdp_container = None;
    assert_eq!(
        target(&crl, &req, CONFIG)
            .expect_err("no container")
            .exit_code(),
        2
    );
    assert_eq!(
        target(&crl, &request(PublishType::RootCA), CONFIG)
            .expect_err("crl as root")
            .exit_code(),
        2
    );
    assert_eq!(
        target(&cert, &request(PublishType::Crl), CONFIG)
            .expect_err("cert as crl")
            .exit_code(),
        2
    );
    let nameless = Input {
        common_name: None,
        ..cert.clone()
    };
    assert!(target(&nameless, &request(PublishType::RootCA), CONFIG).is_err());
    assert!(target(&nameless, &request(PublishType::NTAuthCA), CONFIG).is_ok());
}

#[test]
fn certificates_read_from_der_and_pem_alike() {
    let (_, _, cert) = ca("Example Root CA");
    let from_der = read_input(cert.der()).expect("DER");
    let from_pem = read_input(cert.pem().as_bytes()).expect("PEM");
    assert_eq!(from_der.der, cert.der().to_vec());
    assert_eq!(from_pem.der, from_der.der);
    assert_eq!(from_der.kind, InputKind::Certificate);
    assert_eq!(from_der.common_name.as_deref(), Some("Example Root CA"));
    assert_eq!(from_der.subject, "CN=Example Root CA");
    assert_eq!(from_der.sha1, hex_upper(&Sha1::digest(cert.der())));
    assert_eq!(from_der.sha1.len(), 40);
    let err = read_input(b"hello").expect_err("garbage");
    assert_eq!(err.exit_code(), 2);
    assert!(read_input(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
}

#[test]
fn crls_with_and_without_the_delta_indicator() {
    let base = crl_der(false);
    let input = read_input(&base).expect("base CRL");
    assert_eq!(input.kind, InputKind::Crl);
    assert_eq!(input.common_name.as_deref(), Some("Example Issuing CA"));
    let pem = format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        B64.encode(&base)
    );
    assert_eq!(read_input(pem.as_bytes()).expect("PEM CRL").der, base);
    let delta = read_input(&crl_der(true)).expect("delta CRL");
    assert_eq!(delta.kind, InputKind::DeltaCrl);
    // No TYPE: a CRL file is a CRL publish.
    let mut req = Request {
        cdp_container: Some("ca1".into()),
        ..Request::default()
    };
    let t = target(&delta, &req, CONFIG).expect("target");
    assert_eq!(t.kind, PublishType::Crl);
    assert_eq!(t.attribute, "deltaRevocationList");
    assert_eq!(t.dn, format!("CN=Example Issuing CA,CN=ca1,CN=CDP,{PKS}"));
    req.kind = Some(PublishType::Crl);
    assert_eq!(
        target(&input, &req, CONFIG).expect("target").attribute,
        "certificateRevocationList"
    );
}

#[test]
fn ldif_values_are_base64_only_when_needed() {
    let mut out = String::new();
    ldif_line(&mut out, "cn", b"plain text");
    ldif_line(&mut out, "cn", b" leading space");
    ldif_line(&mut out, "cn", "Zürich".as_bytes());
    ldif_line(&mut out, "cn", b":colon");
    assert_eq!(
        out,
        "cn: plain text\ncn:: IGxlYWRpbmcgc3BhY2U=\ncn:: WsO8cmljaA==\ncn:: OmNvbG9u\n"
    );
}

#[test]
fn report_text_and_json() {
    let report = Report {
        kind: PublishType::RootCA,
        profile: DirectoryProfile::Ad,
        input: InputKind::Certificate,
        dn: "CN=X,CN=Certification Authorities,CN=Public Key Services".into(),
        attribute: "cACertificate".into(),
        sha1: "AB".into(),
        subject: "CN=X".into(),
        action: Action::Created,
        created: vec!["CN=X".into()],
        dry_run: true,
        ldif: "dn: CN=X\n".into(),
    };
    let text = report.human();
    assert!(
        text.starts_with("# dry run: would create the object\n"),
        "{text}"
    );
    assert!(text.ends_with("\ndn: CN=X\n"), "{text}");
    let json = report.json();
    assert_eq!(json["status"], "dry-run");
    assert_eq!(json["type"], "RootCA");
    assert_eq!(json["action"], "created");
    assert_eq!(json["profile"], "ad");
}

#[test]
fn long_ca_names_are_cut_to_51_characters_and_hashed_as_certutil_does() {
    let cert = fake(
        InputKind::Certificate,
        "Contoso Worldwide Holdings, Inc. Enterprise Root CA 2026 G02",
    );
    let t = target(&cert, &request(PublishType::RootCA), CONFIG).expect("target");
    assert_eq!(
        t.cn,
        "Contoso Worldwide Holdings!002c Inc. Enterprise Roo-08024"
    );
    assert!(t.dn.starts_with(
        "CN=Contoso Worldwide Holdings!002c Inc. Enterprise Roo-08024,CN=Certification Authorities,"
    ));
}
