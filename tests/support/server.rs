//! A library `ldap_server::Server` started for one test on `127.0.0.1:0`: [`start`],
//! [`start_with`], [`TestServer`], and ldap3 connections to it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};

use super::*;

/// Optional builder settings for [`start_with`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `.allow_anonymous_reads(true)`.
    pub allow_anonymous: bool,
    /// `.ntauth(true)`.
    pub ntauth: bool,
    /// `.max_message_size(n)`.
    pub max_message_size: Option<usize>,
    /// `.dc_certificate(Absent)`: a DC without a TLS certificate (no StartTLS advertised).
    pub no_dc_certificate: bool,
    /// `.ldap_signing(Require)`: binds without TLS or integrity are refused (8, 00002028).
    pub require_signing: bool,
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
    if opts.require_signing {
        builder = builder.ldap_signing(ldap_server::SigningPolicy::Require);
    }
    if opts.no_dc_certificate {
        builder = builder.dc_certificate(ldap_server::DcCertificate::Absent);
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
