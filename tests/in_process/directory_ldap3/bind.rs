//! Simple bind: DN, UPN and NetBIOS names, stored password forms, and AD's data codes on failure.

use super::*;

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
