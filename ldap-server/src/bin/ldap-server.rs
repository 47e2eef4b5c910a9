//! `ldap-server`: run a mock Active Directory domain controller, or export one as LDIF.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use certsrv::{Behaviour as CertsrvBehaviour, CaGeneration, Config as CertsrvConfig};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ldap_server::{Server, ServerBuilder};

/// mimalloc rather than glibc's malloc: a phone boot allocates about 30 small blocks (about 140
/// over LDAPS: rustls's handshake), and glibc's bins and their consolidation were about 8 % of the
/// server's CPU per boot. Paired boot runs (issue #13): 3 to 6 % less server CPU per boot,
/// at the price of 13 to 15 % more peak memory for a large directory. Only the binary: a program
/// that embeds the library keeps its own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ldap-server",
    version,
    about = "A mock Active Directory domain controller over real LDAP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Access-log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

// Parsed once per process: the size of the biggest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve LDAP until Ctrl-C or SIGTERM. The first stdout line is the bound address.
    Serve {
        #[command(flatten)]
        forest: ForestArgs,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:3890")]
        listen: SocketAddr,
        /// Close connections idle this many seconds (AD's MaxConnIdleTime).
        #[arg(long, default_value_t = 900)]
        idle_timeout: u64,
        /// Answer a search still running after this many seconds with timeLimitExceeded (AD's
        /// MaxQueryDuration)
        #[arg(long, default_value_t = 120)]
        max_query_duration: u64,
        /// Refuse connections beyond this many (AD's MaxConnections).
        #[arg(long, default_value_t = 5000)]
        max_connections: usize,
        /// Largest LDAP message accepted, in bytes.
        #[arg(long, default_value_t = 16 * 1024 * 1024)]
        max_message_size: usize,
        /// Keep the directory here (snapshot + fsynced journal): acknowledged writes survive a crash,
        /// and a restart serves the same tree. `--ldif` files apply only when the directory is new.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Also serve a Global Catalog port (AD's 3268; port 0 picks one, printed after the address).
        #[arg(long)]
        gc_listen: Option<SocketAddr>,
        /// Also serve AD CS Web Enrollment at http://ADDR/certsrv/ (port 0 picks one; printed as
        /// "# Web Enrollment on http://…/certsrv/").
        #[arg(long, value_name = "ADDR")]
        certsrv_listen: Option<SocketAddr>,
        /// Also serve Web Enrollment over HTTPS at https://ADDR/certsrv/ with the DC's certificate
        /// (same CA files and behaviour; there `https-required` is satisfied).
        #[arg(long, value_name = "ADDR")]
        certsrv_https_listen: Option<SocketAddr>,
        /// One CA certificate file per renewal, in renewal order (the first is renewal 0): PEM whose
        /// first certificate is the CA's and the rest its chain, or DER of one certificate. Without
        /// any, /certsrv serves the cACertificate of the directory's enrollment service.
        #[arg(long = "certsrv-ca", value_name = "FILE")]
        certsrv_ca: Vec<PathBuf>,
        /// How /certsrv behaves: anonymous (default), basic (Basic and Windows Authentication),
        /// windows (Windows Authentication only, AD CS's default), not-installed, https-required,
        /// slow:MS, silent, wrong-content:html|garbage|empty|pem-garbage.
        #[arg(long, value_name = "NAME")]
        certsrv_behaviour: Option<CertsrvBehaviour>,
        #[command(flatten)]
        tls: TlsArgs,
    },
    /// Build the forest and load the LDIF files, report what was loaded, and exit (a dry run).
    Check {
        #[command(flatten)]
        forest: ForestArgs,
    },
    /// Build the forest, load the LDIF files, and write the whole tree as LDIF.
    Export {
        #[command(flatten)]
        forest: ForestArgs,
        /// Output file ("-" for stdout).
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
}

