//! The executor: performs each state's network step, feeds the observed event to the pure
//! machine, and records a report line per step with its measured duration.

use std::time::{Duration, Instant};

mod directory;
mod registrar;

use crate::certinfo::describe;
use crate::enroll::{self, ResolveMap};
use crate::error::{Error, ReasonCode};
use crate::ldap::{DcTrust, Directory, LdapTarget};
use crate::locate::{resolve_host, Locator};
use crate::machine::{transition, Candidate, Event, Rules, State};
use crate::pin;
use crate::profile::{Profile, Revocation, SearchBase, SignInMethod};
use crate::report::{Installed, Report, Step, WebRequest};
use crate::trust::revocation::check_revocation;
use crate::trust::{connect_registrar, RegistrarError, RegistrarSession, ValidationFailure};

/// The registrar's port when `--registrar` names none (SIP over TLS).
pub const SIP_TLS_PORT: u16 = 5061;

/// Everything one boot needs.
#[derive(Debug, Clone)]
pub struct Boot {
    pub profile: Profile,
    /// `alice@example.test` or `EXAMPLE\alice`; for PIN sign-in, the extension.
    pub user: String,
    /// The password; for PIN sign-in (`sign_in_method = "pin"`) the PIN, which replaces it.
    pub password: String,
    /// How to find the DC, and the DHCP options (43 and 120 for PIN sign-in).
    pub locator: Locator,
    /// `FQDN[:PORT]`: the name is what the certificate must carry; the address comes from
    /// `--resolve` (or the name is an IP literal). Empty: none given; PIN sign-in then takes
    /// DHCP option 120 ([`crate::pin::registrar_target`]).
    pub registrar: String,
    pub resolve: ResolveMap,
    /// The roots the DC's certificate must chain to (`--ca-file`), for the profile's
    /// `ldap_transport = "starttls" | "ldaps"`; unused over plain LDAP.
    pub dc_trust: Option<DcTrust>,
}

/// What the steps carry forward.
#[derive(Default)]
struct Context {
    dc: Option<LdapTarget>,
    directory: Option<Directory>,
    configuration_nc: String,
    installed: Vec<Installed>,
    registrar: Option<Result<RegistrarSession, RegistrarError>>,
    /// The chain the registrar presented (DER, leaf first), once validated.
    presented: Vec<Vec<u8>>,
    /// The current step's web requests, moved into its report line when it ends.
    requests: Vec<WebRequest>,
}

impl Boot {
    /// Runs the phone from power-on to a verdict. Never panics on what the network returns.
    pub async fn run(&self) -> Report {
        let rules = Rules {
            http_fallback: self.profile.http_fallback,
            loop_on_unreadable: self.profile.loop_on_unreadable,
            check_revocation: self.profile.revocation == Revocation::HardFail,
        };
        let mut context = Context::default();
        let mut state = State::start(self.profile.sign_in_method);
        let mut steps = Vec::new();
        loop {
            if let State::Finished(verdict) = &state {
                if let Some(directory) = context.directory.take() {
                    directory.unbind().await;
                }
                return Report::new(verdict, &self.profile.name, steps, context.installed);
            }
            let started = Instant::now();
            let (event, detail) = self.perform(&state, &mut context).await;
            let elapsed = started.elapsed();
            tracing::info!(step = state.name(), ms = elapsed.as_millis() as u64, %detail, "phone step");
            steps.push(Step {
                name: state.name().to_string(),
                status: if is_failure(&event) { "failed" } else { "ok" },
                ms: elapsed.as_millis() as u64,
                detail,
                screen: state.screen(),
                elapsed,
                requests: std::mem::take(&mut context.requests),
            });
            state = transition(state, event, rules);
        }
    }

