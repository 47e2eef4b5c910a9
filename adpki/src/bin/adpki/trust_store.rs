//! `adpki trust-store`: the command line of [`adpki::trust_store`].

use std::path::PathBuf;
use std::process::ExitCode;

use adpki::trust_store::{StoreFormat, TrustStoreRequest};
use clap::Args;

use super::directory_args::DirectoryArgs;

#[derive(Args)]
pub struct TrustStoreArgs {
    #[command(flatten)]
    directory: DirectoryArgs,
    /// The phone whose trust to copy: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, or a TOML
    /// file (its filters and firmware limits decide what is installed).
    #[arg(long, default_value = "cpe-2007r2")]
    profile: String,
    /// The directory to write to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// pem: NAME.pem each and trust-bundle.pem; der: NAME.cer each and trust-bundle.p7b.
    #[arg(long, value_enum, default_value_t = StoreFormat::Pem)]
    format: StoreFormat,
}

/// Exit 0: written; 1: the phone would install nothing (the reason is printed); 2: usage, or the
/// directory could not be read.
pub async fn run(args: TrustStoreArgs) -> ExitCode {
    let usage = |message: String| {
        eprintln!("adpki trust-store: {message}");
        ExitCode::from(2)
    };
    let profile = match phone_client::profile::Profile::load(&args.profile) {
        Ok(profile) => profile,
        Err(error) => return usage(error.to_string()),
    };
    let reached = match args.directory.reach().await {
        Ok(reached) => reached,
        Err(message) => return usage(message),
    };
    let request = TrustStoreRequest {
        dc: reached.target.clone(),
        bind: reached.bind,
        user: reached.user.clone(),
        password: reached.password.clone(),
        profile,
        resolve: reached.resolve.clone(),
    };
    let collected = adpki::trust_store::collect(&request).await;
    reached.close().await;
    let store = match collected {
        Ok(store) => store,
        Err(adpki::Error::Usage(message)) => return usage(message),
        Err(error) => {
            eprintln!("adpki trust-store: {error}");
            return ExitCode::from(1);
        }
    };
    let written = match adpki::trust_store::write(&store, &args.out, args.format) {
        Ok(written) => written,
        Err(error) => return usage(error.to_string()),
    };
    let from = match store.path {
        Some(phone_client::machine::Path::WebEnrollment) => "web enrollment (certnew.p7b)",
        _ => "the directory",
    };
    println!(
        "A {} phone would install {} certificate(s), from {from}:",
        store.report.profile,
        store.certificates.len()
    );
    for file in &written {
        if file.source == "bundle" {
            println!("  {}  (all of them)", file.file.display());
        } else {
            println!(
                "  {}  {}  SHA-1 {}  from {}",
                file.file.display(),
                file.subject,
                file.sha1,
                file.source
            );
        }
    }
    ExitCode::SUCCESS
}
