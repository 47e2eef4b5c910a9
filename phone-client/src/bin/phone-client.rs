//! `phone-client`: boot a simulated desk phone against a directory and a registrar.
//! Exit code 0: signed in; 1: the phone failed (the report says why); 2: usage or environment error.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use phone_client::ldap::DcTrust;
use phone_client::locate::Locator;
use phone_client::profile::{LdapBind, LdapTransport, Profile, SignInMethod};
use phone_client::run::Boot;

#[derive(Parser)]
#[command(
    name = "phone-client",
    version,
    about = "A desk phone's root-CA bootstrap from Active Directory, step by step"
)]
struct Cli {
    /// Sign-in name: `alice@example.test` (UPN) or `EXAMPLE\alice`; the extension for PIN sign-in.
    #[arg(long)]
    user: String,
    /// The password (directory sign-in).
    #[arg(long)]
    password: Option<String>,
    /// The PIN (PIN sign-in, e.g. `--profile lpe-2010-pin`): replaces the password.
    #[arg(long)]
    pin: Option<String>,
    /// The registrar (pool) FQDN the phone connects to, `FQDN[:PORT]` (default port 5061).
    /// Required for directory sign-in; PIN sign-in uses DHCP option 120 when it is absent.
    #[arg(long)]
    registrar: Option<String>,
    /// The domain controller, `HOST[:PORT]`; without it the phone asks DNS (`--dns`) for the DC-locator SRV record.
    #[arg(long)]
    dc: Option<String>,
    /// The DNS server the phone uses (DHCP option 6), `ADDR[:PORT]`.
    #[arg(long)]
    dns: Option<String>,
    /// DHCP option 15 (domain name), used with `DOMAIN\user` sign-ins.
    #[arg(long)]
    dhcp_domain: Option<String>,
    /// DHCP option 119 (domain search list), repeatable.
    #[arg(long)]
    dhcp_search: Vec<String>,
    /// DHCP option 43 for PIN sign-in: the Certificate Provisioning Service URL, e.g.
    /// `https://webpool.example.test:443/CertProv/CertProvisioningService.svc`.
    #[arg(long = "dhcp-option-43", value_name = "URL")]
    dhcp_option_43: Option<String>,
    /// DHCP option 120 for PIN sign-in: the registrar (pool), `FQDN[:PORT]`.
    #[arg(long = "dhcp-option-120", value_name = "FQDN")]
    dhcp_option_120: Option<String>,
    /// `HOST=ADDR:PORT`, like curl's: how names map to addresses (repeatable). Nothing else is resolved.
    #[arg(long = "resolve")]
    resolve: Vec<String>,
    /// Firmware profile: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, lpe-2010-pin, or a TOML file.
    #[arg(long, default_value = "cpe-2007r2")]
    profile: String,
    /// How the phone talks LDAP to the DC and the Global Catalog: none (plain LDAP, 389/3268),
    /// starttls (389/3268, StartTLS before the bind) or ldaps (636/3269). Default: the profile's
    /// `ldap_transport` (none in every built-in profile).
    #[arg(long, value_enum, value_name = "none|starttls|ldaps")]
    ldap_tls: Option<LdapTransport>,
    /// How the phone binds: simple, or ntlm (GSS-SPNEGO NTLMv2; `--user` as `DOMAIN\user` or a
    /// UPN; with the channel binding over TLS; no signing or sealing, so a DC that requires
    /// signing needs --ldap-tls). Default: the profile's `ldap_bind` (simple in every built-in
    /// profile).
    #[arg(long, value_enum, value_name = "simple|ntlm")]
    bind: Option<LdapBind>,
    /// PEM file with the roots the DC's certificate must chain to (StartTLS and LDAPS; nothing
    /// else is trusted for the DC). The certificate must name the `--dc` host (or its IP, when
    /// `--dc` is an IP address).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The secret the phone signs in with: the password, or the PIN for PIN sign-in; and the
/// registrar (empty when PIN sign-in leaves it to DHCP option 120).
fn credentials(cli: &Cli, method: SignInMethod) -> Result<(String, String), String> {
    match method {
        SignInMethod::Directory => {
            if cli.pin.is_some() {
                return Err("--pin is for PIN sign-in (a profile with sign_in_method = \"pin\", e.g. --profile lpe-2010-pin); directory sign-in takes --password".into());
            }
            let password = cli
                .password
                .clone()
                .ok_or("--password is required for directory sign-in")?;
            let registrar = cli
                .registrar
                .clone()
                .ok_or("--registrar is required for directory sign-in")?;
            Ok((password, registrar))
        }
        SignInMethod::Pin => {
            if cli.password.is_some() {
                return Err("PIN sign-in takes --pin, not --password".into());
            }
            let pin = cli.pin.clone().ok_or("--pin is required for PIN sign-in")?;
            Ok((pin, cli.registrar.clone().unwrap_or_default()))
        }
    }
}

fn parse_dns(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .or_else(|_| {
            text.parse::<std::net::IpAddr>()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .map_err(|_| format!("--dns {text:?}: expected ADDR or ADDR:PORT"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let setup = || -> Result<Boot, String> {
        let mut profile = Profile::load(&cli.profile).map_err(|error| error.to_string())?;
        if let Some(method) = cli.bind {
            profile.ldap_bind = method;
        }
        if let Some(transport) = cli.ldap_tls {
            profile.ldap_transport = transport;
        }
        let dc_trust = cli
            .ca_file
            .as_deref()
            .map(DcTrust::from_file)
            .transpose()
            .map_err(|error| error.to_string())?;
        if profile.ldap_transport.is_tls()
            && dc_trust.is_none()
            && profile.sign_in_method == SignInMethod::Directory
        {
            return Err(format!(
                "LDAP over {} (--ldap-tls or the profile's ldap_transport) needs --ca-file FILE: the PEM roots the DC's certificate chains to",
                profile.ldap_transport
            ));
        }
        let resolve =
            phone_client::enroll::parse_resolve(&cli.resolve).map_err(|error| error.to_string())?;
        let dns = cli.dns.as_deref().map(parse_dns).transpose()?;
        let (password, registrar) = credentials(&cli, profile.sign_in_method)?;
        Ok(Boot {
            profile,
            user: cli.user.clone(),
            password,
            locator: Locator {
                dc: cli.dc.clone(),
                dns,
                dhcp_domain: cli.dhcp_domain.clone(),
                dhcp_search: cli.dhcp_search.clone(),
                dhcp_option_43: cli.dhcp_option_43.clone(),
                dhcp_option_120: cli.dhcp_option_120.clone(),
                resolve: resolve.clone(),
            },
            registrar,
            resolve,
            dc_trust,
        })
    };
    let boot = match setup() {
        Ok(boot) => boot,
        Err(error) => {
            eprintln!("phone-client: {error}");
            return ExitCode::from(2);
        }
    };
    let report = boot.run().await;
    match cli.format {
        Format::Text => print!("{}", report.human()),
        Format::Json => println!("{}", report.json()),
    }
    if report.signed_in() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
