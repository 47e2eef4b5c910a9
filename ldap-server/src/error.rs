//! The crate's errors: [`OpError`] for an LDAP operation's result, [`Error`] for everything else.
//!
//! An `OpError` is what a client sees: a result code, AD's diagnostic text, and for name errors the
//! best-matching existing DN. The same value serves LDIF loading, where it is prefixed with `file:line`.

use std::path::PathBuf;

pub use rasn_ldap::ResultCode;

/// The outcome of a failed LDAP operation, exactly as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} ({}): {diagnostic}", *code as u32)]
pub struct OpError {
    pub code: ResultCode,
    /// AD's `diagnosticMessage` (see [`crate::ad_text`]).
    pub diagnostic: String,
    /// `matchedDN`: the deepest existing ancestor, for noSuchObject.
    pub matched_dn: String,
    /// Referral URLs, for result code 10.
    pub referral: Vec<String>,
}

impl OpError {
    pub fn new(code: ResultCode, diagnostic: impl Into<String>) -> OpError {
        OpError {
            code,
            diagnostic: diagnostic.into(),
            matched_dn: String::new(),
            referral: Vec::new(),
        }
    }

    pub fn with_matched_dn(mut self, matched_dn: impl Into<String>) -> OpError {
        self.matched_dn = matched_dn.into();
        self
    }
}

/// Errors outside an LDAP operation: start-up, files, sockets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An LDIF file that cannot be loaded; `line` points at the record or attribute at fault.
    #[error("{}:{line}: {message}", file.display())]
    Ldif {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    /// AD CS Web Enrollment's configuration (a CA certificate file, a renewal) at fault.
    #[error(transparent)]
    Certsrv(#[from] certsrv::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
