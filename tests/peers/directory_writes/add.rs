//! Add: certification authorities with several certificates, and AD's schema and naming checks on
//! Add.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_ca_with_two_certificates_then_delete_one_by_value_and_replace() {
    let (ldif, _) = seed();
    let server = start(&ldif).await;
    let first = make_ca_cert("Two Certs Root CA G1");
    let second = make_ca_cert("Two Certs Root CA G2");
    let third = make_ca_cert("Two Certs Root CA G3");
    let dn = format!("CN=Two Certs CA,{}", cas_dn());

    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &ca_add_ldif("Two Certs CA", &cas_dn(), &[&first, &second]),
        )
        .await,
    );

    // Stored as AD stores it: the structural chain, the default category, both DER values intact.
    let entry = must_read(
        &server,
        &dn,
        &[
            "objectClass",
            "objectCategory",
            "cn",
            "name",
            "cACertificate",
        ],
    )
    .await;
    assert_eq!(
        entry.get_text("objectClass"),
        vec!["top", "certificationAuthority"]
    );
    assert_eq!(entry.get_text("objectCategory"), vec![CA_CATEGORY_DN]);
    assert_eq!(entry.get_text("cn"), vec!["Two Certs CA"]);
    assert_eq!(entry.get_text("name"), vec!["Two Certs CA"]);
    let mut both = vec![first.clone(), second.clone()];
    both.sort();
    assert_eq!(
        certificates(&server, &dn).await,
        both,
        "both certificates, byte for byte"
    );

    // The phone's search finds it.
    let out = server
        .ldapsearch_admin(&[
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cn",
        ])
        .await;
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.ldif().find(&dn).is_some(),
        "category search finds the new CA\n{out}"
    );

    // Delete exactly one value of the multi-valued attribute, by value.
    let delete_first = format!(
        "dn: {dn}\nchangetype: modify\ndelete: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&first)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &delete_first).await);
    assert_eq!(
        certificates(&server, &dn).await,
        vec![second.clone()],
        "exactly the other certificate remains, byte for byte"
    );

    // Deleting it again: the value is gone (16).
    let out = ldapmodify(&server, Who::Admin, &delete_first).await;
    assert_refused(&out, 16, "");
    assert_eq!(certificates(&server, &dn).await, vec![second.clone()]);

    // Add a value back, then replace the whole set.
    let add_first = format!(
        "dn: {dn}\nchangetype: modify\nadd: cACertificate\ncACertificate:: {}\n-\n\n",
        b64(&first)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &add_first).await);
    assert_eq!(certificates(&server, &dn).await, both);
    let replace = format!(
        "dn: {dn}\nchangetype: modify\nreplace: cACertificate\ncACertificate:: {}\n-\nreplace: description\ndescription: replaced once\ndescription: replaced twice\n-\n\n",
        b64(&third)
    );
    assert_ok(&ldapmodify(&server, Who::Admin, &replace).await);
    assert_eq!(certificates(&server, &dn).await, vec![third.clone()]);
    let entry = must_read(&server, &dn, &["description"]).await;
    let descriptions: BTreeSet<String> = entry.get_text("description").into_iter().collect();
    assert_eq!(
        descriptions,
        BTreeSet::from(["replaced once".to_string(), "replaced twice".to_string()])
    );

    // Replace with no values removes an optional attribute; delete without values removes it too.
    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!("dn: {dn}\nchangetype: modify\nreplace: description\n-\n\n"),
        )
        .await,
    );
    assert!(must_read(&server, &dn, &["description"])
        .await
        .get("description")
        .is_empty());
    assert_ok(&ldapmodify(&server, Who::Admin, &format!("dn: {dn}\nchangetype: modify\nadd: dNSHostName\ndNSHostName: ca1.example.test\n-\n\n")).await);
    assert_ok(
        &ldapmodify(
            &server,
            Who::Admin,
            &format!("dn: {dn}\nchangetype: modify\ndelete: dNSHostName\n-\n\n"),
        )
        .await,
    );
    assert!(must_read(&server, &dn, &["dNSHostName"])
        .await
        .get("dNSHostName")
        .is_empty());

    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Add: AD's schema and naming checks
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_is_checked_like_ad_and_a_refused_add_leaves_nothing() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let der = make_ca_cert("Refused Root CA");
    let cert = b64(&der);
    let cas = cas_dn();
    let ca_head = |cn: &str| {
        format!(
            "dn: CN={cn},{cas}\nobjectClass: top\nobjectClass: certificationAuthority\ncn: {cn}\n"
        )
    };
    let placeholders = "certificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n";

    // (what, DN that must not appear, LDIF, result code, diagnostic prefix)
    let cases: Vec<(&str, String, String, i32, &str)> = vec![
        (
            "missing mandatory cACertificate",
            format!("CN=No Cert,{cas}"),
            format!("{}{placeholders}\n", ca_head("No Cert")),
            65,
            "00002014",
        ),
        (
            "missing mandatory authorityRevocationList",
            format!("CN=No ARL,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:: AA==\n\n", ca_head("No ARL")),
            65,
            "00002014",
        ),
        (
            "attribute the class does not allow (sAMAccountName on a CA)",
            format!("CN=Not Allowed,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}sAMAccountName: notallowed\n\n", ca_head("Not Allowed")),
            65,
            "00002014",
        ),
        (
            "attribute the schema does not define",
            format!("CN=Unknown Attr,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}fooBarBaz: 1\n\n", ca_head("Unknown Attr")),
            16,
            "0000200A",
        ),
        (
            "two values of single-valued certificateRevocationList",
            format!("CN=Two CRLs,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:: AA==\ncertificateRevocationList:: AQ==\nauthorityRevocationList:: AA==\n\n", ca_head("Two CRLs")),
            19,
            "0000202F",
        ),
        (
            "two values of single-valued dNSHostName",
            format!("CN=Two Hosts,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}dNSHostName: a.example.test\ndNSHostName: b.example.test\n\n", ca_head("Two Hosts")),
            19,
            "0000202F",
        ),
        (
            "empty value",
            format!("CN=Empty Value,{cas}"),
            format!("dn: CN=Empty Value,{cas}\nobjectClass: container\ndescription:\n\n"),
            21,
            "",
        ),
        (
            "empty revocation list",
            format!("CN=Empty CRL,{cas}"),
            format!("{}cACertificate:: {cert}\ncertificateRevocationList:\nauthorityRevocationList:: AA==\n\n", ca_head("Empty CRL")),
            21,
            "",
        ),
        (
            "unknown objectClass",
            format!("CN=Unknown Class,{cas}"),
            format!("dn: CN=Unknown Class,{cas}\nobjectClass: top\nobjectClass: noSuchClassAnywhere\ncn: Unknown Class\n\n"),
            65,
            "00002014",
        ),
        (
            "no structural class",
            format!("CN=Only Top,{cas}"),
            format!("dn: CN=Only Top,{cas}\nobjectClass: top\ncn: Only Top\n\n"),
            65,
            "00002014",
        ),
        (
            "no objectClass at all",
            format!("CN=No Class,{cas}"),
            format!("dn: CN=No Class,{cas}\ncn: No Class\ndescription: x\n\n"),
            65,
            "00002014",
        ),
        (
            "certificationAuthority under the domain head (possSuperiors: container)",
            format!("CN=Wrong Parent,{BASE_DN}"),
            format!("dn: CN=Wrong Parent,{BASE_DN}\nobjectClass: certificationAuthority\ncn: Wrong Parent\ncACertificate:: {cert}\n{placeholders}\n"),
            64,
            "00002037",
        ),
        (
            "certificationAuthority under a user",
            format!("CN=Under Carol,{}", user_dn("carol")),
            format!("dn: CN=Under Carol,{}\nobjectClass: certificationAuthority\ncACertificate:: {cert}\n{placeholders}\n", user_dn("carol")),
            64,
            "00002037",
        ),
        (
            "RDN value differs from cn",
            format!("CN=Alpha,{cas}"),
            format!("{}cACertificate:: {cert}\n{placeholders}\n", ca_head("Alpha").replace("cn: Alpha", "cn: Beta")),
            64,
            "",
        ),
    ];

    let usn_before = highest_usn(&server).await;
    for (what, dn, ldif, code, prefix) in &cases {
        let out = ldapadd(&server, Who::Admin, ldif).await;
        assert_eq!(out.code, *code, "{what}: unexpected result code\n{out}");
        assert_refused(&out, *code, prefix);
        assert!(
            read(&server, dn, &["cn"]).await.is_none(),
            "{what}: a refused add left {dn} behind"
        );
    }

    // The RDN rule names the problem AD names.
    let rdn_case = cases
        .iter()
        .find(|case| case.0.starts_with("RDN"))
        .expect("RDN case");
    let out = ldapadd(&server, Who::Admin, &rdn_case.2).await;
    assert!(diagnostic(&out).contains("NAMING_VIOLATION"), "{out}");

    // Parent missing: 32, 00002030, matchedDN = the deepest existing ancestor.
    let orphan = format!("CN=Orphan,CN=No Such Container,{cas}");
    let out = ldapadd(
        &server,
        Who::Admin,
        &container_ldif("Orphan", &format!("CN=No Such Container,{cas}")),
    )
    .await;
    assert_refused(&out, 32, "00002030");
    assert_eq!(
        matched_dn(&out).as_deref(),
        Some(cas.as_str()),
        "matched DN\n{out}"
    );
    assert!(read(&server, &orphan, &["cn"]).await.is_none());

    // Duplicate: 68, 00002071, and the existing object is untouched.
    let before = snapshot(&server, &seed_ca_dn()).await;
    let other = make_ca_cert("Impostor Root CA");
    let out = ldapadd(&server, Who::Admin, &ca_add_ldif(SEED_CA, &cas, &[&other])).await;
    assert_refused(&out, 68, "00002071");
    assert_eq!(
        snapshot(&server, &seed_ca_dn()).await,
        before,
        "a duplicate add changed the original"
    );
    assert_eq!(certificates(&server, &seed_ca_dn()).await, vec![seed_der]);

    // Failed requests commit nothing: no update sequence number was consumed.
    assert_eq!(
        highest_usn(&server).await,
        usn_before,
        "refused adds moved highestCommittedUSN"
    );

    // A multi-record ldapadd stops at the first refusal; the records before it stay, none after.
    let batch = format!(
        "{}{}{}",
        container_ldif("Batch One", &cas),
        container_ldif("Batch Two", &format!("CN=Missing Parent,{cas}")),
        container_ldif("Batch Three", &cas)
    );
    let out = ldapadd(&server, Who::Admin, &batch).await;
    assert_refused(&out, 32, "00002030");
    assert!(read(&server, &format!("CN=Batch One,{cas}"), &["cn"])
        .await
        .is_some());
    assert!(read(&server, &format!("CN=Batch Three,{cas}"), &["cn"])
        .await
        .is_none());

    // And the same shapes, corrected, are accepted: the checks are not blanket refusals.
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!(
                "{}cACertificate:: {cert}\n{placeholders}dNSHostName: ca.example.test\n\n",
                ca_head("Alpha")
            ),
        )
        .await,
    );
    let alpha = must_read(&server, &format!("CN=Alpha,{cas}"), &["cn", "dNSHostName"]).await;
    assert_eq!(alpha.get_text("cn"), vec!["Alpha"]);
    assert_eq!(alpha.get_text("dNSHostName"), vec!["ca.example.test"]);
    // cn may be omitted: the RDN supplies it, as AD does.
    assert_ok(
        &ldapadd(
            &server,
            Who::Admin,
            &format!("dn: CN=No cn Given,{cas}\nobjectClass: container\n\n"),
        )
        .await,
    );
    assert_eq!(
        must_read(&server, &format!("CN=No cn Given,{cas}"), &["cn"])
            .await
            .get_text("cn"),
        vec!["No cn Given"]
    );
    // A pKIEnrollmentService needs nothing but cn (peers.md).
    assert_ok(&ldapadd(&server, Who::Admin, &format!("dn: CN=Issuing CA,CN=Enrollment Services,{PKS_DN}\nobjectClass: pKIEnrollmentService\ndNSHostName: ca.example.test\n\n")).await);

    server.stop().await;
}
