//! `adpki`: publish certificates and CRLs into a directory like `certutil -dspublish`, and audit
//! what a phone would see there.
//!
//! ```text
//! adpki publish CERTFILE [TYPE] --url ldap://HOST:PORT --user U --password P [-f] [--dry-run] ...
//! adpki audit --dc HOST[:PORT] --user U --password P [--registrar-chain FILE --registrar-name FQDN] ...
//! adpki trust-store (--dc HOST[:PORT] --user U --password P | --ldif FILE) --out DIR [--format pem|der]
//! adpki request REQ.csr --template NAME --ca HOST[:PORT] --user U --password P [--out FILE]
//! adpki san-check --cert FILE (--name FQDN | --pool FQDN)... [--sip-domain DOMAIN]
//! ```
//! `audit` exits 0 when the phone would sign in (or no registrar chain was given), 1 when it would
//! not, 2 on usage or connection errors.
//! Exit code 0: published (or the dry run printed its LDIF); 1: refused or failed (the LDAP code
//! and the server's diagnostic text are shown); 2: usage, or an unreadable input file.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use adpki::publish::{self, DirectoryProfile, Error, PublishType, Request, Settings};
use adpki::transport::{Choice, LdapTls};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// `--dc`/`--ldif` and the bind, shared by `audit` and `trust-store`.
#[path = "adpki/directory_args.rs"]
mod directory_args;
/// `request`.
#[path = "adpki/request.rs"]
mod request;
/// `san-check` (beside this file, so Cargo does not take it for a binary of its own).
#[path = "adpki/san_check.rs"]
mod san_check;
/// `trust-store`.
#[path = "adpki/trust_store.rs"]
mod trust_store;
use phone_client::ldap::{DcTrust, LdapBind, LdapTarget};
use phone_client::locate::{host_of, resolve_host};

#[derive(Parser)]
#[command(
    name = "adpki",
    version,
    about = "Active Directory PKI objects for any LDAP directory"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Publish a certificate or CRL, as `certutil [-f] -dspublish CERTFILE TYPE` does.
    Publish(PublishArgs),
    /// List the PKI objects a phone would look at (like pkiview) and, given the registrar's
    /// chain, say whether a phone would sign in, and if not, why and what would fix it.
    Audit(AuditArgs),
    /// Check that a certificate covers every name its clients ask for (subjectAltName, with the
    /// wildcard rules TLS clients apply), e.g. a reverse proxy's listener for several pools.
    SanCheck(san_check::SanCheckArgs),
    /// Write what a phone with this profile would install (from the directory, or failing that
    /// web enrollment) as files for MCUs, SBCs and gateways: one per certificate and a bundle.
    TrustStore(trust_store::TrustStoreArgs),
    /// Request a certificate from an enterprise CA's web enrollment, as
    /// `certreq -submit -attrib "CertificateTemplate: NAME"` does, and write it.
    Request(request::RequestArgs),
}

#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    directory: directory_args::DirectoryArgs,
    /// The registrar's certificate chain, leaf first: PEM (one or more blocks), DER, or PKCS#7.
    #[arg(long, requires = "registrar_name", conflicts_with = "registrar")]
    registrar_chain: Option<std::path::PathBuf>,
    /// Fetch the chain from the live registrar instead: `FQDN[:PORT]` (default port 5061; the FQDN
    /// maps through --resolve unless it is an IP address).
    #[arg(long)]
    registrar: Option<String>,
    /// The registrar's FQDN, which its certificate must name (default: the --registrar host).
    #[arg(long)]
    registrar_name: Option<String>,
    /// Firmware profile: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, or a TOML file.
    #[arg(long, default_value = "cpe-2007r2")]
    profile: String,
    /// GET each enrollment service's certnew.p7b (and use it for the verdict, as the phone would).
    #[arg(long)]
    probe_web: bool,
    /// text, json, or html (one self-contained page shaped like pkiview).
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    format: AuditFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditFormat {
    Text,
    Json,
    Html,
}

