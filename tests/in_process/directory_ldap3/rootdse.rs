//! The rootDSE: anonymous reads with AD's attributes, and modifying it is refused.

use super::*;

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
