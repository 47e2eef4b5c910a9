//! `adpki san-check`: the command line of [`adpki::san_check`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::Format;

#[derive(Args)]
pub struct SanCheckArgs {
    /// The certificate: PEM, DER or PKCS#7 (with a chain, the first certificate is the one checked).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// A name clients ask the certificate for (repeatable).
    #[arg(long, value_name = "FQDN|IP")]
    name: Vec<String>,
    /// A pool published through this listener, by its external web services FQDN: adds that name
    /// and the simple URLs meet, dialin and lyncdiscover of the SIP domain (repeatable).
    #[arg(long, value_name = "FQDN")]
    pool: Vec<String>,
    /// The SIP domain of the simple URLs (default: each --pool name less its first label).
    #[arg(long, value_name = "DOMAIN")]
    sip_domain: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Exit 0: every name covered; 1: some name is not; 2: usage or an unreadable certificate.
pub fn run(args: SanCheckArgs) -> ExitCode {
    let usage = |message: String| {
        eprintln!("adpki san-check: {message}");
        ExitCode::from(2)
    };
    let mut names = args.name.clone();
    for pool in &args.pool {
        let domain = match args
            .sip_domain
            .as_deref()
            .or_else(|| adpki::san_check::domain_of(pool))
        {
            Some(domain) => domain.to_string(),
            None => return usage(format!("--pool {pool}: no domain in it; give --sip-domain")),
        };
        names.extend(adpki::san_check::pool_names(pool, &domain));
    }
    if names.is_empty() {
        return usage("give --name or --pool: which names must the certificate cover?".into());
    }
    let bytes = match std::fs::read(&args.cert) {
        Ok(bytes) => bytes,
        Err(error) => return usage(format!("{}: {error}", args.cert.display())),
    };
    let leaf = match ad_common::certfile::certificates(&bytes) {
        Ok(certificates) => match certificates.into_iter().next() {
            Some(leaf) => leaf,
            None => return usage(format!("{}: no certificate in it", args.cert.display())),
        },
        Err(error) => return usage(format!("{}: {error}", args.cert.display())),
    };
    let check = match adpki::san_check::check(&leaf, &names) {
        Ok(check) => check,
        Err(error) => return usage(format!("{}: {error}", args.cert.display())),
    };
    match args.format {
        Format::Text => print!("{}", adpki::san_check::text(&check)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&check)
                .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
        ),
    }
    if check.all_covered() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
