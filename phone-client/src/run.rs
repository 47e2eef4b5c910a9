//! The executor: performs each state's network step, feeds the observed event to the pure
//! machine, and records a report line per step with its measured duration.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::certinfo::describe;
use crate::enroll::{self, ResolveMap};
use crate::ldap::Directory;
use crate::locate::{resolve_host, Locator};
use crate::machine::{transition, Candidate, Event, Rules, State};
use crate::pin;
use crate::profile::{EnrollmentAuth, Profile, Revocation, SearchBase, SignInMethod};
use crate::report::{Installed, Report, Step};
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
}

/// What the steps carry forward.
#[derive(Default)]
struct Context {
    dc: Option<SocketAddr>,
    directory: Option<Directory>,
    configuration_nc: String,
    installed: Vec<Installed>,
    registrar: Option<Result<RegistrarSession, RegistrarError>>,
    /// The chain the registrar presented (DER, leaf first), once validated.
    presented: Vec<Vec<u8>>,
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
            tracing::info!(step = state.name(), ms = started.elapsed().as_millis() as u64, %detail, "phone step");
            steps.push(Step {
                name: state.name().to_string(),
                status: if is_failure(&event) { "failed" } else { "ok" },
                ms: started.elapsed().as_millis() as u64,
                detail,
                screen: state.screen(),
            });
            state = transition(state, event, rules);
        }
    }

    async fn perform(&self, state: &State, context: &mut Context) -> (Event, String) {
        let timeouts = &self.profile.timeouts;
        let ldap_timeout = Duration::from_millis(timeouts.ldap_ms);
        match state {
            State::LocatingDomainController => {
                let located = self
                    .locator
                    .locate(&self.user, Duration::from_millis(timeouts.locate_ms))
                    .await;
                let (address, how) = match located {
                    Ok(found) => found,
                    Err(reason) => {
                        return (
                            Event::DomainControllerNotFound {
                                reason: reason.clone(),
                            },
                            reason,
                        )
                    }
                };
                match self
                    .retry(|| Directory::connect(address, ldap_timeout))
                    .await
                {
                    Ok(directory) => {
                        context.dc = Some(address);
                        context.directory = Some(directory);
                        (Event::DomainControllerFound, how)
                    }
                    Err(reason) => (
                        Event::DomainControllerNotFound {
                            reason: reason.clone(),
                        },
                        format!("{how}\n{reason}"),
                    ),
                }
            }
            State::BindingToDirectory => {
                let Some(directory) = context.directory.as_mut() else {
                    return (
                        Event::BindFailed {
                            reason: "no directory connection".into(),
                        },
                        String::new(),
                    );
                };
                match directory.bind(&self.user, &self.password).await {
                    Ok(()) => (Event::Bound, format!("simple bind as {}", self.user)),
                    Err(reason) => (
                        Event::BindFailed {
                            reason: reason.clone(),
                        },
                        reason,
                    ),
                }
            }
            State::SearchingCertificationAuthorities => {
                self.search_cas(context, ldap_timeout).await
            }
            State::SearchingEnrollmentServices => {
                let Some(directory) = context.directory.as_mut() else {
                    return (
                        Event::DirectoryFailed {
                            reason: "no directory connection".into(),
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
                    Err(reason) => (
                        Event::DirectoryFailed {
                            reason: reason.clone(),
                        },
                        reason,
                    ),
                }
            }
            State::DownloadingCertificateChain { hosts } => self.download(hosts).await,
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
                    let reason = RegistrarError::Validation(failure).to_string();
                    (
                        Event::ValidationUnreadable {
                            reason: reason.clone(),
                        },
                        reason,
                    )
                }
                Some(Err(error)) => (
                    Event::ValidationFailed {
                        reason: error.to_string(),
                    },
                    error.to_string(),
                ),
                None => (
                    Event::ValidationFailed {
                        reason: "no TLS session".into(),
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
                    Err(reason) => (
                        Event::CertificateWebServiceNotLocated {
                            reason: reason.clone(),
                        },
                        reason,
                    ),
                }
            }
            State::DownloadingFromCertificateWebService { url } => {
                self.download_from_web_service(url).await
            }
            State::Finished(_) => (Event::Validated, String::new()),
        }
    }

    /// Hard-fail CRL checking of the validated chain ([`crate::trust::revocation`]).
    async fn check_revocation(&self, context: &mut Context) -> (Event, String) {
        let client = match enroll::http_client_with(
            &self.resolve,
            Duration::from_millis(self.profile.timeouts.http_ms),
            self.profile.follow_redirects,
        ) {
            Ok(client) => client,
            Err(error) => {
                let reason =
                    format!("revocation status unknown: {error}; this firmware hard-fails");
                return (
                    Event::RevocationFailed {
                        reason: reason.clone(),
                    },
                    reason,
                );
            }
        };
        let installed: Vec<Vec<u8>> = context
            .installed
            .iter()
            .map(|installed| installed.der.clone())
            .collect();
        let check = check_revocation(
            &context.presented,
            &installed,
            &self.profile.trust_policy(),
            &client,
            self.profile.retries,
        )
        .await;
        let mut detail = check.lines;
        match check.result {
            Ok(()) => (Event::RevocationChecked, detail.join("\n")),
            Err(reason) => {
                detail.push(reason.clone());
                (Event::RevocationFailed { reason }, detail.join("\n"))
            }
        }
    }

    /// PIN sign-in: GETs the root chain from the Certificate Provisioning web service.
    async fn download_from_web_service(&self, url: &str) -> (Event, String) {
        let failed = |reason: String| {
            let detail = if reason.contains(url) {
                reason.clone()
            } else {
                format!("GET {url}: {reason}")
            };
            (
                Event::ChainDownloaded {
                    candidates: vec![],
                    failures: vec![reason],
                },
                detail,
            )
        };
        let client = match enroll::http_client_with(
            &self.resolve,
            Duration::from_millis(self.profile.timeouts.http_ms),
            self.profile.follow_redirects,
        ) {
            Ok(client) => client,
            Err(error) => return failed(error.to_string()),
        };
        let mut fetched = enroll::fetch_chain(&client, url).await;
        for _ in 0..self.profile.retries {
            if !matches!(
                fetched,
                Err(enroll::EnrollError::Connect { .. } | enroll::EnrollError::Timeout { .. })
            ) {
                break;
            }
            fetched = enroll::fetch_chain(&client, url).await;
        }
        match fetched {
            Ok(chain) => (
                Event::ChainDownloaded {
                    candidates: chain
                        .iter()
                        .map(|der| Candidate {
                            der: der.clone(),
                            source: url.to_string(),
                        })
                        .collect(),
                    failures: vec![],
                },
                format!("GET {url}: {} certificate(s)", chain.len()),
            ),
            Err(error) => failed(pin::download_failure(&error)),
        }
    }

    /// The registrar to dial, and where that came from.
    fn registrar_target(&self) -> Result<(String, &'static str), String> {
        match self.profile.sign_in_method {
            SignInMethod::Pin => {
                pin::registrar_target(&self.registrar, self.locator.dhcp_option_120.as_deref())
            }
            SignInMethod::Directory if self.registrar.trim().is_empty() => {
                Err("no registrar to connect to (--registrar is empty)".into())
            }
            SignInMethod::Directory => Ok((self.registrar.trim().to_string(), "--registrar")),
        }
    }

    async fn search_cas(&self, context: &mut Context, ldap_timeout: Duration) -> (Event, String) {
        let Some(directory) = context.directory.as_mut() else {
            return (
                Event::DirectoryFailed {
                    reason: "no directory connection".into(),
                },
                String::new(),
            );
        };
        let (configuration_nc, default_nc) = match directory.naming_contexts().await {
            Ok(contexts) => contexts,
            Err(reason) => {
                return (
                    Event::DirectoryFailed {
                        reason: reason.clone(),
                    },
                    reason,
                )
            }
        };
        context.configuration_nc = configuration_nc.clone();
        let filter = &self.profile.ca_filter;
        let (result, base, port_note) = match self.profile.search_base {
            SearchBase::ConfigurationNc => (
                directory
                    .search_certification_authorities(&configuration_nc, filter)
                    .await,
                configuration_nc,
                String::new(),
            ),
            SearchBase::DomainNc => (
                directory
                    .search_certification_authorities(&default_nc, filter)
                    .await,
                default_nc,
                String::new(),
            ),
            SearchBase::GlobalCatalog => {
                let Some(dc) = context.dc else {
                    return (
                        Event::DirectoryFailed {
                            reason: "no DC address".into(),
                        },
                        String::new(),
                    );
                };
                let gc = SocketAddr::new(dc.ip(), self.profile.global_catalog_port);
                let result = match Directory::connect(gc, ldap_timeout).await {
                    Ok(mut global_catalog) => {
                        let found = match global_catalog.bind(&self.user, &self.password).await {
                            Ok(()) => {
                                global_catalog
                                    .search_certification_authorities("", filter)
                                    .await
                            }
                            Err(reason) => Err(reason),
                        };
                        global_catalog.unbind().await;
                        found
                    }
                    Err(reason) => Err(reason),
                };
                (
                    result,
                    String::new(),
                    format!(" on the Global Catalog {gc}"),
                )
            }
        };
        match result {
            Ok(found) => {
                let mut detail = vec![format!(
                    "{filter} under {base:?}{port_note}: {} object(s), {} usable certificate(s)",
                    found.objects,
                    found.candidates.len()
                )];
                detail.extend(
                    found
                        .candidates
                        .iter()
                        .map(|candidate| format!("usable: {}", candidate.source)),
                );
                detail.extend(
                    found
                        .unusable
                        .iter()
                        .map(|reason| format!("unusable (counts as empty): {reason}")),
                );
                detail.extend(
                    found.references.iter().map(|reference| {
                        format!("continuation reference not followed: {reference}")
                    }),
                );
                (
                    Event::CertificationAuthorities {
                        candidates: found.candidates,
                    },
                    detail.join("\n"),
                )
            }
            Err(reason) => (
                Event::DirectoryFailed {
                    reason: reason.clone(),
                },
                reason,
            ),
        }
    }

    async fn download(&self, hosts: &[String]) -> (Event, String) {
        let client = match enroll::http_client_with(
            &self.resolve,
            Duration::from_millis(self.profile.timeouts.http_ms),
            self.profile.follow_redirects,
        ) {
            Ok(client) => client,
            Err(error) => {
                return (
                    Event::ChainDownloaded {
                        candidates: vec![],
                        failures: vec![error.to_string()],
                    },
                    error.to_string(),
                )
            }
        };
        let mut candidates = Vec::new();
        let mut failures = Vec::new();
        let mut detail = Vec::new();
        for host in hosts {
            // The phone's URL has no port; a --resolve mapping to another port (a test world) is
            // honoured by the client's resolver, so the URL stays the one the phone requests.
            let url = enroll::chain_url(
                host,
                None,
                self.profile.enrollment_renewal,
                self.profile.enrollment_encoding,
            );
            let credentials = match self.profile.enrollment_auth {
                EnrollmentAuth::None => None,
                EnrollmentAuth::Basic => Some((self.user.as_str(), self.password.as_str())),
            };
            // Each host's own time goes into the detail: in a forest with stale enrollment
            // services this is where a slow boot spends it.
            let host_started = Instant::now();
            let mut fetched = enroll::fetch_chain_as(&client, &url, credentials).await;
            for _ in 0..self.profile.retries {
                if !matches!(
                    fetched,
                    Err(enroll::EnrollError::Connect { .. } | enroll::EnrollError::Timeout { .. })
                ) {
                    break;
                }
                fetched = enroll::fetch_chain_as(&client, &url, credentials).await;
            }
            let host_ms = host_started.elapsed().as_millis();
            match fetched {
                Ok(chain) => {
                    detail.push(format!(
                        "GET {url}: {} certificate(s) ({host_ms} ms)",
                        chain.len()
                    ));
                    candidates.extend(chain.into_iter().map(|der| Candidate {
                        der,
                        source: url.clone(),
                    }));
                }
                Err(error) => {
                    detail.push(format!("GET {url}: {error} ({host_ms} ms)"));
                    failures.push(error.to_string());
                }
            }
        }
        (
            Event::ChainDownloaded {
                candidates,
                failures,
            },
            detail.join("\n"),
        )
    }

    /// Installs what the firmware can read and the install policy keeps.
    fn install(&self, candidates: &[Candidate], context: &mut Context) -> (Event, String) {
        let mut rejected = Vec::new();
        let mut unreadable = 0;
        let mut detail = Vec::new();
        for candidate in candidates {
            let info = match describe(&candidate.der) {
                Ok(info) => info,
                Err(reason) => {
                    rejected.push(format!("{}: {reason}", candidate.source));
                    continue;
                }
            };
            if let Some(reason) = self.profile.refusal(&info) {
                if reason.starts_with("this firmware cannot read") {
                    unreadable += 1;
                }
                detail.push(format!(
                    "not installed: {} from {}: {reason}",
                    info.subject, candidate.source
                ));
                rejected.push(format!("{}: {reason}", info.subject));
                continue;
            }
            if context
                .installed
                .iter()
                .any(|installed| installed.certificate.sha256 == info.sha256)
            {
                detail.push(format!(
                    "already installed: {} (also from {})",
                    info.subject, candidate.source
                ));
                continue;
            }
            detail.push(format!(
                "installed: {} ({}, {}) from {}",
                info.subject, info.key, info.signature_algorithm, candidate.source
            ));
            context.installed.push(Installed {
                certificate: info,
                source: candidate.source.clone(),
                der: candidate.der.clone(),
            });
        }
        (
            Event::Installed {
                installed: context.installed.len(),
                rejected,
                unreadable,
            },
            detail.join("\n"),
        )
    }

    async fn connect_registrar(&self, context: &mut Context) -> (Event, String) {
        let (registrar, origin) = match self.registrar_target() {
            Ok(target) => target,
            Err(reason) => {
                return (
                    Event::ConnectFailed {
                        reason: reason.clone(),
                    },
                    reason,
                )
            }
        };
        let server_name = registrar_name(&registrar);
        let address = match resolve_host(&registrar, SIP_TLS_PORT, &self.resolve) {
            Ok(address) => address,
            Err(reason) => {
                return (
                    Event::ConnectFailed {
                        reason: reason.clone(),
                    },
                    reason,
                )
            }
        };
        let roots: Vec<Vec<u8>> = context
            .installed
            .iter()
            .map(|installed| installed.der.clone())
            .collect();
        let policy = self.profile.trust_policy();
        let timeout = Duration::from_millis(self.profile.timeouts.tls_ms);
        let mut outcome = connect_registrar(address, &server_name, &roots, &policy, timeout).await;
        // Only transport failures are retried; a certificate verdict does not change on a retry.
        for _ in 0..self.profile.retries {
            if !matches!(
                outcome,
                Err(RegistrarError::Connect { .. } | RegistrarError::Timeout { .. })
            ) {
                break;
            }
            outcome = connect_registrar(address, &server_name, &roots, &policy, timeout).await;
        }
        let detail = format!(
            "TLS to {server_name} (from {origin}) at {address} with {} installed certificate(s)",
            roots.len()
        );
        match outcome {
            Err(error @ (RegistrarError::Connect { .. } | RegistrarError::Timeout { .. })) => (
                Event::ConnectFailed {
                    reason: error.to_string(),
                },
                format!("{detail}: {error}"),
            ),
            other => {
                context.registrar = Some(other);
                (Event::Connected, detail)
            }
        }
    }

    /// Retries a network step as the profile allows.
    async fn retry<T, F, Fut>(&self, mut attempt: F) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, String>>,
    {
        let mut last = String::new();
        for _ in 0..=self.profile.retries {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

/// The name the registrar's certificate must carry: `--registrar` without its port.
fn registrar_name(registrar: &str) -> String {
    match registrar.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => registrar.to_string(),
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