#[derive(Args)]
struct PublishArgs {
    /// The certificate (or, for type crl, the CRL): DER or PEM.
    certfile: std::path::PathBuf,
    /// RootCA, SubCA, NTAuthCA, CrossCA, KRA or crl (any letter case); a CRL file may omit it.
    #[arg(value_name = "TYPE", value_parser = parse_type)]
    kind: Option<PublishType>,
    /// The directory, `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]` (HOST an IP address or a
    /// --resolve name; ldaps:// is --ldap-tls ldaps, default port 636).
    #[arg(long, conflicts_with_all = ["host", "port"])]
    url: Option<String>,
    /// The directory's host (an IP address or a --resolve name), instead of --url.
    #[arg(long)]
    host: Option<String>,
    /// The directory's port with --host (default 389, 636 with --ldap-tls ldaps).
    #[arg(long)]
    port: Option<u16>,
    /// auto (StartTLS when the DC's rootDSE advertises it and --ca-file is given, else plain
    /// LDAP), none, starttls, or ldaps (port 636).
    #[arg(long, value_enum, default_value_t = LdapTls::Auto, value_name = "auto|none|starttls|ldaps")]
    ldap_tls: LdapTls,
    /// PEM file with the roots the DC's certificate must chain to (nothing else is trusted);
    /// the certificate must name the directory's host (or its IP when that is an IP address).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<std::path::PathBuf>,
    /// The bind name: `DOMAIN\user`, a UPN or a DN. Without it nothing is bound (anonymous).
    #[arg(long)]
    user: Option<String>,
    /// simple, or ntlm (GSS-SPNEGO NTLMv2 with `DOMAIN\user` or a UPN; with the channel binding
    /// over TLS; no signing or sealing, so a DC that requires signing needs --ldap-tls).
    #[arg(long, value_enum, default_value_t = LdapBind::Simple, value_name = "simple|ntlm")]
    bind: LdapBind,
    #[arg(long, default_value = "")]
    password: String,
    /// `HOST=ADDR:PORT` (repeatable): how names map to addresses. Nothing else is resolved.
    #[arg(long = "resolve", value_name = "HOST=ADDR:PORT")]
    resolve: Vec<String>,
    /// Create the target object (and a missing CDP container) as certutil's -f does.
    #[arg(short = 'f', long = "force-create")]
    force_create: bool,
    /// Print the LDIF that would be applied; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// CRLs: the CDP container's CN (certutil's DSCDPContainer, usually the CA host's short name).
    #[arg(long, value_name = "NAME")]
    cdp_container: Option<String>,
    /// CRLs: the CDP object's CN (certutil's DSCDPCN); default: the CRL issuer's CN.
    #[arg(long, value_name = "NAME")]
    cdp_cn: Option<String>,
    /// ad: Active Directory's classes under Public Key Services; rfc: OpenLDAP-style
    /// applicationProcess + pkiCA with `;binary` attributes, directly under --base.
    #[arg(long, default_value = "ad", value_parser = parse_profile)]
    profile: DirectoryProfile,
    /// ad: use this instead of the rootDSE's configurationNamingContext; rfc (required): the
    /// container that holds the object.
    #[arg(long, value_name = "DN")]
    base: Option<String>,
    /// Seconds to wait for the directory.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_type(text: &str) -> Result<PublishType, String> {
    PublishType::parse(text).ok_or_else(|| {
        format!("{text:?} is not one of RootCA, SubCA, NTAuthCA, CrossCA, KRA, crl (User and Machine are not supported)")
    })
}

fn parse_profile(text: &str) -> Result<DirectoryProfile, String> {
    DirectoryProfile::parse(text).ok_or_else(|| format!("{text:?} is not ad or rfc"))
}

