//! Access: only administrators write under Public Key Services.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_write_under_public_key_services() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let other = make_ca_cert("Carol's Root CA");
    let before = snapshot(&server, &dn).await;
    let usn = highest_usn(&server).await;
    let new_ca = ca_add_ldif("Carol CA", &cas_dn(), &[&other]);
    let new_dn = format!("CN=Carol CA,{}", cas_dn());
    let add_value = format!(
        "dn: {dn}\nchangetype: modify\nadd: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&other)
    );
    let delete_value = format!(
        "dn: {dn}\nchangetype: modify\ndelete: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&seed_der)
    );

    // Carol authenticates (and can read) …
    let out = server
        .ldapsearch(&[
            "-D",
            CAROL_UPN,
            "-w",
            USER_PASSWORD,
            "-b",
            &dn,
            "-s",
            "base",
            "(objectClass=*)",
            "cACertificate",
        ])
        .await;
    assert_eq!(out.code, 0, "carol reads the CA\n{out}");
    assert_eq!(
        out.ldif().entries[0].get("cACertificate"),
        vec![seed_der.clone()]
    );

    // … but every write under Public Key Services is 50 with AD's 00002098 text.
    for (what, out) in [
        ("add", ldapadd(&server, Who::Carol, &new_ca).await),
        (
            "modify add",
            ldapmodify(&server, Who::Carol, &add_value).await,
        ),
        (
            "modify delete",
            ldapmodify(&server, Who::Carol, &delete_value).await,
        ),
        ("delete", ldapdelete(&server, Who::Carol, &dn).await),
        (
            "rename",
            ldapmodrdn(&server, Who::Carol, &dn, "CN=Carol Renamed", true, None).await,
        ),
        (
            "move",
            ldapmodrdn(
                &server,
                Who::Carol,
                &dn,
                "CN=Seed CA",
                true,
                Some(&aia_dn()),
            )
            .await,
        ),
    ] {
        assert_eq!(out.code, 50, "carol {what}: unexpected result code\n{out}");
        assert_refused(&out, 50, "00002098");
        assert!(
            diagnostic(&out).contains("INSUFF_ACCESS_RIGHTS"),
            "carol {what}\n{out}"
        );
    }
    // Anonymous writes are refused before any access check: 1 with the bind-required text.
    for (what, out) in [
        ("add", ldapadd(&server, Who::Anonymous, &new_ca).await),
        (
            "modify",
            ldapmodify(&server, Who::Anonymous, &add_value).await,
        ),
        ("delete", ldapdelete(&server, Who::Anonymous, &dn).await),
        (
            "rename",
            ldapmodrdn(&server, Who::Anonymous, &dn, "CN=Anon Renamed", true, None).await,
        ),
    ] {
        assert_eq!(
            out.code, 1,
            "anonymous {what}: unexpected result code\n{out}"
        );
        assert_refused(&out, 1, "000004DC");
    }
    assert!(
        read(&server, &new_dn, &["cn"]).await.is_none(),
        "a refused add left an object"
    );
    assert_eq!(
        snapshot(&server, &dn).await,
        before,
        "a refused write changed the CA"
    );
    assert!(
        read(&server, &format!("CN=Carol Renamed,{}", cas_dn()), &["cn"])
            .await
            .is_none()
    );
    assert!(read(&server, &format!("CN=Seed CA,{}", aia_dn()), &["cn"])
        .await
        .is_none());
    assert_eq!(
        highest_usn(&server).await,
        usn,
        "refused writes moved highestCommittedUSN"
    );

    // Put carol in Domain Admins: a fresh bind may now write there.
    let domain_admins = format!("CN=Domain Admins,{USERS_DN}");
    let membership = |op: &str| {
        format!(
            "dn: {domain_admins}\nchangetype: modify\n{op}: member\nmember: {}\n-\n\n",
            user_dn("carol")
        )
    };
    assert_ok(&ldapmodify(&server, Who::Admin, &membership("add")).await);
    assert_ok(&ldapadd(&server, Who::Carol, &new_ca).await);
    assert_eq!(certificates(&server, &new_dn).await, vec![other.clone()]);
    assert_ok(&ldapmodify(&server, Who::Carol, &add_value).await);
    assert_eq!(certificates(&server, &dn).await.len(), 2);
    assert_ok(&ldapdelete(&server, Who::Carol, &new_dn).await);

    // And out again: refused again.
    assert_ok(&ldapmodify(&server, Who::Admin, &membership("delete")).await);
    let out = ldapadd(&server, Who::Carol, &new_ca).await;
    assert_refused(&out, 50, "00002098");
    assert!(read(&server, &new_dn, &["cn"]).await.is_none());

    server.stop().await;
}
