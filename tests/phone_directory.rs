//! The phone (`phone-client` binary) end to end: a real directory (our `ldap-server` in-process on
//! port 0), a registrar played by `openssl s_server` with a leaf issued by the test's CA, and AD CS
//! web enrollment played by a plain static HTTP server (python's http.server) serving
//! `openssl crl2pkcs7` output. The three paths: directory, web enrollment, failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use e2e::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::process::{Child, Command};

const POOL: &str = "pool.example.test";
const CA_HOST: &str = "ca1.example.test";

/// A test PKI: a root and the registrar's leaf (SAN pool.example.test), as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    root_der: Vec<u8>,
}

impl Pki {
    fn new() -> Pki {
        Pki::named("Example Test Root CA")
    }

    /// A PKI whose root is called `root_cn` (a renewed root keeps its name but not its key).
    fn named(root_cn: &str) -> Pki {
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

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn wait_for_port(port: u16) {
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
async fn registrar(pki: &Pki) -> (Child, u16) {
    let port = free_port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("-cert")
        .arg(pki.path("leaf.pem"))
        .arg("-key")
        .arg(pki.path("leaf.key"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl s_server");
    wait_for_port(port).await;
    (child, port)
}

/// A static web server whose /certsrv/certnew.p7b is `openssl crl2pkcs7` of the root, base64
/// armoured as `-----BEGIN CERTIFICATE-----` (what real AD CS sends for Enc=b64).
async fn certsrv(pki: &Pki) -> (Child, u16) {
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
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&web)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 -m http.server");
    wait_for_port(port).await;
    (child, port)
}

fn phone_binary() -> PathBuf {
    let server = server_binary();
    let phone = server.with_file_name("phone-client");
    assert!(
        phone.is_file(),
        "{} does not exist: run `cargo build --workspace --bins` first",
        phone.display()
    );
    phone
}

fn alice() -> String {
    user_ldif("alice", USER_PASSWORD, &[])
}

async fn boot(
    dc_port: u16,
    registrar_port: u16,
    extra: &[String],
) -> (i32, serde_json::Value, String) {
    boot_as(USER_PASSWORD, dc_port, registrar_port, extra).await
}

async fn boot_as(
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

async fn boot_with(
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
async fn run_phone(
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

fn root_ldif(der: &[u8]) -> String {
    ca_ldif("Example Test Root CA", "Certification Authorities", der)
}

#[tokio::test]
async fn published_root_signs_the_phone_in_through_the_directory() {
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["outcome"], "signed_in", "{text}");
    assert_eq!(report["path"], "directory", "{text}");
    let installed = report["installed"].as_array().expect("installed");
    assert_eq!(installed.len(), 1, "{text}");
    assert_eq!(installed[0]["subject"], "CN=Example Test Root CA", "{text}");
    assert!(
        installed[0]["source"]
            .as_str()
            .unwrap_or("")
            .starts_with("CN=Example Test Root CA,CN=Certification Authorities"),
        "{text}"
    );
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "locating_domain_controller",
            "binding_to_directory",
            "searching_certification_authorities",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate"
        ],
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn unpublished_root_is_cannot_validate_server_certificate() {
    let pki = Pki::new();
    let server = start(&alice()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("pKIEnrollmentService"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_root_from_another_ca_fails_validation_with_the_precise_reason() {
    let pki = Pki::new();
    let other = Pki::named("Other Root CA");
    let server = start(&format!("{}{}", alice(), root_ldif(&other.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("issuer"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn enrollment_service_fallback_downloads_the_chain_over_http() {
    let pki = Pki::new();
    let service = format!(
        "dn: CN=Example Issuing CA,CN=Enrollment Services,{PKS_DN}\nobjectClass: top\nobjectClass: pKIEnrollmentService\ndNSHostName: {CA_HOST}\n\n"
    );
    let server = start(&format!("{}{service}", alice())).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (_web, web_port) = certsrv(&pki).await;
    let (code, report, text) = boot(
        server.port(),
        registrar_port,
        &[
            "--resolve".into(),
            format!("{CA_HOST}=127.0.0.1:{web_port}"),
        ],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "web_enrollment", "{text}");
    let source = report["installed"][0]["source"].as_str().unwrap_or("");
    assert_eq!(
        source,
        format!("http://{CA_HOST}/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_is_sign_in_failed_with_ad_data_code() {
    let pki = Pki::new();
    let server = start(&alice()).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot_as("wrong", server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["outcome"], "sign_in_failed", "{text}");
    assert!(
        report["reason"].as_str().unwrap_or("").contains("52e"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_renewed_root_with_a_new_key_but_the_old_one_published_fails_on_the_signature() {
    // Same name, new key (domain.md §G row 13): the published old root is found by name but
    // cannot verify the registrar's chain.
    let pki = Pki::new();
    let old_generation = Pki::new();
    let server = start(&format!(
        "{}{}",
        alice(),
        root_ldif(&old_generation.root_der)
    ))
    .await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("signature"),
        "{text}"
    );
    server.stop().await;
}

// ---- the same phone against OpenLDAP slapd, a directory we did not write ----

const SLAPD_ALICE: &str = "uid=alice,cn=Users,dc=example,dc=test";

/// slapd has no objectCategory shortcut and no AD schema: the profile names RFC 4523's pkiCA.
fn slapd_profile(dir: &std::path::Path) -> String {
    let path = dir.join("slapd-profile.toml");
    std::fs::write(
        &path,
        "name = \"cpe-2007r2 against OpenLDAP\"\nca_filter = \"(objectClass=pkiCA)\"\nenrollment_filter = \"(objectClass=pKIEnrollmentService)\"\n",
    )
    .expect("write profile");
    path.display().to_string()
}

fn slapd_data(root_der: Option<&[u8]>, enrollment_host: Option<&str>) -> String {
    let mut ldif = format!(
        "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n\
         dn: cn=Users,dc=example,dc=test\nobjectClass: applicationProcess\ncn: Users\n\n\
         dn: {SLAPD_ALICE}\nobjectClass: inetOrgPerson\nuid: alice\ncn: alice\nsn: alice\nuserPassword: {USER_PASSWORD}\n\n\
         dn: cn=Configuration,dc=example,dc=test\nobjectClass: applicationProcess\ncn: Configuration\n\n"
    );
    if let Some(der) = root_der {
        ldif.push_str(&format!(
            "dn: cn=Example Test Root CA,cn=Configuration,dc=example,dc=test\nobjectClass: applicationProcess\nobjectClass: pkiCA\n\
             cn: Example Test Root CA\ncACertificate;binary:: {}\n\n",
            B64.encode(der)
        ));
    }
    if let Some(host) = enrollment_host {
        ldif.push_str(&format!(
            "dn: cn=Example Issuing CA,cn=Configuration,dc=example,dc=test\nobjectClass: pKIEnrollmentService\ncn: Example Issuing CA\ndNSHostName: {host}\n\n"
        ));
    }
    ldif
}

#[tokio::test]
async fn against_slapd_a_published_root_signs_in_through_the_directory() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(Some(&pki.root_der), None)).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &["--profile".into(), profile],
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "directory", "{text}");
    assert_eq!(
        report["installed"][0]["source"],
        "cn=Example Test Root CA,cn=Configuration,dc=example,dc=test",
        "{text}"
    );
}

#[tokio::test]
async fn against_slapd_the_enrollment_service_fallback_signs_in_over_http() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(None, Some(CA_HOST))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (_web, web_port) = certsrv(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let extra = [
        "--profile".into(),
        profile,
        "--resolve".into(),
        format!("{CA_HOST}=127.0.0.1:{web_port}"),
    ];
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &extra,
    )
    .await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["path"], "web_enrollment", "{text}");
}

#[tokio::test]
async fn against_slapd_nothing_published_is_cannot_validate() {
    let pki = Pki::new();
    let slapd = e2e::slapd::Slapd::start(&slapd_data(None, None)).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = slapd_profile(pki.dir.path());
    let (code, report, text) = boot_with(
        SLAPD_ALICE,
        USER_PASSWORD,
        slapd.port,
        registrar_port,
        &["--profile".into(), profile],
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        report["outcome"], "cannot_validate_server_certificate",
        "{text}"
    );
}

// ---- finding the DC through DNS: dnsmasq on loopback serves the DC-locator SRV record ----

/// dnsmasq answering `_ldap._tcp.dc._msdcs.example.test` with dc1.example.test:`ldap_port`
/// (127.0.0.1), and nothing else (no upstream: no query leaves the machine).
async fn dns_server(ldap_port: u16) -> (Child, u16) {
    let port = free_port();
    let child = Command::new("dnsmasq")
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
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("dnsmasq (.ci/run installs dnsmasq-base)");
    // dnsmasq also listens on TCP: ready when that port accepts.
    wait_for_port(port).await;
    (child, port)
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

#[tokio::test]
async fn old_firmware_that_cannot_read_the_root_loops_instead_of_signing_in() {
    // §D.3: the pre-SHA-2 builds cannot read this PKI (SHA-256 signatures, an ECDSA key) and
    // cycle through the boot screens; the profile ends that as `boot_loop`.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let extra = ["--profile".to_string(), "cpe-2007r2-old-firmware".into()];
    let (code, report, text) = boot(server.port(), registrar_port, &extra).await;
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["outcome"], "boot_loop", "{text}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("this firmware cannot read"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_placeholder_cacertificate_counts_as_empty_and_is_reported() {
    // §G row 2: the object exists but holds AD's one-byte placeholder.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&[0u8]))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let (code, report, text) = boot(server.port(), registrar_port, &[]).await;
    assert_eq!(code, 1, "{text}");
    let search = &report["steps"][2];
    assert_eq!(
        search["name"], "searching_certification_authorities",
        "{text}"
    );
    assert!(
        search["detail"]
            .as_str()
            .unwrap_or("")
            .contains("unusable (counts as empty)"),
        "{text}"
    );
    assert_eq!(
        report["steps"][3]["name"], "searching_enrollment_services",
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_phone_searching_the_domain_nc_only_sees_a_continuation_reference() {
    // §G row 4: AD keeps Public Key Services in the Configuration NC; the domain NC answers with a
    // reference the phone does not chase.
    let pki = Pki::new();
    let server = start(&format!("{}{}", alice(), root_ldif(&pki.root_der))).await;
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = pki.path("domain-nc.toml");
    std::fs::write(
        &profile,
        "name = \"misconfigured\"\nsearch_base = \"domain_nc\"\n",
    )
    .expect("write profile");
    let extra = ["--profile".to_string(), profile.display().to_string()];
    let (code, report, text) = boot(server.port(), registrar_port, &extra).await;
    assert_eq!(code, 1, "{text}");
    let detail = report["steps"][2]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("continuation reference not followed: ldap://example.test/CN=Configuration,DC=example,DC=test"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn a_phone_searching_the_global_catalog_finds_the_configuration_objects() {
    // §0: cACertificate is in the partial attribute set, so a GC search (port 3268, base "")
    // finds the Configuration NC's certificationAuthority objects.
    let pki = Pki::new();
    let ldif = pki.path("seed.ldif");
    std::fs::write(&ldif, format!("{}{}", alice(), root_ldif(&pki.root_der))).expect("write seed");
    let server = ldap_server::Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen("127.0.0.1:0".parse().expect("addr"))
        .global_catalog_listen("127.0.0.1:0".parse().expect("addr"))
        .ldif_file(&ldif)
        .start()
        .await
        .expect("server");
    let gc = server.global_catalog_addr().expect("GC listener");
    let (_registrar, registrar_port) = registrar(&pki).await;
    let profile = pki.path("gc.toml");
    std::fs::write(
        &profile,
        format!(
            "name = \"gc\"\nsearch_base = \"global_catalog\"\nglobal_catalog_port = {}\n",
            gc.port()
        ),
    )
    .expect("write profile");
    let extra = ["--profile".to_string(), profile.display().to_string()];
    let (code, report, text) = boot(server.local_addr().port(), registrar_port, &extra).await;
    assert_eq!(code, 0, "{text}");
    let detail = report["steps"][2]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("Global Catalog"), "{text}");
    server.shutdown().await;
}
