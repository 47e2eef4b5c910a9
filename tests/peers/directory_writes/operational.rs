//! Operational attributes: uSNChanged, whenChanged and the rootDSE's highestCommittedUSN after
//! writes.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_move_usn_changed_when_changed_and_highest_committed_usn() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let bookkeeping = [
        "uSNCreated",
        "uSNChanged",
        "whenCreated",
        "whenChanged",
        "objectGUID",
    ];

    let old = must_read(&server, &dn, &bookkeeping).await;
    let highest = highest_usn(&server).await;
    assert!(
        highest >= number(&old, "uSNChanged"),
        "highestCommittedUSN {highest} below an object's uSNChanged"
    );
    assert!(number(&old, "uSNChanged") >= number(&old, "uSNCreated"));

    // whenChanged has one-second resolution (GeneralizedTime "…SS.0Z"): let the clock move on.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!(
                "dn: {dn}\nchangetype: modify\nreplace: description\ndescription: touched\n-\n\n"
            ),
        )
        .await,
    );
    let new = must_read(&server, &dn, &bookkeeping).await;
    assert!(
        number(&new, "uSNChanged") > number(&old, "uSNChanged"),
        "uSNChanged did not increase: {old:?} -> {new:?}"
    );
    assert!(
        text(&new, "whenChanged") > text(&old, "whenChanged"),
        "whenChanged did not increase: {old:?} -> {new:?}"
    );
    for unchanged in ["uSNCreated", "whenCreated", "objectGUID"] {
        assert_eq!(
            new.get(unchanged),
            old.get(unchanged),
            "{unchanged} changed on modify"
        );
    }
    let after_modify = highest_usn(&server).await;
    assert!(
        after_modify > highest,
        "highestCommittedUSN did not move: {highest} -> {after_modify}"
    );
    assert!(
        after_modify >= number(&new, "uSNChanged"),
        "highestCommittedUSN {after_modify} below the new uSNChanged {}",
        number(&new, "uSNChanged")
    );

    // An add: a fresh USN, uSNCreated = uSNChanged, whenCreated = whenChanged.
    let added_dn = format!("CN=USN Probe,{}", cas_dn());
    assert_ok(&ldapadd(&server, Who::Admin, &container_ldif("USN Probe", &cas_dn())).await);
    let added = must_read(&server, &added_dn, &bookkeeping).await;
    assert!(
        number(&added, "uSNCreated") > after_modify,
        "a new object reuses an old USN: {added:?}"
    );
    assert_eq!(number(&added, "uSNCreated"), number(&added, "uSNChanged"));
    assert_eq!(text(&added, "whenCreated"), text(&added, "whenChanged"));
    assert!(text(&added, "whenCreated") >= text(&new, "whenChanged"));
    let after_add = highest_usn(&server).await;
    assert!(after_add >= number(&added, "uSNChanged"));

    // A rename moves the object's uSNChanged, keeps its GUID and uSNCreated.
    assert_ok(&ldapmodrdn(&server, Who::Admin, &added_dn, "CN=USN Probe 2", true, None).await);
    let renamed = must_read(
        &server,
        &format!("CN=USN Probe 2,{}", cas_dn()),
        &bookkeeping,
    )
    .await;
    assert!(number(&renamed, "uSNChanged") > number(&added, "uSNChanged"));
    assert_eq!(renamed.get("uSNCreated"), added.get("uSNCreated"));
    assert_eq!(renamed.get("objectGUID"), added.get("objectGUID"));
    let after_rename = highest_usn(&server).await;
    assert!(after_rename >= number(&renamed, "uSNChanged") && after_rename > after_add);

    // A delete commits a change too.
    assert_ok(&ldapdelete(&server, Who::Admin, &format!("CN=USN Probe 2,{}", cas_dn())).await);
    assert!(
        highest_usn(&server).await > after_rename,
        "a delete did not move highestCommittedUSN"
    );

    server.stop().await;
}
