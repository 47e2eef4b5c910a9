//! The phone's boot as an explicit state machine. Pure: a transition takes a state and the event
//! the executor observed and returns the next state; no I/O happens here, so every path of the
//! documented chain (domain.md §0) is unit-tested without a network.
//!
//! Directory sign-in (§0, §D.1):
//! LocatingDomainController → BindingToDirectory → SearchingCertificationAuthorities →
//! (InstallingCertificates | SearchingEnrollmentServices → DownloadingCertificateChain →
//! InstallingCertificates) → ConnectingToRegistrar → ValidatingServerCertificate →
//! [CheckingRevocation, with `revocation = "hard_fail"`] → SignedIn, or a terminal failure.
//!
//! LPE PIN sign-in (§D.2): LocatingCertificateWebService (DHCP option 43) →
//! DownloadingFromCertificateWebService → InstallingCertificates → ConnectingToRegistrar (DHCP
//! option 120 or `--registrar`) → ValidatingServerCertificate → [CheckingRevocation] → SignedIn.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ReasonCode};
use crate::profile::SignInMethod;

/// A certificate the phone found, with where it came from (an object's DN or a URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub der: Vec<u8>,
    pub source: String,
}

/// Which way the phone got its roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    Directory,
    WebEnrollment,
    /// LPE PIN sign-in: the chain came from the Certificate Provisioning web service (§D.2).
    CertificateWebService,
}

impl Path {
    /// The name the JSON report uses (`directory`, `web_enrollment`, `certificate_web_service`).
    pub fn name(self) -> &'static str {
        match self {
            Path::Directory => "directory",
            Path::WebEnrollment => "web_enrollment",
            Path::CertificateWebService => "certificate_web_service",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    LocatingDomainController,
    BindingToDirectory,
    SearchingCertificationAuthorities,
    SearchingEnrollmentServices,
    DownloadingCertificateChain {
        hosts: Vec<String>,
    },
    InstallingCertificates {
        candidates: Vec<Candidate>,
        path: Path,
    },
    ConnectingToRegistrar {
        path: Path,
    },
    ValidatingServerCertificate {
        path: Path,
    },
    /// Hard-fail CRL checking of the validated chain (§E, §G row 17).
    CheckingRevocation {
        path: Path,
    },
    /// PIN sign-in: reading the Certificate Provisioning Service URL from DHCP option 43.
    LocatingCertificateWebService,
    /// PIN sign-in: GETting the root chain from that web service.
    DownloadingFromCertificateWebService {
        url: String,
    },
    Finished(Verdict),
}

impl State {
    /// The step's name as the report shows it.
    pub fn name(&self) -> &'static str {
        match self {
            State::LocatingDomainController => "locating_domain_controller",
            State::BindingToDirectory => "binding_to_directory",
            State::SearchingCertificationAuthorities => "searching_certification_authorities",
            State::SearchingEnrollmentServices => "searching_enrollment_services",
            State::DownloadingCertificateChain { .. } => "downloading_certificate_chain",
            State::InstallingCertificates { .. } => "installing_certificates",
            State::ConnectingToRegistrar { .. } => "connecting_to_registrar",
            State::ValidatingServerCertificate { .. } => "validating_server_certificate",
            State::CheckingRevocation { .. } => "checking_revocation",
            State::LocatingCertificateWebService => "locating_certificate_web_service",
            State::DownloadingFromCertificateWebService { .. } => {
                "downloading_certificate_chain_from_web_service"
            }
            State::Finished(_) => "finished",
        }
    }

    /// What the phone's screen says during this step (the CX700 status lines, §D.1).
    pub fn screen(&self) -> &'static str {
        match self {
            State::LocatingDomainController => "Locating Domain Controller",
            State::BindingToDirectory
            | State::SearchingCertificationAuthorities
            | State::SearchingEnrollmentServices => "Downloading Certificate",
            State::DownloadingCertificateChain { .. } => "Downloading Certificate",
            State::InstallingCertificates { .. } => "Installing Certificate",
            State::ConnectingToRegistrar { .. }
            | State::ValidatingServerCertificate { .. }
            | State::CheckingRevocation { .. } => "Connecting to Office Communications Server",
            // UNCERTAIN: no source gives LPE's status lines for these two steps.
            State::LocatingCertificateWebService => "Locating Lync Certificate Web service",
            State::DownloadingFromCertificateWebService { .. } => "Downloading Certificate",
            State::Finished(_) => "",
        }
    }

    /// Where a boot starts: the DC search for directory sign-in, DHCP option 43 for PIN sign-in.
    pub fn start(method: SignInMethod) -> State {
        match method {
            SignInMethod::Directory => State::LocatingDomainController,
            SignInMethod::Pin => State::LocatingCertificateWebService,
        }
    }
}

