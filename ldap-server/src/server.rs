//! The listener and the public API to start a directory in-process:
//! `Server::builder("example.test").listen(addr).start().await` returns the bound address and a
//! handle that shuts the server down, so any Rust test suite can run a DC on port 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::acl::AccessPolicy;
use crate::connection::Transport;
use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::forest::{Forest, ForestConfig};
use crate::schema::Schema;
use crate::session::{Limits, Shared};
use crate::tls::{ChannelBinding, DcCertificate, DcTls, SigningPolicy, TlsSettings};
use crate::web_enrollment::WebEnrollmentDirectory;

/// The Administrator's password when the caller gives none (printed by the CLI).
pub const DEFAULT_ADMIN_PASSWORD: &str = "Passw0rd!";

/// Entry point of the library API.
pub struct Server;

impl Server {
    pub fn builder(domain: &str) -> ServerBuilder {
        let mut forest = ForestConfig::new(domain);
        forest.admin_password = DEFAULT_ADMIN_PASSWORD.to_string();
        ServerBuilder {
            forest,
            listen: SocketAddr::from(([127, 0, 0, 1], 3890)),
            ldif_files: Vec::new(),
            ldif_texts: Vec::new(),
            limits: Limits::default(),
            data_dir: None,
            global_catalog: None,
            admin_password_wins: false,
            certsrv: None,
            certsrv_https: None,
            ldaps: None,
            global_catalog_ldaps: None,
            tls: TlsSettings::default(),
            signing: SigningPolicy::None,
            channel_binding: ChannelBinding::Never,
        }
    }
}

/// How to build and run one directory.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    forest: ForestConfig,
    listen: SocketAddr,
    ldif_files: Vec<PathBuf>,
    /// `(name, text)`: LDIF given as text, applied after the files; `name` stands for the file in errors.
    ldif_texts: Vec<(String, String)>,
    limits: Limits,
    data_dir: Option<PathBuf>,
    global_catalog: Option<SocketAddr>,
    admin_password_wins: bool,
    certsrv: Option<(SocketAddr, certsrv::Config)>,
    certsrv_https: Option<(SocketAddr, certsrv::Config)>,
    ldaps: Option<SocketAddr>,
    global_catalog_ldaps: Option<SocketAddr>,
    tls: TlsSettings,
    signing: SigningPolicy,
    channel_binding: ChannelBinding,
}

impl ServerBuilder {
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    pub fn admin_password(mut self, password: &str) -> Self {
        self.forest.admin_password = password.to_string();
        self
    }

    /// Create `CN=NTAuthCertificates` at start (real forests differ; Samba does not).
    pub fn ntauth(mut self, present: bool) -> Self {
        self.forest.with_ntauth = present;
        self
    }

    /// Clear dSHeuristics' fLDAPBlockAnonOps: anonymous clients may search (PKI objects stay hidden).
    pub fn allow_anonymous_reads(mut self, allow: bool) -> Self {
        self.forest.allow_anonymous_reads = allow;
        self
    }

