//! Load generator for the issue #2 benchmark: the phone's query at N connections, and whole phone
//! boots (connect, bind, search, unbind) on new connections. Works against any LDAP server, so the
//! same numbers are taken for `ldap-server` and for OpenLDAP slapd in one run (see `bench/run.sh`).
//!
//! ```text
//! cargo run --release -p ldap-server --example load -- --url ldap://127.0.0.1:3890 \
//!     --bind 'Administrator@example.test' --password 'Passw0rd!' \
//!     --base 'CN=Configuration,DC=example,DC=test' --filter '(objectCategory=certificationAuthority)' \
//!     --attribute cACertificate --connections 64 --seconds 5 --mode search
//! ```

// A benchmark's load generator, not part of the server: a bad flag or a refused bind must stop
// the measurement at once and loudly, which is what these do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, LdapConnSettings, Scope};

struct Options {
    url: String,
    bind: String,
    password: String,
    base: String,
    filter: String,
    attribute: String,
    connections: usize,
    seconds: u64,
    boot: bool,
    /// `--mode add`: acknowledged adds (a container under `--base` each), for `--data`'s group
    /// commit.
    add: bool,
    label: String,
    /// `raw`: pre-encoded requests and length-framed replies, so the client spends almost no CPU
    /// and the server's speed shows; `ldap3`: a full client library, like real applications.
    raw: bool,
    /// `--ca-file PEM`: trust these roots for `ldaps://` URLs (ldap3 client only).
    tls: Option<Arc<rustls::ClientConfig>>,
    /// `--tls-sessions cold`: no TLS session resumption, so every boot is a full handshake. That
    /// is a storm after a power cut: a phone keeps no session across a reboot. The default,
    /// `resume`, is the rustls client's (up to 8 tickets kept per server).
    cold: bool,
    /// `--server-pid PID`: also print the server's CPU time per operation, read from
    /// /proc/PID/stat over the measured window (the server's own cost, whatever the client's).
    server_pid: Option<u32>,
}

impl Options {
    fn settings(&self) -> LdapConnSettings {
        match &self.tls {
            Some(config) => LdapConnSettings::new().set_config(config.clone()),
            None => LdapConnSettings::new(),
        }
    }
}

/// rustls trusting exactly the PEM roots in `path`.
fn client_config(path: &str, cold: bool) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls::pki_types::CertificateDer::pem_file_iter(path).expect("--ca-file") {
        roots.add(certificate.expect("PEM")).expect("root");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    if cold {
        config.resumption = rustls::client::Resumption::disabled();
    }
    Arc::new(config)
}

/// The process's user+system CPU time so far, from /proc/PID/stat.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("server's /proc stat");
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    let per_second: u64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100);
    Duration::from_secs_f64(ticks as f64 / per_second as f64)
}

fn parse() -> Options {
    let mut options = Options {
        url: "ldap://127.0.0.1:3890".into(),
        bind: "Administrator@example.test".into(),
        password: "Passw0rd!".into(),
        base: "CN=Configuration,DC=example,DC=test".into(),
        filter: "(objectCategory=certificationAuthority)".into(),
        attribute: "cACertificate".into(),
        connections: 1,
        seconds: 5,
        boot: false,
        add: false,
        label: "server".into(),
        raw: false,
        tls: None,
        cold: false,
        server_pid: None,
    };
    let mut ca_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--url" => options.url = value(),
            "--bind" => options.bind = value(),
            "--password" => options.password = value(),
            "--base" => options.base = value(),
            "--filter" => options.filter = value(),
            "--attribute" => options.attribute = value(),
            "--connections" => options.connections = value().parse().expect("--connections N"),
            "--seconds" => options.seconds = value().parse().expect("--seconds N"),
            "--mode" => {
                let mode = value();
                options.boot = mode == "boot";
                options.add = mode == "add";
            }
            "--label" => options.label = value(),
            "--client" => options.raw = value() == "raw",
            "--ca-file" => ca_file = Some(value()),
            "--tls-sessions" => {
                options.cold = match value().as_str() {
                    "cold" => true,
                    "resume" => false,
                    other => panic!("--tls-sessions cold|resume, not {other}"),
                }
            }
            "--server-pid" => options.server_pid = Some(value().parse().expect("--server-pid PID")),
            other => panic!("unknown flag {other}"),
        }
    }
    options.tls = ca_file.map(|path| client_config(&path, options.cold));
    options
}