/// The terminal outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    SignedIn {
        path: Path,
    },
    /// The phone's own message; `reason` is the precise cause underneath.
    CannotValidateServerCertificate {
        reason: Error,
    },
    CannotLocateDomainController {
        reason: Error,
    },
    /// The directory refused the bind (AD's data code in the reason).
    SignInFailed {
        reason: Error,
    },
    /// Firmware that cannot read the certificates it was given does not stop: it cycles
    /// "Locating Domain Controller → Downloading → Installing Certificate → Connecting" (CX700 with
    /// a SHA-2/4096-bit root) or loops at login (old LPE builds with a SHA-256 server certificate),
    /// domain.md §D.3. Only profiles that say so end here; others report cannot-validate.
    BootLoop {
        reason: Error,
    },
    /// PIN sign-in without a usable DHCP option 43 (missing, or not a URL): LPE's
    /// "Unable to locate Lync Certificate Web service" (§D.2, §G row 18; spec).
    CannotLocateCertificateWebService {
        reason: Error,
    },
    /// PIN sign-in whose chain download failed (unreachable, HTTP error, not a chain): LPE's
    /// "Error downloading certificate chain from OCS Registrar. Please try again" (§D.2, §G row
    /// 18; spec).
    CertificateChainDownloadFailed {
        reason: Error,
    },
}

impl Verdict {
    pub fn outcome(&self) -> Outcome {
        match self {
            Verdict::SignedIn { .. } => Outcome::SignedIn,
            Verdict::CannotValidateServerCertificate { .. } => {
                Outcome::CannotValidateServerCertificate
            }
            Verdict::CannotLocateDomainController { .. } => Outcome::CannotLocateDomainController,
            Verdict::SignInFailed { .. } => Outcome::SignInFailed,
            Verdict::BootLoop { .. } => Outcome::BootLoop,
            Verdict::CannotLocateCertificateWebService { .. } => {
                Outcome::CannotLocateCertificateWebService
            }
            Verdict::CertificateChainDownloadFailed { .. } => {
                Outcome::CertificateChainDownloadFailed
            }
        }
    }

    /// Why the boot failed; `None` when it signed in.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Verdict::SignedIn { .. } => None,
            Verdict::CannotValidateServerCertificate { reason }
            | Verdict::CannotLocateDomainController { reason }
            | Verdict::SignInFailed { reason }
            | Verdict::BootLoop { reason }
            | Verdict::CannotLocateCertificateWebService { reason }
            | Verdict::CertificateChainDownloadFailed { reason } => Some(reason),
        }
    }

    /// The reason's text ("" when signed in).
    pub fn reason(&self) -> &str {
        self.error().map(Error::text).unwrap_or_default()
    }

    /// The reason's code (`None` when signed in).
    pub fn reason_code(&self) -> Option<ReasonCode> {
        self.error().map(Error::code)
    }

    /// What the phone shows.
    pub fn screen(&self) -> &'static str {
        self.outcome().screen()
    }
}

/// How a boot ends, as the report's `outcome` and scenario files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    SignedIn,
    CannotValidateServerCertificate,
    CannotLocateDomainController,
    SignInFailed,
    BootLoop,
    CannotLocateCertificateWebService,
    CertificateChainDownloadFailed,
}

impl Outcome {
    /// Every outcome, for documentation and for checking scenario files.
    pub const ALL: [Outcome; 7] = [
        Outcome::SignedIn,
        Outcome::CannotValidateServerCertificate,
        Outcome::CannotLocateDomainController,
        Outcome::SignInFailed,
        Outcome::BootLoop,
        Outcome::CannotLocateCertificateWebService,
        Outcome::CertificateChainDownloadFailed,
    ];

