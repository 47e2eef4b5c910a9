//! impacket (as installed from PyPI) logging on to our DC with NTLM, the way Windows tooling
//! does: the Sicily bind on ldap://, and SASL GSS-SPNEGO with SPNEGO-wrapped NTLMSSP over
//! ldaps:// (where no security layer is negotiated, as AD requires over TLS). impacket dials the
//! standard ports, so the script maps 389 and 636 to the test's ports in its own process.

use std::net::SocketAddr;

use e2e::*;
use ldap_server::Server;

const SCRIPT: &str = r#"
import socket, sys
plain, tls = int(sys.argv[1]), int(sys.argv[2])
real = socket.getaddrinfo
def redirect(host, port, *args, **kwargs):
    return real(host, {389: plain, 636: tls}.get(port, port), *args, **kwargs)
socket.getaddrinfo = redirect
from impacket.ldap import ldap, ldapasn1
def entries(connection):
    found = connection.search(searchFilter="(sAMAccountName=alice)", attributes=["sAMAccountName"])
    return len([item for item in found if isinstance(item, ldapasn1.SearchResultEntry)])
sicily = ldap.LDAPConnection("ldap://127.0.0.1", "DC=example,DC=test", "127.0.0.1", signing=False)
sicily.login("alice", "Secret-1", "EXAMPLE", authenticationChoice="sicilyNegotiate")
print("sicily", entries(sicily))
sasl = ldap.LDAPConnection("ldaps://127.0.0.1", "DC=example,DC=test", "127.0.0.1")
sasl.login("alice", "Secret-1", "EXAMPLE")
print("sasl", entries(sasl))
try:
    wrong = ldap.LDAPConnection("ldaps://127.0.0.1", "DC=example,DC=test", "127.0.0.1")
    wrong.login("alice", "Wrong-1", "EXAMPLE")
    print("wrong accepted")
except ldap.LDAPSessionError as error:
    print("wrong refused", error)
"#;

#[tokio::test]
async fn impacket_logs_on_with_sicily_and_with_gss_spnego_over_ldaps() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldaps_listen(loopback)
        .ldif_text("alice.ldif", user_ldif("alice", "Secret-1", &[]))
        .start()
        .await
        .expect("starts");
    let ports = vec![
        server.local_addr().port().to_string(),
        server.ldaps_addr().expect("LDAPS").port().to_string(),
    ];
    let out = run_python(SCRIPT, &ports).await;
    assert_exit(&out, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.contains(&"sicily 1"), "{out}");
    assert!(lines.contains(&"sasl 1"), "{out}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("wrong refused") && line.contains("data 52e")),
        "{out}"
    );
    server.shutdown().await;
}

const NO_BINDING: &str = r#"
import ssl, sys, ldap3
port = int(sys.argv[1])
server = ldap3.Server("127.0.0.1", port=port, use_ssl=True, get_info=ldap3.NONE, tls=ldap3.Tls(validate=ssl.CERT_NONE))
connection = ldap3.Connection(server, user="EXAMPLE\\alice", password="Secret-1", authentication=ldap3.NTLM)
print("bind", connection.bind(), connection.result.get("result"), repr(connection.result.get("message", "")))
"#;

#[tokio::test]
async fn channel_binding_always_accepts_impackets_binding_and_refuses_a_client_without_one() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldaps_listen(loopback)
        .channel_binding(ldap_server::ChannelBinding::Always)
        .ldif_text("alice.ldif", user_ldif("alice", "Secret-1", &[]))
        .start()
        .await
        .expect("starts");
    let ldaps = server.ldaps_addr().expect("LDAPS").port().to_string();
    // impacket binds to the TLS channel (tls-server-end-point): accepted.
    let bound = run_python(
        SCRIPT,
        &[server.local_addr().port().to_string(), ldaps.clone()],
    )
    .await;
    assert!(bound.stdout.lines().any(|line| line == "sasl 1"), "{bound}");
    // python ldap3 sends no binding: refused as AD refuses it.
    let unbound = run_python(NO_BINDING, &[ldaps]).await;
    assert!(
        unbound
            .stdout
            .lines()
            .any(|line| line.starts_with("bind False 49 ")
                && line.contains("80090346: LdapErr: DSID-0C09056D")),
        "{unbound}"
    );
    server.shutdown().await;
}

