//! The phone's certificationAuthority query: certificate bytes, ;binary, and objectCategory
//! matching.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_query_returns_ca_certificate_der_bytes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.bound("EXAMPLE\\alice", USER_PASSWORD).await;
    let entries = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    let root = entries
        .iter()
        .find(|e| e.dn == ca_dn(ROOT_CA_CN, "Certification Authorities"))
        .unwrap_or_else(|| panic!("root CA missing: {:?}", dns(&entries)));
    assert_eq!(
        root.bin_attrs.get("cACertificate"),
        Some(&vec![fx.root_der.clone()])
    );
    let issuing = entries
        .iter()
        .find(|e| e.dn == ca_dn(ISSUING_CA_CN, "AIA"))
        .unwrap_or_else(|| panic!("AIA CA missing: {:?}", dns(&entries)));
    assert_eq!(
        issuing.bin_attrs.get("cACertificate"),
        Some(&vec![fx.issuing_der.clone()])
    );
    for e in &entries {
        assert_eq!(
            attribute_names(e),
            vec!["cACertificate".to_string()],
            "{} only has the asked attribute",
            e.dn
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_transfer_option_returns_same_bytes_under_bare_name() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.bound("alice@example.test", USER_PASSWORD).await;
    let entries = search_ok(
        &mut ldap,
        &ca_dn(ROOT_CA_CN, "Certification Authorities"),
        Scope::Base,
        "(objectClass=*)",
        &["cACertificate;binary"],
    )
    .await;
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        e.bin_attrs.get("cACertificate"),
        Some(&vec![fx.root_der.clone()]),
        "{:?}",
        attribute_names(e)
    );
    assert!(
        !e.bin_attrs.contains_key("cACertificate;binary"),
        "AD answers without ;binary"
    );
    assert_eq!(attribute_names(e), vec!["cACertificate".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certification_authorities_have_category_and_match_by_object_class() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let entries = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectClass=certificationAuthority)",
        &["objectCategory", "objectClass"],
    )
    .await;
    assert!(
        has_dn(&entries, &ca_dn(ROOT_CA_CN, "Certification Authorities")),
        "{:?}",
        dns(&entries)
    );
    assert!(
        has_dn(&entries, &ca_dn(ISSUING_CA_CN, "AIA")),
        "{:?}",
        dns(&entries)
    );
    for e in &entries {
        assert_eq!(
            text_values(e, "objectCategory"),
            vec![CA_CATEGORY_DN],
            "{}",
            e.dn
        );
        assert_eq!(
            text_values(e, "objectClass"),
            vec!["top", "certificationAuthority"],
            "{}",
            e.dn
        );
    }
    // The objectCategory DN form finds the same objects as the short name.
    let by_dn = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        &format!("(objectCategory={CA_CATEGORY_DN})"),
        &["1.1"],
    )
    .await;
    let mut a = dns(&entries);
    let mut b = dns(&by_dn);
    a.sort();
    b.sort();
    assert_eq!(a, b);
}
