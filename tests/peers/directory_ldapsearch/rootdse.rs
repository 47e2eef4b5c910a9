//! ldapsearch on the rootDSE anonymously, and the anonymous domain search refused with 000004DC.

use super::*;

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
