//! Modify: AD's checks and all-or-nothing application of a modify request.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_is_checked_like_ad_and_is_all_or_nothing() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();
    let cert = b64(&seed_der);
    let new_cert = b64(&make_ca_cert("Modify Root CA"));
    let head = format!("dn: {dn}\nchangetype: modify\n");

    // (what, changes, result code, diagnostic prefix)
    let cases: Vec<(&str, String, i32, &str)> = vec![
        ("add of a value already present", format!("add: cACertificate\ncACertificate:: {cert}\n-\n"), 20, ""),
        ("delete of a value not present", format!("delete: cACertificate\ncACertificate:: {new_cert}\n-\n"), 16, ""),
        ("delete of an attribute not present", "delete: dNSHostName\n-\n".to_string(), 16, ""),
        ("replace of the naming attribute", "replace: cn\ncn: Renamed CA\n-\n".to_string(), 67, ""),
        ("unknown attribute", "replace: fooBarBaz\nfooBarBaz: 1\n-\n".to_string(), 16, "0000200A"),
        ("attribute the class does not allow", "add: sAMAccountName\nsAMAccountName: seedca\n-\n".to_string(), 65, "00002014"),
        ("two values in single-valued certificateRevocationList", "replace: certificateRevocationList\ncertificateRevocationList:: AA==\ncertificateRevocationList:: AQ==\n-\n".to_string(), 19, "0000202F"),
        ("a second value added to single-valued certificateRevocationList", "add: certificateRevocationList\ncertificateRevocationList:: AQ==\n-\n".to_string(), 19, "0000202F"),
        ("removing mandatory authorityRevocationList", "delete: authorityRevocationList\n-\n".to_string(), 65, "00002014"),
        ("removing every cACertificate value", format!("delete: cACertificate\ncACertificate:: {cert}\n-\n"), 65, "00002014"),
        ("empty value", "add: description\ndescription:\n-\n".to_string(), 21, ""),
        ("changing the structural class", "replace: objectClass\nobjectClass: top\nobjectClass: container\n-\n".to_string(), 69, ""),
        // Atomic: the first change is valid, the second fails; neither is applied.
        ("valid replace followed by a duplicate value", format!("replace: description\ndescription: must not stick\n-\nadd: cACertificate\ncACertificate:: {cert}\n-\n"), 20, ""),
        ("valid add followed by an unknown attribute", format!("add: cACertificate\ncACertificate:: {new_cert}\n-\nreplace: fooBarBaz\nfooBarBaz: 1\n-\n"), 16, "0000200A"),
        ("valid delete followed by a single-value violation", format!("delete: cACertificate\ncACertificate:: {cert}\n-\nadd: cACertificate\ncACertificate:: {new_cert}\n-\nadd: dNSHostName\ndNSHostName: a.example.test\ndNSHostName: b.example.test\n-\n"), 19, "0000202F"),
    ];

    let before = snapshot(&server, &dn).await;
    let usn_before = highest_usn(&server).await;
    for (what, changes, code, prefix) in &cases {
        let out = ldapmodify(&server, Who::Admin, &format!("{head}{changes}\n")).await;
        assert_eq!(out.code, *code, "{what}: unexpected result code\n{out}");
        assert_refused(&out, *code, prefix);
        assert_eq!(
            snapshot(&server, &dn).await,
            before,
            "{what}: a refused modify changed the object"
        );
    }
    // Server-maintained bookkeeping cannot be written (whatever the code, nothing changes).
    for changes in [
        "replace: whenChanged\nwhenChanged: 20000101000000.0Z\n-\n",
        "replace: uSNChanged\nuSNChanged: 1\n-\n",
    ] {
        let out = ldapmodify(&server, Who::Admin, &format!("{head}{changes}\n")).await;
        assert_ne!(out.code, 0, "{changes}: accepted\n{out}");
        assert_eq!(
            snapshot(&server, &dn).await,
            before,
            "{changes}: changed the object"
        );
    }
    assert_eq!(
        highest_usn(&server).await,
        usn_before,
        "refused modifies moved highestCommittedUSN"
    );
    assert!(
        must_read(&server, &dn, &["description"])
            .await
            .get("description")
            .is_empty(),
        "the first half of a failed modify was applied"
    );
    assert_eq!(certificates(&server, &dn).await, vec![seed_der.clone()]);

    // A modify of an object that does not exist: 32 with AD's NO_OBJECT text.
    let out = ldapmodify(
        &server,
        Who::Admin,
        &format!(
            "dn: CN=Ghost,{}\nchangetype: modify\nreplace: description\ndescription: x\n-\n\n",
            cas_dn()
        ),
    )
    .await;
    assert_refused(&out, 32, "0000208D");
    assert_eq!(matched_dn(&out), Some(cas_dn()));

    // The rootDSE is read-only: 53.
    for changes in [
        "replace: description\ndescription: x\n-\n",
        "replace: dnsHostName\ndnsHostName: evil.example.test\n-\n",
    ] {
        let out = ldapmodify(
            &server,
            Who::Admin,
            &format!("dn:\nchangetype: modify\n{changes}\n"),
        )
        .await;
        assert_refused(&out, 53, "");
    }

    // The valid halves on their own are accepted (the failures above were the second changes).
    assert_ok(&ldapmodify(&server, Who::Admin, &format!("{head}replace: description\ndescription: sticks\n-\nadd: cACertificate\ncACertificate:: {new_cert}\n-\n\n")).await);
    assert_eq!(
        must_read(&server, &dn, &["description"])
            .await
            .get_text("description"),
        vec!["sticks"]
    );
    assert_eq!(certificates(&server, &dn).await.len(), 2);

    server.stop().await;
}
