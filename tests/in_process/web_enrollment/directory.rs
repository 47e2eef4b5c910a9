//! The enrollment service and certificates taken from the directory when no CA generations are
//! configured.

use super::*;

/// `ldapmodify` bound as the administrator, LDIF on stdin.
async fn ldapmodify(addr: SocketAddr, ldif: &str) -> ToolOutput {
    let mut child = tokio::process::Command::new("/usr/bin/ldapmodify")
        .args([
            "-x",
            "-H",
            &url(addr),
            "-o",
            "nettimeout=10",
            "-D",
            ADMIN_DN,
            "-w",
            ADMIN_PASSWORD,
        ])
        .env("LDAPNOINIT", "1")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run ldapmodify");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(ldif.as_bytes()).await.expect("write LDIF");
    drop(stdin);
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("ldapmodify timed out")
        .expect("ldapmodify output");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn without_generations_the_directory_enrollment_service_is_served() {
    let [original, renewed] = two_generations();
    let service_dn = format!("CN=Example Issuing CA,CN=Enrollment Services,{PKS_DN}");
    // The enrollment service exists but has published no certificate yet.
    let ldif = format!(
        "dn: {service_dn}\nobjectClass: top\nobjectClass: pKIEnrollmentService\ncn: Example Issuing CA\ndNSHostName: {CA_HOST}\n\n"
    );
    let (server, http) = start(CertsrvConfig::new(), &ldif).await;
    let cer = "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=bin";

    let none = get(http, cer, &[]).await;
    assert_eq!(none.status, 200);
    assert!(none.content_type().starts_with("text/html"));
    assert!(none.text().contains("0x800706ba"), "{}", none.text());
    assert!(!get(http, "/certsrv/certcarc.asp", &[])
        .await
        .text()
        .contains("nRenewals"));

    let publish = |der: &[u8]| {
        format!(
            "dn: {service_dn}\nchangetype: modify\nadd: cACertificate\ncACertificate:: {}\n-\n\n",
            b64(der)
        )
    };
    let out = ldapmodify(server.local_addr(), &publish(&original.issuing)).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(get(http, cer, &[]).await.body, original.issuing);
    assert!(get(http, "/certsrv/certcarc.asp", &[])
        .await
        .text()
        .contains("var nRenewals=0;"));

    // A renewal adds a value: it becomes the current certificate.
    let out = ldapmodify(server.local_addr(), &publish(&renewed.issuing)).await;
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(get(http, cer, &[]).await.body, renewed.issuing);
    let first = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(first.body, original.issuing);
    assert!(get(http, "/certsrv/certcarc.asp", &[])
        .await
        .text()
        .contains("var nRenewals=1;"));
    let p7b = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=bin",
        &[],
    )
    .await;
    let (subjects, certificates) = print_certs(&p7b.body);
    assert_eq!(subjects, [ISSUING_CN], "no chain from the directory");
    assert_eq!(certificates, std::slice::from_ref(&renewed.issuing));
    stop(server).await;
}

#[tokio::test]
async fn directory_fallback_reads_an_ldif_published_certificate() {
    let generation = generation();
    let ldif = format!(
        "dn: CN=Example Issuing CA,CN=Enrollment Services,{PKS_DN}\nobjectClass: top\nobjectClass: pKIEnrollmentService\ncn: Example Issuing CA\ncACertificate:: {}\n\n",
        b64(&generation.issuing)
    );
    let (server, http) = start(CertsrvConfig::new(), &ldif).await;
    let reply = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(unarmour(&reply.body), generation.issuing);
    stop(server).await;
}