    async fn perform(&self, state: &State, context: &mut Context) -> (Event, String) {
        let timeouts = &self.profile.timeouts;
        let ldap_timeout = Duration::from_millis(timeouts.ldap_ms);
        match state {
            State::LocatingDomainController => {
                let transport = self.profile.ldap_transport;
                let located = self
                    .locator
                    .locate_dc(
                        &self.user,
                        Duration::from_millis(timeouts.locate_ms),
                        transport.default_port(),
                    )
                    .await;
                let found = match located {
                    Ok(found) => found,
                    Err(reason) => {
                        let detail = reason.to_string();
                        return (Event::DomainControllerNotFound { reason }, detail);
                    }
                };
                let target = LdapTarget {
                    address: found.address,
                    name: found.name,
                    transport,
                    trust: self.dc_trust.clone(),
                };
                let how = if transport.is_tls() {
                    format!("{}\nover {}", found.how, target.describe())
                } else {
                    found.how
                };
                match self
                    .retry(|| Directory::connect(target.clone(), ldap_timeout))
                    .await
                {
                    Ok(directory) => {
                        context.dc = Some(target);
                        context.directory = Some(directory);
                        (Event::DomainControllerFound, how)
                    }
                    Err(reason) => {
                        let detail = format!("{how}\n{reason}");
                        (Event::DomainControllerNotFound { reason }, detail)
                    }
                }
            }
            State::BindingToDirectory => {
                let Some(directory) = context.directory.as_mut() else {
                    return (
                        Event::BindFailed {
                            reason: Error::internal("no directory connection"),
                        },
                        String::new(),
                    );
                };
                let method = self.profile.ldap_bind;
                match directory.bind(method, &self.user, &self.password).await {
                    Ok(()) => (
                        Event::Bound,
                        format!("{} bind as {}", method.name(), self.user),
                    ),
                    Err(reason) => {
                        let detail = reason.to_string();
                        (Event::BindFailed { reason }, detail)
                    }
                }
            }
            State::SearchingCertificationAuthorities => {
                self.search_cas(context, ldap_timeout).await
            }
            State::SearchingEnrollmentServices => {
                let Some(directory) = context.directory.as_mut() else {
                    return (
                        Event::DirectoryFailed {
                            reason: Error::internal("no directory connection"),
                        },
                        String::new(),
                    );
                };
                let base = context.configuration_nc.clone();
                match directory
                    .search_enrollment_services(&base, &self.profile.enrollment_filter)
                    .await
                {
                    Ok(services) => {
                        let detail = services
                            .iter()
                            .map(|service| {
                                format!(
                                    "{}: dNSHostName {}",
                                    service.dn,
                                    service.dns_host_name.as_deref().unwrap_or("(none)")
                                )
                            })
                            .collect::<Vec<_>>();
                        let hosts = services
                            .into_iter()
                            .filter_map(|service| service.dns_host_name)
                            .collect();
                        let detail = if detail.is_empty() {
                            format!(
                                "no object matches {} under {base}",
                                self.profile.enrollment_filter
                            )
                        } else {
                            detail.join("\n")
                        };
                        (Event::EnrollmentServices { hosts }, detail)
                    }
                    Err(reason) => {
                        let detail = reason.to_string();
                        (Event::DirectoryFailed { reason }, detail)
                    }
                }
            }
            State::DownloadingCertificateChain { hosts } => {
                self.download(hosts, &mut context.requests).await
            }
            State::InstallingCertificates { candidates, .. } => self.install(candidates, context),
            State::ConnectingToRegistrar { .. } => self.connect_registrar(context).await,
            State::ValidatingServerCertificate { .. } => match context.registrar.take() {
                Some(Ok(session)) => {
                    let leaf = session
                        .chain
                        .first()
                        .map(|c| c.subject.clone())
                        .unwrap_or_default();
                    context.presented = session.chain_der;
                    (
                        Event::Validated,
                        format!(
                            "{} {}; registrar certificate {leaf} chains to an installed root",
                            session.protocol, session.cipher_suite
                        ),
                    )
                }
                Some(Err(RegistrarError::Validation(
                    failure @ ValidationFailure::UnsupportedAlgorithm { .. },
                ))) => {
                    let reason = Error::from(RegistrarError::Validation(failure));
                    let detail = reason.to_string();
                    (Event::ValidationUnreadable { reason }, detail)
                }
                Some(Err(error)) => {
                    let reason = Error::from(error);
                    let detail = reason.to_string();
                    (Event::ValidationFailed { reason }, detail)
                }
                None => (
                    Event::ValidationFailed {
                        reason: Error::internal("no TLS session"),
                    },
                    String::new(),
                ),
            },
            State::CheckingRevocation { .. } => self.check_revocation(context).await,
            State::LocatingCertificateWebService => {
                match pin::web_service_url(
                    self.locator.dhcp_option_43.as_deref(),
                    self.profile.certificate_web_service_force_http,
                ) {
                    Ok(located) => (
                        Event::CertificateWebServiceLocated { url: located.url },
                        located.detail,
                    ),
                    Err(reason) => {
                        let detail = reason.to_string();
                        (Event::CertificateWebServiceNotLocated { reason }, detail)
                    }
                }
            }
            State::DownloadingFromCertificateWebService { url } => {
                self.download_from_web_service(url, &mut context.requests)
                    .await
            }
            State::Finished(_) => (Event::Validated, String::new()),
        }
    }

    /// Retries a network step as the profile allows.
    async fn retry<T, F, Fut>(&self, mut attempt: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut last = Error::internal("no attempt was made");
        for _ in 0..=self.profile.retries {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

fn is_failure(event: &Event) -> bool {
    match event {
        Event::DomainControllerNotFound { .. }
        | Event::BindFailed { .. }
        | Event::DirectoryFailed { .. }
        | Event::ConnectFailed { .. }
        | Event::ValidationFailed { .. }
        | Event::ValidationUnreadable { .. }
        | Event::RevocationFailed { .. }
        | Event::CertificateWebServiceNotLocated { .. } => true,
        Event::CertificationAuthorities { candidates } => candidates.is_empty(),
        Event::EnrollmentServices { hosts } => hosts.is_empty(),
        Event::ChainDownloaded { candidates, .. } => candidates.is_empty(),
        Event::Installed { installed, .. } => *installed == 0,
        Event::DomainControllerFound
        | Event::Bound
        | Event::Connected
        | Event::Validated
        | Event::RevocationChecked
        | Event::CertificateWebServiceLocated { .. } => false,
    }
}