    /// The name JSON and scenario files use (`signed_in`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::SignedIn => "signed_in",
            Outcome::CannotValidateServerCertificate => "cannot_validate_server_certificate",
            Outcome::CannotLocateDomainController => "cannot_locate_domain_controller",
            Outcome::SignInFailed => "sign_in_failed",
            Outcome::BootLoop => "boot_loop",
            Outcome::CannotLocateCertificateWebService => "cannot_locate_certificate_web_service",
            Outcome::CertificateChainDownloadFailed => "certificate_chain_download_failed",
        }
    }

    /// What the phone shows.
    pub fn screen(self) -> &'static str {
        match self {
            Outcome::SignedIn => "Signed in",
            Outcome::CannotValidateServerCertificate => "Cannot validate server certificate",
            Outcome::CannotLocateDomainController => "Locating Domain Controller",
            Outcome::SignInFailed => "Sign-in failed",
            Outcome::BootLoop => "Installing Certificate (looping)",
            Outcome::CannotLocateCertificateWebService => {
                "Unable to locate Lync Certificate Web service"
            }
            Outcome::CertificateChainDownloadFailed => {
                "Error downloading certificate chain from OCS Registrar. Please try again"
            }
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the executor observed while performing a state's step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    DomainControllerFound,
    DomainControllerNotFound {
        reason: Error,
    },
    Bound,
    BindFailed {
        reason: Error,
    },
    /// Step 1's result: the usable certificates (placeholders and garbage already set aside).
    CertificationAuthorities {
        candidates: Vec<Candidate>,
    },
    /// The directory could not be searched (an LDAP error): the phone cannot go on.
    DirectoryFailed {
        reason: Error,
    },
    EnrollmentServices {
        hosts: Vec<String>,
    },
    /// Step 2's downloads: what came back from every host (failures are in the step's detail).
    ChainDownloaded {
        candidates: Vec<Candidate>,
        failures: Vec<Error>,
    },
    /// `installed` certificates went into the store; `rejected` says why others did not;
    /// `unreadable` counts those refused because the firmware cannot read them (§D.3).
    Installed {
        installed: usize,
        rejected: Vec<String>,
        unreadable: usize,
    },
    Connected,
    ConnectFailed {
        reason: Error,
    },
    Validated,
    ValidationFailed {
        reason: Error,
    },
    /// The registrar's chain uses something the firmware cannot read (a SHA-256 or 4096-bit chain
    /// on old firmware).
    ValidationUnreadable {
        reason: Error,
    },
    /// Every certificate of the chain below the anchor has a fresh CRL that does not list it.
    RevocationChecked,
    /// Revoked, or its status could not be obtained (the reason says which, with the URL).
    RevocationFailed {
        reason: Error,
    },
    /// DHCP option 43 gave a Certificate Provisioning Service URL; `url` is what the phone GETs.
    CertificateWebServiceLocated {
        url: String,
    },
    /// DHCP option 43 is missing or unusable.
    CertificateWebServiceNotLocated {
        reason: Error,
    },
}

/// Settings the transitions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub http_fallback: bool,
    /// Unreadable certificates make the phone loop instead of giving up (§D.3).
    pub loop_on_unreadable: bool,
    /// `revocation = "hard_fail"`: a validated chain is checked against its CRLs before the
    /// phone signs in (§E, §G row 17).
    pub check_revocation: bool,
}

