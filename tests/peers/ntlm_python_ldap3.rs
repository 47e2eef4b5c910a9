//! python ldap3's NTLM bind (the Sicily exchange, as Certipy 4.8 uses it) against our DC: the
//! right password signs in as the account, a wrong one and a locked account get AD's data codes.

use std::process::Stdio;

use e2e::*;

const SCRIPT: &str = r#"
import sys, ldap3
host, port = sys.argv[1], int(sys.argv[2])
def attempt(user, password):
    connection = ldap3.Connection(ldap3.Server(host, port=port, get_info=ldap3.NONE), user=user, password=password, authentication=ldap3.NTLM)
    bound = connection.bind()
    print("bind", user, bound, connection.result.get("result"), repr(connection.result.get("message", "")))
    if bound:
        print("whoami", connection.extend.standard.who_am_i())
    connection.unbind()
attempt("EXAMPLE\\alice", "Secret-1")
attempt("EXAMPLE\\alice", "Wrong-1")
attempt("EXAMPLE\\bob", "Secret-2")
attempt("EXAMPLE\\nobody", "Secret-1")
"#;

#[tokio::test]
async fn python_ldap3_ntlm_binds_as_the_account_and_gets_ads_data_codes() {
    let python = std::env::var("E2E_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ldif = format!(
        "{}{}",
        user_ldif("alice", "Secret-1", &[]),
        user_ldif("bob", "Secret-2", &[("lockoutTime", "133000000000000000")])
    );
    let server = start(&ldif).await;
    let child = tokio::process::Command::new(&python)
        .args(["-c", SCRIPT, "127.0.0.1", &server.port().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("{python} (E2E_PYTHON, with ldap3): {error}"));
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("python finished in time")
        .expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.contains(&"bind EXAMPLE\\alice True 0 ''"),
        "{stdout}\n{stderr}"
    );
    assert!(lines.contains(&"whoami u:EXAMPLE\\alice"), "{stdout}");
    let refused = |user: &str, code: &str| {
        lines.iter().any(|line| {
            line.starts_with(&format!("bind EXAMPLE\\{user} False 49 "))
                && line.contains(&format!("AcceptSecurityContext error, data {code},"))
        })
    };
    assert!(refused("alice", "52e"), "wrong password: {stdout}");
    assert!(refused("bob", "775"), "locked account: {stdout}");
    assert!(refused("nobody", "52e"), "unknown user: {stdout}");
    server.stop().await;
}

#[tokio::test]
async fn on_a_dc_that_requires_signing_an_ntlm_bind_without_integrity_is_refused() {
    let python = std::env::var("E2E_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let server = start_with(
        &user_ldif("alice", "Secret-1", &[]),
        Options {
            require_signing: true,
            ..Options::default()
        },
    )
    .await;
    let out = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new(&python)
            .args(["-c", SCRIPT, "127.0.0.1", &server.port().to_string()])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("python finished in time")
    .expect("python (E2E_PYTHON, with ldap3)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("bind EXAMPLE\\alice False 8 ")
                && line.contains("00002028: LdapErr: DSID-0C090259")),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.stop().await;
}
