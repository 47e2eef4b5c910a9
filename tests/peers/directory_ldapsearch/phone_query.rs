//! The phone query and binary values: certificate base64, ;binary, escaped filters, typesOnly,
//! schema spelling, passwords.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_phone_query_prints_exact_certificate_base64() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = as_alice(
        &server,
        &[
            "-b",
            CONFIG_DN,
            "-s",
            "sub",
            "(objectCategory=certificationAuthority)",
            "cACertificate",
        ],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .contains(&format!("cACertificate:: {}\n", b64(&fx.root_der))),
        "root CA certificate bytes\n{out}"
    );
    let ldif = out.ldif();
    let root = ldif
        .find(&ca_dn(ROOT_CA_CN, "Certification Authorities"))
        .unwrap_or_else(|| panic!("root CA missing\n{out}"));
    assert_eq!(root.get("cACertificate"), vec![fx.root_der.clone()]);
    let issuing = ldif
        .find(&ca_dn(ISSUING_CA_CN, "AIA"))
        .unwrap_or_else(|| panic!("AIA CA missing\n{out}"));
    assert_eq!(issuing.get("cACertificate"), vec![fx.issuing_der.clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_binary_option_prints_bare_attribute_name() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = as_alice(
        &server,
        &[
            "-b",
            &ca_dn(ROOT_CA_CN, "Certification Authorities"),
            "-s",
            "base",
            "(objectClass=certificationAuthority)",
            "cACertificate;binary",
        ],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .contains(&format!("\ncACertificate:: {}\n", b64(&fx.root_der))),
        "expected `cACertificate:: <base64>`\n{out}"
    );
    assert!(
        !out.stdout.contains(";binary"),
        "AD answers without ;binary\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_object_guid_escaped_filter_finds_exactly_that_entry() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&[
            "-b",
            &user_dn("bob"),
            "-s",
            "base",
            "(objectClass=*)",
            "objectGUID",
        ])
        .await;
    assert_exit(&out, 0);
    let guid = out.ldif().entries[0].get("objectGUID");
    assert_eq!(guid.len(), 1, "{out}");
    assert_eq!(guid[0].len(), 16, "{out}");
    let filter = format!("(objectGUID={})", escape_bytes(&guid[0]));
    let out = server
        .ldapsearch_admin(&["-b", BASE_DN, &filter, "1.1"])
        .await;
    assert_exit(&out, 0);
    assert_eq!(
        out.ldif().dns(),
        vec![user_dn("bob")],
        "filter {filter}\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_certificate_escaped_filter_finds_the_ca() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let filter = format!("(cACertificate={})", escape_bytes(&fx.issuing_der));
    let out = server
        .ldapsearch_admin(&["-b", CONFIG_DN, &filter, "cn"])
        .await;
    assert_exit(&out, 0);
    assert_eq!(out.ldif().dns(), vec![ca_dn(ISSUING_CA_CN, "AIA")], "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_types_only_prints_names_without_values() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&[
            "-A",
            "-b",
            &ca_dn(ROOT_CA_CN, "Certification Authorities"),
            "-s",
            "base",
            "(objectClass=*)",
            "cn",
            "cACertificate",
        ])
        .await;
    assert_exit(&out, 0);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        vec![
            format!("dn: {}", ca_dn(ROOT_CA_CN, "Certification Authorities")).as_str(),
            "cn:",
            "cACertificate:",
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_attribute_names_use_schema_spelling_and_full_class_chain() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&[
            "-b",
            &user_dn("alice"),
            "-s",
            "base",
            "(objectclass=*)",
            "OBJECTCLASS",
            "samaccountname",
            "OBJECTCATEGORY",
        ])
        .await;
    assert_exit(&out, 0);
    let e = &out.ldif().entries[0];
    let mut names = e.names();
    names.sort();
    assert_eq!(
        names,
        vec!["objectCategory", "objectClass", "sAMAccountName"],
        "{out}"
    );
    assert_eq!(
        e.get_text("objectClass"),
        vec!["top", "person", "organizationalPerson", "user"]
    );
    assert_eq!(
        e.get_text("objectCategory"),
        vec![format!("CN=Person,{SCHEMA_DN}")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_passwords_are_never_printed() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&["-b", USERS_DN, "(objectClass=user)", "*", "+"])
        .await;
    assert_exit(&out, 0);
    assert!(out.ldif().find(&user_dn("sam")).is_some(), "{out}");
    let lower = out.stdout.to_ascii_lowercase();
    assert!(
        !lower.contains("\nuserpassword:"),
        "userPassword printed\n{out}"
    );
    assert!(
        !lower.contains("\nunicodepwd:"),
        "unicodePwd printed\n{out}"
    );
    assert!(
        !out.stdout.contains(USER_PASSWORD),
        "cleartext password printed\n{out}"
    );
}
