//! Shared helpers for the end-to-end tests.
//!
//! Every test starts its own directory on `127.0.0.1:0` (no fixed ports, no shared state), loads the
//! LDIF it needs from a private temporary directory and talks to it with a real client: the `ldap3`
//! crate, OpenLDAP's `ldapsearch`/`ldapwhoami`, or raw bytes over TCP.
//!
//! * [`start`] / [`start_with`]: a library server seeded with LDIF text ([`TestServer`]).
//! * [`standard_ldif`]: users in every account state plus two certification authorities.
//! * [`user_ldif`], [`bulk_users_ldif`], [`ca_ldif`], [`make_ca_cert`]: LDIF/certificate generators.
//! * [`ldapsearch`], [`ldapwhoami`], [`run_tool`]: run the OpenLDAP tools with no system
//!   configuration (`LDAPNOINIT=1`) and capture their output ([`ToolOutput`], [`parse_ldif`]).
//! * [`server_binary`] / [`CliServer`]: the `ldap-server` executable built next to the test binary.
//! * [`http::StaticServer`]: a tiny in-process HTTP server (CRLs, the LPE certificate web service).
//! * [`phone::run_phone`]: the `phone-client` executable with `--format json`.
//! * [`adpki_binary`]: the `adpki` executable (`adpki publish`, `adpki audit`).
//! * [`slapd::Slapd`], [`samba::Samba`]: private OpenLDAP and Samba AD DC peers on loopback
//!   (Samba always on 127.0.0.1:389, so its tests take a lock and run one at a time).
//!
//! Every wait is bounded by a timeout; nothing here sleeps to make a test pass.

pub mod http;
pub mod phone;
pub mod samba;
pub mod slapd;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, SearchEntry};
use tokio::io::{AsyncBufReadExt, BufReader};

pub use ldap3;

/// The DNS domain every test directory serves.
pub const DOMAIN: &str = "example.test";
/// The NetBIOS name that goes with [`DOMAIN`].
pub const NETBIOS: &str = "EXAMPLE";
/// The domain naming context.
pub const BASE_DN: &str = "DC=example,DC=test";
/// The Configuration naming context.
pub const CONFIG_DN: &str = "CN=Configuration,DC=example,DC=test";
/// The Schema naming context.
pub const SCHEMA_DN: &str = "CN=Schema,CN=Configuration,DC=example,DC=test";
/// The subschema subentry.
pub const AGGREGATE_DN: &str = "CN=Aggregate,CN=Schema,CN=Configuration,DC=example,DC=test";
/// `CN=Public Key Services,CN=Services,<Configuration NC>`.
pub const PKS_DN: &str = "CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=test";
/// The default users container.
pub const USERS_DN: &str = "CN=Users,DC=example,DC=test";
/// The built-in administrator.
pub const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=example,DC=test";
/// The administrator's password in every test directory.
pub const ADMIN_PASSWORD: &str = "Passw0rd!";
/// objectCategory of certificationAuthority objects.
pub const CA_CATEGORY_DN: &str =
    "CN=Certification-Authority,CN=Schema,CN=Configuration,DC=example,DC=test";
/// The continuation reference a domain-NC subtree search returns for the Configuration NC.
pub const CONFIG_REF: &str = "ldap://example.test/CN=Configuration,DC=example,DC=test";
/// The continuation reference a Configuration-NC subtree search returns for the Schema NC.
pub const SCHEMA_REF: &str = "ldap://example.test/CN=Schema,CN=Configuration,DC=example,DC=test";
/// OID of the Notice of Disconnection unsolicited notification (RFC 4511 §4.4.1).
pub const NOTICE_OF_DISCONNECTION_OID: &str = "1.3.6.1.4.1.1466.20036";
/// The paged-results control.
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";

/// Password of every user in [`standard_ldif`].
pub const USER_PASSWORD: &str = "Alice!Passw0rd1";
/// Common names of the two CAs in [`standard_ldif`].
pub const ROOT_CA_CN: &str = "Root CA";
pub const ISSUING_CA_CN: &str = "Issuing CA";

/// Upper bound for any single wait (server start, tool run, process exit).
pub const WAIT: Duration = Duration::from_secs(30);