/// The directory from --url or --host/--port: its address (without the system resolver), the
/// name its certificate must carry, and the transport asked for (`ldaps://` means LDAPS).
fn directory(args: &PublishArgs) -> Result<(SocketAddr, String, LdapTls), String> {
    let resolve =
        phone_client::enroll::parse_resolve(&args.resolve).map_err(|error| error.to_string())?;
    let mut requested = args.ldap_tls;
    let host_port = match (&args.url, &args.host) {
        (Some(url), _) => {
            let lower = url.to_ascii_lowercase();
            let (scheme_length, ldaps) = if lower.starts_with("ldaps://") {
                (8, true)
            } else {
                (7, false)
            };
            if ldaps {
                match requested {
                    LdapTls::Auto | LdapTls::Ldaps => requested = LdapTls::Ldaps,
                    other => {
                        return Err(format!(
                            "--url {url} is LDAPS, but --ldap-tls says {}",
                            other
                                .to_possible_value()
                                .map(|value| value.get_name().to_string())
                                .unwrap_or_default()
                        ))
                    }
                }
            }
            let rest = url
                .get(scheme_length..)
                .filter(|_| ldaps || lower.starts_with("ldap://"))
                .ok_or_else(|| format!("--url {url:?}: expected ldap://HOST[:PORT]"))?;
            let rest = rest.split('/').next().unwrap_or("");
            if rest.is_empty() {
                return Err(format!("--url {url:?}: no host"));
            }
            rest.to_owned()
        }
        (None, Some(host)) => match args.port {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        },
        (None, None) => return Err("no directory: give --url ldap://HOST:PORT or --host".into()),
    };
    let address = resolve_host(&host_port, requested.default_port(), &resolve)
        .map_err(|error| error.to_string())?;
    Ok((address, host_of(&host_port).to_string(), requested))
}

fn settings(args: &PublishArgs, address: LdapTarget) -> Settings {
    Settings {
        address,
        user: args.user.clone(),
        bind: args.bind,
        password: args.password.clone(),
        base: args.base.clone(),
        request: Request {
            kind: args.kind,
            profile: args.profile,
            force_create: args.force_create,
            cdp_container: args.cdp_container.clone(),
            cdp_cn: args.cdp_cn.clone(),
        },
        dry_run: args.dry_run,
        timeout: Duration::from_secs(args.timeout.max(1)),
    }
}

/// The `--ca-file` roots, if given.
fn dc_trust(ca_file: Option<&std::path::Path>) -> Result<Option<DcTrust>, phone_client::Error> {
    ca_file.map(DcTrust::from_file).transpose()
}

fn fail(format: Format, error: &Error, choice: Option<&Choice>) -> ExitCode {
    let hint = match error {
        Error::SigningRequired(_) => choice.map(Choice::hint),
        _ => None,
    };
    if format == Format::Json {
        let mut body = serde_json::json!({
            "status": if error.exit_code() == 2 { "error" } else { "refused" },
            "error": error.kind(),
            "message": error.to_string(),
        });
        if let Error::Ldap { code, text, .. } = error {
            body["ldap_code"] = (*code).into();
            body["ldap_name"] = publish::result_name(*code).into();
            body["diagnostic"] = text.clone().into();
        }
        if let Some(hint) = &hint {
            body["hint"] = hint.clone().into();
        }
        println!("{body}");
    }
    eprintln!("adpki: {error}");
    if let Some(hint) = hint {
        eprintln!("adpki: {hint}");
    }
    ExitCode::from(error.exit_code())
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Publish(args) => run_publish(args).await,
        Command::Audit(args) => run_audit(args).await,
        Command::SanCheck(args) => san_check::run(args),
        Command::TrustStore(args) => trust_store::run(args).await,
        Command::Request(args) => request::run(args).await,
    }
}

