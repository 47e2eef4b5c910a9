use super::*;

/// A reason as a step would report it; the machine passes it through unchanged.
fn why(code: ReasonCode, text: &str) -> Error {
    Error::new(code, text)
}

const FALLBACK: Rules = Rules {
    http_fallback: true,
    loop_on_unreadable: false,
    check_revocation: false,
};
const NO_FALLBACK: Rules = Rules {
    http_fallback: false,
    loop_on_unreadable: false,
    check_revocation: false,
};
const LOOPING: Rules = Rules {
    http_fallback: true,
    loop_on_unreadable: true,
    check_revocation: false,
};
const HARD_FAIL: Rules = Rules {
    http_fallback: true,
    loop_on_unreadable: false,
    check_revocation: true,
};

fn candidate() -> Candidate {
    Candidate {
        der: vec![0x30],
        source: "CN=Root,CN=Certification Authorities".into(),
    }
}

fn run(events: Vec<Event>, rules: Rules) -> Vec<State> {
    let mut state = State::LocatingDomainController;
    let mut seen = vec![state.clone()];
    for event in events {
        state = transition(state, event, rules);
        seen.push(state.clone());
    }
    seen
}

#[test]
fn directory_path_signs_in() {
    let states = run(
        vec![
            Event::DomainControllerFound,
            Event::Bound,
            Event::CertificationAuthorities {
                candidates: vec![candidate()],
            },
            Event::Installed {
                installed: 1,
                rejected: vec![],
                unreadable: 0,
            },
            Event::Connected,
            Event::Validated,
        ],
        FALLBACK,
    );
    let names: Vec<_> = states.iter().map(State::name).collect();
    assert_eq!(
        names,
        [
            "locating_domain_controller",
            "binding_to_directory",
            "searching_certification_authorities",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate",
            "finished"
        ]
    );
    assert_eq!(
        states.last(),
        Some(&State::Finished(Verdict::SignedIn {
            path: Path::Directory
        }))
    );
}

#[test]
fn empty_directory_falls_back_to_web_enrollment() {
    let states = run(
        vec![
            Event::DomainControllerFound,
            Event::Bound,
            Event::CertificationAuthorities { candidates: vec![] },
            Event::EnrollmentServices {
                hosts: vec!["ca1.example.test".into()],
            },
            Event::ChainDownloaded {
                candidates: vec![candidate()],
                failures: vec![],
            },
            Event::Installed {
                installed: 1,
                rejected: vec![],
                unreadable: 0,
            },
            Event::Connected,
            Event::Validated,
        ],
        FALLBACK,
    );
    assert!(states.contains(&State::DownloadingCertificateChain {
        hosts: vec!["ca1.example.test".into()]
    }));
    assert_eq!(
        states.last(),
        Some(&State::Finished(Verdict::SignedIn {
            path: Path::WebEnrollment
        }))
    );
}

#[test]
fn no_certificates_anywhere_is_cannot_validate() {
    let end = run(
        vec![
            Event::DomainControllerFound,
            Event::Bound,
            Event::CertificationAuthorities { candidates: vec![] },
            Event::EnrollmentServices { hosts: vec![] },
        ],
        FALLBACK,
    );
    let State::Finished(verdict) = end.last().unwrap() else {
        panic!("not finished")
    };
    assert_eq!(
        verdict.outcome().name(),
        "cannot_validate_server_certificate"
    );
    assert!(verdict.reason().contains("pKIEnrollmentService"));
    assert_eq!(verdict.reason_code(), Some(ReasonCode::NoEnrollmentService));
    assert_eq!(verdict.screen(), "Cannot validate server certificate");
}

#[test]
fn without_fallback_an_empty_directory_ends_at_step_one() {
    let state = transition(
        State::SearchingCertificationAuthorities,
        Event::CertificationAuthorities { candidates: vec![] },
        NO_FALLBACK,
    );
    assert!(
        matches!(state, State::Finished(Verdict::CannotValidateServerCertificate { reason }) if reason.text().contains("does not fall back"))
    );
}

#[test]
fn failed_downloads_are_named_in_the_verdict() {
    let state = transition(
        State::DownloadingCertificateChain {
            hosts: vec!["ca1".into()],
        },
        Event::ChainDownloaded {
            candidates: vec![],
            failures: vec![why(
                ReasonCode::EnrollmentHttpStatus,
                "HTTP 404 from http://ca1/certsrv/...",
            )],
        },
        FALLBACK,
    );
    assert!(
        matches!(state, State::Finished(Verdict::CannotValidateServerCertificate { reason }) if reason.text().contains("HTTP 404"))
    );
}