/// `CN=<cn>,CN=Users,DC=example,DC=test`.
pub fn user_dn(cn: &str) -> String {
    format!("CN={cn},{USERS_DN}")
}

/// DN of a CA object under `CN=<container>,<PKS>`.
pub fn ca_dn(cn: &str, container: &str) -> String {
    format!("CN={cn},CN={container},{PKS_DN}")
}

// ---------------------------------------------------------------------------------------------
// Server start-up
// ---------------------------------------------------------------------------------------------

/// Optional builder settings for [`start_with`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `.allow_anonymous_reads(true)`.
    pub allow_anonymous: bool,
    /// `.ntauth(true)`.
    pub ntauth: bool,
    /// `.max_message_size(n)`.
    pub max_message_size: Option<usize>,
}

/// A library server listening on an ephemeral loopback port, plus the directory holding its LDIF.
pub struct TestServer {
    server: Option<ldap_server::RunningServer>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub ldif_path: Option<PathBuf>,
}

/// Starts a server seeded with `ldif` (may be empty) and default settings.
pub async fn start(ldif: &str) -> TestServer {
    start_with(ldif, Options::default()).await
}

/// Writes `ldif` to a temporary file and starts a server on 127.0.0.1:0 with it.
pub async fn start_with(ldif: &str, opts: Options) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif_path = if ldif.is_empty() {
        None
    } else {
        let p = dir.path().join("seed.ldif");
        std::fs::write(&p, ldif).expect("write seed LDIF");
        Some(p)
    };
    let mut builder = ldap_server::Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen("127.0.0.1:0".parse().unwrap())
        .ntauth(opts.ntauth)
        .allow_anonymous_reads(opts.allow_anonymous);
    if let Some(p) = &ldif_path {
        builder = builder.ldif_file(p.clone());
    }
    if let Some(n) = opts.max_message_size {
        builder = builder.max_message_size(n);
    }
    let server = tokio::time::timeout(WAIT, builder.start())
        .await
        .expect("server start timed out")
        .unwrap_or_else(|e| panic!("server failed to start: {e}"));
    let addr = server.local_addr();
    assert_eq!(
        addr.ip().to_string(),
        "127.0.0.1",
        "server must listen on loopback"
    );
    assert_ne!(addr.port(), 0, "server must report the bound port");
    TestServer {
        server: Some(server),
        addr,
        dir,
        ldif_path,
    }
}

impl TestServer {
    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        url(self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The running server (for `export_ldif`).
    pub fn server(&self) -> &ldap_server::RunningServer {
        self.server.as_ref().expect("server running")
    }

    /// A fresh, unbound ldap3 connection.
    pub async fn connect(&self) -> Ldap {
        connect(self.addr).await
    }

    /// A fresh connection bound as the domain administrator.
    pub async fn admin(&self) -> Ldap {
        let mut ldap = self.connect().await;
        let res = ldap
            .simple_bind(ADMIN_DN, ADMIN_PASSWORD)
            .await
            .expect("admin bind I/O");
        assert_eq!(res.rc, 0, "admin bind failed: {res}");
        ldap
    }

    /// A fresh connection bound as `dn` with `password` (asserts success).
    pub async fn bound(&self, dn: &str, password: &str) -> Ldap {
        let mut ldap = self.connect().await;
        let res = ldap.simple_bind(dn, password).await.expect("bind I/O");
        assert_eq!(res.rc, 0, "bind as {dn} failed: {res}");
        ldap
    }

    /// Runs ldapsearch against this server (see [`ldapsearch`]).
    pub async fn ldapsearch(&self, args: &[&str]) -> ToolOutput {
        ldapsearch(self.addr, args).await
    }

    /// Runs ldapsearch bound as the administrator.
    pub async fn ldapsearch_admin(&self, args: &[&str]) -> ToolOutput {
        let mut all = vec!["-D", ADMIN_DN, "-w", ADMIN_PASSWORD];
        all.extend_from_slice(args);
        ldapsearch(self.addr, &all).await
    }

    /// Runs ldapwhoami against this server (see [`ldapwhoami`]).
    pub async fn ldapwhoami(&self, args: &[&str]) -> ToolOutput {
        ldapwhoami(self.addr, args).await
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            tokio::time::timeout(WAIT, s.shutdown())
                .await
                .expect("shutdown timed out");
        }
    }
}