/// The next state. An event that does not belong to the state is a bug in the executor; the
/// machine answers it with a terminal failure naming both, rather than panicking.
pub fn transition(state: State, event: Event, rules: Rules) -> State {
    use Event as E;
    use State as S;
    let cannot_validate =
        |reason: Error| S::Finished(Verdict::CannotValidateServerCertificate { reason });
    match (state, event) {
        (S::LocatingDomainController, E::DomainControllerFound) => S::BindingToDirectory,
        (S::LocatingDomainController, E::DomainControllerNotFound { reason }) => {
            S::Finished(Verdict::CannotLocateDomainController { reason })
        }
        (S::BindingToDirectory, E::Bound) => S::SearchingCertificationAuthorities,
        (S::BindingToDirectory, E::BindFailed { reason }) => S::Finished(Verdict::SignInFailed { reason }),
        (S::SearchingCertificationAuthorities, E::CertificationAuthorities { candidates }) if !candidates.is_empty() => {
            S::InstallingCertificates { candidates, path: Path::Directory }
        }
        (S::SearchingCertificationAuthorities, E::CertificationAuthorities { .. }) if rules.http_fallback => {
            S::SearchingEnrollmentServices
        }
        (S::SearchingCertificationAuthorities, E::CertificationAuthorities { .. }) => cannot_validate(Error::new(
            ReasonCode::NoCertificateInDirectory,
            "no certificationAuthority object carries a usable cACertificate, and this firmware does not fall back to web enrollment",
        )),
        (S::SearchingCertificationAuthorities | S::SearchingEnrollmentServices, E::DirectoryFailed { reason }) => {
            cannot_validate(reason)
        }
        (S::SearchingEnrollmentServices, E::EnrollmentServices { hosts }) if !hosts.is_empty() => {
            S::DownloadingCertificateChain { hosts }
        }
        (S::SearchingEnrollmentServices, E::EnrollmentServices { .. }) => cannot_validate(Error::new(
            ReasonCode::NoEnrollmentService,
            "no certificationAuthority object carries a usable cACertificate and no pKIEnrollmentService object names a dNSHostName",
        )),
        (S::DownloadingCertificateChain { .. }, E::ChainDownloaded { candidates, .. }) if !candidates.is_empty() => {
            S::InstallingCertificates { candidates, path: Path::WebEnrollment }
        }
        (S::DownloadingCertificateChain { .. }, E::ChainDownloaded { failures, .. }) => cannot_validate(Error::new(
            first_code(&failures, ReasonCode::EmptyChain),
            format!(
                "no certificate in the directory, and web enrollment gave none: {}",
                if failures.is_empty() { "every download was empty".to_string() } else { joined(&failures) }
            ),
        )),
        (S::InstallingCertificates { path, .. }, E::Installed { installed, .. }) if installed > 0 => {
            S::ConnectingToRegistrar { path }
        }
        (S::InstallingCertificates { .. }, E::Installed { rejected, unreadable, .. })
            if unreadable > 0 && rules.loop_on_unreadable =>
        {
            S::Finished(Verdict::BootLoop {
                reason: Error::new(
                    ReasonCode::FirmwareCannotRead,
                    format!(
                        "the phone cycles Locating Domain Controller → Downloading → Installing Certificate → Connecting: {}",
                        rejected.join("; ")
                    ),
                ),
            })
        }
        (S::InstallingCertificates { .. }, E::Installed { rejected, .. }) => cannot_validate(Error::new(
            ReasonCode::NothingInstallable,
            format!("no certificate could be installed: {}", rejected.join("; ")),
        )),
        (S::ConnectingToRegistrar { path }, E::Connected) => S::ValidatingServerCertificate { path },
        (S::ConnectingToRegistrar { .. }, E::ConnectFailed { reason }) => cannot_validate(reason),
        (S::ValidatingServerCertificate { path }, E::Validated) if rules.check_revocation => S::CheckingRevocation { path },
        (S::ValidatingServerCertificate { path }, E::Validated) => S::Finished(Verdict::SignedIn { path }),
        (S::CheckingRevocation { path }, E::RevocationChecked) => S::Finished(Verdict::SignedIn { path }),
        (S::CheckingRevocation { .. }, E::RevocationFailed { reason }) => cannot_validate(reason),
        (S::LocatingCertificateWebService, E::CertificateWebServiceLocated { url }) => {
            S::DownloadingFromCertificateWebService { url }
        }
        (S::LocatingCertificateWebService, E::CertificateWebServiceNotLocated { reason }) => {
            S::Finished(Verdict::CannotLocateCertificateWebService { reason })
        }
        (S::DownloadingFromCertificateWebService { .. }, E::ChainDownloaded { candidates, .. }) if !candidates.is_empty() => {
            S::InstallingCertificates { candidates, path: Path::CertificateWebService }
        }
        (S::DownloadingFromCertificateWebService { url }, E::ChainDownloaded { failures, .. }) => {
            S::Finished(Verdict::CertificateChainDownloadFailed {
                reason: if failures.is_empty() {
                    Error::new(ReasonCode::EmptyChain, format!("{url} returned no certificate"))
                } else {
                    Error::new(first_code(&failures, ReasonCode::EmptyChain), joined(&failures))
                },
            })
        }
        (S::ValidatingServerCertificate { .. }, E::ValidationFailed { reason }) => cannot_validate(reason),
        (S::ValidatingServerCertificate { .. }, E::ValidationUnreadable { reason }) if rules.loop_on_unreadable => {
            S::Finished(Verdict::BootLoop { reason: reason.map_text(|text| format!("login loop: {text}")) })
        }
        (S::ValidatingServerCertificate { .. }, E::ValidationUnreadable { reason }) => cannot_validate(reason),
        (state, event) => cannot_validate(Error::internal(format!("internal error: event {event:?} in state {}", state.name()))),
    }
}

/// The code of the first failure (every host is tried; the first is what an admin fixes
/// first), or `otherwise` when there is none.
fn first_code(failures: &[Error], otherwise: ReasonCode) -> ReasonCode {
    failures.first().map_or(otherwise, Error::code)
}

/// The failures' texts, as one line.
fn joined(failures: &[Error]) -> String {
    failures
        .iter()
        .map(Error::text)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
