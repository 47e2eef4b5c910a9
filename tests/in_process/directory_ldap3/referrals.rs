//! Referrals and missing objects: continuation references and noSuchObject with the best match.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_subtree_search_returns_configuration_continuation_reference() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, refs, res) = search_with_refs(&mut ldap, BASE_DN, "(objectClass=*)").await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(refs.contains(&CONFIG_REF.to_string()), "refs: {refs:?}");
    assert!(has_dn(&entries, &user_dn("alice")));
    let leaked: Vec<_> = entries
        .iter()
        .filter(|e| {
            e.dn.to_ascii_lowercase()
                .ends_with(&CONFIG_DN.to_ascii_lowercase())
        })
        .map(|e| e.dn.clone())
        .collect();
    assert!(
        leaked.is_empty(),
        "Configuration objects in a domain search: {leaked:?}"
    );
    // The phone's query against the domain NC finds no CA, only the reference.
    let (cas, refs, res) = search_with_refs(
        &mut ldap,
        BASE_DN,
        "(objectCategory=certificationAuthority)",
    )
    .await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(cas.is_empty(), "{:?}", dns(&cas));
    assert!(refs.contains(&CONFIG_REF.to_string()), "refs: {refs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_subtree_search_returns_schema_continuation_reference() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, refs, res) = search_with_refs(&mut ldap, CONFIG_DN, "(objectClass=*)").await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(refs.contains(&SCHEMA_REF.to_string()), "refs: {refs:?}");
    assert!(has_dn(&entries, PKS_DN));
    assert!(
        !entries.iter().any(|e| e
            .dn
            .to_ascii_lowercase()
            .ends_with(&SCHEMA_DN.to_ascii_lowercase())),
        "schema objects in a Configuration search"
    );
    // ldap3's collecting search() puts references in the result's refs.
    let (_, res) = search(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectClass=container)",
        &["1.1"],
    )
    .await;
    assert!(res.refs.contains(&SCHEMA_REF.to_string()), "{:?}", res.refs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_base_is_no_such_object_with_best_match() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, res) = search(
        &mut ldap,
        "CN=Nope,DC=example,DC=test",
        Scope::Subtree,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(entries.is_empty());
    assert_eq!(res.rc, 32, "{res}");
    assert_eq!(res.matched, BASE_DN, "{res}");
    assert!(res.text.starts_with("0000208D"), "{res}");
    assert!(res.text.contains("best match of:"), "{res}");
    assert!(res.text.contains("'DC=example,DC=test'"), "{res}");
    // Deeper miss: best match is the deepest existing ancestor.
    let (_, res) = search(
        &mut ldap,
        &format!("CN=Nope,CN=Deeper,{USERS_DN}"),
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(res.rc, 32, "{res}");
    assert_eq!(res.matched, USERS_DN, "{res}");
}
