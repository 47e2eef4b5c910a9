//! Misbehaving servers: slow answers, a silent server, and wrong content of the right type.

use super::*;

#[tokio::test]
async fn slow_delays_every_answer_but_not_shutdown() {
    let generations = two_generations();
    let delay = Duration::from_millis(400);
    let (server, http) = start(config(&generations, CertsrvBehaviour::Slow(delay)), "").await;
    let started = Instant::now();
    let reply = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=bin",
        &[],
    )
    .await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(reply.body, generations[1].issuing);
    stop(server).await;

    // A request in flight on a very slow server does not hold shutdown.
    let long = Duration::from_secs(120);
    let (server, http) = start(config(&generations, CertsrvBehaviour::Slow(long)), "").await;
    let mut stream = TcpStream::connect(http).await.expect("connect");
    stream
        .write_all(request("/certsrv/certcarc.asp", &[]).as_bytes())
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    stop(server).await;
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn silent_never_answers_yet_the_server_serves_ldap_and_shuts_down() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Silent), "").await;

    let mut held = TcpStream::connect(http)
        .await
        .expect("the connection is accepted");
    held.write_all(request("/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64", &[]).as_bytes())
        .await
        .expect("the request is accepted");
    let mut buffer = [0u8; 64];
    let waited = tokio::time::timeout(Duration::from_millis(300), held.read(&mut buffer)).await;
    assert!(waited.is_err(), "a silent server answered: {waited:?}");

    // Other clients: another HTTP connection is accepted too, and LDAP answers.
    let second =
        tokio::time::timeout(Duration::from_millis(300), get(http, "/certsrv/", &[])).await;
    assert!(second.is_err(), "silent applies to every request");
    let mut ldap = connect(server.local_addr()).await;
    let bound = ldap
        .simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .await
        .expect("bind I/O");
    assert_eq!(bound.rc, 0);
    let _ = ldap.unbind().await;

    let started = Instant::now();
    stop(server).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    // The held connection is closed, still without an answer.
    let after = tokio::time::timeout(Duration::from_secs(5), held.read(&mut buffer))
        .await
        .expect("closed at shutdown");
    assert!(matches!(after, Ok(0) | Err(_)), "{after:?}");
}

#[tokio::test]
async fn wrong_content_has_the_right_type_and_no_certificate() {
    use certsrv::WrongContent;
    let generations = two_generations();
    for kind in [
        WrongContent::Html,
        WrongContent::Garbage,
        WrongContent::Empty,
        WrongContent::PemGarbage,
    ] {
        let behaviour = CertsrvBehaviour::WrongContent(kind);
        let (server, http) = start(config(&generations, behaviour), "").await;
        let reply = get(
            http,
            "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=bin",
            &[],
        )
        .await;
        assert_eq!(reply.status, 200, "{behaviour}");
        assert_eq!(reply.content_type(), "application/x-pkcs7-certificates");
        let der = match kind {
            WrongContent::PemGarbage => {
                assert!(reply.body.starts_with(b"-----BEGIN CERTIFICATE-----"));
                unarmour(&reply.body)
            }
            _ => reply.body.clone(),
        };
        let decoded = openssl(&["pkcs7", "-inform", "DER", "-print_certs"], &der);
        assert!(
            !decoded.ok,
            "{behaviour}: openssl decoded {}",
            decoded.stdout
        );
        match kind {
            WrongContent::Html => assert!(reply.text().starts_with("<HTML>")),
            WrongContent::Empty => assert!(reply.body.is_empty()),
            WrongContent::Garbage | WrongContent::PemGarbage => assert!(der.len() > 100),
        }
        let cer = get(
            http,
            "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=bin",
            &[],
        )
        .await;
        assert_eq!(cer.content_type(), "application/pkix-cert");
        assert_ne!(cer.body, generations[1].issuing);
        stop(server).await;
    }
}
