//! `phone-client`: boot a simulated desk phone against a directory and a registrar.
//! Exit code 0: signed in; 1: the phone failed (the report says why); 2: usage or environment error.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use phone_client::enroll::ResolveMap;
use phone_client::locate::Locator;
use phone_client::profile::Profile;
use phone_client::run::Boot;

#[derive(Parser)]
#[command(
    name = "phone-client",
    version,
    about = "A desk phone's root-CA bootstrap from Active Directory, step by step"
)]
struct Cli {
    /// Sign-in name: `alice@example.test` (UPN) or `EXAMPLE\alice`.
    #[arg(long)]
    user: String,
    #[arg(long)]
    password: String,
    /// The registrar (pool) FQDN the phone connects to, `FQDN[:PORT]` (default port 5061).
    #[arg(long)]
    registrar: String,
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
    /// `HOST=ADDR:PORT`, like curl's: how names map to addresses (repeatable). Nothing else is resolved.
    #[arg(long = "resolve")]
    resolve: Vec<String>,
    /// Firmware profile: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, or a TOML file.
    #[arg(long, default_value = "cpe-2007r2")]
    profile: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_resolve(entries: &[String]) -> Result<ResolveMap, String> {
    let mut map = ResolveMap::new();
    for entry in entries {
        let (host, address) = entry
            .split_once('=')
            .ok_or_else(|| format!("--resolve {entry:?}: expected HOST=ADDR:PORT"))?;
        let address: SocketAddr = address
            .parse()
            .map_err(|_| format!("--resolve {entry:?}: {address:?} is not ADDR:PORT"))?;
        map.insert(host.trim().to_ascii_lowercase(), address);
    }
    Ok(map)
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
        let profile = Profile::load(&cli.profile).map_err(|error| error.to_string())?;
        let resolve = parse_resolve(&cli.resolve)?;
        let dns = cli.dns.as_deref().map(parse_dns).transpose()?;
        Ok(Boot {
            profile,
            user: cli.user.clone(),
            password: cli.password.clone(),
            locator: Locator {
                dc: cli.dc.clone(),
                dns,
                dhcp_domain: cli.dhcp_domain.clone(),
                dhcp_search: cli.dhcp_search.clone(),
                resolve: resolve.clone(),
            },
            registrar: cli.registrar.clone(),
            resolve,
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
