//! Web Enrollment behind IIS's Windows Authentication: impacket's NTLM client (its own NTLMSSP
//! code, over python's http.client) on one kept-alive connection — NEGOTIATE → 401 with the
//! CHALLENGE → AUTHENTICATE → the chain; a wrong password gets 401 again.

use std::net::SocketAddr;

use e2e::*;
use ldap_server::Server;

const SCRIPT: &str = r#"
import base64, http.client, sys
from impacket import ntlm
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
path = "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64"
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
def get(token):
    connection.request("GET", path, headers={"Host": "ca.example.test", "Authorization": "NTLM " + base64.b64encode(token).decode()})
    response = connection.getresponse()
    return response, response.read()
negotiate = ntlm.getNTLMSSPType1("", "EXAMPLE")
response, _ = get(negotiate.getData())
challenges = [value for name, value in response.getheaders() if name.lower() == "www-authenticate"]
print("first", response.status, " ".join(challenge.split()[0] for challenge in challenges))
authenticate, _ = ntlm.getNTLMSSPType3(negotiate, base64.b64decode(challenges[0].split()[1]), user, password, "EXAMPLE")
response, body = get(authenticate.getData())
print("second", response.status, body[:27].decode(errors="replace"))
"#;

#[tokio::test]
async fn impacket_ntlm_over_one_http_connection_gets_the_chain_and_a_wrong_password_does_not() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let config = certsrv::Config::new()
        .generation(make_ca_cert("Web Enrollment Root CA"), Vec::new())
        .behaviour(certsrv::Behaviour::Basic);
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .certsrv(loopback, config)
        .ldif_text("alice.ldif", user_ldif("alice", "Secret-1", &[]))
        .start()
        .await
        .expect("starts");
    let port = server.certsrv_addr().expect("certsrv").port().to_string();
    let right = run_python(SCRIPT, &[port.clone(), "alice".into(), "Secret-1".into()]).await;
    assert_exit(&right, 0);
    assert!(right.stdout.contains("first 401 NTLM\n"), "{right}");
    assert!(
        right
            .stdout
            .contains("second 200 -----BEGIN CERTIFICATE-----"),
        "{right}"
    );
    let wrong = run_python(SCRIPT, &[port, "alice".into(), "Wrong-1".into()]).await;
    assert_exit(&wrong, 0);
    assert!(wrong.stdout.contains("second 401"), "{wrong}");
    server.shutdown().await;
}
