use super::*;

fn certificate(sans: &[&str]) -> Vec<u8> {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Proxy Listener");
    params.self_signed(&key).unwrap().der().to_vec()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn verdict<'a>(check: &'a SanCheck, name: &str) -> &'a Coverage {
    check.names.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn a_listener_certificate_for_the_old_pool_misses_the_new_pools_name() {
    let der = certificate(&[
        "webext-pool1.example.test",
        "meet.example.test",
        "dialin.example.test",
        "lyncdiscover.example.test",
    ]);
    let mut asked = pool_names("webext-pool1.example.test", "example.test");
    asked.extend(pool_names("webext-pool2.example.test", "example.test"));
    let check = check(&der, &asked).unwrap();
    assert!(!check.all_covered());
    let pool2 = verdict(&check, "webext-pool2.example.test");
    assert!(!pool2.covered);
    assert_eq!(pool2.why, "no subjectAltName entry names it");
    let meet = verdict(&check, "meet.example.test");
    assert!(meet.covered);
    assert_eq!(meet.by.as_deref(), Some("DNS:meet.example.test"));
    assert_eq!(check.sans.len(), 4);
    let report = text(&check);
    assert!(
        report.contains("NOT covered  webext-pool2.example.test"),
        "{report}"
    );
    assert!(report.contains("1 of 5 names are not covered"), "{report}");
}

#[test]
fn a_wildcard_covers_exactly_one_label() {
    let der = certificate(&["*.example.test"]);
    let check = check(
        &der,
        &names(&[
            "meet.example.test",
            "a.b.example.test",
            "example.test",
            "MEET.Example.Test.",
        ]),
    )
    .unwrap();
    assert!(verdict(&check, "meet.example.test").covered);
    assert_eq!(
        verdict(&check, "meet.example.test").by.as_deref(),
        Some("DNS:*.example.test")
    );
    assert_eq!(
        verdict(&check, "a.b.example.test").why,
        "DNS:*.example.test covers one label only"
    );
    assert_eq!(
        verdict(&check, "example.test").why,
        "DNS:*.example.test does not cover example.test itself"
    );
    // Case and a trailing dot do not matter; a name asked twice is answered once.
    let again = super::check(&der, &names(&["MEET.Example.Test.", "meet.example.test"])).unwrap();
    assert_eq!(again.names.len(), 1);
    assert!(verdict(&again, "MEET.Example.Test").covered);
}

#[test]
fn ip_addresses_and_missing_sans() {
    let der = certificate(&["127.0.0.1", "pool.example.test"]);
    let check = super::check(&der, &names(&["127.0.0.1", "127.0.0.2"])).unwrap();
    assert!(verdict(&check, "127.0.0.1").covered);
    assert_eq!(
        verdict(&check, "127.0.0.1").by.as_deref(),
        Some("IP:127.0.0.1")
    );
    assert!(!verdict(&check, "127.0.0.2").covered);

    let no_sans = certificate(&[]);
    let refused = super::check(&no_sans, &names(&["Proxy Listener", "pool.example.test"]));
    // "Proxy Listener" is no DNS name; the CN is never a name TLS clients match.
    assert!(matches!(refused, Err(Error::Input(_))));
    let check = super::check(&no_sans, &names(&["pool.example.test"])).unwrap();
    assert!(check.names[0].why.contains("no subjectAltName"));
}

#[test]
fn the_explanation_agrees_with_webpki_on_every_case() {
    let der = certificate(&[
        "*.example.test",
        "pool.example.test",
        "sip.corp.example.test",
    ]);
    let asked = names(&[
        "pool.example.test",
        "POOL.EXAMPLE.TEST",
        "x.example.test",
        "x.y.example.test",
        "example.test",
        "sip.corp.example.test",
        "corp.example.test",
        "other.test",
        "x.pool.example.test",
    ]);
    let check = check(&der, &asked).unwrap();
    for coverage in &check.names {
        assert_eq!(coverage.covered, coverage.by.is_some(), "{coverage:?}");
        assert_eq!(coverage.covered, coverage.why.is_empty(), "{coverage:?}");
    }
}

#[test]
fn garbage_is_an_input_error() {
    assert!(matches!(
        check(b"not a certificate", &names(&["a.test"])),
        Err(Error::Input(_))
    ));
}

#[test]
fn the_sip_domain_is_the_pool_name_less_its_first_label() {
    assert_eq!(domain_of("webext-pool2.example.test"), Some("example.test"));
    assert_eq!(domain_of("localhost"), None);
}
