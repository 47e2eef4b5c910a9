//! End-to-end tests driving the directory with OpenLDAP's `ldapsearch` and `ldapwhoami`, and the
//! `ldap-server` command line.
//!
//! The OpenLDAP tools are an independent client implementation: if they and the ldap3 tests agree,
//! the server speaks LDAP, not just "what ldap3 accepts". Every tool runs with `LDAPNOINIT=1` (no
//! system ldap.conf), `-x -H ldap://127.0.0.1:PORT`, and ldapsearch with `-o ldif-wrap=no -LLL`
//! so that output is stable. ldapsearch exits with the LDAP result code, which the tests check.
//! The CLI tests use `target/<profile>/ldap-server` (built by `cargo build -p ldap-server`).

use std::collections::HashSet;
use std::time::Duration;

use e2e::*;

/// Runs `ldapsearch` bound as alice (an ordinary authenticated user).
async fn as_alice(server: &TestServer, args: &[&str]) -> ToolOutput {
    let mut all = vec!["-D", "alice@example.test", "-w", USER_PASSWORD];
    all.extend_from_slice(args);
    server.ldapsearch(&all).await
}

fn assert_exit(out: &ToolOutput, code: i32) {
    assert_eq!(out.code, code, "unexpected exit code\n{out}");
}

