//! The rig the phone boots in for the `phone_directory` tests: a test PKI (a root and the
//! registrar's leaf as PEM files), a registrar played by `openssl s_server`, AD CS web enrollment
//! played by a plain static HTTP server (python's http.server) serving `openssl crl2pkcs7` output,
//! and the `phone-client` binary pointed at a DC (`--dc`) or a DNS server (`--dns`).
//!
//! Used by the `cli` tests (`cli/phone_directory`: our directory in-process on port 0) and the
//! `peers` tests (`peers/phone_directory`: OpenLDAP slapd as the directory, dnsmasq as the DC
//! locator).

use std::path::PathBuf;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::process::{Child, Command};

use crate::phone::phone_binary;
use crate::*;

pub const POOL: &str = "pool.example.test";
pub const CA_HOST: &str = "ca1.example.test";

/// A test PKI: a root and the registrar's leaf (SAN pool.example.test), as PEM files.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub root_der: Vec<u8>,
}

impl Pki {
    /// A PKI whose root is "Example Test Root CA" (new keys every call, hence no `Default`).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Pki {
        Pki::named("Example Test Root CA")
    }

    /// A PKI whose root is called `root_cn` (a renewed root keeps its name but not its key).
    pub fn named(root_cn: &str) -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let root_key = KeyPair::generate().expect("root key");
        let mut root_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params
            .distinguished_name
            .push(DnType::CommonName, root_cn);
        let root = root_params.self_signed(&root_key).expect("root");
        let issuer = Issuer::new(root_params, root_key);
        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf_params = CertificateParams::new(vec![POOL.to_string()]).expect("params");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, POOL);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf");
        std::fs::write(dir.path().join("root.pem"), root.pem()).expect("write");
        std::fs::write(dir.path().join("leaf.pem"), leaf.pem()).expect("write");
        std::fs::write(dir.path().join("leaf.key"), leaf_key.serialize_pem()).expect("write");
        Pki {
            root_der: root.der().to_vec(),
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub async fn wait_for_port(port: u16) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing listens on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `openssl s_server` presenting the leaf for pool.example.test.
pub async fn registrar(pki: &Pki) -> (Child, u16) {
    let mut command = Command::new("openssl");
    // Port 0: s_server prints the port it was given (`ACCEPT 127.0.0.1:PORT`).
    command
        .args(["s_server", "-accept", "127.0.0.1:0"])
        .arg("-cert")
        .arg(pki.path("leaf.pem"))
        .arg("-key")
        .arg(pki.path("leaf.key"));
    let (child, port) = crate::ports::spawn_announcing(command, "openssl s_server", |line| {
        line.starts_with("ACCEPT")
            .then(|| crate::ports::port_after(line, "127.0.0.1:"))
            .flatten()
    })
    .await;
    wait_for_port(port).await;
    (child, port)
}

/// A static web server whose /certsrv/certnew.p7b is `openssl crl2pkcs7` of the root, base64
/// armoured as `-----BEGIN CERTIFICATE-----` (what real AD CS sends for Enc=b64).
pub async fn certsrv(pki: &Pki) -> (Child, u16) {
    let root = pki.path("root.pem");
    let p7 = Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(&root)
        .output()
        .await
        .expect("openssl crl2pkcs7");
    assert!(p7.status.success());
    let web = pki.path("web");
    std::fs::create_dir_all(web.join("certsrv")).expect("mkdir");
    let armoured = format!(
        "-----BEGIN CERTIFICATE-----\r\n{}\r\n-----END CERTIFICATE-----\r\n",
        B64.encode(&p7.stdout)
    );
    std::fs::write(web.join("certsrv").join("certnew.p7b"), armoured).expect("write");
    let mut command = Command::new("python3");
    // Port 0, unbuffered: the server prints the port it was given.
    command
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&web);
    let (child, port) = crate::ports::spawn_announcing(command, "python3 -m http.server", |line| {
        crate::ports::port_after(line, " port ")
    })
    .await;
    wait_for_port(port).await;
    (child, port)
}

pub fn alice() -> String {
    user_ldif("alice", USER_PASSWORD, &[])
}

pub async fn boot(
    dc_port: u16,
    registrar_port: u16,
    extra: &[String],
) -> (i32, serde_json::Value, String) {
    boot_as(USER_PASSWORD, dc_port, registrar_port, extra).await
}

pub async fn boot_as(
    password: &str,
    dc_port: u16,
    registrar_port: u16,
    extra: &[String],
) -> (i32, serde_json::Value, String) {
    boot_with(
        "alice@example.test",
        password,
        dc_port,
        registrar_port,
        extra,
    )
    .await
}

pub async fn boot_with(
    user: &str,
    password: &str,
    dc_port: u16,
    registrar_port: u16,
    extra: &[String],
) -> (i32, serde_json::Value, String) {
    let locate = ["--dc".to_string(), format!("127.0.0.1:{dc_port}")];
    run_phone(user, password, &locate, registrar_port, extra).await
}

/// Runs `phone-client --format json` with the sign-in, how to find the DC, the registrar (mapped
/// to 127.0.0.1) and extra arguments; returns the exit code, the parsed report and its text.
pub async fn run_phone(
    user: &str,
    password: &str,
    locate: &[String],
    registrar_port: u16,
    extra: &[String],
) -> (i32, serde_json::Value, String) {
    let mut args = vec![
        "--user".to_string(),
        user.into(),
        "--password".into(),
        password.into(),
    ];
    args.extend(locate.iter().cloned());
    args.extend([
        "--registrar".into(),
        format!("{POOL}:{registrar_port}"),
        "--resolve".into(),
        format!("{POOL}=127.0.0.1:{registrar_port}"),
        "--format".into(),
        "json".into(),
    ]);
    args.extend(extra.iter().cloned());
    let output = tokio::time::timeout(WAIT, Command::new(phone_binary()).args(&args).output())
        .await
        .expect("phone-client finished in time")
        .expect("phone-client runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report, stdout)
}

pub fn root_ldif(der: &[u8]) -> String {
    ca_ldif("Example Test Root CA", "Certification Authorities", der)
}
