//! Limits and controls: the 1000-entry size limit, client size limits, paging, critical controls.

use super::*;

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
