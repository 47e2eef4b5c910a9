//! ldapwhoami binds by DN, UPN and NetBIOS name, and AD's data codes for failed binds and account
//! states.

use super::*;

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
