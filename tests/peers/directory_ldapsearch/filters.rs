//! Filters and scopes, and selecting operational (+) or no (1.1) attributes.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_filters_and_scopes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let cases: Vec<(&str, &str, &str, Vec<String>)> = vec![
        ("sub", PKS_DN, "(cn=Ro*CA)", vec![ca_dn(ROOT_CA_CN, "Certification Authorities")]),
        (
            "sub",
            BASE_DN,
            "(&(objectClass=user)(|(sAMAccountName=alice)(sAMAccountName=bob))(!(sAMAccountName=bob)))",
            vec![user_dn("alice")],
        ),
        ("sub", USERS_DN, "(lockoutTime=*)", vec![user_dn("lucy")]),
        ("sub", USERS_DN, "(sAMAccountName~=alice)", vec![user_dn("alice")]),
        ("base", USERS_DN, "(objectClass=*)", vec![USERS_DN.to_string()]),
        ("one", PKS_DN, "(cn=AIA)", vec![format!("CN=AIA,{PKS_DN}")]),
        ("one", CONFIG_DN, "(cn=AIA)", vec![]),
    ];
    for (scope, base, filter, want) in cases {
        let out = server
            .ldapsearch_admin(&["-s", scope, "-b", base, filter, "1.1"])
            .await;
        assert_exit(&out, 0);
        assert_eq!(
            out.ldif().dns(),
            want,
            "-s {scope} -b {base} {filter}\n{out}"
        );
    }
    let out = server
        .ldapsearch_admin(&[
            "-b",
            USERS_DN,
            "(userAccountControl:1.2.840.113556.1.4.803:=2)",
            "1.1",
        ])
        .await;
    assert_exit(&out, 0);
    let dns = out.ldif().dns();
    assert!(
        dns.contains(&user_dn("dave")) && !dns.contains(&user_dn("alice")),
        "{out}"
    );
    let out = server
        .ldapsearch_admin(&[
            "-b",
            USERS_DN,
            "(userAccountControl:1.2.840.113556.1.4.804:=3)",
            "1.1",
        ])
        .await;
    assert_exit(&out, 0);
    let dns = out.ldif().dns();
    assert!(
        dns.contains(&user_dn("dave")) && !dns.contains(&user_dn("alice")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_plus_and_1_1_select_operational_or_no_attributes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&[
            "-b",
            &user_dn("alice"),
            "-s",
            "base",
            "(objectClass=*)",
            "+",
        ])
        .await;
    assert_exit(&out, 0);
    let names = out.ldif().entries[0].names();
    for want in ["objectGUID", "whenCreated", "uSNChanged"] {
        assert!(names.contains(&want.to_string()), "{want} missing\n{out}");
    }
    let out = server
        .ldapsearch_admin(&[
            "-b",
            &user_dn("alice"),
            "-s",
            "base",
            "(objectClass=*)",
            "1.1",
        ])
        .await;
    assert_exit(&out, 0);
    assert_eq!(
        out.stdout.trim(),
        format!("dn: {}", user_dn("alice")),
        "{out}"
    );
}
