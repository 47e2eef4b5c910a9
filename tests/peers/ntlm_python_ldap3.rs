//! python ldap3's NTLM bind (the Sicily exchange, as Certipy 4.8 uses it) against our DC: the
//! right password signs in as the account, a wrong one and a locked account get AD's data codes.

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
    let ldif = format!(
        "{}{}",
        user_ldif("alice", "Secret-1", &[]),
        user_ldif("bob", "Secret-2", &[("lockoutTime", "133000000000000000")])
    );
    let server = start(&ldif).await;
    let out = run_python(SCRIPT, &["127.0.0.1".into(), server.port().to_string()]).await;
    assert_exit(&out, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.contains(&"bind EXAMPLE\\alice True 0 ''"), "{out}");
    assert!(lines.contains(&"whoami u:EXAMPLE\\alice"), "{out}");
    let refused = |user: &str, code: &str| {
        lines.iter().any(|line| {
            line.starts_with(&format!("bind EXAMPLE\\{user} False 49 "))
                && line.contains(&format!("AcceptSecurityContext error, data {code},"))
        })
    };
    assert!(refused("alice", "52e"), "wrong password: {out}");
    assert!(refused("bob", "775"), "locked account: {out}");
    assert!(refused("nobody", "52e"), "unknown user: {out}");
    server.stop().await;
}

#[tokio::test]
async fn on_a_dc_that_requires_signing_an_ntlm_bind_without_integrity_is_refused() {
    let server = start_with(
        &user_ldif("alice", "Secret-1", &[]),
        Options {
            require_signing: true,
            ..Options::default()
        },
    )
    .await;
    let out = run_python(SCRIPT, &["127.0.0.1".into(), server.port().to_string()]).await;
    assert!(
        out.stdout
            .lines()
            .any(|line| line.starts_with("bind EXAMPLE\\alice False 8 ")
                && line.contains("00002028: LdapErr: DSID-0C090259")),
        "{out}"
    );
    server.stop().await;
}