const SEALED: &str = r#"
import socket, sys
plain = int(sys.argv[1])
real = socket.getaddrinfo
def redirect(host, port, *args, **kwargs):
    return real(host, {389: plain}.get(port, port), *args, **kwargs)
socket.getaddrinfo = redirect
from impacket.ldap import ldap, ldapasn1
sealed = ldap.LDAPConnection("ldap://127.0.0.1", "DC=example,DC=test", "127.0.0.1")
sealed.login("alice", "Secret-1", "EXAMPLE")
for attempt in range(3):
    found = sealed.search(searchFilter="(|(sAMAccountName=alice)(sAMAccountName=bob))", attributes=["sAMAccountName"])
    names = sorted(str(item["attributes"][0]["vals"][0]) for item in found if isinstance(item, ldapasn1.SearchResultEntry))
    print("sealed", attempt, ",".join(names))
try:
    wrong = ldap.LDAPConnection("ldap://127.0.0.1", "DC=example,DC=test", "127.0.0.1")
    wrong.login("alice", "Wrong-1", "EXAMPLE")
    print("wrong accepted")
except ldap.LDAPSessionError as error:
    print("wrong refused", error)
class Wire:
    """The connection's socket, with a say in what it sends."""
    def __init__(self, real):
        self.real, self.sent, self.flip = real, [], False
    def sendall(self, data):
        if self.flip:
            data = data[:-1] + bytes([data[-1] ^ 1])
        self.sent.append(data)
        return self.real.sendall(data)
    def __getattr__(self, name):
        return getattr(self.real, name)
def tampered(how):
    connection = ldap.LDAPConnection("ldap://127.0.0.1", "DC=example,DC=test", "127.0.0.1")
    connection.login("alice", "Secret-1", "EXAMPLE")
    wire = connection._socket = Wire(connection._socket)
    connection.search(searchFilter="(sAMAccountName=alice)", attributes=["cn"])
    try:
        if how == "replayed":
            wire.real.sendall(wire.sent[-1])
            print(how, "answered", connection.recv())
        else:
            wire.flip = True
            connection.search(searchFilter="(sAMAccountName=alice)", attributes=["cn"])
            print(how, "answered")
    except Exception as error:
        print(how, "ended:", error)
tampered("replayed")
tampered("changed")
try:
    unsigned = ldap.LDAPConnection("ldap://127.0.0.1", "DC=example,DC=test", "127.0.0.1", signing=False)
    unsigned.login("alice", "Secret-1", "EXAMPLE")
    print("unsigned accepted")
except ldap.LDAPSessionError as error:
    print("unsigned refused", error)
"#;

/// impacket's default on ldap://: GSS-SPNEGO with signing and sealing, the mechListMIC, then
/// every message sealed — on a DC that requires signing, where the same logon unsigned is
/// refused with 8. A replayed or changed frame ends the session with a (sealed) Notice of
/// Disconnection.
#[tokio::test]
async fn impacket_seals_its_session_on_a_dc_that_requires_signing() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldap_signing(ldap_server::SigningPolicy::Require)
        .ldif_text("alice.ldif", user_ldif("alice", "Secret-1", &[]))
        .ldif_text("bob.ldif", user_ldif("bob", "Secret-2", &[]))
        .start()
        .await
        .expect("starts");
    let out = run_python(SEALED, &[server.local_addr().port().to_string()]).await;
    assert_exit(&out, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    for attempt in 0..3 {
        assert!(
            lines.contains(&format!("sealed {attempt} alice,bob").as_str()),
            "{out}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("wrong refused") && line.contains("data 52e")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("unsigned refused") && line.contains("00002028")),
        "{out}"
    );
    for how in ["replayed", "changed"] {
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with(&format!("{how} ended:"))
                // impacket names the Notice of Disconnection by its OID
                && line.contains("1.3.6.1.4.1.1466.20036")
                && line.contains("protocolError: SASL security layer")),
            "{how}: {out}"
        );
    }
    server.shutdown().await;
}
