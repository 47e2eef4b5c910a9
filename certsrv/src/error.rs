//! The crate's one error type: what can go wrong loading CA certificates, parsing a behaviour
//! name, encoding a PKCS#7 or starting a listener. Every message names the input at fault.

use std::path::PathBuf;

/// Everything that can fail at the crate's public edges.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A CA certificate file that cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A CA certificate file that was read but holds no usable CA certificate.
    #[error("{}: not a CA certificate file: {source}", path.display())]
    CaFile { path: PathBuf, source: Box<Error> },
    /// Bytes that are neither DER nor PEM text.
    #[error("neither DER (no leading SEQUENCE) nor PEM text")]
    NotDerOrPem,
    /// PEM text without a certificate in it.
    #[error("no -----BEGIN CERTIFICATE----- block")]
    NoCertificate,
    /// A PEM `CERTIFICATE` block that cannot be decoded (`reason` says which and why).
    #[error("{reason}")]
    Pem { reason: String },
    /// A certificate that does not parse as X.509; `which` is "the CA certificate" or
    /// "chain certificate N".
    #[error("{which}: {source}")]
    Certificate { which: String, source: der::Error },
    /// A configured renewal (index in [`Config::generations`](crate::Config)) at fault.
    #[error("certsrv renewal {renewal}: {source}")]
    Renewal { renewal: usize, source: Box<Error> },
    /// A behaviour name that is not one of [`Behaviour::NAMES`](crate::Behaviour::NAMES).
    #[error("unknown certsrv behaviour {given:?}: {reason} (one of: {})", crate::Behaviour::NAMES.join(", "))]
    UnknownBehaviour { given: String, reason: &'static str },
    /// `basic` and `windows` need a directory to check credentials against, and none was given.
    #[error("certsrv behaviours basic and windows need a directory to check credentials against")]
    BasicWithoutDirectory,
    /// A listener that cannot be bound, or the one handed to [`start`](crate::start) has no
    /// local address.
    #[error("certsrv listener: {0}")]
    Listener(std::io::Error),
    /// Certificates that cannot be encoded as PKCS#7.
    #[error("cannot encode the certificates as PKCS#7: {0}")]
    Encode(der::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
