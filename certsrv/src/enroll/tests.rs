use super::*;

struct Forest {
    template: Template,
}

impl Directory for Forest {
    fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>> {
        Vec::new()
    }
    fn authenticate(&self, _: &str, _: &str) -> Result<String, crate::BindRefused> {
        Err(crate::BindRefused::NotAUser)
    }
    fn host_name(&self) -> String {
        "dc1.example.test".into()
    }
    fn default_ca_name(&self) -> String {
        "CA".into()
    }
    fn template(&self, name: &str) -> Option<Template> {
        self.template
            .name
            .eq_ignore_ascii_case(name)
            .then(|| self.template.clone())
    }
    fn offered_templates(&self, host: &str) -> Vec<String> {
        if host == "ca.example.test" {
            vec![self.template.name.clone()]
        } else {
            Vec::new()
        }
    }
}

fn web_server() -> Template {
    Template {
        name: "WebServer".into(),
        extended_key_usages: vec!["1.3.6.1.5.5.7.3.1".into()],
        key_usage: 0xA0,
        validity_seconds: 730 * 86_400,
        name_flag: 1,
        enrollment_flag: 0,
        minimal_key_size: 2048,
    }
}

/// A CA (certificate and PKCS#8 key).
fn ca() -> (CaGeneration, Vec<u8>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Contoso Issuing CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    (
        CaGeneration::new(certificate.der().to_vec(), Vec::new()),
        key.serialize_der(),
    )
}

fn csr(cn: &str) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![cn.to_string()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.serialize_request(&key).unwrap().pem().unwrap()
}

fn form(request: &str, attrib: &str) -> Form {
    Form {
        mode: "newreq".into(),
        cert_request: request.into(),
        cert_attrib: attrib.into(),
    }
}

fn submit(enrollment: &Enrollment, template: Template, form: &Form) -> Outcome {
    let (generation, _) = ca();
    submit_with(enrollment, template, form, &generation)
}

fn submit_with(
    enrollment: &Enrollment,
    template: Template,
    form: &Form,
    generation: &CaGeneration,
) -> Outcome {
    let forest = Forest { template };
    let policy = Policy {
        directory: Some(&forest),
        host: "ca.example.test",
        ca: Some(generation),
        account: "EXAMPLE\\alice",
    };
    enrollment.submit(form, &policy)
}

#[test]
fn a_web_server_request_is_issued_with_the_templates_eku_and_validity() {
    let (generation, key) = ca();
    let enrollment = Enrollment::new(Some(key), false);
    let outcome = submit_with(
        &enrollment,
        web_server(),
        &form(
            &csr("mcu.example.test"),
            "CertificateTemplate:WebServer\r\n",
        ),
        &generation,
    );
    assert_eq!(outcome, Outcome::Issued(FIRST_REQUEST_ID));
    let der = enrollment.issued(FIRST_REQUEST_ID).unwrap();
    let certificate = x509_cert::Certificate::from_der(&der).unwrap();
    let tbs = &certificate.tbs_certificate;
    assert_eq!(tbs.subject.to_string(), "CN=mcu.example.test");
    assert_eq!(tbs.issuer.to_string(), "CN=Contoso Issuing CA");
    let lifetime =
        tbs.validity.not_after.to_unix_duration() - tbs.validity.not_before.to_unix_duration();
    assert!(
        lifetime >= Duration::from_secs(730 * 86_400),
        "{lifetime:?}"
    );
    let text = format!("{:?}", tbs.extensions);
    // serverAuth in the EKU extension, and the template name extension.
    assert!(
        der.windows(10)
            .any(|w| w == [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]),
        "{text}"
    );
    assert!(text.contains("1.3.6.1.4.1.311.20.2"), "{text}");
}

#[test]
fn templates_the_ca_does_not_offer_and_missing_ones_are_denied_with_ad_cs_codes() {
    let (_, key) = ca();
    let enrollment = Enrollment::new(Some(key), false);
    let request = csr("mcu.example.test");
    match submit(
        &enrollment,
        web_server(),
        &form(&request, "CertificateTemplate:SubCA"),
    ) {
        Outcome::Denied {
            id: Some(_),
            message,
        } => {
            assert!(message.contains("0x80094800"), "{message}");
            assert!(message.ends_with("policy: SubCA."), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match submit(&enrollment, web_server(), &form(&request, "UserAgent:curl")) {
        Outcome::Denied { message, .. } => assert!(message.contains("0x80094801"), "{message}"),
        other => panic!("{other:?}"),
    }
    match submit(
        &enrollment,
        web_server(),
        &form("bm90IGEgcmVxdWVzdA==", "CertificateTemplate:WebServer"),
    ) {
        Outcome::Denied { id: None, message } => {
            assert!(message.starts_with("Error Parsing Request"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pending_requests_wait_and_are_not_downloadable() {
    let (_, key) = ca();
    let request = form(&csr("mcu.example.test"), "CertificateTemplate:WebServer");
    let by_ca = Enrollment::new(Some(key.clone()), true);
    let Outcome::Pending(id) = submit(&by_ca, web_server(), &request) else {
        panic!("not pending")
    };
    assert_eq!(by_ca.issued(id), None);
    let by_template = Enrollment::new(Some(key), false);
    let mut approval = web_server();
    approval.enrollment_flag = PEND_ALL_REQUESTS;
    assert!(matches!(
        submit(&by_template, approval, &request),
        Outcome::Pending(_)
    ));
}

#[test]
fn without_supply_in_request_the_account_names_the_certificate() {
    let (generation, key) = ca();
    let enrollment = Enrollment::new(Some(key), false);
    let mut user = web_server();
    user.name_flag = 0;
    let outcome = submit_with(
        &enrollment,
        user,
        &form(
            &csr("someone-else.example.test"),
            "CertificateTemplate:WebServer",
        ),
        &generation,
    );
    let Outcome::Issued(id) = outcome else {
        panic!("{outcome:?}")
    };
    let certificate = x509_cert::Certificate::from_der(&enrollment.issued(id).unwrap()).unwrap();
    assert_eq!(certificate.tbs_certificate.subject.to_string(), "CN=alice");
}

#[test]
fn the_form_decodes_as_browsers_and_certreq_encode_it() {
    let form = parse_form(b"Mode=newreq&CertRequest=MIIB%2Babc+def%3D&CertAttrib=CertificateTemplate%3AWebServer%0D%0A&SaveCert=yes");
    assert_eq!(form.mode, "newreq");
    assert_eq!(form.cert_request, "MIIB+abc def=");
    assert_eq!(
        template_name(&form.cert_attrib).as_deref(),
        Some("WebServer")
    );
    assert_eq!(
        template_name("CertificateTemplate: WebServer").as_deref(),
        Some("WebServer")
    );
    assert_eq!(template_name("CertificateTemplate:"), None);
}