/// The DC's TLS and signing policy (domain.md §I).
#[derive(Args)]
struct TlsArgs {
    /// Also serve LDAPS (AD's 636) here; port 0 picks one ("# LDAPS on …").
    #[arg(long, value_name = "ADDR")]
    ldaps_listen: Option<SocketAddr>,
    /// Also serve the Global Catalog over TLS (AD's 3269) here.
    #[arg(long, value_name = "ADDR")]
    gc_ldaps_listen: Option<SocketAddr>,
    /// The DC's certificate chain (PEM, leaf first). Default: one issued at start by a CA of the
    /// forest, as AD auto-enrolls its Domain Controller certificate.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "no_tls_certificate"
    )]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, RSA or EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A DC without a certificate: StartTLS answers 52, LDAPS drops the handshake.
    #[arg(long)]
    no_tls_certificate: bool,
    /// A name the issued certificate carries besides the DC's dNSHostName (repeatable; an IP
    /// address becomes an IP SAN, e.g. 127.0.0.1 for clients that connect by address).
    #[arg(long = "tls-name", value_name = "NAME")]
    tls_names: Vec<String>,
    /// Write the CA that issued the DC's certificate here (PEM), for clients to trust.
    #[arg(long, value_name = "FILE")]
    tls_ca_out: Option<PathBuf>,
    /// LDAPServerIntegrity: `require` refuses simple binds without TLS (8, AD's 00002028 text).
    #[arg(long, value_name = "POLICY", default_value = "none")]
    ldap_signing: ldap_server::SigningPolicy,
    /// LdapEnforceChannelBinding for NTLM over TLS: never (default), when-supported, always.
    #[arg(long, value_name = "POLICY", default_value = "never")]
    channel_binding: ldap_server::ChannelBinding,
}

impl TlsArgs {
    fn apply(&self, mut builder: ServerBuilder) -> ServerBuilder {
        if let Some(addr) = self.ldaps_listen {
            builder = builder.ldaps_listen(addr);
        }
        if let Some(addr) = self.gc_ldaps_listen {
            builder = builder.global_catalog_ldaps_listen(addr);
        }
        if self.no_tls_certificate {
            builder = builder.dc_certificate(ldap_server::DcCertificate::Absent);
        } else if let (Some(certificate), Some(key)) = (&self.tls_cert, &self.tls_key) {
            builder = builder.dc_certificate(ldap_server::DcCertificate::Files {
                certificate: certificate.clone(),
                key: key.clone(),
            });
        }
        for name in &self.tls_names {
            builder = builder.tls_name(name);
        }
        builder
            .ldap_signing(self.ldap_signing)
            .channel_binding(self.channel_binding)
    }
}