#[tokio::main]
async fn main() {
    let options = Arc::new(parse());
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let entries = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..options.connections {
        let (options, done, count, entries, errors) = (
            options.clone(),
            done.clone(),
            count.clone(),
            entries.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            if options.raw {
                raw::run(&options, &done, &count, &entries, &errors).await;
            } else if options.add {
                adds(&options, &done, &count, &errors).await;
            } else if options.boot {
                while !done.load(Ordering::Relaxed) {
                    match boot(&options).await {
                        Ok(found) => {
                            count.fetch_add(1, Ordering::Relaxed);
                            entries.fetch_add(found, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            } else {
                let (connection, mut ldap) =
                    LdapConnAsync::with_settings(options.settings(), &options.url)
                        .await
                        .expect("connect");
                ldap3::drive!(connection);
                ldap.simple_bind(&options.bind, &options.password)
                    .await
                    .expect("bind")
                    .success()
                    .expect("bind ok");
                while !done.load(Ordering::Relaxed) {
                    match ldap
                        .search(
                            &options.base,
                            Scope::Subtree,
                            &options.filter,
                            vec![options.attribute.as_str()],
                        )
                        .await
                        .and_then(|r| r.success())
                    {
                        Ok((found, _)) => {
                            count.fetch_add(1, Ordering::Relaxed);
                            entries.fetch_add(found.len() as u64, Ordering::Relaxed);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                let _ = ldap.unbind().await;
            }
        }));
    }
    // One second of warm-up, then the measured window.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start_count = count.load(Ordering::Relaxed);
    let start_entries = entries.load(Ordering::Relaxed);
    let start_cpu = options.server_pid.map(cpu_time);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    let operations = count.load(Ordering::Relaxed) - start_count;
    let server_cpu = options
        .server_pid
        .map(cpu_time)
        .zip(start_cpu)
        .map(|(end, start)| end.saturating_sub(start));
    let found = entries.load(Ordering::Relaxed) - start_entries;
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let per_op = if operations > 0 {
        found as f64 / operations as f64
    } else {
        0.0
    };
    println!(
        "{:<10} {:<6} {:<5} connections={:<3} {:>9.0} ops/s  ({} ops in {:.1}s, {:.1} entries/op, {} errors)",
        options.label,
        if options.boot { "boot" } else { "search" },
        match (options.raw, options.cold && options.tls.is_some()) {
            (true, _) => "raw",
            (false, false) => "ldap3",
            (false, true) => "ldap3, no TLS resumption",
        },
        options.connections,
        operations as f64 / elapsed,
        operations,
        elapsed,
        per_op,
        errors.load(Ordering::Relaxed)
    );
    if let Some(cpu) = server_cpu {
        println!(
            "{:<10} server CPU {:.1} µs/op ({:.2} s over {} ops)",
            options.label,
            cpu.as_secs_f64() * 1e6 / operations.max(1) as f64,
            cpu.as_secs_f64(),
            operations
        );
    }
}

/// A phone boot: new connection, bind, the certificate search, unbind.
/// Adds containers under `--base` one after another on one connection until `done`.
async fn adds(options: &Options, done: &AtomicBool, count: &AtomicU64, errors: &AtomicU64) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (connection, mut ldap) = LdapConnAsync::with_settings(options.settings(), &options.url)
        .await
        .expect("connect");
    ldap3::drive!(connection);
    ldap.simple_bind(&options.bind, &options.password)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");
    while !done.load(Ordering::Relaxed) {
        let name = format!("load-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let dn = format!("CN={name},{}", options.base);
        let added = ldap
            .add(
                &dn,
                vec![
                    (
                        "objectClass",
                        std::collections::HashSet::from(["container"]),
                    ),
                    ("cn", std::collections::HashSet::from([name.as_str()])),
                ],
            )
            .await
            .and_then(|result| result.success());
        match added {
            Ok(_) => count.fetch_add(1, Ordering::Relaxed),
            Err(_) => errors.fetch_add(1, Ordering::Relaxed),
        };
    }
    let _ = ldap.unbind().await;
}

async fn boot(options: &Options) -> ldap3::result::Result<u64> {
    let (connection, mut ldap) =
        LdapConnAsync::with_settings(options.settings(), &options.url).await?;
    ldap3::drive!(connection);
    ldap.simple_bind(&options.bind, &options.password)
        .await?
        .success()?;
    let (found, _) = ldap
        .search(
            &options.base,
            Scope::Subtree,
            &options.filter,
            vec![options.attribute.as_str()],
        )
        .await?
        .success()?;
    ldap.unbind().await?;
    Ok(found.len() as u64)
}

/// A minimal client: requests encoded once with rasn-ldap, replies cut by their BER length and
/// told apart by their protocol-op tag only.
mod raw {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use rasn_ldap::{
        AttributeValueAssertion, AuthenticationChoice, BindRequest, Filter, LdapMessage,
        ProtocolOp, SearchRequest, SearchRequestDerefAliases, SearchRequestScope, UnbindRequest,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::Options;

    const BIND_RESPONSE: u8 = 0x61;
    const SEARCH_ENTRY: u8 = 0x64;
    const SEARCH_DONE: u8 = 0x65;

    pub async fn run(
        options: &Options,
        done: &AtomicBool,
        count: &AtomicU64,
        entries: &AtomicU64,
        errors: &AtomicU64,
    ) {
        let address = options.url.trim_start_matches("ldap://").to_string();
        let bind = encode(
            1,
            ProtocolOp::BindRequest(BindRequest::new(
                3,
                options.bind.as_str().into(),
                AuthenticationChoice::Simple(options.password.as_bytes().to_vec().into()),
            )),
        );
        let (attribute, value) = parse_equality(&options.filter);
        let search = encode(
            2,
            ProtocolOp::SearchRequest(SearchRequest::new(
                options.base.as_str().into(),
                SearchRequestScope::WholeSubtree,
                SearchRequestDerefAliases::NeverDerefAliases,
                0,
                0,
                false,
                Filter::EqualityMatch(AttributeValueAssertion::new(
                    attribute.as_str().into(),
                    value.into_bytes().into(),
                )),
                vec![options.attribute.as_str().into()],
            )),
        );
        let unbind = encode(3, ProtocolOp::UnbindRequest(UnbindRequest));
        let mut reader = Reader::default();
        let mut stream: Option<TcpStream> = None;
        while !done.load(Ordering::Relaxed) {
            let outcome: std::io::Result<u64> = async {
                let connection = match stream.as_mut() {
                    Some(connection) => connection,
                    None => {
                        let mut connection = TcpStream::connect(&address).await?;
                        connection.set_nodelay(true)?;
                        connection.write_all(&bind).await?;
                        reader.until(&mut connection, BIND_RESPONSE).await?;
                        stream.insert(connection)
                    }
                };
                connection.write_all(&search).await?;
                let found = reader.until(connection, SEARCH_DONE).await?;
                if options.boot {
                    connection.write_all(&unbind).await?;
                    stream = None;
                    reader = Reader::default();
                }
                Ok(found)
            }
            .await;
            match outcome {
                Ok(found) => {
                    count.fetch_add(1, Ordering::Relaxed);
                    entries.fetch_add(found, Ordering::Relaxed);
                }
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    stream = None;
                    reader = Reader::default();
                }
            }
        }
    }

    fn encode(id: u32, op: ProtocolOp) -> Vec<u8> {
        rasn::ber::encode(&LdapMessage::new(id, op)).expect("encodable request")
    }

    /// `(attr=value)` only: the benchmark's filters are single equalities.
    fn parse_equality(filter: &str) -> (String, String) {
        let inner = filter.trim().trim_start_matches('(').trim_end_matches(')');
        let (attribute, value) = inner.split_once('=').expect("an (attr=value) filter");
        (attribute.to_string(), value.to_string())
    }

    #[derive(Default)]
    struct Reader {
        buffer: Vec<u8>,
    }

    impl Reader {
        /// Reads replies until one with `op_tag`; returns how many search entries came before it.
        async fn until(&mut self, stream: &mut TcpStream, op_tag: u8) -> std::io::Result<u64> {
            let mut entries = 0;
            loop {
                while let Some((length, tag)) = frame(&self.buffer) {
                    self.buffer.drain(..length);
                    if tag == SEARCH_ENTRY {
                        entries += 1;
                    }
                    if tag == op_tag {
                        return Ok(entries);
                    }
                }
                let mut chunk = [0u8; 16384];
                let read = stream.read(&mut chunk).await?;
                if read == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                self.buffer.extend_from_slice(&chunk[..read]);
            }
        }
    }

    /// A complete message at the front: its total length and protocol-op tag.
    fn frame(buffer: &[u8]) -> Option<(usize, u8)> {
        let (header, length) = length(buffer.get(1..)?)?;
        let total = 1 + header + length;
        if buffer.len() < total {
            return None;
        }
        // SEQUENCE { INTEGER messageID, protocolOp ... }
        let body = &buffer[1 + header..];
        let id_length = *body.get(1)? as usize;
        Some((total, *body.get(2 + id_length)?))
    }

    fn length(bytes: &[u8]) -> Option<(usize, usize)> {
        let first = *bytes.first()?;
        if first < 0x80 {
            return Some((1, first as usize));
        }
        let count = (first & 0x7f) as usize;
        let value = bytes
            .get(1..=count)?
            .iter()
            .fold(0usize, |acc, &byte| (acc << 8) | byte as usize);
        Some((1 + count, value))
    }
}
