//! The Codian MCU post end to end: `openssl req` makes a key and a request, `adpki request`
//! submits it to a world's enterprise CA through certfnsh.asp (Windows Authentication, template
//! WebServer) as `certreq -submit -attrib "CertificateTemplate: WebServer"` would, `adpki
//! trust-store` writes the roots a phone would install, `openssl verify` chains the certificate to
//! them, and an `openssl s_server` with it is accepted by an `openssl s_client` trusting only that
//! store. Then what AD CS refuses: an unknown template, a small key, a CA that pends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::server_binary;
use scenarios::world::World;

const WORLD: &str = r#"
title = "Codian"
cause = "c"
symptom = "s"
fix = "f"

[pki.root]
subject = "Contoso Root CA"

[pki.issuing]
subject = "Contoso Enterprise Issuing CA"
issuer = "root"
key = "rsa-2048"

[registrar]
issuer = "issuing"

[[directory.enrollment_service]]
cn = "Contoso Enterprise Issuing CA"
dns_host_name = "ca.example.test"
certificates = ["issuing"]

[[directory.enrollment_service]]
cn = "Contoso Approval CA"
dns_host_name = "pending.example.test"
certificates = ["issuing"]

[[directory.template]]
name = "MCUApproval"
pend = true

[[certsrv]]
host = "ca.example.test"
renewals = ["issuing"]
behaviour = "windows"

[[certsrv]]
host = "pending.example.test"
renewals = ["issuing"]
requests = "pend"

[[act]]
title = "a"
expect = { outcome = "signed_in" }
"#;

/// The world above, started from a file in `dir` (as a scenario file is loaded).
async fn codian_world(dir: &Path) -> World {
    let file = dir.join("codian.toml");
    std::fs::write(&file, WORLD).unwrap();
    World::start(&scenarios::spec::Scenario::load(&file).unwrap())
        .await
        .unwrap()
}

async fn run(program: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    e2e::run_program(program, args, e2e::WAIT).await.parts()
}

fn openssl() -> PathBuf {
    PathBuf::from("openssl")
}

fn adpki() -> PathBuf {
    server_binary().with_file_name("adpki")
}

/// `openssl req -new -newkey rsa:BITS -nodes`, as the post does.
async fn openssl_request(dir: &Path, name: &str, bits: u32) -> PathBuf {
    let csr = dir.join(format!("{name}.csr"));
    let (code, _, stderr) = run(
        &openssl(),
        &[
            "req",
            "-new",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-keyout",
            dir.join(format!("{name}.key")).to_str().unwrap(),
            "-out",
            csr.to_str().unwrap(),
            "-subj",
            &format!("/CN={name}.example.test"),
            "-addext",
            &format!("subjectAltName=DNS:{name}.example.test"),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    csr
}

async fn request(
    world: &World,
    csr: &Path,
    template: &str,
    ca: &str,
    out: &Path,
) -> (Option<i32>, String) {
    let resolve = e2e::resolve_args(&world.resolve);
    let mut args = vec![
        "request",
        csr.to_str().unwrap(),
        "--template",
        template,
        "--ca",
        ca,
        "--user",
        "EXAMPLE\\alice",
        "--password",
        "Passw0rd!",
        "--auth",
        "ntlm",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(resolve.iter().map(String::as_str));
    let (code, stdout, stderr) = run(&adpki(), &args).await;
    (code, format!("{stdout}{stderr}"))
}

#[tokio::test]
async fn openssl_req_then_adpki_request_then_a_tls_server_the_trust_store_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let world = codian_world(dir.path()).await;

    let csr = openssl_request(dir.path(), "mcu", 2048).await;
    let cert = dir.path().join("mcu.pem");
    let (code, said) = request(&world, &csr, "WebServer", "ca.example.test", &cert).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Certificate issued (request "), "{said}");

    // The roots a phone would install, from the source of truth.
    let store = dir.path().join("store");
    let dc = world.ldap_address().to_string();
    let mut args = vec![
        "trust-store",
        "--dc",
        &dc,
        "--user",
        "alice@example.test",
        "--password",
        "Passw0rd!",
        "--out",
        store.to_str().unwrap(),
    ];
    let resolve = e2e::resolve_args(&world.resolve);
    args.extend(resolve.iter().map(String::as_str));
    // /certsrv requires Windows Authentication: the phone's profile would send NTLM.
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        "name = \"mcu-admin\"\nenrollment_auth = \"ntlm\"\n",
    )
    .unwrap();
    args.extend(["--profile", profile.to_str().unwrap()]);
    let (code, stdout, stderr) = run(&adpki(), &args).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let bundle = store.join("trust-bundle.pem");

    let (code, stdout, stderr) = run(
        &openssl(),
        &[
            "verify",
            "-CAfile",
            bundle.to_str().unwrap(),
            cert.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (_, text, _) = run(
        &openssl(),
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-ext",
            "extendedKeyUsage,subjectAltName",
        ],
    )
    .await;
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("DNS:mcu.example.test"), "{text}");

    // An MCU serving the certificate, and a client trusting exactly the store.
    let mut server = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-cert",
        ])
        .arg(&cert)
        .arg("-key")
        .arg(dir.path().join("mcu.key"))
        // s_server ends a connection when its stdin ends: keep the pipe open until the end.
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl s_server runs");
    let stdout = server.stdout.take().unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let port = tokio::time::timeout(e2e::WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(address) = line.strip_prefix("ACCEPT ") {
                return address.rsplit(':').next().unwrap().to_string();
            }
        }
        panic!("s_server said no ACCEPT line");
    })
    .await
    .expect("s_server listened in time");
    let connect = format!("127.0.0.1:{port}");
    let output = tokio::time::timeout(
        e2e::WAIT,
        tokio::process::Command::new("openssl")
            .args(["s_client", "-connect", &connect, "-CAfile"])
            .arg(&bundle)
            .args([
                "-verify_return_error",
                "-verify_hostname",
                "mcu.example.test",
                "-servername",
                "mcu.example.test",
            ])
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("s_client finished in time")
    .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("Verify return code: 0 (ok)"), "{said}");
    let _ = tokio::time::timeout(Duration::from_secs(10), server.wait()).await;
    world.shutdown().await;
}