// ---------------------------------------------------------------------------------------------
// rootDSE and anonymous access
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_reads_rootdse_anonymously() {
    let server = start("").await;
    let out = server
        .ldapsearch(&["-b", "", "-s", "base", "(objectClass=*)"])
        .await;
    assert_exit(&out, 0);
    let ldif = out.ldif();
    assert_eq!(ldif.entries.len(), 1, "{out}");
    let dse = &ldif.entries[0];
    assert_eq!(dse.dn, "");
    assert_eq!(dse.get_text("defaultNamingContext"), vec![BASE_DN]);
    assert_eq!(dse.get_text("configurationNamingContext"), vec![CONFIG_DN]);
    assert_eq!(dse.get_text("schemaNamingContext"), vec![SCHEMA_DN]);
    assert_eq!(dse.get_text("rootDomainNamingContext"), vec![BASE_DN]);
    let ncs: HashSet<String> = dse.get_text("namingContexts").into_iter().collect();
    let want: HashSet<String> = [BASE_DN, CONFIG_DN, SCHEMA_DN]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ncs, want);
    assert_eq!(dse.get_text("subschemaSubentry"), vec![AGGREGATE_DN]);
    for attr in [
        "dnsHostName",
        "serverName",
        "dsServiceName",
        "ldapServiceName",
        "currentTime",
        "supportedLDAPVersion",
        "supportedSASLMechanisms",
        "domainFunctionality",
        "forestFunctionality",
        "domainControllerFunctionality",
        "isGlobalCatalogReady",
        "highestCommittedUSN",
    ] {
        assert!(!dse.get(attr).is_empty(), "rootDSE lacks {attr}\n{out}");
    }
    assert!(dse
        .get_text("supportedControl")
        .contains(&PAGED_RESULTS_OID.to_string()));
    assert!(dse
        .get_text("supportedCapabilities")
        .contains(&"1.2.840.113556.1.4.800".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_anonymous_domain_search_fails_with_000004dc() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch(&["-b", BASE_DN, "(objectClass=user)", "cn"])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stdout.trim().is_empty(),
        "no entries for anonymous\n{out}"
    );
    assert!(out.stderr.contains("Operations error (1)"), "{out}");
    assert!(out.stderr.contains("000004DC: LdapErr: DSID-"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Bind with ldapwhoami
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapwhoami_binds_by_dn_upn_and_netbios_name() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    for who in [
        user_dn("alice"),
        "alice@example.test".to_string(),
        "EXAMPLE\\alice".to_string(),
    ] {
        let out = server.ldapwhoami(&["-D", &who, "-w", USER_PASSWORD]).await;
        assert_exit(&out, 0);
        assert!(
            out.stdout.to_ascii_lowercase().contains("u:example\\alice"),
            "whoami as {who} should name EXAMPLE\\alice, as AD does\n{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapwhoami_wrong_password_and_unknown_user_are_49_data_52e() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    for (who, pw) in [
        ("EXAMPLE\\alice", "wrong"),
        ("nobody@example.test", "whatever"),
    ] {
        let out = server.ldapwhoami(&["-D", who, "-w", pw]).await;
        assert_exit(&out, 49);
        assert!(out.stderr.contains("Invalid credentials (49)"), "{out}");
        assert!(
            out.stderr
                .contains("AcceptSecurityContext error, data 52e,"),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapwhoami_reports_account_state_data_codes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    for (who, data) in [
        ("EXAMPLE\\dave", "533"),
        ("EXAMPLE\\lucy", "775"),
        ("EXAMPLE\\eve", "701"),
        ("EXAMPLE\\mike", "773"),
    ] {
        let out = server.ldapwhoami(&["-D", who, "-w", USER_PASSWORD]).await;
        assert_exit(&out, 49);
        assert!(
            out.stderr.contains(&format!("data {data},")),
            "{who} should report data {data}\n{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The phone query and binary values
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Limits and controls
// ---------------------------------------------------------------------------------------------

const BULK: usize = 1500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_unpaged_search_gets_1000_entries_and_exit_4() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let out = server
        .ldapsearch_admin(&["-b", USERS_DN, "(objectClass=user)", "1.1"])
        .await;
    assert_exit(&out, 4);
    assert!(out.stderr.contains("Size limit exceeded (4)"), "{out}");
    assert_eq!(out.ldif().entries.len(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_client_size_limit_gets_10_entries_and_exit_4() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let out = server
        .ldapsearch_admin(&["-z", "10", "-b", USERS_DN, "(objectClass=user)", "1.1"])
        .await;
    assert_exit(&out, 4);
    assert_eq!(out.ldif().entries.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_paged_results_returns_every_entry() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let out = server
        .ldapsearch_admin(&[
            "-E",
            "pr=200/noprompt",
            "-b",
            USERS_DN,
            "(objectClass=user)",
            "1.1",
        ])
        .await;
    assert_exit(&out, 0);
    let dns: HashSet<String> = out.ldif().dns().into_iter().collect();
    assert!(
        dns.len() > BULK,
        "expected all {BULK} users + Administrator, got {}",
        dns.len()
    );
    assert!(
        dns.contains(&user_dn("user00000"))
            && dns.contains(&user_dn(&format!("user{:05}", BULK - 1)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_unknown_critical_control_exits_12_and_non_critical_is_ignored() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&[
            "-E",
            "!1.2.3.4",
            "-b",
            USERS_DN,
            "(sAMAccountName=alice)",
            "cn",
        ])
        .await;
    assert_exit(&out, 12);
    assert!(
        out.stderr
            .contains("Critical extension is unavailable (12)"),
        "{out}"
    );
    let out = server
        .ldapsearch_admin(&[
            "-E",
            "1.2.3.4",
            "-b",
            USERS_DN,
            "(sAMAccountName=alice)",
            "cn",
        ])
        .await;
    assert_exit(&out, 0);
    assert_eq!(out.ldif().dns(), vec![user_dn("alice")]);
}

// ---------------------------------------------------------------------------------------------
// Filters and scopes
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Referrals and missing objects
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_prints_continuation_references_for_other_naming_contexts() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&["-b", BASE_DN, "(objectClass=*)", "1.1"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().refs.contains(&CONFIG_REF.to_string()),
        "refs missing\n{out}"
    );
    assert!(out.stdout.contains(CONFIG_REF), "{out}");
    let out = server
        .ldapsearch_admin(&["-b", CONFIG_DN, "(objectClass=*)", "1.1"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().refs.contains(&SCHEMA_REF.to_string()),
        "refs missing\n{out}"
    );
    let out = as_alice(
        &server,
        &[
            "-b",
            BASE_DN,
            "(objectCategory=certificationAuthority)",
            "cACertificate",
        ],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.ldif().entries.is_empty(),
        "no CA in the domain NC\n{out}"
    );
    assert!(out.ldif().refs.contains(&CONFIG_REF.to_string()), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldapsearch_missing_base_exits_32_with_matched_dn_and_best_match() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let out = server
        .ldapsearch_admin(&["-b", "CN=Nope,DC=example,DC=test", "(objectClass=*)"])
        .await;
    assert_exit(&out, 32);
    assert!(out.stderr.contains("No such object (32)"), "{out}");
    assert!(
        out.stderr.contains("Matched DN: DC=example,DC=test"),
        "{out}"
    );
    assert!(out.stderr.contains("0000208D: NameErr: DSID-"), "{out}");
    assert!(out.stderr.contains("best match of:"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// The ldap-server command line
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_serve_prints_address_answers_ldapwhoami_and_exits_0_on_sigterm() {
    let mut cli = CliServer::spawn(&[]).await;
    let line = cli.first_line.trim().to_string();
    let port = line
        .strip_prefix("127.0.0.1:")
        .unwrap_or_else(|| panic!("first line should be 127.0.0.1:PORT, got {line:?}"));
    let port: u16 = port
        .parse()
        .unwrap_or_else(|_| panic!("bad port in {line:?}"));
    assert_ne!(port, 0);

    let out = ldapwhoami(
        cli.addr,
        &["-D", "EXAMPLE\\Administrator", "-w", ADMIN_PASSWORD],
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .to_ascii_lowercase()
            .contains("u:example\\administrator"),
        "{out}"
    );

    cli.sigterm().await;
    let status = cli.wait_exit(Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "SIGTERM should end the server with exit 0, got {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_serve_with_broken_ldif_exits_nonzero_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    // Record 1 is fine (lines 1-4); line 7 has no colon.
    let text = format!(
        "dn: {}\nobjectClass: user\ncn: good\nsAMAccountName: good\n\ndn: {}\nthis line is not an attribute\ncn: bad\n",
        user_dn("good"),
        user_dn("bad")
    );
    let path = write_file(dir.path(), "broken.ldif", &text);
    let out = run_server_cli(&[
        "serve",
        "--domain",
        DOMAIN,
        "--listen",
        "127.0.0.1:0",
        "--admin-password",
        ADMIN_PASSWORD,
        "--ldif",
        path.to_str().unwrap(),
    ])
    .await;
    assert_ne!(out.code, 0, "serve must fail on a broken LDIF\n{out}");
    assert!(
        out.stderr.contains(&format!("{}:7:", path.display())),
        "stderr should say {}:7: …\n{out}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_export_then_import_round_trips_identically_with_binary_certificate() {
    let fx = standard_ldif();
    let dir = tempfile::tempdir().unwrap();
    let seed = write_file(dir.path(), "seed.ldif", &fx.ldif);
    let e1 = dir.path().join("export1.ldif");
    let e2 = dir.path().join("export2.ldif");

    let out = run_server_cli(&[
        "export",
        "--domain",
        DOMAIN,
        "--ldif",
        seed.to_str().unwrap(),
        "--out",
        e1.to_str().unwrap(),
    ])
    .await;
    assert_exit(&out, 0);
    let text1 = std::fs::read_to_string(&e1).expect("export1 written");
    assert!(
        unfold_ldif(&text1).contains(&format!("cACertificate:: {}\n", b64(&fx.root_der))),
        "export holds the DER certificate"
    );

    // The export loads into a serving directory that hands out the same certificate.
    let mut cli = CliServer::spawn(&["--ldif", e1.to_str().unwrap()]).await;
    let out = ldapsearch(
        cli.addr,
        &[
            "-D",
            "EXAMPLE\\alice",
            "-w",
            USER_PASSWORD,
            "-b",
            CONFIG_DN,
            "(objectCategory=certificationAuthority)",
            "cACertificate",
        ],
    )
    .await;
    assert_exit(&out, 0);
    let ldif = out.ldif();
    let root = ldif
        .find(&ca_dn(ROOT_CA_CN, "Certification Authorities"))
        .unwrap_or_else(|| panic!("root CA missing after reload\n{out}"));
    assert_eq!(root.get("cACertificate"), vec![fx.root_der.clone()]);
    cli.sigterm().await;
    let status = cli.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}");

    // export(import(export)) == export
    let out = run_server_cli(&[
        "export",
        "--domain",
        DOMAIN,
        "--ldif",
        e1.to_str().unwrap(),
        "--out",
        e2.to_str().unwrap(),
    ])
    .await;
    assert_exit(&out, 0);
    let text2 = std::fs::read_to_string(&e2).expect("export2 written");
    if text1 != text2 {
        let diff = text1
            .lines()
            .zip(text2.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  export1: {a}\n  export2: {b}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "{} vs {} lines",
                    text1.lines().count(),
                    text2.lines().count()
                )
            });
        panic!("export → import → export is not lossless: {diff}");
    }
}
