//! LDIF export through the library: export/reload round trip and errors naming file and line.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_ldif_reloads_to_an_identical_export() {
    let fx = standard_ldif();
    let first = start(&fx.ldif).await;
    let export1 = first.server().export_ldif().await;
    let unfolded = unfold_ldif(&export1);
    assert!(
        unfolded.contains(&format!("cACertificate:: {}\n", b64(&fx.root_der))),
        "export carries the DER certificate as base64"
    );
    assert!(unfolded.contains(&format!("dn: {}\n", user_dn("alice"))));
    first.stop().await;

    let second = start(&export1).await;
    let export2 = second.server().export_ldif().await;
    assert!(
        export1 == export2,
        "export → import → export is not lossless:\n{}",
        first_difference(&export1, &export2)
    );

    // And the reloaded directory serves the same certificate bytes.
    let mut ldap = second.admin().await;
    let e = search_ok(
        &mut ldap,
        &ca_dn(ROOT_CA_CN, "Certification Authorities"),
        Scope::Base,
        "(objectClass=*)",
        &["cACertificate"],
    )
    .await;
    assert_eq!(
        e[0].bin_attrs.get("cACertificate"),
        Some(&vec![fx.root_der.clone()])
    );
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  first : {la}\n  second: {lb}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_ldif_fails_start_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    // Line 1-4: a good user; line 6: a CA without its mandatory cACertificate.
    let text = format!(
        "dn: {}\nobjectClass: user\ncn: good\nsAMAccountName: good\n\ndn: {}\nobjectClass: certificationAuthority\ncn: Broken CA\ncertificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n",
        user_dn("good"),
        ca_dn("Broken CA", "Certification Authorities")
    );
    let path = write_file(dir.path(), "broken.ldif", &text);
    let outcome = ldap_server::Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen("127.0.0.1:0".parse().unwrap())
        .ldif_file(path.clone())
        .start()
        .await;
    let err = match outcome {
        Ok(_) => panic!("a certificationAuthority without cACertificate must not load"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.starts_with(&format!("{}:6: ", path.display())),
        "error should name file:line of the record: {err}"
    );
}
