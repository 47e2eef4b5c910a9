//! Finding the DC through DNS: dnsmasq on loopback serves the DC-locator SRV record.

use super::*;

/// dnsmasq answering `_ldap._tcp.dc._msdcs.example.test` with dc1.example.test:`ldap_port`
/// (127.0.0.1), and nothing else (no upstream: no query leaves the machine). dnsmasq binds its
/// port itself: a port taken in the meantime makes it exit saying so, and it is started again.
async fn dns_server(ldap_port: u16) -> (Child, u16) {
    e2e::ports::retry_on_taken_port("dnsmasq", |port| async move {
        let mut child = Command::new("dnsmasq")
            .args([
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--user=root",
                &format!("--port={port}"),
                &format!("--srv-host=_ldap._tcp.dc._msdcs.{DOMAIN},dc1.{DOMAIN},{ldap_port},0,100"),
                &format!("--host-record=dc1.{DOMAIN},127.0.0.1"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("dnsmasq (.ci/run installs dnsmasq-base)");
        // dnsmasq binds before it serves and exits at once when it cannot: ready when its TCP
        // port accepts while it still runs.
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                let output = child.wait_with_output().await.expect("dnsmasq output");
                return Err(String::from_utf8_lossy(&output.stderr).into_owned());
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
                && matches!(child.try_wait(), Ok(None))
            {
                return Ok((child, port));
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "dnsmasq did not listen on {port}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
}

/// Boots without --dc: the phone must find the DC through the DNS server.
async fn boot_via_dns(
    user: &str,
    dns_port: u16,
    registrar_port: u16,
    extra: &[&str],
) -> (i32, serde_json::Value, String) {
    let locate = ["--dns".to_string(), format!("127.0.0.1:{dns_port}")];
    let extra: Vec<String> = extra.iter().map(|arg| arg.to_string()).collect();
    run_phone(user, USER_PASSWORD, &locate, registrar_port, &extra).await
}

#[tokio::test]
async fn a_upn_sign_in_finds_the_dc_through_the_srv_record() {
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_dns, dns_port) = dns_server(server.port()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) =
        boot_via_dns("alice@example.test", dns_port, registrar_port, &[]).await;
    assert_eq!(code, 0, "{text}");
    let located = report["steps"][0]["detail"].as_str().unwrap_or("");
    assert!(
        located.contains("_ldap._tcp.dc._msdcs.example.test"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_down_level_sign_in_needs_the_dhcp_suffix_to_find_the_dc() {
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_dns, dns_port) = dns_server(server.port()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    // §G row 9: EXAMPLE\alice and no usable DHCP suffix → stuck at "Locating Domain Controller".
    let (code, report, text) = boot_via_dns("EXAMPLE\\alice", dns_port, registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_locate_domain_controller",
        "{text}"
    );
    assert_eq!(report["screen"], "Locating Domain Controller", "{text}");
    // With option 15 = "test", <netbios>.<option 15> is example.test and the SRV record is found.
    let (code, report, text) = boot_via_dns(
        "EXAMPLE\\alice",
        dns_port,
        registrar_port,
        &["--dhcp-domain", "test"],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["outcome"], "signed_in", "{text}");
    server.stop().await;
}