    /// An RFC 2849 file to load at start (repeatable; applied in order).
    pub fn ldif_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ldif_files.push(path.into());
        self
    }

    /// RFC 2849 text to load at start, exactly like an [`ldif_file`](Self::ldif_file) (repeatable;
    /// applied in order, after every file). `name` stands for the file in error messages
    /// (`name:line: ...`), so a generated world reports where its LDIF went wrong.
    pub fn ldif_text(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.ldif_texts.push((name.into(), text.into()));
        self
    }

    /// Also serve a Global Catalog port (AD's 3268): a subtree search based at "" spans every
    /// naming context there, which is how a phone profile that searches the GC finds the
    /// Configuration NC's certificationAuthority objects.
    pub fn global_catalog_listen(mut self, addr: SocketAddr) -> Self {
        self.global_catalog = Some(addr);
        self
    }

    /// Also serve LDAPS (AD's 636): TLS from the first byte, with the DC's certificate.
    pub fn ldaps_listen(mut self, addr: SocketAddr) -> Self {
        self.ldaps = Some(addr);
        self
    }

    /// Also serve the Global Catalog over TLS (AD's 3269).
    pub fn global_catalog_ldaps_listen(mut self, addr: SocketAddr) -> Self {
        self.global_catalog_ldaps = Some(addr);
        self
    }

    /// Where the DC's certificate comes from (default: issued at start by a CA of the forest,
    /// as AD auto-enrolls it; [`RunningServer::dc_ca_pem`] gives that CA).
    pub fn dc_certificate(mut self, certificate: DcCertificate) -> Self {
        self.tls.certificate = certificate;
        self
    }

    /// A name the issued DC certificate carries besides the DC's dNSHostName (repeatable; an IP
    /// address becomes an IP SAN, so clients can check `127.0.0.1`).
    pub fn tls_name(mut self, name: impl Into<String>) -> Self {
        self.tls.names.push(name.into());
        self
    }

    /// How long a TLS handshake may take before the connection is dropped.
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls.handshake_timeout = timeout;
        self
    }

    /// LDAPServerIntegrity: `Require` refuses simple binds without TLS (8, AD's 00002028 text).
    pub fn ldap_signing(mut self, policy: SigningPolicy) -> Self {
        self.signing = policy;
        self
    }

    /// Also serve AD CS Web Enrollment (`http://ADDR/certsrv/`) on `listen` against this
    /// directory, stopped with it (see the `certsrv` crate; more hosts can be started against
    /// [`RunningServer::certsrv_directory`]).
    pub fn certsrv(mut self, listen: SocketAddr, config: certsrv::Config) -> Self {
        self.certsrv = Some((listen, config));
        self
    }

    /// LdapEnforceChannelBinding: `Always` refuses an NTLM logon over TLS without the channel's
    /// binding (49, 80090346); `WhenSupported` refuses a wrong one.
    pub fn channel_binding(mut self, policy: ChannelBinding) -> Self {
        self.channel_binding = policy;
        self
    }

    /// Also serve AD CS Web Enrollment over HTTPS (`https://ADDR/certsrv/`) with the DC's
    /// certificate (the CA's web server is this host), against this directory. There the
    /// `https-required` behaviour is satisfied. Needs the DC to have a certificate.
    pub fn certsrv_https(mut self, listen: SocketAddr, config: certsrv::Config) -> Self {
        self.certsrv_https = Some((listen, config));
        self
    }

    /// After the LDIF files are loaded, set the Administrator's password to the configured one
    /// again (an export carries its own Administrator; tools that audit an export need to bind).
    pub fn admin_password_wins(mut self, wins: bool) -> Self {
        self.admin_password_wins = wins;
        self
    }

    /// Keep the directory in `dir` (snapshot + journal): acknowledged writes survive a crash and a
    /// restart serves the same tree. The `--ldif` files are applied only when `dir` is new.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_message_size = bytes;
        self
    }

    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections;
        self
    }

    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// MaxQueryDuration: a search still running after this is answered 3 timeLimitExceeded.
    pub fn max_query_duration(mut self, limit: Duration) -> Self {
        self.limits.max_query_duration = limit;
        self
    }

    pub fn max_page_size(mut self, entries: usize) -> Self {
        self.limits.max_page_size = entries.max(1);
        self
    }

    /// Builds the forest and loads the LDIF files, without listening (also what `export` uses).
    pub fn build_directory(&self) -> Result<(Forest, Directory)> {
        let forest = Forest::new(&self.forest)?;
        let mut directory = forest.build(Schema::active_directory(), &self.forest)?;
        for path in &self.ldif_files {
            let count = crate::ldif_io::load_file(&mut directory, path)?;
            tracing::info!(file = %path.display(), records = count, "loaded LDIF");
        }
        for (name, text) in &self.ldif_texts {
            let count =
                crate::ldif_io::load_bytes(&mut directory, text.as_bytes(), Path::new(name))?;
            tracing::info!(text = %name, records = count, "loaded LDIF");
        }
        if self.admin_password_wins && self.has_ldif() {
            reset_admin_password(&forest, &mut directory, &self.forest.admin_password)?;
        }
        Ok((forest, directory))
    }

    /// Whether any LDIF (file or text) is to be loaded.
    fn has_ldif(&self) -> bool {
        !self.ldif_files.is_empty() || !self.ldif_texts.is_empty()
    }

    /// The directory to serve and, with a data directory, its journal.
    fn build_durable(&self) -> Result<(Forest, Directory, Option<crate::journal::Journal>)> {
        use crate::journal::{Journal, Stored};
        let Some(data_dir) = &self.data_dir else {
            let (forest, directory) = self.build_directory()?;
            return Ok((forest, directory, None));
        };
        match Journal::inspect(data_dir)? {
            Stored::Empty => {
                let (forest, directory) = self.build_directory()?;
                let journal = Journal::create(data_dir, &directory)?;
                Ok((forest, directory, Some(journal)))
            }
            Stored::Existing => {
                let forest = Forest::new(&self.forest)?;
                let mut directory = forest.empty_directory(Schema::active_directory());
                let journal = Journal::restore(data_dir, &mut directory)?;
                if self.has_ldif() {
                    tracing::warn!(dir = %data_dir.display(), "the data directory already holds a tree; --ldif files were not applied");
                }
                tracing::info!(objects = directory.len(), dir = %data_dir.display(), "restored the directory");
                Ok((forest, directory, Some(journal)))
            }
        }
    }

    /// Builds the directory, binds the listener and starts serving.
    pub async fn start(self) -> Result<RunningServer> {
        if let Some((_, config)) = &self.certsrv {
            config.validate()?;
        }
        let (forest, directory, journal) = self.build_durable()?;
        let tls = DcTls::new(&self.tls, &forest)?.map(Arc::new);
        let (listener, local_addr) = bind(self.listen).await?;
        let shared = Arc::new(Shared {
            directory: crate::search_cache::DirectoryLock::new(directory),
            commit: match &journal {
                Some(journal) => Some(Arc::new(journal.group_commit().map_err(|source| {
                    Error::Config(format!("cannot open the journal for fsync: {source}"))
                })?)),
                None => None,
            },
            journal: journal.map(std::sync::Mutex::new),
            connection_slots: Arc::new(Semaphore::new(self.limits.max_connections)),
            heavy_work: Arc::new(Semaphore::new(1)),
            buffered: Default::default(),
            forest,
            policy: AccessPolicy {
                allow_anonymous_reads: self.forest.allow_anonymous_reads,
            },
            limits: self.limits,
            tls,
            signing: self.signing,
            channel_binding: self.channel_binding,
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        // Every extra listener (GC, LDAPS, GC over TLS) shares the directory and the shutdown.
        let mut tasks = Vec::new();
        let mut extra = |listener: TcpListener, global_catalog: bool, transport: Transport| {
            tasks.push(tokio::spawn(crate::accept::accept_loop(
                listener,
                shared.clone(),
                shutdown_rx.clone(),
                global_catalog,
                transport,
            )));
        };
        let mut global_catalog_addr = None;
        if let Some(addr) = self.global_catalog {
            let (gc, bound) = bind(addr).await?;
            global_catalog_addr = Some(bound);
            extra(gc, true, Transport::Plain);
        }
        let mut ldaps_addr = None;
        if let Some(addr) = self.ldaps {
            let (ldaps, bound) = bind(addr).await?;
            tracing::info!(%bound, certificate = shared.tls.is_some(), "LDAPS listening");
            ldaps_addr = Some(bound);
            extra(ldaps, false, Transport::Tls);
        }
        let mut global_catalog_ldaps_addr = None;
        if let Some(addr) = self.global_catalog_ldaps {
            let (gc, bound) = bind(addr).await?;
            global_catalog_ldaps_addr = Some(bound);
            extra(gc, true, Transport::Tls);
        }
        let mut web_enrollment = None;
        if let Some((addr, config)) = self.certsrv {
            let listener = ad_common::listener::bind(addr).map_err(|source| Error::Listen {
                addr: addr.to_string(),
                source,
            })?;
            let directory = Arc::new(WebEnrollmentDirectory::new(shared.clone()));
            web_enrollment = Some(certsrv::start(listener, config, Some(directory))?);
        }
        let mut web_enrollment_https = None;
        if let Some((addr, config)) = self.certsrv_https {
            let Some(tls) = &shared.tls else {
                return Err(Error::Config(
                    "Web Enrollment over HTTPS needs the DC's certificate (not --no-tls-certificate)"
                        .into(),
                ));
            };
            let (listener, _) = bind(addr).await?;
            let directory = Arc::new(WebEnrollmentDirectory::new(shared.clone()));
            let config = config.tls(tls.server_config.clone());
            web_enrollment_https = Some(certsrv::start(listener, config, Some(directory))?);
        }
        let task = tokio::spawn(crate::accept::accept_loop(
            listener,
            shared.clone(),
            shutdown_rx,
            false,
            Transport::Plain,
        ));
        tracing::info!(%local_addr, domain = %shared.forest.domain, "listening");
        Ok(RunningServer {
            local_addr,
            global_catalog_addr,
            ldaps_addr,
            global_catalog_ldaps_addr,
            extra_tasks: tasks,
            certsrv_https: web_enrollment_https,
            certsrv: web_enrollment,
            shared,
            shutdown_tx,
            task,
        })
    }
}

/// A bound listener and its address (port 0 resolved).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr)> {
    let listen_error = |source| Error::Listen {
        addr: addr.to_string(),
        source,
    };
    let listener = ad_common::listener::bind(addr).map_err(listen_error)?;
    let bound = listener.local_addr().map_err(listen_error)?;
    Ok((listener, bound))
}

