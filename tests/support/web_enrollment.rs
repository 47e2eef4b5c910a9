//! AD CS Web Enrollment (`/certsrv`, `shared/domain.md` §C) as the tests see it from outside: a CA
//! made with rcgen (two generations of an issuing CA under a policy CA under a root that was itself
//! renewed), a plain HTTP/1.1 client written here (so a silent server and exact headers can be
//! observed), and the real `openssl` binary to judge the bodies.
//!
//! Used by the `in_process` tests (`in_process/web_enrollment`: the library server with certsrv) and the
//! `cli` tests (`cli/certsrv_cli.rs`: `ldap-server serve --certsrv-…`).

use std::net::SocketAddr;
use std::process::Stdio;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{b64, unb64, WAIT};

pub const ISSUING_CN: &str = "Example Issuing CA";
pub const POLICY_CN: &str = "Example Policy CA";
pub const ROOT_CN: &str = "Example Root CA";
/// The host name clients put in `Host:` (never resolved: every connection goes to 127.0.0.1).
pub const CA_HOST: &str = "ca1.example.test";

// ---------------------------------------------------------------------------------------------
// The CA
// ---------------------------------------------------------------------------------------------

/// One generation: the issuing CA's certificate and its chain (policy CA, root), DER.
#[derive(Clone)]
pub struct Generation {
    pub issuing: Vec<u8>,
    pub policy: Vec<u8>,
    pub root: Vec<u8>,
}

impl Generation {
    pub fn chain(&self) -> Vec<Vec<u8>> {
        vec![self.policy.clone(), self.root.clone()]
    }

    pub fn all(&self) -> Vec<Vec<u8>> {
        vec![self.issuing.clone(), self.policy.clone(), self.root.clone()]
    }

    /// PEM: the issuing CA first, then its chain (what `--certsrv-ca FILE` reads).
    pub fn pem(&self) -> String {
        self.all().iter().map(|der| pem(der)).collect()
    }
}

/// A CA's parameters (so it can sign) with a fresh key.
pub fn ca_params(cn: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    (params, KeyPair::generate().expect("key"))
}

/// A root, a policy CA and an issuing CA, each with new keys: renewal 0 is the original
/// hierarchy, renewal 1 the renewed root's (same names, new keys and serials).
pub fn generation() -> Generation {
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
pub fn two_generations() -> [Generation; 2] {
    let original = generation();
    let renewed = generation();
    assert_ne!(original.issuing, renewed.issuing);
    [original, renewed]
}

pub fn pem(der: &[u8]) -> String {
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
// A minimal HTTP/1.1 client
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn content_type(&self) -> &str {
        self.header_values("content-type")
            .first()
            .copied()
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET target` with `Host: ca1.example.test`, `Connection: close` and `headers`.
pub async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    tokio::time::timeout(WAIT, exchange(addr, target, headers))
        .await
        .unwrap_or_else(|_| panic!("GET {target}: no answer within {WAIT:?}"))
}

pub async fn exchange(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request(target, headers).as_bytes())
        .await
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_reply(&raw)
}

pub fn request(target: &str, headers: &[(&str, &str)]) -> String {
    let mut text = format!("GET {target} HTTP/1.1\r\nHost: {CA_HOST}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text
}

pub fn parse_reply(raw: &[u8]) -> Reply {
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

pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
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

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{password}").as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// openssl
// ---------------------------------------------------------------------------------------------

pub struct Openssl {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `openssl args` with `input` on stdin.
pub fn openssl(args: &[&str], input: &[u8]) -> Openssl {
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
pub fn print_certs(p7_der: &[u8]) -> (Vec<String>, Vec<Vec<u8>>) {
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
pub fn pem_blocks(text: &str) -> Vec<Vec<u8>> {
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
pub fn unarmour(body: &[u8]) -> Vec<u8> {
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

pub fn x509_subject(body: &[u8], inform: &str) -> String {
    let out = openssl(&["x509", "-inform", inform, "-noout", "-subject"], body);
    assert!(out.ok, "openssl x509 failed: {}", out.stderr);
    out.stdout.trim().to_string()
}
