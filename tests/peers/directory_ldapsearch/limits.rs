//! Limits and controls: the 1000-entry size limit, client size limits, paged results, critical
//! controls.

use super::*;

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