/// Gives the forest's Administrator the configured password (and no other stored password):
/// `{SSHA}` and its NT hash.
fn reset_admin_password(forest: &Forest, directory: &mut Directory, password: &str) -> Result<()> {
    use crate::directory::{Modification, ModifyOp, Strictness};
    let admin = forest.administrator_dn();
    if directory.find(&admin).is_none() {
        return Ok(());
    }
    let mut changes = vec![Modification {
        op: ModifyOp::Replace,
        attribute: "userPassword".into(),
        values: vec![crate::password::hash_ssha(password).into()],
    }];
    changes.push(Modification {
        op: ModifyOp::Replace,
        attribute: "unicodePwd".into(),
        values: vec![crate::password::nt_hash_value(password).into_bytes().into()],
    });
    directory
        .modify(&admin, &changes, Strictness::Import)
        .map_err(|error| {
            Error::Config(format!(
                "cannot reset the Administrator's password: {error}"
            ))
        })
}

/// A directory that is serving. Dropping it does not stop it; call [`RunningServer::shutdown`].
pub struct RunningServer {
    local_addr: SocketAddr,
    global_catalog_addr: Option<SocketAddr>,
    ldaps_addr: Option<SocketAddr>,
    global_catalog_ldaps_addr: Option<SocketAddr>,
    extra_tasks: Vec<JoinHandle<()>>,
    certsrv: Option<certsrv::RunningCertsrv>,
    certsrv_https: Option<certsrv::RunningCertsrv>,
    shared: Arc<Shared>,
    shutdown_tx: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The Global Catalog port's address, when one was asked for.
    pub fn global_catalog_addr(&self) -> Option<SocketAddr> {
        self.global_catalog_addr
    }

