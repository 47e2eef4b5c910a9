//! Robustness: malformed and oversized input gets a notice of disconnection and the server
//! survives.

use super::*;

/// Sends `bytes` on a raw connection, then reads until the server closes (bounded) and returns
/// what it sent back.
async fn send_raw_and_collect(server: &TestServer, bytes: &[u8]) -> Vec<u8> {
    let mut sock = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    // The server may close while we are still writing; that is fine.
    let _ = sock.write_all(bytes).await;
    let _ = sock.flush().await;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Duration::from_secs(10);
    let read = tokio::time::timeout(deadline, async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => break, // reset counts as closed
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "server neither closed the connection nor stopped talking within {deadline:?}; got {got:02x?}"
    );
    got
}

/// The reply is exactly AD's answer to garbage: a Notice of Disconnection (silence fails).
fn assert_notice(reply: &[u8]) {
    assert!(
        !reply.is_empty(),
        "the server closed without a Notice of Disconnection"
    );
    let oid = NOTICE_OF_DISCONNECTION_OID.as_bytes();
    assert!(
        reply.windows(oid.len()).any(|w| w == oid),
        "reply is not a Notice of Disconnection: {reply:02x?}"
    );
    // LDAPMessage SEQUENCE, messageID INTEGER 0.
    assert_eq!(reply[0], 0x30, "reply is an LDAPMessage");
    let id_pos = if reply[1] & 0x80 != 0 {
        2 + (reply[1] & 0x7f) as usize
    } else {
        2
    };
    assert_eq!(
        &reply[id_pos..id_pos + 3],
        &[0x02, 0x01, 0x00],
        "messageID 0: {reply:02x?}"
    );
    assert_eq!(reply[id_pos + 3], 0x78, "extendedResp: {reply:02x?}");
}

async fn assert_still_serving(server: &TestServer) {
    let mut ldap = server.admin().await;
    let e = search_ok(
        &mut ldap,
        "",
        Scope::Base,
        "(objectClass=*)",
        &["defaultNamingContext"],
    )
    .await;
    assert_eq!(text_values(&e[0], "defaultNamingContext"), vec![BASE_DN]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_length_garbage_gets_notice_of_disconnection_and_server_survives() {
    let server = start("").await;
    let reply = send_raw_and_collect(&server, &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).await;
    assert_notice(&reply);
    assert_still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_message_inside_envelope_gets_notice_of_disconnection() {
    let server = start("").await;
    // SEQUENCE { INTEGER 1, OCTET STRING "A" }: a well-formed envelope whose protocolOp is junk.
    let reply =
        send_raw_and_collect(&server, &[0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x41]).await;
    assert_notice(&reply);
    assert_still_serving(&server).await;
    // A search request whose filter is a junk tag.
    let junk_search: Vec<u8> = {
        let base = b"";
        let mut op = vec![0x04, base.len() as u8];
        op.extend_from_slice(base);
        op.extend_from_slice(&[
            0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01,
            0x00,
        ]);
        op.extend_from_slice(&[0x9f, 0x1f, 0x01, 0xee]); // not a Filter CHOICE
        op.extend_from_slice(&[0x30, 0x00]);
        let mut body = vec![0x02, 0x01, 0x02, 0x63, op.len() as u8];
        body.extend(op);
        let mut msg = vec![0x30, body.len() as u8];
        msg.extend(body);
        msg
    };
    let reply = send_raw_and_collect(&server, &junk_search).await;
    assert_notice(&reply);
    assert_still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_larger_than_max_closes_connection_and_server_keeps_serving() {
    let fx = standard_ldif();
    let server = start_with(
        &fx.ldif,
        Options {
            max_message_size: Some(4096),
            ..Options::default()
        },
    )
    .await;
    let mut ldap = server.admin().await;
    let big_filter = format!("(description={})", "x".repeat(8000));
    let outcome = ldap
        .with_timeout(Duration::from_secs(10))
        .search(USERS_DN, Scope::Subtree, &big_filter, vec!["1.1"])
        .await;
    match outcome {
        Err(LdapError::Timeout { .. }) => {
            panic!("server kept the connection open after an oversized message")
        }
        Err(_) => {}
        Ok(res) => panic!(
            "oversized search was answered instead of dropped: {}",
            res.1
        ),
    }
    // The old connection is gone…
    let again = ldap
        .with_timeout(Duration::from_secs(10))
        .search("", Scope::Base, "(objectClass=*)", vec!["1.1"])
        .await;
    assert!(
        again.is_err(),
        "connection should be closed after an oversized message"
    );
    // …and an add that is too big is refused the same way on a new one.
    let mut ldap = server.admin().await;
    let desc = "y".repeat(8000);
    let outcome = ldap
        .with_timeout(Duration::from_secs(10))
        .add(
            &user_dn("biggy"),
            vec![
                ("objectClass", HashSet::from(["user"])),
                ("sAMAccountName", HashSet::from(["biggy"])),
                ("description", HashSet::from([desc.as_str()])),
            ],
        )
        .await;
    assert!(
        matches!(outcome, Err(ref e) if !matches!(e, LdapError::Timeout { .. })),
        "oversized add should close the connection: {outcome:?}"
    );
    assert_still_serving(&server).await;
}
