//! Each published certificate's status as pkiview shows it, plus what only a phone cares about:
//! whether this firmware can read it at all.

use der::Decode;
use serde::Serialize;

use phone_client::certinfo::CertificateInfo;
use phone_client::profile::Profile;

/// A certificate that ends within this many days is "expiring" (pkiview's default warning
/// window is not documented; 30 days is UNCERTAIN).
pub const EXPIRING_DAYS: u64 = 30;

/// `ok`, `expiring`, `expired`, `not_yet_valid`, or `unreadable` (by this firmware), with why.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateStatus {
    pub status: &'static str,
    pub detail: String,
}

/// The status of `der` (described as `info`) for a phone with `profile`, at `now` (Unix seconds).
pub fn status(
    der: &[u8],
    info: &CertificateInfo,
    profile: &Profile,
    now: u64,
) -> CertificateStatus {
    if let Some(reason) = profile.refusal(info) {
        if reason.starts_with("this firmware cannot read") {
            return CertificateStatus {
                status: "unreadable",
                detail: format!("{reason} ({})", profile.name),
            };
        }
    }
    let Some((not_before, not_after)) = validity(der) else {
        return CertificateStatus {
            status: "ok",
            detail: String::new(),
        };
    };
    if now < not_before {
        return CertificateStatus {
            status: "not_yet_valid",
            detail: format!("valid from {}", info.not_before),
        };
    }
    if now > not_after {
        return CertificateStatus {
            status: "expired",
            detail: format!("expired {}", info.not_after),
        };
    }
    let left_days = (not_after - now) / 86_400;
    if left_days < EXPIRING_DAYS {
        return CertificateStatus {
            status: "expiring",
            detail: format!("expires {} ({left_days} days)", info.not_after),
        };
    }
    CertificateStatus {
        status: "ok",
        detail: format!("valid until {}", info.not_after),
    }
}

/// notBefore and notAfter in Unix seconds.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let certificate = x509_cert::Certificate::from_der(der).ok()?;
    let validity = certificate.tbs_certificate.validity;
    Some((
        validity.not_before.to_unix_duration().as_secs(),
        validity.not_after.to_unix_duration().as_secs(),
    ))
}

/// AD's placeholder for a mandatory attribute nobody wrote: one 0x00 byte (or nothing).
pub fn is_placeholder(value: &[u8]) -> bool {
    value.iter().all(|byte| *byte == 0) && value.len() <= 1
}

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
