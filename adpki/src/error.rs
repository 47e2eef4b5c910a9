//! adpki's one error type.

use crate::publish::result_name;

/// Why `adpki` could not do what it was asked: a publish that did not happen, or an audit that
/// could not read the directory. [`Error::exit_code`] maps each to the CLI's exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The input file is unreadable or not what the type needs (exit 2).
    #[error("{0}")]
    Input(String),
    /// No connection to the directory (exit 1).
    #[error("{0}")]
    Connect(String),
    /// The directory answered an operation with a non-success result (exit 1).
    #[error("{operation} {dn} failed: LDAP {code} ({name}): {text}", name = result_name(*.code))]
    Ldap {
        operation: String,
        dn: String,
        code: u32,
        text: String,
    },
    /// The DC refused the simple bind over plain LDAP for its policy (LDAP 8: signing or TLS
    /// required): [`phone_client::ldap::SIGNING_REQUIRED`] and the DC's text (exit 1).
    #[error("{0}")]
    SigningRequired(String),
    /// The target (or its CDP container) does not exist and `-f` was not given (exit 1).
    #[error("{dn} does not exist: -f (--force-create) creates it")]
    Missing { dn: String },
    /// The exact value is already there (exit 1).
    #[error("already published in {dn}: {attribute} already holds this value (SHA-1 {sha1})")]
    AlreadyPublished {
        dn: String,
        attribute: String,
        sha1: String,
    },
    /// The audit could not read the directory (or web enrollment) the way the phone does; the
    /// phone's own error, with its reason code (exit 2).
    #[error(transparent)]
    Phone(#[from] phone_client::Error),
}

impl Error {
    /// 2 for usage and input errors, 1 for refusals and directory failures.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Input(_) | Error::Phone(_) => 2,
            _ => 1,
        }
    }

    /// "usage", "input", "connect", "ldap", "signing-required", "missing", "already-published".
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Input(_) => "input",
            Error::Connect(_) => "connect",
            Error::Ldap { .. } => "ldap",
            Error::SigningRequired(_) => "signing-required",
            Error::Missing { .. } => "missing",
            Error::AlreadyPublished { .. } => "already-published",
            Error::Phone(_) => "directory",
        }
    }
}