    /// The LDAPS port's address, when one was asked for.
    pub fn ldaps_addr(&self) -> Option<SocketAddr> {
        self.ldaps_addr
    }

    /// The Global Catalog over TLS port's address, when one was asked for.
    pub fn global_catalog_ldaps_addr(&self) -> Option<SocketAddr> {
        self.global_catalog_ldaps_addr
    }

    /// The CA that issued the DC's certificate at start (PEM), for clients to trust; `None` when
    /// the certificate came from files or there is none.
    pub fn dc_ca_pem(&self) -> Option<String> {
        self.shared
            .tls
            .as_ref()
            .and_then(|tls| tls.issuing_ca_pem.clone())
    }

    /// Whether the DC has a certificate (LDAPS and StartTLS work).
    pub fn has_tls(&self) -> bool {
        self.shared.tls.is_some()
    }

    /// The Web Enrollment listener's address, when [`ServerBuilder::certsrv`] asked for one.
    pub fn certsrv_addr(&self) -> Option<SocketAddr> {
        self.certsrv
            .as_ref()
            .map(certsrv::RunningCertsrv::local_addr)
    }

    /// The Web Enrollment over HTTPS listener's address, when [`ServerBuilder::certsrv_https`]
    /// asked for one.
    pub fn certsrv_https_addr(&self) -> Option<SocketAddr> {
        self.certsrv_https
            .as_ref()
            .map(certsrv::RunningCertsrv::local_addr)
    }

    /// This directory as AD CS Web Enrollment sees it, to start more `/certsrv` hosts against
    /// it with [`certsrv::start`] (each reads the live tree and checks Basic credentials here).
    pub fn certsrv_directory(&self) -> Arc<dyn certsrv::Directory> {
        Arc::new(WebEnrollmentDirectory::new(self.shared.clone()))
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://{}", self.local_addr)
    }

    /// The forest's names (domain DN, Configuration DN, ...).
    pub fn forest(&self) -> &Forest {
        &self.shared.forest
    }

    /// The whole tree as LDIF.
    pub async fn export_ldif(&self) -> String {
        crate::ldif_io::export(&self.shared.read())
    }

    /// Stops accepting, tells connected clients (Notice of Disconnection) and waits for them to go.
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        let directory = async {
            let _ = self.task.await;
            for task in self.extra_tasks {
                let _ = task.await;
            }
        };
        let web_enrollment = async {
            if let Some(certsrv) = self.certsrv {
                certsrv.shutdown().await;
            }
            if let Some(certsrv) = self.certsrv_https {
                certsrv.shutdown().await;
            }
        };
        tokio::join!(directory, web_enrollment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldif_text_loads_after_the_files_and_names_itself_in_errors() {
        let users = "CN=Users,DC=example,DC=test";
        let text = format!("dn: CN=carol,{users}\nobjectClass: user\nsAMAccountName: carol\n\n");
        let (_, directory) = Server::builder("example.test")
            .ldif_text("world.ldif", text)
            .build_directory()
            .expect("loads");
        let carol = crate::dn::Dn::parse(&format!("CN=carol,{users}")).expect("dn");
        assert!(directory.find(&carol).is_some());

        let broken = "dn: CN=x,CN=Users,DC=example,DC=test\nobjectClass: user\n\ndn: CN=y,CN=Nowhere,DC=example,DC=test\nobjectClass: user\n\n";
        let error = Server::builder("example.test")
            .ldif_text("generated", broken)
            .build_directory()
            .expect_err("the second record has no parent");
        assert!(error.to_string().starts_with("generated:4:"), "{error}");
    }
}
