//! The crate's one error type, [`Error`]: a stable [`ReasonCode`] that scripts and scenario files
//! match on, AD's bind data code when a directory gave one, and the sentence a person reads.
//!
//! Why one struct rather than an enum per step: the boot's machine carries the reason of a
//! failure from the step that saw it to the verdict and the report, and the report's JSON keeps
//! `reason` (the text, unchanged) beside `reason_code`. The precise per-step errors
//! ([`crate::enroll::EnrollError`], [`crate::trust::ValidationFailure`],
//! [`crate::trust::RegistrarError`]) convert into it, each picking its code.

use ad_common::LogonFailure;
use serde::{Deserialize, Serialize};

use crate::enroll::EnrollError;
use crate::trust::{RegistrarError, ValidationFailure};

/// Why a boot (or a tool run) failed, as a stable name (`snake_case` in JSON and scenario files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A flag, profile or map given to the tool is unusable (nothing was tried).
    Usage,
    /// No domain controller could be located (no `--dc`, DNS SRV lookups failed, a name not in
    /// `--resolve`).
    DcNotFound,
    /// The DC's LDAP port did not accept a connection.
    DcUnreachable,
    /// The DC refused the bind (LDAP 49 and friends); AD's data code is beside it when there is one.
    BindRefused,
    /// The DC refused a simple bind over plain LDAP for its security policy (LDAP 8
    /// strongerAuthRequired: AD's LDAP signing requirement, `00002028 …`, or Samba's `BindSimple:
    /// Transport encryption required.`): it wants LDAP signing or TLS (domain.md §I).
    SigningRequired,
    /// TLS to the DC could not be set up: StartTLS refused, the handshake refused, dropped or
    /// timed out, or no roots to check the DC with.
    DcTls,
    /// The DC's TLS certificate was not accepted: it does not chain to a root of `--ca-file`
    /// (unknown issuer), does not name the DC, is expired, …
    DcCertificate,
    /// The LDAP connection failed under the phone (timeout, reset, an undecodable answer).
    DirectoryUnavailable,
    /// The DC answered a search (or the rootDSE read) with an error result, e.g. 000004DC.
    SearchRefused,
    /// No certificationAuthority object carries a usable cACertificate, and this firmware does
    /// not fall back to web enrollment.
    NoCertificateInDirectory,
    /// No usable cACertificate and no pKIEnrollmentService names a dNSHostName.
    NoEnrollmentService,
    /// Web enrollment (or the certificate web service) could not be reached.
    EnrollmentUnreachable,
    /// Web enrollment did not answer within the phone's HTTP timeout.
    EnrollmentTimeout,
    /// Web enrollment answered with an HTTP status other than 2xx (401, 403, 404, …).
    EnrollmentHttpStatus,
    /// Web enrollment answered 2xx with a body that is not a PKCS#7 certificate chain.
    NotPkcs7,
    /// Every download succeeded but held no certificate.
    EmptyChain,
    /// A value that should be an X.509 certificate is not one (AD's placeholder, garbage).
    NotACertificate,
    /// Certificates were found, and none could be installed (not X.509, or refused by the
    /// firmware's install policy).
    NothingInstallable,
    /// The firmware cannot read the certificates it was given and loops (§D.3).
    FirmwareCannotRead,
    /// The registrar's TLS port did not accept a connection in time.
    RegistrarUnreachable,
    /// The TLS handshake failed for a reason other than the certificate.
    TlsHandshake,
    /// No installed root issued the registrar's chain.
    UnknownIssuer,
    /// The chain ends at an installed certificate that is not a root (partial chains not trusted).
    PartialChain,
    /// The registrar's certificate does not name the registrar.
    NameMismatch,
    /// The registrar's certificate (or one of its chain) has expired.
    Expired,
    /// The registrar's certificate is not valid yet (often: the phone's clock).
    NotYetValid,
    /// The installed root itself is outside its validity at the phone's clock.
    RootNotTimeValid,
    /// The chain uses an algorithm or key the firmware cannot handle.
    UnsupportedAlgorithm,
    /// A signature of the chain does not verify (e.g. a renewed root with a new key).
    BadSignature,
    /// Certificate validation failed for a reason with no closer code.
    CertificateInvalid,
    /// A certificate of the chain is listed on its issuer's CRL.
    Revoked,
    /// Hard-fail revocation: the status could not be established for another reason (the path
    /// cannot be rebuilt, a certificate does not parse, no CRL covers the whole chain).
    RevocationUnknown,
    /// Hard-fail revocation: a CRL could not be downloaded.
    CrlUnreachable,
    /// Hard-fail revocation: a CRL was obtained but cannot be used (stale, not signed by the
    /// issuer, not a CRL).
    CrlInvalid,
    /// Hard-fail revocation: a certificate names no HTTP CRL distribution point.
    NoCrlDistributionPoint,
    /// PIN sign-in: DHCP option 43 is missing or gives no usable URL.
    WebServiceNotLocated,
    /// PIN sign-in: no registrar (no `--registrar`, no usable DHCP option 120).
    NoRegistrar,
    /// A bug in this tool (an event out of place); please report it.
    Internal,
}