/// `ldap://ADDR`.
pub fn url(addr: SocketAddr) -> String {
    format!("ldap://{addr}")
}

/// A fresh, unbound ldap3 connection to `addr` (the connection driver runs on its own task).
pub async fn connect(addr: SocketAddr) -> Ldap {
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10));
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &url(addr))
        .await
        .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    ldap3::drive!(conn);
    ldap
}

// ---------------------------------------------------------------------------------------------
// ldap3 result helpers
// ---------------------------------------------------------------------------------------------

/// All values of `name` (exact spelling) as bytes, whether ldap3 decoded them as text or not.
pub fn values(entry: &SearchEntry, name: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    if let Some(v) = entry.attrs.get(name) {
        out.extend(v.iter().map(|s| s.as_bytes().to_vec()));
    }
    if let Some(v) = entry.bin_attrs.get(name) {
        out.extend(v.iter().cloned());
    }
    out
}

/// Text values of `name` (exact spelling); empty if absent.
pub fn text_values(entry: &SearchEntry, name: &str) -> Vec<String> {
    entry.attrs.get(name).cloned().unwrap_or_default()
}

/// The single text value of `name`, panicking with the entry if there is not exactly one.
pub fn single(entry: &SearchEntry, name: &str) -> String {
    let v = text_values(entry, name);
    assert_eq!(v.len(), 1, "expected exactly one {name} in {entry:?}");
    v[0].clone()
}

/// All attribute names of an entry (text and binary).
pub fn attribute_names(entry: &SearchEntry) -> Vec<String> {
    let mut names: Vec<String> = entry
        .attrs
        .keys()
        .chain(entry.bin_attrs.keys())
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// True if `entry` has attribute `name` under any letter case.
pub fn has_attr_ignore_case(entry: &SearchEntry, name: &str) -> bool {
    attribute_names(entry).iter().any(|n| {
        n.eq_ignore_ascii_case(name)
            || n.to_ascii_lowercase()
                .starts_with(&format!("{};", name.to_ascii_lowercase()))
    })
}

/// Escapes every byte as `\xx` for use as a filter assertion value (RFC 4515).
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// LDIF generators
// ---------------------------------------------------------------------------------------------

/// Windows FILETIME (100 ns since 1601) for "now"; a normal pwdLastSet.
pub fn filetime_now() -> u64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    (secs + 11_644_473_600) * 10_000_000
}

/// A user entry `CN=<sam>,CN=Users,...` with `objectClass: user` only (the server derives the chain),
/// sAMAccountName, userPrincipalName `<sam>@example.test`, `userPassword` (omitted when empty) and
/// the healthy defaults userAccountControl 512, pwdLastSet now, accountExpires never. `extra`
/// `(name, value)` pairs replace a default of the same name or are appended.
pub fn user_ldif(sam: &str, password: &str, extra: &[(&str, &str)]) -> String {
    let pwd_last_set = filetime_now().to_string();
    let mut attrs: Vec<(String, String)> = vec![
        ("userAccountControl".into(), "512".into()),
        ("pwdLastSet".into(), pwd_last_set),
        ("accountExpires".into(), "9223372036854775807".into()),
    ];
    for (k, v) in extra {
        if let Some(slot) = attrs.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(k)) {
            slot.1 = v.to_string();
        } else {
            attrs.push((k.to_string(), v.to_string()));
        }
    }
    let mut s = String::new();
    s.push_str(&format!("dn: {}\n", user_dn(sam)));
    s.push_str("objectClass: user\n");
    s.push_str(&format!("cn: {sam}\n"));
    s.push_str(&format!("sAMAccountName: {sam}\n"));
    s.push_str(&format!("userPrincipalName: {sam}@{DOMAIN}\n"));
    if !password.is_empty() {
        s.push_str(&format!("userPassword: {password}\n"));
    }
    for (k, v) in attrs {
        // A name ending in ':' gives the base64 form: ("unicodePwd:", "<b64>") -> "unicodePwd:: <b64>".
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    s
}