#[test]
fn terminal_failures_of_each_step() {
    let cases = [
        (
            State::LocatingDomainController,
            Event::DomainControllerNotFound {
                reason: why(ReasonCode::Internal, "no SRV"),
            },
            "cannot_locate_domain_controller",
        ),
        (
            State::BindingToDirectory,
            Event::BindFailed {
                reason: why(ReasonCode::Internal, "data 52e"),
            },
            "sign_in_failed",
        ),
        (
            State::SearchingCertificationAuthorities,
            Event::DirectoryFailed {
                reason: why(ReasonCode::Internal, "000004DC"),
            },
            "cannot_validate_server_certificate",
        ),
        (
            State::SearchingEnrollmentServices,
            Event::DirectoryFailed {
                reason: why(ReasonCode::Internal, "x"),
            },
            "cannot_validate_server_certificate",
        ),
        (
            State::InstallingCertificates {
                candidates: vec![candidate()],
                path: Path::Directory,
            },
            Event::Installed {
                installed: 0,
                rejected: vec!["SHA-256 not supported".into()],
                unreadable: 1,
            },
            "cannot_validate_server_certificate",
        ),
        (
            State::ConnectingToRegistrar {
                path: Path::Directory,
            },
            Event::ConnectFailed {
                reason: why(ReasonCode::Internal, "refused"),
            },
            "cannot_validate_server_certificate",
        ),
        (
            State::ValidatingServerCertificate {
                path: Path::Directory,
            },
            Event::ValidationFailed {
                reason: why(ReasonCode::Internal, "unknown issuer"),
            },
            "cannot_validate_server_certificate",
        ),
    ];
    for (state, event, outcome) in cases {
        let name = state.name();
        let State::Finished(verdict) = transition(state, event, FALLBACK) else {
            panic!("{name} did not finish")
        };
        assert_eq!(verdict.outcome().name(), outcome, "{name}");
        assert!(!verdict.reason().is_empty(), "{name}");
    }
}

#[test]
fn firmware_that_loops_on_unreadable_certificates_ends_in_a_boot_loop() {
    let installing = State::InstallingCertificates {
        candidates: vec![candidate()],
        path: Path::Directory,
    };
    let unreadable = Event::Installed {
        installed: 0,
        rejected: vec!["4096-bit RSA key".into()],
        unreadable: 1,
    };
    let State::Finished(verdict) = transition(installing.clone(), unreadable.clone(), LOOPING)
    else {
        panic!()
    };
    assert_eq!(verdict.outcome().name(), "boot_loop");
    assert!(verdict.reason().contains("4096-bit"));
    assert_eq!(verdict.reason_code(), Some(ReasonCode::FirmwareCannotRead));
    // Without the loop setting the same event is the plain failure.
    let State::Finished(verdict) = transition(installing.clone(), unreadable, FALLBACK) else {
        panic!()
    };
    assert_eq!(
        verdict.outcome().name(),
        "cannot_validate_server_certificate"
    );
    // Policy refusals (not unreadable) never loop.
    let refused = Event::Installed {
        installed: 0,
        rejected: vec!["not self-signed".into()],
        unreadable: 0,
    };
    let State::Finished(verdict) = transition(installing, refused, LOOPING) else {
        panic!()
    };
    assert_eq!(
        verdict.outcome().name(),
        "cannot_validate_server_certificate"
    );
    let validating = State::ValidatingServerCertificate {
        path: Path::Directory,
    };
    let login = Event::ValidationUnreadable {
        reason: why(ReasonCode::Internal, "SHA-256 signatures"),
    };
    let State::Finished(verdict) = transition(validating, login, LOOPING) else {
        panic!()
    };
    assert_eq!(verdict.outcome().name(), "boot_loop");
    assert!(verdict.reason().starts_with("login loop"));
    // The step's own code survives the machine's rewording.
    assert_eq!(verdict.reason_code(), Some(ReasonCode::Internal));
}

fn run_from(start: State, events: Vec<Event>, rules: Rules) -> Vec<State> {
    let mut state = start;
    let mut seen = vec![state.clone()];
    for event in events {
        state = transition(state, event, rules);
        seen.push(state.clone());
    }
    seen
}

fn verdict_of(state: &State) -> &Verdict {
    match state {
        State::Finished(verdict) => verdict,
        other => panic!("not finished: {other:?}"),
    }
}

#[test]
fn hard_fail_checks_revocation_before_signing_in() {
    let validating = State::ValidatingServerCertificate {
        path: Path::Directory,
    };
    let checking = transition(validating.clone(), Event::Validated, HARD_FAIL);
    assert_eq!(
        checking,
        State::CheckingRevocation {
            path: Path::Directory
        }
    );
    assert_eq!(checking.name(), "checking_revocation");
    assert_eq!(
        transition(checking.clone(), Event::RevocationChecked, HARD_FAIL),
        State::Finished(Verdict::SignedIn {
            path: Path::Directory
        })
    );
    let failed = transition(
        checking,
        Event::RevocationFailed {
            reason: why(ReasonCode::Internal, "revocation status unknown: CRL http://crl/x.crl unreachable (connection refused); this firmware hard-fails"),
        },
        HARD_FAIL,
    );
    let verdict = verdict_of(&failed);
    assert_eq!(
        verdict.outcome().name(),
        "cannot_validate_server_certificate"
    );
    assert!(verdict.reason().contains("unreachable"));
    // Without hard-fail a validated chain signs in at once: no revocation step.
    assert_eq!(
        transition(validating, Event::Validated, FALLBACK),
        State::Finished(Verdict::SignedIn {
            path: Path::Directory
        })
    );
}

