//! AD CS Web Enrollment (`/certsrv`) as the CA's IIS answers it (domain.md §C): certnew.p7b
//! (the chain as certs-only PKCS#7), certnew.cer (one CA certificate), certcarc.asp (with
//! `var nRenewals=N;`) and the welcome page, with the misbehaviours a scenario may ask for
//! ([`Behaviour`]).
//!
//! A host starts from a bound listener, a [`Config`] and, optionally, the [`Directory`] it
//! belongs to (where the CA certificates come from when none are configured, and who checks
//! Basic credentials). One directory may stand behind any number of hosts:
//!
//! ```no_run
//! # async fn demo(directory: std::sync::Arc<dyn certsrv::Directory>) -> Result<(), certsrv::Error> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(certsrv::Error::Listener)?;
//! let config = certsrv::Config::new()
//!     .behaviour(certsrv::Behaviour::Basic)
//!     .host_name("ca1.example.test");
//! let ca1 = certsrv::start(listener, config, Some(directory))?;
//! println!("http://{}/certsrv/", ca1.local_addr());
//! ca1.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Decisions where a real server's answer is not documented:
//! * Errors the certsrv ASP pages report themselves (a `Renewal` that is no integer ≥ -1 or is
//!   beyond nRenewals, a `ReqID` other than `CACert`, a CA without a certificate) are the ASP
//!   error page with **200** and `text/html`, carrying the HRESULT text Windows shows
//!   (0x80070057, 0x80092004, 0x800706ba). Clients must look at the body, as with a real CA.
//! * IIS's own refusals keep their status: 401 (Basic), 403 (403.4 SSL required), 404 (not
//!   installed, unknown path), 405 (a method other than GET/HEAD on a page).
//! * A missing `Renewal` means the current certificate (as `-1`); a missing or unknown `Enc`
//!   means base64 (the ASP page only tests for binary); `Enc=bin` and `Enc=DER` give DER.
//! * Without configured generations the certificates come from the directory, read at every
//!   request: the `cACertificate` values of the first `pKIEnrollmentService` (that has any)
//!   under `CN=Enrollment Services,CN=Public Key Services,CN=Services,<configuration>`, one
//!   generation per value, no chain.
//!
//! # Layout
//!
//! * `behaviour`: the [`Behaviour`] names a scenario picks (`basic`, `slow:MS`, `silent`, …).
//! * `ca`: [`CaGeneration`] (one renewal and its chain, from DER or a PEM file) and the
//!   directory's published certificates.
//! * `directory`: the [`Directory`] trait a DC implements for its certsrv hosts, and [`Template`].
//! * `enroll`: `certfnsh.asp` — PKCS#10 requests issued from a template, pended or denied with
//!   AD CS's texts — and the issued certificates `certnew.cer?ReqID=N` returns.
//! * `auth`: Basic credentials from the `Authorization` header, and the realm of the challenge.
//! * `request`: pages and query parameters read as IIS and the ASP pages read them (pure).
//! * `pages`: the HTML of the certsrv ASP pages and IIS's error pages.
//! * `pkcs7`: certs-only PKCS#7 in chain order, and AD CS's base64 armour.
//! * `handler`: one request in, one answer out (behaviour first, then the page).
//! * `serve`: the listener (axum, or holding connections for `silent`) and graceful shutdown.
//! * `error`: the crate's [`Error`].

mod auth;
mod behaviour;
mod ca;
mod directory;
mod enroll;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod handler;
mod limits;
mod pages;
mod pkcs7;
mod request;
mod serve;
mod tls;
mod windows_auth;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use behaviour::{Behaviour, WrongContent};
pub use ca::CaGeneration;
pub use directory::{BindRefused, Directory, Template};
pub use error::{Error, Result};

/// The realm of the Basic challenge when nothing else names the host.
const FALLBACK_HOST_NAME: &str = "localhost";
/// The CA's name on the pages when nothing else names it.
const FALLBACK_CA_NAME: &str = "CA";