#[derive(Args)]
struct ForestArgs {
    /// DNS name of the forest root domain.
    #[arg(long, default_value = "example.test")]
    domain: String,
    /// Password of CN=Administrator,CN=Users (an Enterprise Admin).
    #[arg(long)]
    admin_password: Option<String>,
    /// LDIF file to load at start (repeatable, applied in order).
    #[arg(long = "ldif")]
    ldif: Vec<PathBuf>,
    /// Create CN=NTAuthCertificates at start (Samba does not; enterprise CA installs do).
    #[arg(long)]
    ntauth: bool,
    /// Let anonymous clients search (dSHeuristics fLDAPBlockAnonOps off); PKI objects stay hidden.
    #[arg(long)]
    allow_anonymous: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

impl ForestArgs {
    fn builder(&self) -> ServerBuilder {
        let mut builder = Server::builder(&self.domain)
            .ntauth(self.ntauth)
            .allow_anonymous_reads(self.allow_anonymous);
        if let Some(password) = &self.admin_password {
            builder = builder.admin_password(password);
        }
        for path in &self.ldif {
            builder = builder.ldif_file(path);
        }
        builder
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a terminal: escape codes are noise in a log file or pipe, and painting
    // every field name was a fifth of the access log's cost.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_timer(ldap_server::LogTime)
        .with_writer(std::io::stderr);
    match format {
        // The same text either way; without colours, written for less.
        LogFormat::Text if !ansi => builder.fmt_fields(ldap_server::LogFields).init(),
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ldap-server: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> Result<(), ldap_server::Error> {
    match command {
        Command::Serve {
            forest,
            listen,
            idle_timeout,
            max_query_duration,
            max_connections,
            max_message_size,
            data,
            gc_listen,
            certsrv_listen,
            certsrv_https_listen,
            certsrv_ca,
            certsrv_behaviour,
            tls,
        } => {
            let builder = forest.builder();
            let builder = tls
                .apply(builder)
                .listen(listen)
                .idle_timeout(std::time::Duration::from_secs(idle_timeout))
                .max_query_duration(std::time::Duration::from_secs(max_query_duration))
                .max_connections(max_connections)
                .max_message_size(max_message_size);
            let builder = match data {
                Some(dir) => builder.data_dir(dir),
                None => builder,
            };
            let builder = match gc_listen {
                Some(addr) => builder.global_catalog_listen(addr),
                None => builder,
            };
            let no_certsrv = certsrv_listen.is_none() && certsrv_https_listen.is_none();
            if no_certsrv && (!certsrv_ca.is_empty() || certsrv_behaviour.is_some()) {
                return Err(ldap_server::Error::Config(
                    "--certsrv-ca and --certsrv-behaviour need --certsrv-listen or --certsrv-https-listen".into(),
                ));
            }
            let mut config = CertsrvConfig::new().behaviour(certsrv_behaviour.unwrap_or_default());
            for path in &certsrv_ca {
                config.generations.push(CaGeneration::from_file(path)?);
            }
            let builder = match certsrv_listen {
                Some(addr) => builder.certsrv(addr, config.clone()),
                None => builder,
            };
            let builder = match certsrv_https_listen {
                Some(addr) => builder.certsrv_https(addr, config),
                None => builder,
            };
            let server = builder.start().await?;
            let names = server.forest();
            // First line: the bound address, for scripts. The rest: how to use it.
            println!("{}", server.local_addr());
            if let Some(gc) = server.global_catalog_addr() {
                println!("# Global Catalog on {gc}");
            }
            if let Some(ldaps) = server.ldaps_addr() {
                println!("# LDAPS on ldaps://{ldaps}");
            }
            if let Some(gc) = server.global_catalog_ldaps_addr() {
                println!("# Global Catalog over TLS on ldaps://{gc}");
            }
            match (server.dc_ca_pem(), &tls.tls_ca_out) {
                (Some(pem), Some(path)) => {
                    std::fs::write(path, pem).map_err(|source| ldap_server::Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                    println!(
                        "# the DC's certificate was issued by the CA in {}",
                        path.display()
                    );
                }
                (None, Some(path)) => {
                    eprintln!("ldap-server: --tls-ca-out {}: the DC's certificate was not issued here (it came from --tls-cert, or there is none); nothing written", path.display());
                }
                _ => {}
            }
            if let Some(https) = server.certsrv_https_addr() {
                println!("# Web Enrollment over HTTPS on https://{https}/certsrv/ (the DC's certificate)");
            }
            if !server.has_tls() {
                println!("# no DC certificate: StartTLS answers 52, LDAPS drops the handshake");
            }
            if let Some(certsrv) = server.certsrv_addr() {
                println!(
                    "# Web Enrollment on http://{certsrv}/certsrv/ (behaviour {}, CA certificates {})",
                    certsrv_behaviour.unwrap_or_default(),
                    if certsrv_ca.is_empty() {
                        "from the directory".to_string()
                    } else {
                        format!("from {} file(s)", certsrv_ca.len())
                    }
                );
            }
            println!(
                "# domain {} ({}), base {}",
                names.domain, names.netbios, names.domain_dn
            );
            println!(
                "# bind as {} or Administrator@{} or {}\\Administrator",
                names.administrator_dn(),
                names.domain,
                names.netbios
            );
            match &forest.admin_password {
                Some(_) => println!("# password: as given with --admin-password"),
                None => println!(
                    "# password: {} (default; set --admin-password)",
                    ldap_server::DEFAULT_ADMIN_PASSWORD
                ),
            }
            println!("# try: ldapsearch -x -H {} -D 'Administrator@{}' -w '...' -b '{}' '(objectCategory=certificationAuthority)' cACertificate", server.url(), names.domain, names.configuration_dn);
            use std::io::Write;
            let _ = std::io::stdout().flush();
            wait_for_signal().await;
            tracing::info!("shutting down");
            server.shutdown().await;
            Ok(())
        }
        Command::Check { forest } => {
            let started = std::time::Instant::now();
            let (names, directory) = forest.builder().build_directory()?;
            println!(
                "{}: {} objects, highestCommittedUSN {}, built in {:.2} s",
                names.domain,
                directory.len(),
                directory.highest_usn(),
                started.elapsed().as_secs_f64()
            );
            // The process ends here; freeing a million entries one by one would only add seconds.
            std::mem::forget(directory);
            Ok(())
        }
        Command::Export { forest, out } => {
            let (_, directory) = forest.builder().build_directory()?;
            let text = ldap_server::export_ldif(&directory);
            if out.as_os_str() == "-" {
                print!("{text}");
            } else {
                std::fs::write(&out, text).map_err(|source| ldap_server::Error::Io {
                    path: out.clone(),
                    source,
                })?;
            }
            Ok(())
        }
    }
}

async fn wait_for_signal() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