#[test]
fn pin_sign_in_starts_at_dhcp_option_43_and_signs_in_through_the_web_service() {
    assert_eq!(
        State::start(SignInMethod::Directory),
        State::LocatingDomainController
    );
    let url = "http://webpool.example.test:443/CertProv/CertProvisioningService.svc";
    let states = run_from(
        State::start(SignInMethod::Pin),
        vec![
            Event::CertificateWebServiceLocated { url: url.into() },
            Event::ChainDownloaded {
                candidates: vec![candidate()],
                failures: vec![],
            },
            Event::Installed {
                installed: 1,
                rejected: vec![],
                unreadable: 0,
            },
            Event::Connected,
            Event::Validated,
            Event::RevocationChecked,
        ],
        HARD_FAIL,
    );
    let names: Vec<_> = states.iter().map(State::name).collect();
    assert_eq!(
        names,
        [
            "locating_certificate_web_service",
            "downloading_certificate_chain_from_web_service",
            "installing_certificates",
            "connecting_to_registrar",
            "validating_server_certificate",
            "checking_revocation",
            "finished"
        ]
    );
    assert_eq!(
        states[1],
        State::DownloadingFromCertificateWebService { url: url.into() }
    );
    assert_eq!(
        states.last(),
        Some(&State::Finished(Verdict::SignedIn {
            path: Path::CertificateWebService
        }))
    );
}

#[test]
fn pin_sign_in_failures_have_the_lpe_screens() {
    let not_located = transition(
        State::LocatingCertificateWebService,
        Event::CertificateWebServiceNotLocated {
            reason: why(ReasonCode::Internal, "DHCP option 43 is missing"),
        },
        FALLBACK,
    );
    let verdict = verdict_of(&not_located);
    assert_eq!(
        verdict.outcome().name(),
        "cannot_locate_certificate_web_service"
    );
    assert_eq!(
        verdict.screen(),
        "Unable to locate Lync Certificate Web service"
    );
    assert_eq!(verdict.reason(), "DHCP option 43 is missing");

    let downloading = State::DownloadingFromCertificateWebService {
        url: "http://webpool.example.test:443/CertProv/CertProvisioningService.svc".into(),
    };
    let failed = transition(
        downloading.clone(),
        Event::ChainDownloaded {
            candidates: vec![],
            failures: vec![why(ReasonCode::EnrollmentHttpStatus, "HTTP 404 from http://webpool.example.test:443/CertProv/CertProvisioningService.svc")],
        },
        FALLBACK,
    );
    let verdict = verdict_of(&failed);
    assert_eq!(
        verdict.outcome().name(),
        "certificate_chain_download_failed"
    );
    assert_eq!(
        verdict.screen(),
        "Error downloading certificate chain from OCS Registrar. Please try again"
    );
    assert!(verdict.reason().contains("HTTP 404"));
    // An empty answer without a recorded failure still names the URL.
    let empty = transition(
        downloading,
        Event::ChainDownloaded {
            candidates: vec![],
            failures: vec![],
        },
        FALLBACK,
    );
    assert!(verdict_of(&empty)
        .reason()
        .contains("CertProvisioningService.svc returned no certificate"));
    // After the download the install and TLS rules are the directory path's.
    let installing = State::InstallingCertificates {
        candidates: vec![candidate()],
        path: Path::CertificateWebService,
    };
    let refused = transition(
        installing,
        Event::Installed {
            installed: 0,
            rejected: vec!["4096-bit RSA key".into()],
            unreadable: 1,
        },
        FALLBACK,
    );
    assert_eq!(
        verdict_of(&refused).outcome(),
        Outcome::CannotValidateServerCertificate
    );
    let validating = transition(
        State::ConnectingToRegistrar {
            path: Path::CertificateWebService,
        },
        Event::ConnectFailed {
            reason: why(
                ReasonCode::Internal,
                "no registrar: DHCP option 120 is missing",
            ),
        },
        FALLBACK,
    );
    assert_eq!(
        verdict_of(&validating).outcome(),
        Outcome::CannotValidateServerCertificate
    );
}

#[test]
fn directory_events_do_not_belong_to_the_pin_path() {
    let state = transition(
        State::LocatingCertificateWebService,
        Event::DomainControllerFound,
        FALLBACK,
    );
    assert!(verdict_of(&state).reason().contains("internal error"));
    let state = transition(
        State::CheckingRevocation {
            path: Path::Directory,
        },
        Event::Validated,
        HARD_FAIL,
    );
    assert!(verdict_of(&state).reason().contains("internal error"));
}

#[test]
fn an_event_out_of_place_is_reported_not_panicked() {
    let state = transition(State::BindingToDirectory, Event::Validated, FALLBACK);
    assert!(
        matches!(state, State::Finished(Verdict::CannotValidateServerCertificate { reason }) if reason.text().contains("internal error"))
    );
}

#[test]
fn path_names_are_the_json_names() {
    for path in [
        Path::Directory,
        Path::WebEnrollment,
        Path::CertificateWebService,
    ] {
        assert_eq!(serde_json::to_value(path).unwrap(), path.name());
    }
}

mod reasons;
