//! Web Enrollment over HTTPS with the DC's certificate: the `https-required` site that refuses
//! plain HTTP with 403.4 serves the chain over TLS, to a client that trusts the forest's CA.

use tokio_rustls::TlsConnector;

use super::*;

/// `GET target` over TLS to `addr`, checking the certificate names `dc1.example.test` and chains
/// to `ca_pem`.
async fn get_https(addr: SocketAddr, ca_pem: &str, target: &str) -> Reply {
    let config = client_config_trusting(ca_pem);
    let name = rustls::pki_types::ServerName::try_from("dc1.example.test").expect("name");
    let exchange = async {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let mut tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .expect("TLS handshake with the DC's certificate");
        tls.write_all(request(target, &[]).as_bytes())
            .await
            .expect("send");
        let mut raw = Vec::new();
        // A server may end TLS without close_notify after Connection: close; what arrived counts.
        let _ = tls.read_to_end(&mut raw).await;
        parse_reply(&raw)
    };
    tokio::time::timeout(WAIT, exchange)
        .await
        .unwrap_or_else(|_| panic!("GET {target} over HTTPS: no answer within {WAIT:?}"))
}

#[tokio::test]
async fn an_https_required_site_serves_the_chain_over_tls_and_refuses_plain_http() {
    let generations = [generation()];
    let site = config(&generations, CertsrvBehaviour::HttpsRequired);
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .certsrv(loopback, site.clone())
        .certsrv_https(loopback, site)
        .start()
        .await
        .expect("starts");
    let http = server.certsrv_addr().expect("http");
    let https = server.certsrv_https_addr().expect("https");
    let target = "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=bin";
    let refused = get(http, target, &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    let ca = server.dc_ca_pem().expect("issued at start");
    let served = get_https(https, &ca, target).await;
    assert_eq!(served.status, 200, "{}", served.text());
    assert_eq!(served.content_type(), "application/x-pkcs7-certificates");
    let (subjects, _) = print_certs(&served.body);
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects[0].contains(ISSUING_CN), "{subjects:?}");
    stop(server).await;
}

#[tokio::test]
async fn https_web_enrollment_needs_the_dcs_certificate() {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let error = Server::builder(DOMAIN)
        .listen(loopback)
        .dc_certificate(ldap_server::DcCertificate::Absent)
        .certsrv_https(loopback, CertsrvConfig::new())
        .start()
        .await
        .err()
        .expect("refused without a certificate");
    assert!(error.to_string().contains("HTTPS"), "{error}");
}
