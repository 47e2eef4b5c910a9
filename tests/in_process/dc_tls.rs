//! The DC's TLS with the ldap3 crate over rustls: StartTLS and LDAPS with the certificate the DC
//! was issued at start, a DC without a certificate, the signing policy, and clients that
//! misbehave during or around the handshake (the server keeps serving everyone else).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use e2e::*;
use ldap3::exop::Exop;
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use ldap_server::{DcCertificate, RunningServer, Server, SigningPolicy, START_TLS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN: &str = "Administrator@example.test";

/// A DC with LDAPS, its certificate issued for `127.0.0.1` too, and the given policy.
async fn dc(certificate: DcCertificate, signing: SigningPolicy) -> RunningServer {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let builder = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldaps_listen(loopback)
        .dc_certificate(certificate)
        .tls_name("127.0.0.1")
        .tls_handshake_timeout(Duration::from_secs(2))
        .ldap_signing(signing);
    tokio::time::timeout(WAIT, builder.start())
        .await
        .expect("start timed out")
        .expect("server starts")
}

/// rustls trusting exactly the DC's issuing CA.
fn client_config(server: &RunningServer) -> Arc<rustls::ClientConfig> {
    client_config_trusting(
        &server
            .dc_ca_pem()
            .expect("the certificate was issued at start"),
    )
}

/// An ldap3 connection: `ldaps://` or `ldap://` with StartTLS, trusting the DC's CA.
async fn connect(url: &str, starttls: bool, config: Arc<rustls::ClientConfig>) -> ldap3::Ldap {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(WAIT)
        .set_starttls(starttls)
        .set_config(config);
    let (connection, ldap) = LdapConnAsync::with_settings(settings, url)
        .await
        .unwrap_or_else(|error| panic!("connect {url}: {error}"));
    ldap3::drive!(connection);
    ldap
}

async fn plain(server: &RunningServer) -> ldap3::Ldap {
    let (connection, ldap) = LdapConnAsync::new(&server.url()).await.expect("connect");
    ldap3::drive!(connection);
    ldap
}

async fn root_dse_extensions(ldap: &mut ldap3::Ldap) -> Vec<String> {
    let (entries, _) = ldap
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["supportedExtension"],
        )
        .await
        .and_then(|result| result.success())
        .expect("rootDSE");
    let entry = SearchEntry::construct(entries.into_iter().next().expect("one entry"));
    entry
        .attrs
        .get("supportedExtension")
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn starttls_and_ldaps_carry_binds_and_searches_with_the_issued_certificate() {
    let server = dc(DcCertificate::Issued, SigningPolicy::None).await;
    let config = client_config(&server);
    let mut plain_client = plain(&server).await;
    assert!(root_dse_extensions(&mut plain_client)
        .await
        .contains(&START_TLS.to_string()));

    let url = format!("ldap://{}", server.local_addr());
    let mut starttls = connect(&url, true, config.clone()).await;
    starttls
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind over StartTLS");
    let who = starttls
        .extended(ldap3::exop::WhoAmI)
        .await
        .expect("whoami");
    assert_eq!(who.1.rc, 0);

    let ldaps_url = format!("ldaps://{}", server.ldaps_addr().expect("LDAPS"));
    let mut ldaps = connect(&ldaps_url, false, config).await;
    ldaps
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind over LDAPS");
    let (entries, _) = ldaps
        .search(
            &format!("CN=Configuration,{BASE_DN}"),
            Scope::Subtree,
            "(objectClass=pKIEnrollmentService)",
            vec!["cn"],
        )
        .await
        .and_then(|result| result.success())
        .expect("search over LDAPS");
    assert!(entries.is_empty());
    let _ = starttls.unbind().await;
    let _ = ldaps.unbind().await;
    let _ = plain_client.unbind().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_dc_without_a_certificate_refuses_starttls_with_ads_52_and_drops_ldaps() {
    let server = dc(DcCertificate::Absent, SigningPolicy::None).await;
    assert!(server.dc_ca_pem().is_none());
    let mut client = plain(&server).await;
    assert!(!root_dse_extensions(&mut client)
        .await
        .contains(&START_TLS.to_string()));
    let ldap3::result::ExopResult(_, result) = client
        .extended(Exop {
            name: Some(START_TLS.to_string()),
            val: None,
        })
        .await
        .expect("an answer");
    assert_eq!(result.rc, 52, "{result:?}");
    assert!(
        result
            .text
            .starts_with("00000000: LdapErr: DSID-0C09102C, comment: Error initializing SSL/TLS"),
        "{result:?}"
    );
    // The connection is still plain LDAP and still works.
    client
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind after the refusal");

    // LDAPS: the handshake is dropped; nothing else is disturbed.
    let mut raw = TcpStream::connect(server.ldaps_addr().expect("LDAPS"))
        .await
        .expect("tcp");
    raw.write_all(&client_hello_like()).await.expect("write");
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(WAIT, raw.read(&mut buffer))
        .await
        .expect("the DC closes the connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    client
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("other clients are still served");
    let _ = client.unbind().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_signing_dc_refuses_simple_binds_without_tls_as_ad_does() {
    let server = dc(DcCertificate::Issued, SigningPolicy::Require).await;
    let mut client = plain(&server).await;
    let refused = client
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .expect("an answer");
    assert_eq!(refused.rc, 8, "{refused:?}");
    assert!(
        refused.text.starts_with(
            "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection"
        ),
        "{refused:?}"
    );
    assert!(
        refused.text.ends_with('\0'),
        "AD ends it with a NUL: {refused:?}"
    );
    // Anonymous binds still work, as on AD.
    client
        .simple_bind("", "")
        .await
        .and_then(|result| result.success())
        .expect("anonymous bind");
    let _ = client.unbind().await;
    // With TLS the same bind succeeds, over StartTLS and LDAPS alike.
    let config = client_config(&server);
    let mut starttls = connect(&server.url(), true, config.clone()).await;
    starttls
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind over StartTLS");
    let ldaps_url = format!("ldaps://{}", server.ldaps_addr().expect("LDAPS"));
    let mut ldaps = connect(&ldaps_url, false, config).await;
    ldaps
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind over LDAPS");
    let _ = starttls.unbind().await;
    let _ = ldaps.unbind().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_second_starttls_is_refused_and_a_paged_search_goes_on() {
    let users: String = (0..5)
        .map(|index| user_ldif(&format!("user{index}"), "Secret-1", &[]))
        .collect();
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .ldaps_listen(loopback)
        .tls_name("127.0.0.1")
        .ldif_text("users.ldif", users)
        .start()
        .await
        .expect("starts");
    let ldaps_url = format!("ldaps://{}", server.ldaps_addr().expect("LDAPS"));
    let mut ldaps = connect(&ldaps_url, false, client_config(&server)).await;
    ldaps
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind");
    let mut stream = ldaps
        .streaming_search_with(
            ldap3::adapters::PagedResults::new(2),
            &format!("CN=Users,{BASE_DN}"),
            Scope::OneLevel,
            "(objectClass=user)",
            vec!["cn"],
        )
        .await
        .expect("paged search");
    let first = stream.next().await.expect("first page").expect("an entry");
    assert!(!SearchEntry::construct(first).dn.is_empty());
    // StartTLS while TLS is active and a paged search is open: operationsError, nothing else.
    let ldap3::result::ExopResult(_, again) = ldaps
        .extended(Exop {
            name: Some(START_TLS.to_string()),
            val: None,
        })
        .await
        .expect("an answer");
    assert_eq!(again.rc, 1, "{again:?}");
    let mut count = 1;
    while let Some(entry) = stream.next().await.expect("next page") {
        let _ = entry;
        count += 1;
    }
    assert!(count >= 6, "the paged search went on: {count} entries");
    let _ = stream.finish().await;
    let _ = ldaps.unbind().await;
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_and_stalled_handshakes_are_dropped_while_others_are_served() {
    let server = dc(DcCertificate::Issued, SigningPolicy::None).await;
    let ldaps = server.ldaps_addr().expect("LDAPS");
    // Garbage instead of a ClientHello.
    let mut garbage = TcpStream::connect(ldaps).await.expect("tcp");
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: dc\r\n\r\n")
        .await
        .expect("write");
    // A handshake that stalls after one byte, and a connection that never says anything.
    let mut stalled = TcpStream::connect(ldaps).await.expect("tcp");
    stalled.write_all(&[0x16]).await.expect("write");
    let mut silent = TcpStream::connect(ldaps).await.expect("tcp");
    // Meanwhile a real client signs in over LDAPS and plain LDAP.
    let url = format!("ldaps://{ldaps}");
    let mut client = connect(&url, false, client_config(&server)).await;
    client
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("bind while others misbehave");
    let mut plain_client = plain(&server).await;
    plain_client
        .simple_bind(ADMIN, ADMIN_PASSWORD)
        .await
        .and_then(|result| result.success())
        .expect("plain bind");
    // Every misbehaving connection is closed by the DC (garbage at once, the others at the
    // handshake timeout); none is answered with LDAP.
    for stream in [&mut garbage, &mut stalled, &mut silent] {
        let mut buffer = [0u8; 256];
        let mut received = Vec::new();
        loop {
            match tokio::time::timeout(WAIT, stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(count)) => received.extend_from_slice(&buffer[..count]),
                Err(_) => panic!("the DC kept a misbehaving connection open"),
            }
        }
        // At most a TLS alert record (content type 21), never an LDAP message.
        assert!(
            received.is_empty() || received[0] == 0x15,
            "unexpected bytes: {received:02x?}"
        );
    }
    let _ = client.unbind().await;
    let _ = plain_client.unbind().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_global_catalog_speaks_tls_too() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let root = make_ca_cert("GC Root CA");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .global_catalog_listen(loopback)
        .global_catalog_ldaps_listen(loopback)
        .tls_name("127.0.0.1")
        .ldif_text(
            "root.ldif",
            ca_ldif("GC Root CA", "Certification Authorities", &root),
        )
        .start()
        .await
        .expect("starts");
    let config = client_config(&server);
    let gc_ldaps = format!(
        "ldaps://{}",
        server.global_catalog_ldaps_addr().expect("GC over TLS")
    );
    let gc_plain = format!("ldap://{}", server.global_catalog_addr().expect("GC"));
    for (url, starttls) in [(gc_ldaps, false), (gc_plain, true)] {
        let mut gc = connect(&url, starttls, config.clone()).await;
        gc.simple_bind(ADMIN, ADMIN_PASSWORD)
            .await
            .and_then(|result| result.success())
            .expect("bind");
        // A subtree search from "" spans every naming context on the Global Catalog.
        let (entries, _) = gc
            .search(
                "",
                Scope::Subtree,
                "(objectCategory=certificationAuthority)",
                vec!["cn"],
            )
            .await
            .and_then(|result| result.success())
            .expect("GC search");
        assert_eq!(entries.len(), 1, "{url}");
        let _ = gc.unbind().await;
    }
    server.shutdown().await;
}

/// Bytes that start like a TLS record but are not a valid ClientHello.
fn client_hello_like() -> Vec<u8> {
    let mut bytes = vec![0x16, 0x03, 0x01, 0x00, 0x10];
    bytes.extend_from_slice(&[0x01; 16]);
    bytes
}
