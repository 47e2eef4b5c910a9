//! End-to-end tests driving the directory with the ldap3 crate.
//!
//! Each test starts its own `ldap_server::Server` on 127.0.0.1:0, seeded from LDIF written to a
//! temporary directory, and checks one Active Directory behaviour over a real TCP connection:
//! the rootDSE, anonymous-access rules, simple-bind outcomes and their `data` codes, the phone's
//! certificationAuthority query, filters, scopes, attribute selection, size limits and paging,
//! controls, continuation references, error texts, robustness against malformed input, and the
//! library's LDIF export. Expected texts come from shared/domain.md §B.

use std::collections::HashSet;
use std::time::Duration;

use e2e::*;
use ldap3::adapters::PagedResults;
use ldap3::controls::RawControl;
use ldap3::{parse_refs, Ldap, LdapError, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Runs a search and returns the entries (references are collected in the result's `refs`).
async fn search(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> (Vec<SearchEntry>, LdapResult) {
    let res = ldap
        .search(base, scope, filter, attrs.to_vec())
        .await
        .unwrap_or_else(|e| panic!("search {base} {filter}: {e}"));
    let entries = res.0.into_iter().map(SearchEntry::construct).collect();
    (entries, res.1)
}

/// Like [`search`] but asserts success.
async fn search_ok(
    ldap: &mut Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[&str],
) -> Vec<SearchEntry> {
    let (entries, res) = search(ldap, base, scope, filter, attrs).await;
    assert_eq!(res.rc, 0, "search {base} {filter} failed: {res}");
    entries
}

fn dns(entries: &[SearchEntry]) -> Vec<String> {
    entries.iter().map(|e| e.dn.clone()).collect()
}

fn has_dn(entries: &[SearchEntry], dn: &str) -> bool {
    entries.iter().any(|e| e.dn.eq_ignore_ascii_case(dn))
}

/// Streams a search without adapters, separating entries and continuation references.
async fn search_with_refs(
    ldap: &mut Ldap,
    base: &str,
    filter: &str,
) -> (Vec<SearchEntry>, Vec<String>, LdapResult) {
    let mut stream = ldap
        .streaming_search(base, Scope::Subtree, filter, vec!["1.1"])
        .await
        .expect("start search");
    let mut entries = Vec::new();
    let mut refs = Vec::new();
    while let Some(re) = stream.next().await.expect("next result") {
        if re.is_ref() {
            refs.extend(parse_refs(re.0));
        } else if !re.is_intermediate() {
            entries.push(SearchEntry::construct(re));
        }
    }
    let res = stream.finish().await;
    (entries, refs, res)
}

/// The account a failing bind must report, with its AD `data` code.
async fn assert_bind_fails(server: &TestServer, who: &str, password: &str, data: &str) {
    let mut ldap = server.connect().await;
    let res = ldap.simple_bind(who, password).await.expect("bind I/O");
    assert_eq!(
        res.rc, 49,
        "bind as {who} should be invalidCredentials: {res}"
    );
    assert!(
        res.text.starts_with("80090308: LdapErr: DSID-"),
        "AD-style diagnostic expected for {who}: {res}"
    );
    assert!(
        res.text
            .contains(&format!("AcceptSecurityContext error, data {data},")),
        "bind as {who} should carry `data {data}`: {res}"
    );
}

/// Asserts that an operation on `ldap` is refused because the connection is anonymous.
async fn assert_anonymous(ldap: &mut Ldap) {
    let (entries, res) = search(ldap, BASE_DN, Scope::Base, "(objectClass=*)", &[]).await;
    assert_eq!(
        res.rc, 1,
        "expected operationsError on an anonymous connection: {res}"
    );
    assert!(
        res.text.starts_with("000004DC"),
        "expected the 000004DC bind-required text: {res}"
    );
    assert!(entries.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 1. rootDSE
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rootdse_is_readable_anonymously_with_ad_attributes() {
    let server = start("").await;
    let mut ldap = server.connect().await;
    let entries = search_ok(&mut ldap, "", Scope::Base, "(objectClass=*)", &[]).await;
    assert_eq!(entries.len(), 1, "rootDSE is one entry");
    let dse = &entries[0];
    assert_eq!(dse.dn, "");

    assert_eq!(text_values(dse, "defaultNamingContext"), vec![BASE_DN]);
    assert_eq!(text_values(dse, "rootDomainNamingContext"), vec![BASE_DN]);
    assert_eq!(
        text_values(dse, "configurationNamingContext"),
        vec![CONFIG_DN]
    );
    assert_eq!(text_values(dse, "schemaNamingContext"), vec![SCHEMA_DN]);
    let ncs: HashSet<String> = text_values(dse, "namingContexts").into_iter().collect();
    let want: HashSet<String> = [BASE_DN, CONFIG_DN, SCHEMA_DN]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ncs, want, "namingContexts");
    assert_eq!(text_values(dse, "subschemaSubentry"), vec![AGGREGATE_DN]);

    let host = single(dse, "dnsHostName");
    assert!(
        host.to_ascii_lowercase().ends_with(".example.test"),
        "dnsHostName {host}"
    );
    let server_name = single(dse, "serverName");
    assert!(
        server_name.contains(",CN=Servers,")
            && server_name.ends_with(&format!(",CN=Sites,{CONFIG_DN}")),
        "serverName {server_name}"
    );
    let ds_service = single(dse, "dsServiceName");
    assert_eq!(
        ds_service,
        format!("CN=NTDS Settings,{server_name}"),
        "dsServiceName"
    );
    let ldap_service = single(dse, "ldapServiceName");
    assert!(
        ldap_service.starts_with("example.test:") && ldap_service.ends_with("@EXAMPLE.TEST"),
        "ldapServiceName {ldap_service}"
    );
    let now = single(dse, "currentTime");
    assert!(
        now.len() >= 15 && now[..14].bytes().all(|b| b.is_ascii_digit()) && now.ends_with('Z'),
        "currentTime is GeneralizedTime: {now}"
    );
    assert!(text_values(dse, "supportedLDAPVersion").contains(&"3".to_string()));
    assert!(
        text_values(dse, "supportedControl").contains(&PAGED_RESULTS_OID.to_string()),
        "paged results advertised"
    );
    assert!(
        !text_values(dse, "supportedSASLMechanisms").is_empty(),
        "supportedSASLMechanisms"
    );
    assert!(
        text_values(dse, "supportedCapabilities").contains(&"1.2.840.113556.1.4.800".to_string()),
        "AD capability advertised"
    );
    for attr in [
        "domainFunctionality",
        "forestFunctionality",
        "domainControllerFunctionality",
    ] {
        let v = single(dse, attr);
        assert!(v.parse::<u32>().is_ok(), "{attr} is a number: {v}");
    }
    let gc = single(dse, "isGlobalCatalogReady");
    assert!(gc == "TRUE" || gc == "FALSE", "isGlobalCatalogReady {gc}");
    let usn = single(dse, "highestCommittedUSN");
    assert!(usn.parse::<u64>().is_ok(), "highestCommittedUSN {usn}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modifying_the_rootdse_is_unwilling_to_perform() {
    let server = start("").await;
    let mut ldap = server.admin().await;
    let res = ldap
        .modify(
            "",
            vec![Mod::Replace(
                "dnsHostName",
                HashSet::from(["evil.example.test"]),
            )],
        )
        .await
        .expect("modify I/O");
    assert_eq!(
        res.rc, 53,
        "rootDSE modify must be unwillingToPerform: {res}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Anonymous access
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_search_of_domain_is_operations_error_000004dc() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.connect().await;
    let (entries, res) = search(
        &mut ldap,
        BASE_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["cn"],
    )
    .await;
    assert_eq!(
        res.rc, 1,
        "anonymous search must fail with operationsError: {res}"
    );
    assert!(res.text.starts_with("000004DC"), "diagnostic: {res}");
    assert!(
        res.text.contains("In order to perform this operation a successful bind must be completed on the connection."),
        "diagnostic: {res}"
    );
    assert!(entries.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_reads_when_allowed_show_users_but_hide_pki_objects() {
    let fx = standard_ldif();
    let server = start_with(
        &fx.ldif,
        Options {
            allow_anonymous: true,
            ..Options::default()
        },
    )
    .await;
    let mut anon = server.connect().await;
    let users = search_ok(
        &mut anon,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["sAMAccountName"],
    )
    .await;
    assert!(
        has_dn(&users, &user_dn("alice")),
        "anonymous sees users: {:?}",
        dns(&users)
    );

    let cas = search_ok(
        &mut anon,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    assert!(
        cas.is_empty(),
        "PKI objects are readable by Authenticated Users only: {:?}",
        dns(&cas)
    );

    // Control: the same query as an authenticated user finds them.
    let mut alice = server.bound(&user_dn("alice"), USER_PASSWORD).await;
    let cas = search_ok(
        &mut alice,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    assert!(has_dn(
        &cas,
        &ca_dn(ROOT_CA_CN, "Certification Authorities")
    ));
}

// ---------------------------------------------------------------------------------------------
// 3. Bind
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_by_dn_upn_and_netbios_name_succeeds() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    for who in [
        user_dn("alice"),
        "alice@example.test".to_string(),
        "EXAMPLE\\alice".to_string(),
    ] {
        let mut ldap = server.bound(&who, USER_PASSWORD).await;
        // Authenticated: the domain NC is now searchable.
        let entries = search_ok(&mut ldap, BASE_DN, Scope::Base, "(objectClass=*)", &["1.1"]).await;
        assert_eq!(entries.len(), 1, "bound as {who}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_binds_by_dn_upn_and_netbios_name() {
    let server = start("").await;
    for who in [
        ADMIN_DN,
        "Administrator@example.test",
        "EXAMPLE\\Administrator",
    ] {
        server.bound(who, ADMIN_PASSWORD).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_with_ssha_and_unicodepwd_stored_passwords() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    server.bound("sam@example.test", USER_PASSWORD).await;
    server.bound("EXAMPLE\\uma", USER_PASSWORD).await;
    assert_bind_fails(&server, "sam@example.test", "wrong", "52e").await;
    assert_bind_fails(&server, "EXAMPLE\\uma", "wrong", "52e").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_with_wrong_password_is_49_data_52e() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, &user_dn("alice"), "not-the-password", "52e").await;
    assert_bind_fails(&server, "alice@example.test", "not-the-password", "52e").await;
    assert_bind_fails(&server, "EXAMPLE\\alice", "not-the-password", "52e").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_as_unknown_user_is_49_data_52e() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, &user_dn("nobody"), "whatever", "52e").await;
    assert_bind_fails(&server, "nobody@example.test", "whatever", "52e").await;
    assert_bind_fails(&server, "EXAMPLE\\nobody", "whatever", "52e").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_as_disabled_account_is_data_533() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, "dave@example.test", USER_PASSWORD, "533").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_as_locked_out_account_is_data_775() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, "lucy@example.test", USER_PASSWORD, "775").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_as_expired_account_is_data_701() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, "eve@example.test", USER_PASSWORD, "701").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_when_password_must_be_reset_is_data_773() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    assert_bind_fails(&server, "mike@example.test", USER_PASSWORD, "773").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_bind_leaves_the_connection_anonymous() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.bound(ADMIN_DN, ADMIN_PASSWORD).await;
    let res = ldap
        .simple_bind(&user_dn("alice"), "wrong")
        .await
        .expect("bind I/O");
    assert_eq!(res.rc, 49, "{res}");
    assert_anonymous(&mut ldap).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_password_bind_succeeds_as_anonymous() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.connect().await;
    let res = ldap
        .simple_bind(&user_dn("alice"), "")
        .await
        .expect("bind I/O");
    assert_eq!(res.rc, 0, "unauthenticated bind succeeds: {res}");
    assert_anonymous(&mut ldap).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_are_never_returned_by_star_search() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let entries = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["*"],
    )
    .await;
    for sam in ["alice", "sam", "uma"] {
        assert!(has_dn(&entries, &user_dn(sam)), "{sam} found");
    }
    for e in &entries {
        for secret in ["userPassword", "unicodePwd"] {
            assert!(
                !has_attr_ignore_case(e, secret),
                "{} leaked {secret}: {:?}",
                e.dn,
                attribute_names(e)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Search: the phone query, filters, scopes, attribute selection
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_query_returns_ca_certificate_der_bytes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.bound("EXAMPLE\\alice", USER_PASSWORD).await;
    let entries = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectCategory=certificationAuthority)",
        &["cACertificate"],
    )
    .await;
    let root = entries
        .iter()
        .find(|e| e.dn == ca_dn(ROOT_CA_CN, "Certification Authorities"))
        .unwrap_or_else(|| panic!("root CA missing: {:?}", dns(&entries)));
    assert_eq!(
        root.bin_attrs.get("cACertificate"),
        Some(&vec![fx.root_der.clone()])
    );
    let issuing = entries
        .iter()
        .find(|e| e.dn == ca_dn(ISSUING_CA_CN, "AIA"))
        .unwrap_or_else(|| panic!("AIA CA missing: {:?}", dns(&entries)));
    assert_eq!(
        issuing.bin_attrs.get("cACertificate"),
        Some(&vec![fx.issuing_der.clone()])
    );
    for e in &entries {
        assert_eq!(
            attribute_names(e),
            vec!["cACertificate".to_string()],
            "{} only has the asked attribute",
            e.dn
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_transfer_option_returns_same_bytes_under_bare_name() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.bound("alice@example.test", USER_PASSWORD).await;
    let entries = search_ok(
        &mut ldap,
        &ca_dn(ROOT_CA_CN, "Certification Authorities"),
        Scope::Base,
        "(objectClass=*)",
        &["cACertificate;binary"],
    )
    .await;
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        e.bin_attrs.get("cACertificate"),
        Some(&vec![fx.root_der.clone()]),
        "{:?}",
        attribute_names(e)
    );
    assert!(
        !e.bin_attrs.contains_key("cACertificate;binary"),
        "AD answers without ;binary"
    );
    assert_eq!(attribute_names(e), vec!["cACertificate".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certification_authorities_have_category_and_match_by_object_class() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let entries = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectClass=certificationAuthority)",
        &["objectCategory", "objectClass"],
    )
    .await;
    assert!(
        has_dn(&entries, &ca_dn(ROOT_CA_CN, "Certification Authorities")),
        "{:?}",
        dns(&entries)
    );
    assert!(
        has_dn(&entries, &ca_dn(ISSUING_CA_CN, "AIA")),
        "{:?}",
        dns(&entries)
    );
    for e in &entries {
        assert_eq!(
            text_values(e, "objectCategory"),
            vec![CA_CATEGORY_DN],
            "{}",
            e.dn
        );
        assert_eq!(
            text_values(e, "objectClass"),
            vec!["top", "certificationAuthority"],
            "{}",
            e.dn
        );
    }
    // The objectCategory DN form finds the same objects as the short name.
    let by_dn = search_ok(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        &format!("(objectCategory={CA_CATEGORY_DN})"),
        &["1.1"],
    )
    .await;
    let mut a = dns(&entries);
    let mut b = dns(&by_dn);
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_and_or_not() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let entries = search_ok(
        &mut ldap,
        BASE_DN,
        Scope::Subtree,
        "(&(objectClass=user)(|(sAMAccountName=alice)(sAMAccountName=bob))(!(sAMAccountName=bob)))",
        &["sAMAccountName"],
    )
    .await;
    assert_eq!(dns(&entries), vec![user_dn("alice")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_substring_matches_ca_by_cn() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let entries = search_ok(&mut ldap, PKS_DN, Scope::Subtree, "(cn=Ro*CA)", &["cn"]).await;
    assert_eq!(
        dns(&entries),
        vec![ca_dn(ROOT_CA_CN, "Certification Authorities")]
    );
    let entries = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(sAMAccountName=al*)",
        &["cn"],
    )
    .await;
    assert_eq!(dns(&entries), vec![user_dn("alice")]);
    let entries = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(userPrincipalName=*@example.test)",
        &["cn"],
    )
    .await;
    assert!(has_dn(&entries, &user_dn("alice")) && has_dn(&entries, &user_dn("bob")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_greater_and_less_or_equal_on_usn_changed() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let alice = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["uSNChanged"],
    )
    .await;
    let usn: u64 = single(&alice[0], "uSNChanged")
        .parse()
        .expect("uSNChanged is a number");
    let find = |f: String| {
        let mut l = ldap.clone();
        async move { search_ok(&mut l, USERS_DN, Scope::Subtree, &f, &["1.1"]).await }
    };
    let ge = find(format!("(&(objectClass=user)(uSNChanged>={usn}))")).await;
    assert!(has_dn(&ge, &user_dn("alice")), ">= own USN includes alice");
    let le = find(format!("(&(objectClass=user)(uSNChanged<={usn}))")).await;
    assert!(has_dn(&le, &user_dn("alice")), "<= own USN includes alice");
    let gt = find(format!("(&(objectClass=user)(uSNChanged>={}))", usn + 1)).await;
    assert!(!has_dn(&gt, &user_dn("alice")), ">= USN+1 excludes alice");
    let lt = find(format!("(&(objectClass=user)(uSNChanged<={}))", usn - 1)).await;
    assert!(!has_dn(&lt, &user_dn("alice")), "<= USN-1 excludes alice");
    // Integer ordering, not string ordering: a huge bound finds everything.
    let all = find("(&(objectClass=user)(uSNChanged<=99999999999))".to_string()).await;
    assert!(has_dn(&all, &user_dn("alice")) && has_dn(&all, &user_dn("bob")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_presence_and_approximate_match() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let present = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(lockoutTime=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(
        dns(&present),
        vec![user_dn("lucy")],
        "only lucy has lockoutTime"
    );
    let present = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(sAMAccountName=*)",
        &["1.1"],
    )
    .await;
    assert!(
        !has_dn(&present, USERS_DN),
        "the container has no sAMAccountName"
    );
    assert!(has_dn(&present, &user_dn("alice")));
    let approx = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(sAMAccountName~=alice)",
        &["1.1"],
    )
    .await;
    assert_eq!(dns(&approx), vec![user_dn("alice")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensible_bitwise_and_finds_disabled_users() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let disabled = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(userAccountControl:1.2.840.113556.1.4.803:=2)",
        &["1.1"],
    )
    .await;
    assert!(has_dn(&disabled, &user_dn("dave")), "{:?}", dns(&disabled));
    assert!(
        !has_dn(&disabled, &user_dn("alice")),
        "{:?}",
        dns(&disabled)
    );
    // Enabled normal accounts: 512 set and 2 not set.
    let enabled = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(&(userAccountControl:1.2.840.113556.1.4.803:=512)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
        &["1.1"],
    )
    .await;
    assert!(has_dn(&enabled, &user_dn("alice")) && !has_dn(&enabled, &user_dn("dave")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensible_bitwise_or_matches_any_bit() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let any = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(userAccountControl:1.2.840.113556.1.4.804:=3)",
        &["1.1"],
    )
    .await;
    assert!(
        has_dn(&any, &user_dn("dave")) && !has_dn(&any, &user_dn("alice")),
        "{:?}",
        dns(&any)
    );
    let any = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(userAccountControl:1.2.840.113556.1.4.804:=514)",
        &["1.1"],
    )
    .await;
    assert!(
        has_dn(&any, &user_dn("dave")) && has_dn(&any, &user_dn("alice")),
        "{:?}",
        dns(&any)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_guid_binary_assertion_finds_exactly_that_entry() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let alice = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["objectGUID"],
    )
    .await;
    let guid = values(&alice[0], "objectGUID");
    assert_eq!(guid.len(), 1, "one objectGUID: {:?}", alice[0]);
    assert_eq!(guid[0].len(), 16, "objectGUID is 16 raw bytes");
    let filter = format!("(objectGUID={})", escape_bytes(&guid[0]));
    let found = search_ok(&mut ldap, BASE_DN, Scope::Subtree, &filter, &["1.1"]).await;
    assert_eq!(dns(&found), vec![user_dn("alice")], "filter {filter}");
    // The same via ldap3's escaping of a text-safe rendering is impossible for arbitrary bytes,
    // so also check that a different GUID finds nothing.
    let mut other = guid[0].clone();
    other[0] ^= 0xff;
    let none = search_ok(
        &mut ldap,
        BASE_DN,
        Scope::Subtree,
        &format!("(objectGUID={})", escape_bytes(&other)),
        &["1.1"],
    )
    .await;
    assert!(none.is_empty(), "{:?}", dns(&none));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_certificate_binary_assertion_finds_the_ca() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let filter = format!("(cACertificate={})", escape_bytes(&fx.root_der));
    let found = search_ok(&mut ldap, CONFIG_DN, Scope::Subtree, &filter, &["cn"]).await;
    assert_eq!(
        dns(&found),
        vec![ca_dn(ROOT_CA_CN, "Certification Authorities")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_scopes_base_one_and_subtree() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let base = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(dns(&base), vec![USERS_DN.to_string()]);
    let one = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(!has_dn(&one, USERS_DN), "one-level excludes the base");
    assert!(has_dn(&one, &user_dn("alice")) && has_dn(&one, ADMIN_DN));
    let sub = search_ok(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(has_dn(&sub, USERS_DN) && has_dn(&sub, &user_dn("alice")));
    assert_eq!(sub.len(), one.len() + 1, "CN=Users has no grandchildren");
    let top = search_ok(
        &mut ldap,
        BASE_DN,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(
        has_dn(&top, USERS_DN) && !has_dn(&top, &user_dn("alice")),
        "one-level is children only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_list_1_1_returns_no_attributes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(e.len(), 1);
    assert!(
        attribute_names(&e[0]).is_empty(),
        "{:?}",
        attribute_names(&e[0])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plus_returns_operational_attributes() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["+"],
    )
    .await;
    assert_eq!(e.len(), 1);
    let names = attribute_names(&e[0]);
    for want in ["objectGUID", "whenCreated", "uSNChanged"] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn types_only_returns_names_without_values() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let res = ldap
        .with_search_options(SearchOptions::new().typesonly(true))
        .search(
            &user_dn("alice"),
            Scope::Base,
            "(objectClass=*)",
            vec!["sAMAccountName", "cn", "objectGUID"],
        )
        .await
        .expect("search");
    assert_eq!(res.1.rc, 0, "{}", res.1);
    let e: Vec<SearchEntry> = res.0.into_iter().map(SearchEntry::construct).collect();
    assert_eq!(e.len(), 1);
    let names = attribute_names(&e[0]);
    for want in ["sAMAccountName", "cn", "objectGUID"] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
    for (name, vals) in &e[0].attrs {
        assert!(vals.is_empty(), "{name} has values {vals:?}");
    }
    for (name, vals) in &e[0].bin_attrs {
        assert!(vals.is_empty(), "{name} has values {vals:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_names_come_back_in_schema_spelling() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &ca_dn(ROOT_CA_CN, "Certification Authorities"),
        Scope::Base,
        "(OBJECTCLASS=CERTIFICATIONAUTHORITY)",
        &["CACERTIFICATE", "cn", "OBJECTCATEGORY"],
    )
    .await;
    assert_eq!(e.len(), 1);
    assert_eq!(
        attribute_names(&e[0]),
        vec![
            "cACertificate".to_string(),
            "cn".to_string(),
            "objectCategory".to_string()
        ]
    );
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["samaccountname", "USERPRINCIPALNAME"],
    )
    .await;
    assert_eq!(
        attribute_names(&e[0]),
        vec![
            "sAMAccountName".to_string(),
            "userPrincipalName".to_string()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_object_class_is_the_full_chain_and_category_is_person() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        &user_dn("alice"),
        Scope::Base,
        "(objectClass=*)",
        &["objectClass", "objectCategory"],
    )
    .await;
    assert_eq!(
        text_values(&e[0], "objectClass"),
        vec!["top", "person", "organizationalPerson", "user"]
    );
    assert_eq!(
        text_values(&e[0], "objectCategory"),
        vec![format!("CN=Person,{SCHEMA_DN}")]
    );
    // Superclasses match in filters, and the category shortcut works for users too.
    for f in [
        "(objectClass=organizationalPerson)",
        "(objectCategory=person)",
        "(objectCategory=user)",
    ] {
        let found = search_ok(&mut ldap, USERS_DN, Scope::Subtree, f, &["1.1"]).await;
        assert!(has_dn(&found, &user_dn("alice")), "{f}: {:?}", dns(&found));
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Limits and controls
// ---------------------------------------------------------------------------------------------

const BULK: usize = 1500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaged_search_stops_at_1000_with_size_limit_exceeded() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let mut ldap = server.admin().await;
    let (entries, res) = search(
        &mut ldap,
        USERS_DN,
        Scope::Subtree,
        "(objectClass=user)",
        &["cn"],
    )
    .await;
    assert_eq!(res.rc, 4, "sizeLimitExceeded expected: {res}");
    assert_eq!(entries.len(), 1000, "MaxPageSize is 1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_size_limit_returns_that_many_and_size_limit_exceeded() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let mut ldap = server.admin().await;
    let res = ldap
        .with_search_options(SearchOptions::new().sizelimit(10))
        .search(USERS_DN, Scope::Subtree, "(objectClass=user)", vec!["cn"])
        .await
        .expect("search");
    assert_eq!(res.1.rc, 4, "{}", res.1);
    assert_eq!(res.0.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_results_control_returns_every_entry() {
    let server = start(&bulk_users_ldif(BULK)).await;
    let mut ldap = server.admin().await;
    let mut stream = ldap
        .streaming_search_with(
            PagedResults::new(200),
            USERS_DN,
            Scope::Subtree,
            "(objectClass=user)",
            vec!["sAMAccountName"],
        )
        .await
        .expect("paged search start");
    let mut seen = HashSet::new();
    while let Some(re) = stream.next().await.expect("paged search next") {
        if re.is_ref() || re.is_intermediate() {
            continue;
        }
        let e = SearchEntry::construct(re);
        assert!(seen.insert(e.dn.clone()), "duplicate entry {}", e.dn);
    }
    let res = stream.finish().await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(
        seen.len() > BULK,
        "all {BULK} users plus Administrator expected, got {}",
        seen.len()
    );
    assert!(
        seen.contains(&user_dn("user00000"))
            && seen.contains(&user_dn(&format!("user{:05}", BULK - 1)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_critical_control_is_unavailable_critical_extension() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let res = ldap
        .with_controls(RawControl {
            ctype: "1.2.3.4".to_string(),
            crit: true,
            val: None,
        })
        .search(
            USERS_DN,
            Scope::Subtree,
            "(sAMAccountName=alice)",
            vec!["cn"],
        )
        .await
        .expect("search");
    assert_eq!(res.1.rc, 12, "{}", res.1);
    assert!(res.0.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_non_critical_control_is_ignored() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let res = ldap
        .with_controls(RawControl {
            ctype: "1.2.3.4".to_string(),
            crit: false,
            val: None,
        })
        .search(
            USERS_DN,
            Scope::Subtree,
            "(sAMAccountName=alice)",
            vec!["cn"],
        )
        .await
        .expect("search");
    assert_eq!(res.1.rc, 0, "{}", res.1);
    assert_eq!(res.0.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 6. Referrals and missing objects
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_subtree_search_returns_configuration_continuation_reference() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, refs, res) = search_with_refs(&mut ldap, BASE_DN, "(objectClass=*)").await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(refs.contains(&CONFIG_REF.to_string()), "refs: {refs:?}");
    assert!(has_dn(&entries, &user_dn("alice")));
    let leaked: Vec<_> = entries
        .iter()
        .filter(|e| {
            e.dn.to_ascii_lowercase()
                .ends_with(&CONFIG_DN.to_ascii_lowercase())
        })
        .map(|e| e.dn.clone())
        .collect();
    assert!(
        leaked.is_empty(),
        "Configuration objects in a domain search: {leaked:?}"
    );
    // The phone's query against the domain NC finds no CA, only the reference.
    let (cas, refs, res) = search_with_refs(
        &mut ldap,
        BASE_DN,
        "(objectCategory=certificationAuthority)",
    )
    .await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(cas.is_empty(), "{:?}", dns(&cas));
    assert!(refs.contains(&CONFIG_REF.to_string()), "refs: {refs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_subtree_search_returns_schema_continuation_reference() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, refs, res) = search_with_refs(&mut ldap, CONFIG_DN, "(objectClass=*)").await;
    assert_eq!(res.rc, 0, "{res}");
    assert!(refs.contains(&SCHEMA_REF.to_string()), "refs: {refs:?}");
    assert!(has_dn(&entries, PKS_DN));
    assert!(
        !entries.iter().any(|e| e
            .dn
            .to_ascii_lowercase()
            .ends_with(&SCHEMA_DN.to_ascii_lowercase())),
        "schema objects in a Configuration search"
    );
    // ldap3's collecting search() puts references in the result's refs.
    let (_, res) = search(
        &mut ldap,
        CONFIG_DN,
        Scope::Subtree,
        "(objectClass=container)",
        &["1.1"],
    )
    .await;
    assert!(res.refs.contains(&SCHEMA_REF.to_string()), "{:?}", res.refs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_base_is_no_such_object_with_best_match() {
    let fx = standard_ldif();
    let server = start(&fx.ldif).await;
    let mut ldap = server.admin().await;
    let (entries, res) = search(
        &mut ldap,
        "CN=Nope,DC=example,DC=test",
        Scope::Subtree,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert!(entries.is_empty());
    assert_eq!(res.rc, 32, "{res}");
    assert_eq!(res.matched, BASE_DN, "{res}");
    assert!(res.text.starts_with("0000208D"), "{res}");
    assert!(res.text.contains("best match of:"), "{res}");
    assert!(res.text.contains("'DC=example,DC=test'"), "{res}");
    // Deeper miss: best match is the deepest existing ancestor.
    let (_, res) = search(
        &mut ldap,
        &format!("CN=Nope,CN=Deeper,{USERS_DN}"),
        Scope::Base,
        "(objectClass=*)",
        &["1.1"],
    )
    .await;
    assert_eq!(res.rc, 32, "{res}");
    assert_eq!(res.matched, USERS_DN, "{res}");
}

// ---------------------------------------------------------------------------------------------
// 7. Robustness
// ---------------------------------------------------------------------------------------------

/// Sends `bytes` on a raw connection, then reads until the server closes (bounded) and returns
/// what it sent back.
async fn send_raw_and_collect(server: &TestServer, bytes: &[u8]) -> Vec<u8> {
    let mut sock = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    // The server may close while we are still writing; that is fine.
    let _ = sock.write_all(bytes).await;
    let _ = sock.flush().await;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Duration::from_secs(10);
    let read = tokio::time::timeout(deadline, async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => break, // reset counts as closed
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "server neither closed the connection nor stopped talking within {deadline:?}; got {got:02x?}"
    );
    got
}

fn assert_notice_or_nothing(reply: &[u8]) {
    if reply.is_empty() {
        return;
    }
    let oid = NOTICE_OF_DISCONNECTION_OID.as_bytes();
    assert!(
        reply.windows(oid.len()).any(|w| w == oid),
        "reply is not a Notice of Disconnection: {reply:02x?}"
    );
    // LDAPMessage SEQUENCE, messageID INTEGER 0.
    assert_eq!(reply[0], 0x30, "reply is an LDAPMessage");
    let id_pos = if reply[1] & 0x80 != 0 {
        2 + (reply[1] & 0x7f) as usize
    } else {
        2
    };
    assert_eq!(
        &reply[id_pos..id_pos + 3],
        &[0x02, 0x01, 0x00],
        "messageID 0: {reply:02x?}"
    );
    assert_eq!(reply[id_pos + 3], 0x78, "extendedResp: {reply:02x?}");
}

async fn assert_still_serving(server: &TestServer) {
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        "",
        Scope::Base,
        "(objectClass=*)",
        &["defaultNamingContext"],
    )
    .await;
    assert_eq!(text_values(&e[0], "defaultNamingContext"), vec![BASE_DN]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_length_garbage_gets_notice_of_disconnection_and_server_survives() {
    let server = start("").await;
    let reply = send_raw_and_collect(&server, &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).await;
    assert_notice_or_nothing(&reply);
    assert_still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_message_inside_envelope_gets_notice_of_disconnection() {
    let server = start("").await;
    // SEQUENCE { INTEGER 1, OCTET STRING "A" }: a well-formed envelope whose protocolOp is junk.
    let reply =
        send_raw_and_collect(&server, &[0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x41]).await;
    assert_notice_or_nothing(&reply);
    assert_still_serving(&server).await;
    // A search request whose filter is a junk tag.
    let junk_search: Vec<u8> = {
        let base = b"";
        let mut op = vec![0x04, base.len() as u8];
        op.extend_from_slice(base);
        op.extend_from_slice(&[
            0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01,
            0x00,
        ]);
        op.extend_from_slice(&[0x9f, 0x1f, 0x01, 0xee]); // not a Filter CHOICE
        op.extend_from_slice(&[0x30, 0x00]);
        let mut body = vec![0x02, 0x01, 0x02, 0x63, op.len() as u8];
        body.extend(op);
        let mut msg = vec![0x30, body.len() as u8];
        msg.extend(body);
        msg
    };
    let reply = send_raw_and_collect(&server, &junk_search).await;
    assert_notice_or_nothing(&reply);
    assert_still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_larger_than_max_closes_connection_and_server_keeps_serving() {
    let fx = standard_ldif();
    let server = start_with(
        &fx.ldif,
        Options {
            max_message_size: Some(4096),
            ..Options::default()
        },
    )
    .await;
    let mut ldap = server.admin().await;
    let big_filter = format!("(description={})", "x".repeat(8000));
    let outcome = ldap
        .with_timeout(Duration::from_secs(10))
        .search(USERS_DN, Scope::Subtree, &big_filter, vec!["1.1"])
        .await;
    match outcome {
        Err(LdapError::Timeout { .. }) => {
            panic!("server kept the connection open after an oversized message")
        }
        Err(_) => {}
        Ok(res) => panic!(
            "oversized search was answered instead of dropped: {}",
            res.1
        ),
    }
    // The old connection is gone…
    let again = ldap
        .with_timeout(Duration::from_secs(10))
        .search("", Scope::Base, "(objectClass=*)", vec!["1.1"])
        .await;
    assert!(
        again.is_err(),
        "connection should be closed after an oversized message"
    );
    // …and an add that is too big is refused the same way on a new one.
    let mut ldap = server.admin().await;
    let desc = "y".repeat(8000);
    let outcome = ldap
        .with_timeout(Duration::from_secs(10))
        .add(
            &user_dn("biggy"),
            vec![
                ("objectClass", HashSet::from(["user"])),
                ("sAMAccountName", HashSet::from(["biggy"])),
                ("description", HashSet::from([desc.as_str()])),
            ],
        )
        .await;
    assert!(
        matches!(outcome, Err(ref e) if !matches!(e, LdapError::Timeout { .. })),
        "oversized add should close the connection: {outcome:?}"
    );
    assert_still_serving(&server).await;
}

// ---------------------------------------------------------------------------------------------
// 8. LDIF export through the library
// ---------------------------------------------------------------------------------------------

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