/// `{SSHA}` of `password` with `salt`, as OpenLDAP's slappasswd writes it.
pub fn ssha(password: &str, salt: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(password.as_bytes());
    h.update(salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(salt);
    format!("{{SSHA}}{}", B64.encode(raw))
}

/// AD's unicodePwd encoding: UTF-16LE of the password in double quotes, base64 for LDIF.
pub fn unicode_pwd_b64(password: &str) -> String {
    let quoted = format!("\"{password}\"");
    let bytes: Vec<u8> = quoted
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    B64.encode(bytes)
}

/// `n` plain users `user00000`.. under CN=Users (no passwords: they only need to exist).
pub fn bulk_users_ldif(n: usize) -> String {
    let mut s = String::with_capacity(n * 200);
    for i in 0..n {
        let sam = format!("user{i:05}");
        s.push_str(&format!(
            "dn: {dn}\nobjectClass: user\ncn: {sam}\nsAMAccountName: {sam}\nuserPrincipalName: {sam}@{DOMAIN}\nuserAccountControl: 512\n\n",
            dn = user_dn(&sam)
        ));
    }
    s
}

/// A real self-signed CA certificate (DER) with subject CN=`cn`.
pub fn make_ca_cert(cn: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("cert params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn.to_string());
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().expect("key pair");
    let cert = params.self_signed(&key).expect("self-signed cert");
    let der = cert.der().to_vec();
    assert_eq!(der[0], 0x30, "DER certificate starts with a SEQUENCE");
    der
}

/// A certificationAuthority entry `CN=<cn>,CN=<container>,<PKS>` holding `der` in cACertificate,
/// with the one-byte placeholders AD uses for the mandatory revocation lists.
pub fn ca_ldif(cn: &str, container: &str, der: &[u8]) -> String {
    format!(
        "dn: {dn}\nobjectClass: top\nobjectClass: certificationAuthority\ncn: {cn}\ncACertificate:: {b64}\ncertificateRevocationList:: AA==\nauthorityRevocationList:: AA==\n\n",
        dn = ca_dn(cn, container),
        b64 = B64.encode(der)
    )
}

/// The usual seed: users in every account state and two CAs with real certificates.
pub struct Fixture {
    pub ldif: String,
    /// DER of the cert in `CN=Root CA,CN=Certification Authorities,...`.
    pub root_der: Vec<u8>,
    /// DER of the cert in `CN=Issuing CA,CN=AIA,...`.
    pub issuing_der: Vec<u8>,
}

/// Users (all with password [`USER_PASSWORD`] unless noted):
/// * `alice`, `bob`: normal (512), cleartext userPassword
/// * `dave`: disabled (514); `lucy`: locked (lockoutTime 1); `eve`: expired (accountExpires 1);
///   `mike`: must reset (pwdLastSet 0)
/// * `sam`: `{SSHA}` userPassword; `uma`: only unicodePwd
///
/// and CAs `Root CA` (Certification Authorities) and `Issuing CA` (AIA).
pub fn standard_ldif() -> Fixture {
    let root_der = make_ca_cert("Example Root CA");
    let issuing_der = make_ca_cert("Example Issuing CA");
    let mut s = String::from("version: 1\n\n");
    s.push_str(&user_ldif("alice", USER_PASSWORD, &[]));
    s.push_str(&user_ldif("bob", USER_PASSWORD, &[]));
    s.push_str(&user_ldif(
        "dave",
        USER_PASSWORD,
        &[("userAccountControl", "514")],
    ));
    s.push_str(&user_ldif("lucy", USER_PASSWORD, &[("lockoutTime", "1")]));
    s.push_str(&user_ldif("eve", USER_PASSWORD, &[("accountExpires", "1")]));
    s.push_str(&user_ldif("mike", USER_PASSWORD, &[("pwdLastSet", "0")]));
    s.push_str(&user_ldif("sam", &ssha(USER_PASSWORD, b"s4lt!xyz"), &[]));
    s.push_str(&user_ldif(
        "uma",
        "",
        &[("unicodePwd:", &unicode_pwd_b64(USER_PASSWORD))],
    ));
    s.push_str(&ca_ldif(ROOT_CA_CN, "Certification Authorities", &root_der));
    s.push_str(&ca_ldif(ISSUING_CA_CN, "AIA", &issuing_der));
    Fixture {
        ldif: s,
        root_der,
        issuing_der,
    }
}

/// Base64 (standard alphabet, padded) of `bytes`.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Decodes standard base64, panicking with the input on error.
pub fn unb64(text: &str) -> Vec<u8> {
    B64.decode(text.trim())
        .unwrap_or_else(|e| panic!("bad base64 {text:?}: {e}"))
}

/// Undoes LDIF line folding (a line break followed by one space continues the previous line).
pub fn unfold_ldif(text: &str) -> String {
    text.replace("\r\n", "\n").replace("\n ", "")
}

// ---------------------------------------------------------------------------------------------
// OpenLDAP command-line tools
// ---------------------------------------------------------------------------------------------

/// Exit status and captured output of a tool run.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// Exit code (ldapsearch exits with the LDAP result code); -1 if killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ToolOutput {
    /// The stdout parsed as LDIF.
    pub fn ldif(&self) -> LdifOutput {
        parse_ldif(&self.stdout)
    }
}

impl std::fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `program args` without reading any LDAP client configuration, with a timeout.
pub async fn run_tool(program: &str, args: &[String]) -> ToolOutput {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env("LDAPNOINIT", "1")
        .env("LDAPCONF", "/dev/null")
        .env("LDAPRC", "/dev/null")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} did not finish within {WAIT:?}"))
        .expect("wait for tool");
    ToolOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `ldapsearch -x -H ldap://ADDR -o ldif-wrap=no -o nettimeout=10 -LLL <args>`.
pub async fn ldapsearch(addr: SocketAddr, args: &[&str]) -> ToolOutput {
    let mut all: Vec<String> = [
        "-x",
        "-H",
        &url(addr),
        "-o",
        "ldif-wrap=no",
        "-o",
        "nettimeout=10",
        "-LLL",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool("/usr/bin/ldapsearch", &all).await
}

/// `ldapwhoami -x -H ldap://ADDR -o nettimeout=10 <args>`.
pub async fn ldapwhoami(addr: SocketAddr, args: &[&str]) -> ToolOutput {
    let mut all: Vec<String> = ["-x", "-H", &url(addr), "-o", "nettimeout=10"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    run_tool("/usr/bin/ldapwhoami", &all).await
}

/// One entry of ldapsearch LDIF output.
#[derive(Debug, Clone, Default)]
pub struct LdifEntry {
    pub dn: String,
    /// (attribute name as printed, value bytes); `typesOnly` output gives empty values.
    pub attrs: Vec<(String, Vec<u8>)>,
}

impl LdifEntry {
    /// Values of `name` (exact spelling).
    pub fn get(&self, name: &str) -> Vec<Vec<u8>> {
        self.attrs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Values of `name` (exact spelling) as text.
    pub fn get_text(&self, name: &str) -> Vec<String> {
        self.get(name)
            .into_iter()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .collect()
    }

    /// Distinct attribute names in output order.
    pub fn names(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for (n, _) in &self.attrs {
            if !seen.contains(n) {
                seen.push(n.clone());
            }
        }
        seen
    }
}

/// Parsed ldapsearch output: entries and continuation references.
#[derive(Debug, Clone, Default)]
pub struct LdifOutput {
    pub entries: Vec<LdifEntry>,
    /// URLs of search continuation references (`# refldap://...` / `ref: ldap://...` lines).
    pub refs: Vec<String>,
}

impl LdifOutput {
    pub fn dns(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.dn.clone()).collect()
    }

    pub fn find(&self, dn: &str) -> Option<&LdifEntry> {
        self.entries.iter().find(|e| e.dn.eq_ignore_ascii_case(dn))
    }
}

/// Parses unfolded (`-o ldif-wrap=no`) ldapsearch output. Reference lines are recognised in both
/// forms OpenLDAP prints (`# refldap://…` under -LLL, `ref: ldap://…` otherwise).
pub fn parse_ldif(text: &str) -> LdifOutput {
    let text = unfold_ldif(text);
    let mut out = LdifOutput::default();
    let mut cur: Option<LdifEntry> = None;
    for line in text.lines() {
        if line.is_empty() {
            if let Some(e) = cur.take() {
                out.entries.push(e);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ref") {
            let url = rest.trim_start_matches(':').trim();
            if url.starts_with("ldap") {
                out.refs.push(url.to_string());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.find(':') {
            Some(i) => {
                let name = &line[..i];
                let rest = &line[i + 1..];
                if let Some(b) = rest.strip_prefix(':') {
                    (name.to_string(), unb64(b))
                } else {
                    (
                        name.to_string(),
                        rest.strip_prefix(' ').unwrap_or(rest).as_bytes().to_vec(),
                    )
                }
            }
            None => continue,
        };
        if name == "ref" && cur.is_none() {
            out.refs.push(String::from_utf8_lossy(&value).into_owned());
            continue;
        }
        if name == "dn" {
            if let Some(e) = cur.take() {
                out.entries.push(e);
            }
            cur = Some(LdifEntry {
                dn: String::from_utf8_lossy(&value).into_owned(),
                attrs: Vec::new(),
            });
            continue;
        }
        if let Some(e) = cur.as_mut() {
            e.attrs.push((name, value));
        }
    }
    if let Some(e) = cur.take() {
        out.entries.push(e);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The ldap-server executable
// ---------------------------------------------------------------------------------------------

/// `target/<profile>/ldap-server`, found next to this test binary (`target/<profile>/deps/..`).
/// `.ci/run` builds it with `cargo build -p ldap-server` before the tests run.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("test binary directory").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("ldap-server");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first with `cargo build -p ldap-server` (same profile as the tests)",
        bin.display()
    );
    bin
}

/// `target/<profile>/adpki`, built by `cargo build --workspace --bins`.
pub fn adpki_binary() -> PathBuf {
    let bin = server_binary().with_file_name("adpki");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first with `cargo build --workspace --bins`",
        bin.display()
    );
    bin
}

/// Runs `ldap-server <args>` to completion with a timeout (for `export` and failing `serve`).
pub async fn run_server_cli(args: &[&str]) -> ToolOutput {
    let bin = server_binary();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    run_tool(bin.to_str().expect("utf-8 path"), &args).await
}

/// A `ldap-server serve` child process whose first stdout line (the bound address) has been read.
pub struct CliServer {
    pub child: tokio::process::Child,
    pub addr: SocketAddr,
    /// The first stdout line exactly as printed.
    pub first_line: String,
}

impl CliServer {
    /// Spawns `ldap-server serve --domain example.test --listen 127.0.0.1:0 --admin-password … <extra>`
    /// and waits (bounded) for the address line.
    pub async fn spawn(extra: &[&str]) -> CliServer {
        let bin = server_binary();
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.args([
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
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn ldap-server serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first_line = match tokio::time::timeout(WAIT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => {
                let status = child.wait().await;
                let mut err = String::new();
                if let Some(mut se) = child.stderr.take() {
                    use tokio::io::AsyncReadExt;
                    let _ = se.read_to_string(&mut err).await;
                }
                panic!("ldap-server serve closed stdout without printing an address ({status:?}); stderr:\n{err}");
            }
            Ok(Err(e)) => panic!("reading ldap-server stdout: {e}"),
            Err(_) => panic!("ldap-server serve printed no address within {WAIT:?}"),
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let addr: SocketAddr = first_line.trim().parse().unwrap_or_else(|e| {
            panic!("first stdout line {first_line:?} is not an IP:PORT address: {e}")
        });
        CliServer {
            child,
            addr,
            first_line,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("child still running")
    }

    /// Sends SIGTERM with the `kill` command.
    pub async fn sigterm(&self) {
        let pid = self.pid().to_string();
        let out = run_tool("kill", &["-TERM".to_string(), pid]).await;
        assert_eq!(out.code, 0, "kill -TERM failed: {out}");
    }

    /// Waits (bounded by `limit`) for the process to exit and returns its exit status.
    pub async fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("ldap-server did not exit within {limit:?}"))
            .expect("wait for ldap-server")
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

/// Groups `(name, values)` pairs for quick lookups in assertions.
pub fn to_map(entry: &LdifEntry) -> HashMap<String, Vec<Vec<u8>>> {
    let mut m: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for (n, v) in &entry.attrs {
        m.entry(n.clone()).or_default().push(v.clone());
    }
    m
}