#[tokio::test]
async fn unknown_templates_small_keys_and_pending_cas_answer_as_ad_cs() {
    let dir = tempfile::tempdir().unwrap();
    let world = codian_world(dir.path()).await;
    let csr = openssl_request(dir.path(), "mcu", 2048).await;
    let out = dir.path().join("out.pem");

    let (code, said) = request(&world, &csr, "Nope", "ca.example.test", &out).await;
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("0x80094800") && said.contains("policy: Nope."),
        "{said}"
    );

    let small = openssl_request(dir.path(), "small", 1024).await;
    let (code, said) = request(&world, &small, "WebServer", "ca.example.test", &out).await;
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("0x80094811"), "{said}");

    // A template that needs a CA manager, and a CA that pends everything.
    let (code, said) = request(&world, &csr, "MCUApproval", "ca.example.test", &out).await;
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("Certificate Pending: request "), "{said}");
    let (code, said) = request(&world, &csr, "WebServer", "pending.example.test", &out).await;
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("Certificate Pending"), "{said}");
    assert!(!out.exists());

    // What certreq's retrieval and the scripts fetch afterwards: certnew.cer?ReqID=N&Enc=b64 (PEM)
    // and certnew.p7b?ReqID=N (the certificate and the CA's chain), with NTLM.
    let (code, said) = request(&world, &csr, "WebServer", "ca.example.test", &out).await;
    assert_eq!(code, Some(0), "{said}");
    let id: String = said
        .split("request ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let client =
        phone_client::enroll::http_client(&world.resolve, Duration::from_secs(30)).unwrap();
    let route = phone_client::enroll::Route {
        resolve: &world.resolve,
        timeout: Duration::from_secs(30),
    };
    let credentials = Some(phone_client::enroll::WebCredentials::Ntlm {
        user: "EXAMPLE\\alice",
        password: "Passw0rd!",
    });
    let pem_url = format!("http://ca.example.test/certsrv/certnew.cer?ReqID={id}&Enc=b64");
    let response =
        phone_client::enroll::send_authenticated(|| client.get(&pem_url), credentials, route)
            .await
            .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pkix-cert");
    let pem = response.text().await.unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        pem.split_whitespace()
            .filter(|line| !line.starts_with("-----"))
            .collect::<String>(),
        written
            .split_whitespace()
            .filter(|line| !line.starts_with("-----"))
            .collect::<String>(),
        "the b64 answer is the certificate adpki wrote"
    );
    let chain_url = format!("http://ca.example.test/certsrv/certnew.p7b?ReqID={id}&Enc=bin");
    let response =
        phone_client::enroll::send_authenticated(|| client.get(&chain_url), credentials, route)
            .await
            .unwrap();
    let chain = phone_client::enroll::decode_chain(&response.bytes().await.unwrap()).unwrap();
    assert!(
        chain.len() >= 2,
        "the certificate and the CA's chain: {}",
        chain.len()
    );
    // A request id that was never issued is the ASP page's "not found".
    let pending_url = "http://ca.example.test/certsrv/certnew.cer?ReqID=999&Enc=b64";
    let response =
        phone_client::enroll::send_authenticated(|| client.get(pending_url), credentials, route)
            .await
            .unwrap();
    assert!(response.text().await.unwrap().contains("CRYPT_E_NOT_FOUND"));
    std::fs::remove_file(&out).unwrap();

    // The directory holds the templates as AD CS makes them, and the CA offers them.
    let ldif = world.export_ldif().await;
    for template in [
        "WebServer",
        "DomainController",
        "User",
        "Machine",
        "MCUApproval",
    ] {
        assert!(
            ldif.contains(&format!(
                "dn: CN={template},CN=Certificate Templates,CN=Public Key Services"
            )),
            "{template}"
        );
        assert!(
            ldif.contains(&format!("certificateTemplates: {template}")),
            "{template}"
        );
    }
    assert!(ldif.contains("msPKI-Certificate-Name-Flag: 1\n"));
    assert!(ldif.contains("objectClass: msPKI-Enterprise-Oid"));
    world.shutdown().await;
}
