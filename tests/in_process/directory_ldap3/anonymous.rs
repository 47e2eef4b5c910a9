//! Anonymous access: refused domain searches (000004DC) and, when allowed, what is visible.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_search_of_domain_is_operations_error_000004dc() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.connect().await;
    let (entries, res) = search(
        &mut ldap,
        BASE_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["cn"],
    )
    .await;
    assert_eq!(
        res.rc, 1,
        "anonymous search must fail with operationsError: {res}"
    );
    assert!(res.text.starts_with("000004DC"), "diagnostic: {res}");
    assert!(
        res.text.contains("In order to perform this operation a successful bind must be completed on the connection."),
        "diagnostic: {res}"
    );
    assert!(entries.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_reads_when_allowed_show_users_but_hide_pki_objects() {
    let fx = standard_ldif();
    let server = start_with(
        &fx.ldif,
        Options {
            allow_anonymous: true,
            ..Options::default()
        },
    )
    .await;
    let mut anon = server.connect().await;
    let users = search_ok(
        &mut anon,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["sAMAccountName"],
    )
    .await;
    assert!(
        has_dn(&users, &user_dn("alice")),
        "anonymous sees users: {:?}",
        dns(&users)
    );

    let cas = search_ok(
        &mut anon,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    assert!(
        cas.is_empty(),
        "PKI objects are readable by Authenticated Users only: {:?}",
        dns(&cas)
    );

    // Control: the same query as an authenticated user finds them.
    let mut alice = server.bound(&user_dn("alice"), USER_PASSWORD).await;
    let cas = search_ok(
        &mut alice,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    assert!(has_dn(
        &cas,
        &ca_dn(ROOT_CA_CN, "Certification Authorities")
    ));
}