impl ReasonCode {
    /// Every code, for documentation and for checking scenario files.
    pub const ALL: [ReasonCode; 38] = [
        ReasonCode::Usage,
        ReasonCode::DcNotFound,
        ReasonCode::DcUnreachable,
        ReasonCode::BindRefused,
        ReasonCode::SigningRequired,
        ReasonCode::DcTls,
        ReasonCode::DcCertificate,
        ReasonCode::DirectoryUnavailable,
        ReasonCode::SearchRefused,
        ReasonCode::NoCertificateInDirectory,
        ReasonCode::NoEnrollmentService,
        ReasonCode::EnrollmentUnreachable,
        ReasonCode::EnrollmentTimeout,
        ReasonCode::EnrollmentHttpStatus,
        ReasonCode::NotPkcs7,
        ReasonCode::EmptyChain,
        ReasonCode::NotACertificate,
        ReasonCode::NothingInstallable,
        ReasonCode::FirmwareCannotRead,
        ReasonCode::RegistrarUnreachable,
        ReasonCode::TlsHandshake,
        ReasonCode::UnknownIssuer,
        ReasonCode::PartialChain,
        ReasonCode::NameMismatch,
        ReasonCode::Expired,
        ReasonCode::NotYetValid,
        ReasonCode::RootNotTimeValid,
        ReasonCode::UnsupportedAlgorithm,
        ReasonCode::BadSignature,
        ReasonCode::CertificateInvalid,
        ReasonCode::Revoked,
        ReasonCode::RevocationUnknown,
        ReasonCode::CrlUnreachable,
        ReasonCode::CrlInvalid,
        ReasonCode::NoCrlDistributionPoint,
        ReasonCode::WebServiceNotLocated,
        ReasonCode::NoRegistrar,
        ReasonCode::Internal,
    ];

    /// The name JSON and scenario files use (`bind_refused`).
    pub fn name(self) -> &'static str {
        match self {
            ReasonCode::Usage => "usage",
            ReasonCode::DcNotFound => "dc_not_found",
            ReasonCode::DcUnreachable => "dc_unreachable",
            ReasonCode::BindRefused => "bind_refused",
            ReasonCode::SigningRequired => "signing_required",
            ReasonCode::DcTls => "dc_tls",
            ReasonCode::DcCertificate => "dc_certificate",
            ReasonCode::DirectoryUnavailable => "directory_unavailable",
            ReasonCode::SearchRefused => "search_refused",
            ReasonCode::NoCertificateInDirectory => "no_certificate_in_directory",
            ReasonCode::NoEnrollmentService => "no_enrollment_service",
            ReasonCode::EnrollmentUnreachable => "enrollment_unreachable",
            ReasonCode::EnrollmentTimeout => "enrollment_timeout",
            ReasonCode::EnrollmentHttpStatus => "enrollment_http_status",
            ReasonCode::NotPkcs7 => "not_pkcs7",
            ReasonCode::EmptyChain => "empty_chain",
            ReasonCode::NotACertificate => "not_a_certificate",
            ReasonCode::NothingInstallable => "nothing_installable",
            ReasonCode::FirmwareCannotRead => "firmware_cannot_read",
            ReasonCode::RegistrarUnreachable => "registrar_unreachable",
            ReasonCode::TlsHandshake => "tls_handshake",
            ReasonCode::UnknownIssuer => "unknown_issuer",
            ReasonCode::PartialChain => "partial_chain",
            ReasonCode::NameMismatch => "name_mismatch",
            ReasonCode::Expired => "expired",
            ReasonCode::NotYetValid => "not_yet_valid",
            ReasonCode::RootNotTimeValid => "root_not_time_valid",
            ReasonCode::UnsupportedAlgorithm => "unsupported_algorithm",
            ReasonCode::BadSignature => "bad_signature",
            ReasonCode::CertificateInvalid => "certificate_invalid",
            ReasonCode::Revoked => "revoked",
            ReasonCode::RevocationUnknown => "revocation_unknown",
            ReasonCode::CrlUnreachable => "crl_unreachable",
            ReasonCode::CrlInvalid => "crl_invalid",
            ReasonCode::NoCrlDistributionPoint => "no_crl_distribution_point",
            ReasonCode::WebServiceNotLocated => "web_service_not_located",
            ReasonCode::NoRegistrar => "no_registrar",
            ReasonCode::Internal => "internal",
        }
    }

    /// The code a name gives (`bind_refused`), as scenario files spell it.
    pub fn from_name(name: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|code| code.name() == name)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// phone-client's error: what failed ([`ReasonCode`]), AD's data code when a bind was refused
/// with one, and the text the report shows (unchanged from what the step observed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct Error {
    code: ReasonCode,
    data_code: Option<LogonFailure>,
    text: String,
}