async fn run_audit(args: AuditArgs) -> ExitCode {
    let usage = |message: String| {
        eprintln!("adpki audit: {message}");
        ExitCode::from(2)
    };
    let reached = match args.directory.reach().await {
        Ok(reached) => reached,
        Err(message) => return usage(message),
    };
    let resolve = reached.resolve.clone();
    let profile = match phone_client::profile::Profile::load(&args.profile) {
        Ok(profile) => profile,
        Err(error) => return usage(error.to_string()),
    };
    let registrar = match (&args.registrar_chain, &args.registrar_name) {
        (None, name) if args.registrar.is_some() => {
            let target = args.registrar.clone().unwrap_or_default();
            let host = match target.rsplit_once(':') {
                Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
                _ => target.clone(),
            };
            let address = match resolve_host(&target, phone_client::run::SIP_TLS_PORT, &resolve) {
                Ok(address) => address,
                Err(message) => return usage(message.to_string()),
            };
            let name = name.clone().unwrap_or(host);
            match phone_client::trust::read_presented_chain(address, &name, Duration::from_secs(10))
                .await
            {
                Ok(chain) => Some((name, chain)),
                Err(error) => return usage(error.to_string()),
            }
        }
        (Some(path), Some(name)) => {
            let bytes = match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(error) => return usage(format!("cannot read {}: {error}", path.display())),
            };
            match phone_client::enroll::decode_chain(&bytes) {
                Ok(chain) => Some((name.clone(), chain)),
                Err(error) => return usage(format!("{}: {error}", path.display())),
            }
        }
        _ => None,
    };
    let request = adpki::audit::AuditRequest {
        dc: reached.target.clone(),
        bind: reached.bind,
        user: reached.user.clone(),
        password: reached.password.clone(),
        profile,
        registrar,
        probe_web: args.probe_web,
        resolve,
    };
    let outcome = adpki::audit::audit(&request).await;
    let choice = reached.choice.clone();
    reached.close().await;
    match outcome {
        Ok(report) => {
            match args.format {
                AuditFormat::Text => print!("{}", adpki::audit::human(&report)),
                AuditFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                ),
                AuditFormat::Html => print!("{}", adpki::audit::html(&report)),
            }
            match report.phone {
                Some(phone) if !phone.would_sign_in => ExitCode::from(1),
                _ => ExitCode::SUCCESS,
            }
        }
        Err(message) => {
            eprintln!("adpki audit: {message}");
            if let (adpki::Error::Phone(error), Some(choice)) = (&message, &choice) {
                if error.code() == phone_client::ReasonCode::SigningRequired {
                    eprintln!("adpki audit: {}", choice.hint());
                }
            }
            ExitCode::from(2)
        }
    }
}

async fn run_publish(args: PublishArgs) -> ExitCode {
    let (address, name, requested) = match directory(&args) {
        Ok(found) => found,
        Err(message) => return fail(args.format, &Error::Usage(message), None),
    };
    let trust = match dc_trust(args.ca_file.as_deref()) {
        Ok(trust) => trust,
        Err(error) => return fail(args.format, &Error::Usage(error.to_string()), None),
    };
    let file = match std::fs::read(&args.certfile) {
        Ok(bytes) => bytes,
        Err(error) => {
            let message = format!("cannot read {}: {error}", args.certfile.display());
            return fail(args.format, &Error::Input(message), None);
        }
    };
    // Refuse what needs no network before `auto` reads the rootDSE.
    let offline = settings(&args, LdapTarget::plain(address));
    if let Err(error) = publish::check(&file, &offline) {
        return fail(args.format, &error, None);
    }
    let timeout = offline.timeout;
    let (target, choice) =
        match adpki::transport::target(requested, address, &name, trust, timeout).await {
            Ok(found) => found,
            Err(error) if error.code() == phone_client::ReasonCode::Usage => {
                return fail(args.format, &Error::Usage(error.to_string()), None)
            }
            Err(error) => return fail(args.format, &Error::Connect(error.to_string()), None),
        };
    let settings = Settings {
        address: target,
        ..offline
    };
    match publish::publish(&file, &settings).await {
        Ok(report) => {
            match args.format {
                Format::Text => print!("{}", report.human()),
                Format::Json => println!("{}", report.json()),
            }
            ExitCode::SUCCESS
        }
        Err(error) => fail(args.format, &error, Some(&choice)),
    }
}
