//! ModifyDN: renames and subtree moves, and AD's checks on them.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_dn_renames_and_moves_subtrees() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let der = make_ca_cert("Tree Root CA");
    let tree = format!("CN=Tree,{PKS_DN}");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}{}{}",
                container_ldif("Tree", PKS_DN),
                container_ldif("Branch", &tree),
                ca_add_ldif("Leaf CA", &format!("CN=Branch,{tree}"), &[&der]),
            ),
        )
        .await,
    );
    let guid = must_read(&server, &tree, &["objectGUID"])
        .await
        .get("objectGUID");
    let leaf_guid = must_read(
        &server,
        &format!("CN=Leaf CA,CN=Branch,{tree}"),
        &["objectGUID"],
    )
    .await
    .get("objectGUID");

    // Rename in place (deleteoldrdn): the DN, cn and name follow; the children's DNs follow.
    let grove = format!("CN=Grove,{PKS_DN}");
    assert_ok(&ldapmodrdn(&server, Who::Admin, &tree, "CN=Grove", true, None).await);
    assert!(
        read(&server, &tree, &["cn"]).await.is_none(),
        "old name still resolves"
    );
    let entry = must_read(
        &server,
        &grove,
        &["cn", "name", "distinguishedName", "objectGUID"],
    )
    .await;
    assert_eq!(entry.get_text("cn"), vec!["Grove"]);
    assert_eq!(entry.get_text("name"), vec!["Grove"]);
    assert_eq!(entry.get_text("distinguishedName"), vec![grove.clone()]);
    assert_eq!(
        entry.get("objectGUID"),
        guid,
        "a rename keeps the object's GUID"
    );
    let leaf = format!("CN=Leaf CA,CN=Branch,{grove}");
    let entry = must_read(
        &server,
        &leaf,
        &["distinguishedName", "objectGUID", "cACertificate"],
    )
    .await;
    assert_eq!(entry.get_text("distinguishedName"), vec![leaf.clone()]);
    assert_eq!(entry.get("objectGUID"), leaf_guid);
    assert_eq!(entry.get("cACertificate"), vec![der.clone()]);
    assert!(
        read(&server, &format!("CN=Leaf CA,CN=Branch,{tree}"), &["cn"])
            .await
            .is_none()
    );
    let out = server
        .ldapsearch_admin(&["-b", &grove, "(objectClass=*)", "distinguishedName"])
        .await;
    assert_eq!(out.code, 0, "{out}");
    let mut dns = out.ldif().dns();
    dns.sort();
    let mut want = vec![grove.clone(), format!("CN=Branch,{grove}"), leaf.clone()];
    want.sort();
    assert_eq!(dns, want, "the subtree under its new name\n{out}");
    let out = server
        .ldapsearch_admin(&["-b", CONFIG_DN, "(cn=Leaf CA)", "1.1"])
        .await;
    assert_eq!(
        out.ldif().dns(),
        vec![leaf.clone()],
        "searches find the renamed subtree\n{out}"
    );

    // Move (newSuperior) under CN=AIA: the whole subtree follows.
    let moved = format!("CN=Grove,{}", aia_dn());
    assert_ok(
        &ldapmodrdn(
            &server,
            Who::Admin,
            &grove,
            "CN=Grove",
            true,
            Some(&aia_dn()),
        )
        .await,
    );
    assert!(read(&server, &grove, &["cn"]).await.is_none());
    let moved_leaf = format!("CN=Leaf CA,CN=Branch,{moved}");
    let entry = must_read(
        &server,
        &moved_leaf,
        &["distinguishedName", "objectGUID", "cACertificate"],
    )
    .await;
    assert_eq!(
        entry.get_text("distinguishedName"),
        vec![moved_leaf.clone()]
    );
    assert_eq!(entry.get("objectGUID"), leaf_guid);
    assert_eq!(entry.get("cACertificate"), vec![der.clone()]);
    let out = server
        .ldapsearch_admin(&["-b", &aia_dn(), "-s", "one", "(objectClass=*)", "1.1"])
        .await;
    assert!(
        out.ldif().find(&moved).is_some(),
        "one-level search of CN=AIA lists the moved container\n{out}"
    );

    // Rename and move at once; without deleteoldrdn the single-valued cn still takes the new value.
    let final_dn = format!("CN=Orchard,{PKS_DN}");
    assert_ok(
        &ldapmodrdn(
            &server,
            Who::Admin,
            &moved,
            "CN=Orchard",
            false,
            Some(PKS_DN),
        )
        .await,
    );
    let entry = must_read(&server, &final_dn, &["cn", "name"]).await;
    assert_eq!(entry.get_text("cn"), vec!["Orchard"]);
    assert_eq!(entry.get_text("name"), vec!["Orchard"]);
    assert!(read(
        &server,
        &format!("CN=Leaf CA,CN=Branch,{final_dn}"),
        &["cn"]
    )
    .await
    .is_some());

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_dn_is_checked_like_ad() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let tree = format!("CN=Tree,{PKS_DN}");
    let branch = format!("CN=Branch,{tree}");
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}{}",
                container_ldif("Tree", PKS_DN),
                container_ldif("Branch", &tree)
            ),
        )
        .await,
    );
    let tree_before = snapshot(&server, &tree).await;
    let seed_before = snapshot(&server, &seed_ca_dn()).await;
    // A namesake of the seed CA under CN=AIA, for a move onto an existing name.
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("Seed CA", &aia_dn())).await);
    let usn = highest_usn(&server).await;

    // Onto an existing name: 68 (a rename in place, and a move).
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Certification Authorities",
        true,
        None,
    )
    .await;
    assert_refused(&out, 68, "00002071");
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &seed_ca_dn(),
        "CN=Seed CA",
        true,
        Some(&aia_dn()),
    )
    .await;
    assert_refused(&out, 68, "00002071");
    // Below itself: 53.
    let out = ldapmodrdn(&server, Who::Admin, &tree, "CN=Tree", true, Some(&branch)).await;
    assert_refused(&out, 53, "000020EF");
    let out = ldapmodrdn(&server, Who::Admin, &tree, "CN=Tree", true, Some(&tree)).await;
    assert_refused(&out, 53, "000020EF");
    // Under a parent its class may not live under: 64.
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &seed_ca_dn(),
        "CN=Seed CA",
        true,
        Some(BASE_DN),
    )
    .await;
    assert_refused(&out, 64, "00002037");
    // Missing object and missing new superior: 32.
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &format!("CN=Ghost,{PKS_DN}"),
        "CN=Ghost2",
        true,
        None,
    )
    .await;
    assert_refused(&out, 32, "0000208D");
    let out = ldapmodrdn(
        &server,
        Who::Admin,
        &tree,
        "CN=Tree",
        true,
        Some(&format!("CN=Nowhere,{PKS_DN}")),
    )
    .await;
    assert_refused(&out, 32, "");

    assert_eq!(
        snapshot(&server, &tree).await,
        tree_before,
        "a refused moddn changed the object"
    );
    assert!(
        read(&server, &branch, &["cn"]).await.is_some(),
        "a refused moddn moved the child"
    );
    assert_eq!(snapshot(&server, &seed_ca_dn()).await, seed_before);
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused moddns moved highestCommittedUSN"
    );

    server.stop().await;
}
