//! The reason codes the machine gives its own verdicts, and the step errors it passes through.

use super::*;

#[test]
fn the_machine_names_its_own_reasons_and_passes_the_steps_through() {
    let no_fallback = transition(
        State::SearchingCertificationAuthorities,
        Event::CertificationAuthorities { candidates: vec![] },
        NO_FALLBACK,
    );
    assert_eq!(
        verdict_of(&no_fallback).reason_code(),
        Some(ReasonCode::NoCertificateInDirectory)
    );
    let downloads = transition(
        State::DownloadingCertificateChain {
            hosts: vec!["ca1".into(), "ca2".into()],
        },
        Event::ChainDownloaded {
            candidates: vec![],
            failures: vec![
                why(
                    ReasonCode::EnrollmentUnreachable,
                    "cannot connect to http://ca1/",
                ),
                why(
                    ReasonCode::EnrollmentHttpStatus,
                    "HTTP 404 from http://ca2/",
                ),
            ],
        },
        FALLBACK,
    );
    let verdict = verdict_of(&downloads);
    assert_eq!(
        verdict.reason_code(),
        Some(ReasonCode::EnrollmentUnreachable)
    );
    assert!(verdict.reason().contains("ca1") && verdict.reason().contains("HTTP 404"));
    let empty = transition(
        State::DownloadingCertificateChain {
            hosts: vec!["ca1".into()],
        },
        Event::ChainDownloaded {
            candidates: vec![],
            failures: vec![],
        },
        FALLBACK,
    );
    assert_eq!(
        verdict_of(&empty).reason_code(),
        Some(ReasonCode::EmptyChain)
    );
    let refused = transition(
        State::InstallingCertificates {
            candidates: vec![candidate()],
            path: Path::Directory,
        },
        Event::Installed {
            installed: 0,
            rejected: vec!["not self-signed".into()],
            unreadable: 0,
        },
        LOOPING,
    );
    assert_eq!(
        verdict_of(&refused).reason_code(),
        Some(ReasonCode::NothingInstallable)
    );
    let bind = transition(
        State::BindingToDirectory,
        Event::BindFailed {
            reason: Error::bind_refused("LDAP 49 80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563"),
        },
        FALLBACK,
    );
    let verdict = verdict_of(&bind);
    assert_eq!(verdict.outcome(), Outcome::SignInFailed);
    assert_eq!(verdict.reason_code(), Some(ReasonCode::BindRefused));
    assert_eq!(
        verdict.error().and_then(Error::data_code),
        Some(ad_common::LogonFailure::AccountDisabled)
    );
    let lost = transition(State::BindingToDirectory, Event::Validated, FALLBACK);
    assert_eq!(verdict_of(&lost).reason_code(), Some(ReasonCode::Internal));
    assert_eq!(
        verdict_of(&lost).outcome().name(),
        "cannot_validate_server_certificate"
    );
    for outcome in Outcome::ALL {
        assert_eq!(
            serde_json::to_string(&outcome).expect("serializes"),
            format!("\"{}\"", outcome.name())
        );
    }
}
