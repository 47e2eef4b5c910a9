//! Scopes and attribute selection: 1.1, +, typesOnly, schema spelling and the user class chain.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_scopes_base_one_and_subtree() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let base = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(dns(&base), vec![USERS_DN.to_string()]);
    let one = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(!has_dn(&one, USERS_DN), "one-level excludes the base");
    assert!(has_dn(&one, &user_dn("alice")) && has_dn(&one, ADMIN_DN));
    let sub = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(has_dn(&sub, USERS_DN) && has_dn(&sub, &user_dn("alice")));
    assert_eq!(sub.len(), one.len() + 1, "CN=Users has no grandchildren");
    let top = search_ok(
        &mut ldap,
        BASE_DN,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(
        has_dn(&top, USERS_DN) && !has_dn(&top, &user_dn("alice")),
        "one-level is children only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_list_1_1_returns_no_attributes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(e.len(), 1);
    assert!(
        attribute_names(&e[0]).is_empty(),
        "{:?}",
        attribute_names(&e[0])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plus_returns_operational_attributes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["+"],
    )
    .await;
    assert_eq!(e.len(), 1);
    let names = attribute_names(&e[0]);
    for want in ["objectGUID", "whenCreated", "uSNChanged"] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn types_only_returns_names_without_values() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let res = ldap
        .with_search_options(SearchOptions::new().typesonly(true))
        .search(
            &user_dn("alice"),
            Scope::Base,
            "(objectClass=*)",
            vec!["sAMAccountName", "cn", "objectGUID"],
        )
        .await
        .expect("search");
    assert_eq!(res.1.rc, 0, "{}", res.1);
    let e: Vec<SearchEntry> = res.0.into_iter().map(SearchEntry::construct).collect();
    assert_eq!(e.len(), 1);
    let names = attribute_names(&e[0]);
    for want in ["sAMAccountName", "cn", "objectGUID"] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
    for (name, vals) in &e[0].attrs {
        assert!(vals.is_empty(), "{name} has values {vals:?}");
    }
    for (name, vals) in &e[0].bin_attrs {
        assert!(vals.is_empty(), "{name} has values {vals:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_names_come_back_in_schema_spelling() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &ca_dn(ROOT_CA_CN, "Certification Authorities"),
        Scope::Base,
        "(OBJECTCLASS=CERTIFICATIONAUTHORITY)",
        &["CACERTIFICATE", "cn", "OBJECTCATEGORY"],
    )
    .await;
    assert_eq!(e.len(), 1);
    assert_eq!(
        attribute_names(&e[0]),
        vec![
            "cACertificate".to_string(),
            "cn".to_string(),
            "objectCategory".to_string()
        ]
    );
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["samaccountname", "USERPRINCIPALNAME"],
    )
    .await;
    assert_eq!(
        attribute_names(&e[0]),
        vec![
            "sAMAccountName".to_string(),
            "userPrincipalName".to_string()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_object_class_is_the_full_chain_and_category_is_person() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["objectClass", "objectCategory"],
    )
    .await;
    assert_eq!(
        text_values(&e[0], "objectClass"),
        vec!["top", "person", "organizationalPerson", "user"]
    );
    assert_eq!(
        text_values(&e[0], "objectCategory"),
        vec![format!("CN=Person,{SCHEMA_DN}")]
    );
    // Superclasses match in filters, and the category shortcut works for users too.
    for f in [
        "(objectClass=organizationalPerson)",
        "(objectCategory=person)",
        "(objectCategory=user)",
    ] {
        let found = search_ok(&mut ldap, USERS_DN, Scope::Subtree, f, &["1.1"]).await;
        assert!(has_dn(&found, &user_dn("alice")), "{f}: {:?}", dns(&found));
    }
}
