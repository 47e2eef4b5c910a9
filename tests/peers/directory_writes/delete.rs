//! Delete: leaves are removed, non-leaves are refused.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_leaves_and_refuses_non_leaves() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let parent = format!("CN=Delete Me,{PKS_DN}");
    let child = format!("CN=Child CA,{parent}");
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Delete Me", PKS_DN)).await);
    let der = make_ca_cert("Child Root CA");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &ca_add_ldif("Child CA", &parent, &[&der]),
        )
        .await,
    );

    // Not a leaf: 66, and nothing is removed.
    let usn = highest_usn(&server).await;
    let out = ldapdelete(&server, Who::Admin, &parent).await;
    assert_refused(&out, 66, "0000208C");
    assert!(read(&server, &parent, &["cn"]).await.is_some());
    assert_eq!(certificates(&server, &child).await, vec![der]);
    let out = ldapdelete(&server, Who::Admin, PKS_DN).await;
    assert_refused(&out, 66, "0000208C");
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused deletes moved highestCommittedUSN"
    );

    // Missing object: 32 with AD's NO_OBJECT text and the best match.
    let out = ldapdelete(&server, Who::Admin, &format!("CN=Nobody,{parent}")).await;
    assert_refused(&out, 32, "0000208D");
    assert_eq!(matched_dn(&out), Some(parent.clone()));

    // The rootDSE: 53.
    let out = tool(&server, "ldapdelete", Who::Admin, &[""], "").await;
    assert_refused(&out, 53, "");

    // Leaf first, then the now-empty parent.
    assert_ok(&ldapdelete(&server, Who::Admin, &child).await);
    assert!(
        read(&server, &child, &["cn"]).await.is_none(),
        "deleted child still readable"
    );
    let out = server
        .ldapsearch_admin(&[
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cn",
        ])
        .await;
    assert!(
        out.ldif().find(&child).is_none(),
        "deleted CA still found by search\n{out}"
    );
    assert_ok(&ldapdelete(&server, Who::Admin, &parent).await);
    assert!(read(&server, &parent, &["cn"]).await.is_none());

    // The name is free again.
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Delete Me", PKS_DN)).await);

    server.stop().await;
}
