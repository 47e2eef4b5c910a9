//! AD CS Web Enrollment (`/certsrv`) beside the directory, as the CA's IIS answers it
//! (domain.md §C): certnew.p7b (the chain as certs-only PKCS#7), certnew.cer (one CA
//! certificate), certcarc.asp (with `var nRenewals=N;`) and the welcome page, with the
//! misbehaviours a scenario may ask for ([`Behaviour`]).
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

mod auth;
mod behaviour;
mod ca;
mod handler;
mod pages;
mod pkcs7;
mod request;
mod serve;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use behaviour::{Behaviour, BehaviourParseError, WrongContent};
pub use ca::CaGeneration;

use crate::error::Error;
use crate::session::Shared;

/// What `/certsrv` serves and how it behaves.
#[derive(Debug, Clone, Default)]
pub struct CertsrvConfig {
    /// The CA's certificates in renewal order (index 0 = the original certificate; the last is
    /// the current one). Empty: serve what the directory's enrollment service publishes.
    pub generations: Vec<CaGeneration>,
    pub behaviour: Behaviour,
}

impl CertsrvConfig {
    /// Anonymous access to the certificates the directory publishes.
    pub fn new() -> CertsrvConfig {
        CertsrvConfig::default()
    }

    /// Adds the next renewal: the CA's certificate (DER) and its issuers (DER, nearest first).
    pub fn generation(mut self, certificate: Vec<u8>, chain: Vec<Vec<u8>>) -> CertsrvConfig {
        self.generations.push(CaGeneration::new(certificate, chain));
        self
    }

    pub fn behaviour(mut self, behaviour: Behaviour) -> CertsrvConfig {
        self.behaviour = behaviour;
        self
    }

    /// Every configured certificate is X.509 DER.
    pub fn validate(&self) -> Result<(), Error> {
        for (renewal, generation) in self.generations.iter().enumerate() {
            generation
                .validate()
                .map_err(|reason| Error::Config(format!("certsrv renewal {renewal}: {reason}")))?;
        }
        Ok(())
    }
}

/// Binds the Web Enrollment listener.
pub(crate) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), Error> {
    let listen_error = |source| Error::Listen {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
    let local = listener.local_addr().map_err(listen_error)?;
    Ok((listener, local))
}

/// Serves `/certsrv` on `listener` until `shutdown` becomes true.
pub(crate) fn spawn(
    listener: TcpListener,
    config: CertsrvConfig,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let generations = (!config.generations.is_empty()).then(|| config.generations.into());
    let state = Arc::new(handler::CertsrvState {
        generations,
        behaviour: config.behaviour,
        shared,
        shutdown: shutdown.clone(),
    });
    tokio::spawn(serve::run(listener, state, shutdown))
}

/// A certs-only PKCS#7 SignedData (DER), as `certnew.p7b?Enc=bin` serves it, holding
/// `certificates` in order: for other servers of a test world that hand out chains.
pub fn certs_only_pkcs7(certificates: &[Vec<u8>]) -> der::Result<Vec<u8>> {
    let refs: Vec<&[u8]> = certificates.iter().map(Vec::as_slice).collect();
    pkcs7::certs_only(&refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_renewal_and_the_certificate_at_fault() {
        let good = pkcs7::tests::certificate("Root");
        let config = CertsrvConfig::new()
            .generation(good.clone(), Vec::new())
            .generation(good.clone(), vec![vec![0x30, 0x00]]);
        let error = config
            .validate()
            .expect_err("chain certificate is not X.509");
        assert_eq!(
            error.to_string().split(':').take(2).collect::<Vec<_>>(),
            ["certsrv renewal 1", " chain certificate 1"]
        );
        assert!(CertsrvConfig::new()
            .generation(good, Vec::new())
            .validate()
            .is_ok());
        assert!(CertsrvConfig::new()
            .generation(b"junk".to_vec(), Vec::new())
            .validate()
            .is_err());
    }
}
