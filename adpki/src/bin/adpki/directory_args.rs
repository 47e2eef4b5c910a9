//! How `audit` and `trust-store` reach a directory: a live DC (`--dc`, with the transport
//! `--ldap-tls` chooses and the bind given), or an LDIF export (`--ldif`) served by an
//! in-process directory on loopback and read as its Administrator.

use std::net::SocketAddr;
use std::time::Duration;

use adpki::transport::{Choice, LdapTls};
use clap::Args;
use phone_client::enroll::ResolveMap;
use phone_client::ldap::{LdapBind, LdapTarget};
use phone_client::locate::{host_of, resolve_host};

#[derive(Args)]
pub struct DirectoryArgs {
    /// The domain controller, `HOST[:PORT]` (an IP address or a --resolve name; default port 389,
    /// 636 with --ldap-tls ldaps).
    #[arg(long, required_unless_present = "ldif", conflicts_with = "ldif")]
    pub dc: Option<String>,
    /// auto (StartTLS when the DC's rootDSE advertises it and --ca-file is given, else plain
    /// LDAP), none, starttls, or ldaps (port 636; the Global Catalog over TLS on 3269).
    #[arg(long, value_enum, default_value_t = LdapTls::Auto, value_name = "auto|none|starttls|ldaps")]
    pub ldap_tls: LdapTls,
    /// PEM file with the roots the DC's certificate must chain to (nothing else is trusted);
    /// the certificate must name the --dc host (or its IP when --dc is an IP address).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Read an LDIF export (e.g. `ldifde -f pks.ldf -d "CN=Public Key Services,..."`) instead of
    /// a live DC: it is loaded into an in-process directory for --domain (repeatable).
    #[arg(long)]
    pub ldif: Vec<std::path::PathBuf>,
    /// The forest's DNS name, with --ldif.
    #[arg(long, default_value = "example.test")]
    pub domain: String,
    /// The bind name: `DOMAIN\user`, a UPN or a DN (not needed with --ldif).
    #[arg(long, required_unless_present = "ldif")]
    pub user: Option<String>,
    /// simple, or ntlm (GSS-SPNEGO NTLMv2 with `DOMAIN\user` or a UPN; with the channel binding
    /// over TLS; no signing or sealing, so a DC that requires signing needs --ldap-tls).
    #[arg(long, value_enum, default_value_t = LdapBind::Simple, value_name = "simple|ntlm")]
    pub bind: LdapBind,
    #[arg(long, default_value = "")]
    pub password: String,
    /// `HOST=ADDR:PORT` (repeatable): how names map to addresses. Nothing else is resolved.
    #[arg(long = "resolve", value_name = "HOST=ADDR:PORT")]
    pub resolve: Vec<String>,
}

/// A directory reached: where, as whom, and the in-process server behind `--ldif`.
pub struct Reached {
    pub target: LdapTarget,
    pub bind: LdapBind,
    pub user: String,
    pub password: String,
    /// The transport `--ldap-tls` chose (live DCs only), for the hint after a refusal.
    pub choice: Option<Choice>,
    pub resolve: ResolveMap,
    local: Option<ldap_server::RunningServer>,
}

impl Reached {
    /// Stops the in-process directory of `--ldif`, if any.
    pub async fn close(self) {
        if let Some(server) = self.local {
            server.shutdown().await;
        }
    }
}

impl DirectoryArgs {
    /// Resolves `--dc` and chooses its transport, or serves `--ldif`. Errors are usage errors
    /// (exit 2), already in words.
    pub async fn reach(&self) -> Result<Reached, String> {
        let resolve = phone_client::enroll::parse_resolve(&self.resolve)
            .map_err(|error| error.to_string())?;
        if self.ldif.is_empty() {
            let dc_text = self.dc.as_deref().ok_or("--dc or --ldif is required")?;
            let address = resolve_host(dc_text, self.ldap_tls.default_port(), &resolve)
                .map_err(|error| error.to_string())?;
            let trust =
                super::dc_trust(self.ca_file.as_deref()).map_err(|error| error.to_string())?;
            let timeout = Duration::from_secs(10);
            let (target, choice) =
                adpki::transport::target(self.ldap_tls, address, host_of(dc_text), trust, timeout)
                    .await
                    .map_err(|error| error.to_string())?;
            return Ok(Reached {
                target,
                bind: self.bind,
                user: self.user.clone().unwrap_or_default(),
                password: self.password.clone(),
                choice: Some(choice),
                resolve,
                local: None,
            });
        }
        let password = format!("Audit-{}!", std::process::id());
        let mut builder = ldap_server::Server::builder(&self.domain)
            .admin_password(&password)
            .admin_password_wins(true)
            .listen(SocketAddr::from(([127, 0, 0, 1], 0)));
        for path in &self.ldif {
            builder = builder.ldif_file(path);
        }
        let server = builder.start().await.map_err(|error| error.to_string())?;
        Ok(Reached {
            target: LdapTarget::plain(server.local_addr()),
            bind: LdapBind::Simple,
            user: format!("Administrator@{}", self.domain),
            password,
            choice: None,
            resolve,
            local: Some(server),
        })
    }
}