impl Error {
    pub fn new(code: ReasonCode, text: impl Into<String>) -> Error {
        Error {
            code,
            data_code: None,
            text: text.into(),
        }
    }

    /// A refused bind: the data code is read from AD's diagnostic inside `text`.
    pub fn bind_refused(text: impl Into<String>) -> Error {
        let text = text.into();
        Error {
            code: ReasonCode::BindRefused,
            data_code: LogonFailure::in_diagnostic(&text),
            text,
        }
    }

    /// A usage error: the tool was given something it cannot use.
    pub fn usage(text: impl Into<String>) -> Error {
        Error::new(ReasonCode::Usage, text)
    }

    /// A bug in this tool.
    pub fn internal(text: impl Into<String>) -> Error {
        Error::new(ReasonCode::Internal, text)
    }

    pub fn code(&self) -> ReasonCode {
        self.code
    }

    pub fn data_code(&self) -> Option<LogonFailure> {
        self.data_code
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same text under another code (a lookup error is a usage error to a tool, and "DC
    /// not found" to the phone).
    pub fn with_code(mut self, code: ReasonCode) -> Error {
        self.code = code;
        self
    }

    /// The same failure, its text rewritten (e.g. prefixed with where it happened).
    pub fn map_text(mut self, rewrite: impl FnOnce(String) -> String) -> Error {
        self.text = rewrite(self.text);
        self
    }
}

impl From<EnrollError> for Error {
    fn from(error: EnrollError) -> Error {
        let code = match &error {
            EnrollError::Status { .. } => ReasonCode::EnrollmentHttpStatus,
            EnrollError::Timeout { .. } => ReasonCode::EnrollmentTimeout,
            EnrollError::Connect { .. } => ReasonCode::EnrollmentUnreachable,
            EnrollError::Decode { .. } => ReasonCode::NotPkcs7,
            EnrollError::Client(_) => ReasonCode::Usage,
        };
        Error::new(code, error.to_string())
    }
}

impl ValidationFailure {
    /// The reason code of this validation failure.
    pub fn code(&self) -> ReasonCode {
        match self {
            ValidationFailure::UnknownIssuer { .. } => ReasonCode::UnknownIssuer,
            ValidationFailure::PartialChain { .. } => ReasonCode::PartialChain,
            ValidationFailure::NameMismatch { .. } => ReasonCode::NameMismatch,
            ValidationFailure::Expired { .. } => ReasonCode::Expired,
            ValidationFailure::NotYetValid { .. } => ReasonCode::NotYetValid,
            ValidationFailure::RootNotTimeValid { .. } => ReasonCode::RootNotTimeValid,
            ValidationFailure::UnsupportedAlgorithm { .. } => ReasonCode::UnsupportedAlgorithm,
            ValidationFailure::BadSignature => ReasonCode::BadSignature,
            ValidationFailure::Other(_) => ReasonCode::CertificateInvalid,
        }
    }
}

impl From<ValidationFailure> for Error {
    fn from(failure: ValidationFailure) -> Error {
        Error::new(failure.code(), failure.to_string())
    }
}

impl From<RegistrarError> for Error {
    fn from(error: RegistrarError) -> Error {
        let code = match &error {
            RegistrarError::Connect { .. } | RegistrarError::Timeout { .. } => {
                ReasonCode::RegistrarUnreachable
            }
            RegistrarError::Validation(failure) => failure.code(),
            RegistrarError::Handshake { .. } => ReasonCode::TlsHandshake,
        };
        Error::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_unique_name_that_parses_back() {
        let mut names: Vec<&str> = ReasonCode::ALL.iter().map(|code| code.name()).collect();
        for code in ReasonCode::ALL {
            assert_eq!(ReasonCode::from_name(code.name()), Some(code));
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.name()));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ReasonCode::ALL.len());
        assert_eq!(ReasonCode::from_name("no_such_code"), None);
    }

    #[test]
    fn a_refused_bind_carries_ads_data_code() {
        let error = Error::bind_refused(
            "bind as alice refused: LDAP 49 80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563",
        );
        assert_eq!(error.code(), ReasonCode::BindRefused);
        assert_eq!(error.data_code(), Some(LogonFailure::AccountLockedOut));
        assert!(error.to_string().starts_with("bind as alice refused"));
        assert_eq!(Error::bind_refused("LDAP 50").data_code(), None);
    }

    #[test]
    fn step_errors_keep_their_text_and_pick_their_code() {
        let status = EnrollError::Status {
            url: "http://ca/certsrv/certnew.p7b".into(),
            status: 404,
            hint: String::new(),
        };
        let text = status.to_string();
        let error = Error::from(status);
        assert_eq!(error.code(), ReasonCode::EnrollmentHttpStatus);
        assert_eq!(error.text(), text);
        let failure = ValidationFailure::NameMismatch {
            expected: "pool.example.test".into(),
            presented: "other.example.test".into(),
        };
        assert_eq!(Error::from(failure).code(), ReasonCode::NameMismatch);
    }
}
