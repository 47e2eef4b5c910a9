//! RDN rules of MS-ADTS 3.1.1.3.1.2.1 and 3.1.1.3.1.2.3, on Add and on ModifyDN.

use super::*;

/// "The server will return a namingViolation error when an attempt is made to add an object of
/// class C whose RDN contains a different AttributeType than that declared in C!rDNAttID", and
/// the naming constraints hold for Modify DN too (MS-ADTS 3.1.1.5.1.2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn an_rdn_type_other_than_rdnattid_is_a_naming_violation() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = format!("OU=Wrong Type,{PKS_DN}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &format!("dn: {dn}\nobjectClass: container\ncn: Wrong Type\n\n"),
    )
    .await;
    assert_refused(&out, 64, "");
    assert!(read(&server, &dn, &["cn"]).await.is_none());

    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Tree", PKS_DN)).await);
    let before = snapshot(&server, &tree).await;
    let out = ldapmodrdn(&server, Who::Admin, &tree, "OU=Tree", true, None).await;
    assert_refused(&out, 64, "");
    assert_eq!(snapshot(&server, &tree).await, before);
    assert!(read(&server, &format!("OU=Tree,{PKS_DN}"), &["cn"])
        .await
        .is_none());

    server.stop().await;
}

/// "multivalued RDNs … are both disallowed in Active Directory. An attempt to create such a DN
/// is considered an attempt to create a syntactically invalid DN, and returns the error
/// invalidDNSyntax" (MS-ADTS 3.1.1.3.1.2.3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn multi_valued_rdns_are_invalid_dn_syntax() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = format!("CN=Multi+description=x,{PKS_DN}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &format!("dn: {dn}\nobjectClass: container\n\n"),
    )
    .await;
    assert_refused(&out, 34, "");
    assert!(read(&server, &dn, &["cn"]).await.is_none());

    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Tree", PKS_DN)).await);
    let before = snapshot(&server, &tree).await;
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Tree+description=x",
        true,
        None,
    )
    .await;
    assert_refused(&out, 34, "");
    assert_eq!(snapshot(&server, &tree).await, before);

    server.stop().await;
}
