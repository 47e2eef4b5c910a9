//! Pages, paths and errors, Basic authentication against directory users, not installed (404) and
//! HTTPS required (403).

use super::*;

#[tokio::test]
async fn pages_paths_and_errors() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Anonymous), "").await;

    let carc = get(http, "/certsrv/certcarc.asp", &[]).await;
    assert_eq!(carc.status, 200);
    assert!(carc.content_type().starts_with("text/html"));
    assert!(carc.text().contains("var nRenewals=1;"), "{}", carc.text());

    for welcome in ["/certsrv", "/certsrv/", "/CERTSRV/"] {
        let page = get(http, welcome, &[]).await;
        assert_eq!(page.status, 200, "{welcome}");
        assert!(page
            .text()
            .contains("Microsoft Active Directory Certificate Services"));
    }

    // IIS ignores letter case in paths.
    let mixed = get(
        http,
        "/CertSrv/CertNew.p7b?ReqID=CACert&Renewal=-1&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(mixed.status, 200);
    assert_eq!(print_certs(&mixed.body).1, generations[1].all());

    for unknown in [
        "/",
        "/certsrv/nothing.asp",
        "/CertEnroll/x.crl",
        "/certsrvx",
    ] {
        let page = get(http, unknown, &[]).await;
        assert_eq!(page.status, 404, "{unknown}");
        assert!(page.text().contains("404 - File or directory not found."));
    }

    // The ASP pages report their own errors in a 200 HTML page.
    for (query, code) in [
        ("ReqID=CACert&Renewal=2&Enc=bin", "0x80070057"),
        ("ReqID=CACert&Renewal=-2&Enc=bin", "0x80070057"),
        ("ReqID=CACert&Renewal=abc&Enc=bin", "0x80070057"),
        ("ReqID=42&Renewal=0&Enc=bin", "0x80092004"),
    ] {
        let page = get(http, &format!("/certsrv/certnew.cer?{query}"), &[]).await;
        assert_eq!(page.status, 200, "{query}");
        assert!(page.content_type().starts_with("text/html"), "{query}");
        assert!(page.text().contains(code), "{query}: {}", page.text());
    }
    stop(server).await;
}

#[tokio::test]
async fn basic_requires_the_credentials_of_a_directory_user() {
    let generations = two_generations();
    let mut ldif = user_ldif("alice", USER_PASSWORD, &[]);
    ldif.push_str(&user_ldif("lucy", USER_PASSWORD, &[("lockoutTime", "1")]));
    ldif.push_str(&user_ldif(
        "dave",
        USER_PASSWORD,
        &[("userAccountControl", "514")],
    ));
    let (server, http) = start(config(&generations, CertsrvBehaviour::Basic), &ldif).await;
    let p7b = "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64";

    let anonymous = get(http, p7b, &[]).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header_values("www-authenticate"),
        [
            "Negotiate",
            "NTLM",
            &format!("Basic realm=\"{CA_HOST}\"") as &str
        ]
    );
    assert!(anonymous.text().contains("401 - Unauthorized"));
    assert_eq!(get(http, "/certsrv/", &[]).await.status, 401);

    let admin = basic(&format!("{NETBIOS}\\Administrator"), ADMIN_PASSWORD);
    let allowed = get(http, p7b, &[("Authorization", &admin)]).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        print_certs(&unarmour(&allowed.body)).1,
        generations[1].all()
    );

    for (user, password) in [
        (format!("Administrator@{DOMAIN}"), ADMIN_PASSWORD),
        (ADMIN_DN.to_string(), ADMIN_PASSWORD),
        ("alice".to_string(), USER_PASSWORD),
    ] {
        let reply = get(http, p7b, &[("Authorization", &basic(&user, password))]).await;
        assert_eq!(reply.status, 200, "{user}");
    }

    let refused = [
        basic(&format!("{NETBIOS}\\Administrator"), "wrong"),
        basic(&format!("{NETBIOS}\\Administrator"), ""),
        basic("lucy", USER_PASSWORD),
        basic("dave", USER_PASSWORD),
        basic("nobody", USER_PASSWORD),
        "Basic !!!not-base64".to_string(),
        format!("Basic {}", b64(b"no colon here")),
        "NTLM !!!not-base64".to_string(),
        "Negotiate TlRMTVNTUAADAAAA".to_string(),
    ];
    for authorization in refused {
        let reply = get(http, p7b, &[("Authorization", &authorization)]).await;
        assert_eq!(reply.status, 401, "{authorization}");
        assert_eq!(reply.header_values("www-authenticate").len(), 3);
    }
    // An NTLM NEGOTIATE starts Windows Authentication: 401 with the CHALLENGE alone (the
    // AUTHENTICATE leg is exercised with impacket in the peers tests).
    let negotiate = "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==";
    let reply = get(http, p7b, &[("Authorization", negotiate)]).await;
    assert_eq!(reply.status, 401);
    let challenge = reply.header_values("www-authenticate");
    assert_eq!(challenge.len(), 1, "{challenge:?}");
    assert!(
        challenge[0].starts_with("NTLM TlRMTVNTUAACAAAA"),
        "{challenge:?}"
    );
    stop(server).await;
}

#[tokio::test]
async fn not_installed_is_404_and_https_required_is_403() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::NotInstalled), "").await;
    for path in [
        "/certsrv/",
        "/certsrv/certcarc.asp",
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
    ] {
        let reply = get(http, path, &[]).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.text().contains("404 - File or directory not found."));
    }
    stop(server).await;

    let (server, http) = start(config(&generations, CertsrvBehaviour::HttpsRequired), "").await;
    let reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(reply.text().contains("403.4"), "{}", reply.text());
    assert!(reply.text().contains("SSL"));
    stop(server).await;
}