/// What one `/certsrv` host serves and how it behaves.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The CA's certificates in renewal order (index 0 = the original certificate; the last is
    /// the current one). Empty: serve what the directory's enrollment service publishes.
    pub generations: Vec<CaGeneration>,
    pub behaviour: Behaviour,
    /// The host name IIS answers for: the Basic realm when a request has no `Host` header.
    /// `None`: the directory's [`host_name`](Directory::host_name).
    pub host_name: Option<String>,
    /// The CA's name on the pages while it has no certificate. `None`: the directory's
    /// [`default_ca_name`](Directory::default_ca_name).
    pub ca_name: Option<String>,
    /// Serve HTTPS with this TLS configuration (the site's certificate) instead of HTTP. Over
    /// HTTPS the `https-required` behaviour is satisfied and answers normally.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The current CA certificate's private key (PKCS#8 DER): with it, `certfnsh.asp` issues
    /// certificates from the directory's templates; without it every request is denied.
    pub issuer_key: Option<Vec<u8>>,
    /// Pend every request for a CA manager ("Certificate Pending"), whatever the template says.
    pub pend_all: bool,
}

impl Config {
    /// Anonymous access to the certificates the directory publishes.
    pub fn new() -> Config {
        Config::default()
    }

    /// Adds the next renewal: the CA's certificate (DER) and its issuers (DER, nearest first).
    pub fn generation(mut self, certificate: Vec<u8>, chain: Vec<Vec<u8>>) -> Config {
        self.generations.push(CaGeneration::new(certificate, chain));
        self
    }

    pub fn behaviour(mut self, behaviour: Behaviour) -> Config {
        self.behaviour = behaviour;
        self
    }

    /// See [`Config::host_name`](#structfield.host_name).
    pub fn host_name(mut self, name: impl Into<String>) -> Config {
        self.host_name = Some(name.into());
        self
    }

    /// Serve HTTPS with `tls` (see [`Config::tls`](#structfield.tls)).
    pub fn tls(mut self, tls: Arc<rustls::ServerConfig>) -> Config {
        self.tls = Some(tls);
        self
    }

    /// See [`Config::ca_name`](#structfield.ca_name).
    pub fn ca_name(mut self, name: impl Into<String>) -> Config {
        self.ca_name = Some(name.into());
        self
    }

    /// Every configured certificate is X.509 DER.
    pub fn validate(&self) -> Result<()> {
        for (renewal, generation) in self.generations.iter().enumerate() {
            generation.validate().map_err(|source| Error::Renewal {
                renewal,
                source: Box::new(source),
            })?;
        }
        Ok(())
    }
}

/// Serves `/certsrv` on `listener` until [`RunningCertsrv::shutdown`] (or until the handle is
/// dropped). Certificates come from `config.generations`, or when there are none from
/// `directory` at every request (none at all without a directory); `basic` checks credentials
/// against `directory` and needs one. Must be called within a tokio runtime.
pub fn start(
    listener: TcpListener,
    config: Config,
    directory: Option<Arc<dyn Directory>>,
) -> Result<RunningCertsrv> {
    config.validate()?;
    if matches!(config.behaviour, Behaviour::Basic | Behaviour::Windows) && directory.is_none() {
        return Err(Error::BasicWithoutDirectory);
    }
    let local_addr = listener.local_addr().map_err(Error::Listener)?;
    let host_name = config
        .host_name
        .or_else(|| directory.as_ref().map(|directory| directory.host_name()))
        .unwrap_or_else(|| FALLBACK_HOST_NAME.to_string());
    let ca_name = config
        .ca_name
        .or_else(|| {
            directory
                .as_ref()
                .map(|directory| directory.default_ca_name())
        })
        .unwrap_or_else(|| FALLBACK_CA_NAME.to_string());
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(url = %format!("{scheme}://{local_addr}/certsrv/"), behaviour = %config.behaviour, host = %host_name, "Web Enrollment listening");
    let (shutdown_tx, shutdown) = watch::channel(false);
    let generations = (!config.generations.is_empty()).then(|| config.generations.into());
    let state = Arc::new(handler::CertsrvState {
        generations,
        behaviour: config.behaviour,
        directory,
        host_name,
        ca_name,
        secure: config.tls.is_some(),
        pending_ntlm: windows_auth::Pending::default(),
        shutdown: shutdown.clone(),
        enrollment: enroll::Enrollment::new(config.issuer_key, config.pend_all),
    });
    let task = tokio::spawn(serve::run(listener, config.tls, state, shutdown));
    Ok(RunningCertsrv {
        local_addr,
        shutdown_tx,
        task,
    })
}

