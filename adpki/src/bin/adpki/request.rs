//! `adpki request`: the command line of [`adpki::request`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use adpki::request::{Submission, Submitted};
use adpki::trust_store::StoreFormat;
use clap::{Args, ValueEnum};
use phone_client::enroll::WebCredentials;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebAuth {
    /// HTTP Basic (IIS with Basic authentication enabled).
    Basic,
    /// Windows Authentication with NTLM (how AD CS installs /certsrv).
    Ntlm,
}

#[derive(Args)]
pub struct RequestArgs {
    /// The PKCS#10 request (`openssl req -new … -out req.csr`): PEM or DER.
    csr: PathBuf,
    /// The certificate template, as `-attrib "CertificateTemplate: NAME"` names it.
    #[arg(long)]
    template: String,
    /// The CA's web enrollment: `HOST[:PORT]` (http), or an http:// or https:// URL.
    #[arg(long)]
    ca: String,
    /// Who asks (`DOMAIN\user` or a UPN); enrollment needs an authenticated user.
    #[arg(long)]
    user: Option<String>,
    #[arg(long, default_value = "")]
    password: String,
    #[arg(long, value_enum, default_value_t = WebAuth::Ntlm)]
    auth: WebAuth,
    /// `HOST=ADDR:PORT` (repeatable): how names map to addresses. Nothing else is resolved.
    #[arg(long = "resolve", value_name = "HOST=ADDR:PORT")]
    resolve: Vec<String>,
    /// Where to write the certificate (default: stdout, PEM).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = StoreFormat::Pem)]
    format: StoreFormat,
}

/// Exit 0: issued and written; 1: pending or denied (the CA's words are printed); 2: usage,
/// an unreadable request, or the web server could not be reached or refused the credentials.
pub async fn run(args: RequestArgs) -> ExitCode {
    let usage = |message: String| {
        eprintln!("adpki request: {message}");
        ExitCode::from(2)
    };
    let resolve = match phone_client::enroll::parse_resolve(&args.resolve) {
        Ok(resolve) => resolve,
        Err(error) => return usage(error.to_string()),
    };
    let csr = match std::fs::read(&args.csr) {
        Ok(bytes) => bytes,
        Err(error) => return usage(format!("{}: {error}", args.csr.display())),
    };
    let credentials = args.user.as_deref().map(|user| match args.auth {
        WebAuth::Basic => WebCredentials::Basic {
            user,
            password: &args.password,
        },
        WebAuth::Ntlm => WebCredentials::Ntlm {
            user,
            password: &args.password,
        },
    });
    let submission = Submission {
        ca: &args.ca,
        template: &args.template,
        csr: &csr,
        credentials,
        resolve: &resolve,
        timeout: Duration::from_secs(30),
    };
    match adpki::request::submit(&submission).await {
        Ok(Submitted::Issued { id, certificate }) => {
            let bytes = match args.format {
                StoreFormat::Pem => adpki::trust_store::pem(&certificate).into_bytes(),
                StoreFormat::Der => certificate,
            };
            match &args.out {
                Some(path) => {
                    if let Err(error) = std::fs::write(path, &bytes) {
                        return usage(format!("{}: {error}", path.display()));
                    }
                    eprintln!(
                        "Certificate issued (request {id}): written to {}",
                        path.display()
                    );
                }
                None => {
                    use std::io::Write;
                    let _ = std::io::stdout().write_all(&bytes);
                    eprintln!("Certificate issued (request {id})");
                }
            }
            ExitCode::SUCCESS
        }
        Ok(Submitted::Pending { id }) => {
            eprintln!("Certificate Pending: request {id} waits for a CA manager to issue it");
            ExitCode::from(1)
        }
        Ok(Submitted::Denied { id, message }) => {
            let id = id.map(|id| format!(" (request {id})")).unwrap_or_default();
            eprintln!("Certificate Request Denied{id}: {message}");
            ExitCode::from(1)
        }
        Err(error) => usage(error.to_string()),
    }
}
