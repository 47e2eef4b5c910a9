//! End-to-end tests of AD CS Web Enrollment (`/certsrv`, `shared/domain.md` §C) served beside the
//! directory: real HTTP/1.1 over loopback TCP (a plain client written here, so a silent server
//! and exact headers can be observed), bodies judged by the real `openssl` binary, a CA made
//! with rcgen: two generations of an issuing CA under a policy CA under a root that was itself
//! renewed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use e2e::*;
use ldap_server::{CertsrvBehaviour, CertsrvConfig, RunningServer, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ISSUING_CN: &str = "Example Issuing CA";
const POLICY_CN: &str = "Example Policy CA";
const ROOT_CN: &str = "Example Root CA";
/// The host name clients put in `Host:` (never resolved: every connection goes to 127.0.0.1).
const CA_HOST: &str = "ca1.example.test";

// ---------------------------------------------------------------------------------------------
// The CA
// ---------------------------------------------------------------------------------------------

/// One generation: the issuing CA's certificate and its chain (policy CA, root), DER.
#[derive(Clone)]
struct Generation {
    issuing: Vec<u8>,
    policy: Vec<u8>,
    root: Vec<u8>,
}

impl Generation {
    fn chain(&self) -> Vec<Vec<u8>> {
        vec![self.policy.clone(), self.root.clone()]
    }

    fn all(&self) -> Vec<Vec<u8>> {
        vec![self.issuing.clone(), self.policy.clone(), self.root.clone()]
    }

    /// PEM: the issuing CA first, then its chain (what `--certsrv-ca FILE` reads).
    fn pem(&self) -> String {
        self.all().iter().map(|der| pem(der)).collect()
    }
}

/// A CA's parameters (so it can sign) with a fresh key.
fn ca_params(cn: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    (params, KeyPair::generate().expect("key"))
}

/// A root, a policy CA and an issuing CA, each with new keys: renewal 0 is the original
/// hierarchy, renewal 1 the renewed root's (same names, new keys and serials).
fn generation() -> Generation {
    let (root_params, root_key) = ca_params(ROOT_CN);
    let root = root_params.self_signed(&root_key).expect("root");
    let root_issuer = Issuer::new(root_params, root_key);
    let (policy_params, policy_key) = ca_params(POLICY_CN);
    let policy = policy_params
        .signed_by(&policy_key, &root_issuer)
        .expect("policy");
    let policy_issuer = Issuer::new(policy_params, policy_key);
    let (issuing_params, issuing_key) = ca_params(ISSUING_CN);
    let issuing = issuing_params
        .signed_by(&issuing_key, &policy_issuer)
        .expect("issuing");
    Generation {
        issuing: issuing.der().to_vec(),
        policy: policy.der().to_vec(),
        root: root.der().to_vec(),
    }
}

/// Renewal 0 and renewal 1.
fn two_generations() -> [Generation; 2] {
    let original = generation();
    let renewed = generation();
    assert_ne!(original.issuing, renewed.issuing);
    [original, renewed]
}

fn config(generations: &[Generation], behaviour: CertsrvBehaviour) -> CertsrvConfig {
    generations
        .iter()
        .fold(CertsrvConfig::new(), |config, generation| {
            config.generation(generation.issuing.clone(), generation.chain())
        })
        .behaviour(behaviour)
}

fn pem(der: &[u8]) -> String {
    let text = b64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("ascii"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/// A library server with Web Enrollment on 127.0.0.1:0, seeded with `ldif` (may be empty).
async fn start(config: CertsrvConfig, ldif: &str) -> (RunningServer, SocketAddr) {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let mut builder = Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(loopback)
        .certsrv(loopback, config);
    if !ldif.is_empty() {
        builder = builder.ldif_text("certsrv-test.ldif", ldif);
    }
    let server = tokio::time::timeout(WAIT, builder.start())
        .await
        .expect("start timed out")
        .unwrap_or_else(|e| panic!("server failed to start: {e}"));
    let http = server.certsrv_addr().expect("certsrv address");
    assert_eq!(http.ip().to_string(), "127.0.0.1");
    assert_ne!(http.port(), 0);
    (server, http)
}

async fn stop(server: RunningServer) {
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown did not finish within 10 s");
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// Every value of header `name` (case-insensitive), in order.
    fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn content_type(&self) -> &str {
        self.header_values("content-type")
            .first()
            .copied()
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET target` with `Host: ca1.example.test`, `Connection: close` and `headers`.
async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    tokio::time::timeout(WAIT, exchange(addr, target, headers))
        .await
        .unwrap_or_else(|_| panic!("GET {target}: no answer within {WAIT:?}"))
}

async fn exchange(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request(target, headers).as_bytes())
        .await
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_reply(&raw)
}

fn request(target: &str, headers: &[(&str, &str)]) -> String {
    let mut text = format!("GET {target} HTTP/1.1\r\nHost: {CA_HOST}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut reply = Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    let chunked = reply
        .header_values("transfer-encoding")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        reply.body = dechunk(&reply.body);
    } else if let Some(length) = reply.header_values("content-length").first() {
        let length: usize = length.parse().expect("content-length");
        assert_eq!(reply.body.len(), length, "body length vs Content-Length");
    }
    reply
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{password}").as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// openssl
// ---------------------------------------------------------------------------------------------

struct Openssl {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `openssl args` with `input` on stdin.
fn openssl(args: &[&str], input: &[u8]) -> Openssl {
    let mut child = std::process::Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("openssl output");
    let _ = writer.join();
    Openssl {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The CNs `openssl pkcs7 -inform DER -print_certs` prints, in order, and the certificates'
/// DER in the same order.
fn print_certs(p7_der: &[u8]) -> (Vec<String>, Vec<Vec<u8>>) {
    let out = openssl(&["pkcs7", "-inform", "DER", "-print_certs"], p7_der);
    assert!(out.ok, "openssl pkcs7 failed: {}", out.stderr);
    let subjects = out
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("subject="))
        .map(|subject| subject.trim().trim_start_matches("CN = ").to_string())
        .collect();
    (subjects, pem_blocks(&out.stdout))
}

/// The DER of every PEM block in `text`.
fn pem_blocks(text: &str) -> Vec<Vec<u8>> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN ") {
            current = Some(String::new());
        } else if line.starts_with("-----END ") {
            if let Some(body) = current.take() {
                blocks.push(unb64(&body));
            }
        } else if let Some(body) = current.as_mut() {
            body.push_str(line);
        }
    }
    blocks
}

/// A `Enc=b64` body: CERTIFICATE armour (not PKCS7) around the DER.
fn unarmour(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(body.to_vec()).expect("b64 body is text");
    assert!(
        text.starts_with("-----BEGIN CERTIFICATE-----"),
        "b64 body starts with {:?}",
        &text[..text.len().min(40)]
    );
    assert!(!text.contains("PKCS7"), "AD CS armours as CERTIFICATE");
    let blocks = pem_blocks(&text);
    assert_eq!(blocks.len(), 1, "one armoured block");
    blocks.into_iter().next().unwrap_or_default()
}

fn x509_subject(body: &[u8], inform: &str) -> String {
    let out = openssl(&["x509", "-inform", inform, "-noout", "-subject"], body);
    assert!(out.ok, "openssl x509 failed: {}", out.stderr);
    out.stdout.trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn p7b_holds_the_chain_in_order_in_b64_and_bin() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Anonymous), "").await;

    let b64_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(b64_reply.status, 200);
    assert_eq!(b64_reply.content_type(), "application/x-pkcs7-certificates");
    assert!(b64_reply.body.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let (subjects, certificates) = print_certs(&unarmour(&b64_reply.body));
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(
        certificates,
        generations[1].all(),
        "renewal -1 = the current chain"
    );

    let bin_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(bin_reply.status, 200);
    assert_eq!(bin_reply.content_type(), "application/x-pkcs7-certificates");
    assert_eq!(bin_reply.body.first(), Some(&0x30), "raw DER");
    assert!(!bin_reply.body.starts_with(b"-----BEGIN"));
    let (subjects, certificates) = print_certs(&bin_reply.body);
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(
        certificates,
        generations[0].all(),
        "renewal 0 = the original chain"
    );

    // Enc=DER means binary too; Renewal=1 is the current one named explicitly.
    let der_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=1&Enc=DER",
        &[],
    )
    .await;
    assert_eq!(print_certs(&der_reply.body).1, generations[1].all());
    stop(server).await;
}

#[tokio::test]
async fn cer_is_one_certificate_in_pem_or_der() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Anonymous), "").await;

    let pem_reply = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(pem_reply.status, 200);
    assert_eq!(pem_reply.content_type(), "application/pkix-cert");
    assert!(pem_reply.body.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        x509_subject(&pem_reply.body, "PEM"),
        format!("subject=CN = {ISSUING_CN}")
    );
    assert_eq!(unarmour(&pem_reply.body), generations[1].issuing);

    let current = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=bin",
        &[],
    )
    .await;
    let original = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(current.content_type(), "application/pkix-cert");
    assert_eq!(
        x509_subject(&current.body, "DER"),
        format!("subject=CN = {ISSUING_CN}")
    );
    assert_eq!(current.body, generations[1].issuing);
    assert_eq!(original.body, generations[0].issuing);
    assert_ne!(current.body, original.body, "Renewal=0 and -1 differ");
    stop(server).await;
}

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
        "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==".to_string(),
    ];
    for authorization in refused {
        let reply = get(http, p7b, &[("Authorization", &authorization)]).await;
        assert_eq!(reply.status, 401, "{authorization}");
        assert_eq!(reply.header_values("www-authenticate").len(), 3);
    }
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
    use ldap_server::certsrv::WrongContent;
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

/// `ldap-server serve … <extra>` and the address from its `# Web Enrollment on http://…` line.
async fn spawn_cli(extra: &[&str]) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(server_binary())
        .args([
            "serve",
            "--domain",
            DOMAIN,
            "--listen",
            "127.0.0.1:0",
            "--admin-password",
            ADMIN_PASSWORD,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn ldap-server serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(WAIT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("# Web Enrollment on http://") {
                let addr = rest.split('/').next().unwrap_or_default().to_string();
                return Some(addr);
            }
        }
        None
    })
    .await
    .expect("no Web Enrollment line in time")
    .expect("ldap-server printed no Web Enrollment line");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let addr: SocketAddr = found.parse().expect("IP:PORT");
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    (child, addr)
}

#[tokio::test]
async fn cli_serves_certsrv_from_ca_files() {
    let generations = two_generations();
    let dir = tempfile::tempdir().expect("tempdir");
    let renewal0 = write_file(dir.path(), "renewal0.pem", &generations[0].pem());
    let renewal1 = dir.path().join("renewal1.cer");
    std::fs::write(&renewal1, &generations[1].issuing).expect("write DER");
    let (mut child, http) = spawn_cli(&[
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-ca",
        path_str(&renewal0),
        "--certsrv-ca",
        path_str(&renewal1),
    ])
    .await;

    assert!(get(http, "/certsrv/certcarc.asp", &[])
        .await
        .text()
        .contains("var nRenewals=1;"));
    let original = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    let (subjects, certificates) = print_certs(&original.body);
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(certificates, generations[0].all());
    let current = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(
        print_certs(&unarmour(&current.body)).1,
        [generations[1].issuing.clone()],
        "a DER file is one certificate without a chain"
    );

    let pid = child.id().expect("running").to_string();
    let killed = run_tool("kill", &["-TERM".to_string(), pid]).await;
    assert_eq!(killed.code, 0, "{killed}");
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exit in time")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn cli_names_a_bad_ca_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write_file(dir.path(), "not-a-ca.pem", "hello, I am no certificate\n");
    let out = run_server_cli(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-ca",
        path_str(&bad),
    ])
    .await;
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("not-a-ca.pem"), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");

    let out = run_server_cli(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--certsrv-listen",
        "127.0.0.1:0",
        "--certsrv-behaviour",
        "sometimes",
    ])
    .await;
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("sometimes"), "{out}");
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}