/// A `/certsrv` host that is serving. Dropping it stops it without waiting; call
/// [`RunningCertsrv::shutdown`] to wait for exchanges in flight.
#[derive(Debug)]
pub struct RunningCertsrv {
    local_addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningCertsrv {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting and waits for the exchanges in flight, at most a few seconds (a `slow`
    /// answer is cut short; a `silent` connection is closed without an answer).
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        let _ = self.task.await;
    }
}

/// A certs-only PKCS#7 SignedData (DER), as `certnew.p7b?Enc=bin` serves it, holding
/// `certificates` in order: for other servers of a test world that hand out chains.
pub fn certs_only_pkcs7(certificates: &[Vec<u8>]) -> Result<Vec<u8>> {
    let refs: Vec<&[u8]> = certificates.iter().map(Vec::as_slice).collect();
    pkcs7::certs_only(&refs).map_err(Error::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_renewal_and_the_certificate_at_fault() {
        let good = pkcs7::tests::certificate("Root");
        let config = Config::new()
            .generation(good.clone(), Vec::new())
            .generation(good.clone(), vec![vec![0x30, 0x00]]);
        let error = config
            .validate()
            .expect_err("chain certificate is not X.509");
        assert_eq!(
            error.to_string().split(':').take(2).collect::<Vec<_>>(),
            ["certsrv renewal 1", " chain certificate 1"]
        );
        assert!(Config::new()
            .generation(good, Vec::new())
            .validate()
            .is_ok());
        assert!(Config::new()
            .generation(b"junk".to_vec(), Vec::new())
            .validate()
            .is_err());
    }

    /// A directory with one user, `EXAMPLE\\alice` / `secret`, and no enrollment service.
    struct OneUser;

    impl Directory for OneUser {
        fn enrollment_ca_certificates(&self) -> Vec<Vec<Vec<u8>>> {
            Vec::new()
        }
        fn authenticate(&self, user: &str, password: &str) -> Result<String, BindRefused> {
            match (user, password) {
                ("alice@example.test", "secret") => Ok("EXAMPLE\\alice".into()),
                _ => Err(BindRefused::Refused {
                    diagnostic: "data 52e".into(),
                }),
            }
        }
        fn host_name(&self) -> String {
            "dc1.example.test".into()
        }
        fn default_ca_name(&self) -> String {
            "EXAMPLE-DC1-CA".into()
        }
    }

    async fn listener() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").await.expect("bind")
    }

    /// One HTTP/1.0 exchange (no `Host` unless `headers` has one); the whole answer as text.
    async fn get(addr: SocketAddr, path: &str, headers: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.0\r\n{headers}\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read");
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn basic_needs_a_directory() {
        let config = Config::new().behaviour(Behaviour::Basic);
        let error = start(listener().await, config, None).expect_err("no directory");
        assert!(matches!(error, Error::BasicWithoutDirectory), "{error}");
    }

    #[tokio::test]
    async fn basic_checks_the_directory_and_names_the_configured_host_as_realm() {
        let config = Config::new()
            .behaviour(Behaviour::Basic)
            .host_name("ca1.example.test");
        let server = start(listener().await, config, Some(Arc::new(OneUser))).expect("starts");
        let addr = server.local_addr();

        let refused = get(addr, "/certsrv/", "").await;
        assert!(refused.starts_with("HTTP/1.0 401"), "{refused}");
        assert!(
            refused.contains("Basic realm=\"ca1.example.test\""),
            "{refused}"
        );
        let with_host = get(addr, "/certsrv/", "Host: other.example.test:80\r\n").await;
        assert!(
            with_host.contains("Basic realm=\"other.example.test\""),
            "{with_host}"
        );

        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode("alice@example.test:secret");
        let welcome = get(
            addr,
            "/certsrv/",
            &format!("Authorization: Basic {token}\r\n"),
        )
        .await;
        assert!(welcome.starts_with("HTTP/1.0 200"), "{welcome}");
        // No certificate anywhere: the directory's name for the CA.
        assert!(welcome.contains("EXAMPLE-DC1-CA"), "{welcome}");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn without_a_directory_the_configured_generations_serve() {
        let root = pkcs7::tests::certificate("Lonely Root");
        let config = Config::new().generation(root.clone(), Vec::new());
        let server = start(listener().await, config, None).expect("starts");
        let answer = get(
            server.local_addr(),
            "/certsrv/certcarc.asp",
            "Host: ca.example.test\r\n",
        )
        .await;
        assert!(answer.contains("var nRenewals=0;"), "{answer}");
        assert!(answer.contains("Lonely Root"), "{answer}");
        server.shutdown().await;
    }
}
